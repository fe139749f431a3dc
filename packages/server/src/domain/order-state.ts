import { PAID_ORDER_STATUSES, type OrderStatus } from '@micropay/protocol';
import { assert } from './ledger.js';
import type { FailReason, Order } from './model.js';

/**
 * The order state machine (docs/state-machine.md draws it). `null` is "no order yet".
 *
 *   null ──► PAID | FAILED | PENDING | NEW
 *   NEW ──► FAILED                      (closed by the merchant, or settled by the sweeper)
 *   PENDING ──► PAID                    (the user confirmed)
 *   PENDING ──► FAILED                  (declined, closed, or the confirmation window passed)
 *   PAID | REFUND_FAILED ──► REFUND_IN_PROCESS                 (a refund was requested)
 *   REFUND_IN_PROCESS ──► REFUNDED | PAID | REFUND_FAILED      (the refund finished)
 *
 * After a refund finishes the order shows: REFUNDED when refunds add up to the whole amount,
 * REFUND_FAILED when that refund failed, PAID when it was partial (queryBill's refundAmount
 * tells how much went back). FAILED and REFUNDED are final. Several refunds of one order may be in
 * flight together (each reserves its amount): the order stays REFUND_IN_PROCESS until the last of
 * them finishes, and that one sets the status by this rule (docs/refunds.md).
 */
export const ORDER_TRANSITIONS: Readonly<Record<OrderStatus | 'none', readonly OrderStatus[]>> = {
  none: ['PAID', 'FAILED', 'PENDING', 'NEW'],
  NEW: ['FAILED'],
  PENDING: ['PAID', 'FAILED'],
  PAID: ['REFUND_IN_PROCESS'],
  REFUND_IN_PROCESS: ['REFUNDED', 'PAID', 'REFUND_FAILED'],
  REFUND_FAILED: ['REFUND_IN_PROCESS'],
  REFUNDED: [],
  FAILED: [],
};

export function canTransition(from: OrderStatus | null, to: OrderStatus): boolean {
  return ORDER_TRANSITIONS[from ?? 'none'].includes(to);
}

export function assertTransition(from: OrderStatus | null, to: OrderStatus): void {
  assert(canTransition(from, to), `order may move from ${from ?? 'nothing'} to ${to}`);
}

/** What changes with a transition besides the state. */
export interface OrderChanges {
  readonly failReason?: FailReason;
  readonly payTimeMs?: number;
  readonly refundedSen?: number;
}

/** The order after a transition (asserted legal). Only NEW and PENDING orders keep a deadline. */
export function orderAfter(order: Order, to: OrderStatus, nowMs: number, changes: OrderChanges = {}): Order {
  assertTransition(order.status, to);
  // Object.assign, not `{ ...order, status }`: V8 (Node 20) builds a spread followed by more keys
  // through its slow path, about 8 µs (docs/benchmarks.md, issue 18).
  return Object.assign({}, order, {
    status: to,
    failReason: changes.failReason ?? order.failReason,
    payTimeMs: changes.payTimeMs ?? order.payTimeMs,
    deadlineMs: to === 'NEW' || to === 'PENDING' ? order.deadlineMs : null,
    refundedSen: changes.refundedSen ?? order.refundedSen,
    updatedAtMs: nowMs,
  });
}

export type RefundStatus = 'REFUND_IN_PROCESS' | 'REFUNDED' | 'REFUND_FAILED';

export const REFUND_TRANSITIONS: Readonly<Record<RefundStatus | 'none', readonly RefundStatus[]>> = {
  none: ['REFUND_IN_PROCESS'],
  REFUND_IN_PROCESS: ['REFUNDED', 'REFUND_FAILED'],
  REFUNDED: [],
  REFUND_FAILED: [],
};

export function assertRefundTransition(from: RefundStatus | null, to: RefundStatus): void {
  assert(REFUND_TRANSITIONS[from ?? 'none'].includes(to), `refund may move from ${from ?? 'nothing'} to ${to}`);
}

/** An order whose money has moved to the merchant (and may be partly or wholly refunded since). */
export function isPaidOrder(status: OrderStatus): boolean {
  return PAID_ORDER_STATUSES.includes(status);
}

/** The order's status once a refund of it finishes (see the rule above). */
export function statusAfterRefund(refundedSen: number, amountSen: number, refundSucceeded: boolean): OrderStatus {
  if (!refundSucceeded) return 'REFUND_FAILED';
  return refundedSen === amountSen ? 'REFUNDED' : 'PAID';
}
