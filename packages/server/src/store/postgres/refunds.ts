import type pg from 'pg';
import { PAID_ORDER_STATUSES, type RefundCommand } from '@micropay/protocol';
import type { Clock } from '../../domain/clock.js';
import { RefundIdSource } from '../../domain/ids.js';
import { assert, merchantAccount } from '../../domain/ledger.js';
import type { Order, Refund, WalletStatus } from '../../domain/model.js';
import { assertRefundTransition } from '../../domain/order-state.js';
import { decideRefundFinish, decideRefundRequest, refundFingerprint, type RefundRequestDecision } from '../../domain/refund.js';
import type { StatementMovements } from '../../domain/statement.js';
import { toOrder, toRefund, type Row } from '../rows.js';
import { retryOnIdClash } from '../id-clash.js';
import { sqlList } from '../sql-list.js';
import type { RefundRecord } from '../store.js';
import { isUniqueViolation } from './pool.js';
import type { Db, PgWrites } from './writes.js';

type Transaction = <T>(fn: (c: pg.PoolClient) => Promise<T>) => Promise<T>;

/**
 * Refunds and statements on PostgreSQL: the same two transactions as SqliteRefunds. The first
 * locks the order row, so concurrent refunds of one order reserve against it one at a time and
 * never add up beyond the paid amount; the second locks the order, then the wallet's balance,
 * then all of the merchant's balance shards (the store's one lock order: pg-store.ts).
 */
export class PgRefunds {
  readonly #ids: RefundIdSource;

  constructor(
    private readonly pool: pg.Pool,
    private readonly transaction: Transaction,
    private readonly writes: PgWrites,
    private readonly clock: Clock,
    timeZone: string,
  ) {
    this.#ids = new RefundIdSource(timeZone);
  }

  /**
   * The first transaction. Run again when it lost a race to insert (id-clash.ts): a refund id
   * another process drew, or the same mchRefundId from another request (which then answers as a
   * repeat).
   */
  request(cmd: RefundCommand): Promise<RefundRequestDecision> {
    return retryOnIdClash(
      () => this.#request(cmd),
      (error) => isUniqueViolation(error, 'refunds_pkey') || isUniqueViolation(error, 'refunds_mch_id_mch_refund_id_key'),
    );
  }

  #request(cmd: RefundCommand): Promise<RefundRequestDecision> {
    return this.transaction(async (c): Promise<RefundRequestDecision> => {
      const now = this.clock.nowMs();
      // The order row lock serialises every refund of this order, and repeats of one mchRefundId.
      const orderRows = (await c.query('SELECT * FROM orders WHERE mch_id = $1 AND mch_order_id = $2 FOR UPDATE', [cmd.mchId, cmd.mchOrderId])).rows;
      const existingRow = (await c.query('SELECT * FROM refunds WHERE mch_id = $1 AND mch_refund_id = $2', [cmd.mchId, cmd.mchRefundId])).rows[0];
      const existing = existingRow === undefined ? null : await this.#withOrder(c, toRefund(existingRow as Row));
      const order = orderRows[0] === undefined ? null : toOrder(orderRows[0] as Row);
      const decision = decideRefundRequest(cmd, { existing, order: existing === null ? order : null }, now, this.#ids.next(now), refundFingerprint(cmd));
      if (decision.kind !== 'accepted') return decision;
      const r = decision.refund;
      assertRefundTransition(null, r.status);
      await c.query(
        `INSERT INTO refunds (refund_id, mch_id, mch_refund_id, order_id, amount_sen, reason, status, fail_reason,
                              fingerprint, requested_at_ms, finished_at_ms)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)`,
        [r.refundId, r.mchId, r.mchRefundId, r.orderId, r.amountSen, r.reason, r.status, r.failReason, r.fingerprint, r.requestedAtMs, r.finishedAtMs],
      );
      const moved = await this.#setOrder(c, decision.order, 'REFUND_IN_PROCESS', now, decision.refundedSen);
      return { ...decision, order: moved };
    });
  }

  finish(refundId: string): Promise<RefundRecord | null> {
    return this.transaction(async (c): Promise<RefundRecord | null> => {
      const now = this.clock.nowMs();
      const row = (await c.query('SELECT * FROM refunds WHERE refund_id = $1', [refundId])).rows[0];
      if (row === undefined) return null;
      const unlocked = toRefund(row as Row);
      const order = await this.writes.findOrderById(c, unlocked.orderId, true);
      assert(order !== null, `refund ${refundId} has its order`);
      // Re-read under the order's lock: another finisher may have won meanwhile.
      const refund = toRefund((await c.query('SELECT * FROM refunds WHERE refund_id = $1', [refundId])).rows[0] as Row);
      if (refund.status !== 'REFUND_IN_PROCESS') return { refund, order };

      const wallet = (await c.query(
        `SELECT w.status FROM wallets w JOIN accounts a ON a.id = w.account_id
           JOIN account_shards s ON s.account_id = a.id WHERE w.wallet_id = $1 FOR UPDATE OF a, s`,
        [order.walletId],
      )).rows[0] as { status: WalletStatus } | undefined;
      const balance = (await c.query(
        `SELECT COALESCE(SUM(balance_sen), 0) AS balance_sen FROM
           (SELECT balance_sen FROM account_shards WHERE account_id = $1 ORDER BY shard FOR UPDATE) s`,
        [merchantAccount(refund.mchId)],
      )).rows[0] as { balance_sen: number };
      assert(wallet !== undefined, 'the wallet of a refund exists');
      // Counted under the order's lock, which every refund of the order takes first.
      const others = (await c.query(
        `SELECT COUNT(*) AS n FROM refunds WHERE order_id = $1 AND status = 'REFUND_IN_PROCESS' AND refund_id <> $2`,
        [refund.orderId, refund.refundId],
      )).rows[0] as { n: string | number };
      const decision = decideRefundFinish(
        refund,
        order,
        { merchantBalanceSen: Number(balance.balance_sen), walletStatus: wallet.status, otherRefundsInProcess: Number(others.n) },
        now,
      );
      switch (decision.kind) {
        case 'none':
          return { refund, order };
        case 'refunded': {
          await this.writes.applyEntry(c, decision.entry);
          await this.#moveRefund(c, refund, decision.refund);
          const moved = await this.#setOrder(c, order, decision.orderStatus, now, order.refundedSen);
          await this.writes.enqueueNotification(c, refund.mchId, 'REFUNDED', refund.refundId, decision.refund, now);
          return { refund: decision.refund, order: moved };
        }
        case 'failed': {
          await this.#moveRefund(c, refund, decision.refund);
          const moved = await this.#setOrder(c, order, decision.orderStatus, now, decision.refundedSen);
          await this.writes.enqueueNotification(c, refund.mchId, 'REFUND_FAILED', refund.refundId, decision.refund, now);
          return { refund: decision.refund, order: moved };
        }
      }
    });
  }

