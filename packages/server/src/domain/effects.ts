import type { OperatorRole } from '@micropay/protocol/operator-roles';
import type { OrderStatus, Secret } from '@micropay/protocol';
import type { JournalEntry } from './ledger.js';
import type { Merchant, Order, PayCode, Refund, WalletStatus } from './model.js';
import type { NotificationEvent } from './notification.js';
import type { WalletDevice } from './offline-code.js';
import type { Cashier, PageSession, SignInLink } from './page-access.js';
import type { CashierCharge } from './cashier-charge.js';
import type { Operator } from './operator.js';
import { assertPayoutTransition, type Payout } from './payout.js';
import type { PayoutAccount } from './payout-account.js';
import { assert } from './ledger.js';
import { checkAuditEntry, type AuditEntry } from './audit-log.js';
import { assertRefundTransition, assertTransition, orderAfter, type OrderChanges } from './order-state.js';

/**
 * What a decision changes, from a closed list: the domain computes the effects, a store applies
 * them in the decision's transaction, each as one write that asserts its invariant (TigerBeetle's
 * "compute what must change, then apply it"). A store that knows how to apply these knows how to
 * record every money movement and state change of the platform.
 */
export type Effect =
  /** A new order, in a legal first state, under the payment code it was asked with. */
  | { readonly kind: 'insertOrder'; readonly order: Order; readonly payCode: string }
  /** The code pays (or holds for) this order: active → used, exactly once. */
  | { readonly kind: 'useCode'; readonly code: string; readonly orderId: string }
  /**
   * An offline code pays: its counter becomes the wallet's last accepted one, compare-and-set
   * (it must be above the one stored), on the wallet's account row that the payment writes anyway.
   */
  | { readonly kind: 'advanceOfflineCounter'; readonly walletId: string; readonly counter: number }
  /** Reserves (positive) or releases (negative) part of a wallet's balance for a PENDING order. */
  | { readonly kind: 'hold'; readonly walletId: string; readonly deltaSen: number }
  /** Books a journal entry: its postings and its accounts' balances, together. */
  | { readonly kind: 'book'; readonly entry: JournalEntry }
  /** Compare-and-set: the order is still `from` (its status and refunded amount) and becomes `to`. */
  | { readonly kind: 'moveOrder'; readonly from: Order; readonly to: Order }
  | { readonly kind: 'insertRefund'; readonly refund: Refund }
  /** Compare-and-set on the refund's status, like moveOrder. */
  | { readonly kind: 'moveRefund'; readonly from: Refund; readonly to: Refund }
  /**
   * The outbox row for an event, written only when the merchant has a notify URL. The payload is
   * the subject as it is now, so a late delivery still tells what happened then.
   */
  | {
      readonly kind: 'notify';
      readonly mchId: string;
      readonly event: NotificationEvent;
      readonly subject: Order | Refund;
      readonly atMs: number;
    }
  /**
   * A TEST notification (the merchant's check of its receiver) to `url`, due at once. Its subject
   * is the notification itself: it tells of no order or refund.
   */
  | { readonly kind: 'notifyTest'; readonly notificationId: string; readonly mchId: string; readonly url: string; readonly atMs: number }
  /** No order exists under the id: it is recorded closed, so no payment can take it later. */
  | { readonly kind: 'closeOrderId'; readonly mchId: string; readonly mchOrderId: string; readonly atMs: number }
  /** A new wallet with its ledger account, active and empty (an opening balance is a `book` after it). */
  | { readonly kind: 'insertWallet'; readonly wallet: NewWalletRecord }
  /** The wallet's earlier active code is retired and this one becomes its active code. */
  | { readonly kind: 'issueCode'; readonly code: PayCode }
  | { readonly kind: 'setWalletStatus'; readonly walletId: string; readonly status: WalletStatus }
  /** A wallet device enrolled for offline codes (domain/offline-code.ts), active. */
  | { readonly kind: 'insertDevice'; readonly device: WalletDevice }
  /** An active device's enrolment extended (domain/offline-code.ts renewDevice). */
  | { readonly kind: 'renewDevice'; readonly walletId: string; readonly deviceIndex: number; readonly expiresAtMs: number; readonly sessionHash: string | null }
  /** The wallet's active devices (or only `deviceIndex`, when given) are revoked at once: their codes pay no more. */
  | { readonly kind: 'revokeDevices'; readonly walletId: string; readonly deviceIndex: number | null; readonly atMs: number }
  | { readonly kind: 'setWalletSecurity'; readonly walletId: string; readonly changes: WalletSecurityChanges }
  /** A new merchant with its ledger account (a merchant's balance may be spread over shards). */
  | { readonly kind: 'insertMerchant'; readonly merchant: Merchant }
  /** The merchant row as it now is: name, notify URL, status and keys (the decision read it locked). */
  | { readonly kind: 'updateMerchant'; readonly merchant: Merchant }
  /** A setting written once (the sandbox's): one already there fails the transaction. */
  | { readonly kind: 'insertSetting'; readonly name: string; readonly value: string }
  /** The web pages' sign-in (domain/page-access.ts): sessions, one-time links, cashier accounts. */
  | { readonly kind: 'insertPageSession'; readonly session: PageSession }
  | { readonly kind: 'touchPageSession'; readonly sessionHash: string; readonly lastSeenAtMs: number }
  | { readonly kind: 'endPageSession'; readonly sessionHash: string }
  | { readonly kind: 'insertSignInLink'; readonly link: SignInLink }
  /** Compare-and-set: the link is still unused. */
  | { readonly kind: 'useSignInLink'; readonly linkHash: string; readonly usedAtMs: number }
  | { readonly kind: 'insertCashier'; readonly cashier: Cashier }
  /** Housekeeping (pageAccessSweep): up to `limit` expired sessions, by sessionCutoffs' rule, are deleted. */
  | { readonly kind: 'sweepPageSessions'; readonly lastSeenAtOrBeforeMs: number; readonly createdAtOrBeforeMs: number; readonly limit: number }
  /** Up to `limit` links that are used or expire at or before the cutoff are deleted. */
  | { readonly kind: 'sweepSignInLinks'; readonly expiresAtOrBeforeMs: number; readonly limit: number }
  /** The wallet's every page session ends (its wallet closes). */
  | { readonly kind: 'endWalletPageSessions'; readonly walletId: string }
  /**
   * The merchant user's every session ends, at the till and in the console (a password reset, a
   * disable); but `keepSessionHash`'s, the session that changed its own password.
   */
  | { readonly kind: 'endUserPageSessions'; readonly cashierId: string; readonly keepSessionHash?: string }
  /** The operator's every session ends (a reset, a lockout, \`admin sign-out\`). */
  | { readonly kind: 'endOperatorPageSessions'; readonly operatorId: string }
  /** The wallet's unused sign-in links are deleted (its wallet closes). */
  | { readonly kind: 'dropWalletSignInLinks'; readonly walletId: string }
  /** A new password (when given), the wrong passwords in a row and when they made a lock (credentials.ts AccountLock). */
  | { readonly kind: 'setCashierSecurity'; readonly cashierId: string; readonly passwordHash?: string; readonly failures: number; readonly lockedAtMs: number | null }
  /** A merchant user's refund limit (domain/merchant-users.ts); null: no limit. */
  | { readonly kind: 'setMerchantUserRefundLimit'; readonly cashierId: string; readonly refundLimitSen: number | null }
  /** A merchant user disabled since then (domain/merchant-users.ts), or enabled again (null). */
  | { readonly kind: 'setMerchantUserDisabled'; readonly cashierId: string; readonly disabledAtMs: number | null }
  /** A new operator (domain/operator.ts); the store seals its TOTP secret under the master key. */
  | { readonly kind: 'insertOperator'; readonly operator: Operator }
  | { readonly kind: 'setOperatorRole'; readonly operatorId: string; readonly role: OperatorRole }
  /** An operator disabled since then (services/operators.ts setOperatorStatus), or enabled again (null). */
  | { readonly kind: 'setOperatorDisabled'; readonly operatorId: string; readonly disabledAtMs: number | null }
  /**
   * Wrong tries in a row and when they made a lock; when given, a new password, the last TOTP step used, and the second
   * factor (`totpSecret`: a new secret, or null to turn it off; a new secret resets the last step).
   */
  | { readonly kind: 'setOperatorSecurity'; readonly operatorId: string; readonly failures: number; readonly lockedAtMs: number | null; readonly passwordHash?: string;
      readonly lastTotpStep?: number; readonly totpSecret?: Secret | null;
      /** With a new TOTP secret: the operator's sign-in name, for the message when no master key can seal it. */
      readonly operatorName?: string }
  /** The operator's TOTP secret, unchanged, sealed again under the current master key (a rotation). */
  | { readonly kind: 'resealOperatorTotp'; readonly operatorId: string; readonly totpSecret: Secret }
  /** The cashier who starts a charge at the till, recorded under its order id (domain/cashier-charge.ts). */
  | { readonly kind: 'insertCashierCharge'; readonly charge: CashierCharge }
  /** Money out (domain/payout.ts): a new REQUESTED payout; its money moves in a `book` beside it. */
  | { readonly kind: 'insertPayout'; readonly payout: Payout }
  /** The merchant's payout account from now on, in place of the one it had. */
  | { readonly kind: 'setPayoutAccount'; readonly mchId: string; readonly account: PayoutAccount }
  /** Compare-and-set on the payout's status: it is still `from` (REQUESTED) and becomes `to`. */
  | { readonly kind: 'movePayout'; readonly from: Payout; readonly to: Payout }
  /** The top-up made under the operator's request id (domain/wallet.ts decideTopUp): that id tops up nothing more. */
  | { readonly kind: 'recordTopUpRequest'; readonly walletId: string; readonly requestId: string; readonly amountSen: number; readonly atMs: number }
  /** A new payout file (domain/payout-file.ts): its number, when it was made, its payouts' count and sum. */
  | { readonly kind: 'insertPayoutFile'; readonly fileNo: number; readonly madeAtMs: number; readonly count: number; readonly totalSen: number }
  /** Compare-and-set: each payout is still REQUESTED and in no file, and is now in this one. */
  | { readonly kind: 'filePayouts'; readonly fileNo: number; readonly payoutIds: readonly string[] }
  /**
   * One row of the audit log (domain/audit-log.ts), appended in the transaction of the action it
   * records, so the action and its row commit or roll back together.
   */
  | { readonly kind: 'appendAuditLog'; readonly entry: AuditEntry };

