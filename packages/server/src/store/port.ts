import type { RefundCommand } from '@micropay/protocol';
import type { Decided, Effect } from '../domain/effects.js';
import type { Merchant, Order, Refund, Wallet } from '../domain/model.js';
import type { Cashier, PageSession, SignInLink } from '../domain/page-access.js';
import type { WalletDevice } from '../domain/offline-code.js';
import type { Operator } from '../domain/operator.js';
import type { ChargeStartView } from '../domain/cashier-charge.js';
import type { Payout, PayoutRequestView, WalletToClose } from '../domain/payout.js';
import type { PayoutAccountView } from '../domain/payout-account.js';
import type { PayoutsOfFile, PayoutsToFile } from '../domain/payout-file.js';
import type { TopUpView } from '../domain/wallet.js';
import type { RefundFinishView, RefundView } from '../domain/refund.js';
import type { EntryToReverse } from '../domain/top-up-reversal.js';

/**
 * What a decision reads inside its transaction, each a closed case a store answers with its own
 * SQL and locks (docs/architecture.md lists which locks each takes).
 */
export type ViewRequest =
  /** Nothing: the decision needs no reads (creating a wallet). */
  | { readonly view: 'none' }
  /** The merchant, locked against other changes of it. */
  | { readonly view: 'merchant'; readonly mchId: string }
  /** Every merchant id that starts with `prefix`, with new merchant ids locked until commit. */
  | { readonly view: 'merchantIds'; readonly prefix: string }
  /**
   * The wallet, locked against other changes of it; with `lockBalance`, its balance too, so a
   * credit cannot land between the decision's read of the balance and its write (top-ups).
   */
  | { readonly view: 'wallet'; readonly walletId: string; readonly lockBalance?: boolean }
  /** A top-up (domain/wallet.ts decideTopUp): the wallet with its balance locked, then the top-up made under the request id, if any. */
  | { readonly view: 'topUp'; readonly walletId: string; readonly requestId: string }
  /**
   * A top-up to reverse (domain/top-up-reversal.ts): the wallet and its balance locked, as `wallet`
   * with `lockBalance`, and the journal entry as it touched the wallet, with its reversal if any.
   */
  | { readonly view: 'topUpToReverse'; readonly walletId: string; readonly entryId: number }
  /** The wallet, locked as `wallet`, with its offline devices (revoked and expired ones too). */
  | { readonly view: 'walletDevices'; readonly walletId: string }
  /**
   * A wallet to close (domain/payout.ts): the wallet and its balance locked, as `wallet` with
   * `lockBalance`, and the sum of the refunds to it in process.
   */
  | { readonly view: 'walletToClose'; readonly walletId: string }
  /** An order by its id, locked; with its wallet, locked, when `withWallet`. */
  | { readonly view: 'order'; readonly orderId: string; readonly withWallet: boolean }
  /** The merchant's order under this id, locked, and the id itself against payments racing for it. */
  | { readonly view: 'orderToClose'; readonly mchId: string; readonly mchOrderId: string }
  /** What a refund request is decided on; the order is locked against other refunds of it. */
  | { readonly view: 'refundRequest'; readonly cmd: RefundCommand }
  /** A refund with its order, locked; and, while it is in process, what finishing it depends on. */
  | { readonly view: 'refundToFinish'; readonly refundId: string }
  /** A web page's session by the hash of its id, locked. */
  | { readonly view: 'pageSession'; readonly sessionHash: string }
  /** A wallet sign-in link by the hash of its token, locked, with its wallet. */
  | { readonly view: 'signInLink'; readonly linkHash: string }
  /** A merchant and its cashier of this name, locked (the cashier, when there is one). */
  | { readonly view: 'cashier'; readonly mchId: string; readonly name: string }
  /** An operator by name, locked (docs/consoles.md). */
  | { readonly view: 'operator'; readonly name: string }
  /** The cashier page's record of a charge under the merchant's order id, with the id locked against another start. */
  | { readonly view: 'cashierCharge'; readonly mchId: string; readonly mchOrderId: string }
  /**
   * The merchants whose keys are not encrypted under the store's current master key, locked, in
   * mchId order: those still in plain text (written before the master-key migration: SQLite 8, PostgreSQL
   * 9), and unless `plainOnly`
   * those under another master key (a rotation: secrets/merchant-key-vault.ts); with them, unless
   * `plainOnly`, the operators whose TOTP secret is under another master key, locked.
   */
  | { readonly view: 'merchantsToReseal'; readonly plainOnly: boolean }
  /**
   * A merchant's payout (domain/payout.ts): the merchant, its whole balance locked against every
   * other debit (concurrent payments may still credit it), and the payout under the request id.
   */
  | { readonly view: 'payoutRequest'; readonly mchId: string; readonly requestId: string | null }
  /** A merchant, locked as `merchant`, and its payout account (domain/payout-account.ts). */
  | { readonly view: 'payoutAccount'; readonly mchId: string }
  /** A payout by its id, locked. */
  | { readonly view: 'payout'; readonly payoutId: string }
  /**
   * A new payout file (domain/payout-file.ts): the REQUESTED payouts in no file yet requested in
   * [fromMs, toMs), newest first, at most `limit`, locked; and the last file's number, files being
   * made one at a time (SQLite's one writer; PostgreSQL's advisory lock).
   */
  | { readonly view: 'payoutsToFile'; readonly fromMs: number; readonly toMs: number; readonly limit: number }
  /** A file's payouts still REQUESTED, in payout id order, each locked as `payout` locks one; and the last file's number. */
  | { readonly view: 'payoutsOfFile'; readonly fileNo: number };