  async refund(cmd: RefundCommand): Promise<RefundRequestDecision> {
    const decision = await this.request(cmd);
    if (decision.kind === 'rejected' || decision.refund.status !== 'REFUND_IN_PROCESS') return decision;
    const finished = await this.finish(decision.refund.refundId);
    assert(finished !== null, 'a recorded refund can be finished');
    return { ...decision, refund: finished.refund, order: finished.order };
  }

  /** See SqliteRefunds: an order already REFUND_IN_PROCESS (refunds in flight) only changes refunded_sen. */
  async #setOrder(c: Db, order: Order, to: Order['status'], now: number, refundedSen: number): Promise<Order> {
    if (order.status !== to) return this.writes.moveOrder(c, order, to, now, { refundedSen });
    assert(to === 'REFUND_IN_PROCESS', `only an order with refunds in flight stays ${to} while a refund changes it`);
    const changed = await c.query(
      'UPDATE orders SET refunded_sen = $1, updated_at_ms = $2 WHERE order_id = $3 AND status = $4 AND refunded_sen = $5',
      [refundedSen, now, order.orderId, order.status, order.refundedSen],
    );
    assert(changed.rowCount === 1, `order ${order.orderId} is still ${order.status} with ${order.refundedSen} sen refunded`);
    return { ...order, refundedSen, updatedAtMs: now };
  }

  async #moveRefund(c: Db, from: Refund, to: Refund): Promise<void> {
    assertRefundTransition(from.status, to.status);
    const changed = await c.query(
      `UPDATE refunds SET status = $1, fail_reason = $2, finished_at_ms = $3 WHERE refund_id = $4 AND status = $5`,
      [to.status, to.failReason, to.finishedAtMs, from.refundId, from.status],
    );
    assert(changed.rowCount === 1, `refund ${from.refundId} is still ${from.status} when it moves to ${to.status}`);
  }

  async finishStale(olderThanMs: number, limit = 500): Promise<number> {
    const { rows } = await this.pool.query(
      `SELECT refund_id FROM refunds WHERE status = 'REFUND_IN_PROCESS' AND requested_at_ms <= $1 ORDER BY requested_at_ms LIMIT $2`,
      [this.clock.nowMs() - olderThanMs, limit],
    );
    let finished = 0;
    for (const { refund_id } of rows as { refund_id: string }[]) {
      const before = (await this.pool.query('SELECT status FROM refunds WHERE refund_id = $1', [refund_id])).rows[0] as { status: string } | undefined;
      if (before?.status !== 'REFUND_IN_PROCESS') continue;
      if ((await this.finish(refund_id)) !== null) finished += 1;
    }
    return finished;
  }

  async find(mchId: string, mchRefundId: string): Promise<RefundRecord | null> {
    const row = (await this.pool.query('SELECT * FROM refunds WHERE mch_id = $1 AND mch_refund_id = $2', [mchId, mchRefundId])).rows[0];
    return row === undefined ? null : this.#withOrder(this.pool, toRefund(row as Row));
  }

  /** Read in one REPEATABLE READ transaction, so payments and refunds are of the same moment. */
  movements(mchId: string, fromMs: number, toMs: number): Promise<StatementMovements> {
    return this.transaction(async (c) => {
      await c.query('SET TRANSACTION ISOLATION LEVEL REPEATABLE READ READ ONLY');
      const payments = await c.query(
        `SELECT * FROM orders WHERE mch_id = $1 AND pay_time_ms >= $2 AND pay_time_ms < $3
            AND status IN ${sqlList(PAID_ORDER_STATUSES)}
          ORDER BY pay_time_ms, order_id`,
        [mchId, fromMs, toMs],
      );
      const refunds = await c.query(
        `SELECT r.*, o.mch_order_id AS order_mch_order_id FROM refunds r JOIN orders o ON o.order_id = r.order_id
          WHERE r.mch_id = $1 AND r.finished_at_ms >= $2 AND r.finished_at_ms < $3 AND r.status = 'REFUNDED'
          ORDER BY r.finished_at_ms, r.refund_id`,
        [mchId, fromMs, toMs],
      );
      return {
        payments: (payments.rows as Row[]).map(toOrder),
        refunds: (refunds.rows as Row[]).map((r) => ({ refund: toRefund(r), mchOrderId: r.order_mch_order_id as string })),
      };
    });
  }

  async #withOrder(c: Db, refund: Refund): Promise<RefundRecord> {
    const order = await this.writes.findOrderById(c, refund.orderId);
    assert(order !== null, `refund ${refund.refundId} has its order`);
    return { refund, order };
  }
}