/** A wallet as insertWallet records it. */
export interface NewWalletRecord {
  readonly walletId: string;
  readonly name: string;
  readonly tokenHash: string | null;
  readonly pinHash: string | null;
  readonly confirmLimitSen: number | null;
  readonly createdAtMs: number;
}

/** Changes to how a wallet is reached and guarded; a new PIN also clears its failed tries. */
export interface WalletSecurityChanges {
  readonly tokenHash?: string;
  readonly pinHash?: string | null;
  readonly pinFailures?: number;
  readonly confirmLimitSen?: number | null;
}

export type EffectKind = Effect['kind'];

/** A decision's answer together with the effects that make it true. */
export interface Decided<R> {
  readonly result: R;
  readonly effects: readonly Effect[];
}

/** Nothing to write: the answer stands as it is. */
export function unchanged<R>(result: R): Decided<R> {
  return { result, effects: [] };
}

/**
 * The order moved to `to` (asserted legal). An order with refunds in flight stays
 * REFUND_IN_PROCESS while one of them changes only its refunded amount.
 */
export function orderMove(from: Order, to: OrderStatus, nowMs: number, changes: OrderChanges = {}): Effect & { kind: 'moveOrder' } {
  if (from.status !== to) return { kind: 'moveOrder', from, to: orderAfter(from, to, nowMs, changes) };
  // Object.assign rather than a spread followed by keys: V8's slow path (domain/order-state.ts).
  checkOrderMove(from, Object.assign({}, from, { status: to }));
  return { kind: 'moveOrder', from, to: Object.assign({}, from, { refundedSen: changes.refundedSen ?? from.refundedSen, updatedAtMs: nowMs }) };
}

