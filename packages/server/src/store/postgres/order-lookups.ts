import type pg from 'pg';
import type { Order } from '../../domain/model.js';
import { ORDER_BY_KEY, ORDER_KEY_AT, ORDER_SELECT_LIST, orderOfValues } from '../rows.js';
import { TurnBatch } from '../turn-batch.js';

/**
 * Lookups answered by one statement at most. Not SQLite's four (../sqlite/read-turns.ts): there,
 * a read held back for others costs the garbage collector; here every lookup waits for the round
 * trip anyway, and each statement costs the server's thread far more than a lookup in it. Four to
 * a statement took 135–141 µs of server CPU per queryBill, sixteen 68–116, sixty-four 67–78
 * (docs/benchmarks.md, issue 18).
 */
const MAX_TOGETHER = 64;

// Rows come back as arrays in ORDER_COLUMNS order (rows.ts): no object per row to build.
const SEVERAL = `SELECT ${ORDER_SELECT_LIST} FROM orders
                  WHERE (mch_id, mch_order_id) IN (SELECT * FROM unnest($1::text[], $2::text[]))`;

interface Lookup {
  readonly mchId: string;
  readonly mchOrderId: string;
  readonly resolve: (order: Order | null) => void;
  readonly reject: (error: unknown) => void;
}

/**
 * queryBill's order lookups on PostgreSQL: those queued in one turn of the event loop go to the
 * database together, up to sixty-four to a statement, instead of one round trip (and one
 * statement's parse, plan and answer) each. One statement reads one snapshot, taken when it
 * starts: after every request whose lookup it carries was received, so each still sees every
 * commit made before its request arrived, as a statement of its own would.
 */
export class PgOrderLookups {
  readonly #turns = new TurnBatch<Lookup>(MAX_TOGETHER, (lookups) => this.#send(lookups));

  constructor(private readonly pool: pg.Pool) {}

  find(mchId: string, mchOrderId: string): Promise<Order | null> {
    return new Promise((resolve, reject) => this.#turns.add({ mchId, mchOrderId, resolve, reject }));
  }

  #send(lookups: readonly Lookup[]): void {
    // Named: each connection parses and plans them once, not at every lookup.
    const query =
      lookups.length === 1
        ? this.pool.query<unknown[]>({ name: 'micropay_order_by_key', text: ORDER_BY_KEY, values: [lookups[0]!.mchId, lookups[0]!.mchOrderId], rowMode: 'array' })
        : this.pool.query<unknown[]>({
            name: 'micropay_orders_by_keys',
            text: SEVERAL,
            values: [lookups.map((l) => l.mchId), lookups.map((l) => l.mchOrderId)],
            rowMode: 'array',
          });
    query.then(
      ({ rows }) => {
        for (const l of lookups) {
          const values = rows.find((v) => v[ORDER_KEY_AT.mchId] === l.mchId && v[ORDER_KEY_AT.mchOrderId] === l.mchOrderId);
          l.resolve(values === undefined ? null : orderOfValues(values));
        }
      },
      (error: unknown) => lookups.forEach((l) => l.reject(error)),
    );
  }
}
