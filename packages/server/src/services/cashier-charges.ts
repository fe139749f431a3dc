import type { RefundCommand } from '@micropay/protocol';
import { decideChargeStart, ownsCharge, type ActingCashier, type CashierChargeRecord, type ChargeAttempt, type ChargeStart } from '../domain/cashier-charge.js';
import type { RefundIdSource } from '../domain/ids.js';
import type { RefundingUser } from '../domain/merchant-users.js';
import type { RefundRequestDecision } from '../domain/refund.js';
import type { StorePort } from '../store/port.js';
import type { ActingAs } from '../domain/audit-log.js';
import * as refunds from './refunds.js';

/**
 * The cashier page after the charge (docs/pages.md): a charge is recorded for its cashier before
 * it runs, and a cashier refunds only their own charges, by the refund rules every refund follows.
 */
export function startCashierCharge(port: StorePort, cashier: ActingCashier, attempt: ChargeAttempt): Promise<ChargeStart> {
  return port.decide({ view: 'cashierCharge', mchId: cashier.mchId, mchOrderId: attempt.mchOrderId }, (view, nowMs) =>
    decideChargeStart(view, cashier, attempt, nowMs));
}

/**
 * notYours: no charge of this cashier under the id (another cashier's, merchant's, or none): nothing
 * is written. Over the cashier's refund limit is the refund's own rejection (OVER_REFUND_LIMIT).
 */
export type CashierRefund = RefundRequestDecision | { readonly kind: 'notYours' };

/**
 * A refund from the till. Which cashier took a charge is written once, before the charge, and never
 * changes, so checking it before the refund's own transactions cannot be outrun. The refund is then
 * every refund: the merchant's refund number (drawn once per attempt by the page) makes a double
 * submit the same refund, and the order's reservation keeps refunds within what was paid.
 */
export async function refundCashierCharge(
  port: StorePort,
  ids: RefundIdSource,
  findCharge: (mchId: string, mchOrderId: string) => Promise<CashierChargeRecord | null>,
  cashier: ActingCashier & RefundingUser,
  cmd: RefundCommand,
  acting?: ActingAs,
): Promise<CashierRefund> {
  const found = await findCharge(cmd.mchId, cmd.mchOrderId);
  if (!ownsCharge(found?.charge ?? null, cashier)) return { kind: 'notYours' };
  // The limit is checked in the refund's transaction, against the order's refunds as they stand.
  return refunds.refund(port, ids, cmd, acting, cashier);
}
