import type { OrderSearch } from '../domain/order-search.js';
import { TILL_OWNS_ORDER } from './cashier-charge-sql.js';
import { sqlList } from './sql-list.js';

/**
 * The console's order search (domain/order-search.ts) as one keyset query, written once in
 * PostgreSQL's `$n` placeholders (page-access-sql.ts's sqliteSql turns them into SQLite's `?`).
 * Which index serves which filter, with the plans and times on 1,000,000 orders, is in
 * docs/consoles.md, "Orders"; the indexes are the migration ORDER_SEARCH_INDEXES below.
 */

/**
 * How the merchant order id's prefix is matched: the range `[prefix, prefix + '~')`, exact where
 * text compares by code point (every id character is below '~'). SQLite compares text by its bytes
 * always, and the unique (mch_id, mch_order_id) index serves the range. PostgreSQL compares in the
 * column's collation, which may be a language one (libc or ICU) whatever datcollate says, so there
 * the range compares `mch_order_id COLLATE "C"`, served by ORDER_ID_C_INDEX (PostgreSQL migration 19).
 */
export type PrefixMatch = 'sqlite' | 'postgres';

export interface SearchSql {
  readonly sql: string;
  readonly values: readonly unknown[];
}

/** At most `limit + 1` orders: the extra one tells the service there is a next page. */
export function orderSearchSql(search: OrderSearch, prefixMatch: PrefixMatch): SearchSql {
  const values: unknown[] = [];
  const $ = (value: unknown): string => {
    values.push(value);
    return `$${values.length}`;
  };
  const where = [`o.mch_id = ${$(search.mchId)}`];
  if (search.fromMs !== null) where.push(`o.trade_time_ms >= ${$(search.fromMs)}`);
  // The cursor's own time bounds the range from above too: with a date range SQLite keeps to the
  // plain range, and a deep page then starts at the cursor instead of walking down from `to`.
  // (Not with an order id filter, whose own index must stay the planner's choice: see below.)
  const cursorBound = search.after !== null && search.mchOrderId === null;
  const toMs = cursorBound ? Math.min(search.toMs ?? Number.MAX_SAFE_INTEGER, search.after.tradeTimeMs + 1) : search.toMs;
  if (toMs !== null) where.push(`o.trade_time_ms < ${$(toMs)}`);
  // With an order id filter the id index finds the few orders and the cursor only trims them; the
  // unary + keeps the cursor from luring a planner onto the time index (SQLite did, 0.8 s a page).
  const time = search.mchOrderId === null ? 'o.trade_time_ms' : '+o.trade_time_ms';
  if (search.after !== null) where.push(`(${time}, o.order_id) < (${$(search.after.tradeTimeMs)}, ${$(search.after.orderId)})`);
  if (search.statuses !== null) {
    where.push(`o.status IN ${sqlList(search.statuses)}`);
    // Written out so both planners see the partial index's own condition and may use it.
    if (!search.statuses.includes('PAID')) where.push(`o.status <> 'PAID'`);
  }
  if (search.minSen !== null) where.push(`o.amount_sen >= ${$(search.minSen)}`);
  if (search.maxSen !== null) where.push(`o.amount_sen <= ${$(search.maxSen)}`);
  const id = search.mchOrderId;
  if (id?.kind === 'exact') where.push(`o.mch_order_id = ${$(id.value)}`);
  if (id?.kind === 'prefix') {
    const column = prefixMatch === 'postgres' ? 'o.mch_order_id COLLATE "C"' : 'o.mch_order_id';
    where.push(`${column} >= ${$(id.value)} AND ${column} < ${$(id.value + '~')}`);
  }
  // The till's orders: each order walked in the search's order is checked against the till's charge
  // by its key. OFFSET 0 keeps PostgreSQL from turning this into a join, which it misjudged (the
  // rule's three columns, estimated as one row) into a hash join over every order: 1.4 s a page.
  if (search.cashierId !== null) {
    where.push(`EXISTS (SELECT 1 FROM cashier_charges cc WHERE ${TILL_OWNS_ORDER} AND cc.cashier_id = ${$(search.cashierId)} LIMIT 1 OFFSET 0)`);
  }
  // Made at some till, or by the merchant's own system: the same rule, checked by the charge's key.
  if (search.origin !== null) {
    where.push(`${search.origin === 'system' ? 'NOT ' : ''}EXISTS (SELECT 1 FROM cashier_charges cc WHERE ${TILL_OWNS_ORDER} LIMIT 1 OFFSET 0)`);
  }
  const sql = `SELECT o.* FROM orders o
 WHERE ${where.join('\n   AND ')}
 ORDER BY o.trade_time_ms DESC, o.order_id DESC
 LIMIT ${$(search.limit + 1)}`;
  return { sql, values };
}

/**
 * The order search's indexes (SQLite migration 16, PostgreSQL 17). Each index on orders is one more
 * entry written per payment, so there are two, and the second is not written by a payment at all:
 *
 * - orders_by_merchant_trade_time: the console's order, newest first, and every date range and
 *   cursor as one range of it. Its key grows with time, so a payment adds its entry at the right
 *   edge of its merchant's part (the page just written by the payment before). status and
 *   amount_sen ride at its end so status and amount filters are checked in the index, without
 *   reading the order row of each order they skip.
 * - orders_not_paid_by_merchant: the same key for the orders that are not PAID (failed, pending,
 *   refunded…), so a rare state over a wide range is a short walk instead of the whole range. A
 *   payment that is PAID at once, by far the commonest, writes nothing to it.
 *
 * The order id filter uses the unique (mch_id, mch_order_id) index, and the cashier filter the
 * cashier_charges_by_cashier index: both exist already.
 */
export const ORDER_SEARCH_INDEXES = `
CREATE INDEX orders_by_merchant_trade_time ON orders (mch_id, trade_time_ms, order_id, status, amount_sen);
CREATE INDEX orders_not_paid_by_merchant ON orders (mch_id, trade_time_ms, order_id) WHERE status <> 'PAID';
`;

/**
 * PostgreSQL's order ids in code point order (migration 18), for the prefix range above: the
 * unique (mch_id, mch_order_id) index is in the database's collation, which cannot serve a
 * `COLLATE "C"` range. One more entry per payment, the price of a prefix search that is exact on
 * every database.
 */
export const ORDER_ID_C_INDEX = `CREATE INDEX orders_by_merchant_order_id_c ON orders (mch_id, mch_order_id COLLATE "C");`;

