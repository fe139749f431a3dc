import type { Decided } from './effects.js';
import { unchanged } from './effects.js';
import type { Order } from './model.js';

/**
 * Which cashier took which charge (docs/pages.md, "After the charge"). The cashier page records
 * the charge's order id, and the payment code it presented, for its cashier before the charge
 * runs. The record is a claim, not ownership: the till owns the order under the id only when that
 * order was made with the very payment code the till presented (the one place this is decided is
 * the join in store/cashier-charge-sql.ts, which every read of a till's charges goes through: list,
 * receipt, refund), so a claim whose
 * charge made no order never lets the till see or refund an order the merchant's own system
 * later makes under the id. A record names an order id once and never changes.
 */
export interface CashierCharge {
  readonly mchId: string;
  readonly mchOrderId: string;
  readonly cashierId: string;
  readonly chargedAtMs: number;
  /** The payment code the till presented: compared on the server only, never sent out. */
  readonly payCode: string;
}

/** The cashier acting: from the page session, never from the request. */
export interface ActingCashier {
  readonly cashierId: string;
  readonly mchId: string;
}

/** A charge the till is about to run: the order id it drew and the payment code it presents. */
export interface ChargeAttempt {
  readonly mchOrderId: string;
  readonly payCode: string;
}

/** What starting a charge is decided on: the record under the id and whether an order has it. */
export interface ChargeStartView {
  readonly charge: CashierCharge | null;
  /** An order (or a closed id) of the merchant under the id already exists. */
  readonly orderIdUsed: boolean;
}

/**
 * STARTED: recorded now. RESUBMIT: this cashier's own earlier attempt under the same id with the
 * same code (a double submit), which the platform charges at most once. TAKEN: the id names an
 * order this cashier did not start, or another code's attempt, which the till must neither charge
 * nor claim.
 */
export type ChargeStart = 'STARTED' | 'RESUBMIT' | 'TAKEN';

export function decideChargeStart(
  view: ChargeStartView,
  cashier: ActingCashier,
  attempt: ChargeAttempt,
  nowMs: number,
): Decided<ChargeStart> {
  if (view.charge !== null) return unchanged(ownsCharge(view.charge, cashier) && view.charge.payCode === attempt.payCode ? 'RESUBMIT' : 'TAKEN');
  if (view.orderIdUsed) return unchanged('TAKEN');
  const charge: CashierCharge = { mchId: cashier.mchId, mchOrderId: attempt.mchOrderId, cashierId: cashier.cashierId, chargedAtMs: nowMs, payCode: attempt.payCode };
  return { result: 'STARTED', effects: [{ kind: 'insertCashierCharge', charge }] };
}

/**
 * A cashier sees and refunds only the charges they took themselves: not another merchant's orders,
 * not the merchant's own system's, not another cashier's of the same merchant.
 */
export function ownsCharge(charge: CashierCharge | null, cashier: ActingCashier): boolean {
  return charge !== null && charge.mchId === cashier.mchId && charge.cashierId === cashier.cashierId;
}

/** A charge with the order it made (made with the code the till presented), as the order is now. */
export interface CashierChargeRecord {
  readonly charge: CashierCharge;
  readonly order: Order;
  readonly payCode: string;
}

/** Where the next page of a cashier's charges starts: after this one, newest first. */
export interface ChargeCursor {
  readonly chargedAtMs: number;
  readonly mchOrderId: string;
}

/** A payment code as a receipt may show it: its last four digits only. */
export function maskedPayCode(payCode: string): string {
  return `•••• ${payCode.slice(-4)}`;
}
