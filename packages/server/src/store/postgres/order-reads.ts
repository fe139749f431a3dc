import type pg from 'pg';
import type { OrderSearch } from '../../domain/order-search.js';
import type { OrderHistory } from '../../domain/order-timeline.js';
import type { Order } from '../../domain/model.js';
import { CASHIER_CHARGE_WITH_ORDER, REFUNDS_OF_ORDER } from '../cashier-charge-sql.js';
import { CODE_NAMES_ORDER, ENTRIES_OF_ORDER, ORDER_OF_MERCHANT, toOrderHistory } from '../order-history-sql.js';
import { orderSearchSql, type PrefixMatch } from '../order-search-sql.js';
import { toOrder, type Row } from '../rows.js';

/** Collations that sort the order id alphabet by code point, as the prefix range needs (order-search-sql.ts). */
const CODE_POINT_COLLATIONS = new Set(['C', 'POSIX', 'C.UTF-8', 'C.utf8', 'ucs_basic']);

/** The merchant console's order reads on PostgreSQL (store/order-search-sql.ts, order-history-sql.ts). */
export class PgOrderReads {
  #prefixMatch: Promise<PrefixMatch> | undefined;

  constructor(
    private readonly pool: pg.Pool,
    private readonly transaction: <T>(fn: (c: pg.PoolClient) => Promise<T>) => Promise<T>,
  ) {}

  async searchOrders(search: OrderSearch): Promise<Order[]> {
    const prefixMatch = search.mchOrderId?.kind === 'prefix' ? await this.#orderIdPrefixMatch() : 'like';
    const { sql, values } = orderSearchSql(search, prefixMatch);
    const { rows } = await this.pool.query(sql, values as unknown[]);
    return (rows as Row[]).map(toOrder);
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

  /** The range when mch_order_id's collation sorts by code point (asked once), else LIKE. */
  #orderIdPrefixMatch(): Promise<PrefixMatch> {
    this.#prefixMatch ??= this.pool.query(`SELECT CASE WHEN c.collname = 'default' THEN d.datcollate ELSE c.collcollate END AS collate
        FROM pg_attribute a JOIN pg_collation c ON c.oid = a.attcollation, pg_database d
       WHERE a.attrelid = 'orders'::regclass AND a.attname = 'mch_order_id' AND d.datname = current_database()`)
      .then(({ rows }) => (CODE_POINT_COLLATIONS.has((rows[0] as { collate: string | null } | undefined)?.collate ?? '') ? 'range' : 'like'))
      .catch((error: unknown) => {
        this.#prefixMatch = undefined;
        throw error;
      });
    return this.#prefixMatch;
  }
}
