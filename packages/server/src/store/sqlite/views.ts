import type Database from 'better-sqlite3';
import { assert, merchantAccount, walletAccount } from '../../domain/ledger.js';
import type { Merchant, Order, Refund, Wallet, WalletStatus } from '../../domain/model.js';
import type { Payout } from '../../domain/payout.js';
import type { RefundView } from '../../domain/refund.js';
import type { ViewFor, ViewName, ViewOf } from '../port.js';
import { PAGE_SESSION_SELECT, toCashier, toMerchant, ORDER_BY_KEY, ORDER_SELECT_LIST, orderOfValues, toPageSession, toPayout, toPayoutAccount, toRefund, toSignInLink, toWallet, type Row } from '../rows.js';
import { LAST_PAYOUT_FILE, PAYOUT_ACCOUNT_SELECT, PAYOUTS_TO_FILE, PAYOUTS_WAITING_IN_FILE } from '../payout-schema.js';
import type { PayoutAccount } from '../../domain/payout-account.js';
import { sqliteSql } from '../page-access-sql.js';
import { OPERATOR_BY_NAME, OPERATORS_TO_RESEAL, toOperator } from '../operator-sql.js';
import { CASHIER_CHARGE_BY_ID, ORDER_ID_USED, toCashierCharge } from '../cashier-charge-sql.js';
import type { MerchantKeyVault } from '../../secrets/merchant-key-vault.js';
import { WALLET_COLUMNS } from './rows.js';
import { REFUNDS_IN_PROCESS_TO_WALLET } from '../wallet-close-sql.js';
import { toDevice, WALLET_DEVICES } from '../offline-device-sql.js';
import { ENTRY_TO_REVERSE, toEntryToReverse, TOP_UP_REQUEST } from '../top-up-reversal-sql.js';

/**
 * The views decisions read (store/port.ts), on SQLite. They run inside an immediate transaction,
 * which holds the file's write lock, so nothing read can change before the effects are applied:
 * SQLite needs no row locks.
 */
export class SqliteViews {
  readonly #s;

  /** `keys` opens the merchants' keys as they are read (secrets/merchant-key-vault.ts). */
  constructor(db: Database.Database, private readonly keys: MerchantKeyVault) {
    this.#s = prepare(db);
  }

  read<N extends ViewName>(request: ViewFor<N>): ViewOf[N] {
    return this.#read(request) as ViewOf[N];
  }