export interface ViewOf {
  none: null;
  merchant: Merchant | null;
  merchantIds: ReadonlySet<string>;
  wallet: Wallet | null;
  topUpToReverse: { readonly wallet: Wallet; readonly entry: EntryToReverse | null } | null;
  walletDevices: { readonly wallet: Wallet; readonly devices: readonly WalletDevice[] } | null;
  walletToClose: WalletToClose | null;
  order: { readonly order: Order; readonly wallet: Wallet | null } | null;
  orderToClose: Order | null;
  refundRequest: RefundView;
  refundToFinish: { readonly refund: Refund; readonly order: Order; readonly finish: RefundFinishView | null } | null;
  pageSession: PageSession | null;
  signInLink: { readonly link: SignInLink; readonly wallet: Wallet | null } | null;
  cashier: { readonly merchant: Merchant | null; readonly cashier: Cashier | null };
  operator: Operator | null;
  cashierCharge: ChargeStartView;
  merchantsToReseal: { readonly merchants: readonly Merchant[]; readonly operators: readonly Operator[] };
  payoutRequest: PayoutRequestView;
  payoutAccount: PayoutAccountView;
  payout: Payout | null;
  payoutsToFile: PayoutsToFile;
  payoutsOfFile: PayoutsOfFile;
  topUp: TopUpView | null;
}

export type ViewName = ViewRequest['view'];
export type ViewFor<N extends ViewName> = Extract<ViewRequest, { view: N }>;

/**
 * The narrow port the services (src/services) stand on. A store reads a view, lets the decision
 * name its effects and applies them, all in one transaction; and it answers two lists of work due.
 */
export interface StorePort {
  /**
   * One transaction: read the view (taking its locks), decide at the clock's now, apply the
   * effects in order, commit. Retried whole on a deadlock; an IdClashError (id-clash.ts) from
   * an insert is the caller's to retry.
   */
  decide<N extends ViewName, R>(request: ViewFor<N>, decide: (view: ViewOf[N], nowMs: number) => Decided<R>): Promise<R>;
  /** Unsettled orders whose deadline is at or before `nowMs`, earliest first. */
  dueUnsettledOrderIds(nowMs: number, limit: number): Promise<string[]>;
  /** Refunds still in process that were requested at or before `beforeMs`, oldest first. */
  staleRefundIds(beforeMs: number, limit: number): Promise<string[]>;
  nowMs(): number;
}

export type { Effect };
