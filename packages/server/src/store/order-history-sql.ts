import type { OrderEntry, OrderHistory } from '../domain/order-timeline.js';
import type { Order } from '../domain/model.js';
import type { EntryKind } from '../domain/ledger.js';
import { toCashierCharge } from './cashier-charge-sql.js';
import { toRefund, type Row } from './rows.js';

/**
 * What an order's timeline is built from (domain/order-timeline.ts), read in one consistent
 * transaction by each store, written once in `$n` placeholders (sqliteSql turns them into `?`).
 * Each read is one index lookup: the order by its unique (mch_id, mch_order_id), its entries by
 * journal_entries_by_order and postings_by_entry, its refunds by refunds_by_order, its code by key,
 * the till's charge by its key. Another merchant's order id finds nothing: mch_id is in the key.
 */
export const ORDER_OF_MERCHANT = 'SELECT * FROM orders WHERE mch_id = $1 AND mch_order_id = $2';

export const ENTRIES_OF_ORDER = `SELECT e.entry_id, e.kind, e.refund_id, e.created_at_ms, p.account_id, p.amount_sen
  FROM journal_entries e JOIN postings p ON p.entry_id = e.entry_id
 WHERE e.order_id = $1
 ORDER BY e.entry_id, p.posting_id`;

/** Whether the order's payment code records it as the order it paid or held. */
export const CODE_NAMES_ORDER = 'SELECT COUNT(*) AS n FROM pay_codes WHERE code = $1 AND order_id = $2';

/** The rows of an order's history, as each store read them, into the domain's OrderHistory. */
export function toOrderHistory(order: Order, rows: { entries: Row[]; refunds: Row[]; codeCount: Row | undefined; charge: Row | undefined }): OrderHistory {
  const entries: OrderEntry[] = [];
  for (const r of rows.entries) {
    const entryId = Number(r.entry_id);
    let entry = entries[entries.length - 1];
    if (entry === undefined || entry.entryId !== entryId) {
      entry = { entryId, kind: r.kind as EntryKind, refundId: (r.refund_id as string | null) ?? null, createdAtMs: Number(r.created_at_ms), postings: [] };
      entries.push(entry);
    }
    (entry.postings as { accountId: string; amountSen: number }[]).push({ accountId: r.account_id as string, amountSen: Number(r.amount_sen) });
  }
  return {
    order,
    entries,
    refunds: rows.refunds.map(toRefund),
    codeNamesOrder: Number(rows.codeCount?.n ?? 0) > 0,
    charge: rows.charge === undefined ? null : toCashierCharge(rows.charge),
  };
}
