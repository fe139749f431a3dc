import type pg from 'pg';
import type { OrderSearch } from '../../domain/order-search.js';
import type { OrderHistory } from '../../domain/order-timeline.js';
import type { Order } from '../../domain/model.js';
import { CASHIER_CHARGE_WITH_ORDER, REFUNDS_OF_ORDER, tillsOfOrdersSql } from '../cashier-charge-sql.js';
import { CODE_NAMES_ORDER, ENTRIES_OF_ORDER, ORDER_OF_MERCHANT, toOrderHistory } from '../order-history-sql.js';
import { orderSearchSql } from '../order-search-sql.js';
import { toOrder, type Row } from '../rows.js';

/** The merchant console's order reads on PostgreSQL (store/order-search-sql.ts, order-history-sql.ts). */
export class PgOrderReads {
  constructor(
    private readonly pool: pg.Pool,
    private readonly transaction: <T>(fn: (c: pg.PoolClient) => Promise<T>) => Promise<T>,
  ) {}

  async searchOrders(search: OrderSearch): Promise<Order[]> {
    const { sql, values } = orderSearchSql(search, 'postgres');
    const { rows } = await this.pool.query(sql, values as unknown[]);
    return (rows as Row[]).map(toOrder);
  }

  async tillsOfOrders(mchId: string, mchOrderIds: readonly string[]): Promise<Map<string, string>> {
    if (mchOrderIds.length === 0) return new Map();
    const { rows } = await this.pool.query(tillsOfOrdersSql(mchOrderIds.length), [mchId, ...mchOrderIds]);
    return new Map((rows as { mch_order_id: string; name: string }[]).map((r) => [r.mch_order_id, r.name]));
  }

  /** Read in one REPEATABLE READ transaction, so the order, its entries and its refunds are of one moment. */
  orderHistory(mchId: string, mchOrderId: string): Promise<OrderHistory | null> {
    return this.transaction(async (c) => {
      await c.query('SET TRANSACTION ISOLATION LEVEL REPEATABLE READ READ ONLY');
      const row = (await c.query(ORDER_OF_MERCHANT, [mchId, mchOrderId])).rows[0] as Row | undefined;
      if (row === undefined) return null;
      const order = toOrder(row);
      return toOrderHistory(order, {
        entries: (await c.query(ENTRIES_OF_ORDER, [order.orderId])).rows as Row[],
        refunds: (await c.query(REFUNDS_OF_ORDER, [order.orderId])).rows as Row[],
        codeCount: (await c.query(CODE_NAMES_ORDER, [row.pay_code, order.orderId])).rows[0] as Row | undefined,
        charge: (await c.query(CASHIER_CHARGE_WITH_ORDER, [mchId, mchOrderId])).rows[0] as Row | undefined,
      });
    });
  }
}
