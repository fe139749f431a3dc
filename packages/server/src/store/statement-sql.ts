import { PAID_ORDER_STATUSES } from '@micropay/protocol';
import { tradeTimesOfPaymentsSince, tradeTimesOfPaymentsWithin } from '../domain/pay-time.js';
import { sqlList } from './sql-list.js';

/**
 * A merchant's payments by pay time, found through its orders by trade time (docs/statements.md):
 * there is no index by pay time (SQLite migration 22, PostgreSQL 23 dropped it, one page less per
 * payment), and domain/pay-time.ts bounds the trade time of an order paid at a given time. Both
 * walk orders_by_merchant_trade_time (store/order-search-sql.ts), which carries status and amount,
 * so only paid orders' rows are read. Written once in PostgreSQL's `$n`; SQLite's through sqliteSql.
 */

/** The merchant's paid orders whose pay time is in [from, to), in the index's order (the statement sorts). */
export const PAYMENTS_PAID_WITHIN = `SELECT * FROM orders
  WHERE mch_id = $1 AND trade_time_ms >= $2 AND trade_time_ms < $3 AND status IN ${sqlList(PAID_ORDER_STATUSES)}
    AND pay_time_ms >= $4 AND pay_time_ms < $5
  ORDER BY trade_time_ms, order_id`;

export function paymentsPaidWithinValues(mchId: string, fromMs: number, toMs: number): unknown[] {
  const trade = tradeTimesOfPaymentsWithin(fromMs, toMs);
  return [mchId, trade.fromMs, trade.toMs, fromMs, toMs];
}

/**
 * The sum of the merchant's payments paid at or after a time: those traded since then from the
 * index alone (no row read), plus those traded up to a longest hold before whose pay time is.
 */
export const PAYMENTS_PAID_SINCE_SEN = `SELECT
    (SELECT COALESCE(SUM(amount_sen), 0) FROM orders
      WHERE mch_id = $1 AND trade_time_ms >= $2 AND status IN ${sqlList(PAID_ORDER_STATUSES)})
  + (SELECT COALESCE(SUM(amount_sen), 0) FROM orders
      WHERE mch_id = $3 AND trade_time_ms >= $4 AND trade_time_ms < $5 AND status IN ${sqlList(PAID_ORDER_STATUSES)}
        AND pay_time_ms >= $6) AS sen`;

export function paymentsPaidSinceValues(mchId: string, sinceMs: number): unknown[] {
  const trade = tradeTimesOfPaymentsSince(sinceMs);
  return [mchId, trade.surelySinceMs, mchId, trade.undecided.fromMs, trade.undecided.toMs, sinceMs];
}
