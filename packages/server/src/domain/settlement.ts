import type { OrderStatus } from '@micropay/protocol';
import { orderMove, unchanged, type Decided, type Effect } from './effects.js';
import type { JournalEntry } from './ledger.js';
import type { FailReason, Order, Wallet } from './model.js';
import { isPaidOrder } from './order-state.js';
import { confirmedPayTimeMs } from './pay-time.js';
import { paymentEntry } from './payment.js';

/**
 * How an unsettled order (NEW or PENDING) ends: the user confirms or declines, the merchant closes
 * it, or its deadline passes. Pure decisions; the store applies them in one transaction.
 */
export type Settlement =
  /** PENDING → PAID: release the hold, book the entry. */
  | { readonly kind: 'pay'; readonly entry: JournalEntry }
  /** NEW/PENDING → FAILED: release the hold if there is one; nothing moves. */
  | { readonly kind: 'fail'; readonly reason: FailReason }
  /** Nothing to do: the order is already in the state it would reach, or cannot move. */
  | { readonly kind: 'none'; readonly status: OrderStatus };

export function isUnsettled(order: Order): boolean {
  return order.status === 'NEW' || order.status === 'PENDING';
}

/** Only a PENDING payment waits for its holder: confirming any other order changes nothing. */
export function awaitsConfirmation(order: Order): boolean {
  return order.status === 'PENDING';
}

function expired(order: Order, nowMs: number): boolean {
  return order.deadlineMs !== null && nowMs >= order.deadlineMs;
}

/** The user confirms a PENDING payment (PIN already checked). A late confirmation fails the order. */
export function decideConfirm(order: Order, wallet: Wallet, nowMs: number): Settlement {
  if (!awaitsConfirmation(order)) return { kind: 'none', status: order.status };
  if (expired(order, nowMs)) return { kind: 'fail', reason: 'CONFIRM_TIMEOUT' };
  if (wallet.status !== 'active') return { kind: 'fail', reason: 'WALLET_FROZEN' };
  // The entry is booked at the pay time, which settlementEffects gives the order.
  return { kind: 'pay', entry: paymentEntry(order.walletId, order.mchId, order.amountSen, order.orderId, confirmedPayTimeMs(order, nowMs)) };
}

export function decideDecline(order: Order): Settlement {
  return order.status === 'PENDING' ? { kind: 'fail', reason: 'DECLINED' } : { kind: 'none', status: order.status };
}

/** The merchant closes an order: unsettled ones fail; paid ones cannot be closed (refund them). */
export function decideClose(order: Order): Settlement {
  return isUnsettled(order) ? { kind: 'fail', reason: 'CLOSED' } : { kind: 'none', status: order.status };
}

/** The sweeper: an unsettled order past its deadline fails. */
export function decideSweep(order: Order, nowMs: number): Settlement {
  if (!isUnsettled(order) || !expired(order, nowMs)) return { kind: 'none', status: order.status };
  return { kind: 'fail', reason: order.status === 'PENDING' ? 'CONFIRM_TIMEOUT' : 'SYSTEM_ERROR' };
}

export { isPaidOrder };

/** The outcome of confirm, decline or close: the order as it now is, or why nothing happened. */
export type SettleResult =
  | { readonly kind: 'settled'; readonly order: Order }
  | { readonly kind: 'unchanged'; readonly order: Order }
  | { readonly kind: 'not_found' };

/**
 * What a settlement writes (effects.ts). Paying releases the hold and books the entry; failing
 * releases the hold a PENDING order has. Either way the order moves and the merchant is told.
 */
export function settlementEffects(order: Order, settlement: Settlement, nowMs: number): Decided<SettleResult> {
  if (settlement.kind === 'none') return unchanged({ kind: 'unchanged', order });
  const release: Effect = { kind: 'hold', walletId: order.walletId, deltaSen: -order.amountSen };
  const move =
    settlement.kind === 'pay'
      ? orderMove(order, 'PAID', nowMs, { payTimeMs: settlement.entry.createdAtMs })
      : orderMove(order, 'FAILED', nowMs, { failReason: settlement.reason });
  const notify: Effect = { kind: 'notify', mchId: order.mchId, event: move.to.status === 'PAID' ? 'PAID' : 'FAILED', subject: move.to, atMs: nowMs };
  const effects: Effect[] =
    settlement.kind === 'pay'
      ? [release, { kind: 'book', entry: settlement.entry }, move, notify]
      : [...(order.status === 'PENDING' ? [release] : []), move, notify];
  return { result: { kind: 'settled', order: move.to }, effects };
}

/**
 * The merchant closes an order id no payment has reached: the id itself is recorded closed, in the
 * same transaction that found no order, so a payment under it is refused from then on.
 */
export function closeUnusedOrderId(mchId: string, mchOrderId: string, nowMs: number): Decided<SettleResult> {
  return { result: { kind: 'not_found' }, effects: [{ kind: 'closeOrderId', mchId, mchOrderId, atMs: nowMs }] };
}
