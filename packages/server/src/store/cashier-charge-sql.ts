import type { CashierCharge, CashierChargeRecord, ChargeCursor } from '../domain/cashier-charge.js';
import { toOrder, type Row } from './rows.js';

/**
 * Which cashier took which charge (domain/cashier-charge.ts): the table (migration 7 of both
 * stores) and its reads, written once in PostgreSQL's `$n` placeholders (page-access-sql.ts's
 * sqliteSql turns them into SQLite's). Append-only history, like migrations.
 */
export function cashierChargesSchema(ms: 'INTEGER' | 'BIGINT', strict: ' STRICT' | ''): string {
  return `
-- Written by the cashier page before a charge runs; the order under the id is the payment's own.
CREATE TABLE cashier_charges (
  mch_id        TEXT NOT NULL REFERENCES merchants (mch_id),
  mch_order_id  TEXT NOT NULL,
  cashier_id    TEXT NOT NULL REFERENCES cashiers (cashier_id),
  charged_at_ms ${ms} NOT NULL,
  -- The code the till presented: the order under the id is the till's only if made with it.
  pay_code      TEXT NOT NULL,
  PRIMARY KEY (mch_id, mch_order_id)
)${strict};
-- A till's recent charges, newest first.
CREATE INDEX cashier_charges_by_cashier ON cashier_charges (cashier_id, charged_at_ms, mch_order_id);
`;
}

export const CASHIER_CHARGE_BY_ID = 'SELECT * FROM cashier_charges WHERE mch_id = $1 AND mch_order_id = $2';

/** Whether an order, or an id closed before any order, exists under the merchant's order id. */
export const ORDER_ID_USED = `SELECT (EXISTS (SELECT 1 FROM orders WHERE mch_id = $1 AND mch_order_id = $2)
  OR EXISTS (SELECT 1 FROM closed_order_ids WHERE mch_id = $3 AND mch_order_id = $4)) AS used`;

/**
 * The one rule of what a till owns: a claim with the order its own charge made, the order under
 * the id made with the payment code the till presented. A claim whose charge made no order (an
 * unknown or expired code) matches nothing, even after the merchant's own system uses the id.
 */
export const TILL_OWNS_ORDER = 'o.mch_id = cc.mch_id AND o.mch_order_id = cc.mch_order_id AND o.pay_code = cc.pay_code';

const WITH_ORDER = `SELECT o.*, cc.cashier_id, cc.charged_at_ms FROM cashier_charges cc
  JOIN orders o ON ${TILL_OWNS_ORDER}`;

/**
 * The user whose till charged each of the merchant's orders named (those a till charged; the
 * others, made by the merchant's own system, are not in the answer): a point read of each by the
 * charge's key, for a page of the console's orders. `$2…` are the order ids.
 */
export function tillsOfOrdersSql(count: number): string {
  const ids = Array.from({ length: count }, (_, i) => `$${i + 2}`).join(', ');
  return `SELECT o.mch_order_id, c.name FROM cashier_charges cc
  JOIN orders o ON ${TILL_OWNS_ORDER}
  JOIN cashiers c ON c.cashier_id = cc.cashier_id
 WHERE cc.mch_id = $1 AND cc.mch_order_id IN (${ids})`;
}

/** One charge with its order: null when there is no such charge, or the till's charge made no order. */
export const CASHIER_CHARGE_WITH_ORDER = `${WITH_ORDER} WHERE cc.mch_id = $1 AND cc.mch_order_id = $2`;

/**
 * A cashier's charges that became orders, newest first, after the cursor. A charge refused before
 * any order was recorded (a mistyped code) has nothing to show or refund, and is left out.
 */
export const CASHIER_CHARGES_PAGE = `${WITH_ORDER}
  WHERE cc.cashier_id = $1 AND (cc.charged_at_ms, cc.mch_order_id) < ($2, $3)
  ORDER BY cc.charged_at_ms DESC, cc.mch_order_id DESC LIMIT $4`;

/** The values of CASHIER_CHARGES_PAGE; no cursor starts from the newest. */
export function chargesPageValues(cashierId: string, before: ChargeCursor | null, limit: number): unknown[] {
  if (!Number.isSafeInteger(limit) || limit < 1) throw new RangeError(`a page holds at least one charge, not ${limit}`);
  const atMs = before?.chargedAtMs ?? Number.MAX_SAFE_INTEGER;
  return [cashierId, atMs, before?.mchOrderId ?? '', limit];
}

export const REFUNDS_OF_ORDER = 'SELECT * FROM refunds WHERE order_id = $1 ORDER BY requested_at_ms, refund_id';

export function toCashierCharge(r: Row): CashierCharge {
  return {
    mchId: r.mch_id as string,
    mchOrderId: r.mch_order_id as string,
    cashierId: r.cashier_id as string,
    chargedAtMs: Number(r.charged_at_ms),
    payCode: r.pay_code as string,
  };
}

export function toCashierChargeRecord(r: Row): CashierChargeRecord {
  return { charge: toCashierCharge(r), order: toOrder(r), payCode: r.pay_code as string };
}
