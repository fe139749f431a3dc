import type Database from 'better-sqlite3';
import type { OrderSearch } from '../../domain/order-search.js';
import type { OrderHistory } from '../../domain/order-timeline.js';
import type { Order } from '../../domain/model.js';
import { CASHIER_CHARGE_WITH_ORDER, REFUNDS_OF_ORDER, tillsOfOrdersSql } from '../cashier-charge-sql.js';
import { CODE_NAMES_ORDER, ENTRIES_OF_ORDER, ORDER_OF_MERCHANT, toOrderHistory } from '../order-history-sql.js';
import { orderSearchSql } from '../order-search-sql.js';
import { sqliteSql } from '../page-access-sql.js';
import { toOrder, type Row } from '../rows.js';

/** Search shapes kept prepared; a console uses a handful, and the map never grows past this. */
const PREPARED_SHAPES = 64;

/**
 * The merchant console's order reads on SQLite (store/order-search-sql.ts, order-history-sql.ts):
 * read-only, on the main connection, each in one deferred transaction so its statements see one
 * moment even while the payment thread commits.
 */
export class SqliteOrderReads {
  readonly #shapes = new Map<string, Database.Statement>();
  readonly #history: Record<'order' | 'entries' | 'refunds' | 'code' | 'charge', Database.Statement>;

  constructor(private readonly db: Database.Database) {
    this.#history = {
      order: db.prepare(sqliteSql(ORDER_OF_MERCHANT)),
      entries: db.prepare(sqliteSql(ENTRIES_OF_ORDER)),
      refunds: db.prepare(sqliteSql(REFUNDS_OF_ORDER)),
      code: db.prepare(sqliteSql(CODE_NAMES_ORDER)),
      charge: db.prepare(sqliteSql(CASHIER_CHARGE_WITH_ORDER)),
    };
  }

  searchOrders(search: OrderSearch): Order[] {
    const { sql, values } = orderSearchSql(search, 'sqlite');
    return (this.#statement(sqliteSql(sql)).all(...values) as Row[]).map(toOrder);
  }

  tillsOfOrders(mchId: string, mchOrderIds: readonly string[]): Map<string, string> {
    if (mchOrderIds.length === 0) return new Map();
    const rows = this.#statement(sqliteSql(tillsOfOrdersSql(mchOrderIds.length))).all(mchId, ...mchOrderIds) as { mch_order_id: string; name: string }[];
    return new Map(rows.map((r) => [r.mch_order_id, r.name]));
  }

  orderHistory(mchId: string, mchOrderId: string): OrderHistory | null {
    const h = this.#history;
    return this.db.transaction((): OrderHistory | null => {
      const row = h.order.get(mchId, mchOrderId) as Row | undefined;
      if (row === undefined) return null;
      const order = toOrder(row);
      return toOrderHistory(order, {
        entries: h.entries.all(order.orderId) as Row[],
        refunds: h.refunds.all(order.orderId) as Row[],
        codeCount: h.code.get(row.pay_code, order.orderId) as Row | undefined,
        charge: h.charge.get(mchId, mchOrderId) as Row | undefined,
      });
    }).deferred();
  }

  #statement(sql: string): Database.Statement {
    let statement = this.#shapes.get(sql);
    if (statement === undefined) {
      if (this.#shapes.size >= PREPARED_SHAPES) this.#shapes.clear();
      statement = this.db.prepare(sql);
      this.#shapes.set(sql, statement);
    }
    return statement;
  }
}
