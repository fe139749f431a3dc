import type { Decided } from './effects.js';
import { unchanged } from './effects.js';
import type { Order } from './model.js';

/**
 * Which cashier took which charge (docs/pages.md, "After the charge"). The cashier page records
 * the charge's order id for its cashier before the charge runs, so the till can list its own
 * charges and refund only those. A record names an order id once and never changes.
 */
export interface CashierCharge {
  readonly mchId: string;
  readonly mchOrderId: string;
  readonly cashierId: string;
  readonly chargedAtMs: number;
}

/** The cashier acting: from the page session, never from the request. */
export interface ActingCashier {
  readonly cashierId: string;
  readonly mchId: string;
}

/** What starting a charge is decided on: the record under the id and whether an order has it. */
export interface ChargeStartView {
  readonly charge: CashierCharge | null;
  /** An order (or a closed id) of the merchant under the id already exists. */
  readonly orderIdUsed: boolean;
}

/**
 * STARTED: recorded now. RESUBMIT: this cashier's own earlier attempt under the same id (a
 * double submit), which the platform charges at most once. TAKEN: the id names an order this
 * cashier did not start, which the till must neither charge nor claim.
 */
export type ChargeStart = 'STARTED' | 'RESUBMIT' | 'TAKEN';

export function decideChargeStart(view: ChargeStartView, cashier: ActingCashier, mchOrderId: string, nowMs: number): Decided<ChargeStart> {
  if (view.charge !== null) return unchanged(ownsCharge(view.charge, cashier) ? 'RESUBMIT' : 'TAKEN');
  if (view.orderIdUsed) return unchanged('TAKEN');
  const charge: CashierCharge = { mchId: cashier.mchId, mchOrderId, cashierId: cashier.cashierId, chargedAtMs: nowMs };
  return { result: 'STARTED', effects: [{ kind: 'insertCashierCharge', charge }] };
}

/**
 * A cashier sees and refunds only the charges they took themselves: not another merchant's orders,
 * not the merchant's own system's, not another cashier's of the same merchant.
 */
export function ownsCharge(charge: CashierCharge | null, cashier: ActingCashier): boolean {
  return charge !== null && charge.mchId === cashier.mchId && charge.cashierId === cashier.cashierId;
}

/** A charge with its order as it is now, and the code it was paid with. */
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
