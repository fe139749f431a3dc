import { createHash } from 'node:crypto';
import type { MicropayCommand } from '@micropay/protocol';
import type { Effect } from './effects.js';
import { assert, journalEntry, merchantAccount, walletAccount, type JournalEntry } from './ledger.js';
import { availableSen, type FailReason, type Order, type PayCode, type PaymentPolicy, type Wallet } from './model.js';
import type { OfflineCheck } from './offline-code.js';
import { assertTransition } from './order-state.js';
import { LONGEST_HOLD_MS } from './pay-time.js';

/**
 * The payment decision, free of I/O: given what the store read inside the payment's transaction,
 * it says what happens. The store writes exactly what the decision names, in that transaction.
 */
export interface PaymentView {
  /** The order already recorded under (mchId, mchOrderId), if any. */
  readonly existing: Order | null;
  readonly payCode: PayCode | null;
  /**
   * An offline code's check (domain/offline-code.ts) instead of a code row; absent for the
   * platform's own codes. Every refusal of an offline code is CODE_UNUSABLE (1036), so a guesser
   * cannot tell a device's tag from a number that is none.
   */
  readonly offline?: OfflineCheck | null;
  /** The wallet the code belongs to. */
  readonly wallet: Wallet | null;
  /** The merchant closed this order id before any payment under it reached the platform. */
  readonly closedUnused: boolean;
  /** The merchant's status as the payment's transaction reads it (the API's check may be cached). */
  readonly merchantActive: boolean;
}

export type PaymentDecision =
  /** The order id is taken: answer with it, move nothing. */
  | { readonly kind: 'repeat'; readonly order: Order; readonly sameRequest: boolean }
  /**
   * Refused before an order exists: nothing is written. PLATFORM_BUSY is the store's, not
   * decidePayment's: its queue of payments waiting to be written was full (store/waiting-payments.ts).
   */
  | { readonly kind: 'rejected'; readonly reason: 'MERCHANT_DISABLED' | 'CODE_UNKNOWN' | 'CODE_UNUSABLE' | 'ORDER_ID_CLOSED' | 'PLATFORM_BUSY' }
  /** An order is recorded as FAILED; no money moves and the code stays usable. */
  | { readonly kind: 'failed'; readonly order: Order; readonly reason: FailReason }
  /** The order waits for the user: the code is used and the amount is held in the wallet. */
  | { readonly kind: 'pending'; readonly order: Order; readonly offlineCounter?: number }
  /**
   * The order is PAID: the code is used and the entry moves the money. `offlineCounter`: an
   * offline code's counter, which becomes the wallet's last accepted one instead of a code's use.
   */
  | { readonly kind: 'paid'; readonly order: Order; readonly entry: JournalEntry; readonly offlineCounter?: number };

export function paymentFingerprint(cmd: MicropayCommand): string {
  const canonical = [cmd.amountSen, cmd.goodsInfo, cmd.discountSen ?? '', cmd.point ?? '', cmd.payCode].join('\u001f');
  return createHash('sha256').update(canonical, 'utf8').digest('base64url');
}

export function decidePayment(
  cmd: MicropayCommand,
  view: PaymentView,
  policy: PaymentPolicy,
  nowMs: number,
  orderId: string,
  fingerprint: string = paymentFingerprint(cmd),
): PaymentDecision {
  if (!view.merchantActive) return { kind: 'rejected', reason: 'MERCHANT_DISABLED' };
  if (view.existing !== null) {
    return { kind: 'repeat', order: view.existing, sameRequest: view.existing.fingerprint === fingerprint };
  }
  if (view.closedUnused) return { kind: 'rejected', reason: 'ORDER_ID_CLOSED' };
  const refused = codeRefusal(view, nowMs);
  if (refused !== null) return { kind: 'rejected', reason: refused };
  const offline = view.offline?.ok === true ? { offlineCounter: view.offline.counter } : {};

  const wallet = view.wallet!;
  const ids = { orderId, walletId: wallet.walletId, fingerprint };
  const refusal: FailReason | null =
    wallet.status !== 'active' ? 'WALLET_FROZEN' : availableSen(wallet) < cmd.amountSen ? 'INSUFFICIENT_BALANCE' : null;
  if (refusal !== null) {
    return {
      kind: 'failed',
      reason: refusal,
      order: newOrder(cmd, ids, nowMs, { status: 'FAILED', failReason: refusal, payTimeMs: null, deadlineMs: null }),
    };
  }
  if (policy.forceConfirmation === true || cmd.amountSen > (wallet.confirmLimitSen ?? policy.confirmLimitSen)) {
    assert(policy.confirmTimeoutMs <= LONGEST_HOLD_MS, 'the confirmation window is within the longest hold (domain/pay-time.ts)');
    return {
      kind: 'pending',
      order: newOrder(cmd, ids, nowMs, { status: 'PENDING', failReason: null, payTimeMs: null, deadlineMs: nowMs + policy.confirmTimeoutMs }),
      ...offline,
    };
  }
  return {
    kind: 'paid',
    order: newOrder(cmd, ids, nowMs, { status: 'PAID', failReason: null, payTimeMs: nowMs, deadlineMs: null }),
    entry: paymentEntry(wallet.walletId, cmd.mchId, cmd.amountSen, orderId, nowMs),
    ...offline,
  };
}