/**
 * What no effect may do, whoever built it: an order or a refund starts only in a legal first
 * state and moves only along its state machine (order-state.ts). Each store checks every effect
 * with it before the effect's write, as the last guard before the database.
 */
export function checkEffect(e: Effect): void {
  switch (e.kind) {
    case 'insertOrder':
      return assertTransition(null, e.order.status);
    case 'moveOrder':
      return checkOrderMove(e.from, e.to);
    case 'insertRefund':
      return assertRefundTransition(null, e.refund.status);
    case 'moveRefund':
      return assertRefundTransition(e.from.status, e.to.status);
    case 'insertPayout':
      assert(Number.isSafeInteger(e.payout.amountSen) && e.payout.amountSen > 0, 'a payout moves a positive whole number of sen');
      assert((e.payout.mchId === null) !== (e.payout.walletId === null), 'a payout belongs to a merchant or a wallet');
      assert(e.payout.mchId === null || e.payout.destination !== null, "a merchant's payout goes to the payout account it copied");
      return assertPayoutTransition(null, e.payout.status);
    case 'movePayout':
      assert(e.from.payoutId === e.to.payoutId && e.from.amountSen === e.to.amountSen, 'a payout keeps its id and amount');
      return assertPayoutTransition(e.from.status, e.to.status);
    case 'appendAuditLog':
      return checkAuditEntry(e.entry);
    default:
      return;
  }
}

function checkOrderMove(from: Order, to: Order): void {
  if (from.status !== to.status) return assertTransition(from.status, to.status);
  assert(to.status === 'REFUND_IN_PROCESS', `only an order with refunds in flight stays ${to.status} while a refund changes it`);
}

/** The subject's id as the outbox records it: wavpayOrderId, or refundId for refund events. */
export function subjectIdOf(subject: Order | Refund): string {
  return 'refundId' in subject ? subject.refundId : subject.orderId;
}