  #read(q: ViewFor<ViewName>): ViewOf[ViewName] {
    switch (q.view) {
      case 'none':
        return null;
      case 'merchant':
        return this.merchant(q.mchId);
      case 'merchantIds':
        return new Set((this.#s.merchantIdsLike.all(`${q.prefix}%`) as { mch_id: string }[]).map((r) => r.mch_id));
      case 'wallet':
        return this.wallet(q.walletId);
      case 'topUp': {
        const wallet = this.wallet(q.walletId);
        const earlier = this.#s.topUpRequest.get(q.walletId, q.requestId) as { amount_sen: number } | undefined;
        return wallet === null ? null : { wallet, earlierSen: earlier?.amount_sen ?? null };
      }
      case 'topUpToReverse': {
        const wallet = this.wallet(q.walletId);
        const row = this.#s.entryToReverse.get(q.entryId, walletAccount(q.walletId)) as Row | undefined;
        return wallet === null ? null : { wallet, entry: row === undefined ? null : toEntryToReverse(row) };
      }
      case 'walletDevices': {
        const wallet = this.wallet(q.walletId);
        return wallet === null ? null : { wallet, devices: (this.#s.walletDevices.all(q.walletId) as Row[]).map(toDevice) };
      }
      case 'walletToClose': {
        const wallet = this.wallet(q.walletId);
        return wallet === null ? null : { wallet, refundsInProcessSen: (this.#s.refundsInProcessToWallet.get(q.walletId) as { sen: number }).sen };
      }
      case 'order': {
        const order = this.orderById(q.orderId);
        return order === null ? null : { order, wallet: q.withWallet ? this.wallet(order.walletId) : null };
      }
      case 'orderToClose':
        return this.order(q.mchId, q.mchOrderId);
      case 'refundRequest':
        return this.#refundRequest(q.cmd.mchId, q.cmd.mchRefundId, q.cmd.mchOrderId);
      case 'refundToFinish':
        return this.#refundToFinish(q.refundId);
      case 'cashierCharge': {
        const row = this.#s.cashierCharge.get(q.mchId, q.mchOrderId) as Row | undefined;
        const used = (this.#s.orderIdUsed.get(q.mchId, q.mchOrderId, q.mchId, q.mchOrderId) as { used: number }).used;
        return { charge: row === undefined ? null : toCashierCharge(row), orderIdUsed: used === 1 };
      }
      case 'merchantsToReseal': {
        const merchants = (this.#s.merchantsToReseal.all(q.plainOnly ? 1 : 0, this.keys.currentId) as Row[]).map((r) => toMerchant(r, this.keys));
        const operators = q.plainOnly ? [] : (this.#s.operatorsToReseal.all(this.keys.currentId) as Row[]).map((r) => toOperator(r, this.keys));
        return { merchants, operators };
      }
      case 'payoutRequest': {
        const merchant = this.merchant(q.mchId);
        if (merchant === null) return { merchant, balanceSen: 0, existing: null, payoutAccount: null };
        const balance = this.#s.balance.get(merchantAccount(q.mchId)) as { balance_sen: number } | undefined;
        assert(balance !== undefined, 'a merchant has its account');
        const existing = q.requestId === null ? undefined : (this.#s.payoutByRequest.get(q.mchId, q.requestId) as Row | undefined);
        return { merchant, balanceSen: balance.balance_sen, existing: existing === undefined ? null : toPayout(existing), payoutAccount: this.payoutAccount(q.mchId) };
      }
      case 'payoutAccount':
        return { merchant: this.merchant(q.mchId), account: this.payoutAccount(q.mchId) };
      case 'payout':
        return this.payout(q.payoutId);
      case 'payoutsToFile':
        // The one writer's transaction holds them, and the number, until it commits.
        return {
          payouts: (this.#s.payoutsToFile.all(q.fromMs, q.toMs, q.limit) as Row[]).map(toPayout),
          lastFileNo: this.lastPayoutFileNo(),
        };
      case 'payoutsOfFile':
        return { waiting: (this.#s.payoutsWaitingInFile.all(q.fileNo) as Row[]).map(toPayout), lastFileNo: this.lastPayoutFileNo() };
      default:
        return this.#readPageAccess(q);
    }
  }

  /** The web pages' sign-in views (domain/page-access.ts). */
  #readPageAccess(q: ViewFor<'pageSession' | 'signInLink' | 'cashier' | 'operator'>): ViewOf['pageSession' | 'signInLink' | 'cashier' | 'operator'] {
    switch (q.view) {
      case 'operator': {
        const row = this.#s.operator.get(q.name) as Row | undefined;
        return row === undefined ? null : toOperator(row, this.keys);
      }
      case 'pageSession': {
        const row = this.#s.pageSession.get(q.sessionHash) as Row | undefined;
        return row === undefined ? null : toPageSession(row);
      }
      case 'signInLink': {
        const row = this.#s.signInLink.get(q.linkHash) as Row | undefined;
        if (row === undefined) return null;
        const link = toSignInLink(row);
        return { link, wallet: this.wallet(link.walletId) };
      }
      case 'cashier': {
        const row = this.#s.cashier.get(q.mchId, q.name) as Row | undefined;
        return { merchant: this.merchant(q.mchId), cashier: row === undefined ? null : toCashier(row) };
      }
    }
  }

  merchant(mchId: string): Merchant | null {
    const row = this.#s.merchant.get(mchId) as Row | undefined;
    return row === undefined ? null : toMerchant(row, this.keys);
  }

  wallet(walletId: string): Wallet | null {
    const row = this.#s.wallet.get(walletId) as Row | undefined;
    return row === undefined ? null : toWallet(row);
  }

  payoutAccount(mchId: string): PayoutAccount | null {
    const row = this.#s.payoutAccount.get(mchId) as Row | undefined;
    return row === undefined ? null : toPayoutAccount(row);
  }

  /** The last payout file's number; 0: none made yet. */
  lastPayoutFileNo(): number {
    return (this.#s.lastPayoutFile.get() as { file_no: number }).file_no;
  }

  payout(payoutId: string): Payout | null {
    const row = this.#s.payout.get(payoutId) as Row | undefined;
    return row === undefined ? null : toPayout(row);
  }

  order(mchId: string, mchOrderId: string): Order | null {
    const values = this.#s.order.get(mchId, mchOrderId) as unknown[] | undefined;
    return values === undefined ? null : orderOfValues(values);
  }

  orderById(orderId: string): Order | null {
    const values = this.#s.orderById.get(orderId) as unknown[] | undefined;
    return values === undefined ? null : orderOfValues(values);
  }

  refund(mchId: string, mchRefundId: string): { refund: Refund; order: Order } | null {
    const row = this.#s.refund.get(mchId, mchRefundId) as Row | undefined;
    return row === undefined ? null : this.#withOrder(toRefund(row));
  }

  #refundRequest(mchId: string, mchRefundId: string, mchOrderId: string): RefundView {
    const existing = this.refund(mchId, mchRefundId);
    return { existing, order: existing === null ? this.order(mchId, mchOrderId) : null };
  }

  #refundToFinish(refundId: string): ViewOf['refundToFinish'] {
    const row = this.#s.refundById.get(refundId) as Row | undefined;
    if (row === undefined) return null;
    const { refund, order } = this.#withOrder(toRefund(row));
    if (refund.status !== 'REFUND_IN_PROCESS') return { refund, order, finish: null };
    const balance = this.#s.balance.get(merchantAccount(refund.mchId)) as { balance_sen: number } | undefined;
    const wallet = this.#s.walletStatus.get(order.walletId) as { status: WalletStatus } | undefined;
    assert(balance !== undefined && wallet !== undefined, 'the merchant account and the wallet of a refund exist');
    const others = (this.#s.otherRefundsInProcess.get(refund.orderId, refund.refundId) as { n: number }).n;
    return { refund, order, finish: { merchantBalanceSen: balance.balance_sen, walletStatus: wallet.status, otherRefundsInProcess: others } };
  }

  #withOrder(refund: Refund): { refund: Refund; order: Order } {
    const order = this.orderById(refund.orderId);
    assert(order !== null, `refund ${refund.refundId} has its order`);
    return { refund, order };
  }
}

function prepare(db: Database.Database) {
  return {
    merchant: db.prepare('SELECT * FROM merchants WHERE mch_id = ?'),
    merchantIdsLike: db.prepare('SELECT mch_id FROM merchants WHERE mch_id LIKE ?'),
    merchantsToReseal: db.prepare('SELECT * FROM merchants WHERE master_key_id IS NULL OR (? = 0 AND master_key_id <> ?) ORDER BY mch_id'),
    wallet: db.prepare(`SELECT ${WALLET_COLUMNS} FROM wallets w JOIN accounts a ON a.id = w.account_id WHERE w.wallet_id = ?`),
    // Orders as arrays (rows.ts, ORDER_COLUMNS): queryBill's lookup is the hottest read.
    order: db.prepare(sqliteSql(ORDER_BY_KEY)).raw(),
    orderById: db.prepare(`SELECT ${ORDER_SELECT_LIST} FROM orders WHERE order_id = ?`).raw(),
    refund: db.prepare('SELECT * FROM refunds WHERE mch_id = ? AND mch_refund_id = ?'),
    refundById: db.prepare('SELECT * FROM refunds WHERE refund_id = ?'),
    refundsInProcessToWallet: db.prepare(REFUNDS_IN_PROCESS_TO_WALLET),
    walletDevices: db.prepare(sqliteSql(WALLET_DEVICES)),
    entryToReverse: db.prepare(sqliteSql(ENTRY_TO_REVERSE)),
    balance: db.prepare('SELECT balance_sen FROM accounts WHERE id = ?'),
    walletStatus: db.prepare('SELECT status FROM wallets WHERE wallet_id = ?'),
    pageSession: db.prepare(sqliteSql(PAGE_SESSION_SELECT)),
    signInLink: db.prepare('SELECT * FROM wallet_sign_in_links WHERE link_hash = ?'),
    cashier: db.prepare('SELECT * FROM cashiers WHERE mch_id = ? AND name = ?'),
    operator: db.prepare(sqliteSql(OPERATOR_BY_NAME)),
    operatorsToReseal: db.prepare(sqliteSql(OPERATORS_TO_RESEAL)),
    cashierCharge: db.prepare(sqliteSql(CASHIER_CHARGE_BY_ID)),
    orderIdUsed: db.prepare(sqliteSql(ORDER_ID_USED)),
    payout: db.prepare('SELECT * FROM payouts WHERE payout_id = ?'),
    payoutByRequest: db.prepare('SELECT * FROM payouts WHERE mch_id = ? AND request_id = ?'),
    payoutAccount: db.prepare(sqliteSql(PAYOUT_ACCOUNT_SELECT)),
    payoutsToFile: db.prepare(sqliteSql(PAYOUTS_TO_FILE)),
    topUpRequest: db.prepare(sqliteSql(TOP_UP_REQUEST)),
    payoutsWaitingInFile: db.prepare(sqliteSql(PAYOUTS_WAITING_IN_FILE)),
    lastPayoutFile: db.prepare(LAST_PAYOUT_FILE),
    otherRefundsInProcess: db.prepare(`SELECT COUNT(*) AS n FROM refunds WHERE order_id = ? AND status = 'REFUND_IN_PROCESS' AND refund_id <> ?`),
  };
}
