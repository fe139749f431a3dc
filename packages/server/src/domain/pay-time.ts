import type { Order } from './model.js';

/**
 * When an order can have been paid, relative to its trade: the rule the stores find a day's
 * payments by (docs/statements.md, "How a day's payments are found").
 *
 * An order is paid at its trade time (PAID at once), or, when it waited for the holder's
 * confirmation (PENDING), when the holder confirmed: before its deadline, which is its trade time
 * plus the confirmation window, and configuration bounds that window by LONGEST_HOLD_MS
 * (MICROPAY_CONFIRM_TIMEOUT_S, config.ts; decidePayment asserts it). An order left NEW by a fault
 * is never paid. So **pay time lies within [trade time, trade time + LONGEST_HOLD_MS]**, and a
 * statement walks the merchant's orders by trade time (the consoles' covering index) instead of an
 * index by pay time that every payment would write one more page of.
 *
 * Lowering LONGEST_HOLD_MS would break the rule for the orders already held longer: only raise it.
 */
export const LONGEST_HOLD_MS = 86_400_000;

export interface TimeRange {
  /** Inclusive. */
  readonly fromMs: number;
  /** Exclusive. */
  readonly toMs: number;
}

/** The trade times of every order that may have been paid in [fromMs, toMs). */
export function tradeTimesOfPaymentsWithin(fromMs: number, toMs: number): TimeRange {
  return { fromMs: fromMs - LONGEST_HOLD_MS, toMs };
}

/**
 * The orders paid at or after `sinceMs`: every one traded since then (pay time is never before
 * trade time), and those traded in `undecided` whose pay time must be looked at.
 */
export function tradeTimesOfPaymentsSince(sinceMs: number): { readonly surelySinceMs: number; readonly undecided: TimeRange } {
  return { surelySinceMs: sinceMs, undecided: { fromMs: sinceMs - LONGEST_HOLD_MS, toMs: sinceMs } };
}

/**
 * The pay time of a confirmation made at `nowMs`: never before the trade, even when the clock that
 * confirms (another server process's) is a little behind the one that took the payment.
 */
export function confirmedPayTimeMs(order: Order, nowMs: number): number {
  return Math.max(nowMs, order.tradeTimeMs);
}