/** Why the code cannot pay (unknown, or used, expired, revoked or wrong), or null when it can. */
function codeRefusal(view: PaymentView, nowMs: number): 'CODE_UNKNOWN' | 'CODE_UNUSABLE' | null {
  if (view.offline !== undefined && view.offline !== null) return view.offline.ok && view.wallet !== null ? null : 'CODE_UNUSABLE';
  const code = view.payCode;
  if (code === null || view.wallet === null) return 'CODE_UNKNOWN';
  return code.status !== 'active' || nowMs >= code.expiresAtMs ? 'CODE_UNUSABLE' : null;
}

/**
 * What a payment decision writes (effects.ts), in this order on every store: the order, the code's
 * use (an offline code's: the wallet's last accepted counter), the hold or the entry, the outbox
 * row. A repeat or a refusal writes nothing.
 */
export function paymentEffects(decision: PaymentDecision, payCode: string): Effect[] {
  if (decision.kind === 'repeat' || decision.kind === 'rejected') return [];
  const { order } = decision;
  assertTransition(null, order.status);
  const insert: Effect = { kind: 'insertOrder', order, payCode };
  const use: Effect = decision.kind !== 'failed' && decision.offlineCounter !== undefined
    ? { kind: 'advanceOfflineCounter', walletId: order.walletId, counter: decision.offlineCounter }
    : { kind: 'useCode', code: payCode, orderId: order.orderId };
  switch (decision.kind) {
    case 'failed':
      return [insert, { kind: 'notify', mchId: order.mchId, event: 'FAILED', subject: order, atMs: order.updatedAtMs }];
    case 'pending':
      return [insert, use, { kind: 'hold', walletId: order.walletId, deltaSen: order.amountSen }];
    case 'paid':
      return [insert, use, { kind: 'book', entry: decision.entry }, { kind: 'notify', mchId: order.mchId, event: 'PAID', subject: order, atMs: order.updatedAtMs }];
  }
}

/** The wallet pays the merchant: one entry, two postings. */
export function paymentEntry(walletId: string, mchId: string, amountSen: number, orderId: string, nowMs: number): JournalEntry {
  return journalEntry(
    'payment',
    { orderId },
    [
      { accountId: walletAccount(walletId), amountSen: -amountSen },
      { accountId: merchantAccount(mchId), amountSen },
    ],
    nowMs,
  );
}

/**
 * The order a payment leaves behind when its step failed after its code and wallet were known:
 * NEW, nothing moved, settled by the sweeper at `nowMs + timeoutMs` unless closed first. The
 * merchant's query after the "system error" finds it in progress, never a phantom.
 */
export function orderAfterFault(cmd: MicropayCommand, walletId: string, orderId: string, nowMs: number, timeoutMs: number): Order {
  const ids = { orderId, walletId, fingerprint: paymentFingerprint(cmd) };
  return newOrder(cmd, ids, nowMs, { status: 'NEW', failReason: null, payTimeMs: null, deadlineMs: nowMs + timeoutMs });
}

type OrderState = Pick<Order, 'status' | 'failReason' | 'payTimeMs' | 'deadlineMs'>;

/**
 * The command's order, made at `nowMs`, in the given state. Written out whole, not as
 * `{ ...base, status }`: V8 (Node 20) builds a spread followed by more keys through its slow path,
 * about 8 µs per payment on the payment thread (docs/benchmarks.md, issue 18).
 */
function newOrder(cmd: MicropayCommand, ids: { orderId: string; walletId: string; fingerprint: string }, nowMs: number, state: OrderState): Order {
  return {
    orderId: ids.orderId, mchId: cmd.mchId, mchOrderId: cmd.mchOrderId, amountSen: cmd.amountSen, goodsInfo: cmd.goodsInfo,
    discountSen: cmd.discountSen, point: cmd.point, walletId: ids.walletId, status: state.status, failReason: state.failReason,
    fingerprint: ids.fingerprint, tradeTimeMs: nowMs, payTimeMs: state.payTimeMs, deadlineMs: state.deadlineMs,
    refundedSen: 0, updatedAtMs: nowMs,
  };
}

/** What a payment whose step failed writes instead: its order, NEW (orderAfterFault). */
export function faultEffects(order: Order, payCode: string): Effect[] {
  assertTransition(null, order.status);
  return [{ kind: 'insertOrder', order, payCode }];
}
