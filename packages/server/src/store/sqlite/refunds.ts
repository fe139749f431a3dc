import type Database from 'better-sqlite3';
import { PAID_ORDER_STATUSES, type RefundCommand } from '@micropay/protocol';
import type { Clock } from '../../domain/clock.js';
import { RefundIdSource } from '../../domain/ids.js';
import { assert, merchantAccount } from '../../domain/ledger.js';
import type { Order, Refund, WalletStatus } from '../../domain/model.js';
import { assertRefundTransition } from '../../domain/order-state.js';
import { decideRefundFinish, decideRefundRequest, refundFingerprint, type RefundRequestDecision } from '../../domain/refund.js';
import type { StatementMovements } from '../../domain/statement.js';
import { retryOnIdClash } from '../id-clash.js';
import { sqlList } from '../sql-list.js';
import type { RefundRecord } from '../store.js';
import { toOrder, toRefund, type Row } from '../rows.js';
import type { MainWrite } from './write-turns.js';
import type { SqliteWrites } from './writes.js';

/**
 * Refunds and statements on SQLite. Each public method that writes is one immediate transaction
 * (it takes the write lock first, so what it reads cannot change under it, also across processes).
 * The methods are synchronous: `refund` runs both of a refund's transactions without yielding,
 * so within one process no other request can see the order between them.
 */
export class SqliteRefunds {
  readonly #db: Database.Database;
  readonly #mainWrite: MainWrite;
  readonly #writes: SqliteWrites;
  readonly #clock: Clock;
  readonly #ids: RefundIdSource;
  readonly #s;

  constructor(db: Database.Database, writes: SqliteWrites, clock: Clock, timeZone: string, mainWrite: MainWrite) {
    this.#db = db;
    this.#mainWrite = mainWrite;
    this.#writes = writes;
    this.#clock = clock;
    this.#ids = new RefundIdSource(timeZone);
    this.#s = {
      findOrder: db.prepare('SELECT * FROM orders WHERE mch_id = ? AND mch_order_id = ?'),
      findRefund: db.prepare('SELECT * FROM refunds WHERE mch_id = ? AND mch_refund_id = ?'),
      findRefundById: db.prepare('SELECT * FROM refunds WHERE refund_id = ?'),
      insertRefund: db.prepare(
        `INSERT INTO refunds (refund_id, mch_id, mch_refund_id, order_id, amount_sen, reason, status, fail_reason,
                              fingerprint, requested_at_ms, finished_at_ms)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      ),
      moveRefund: db.prepare(
        `UPDATE refunds SET status = ?, fail_reason = ?, finished_at_ms = ? WHERE refund_id = ? AND status = ?`,
      ),
      balance: db.prepare('SELECT balance_sen FROM accounts WHERE id = ?'),
      walletStatus: db.prepare('SELECT status FROM wallets WHERE wallet_id = ?'),
      otherRefundsInProcess: db.prepare(
        `SELECT COUNT(*) AS n FROM refunds WHERE order_id = ? AND status = 'REFUND_IN_PROCESS' AND refund_id <> ?`,
      ),
      changeRefunded: db.prepare(
        `UPDATE orders SET refunded_sen = ?, updated_at_ms = ? WHERE order_id = ? AND status = ? AND refunded_sen = ?`,
      ),
      staleRefunds: db.prepare(
        `SELECT refund_id FROM refunds WHERE status = 'REFUND_IN_PROCESS' AND requested_at_ms <= ?
          ORDER BY requested_at_ms LIMIT ?`,
      ),
      paymentsPaidBetween: db.prepare(
        `SELECT * FROM orders
          WHERE mch_id = ? AND pay_time_ms >= ? AND pay_time_ms < ?
            AND status IN ${sqlList(PAID_ORDER_STATUSES)}
          ORDER BY pay_time_ms, order_id`,
      ),
      refundsFinishedBetween: db.prepare(
        `SELECT r.*, o.mch_order_id AS order_mch_order_id FROM refunds r JOIN orders o ON o.order_id = r.order_id
          WHERE r.mch_id = ? AND r.finished_at_ms >= ? AND r.finished_at_ms < ? AND r.status = 'REFUNDED'
          ORDER BY r.finished_at_ms, r.refund_id`,
      ),
    };
  }

  /**
   * The first transaction: decide, and on acceptance reserve the amount and record the refund.
   * Run again when the refund id drawn was taken already (id-clash.ts).
   */
  request(cmd: RefundCommand): Promise<RefundRequestDecision> {
    return retryOnIdClash(() => this.#mainWrite(() => this.#db.transaction((): RefundRequestDecision => {
      const now = this.#clock.nowMs();
      const existingRow = this.#s.findRefund.get(cmd.mchId, cmd.mchRefundId) as Row | undefined;
      const existing = existingRow === undefined ? null : this.#withOrder(toRefund(existingRow));
      const orderRow = existing === null ? (this.#s.findOrder.get(cmd.mchId, cmd.mchOrderId) as Row | undefined) : undefined;
      const decision = decideRefundRequest(
        cmd,
        { existing, order: orderRow === undefined ? null : toOrder(orderRow) },
        now,
        this.#ids.next(now),
        refundFingerprint(cmd),
      );
      if (decision.kind !== 'accepted') return decision;
      const r = decision.refund;
      assertRefundTransition(null, r.status);
      this.#s.insertRefund.run(
        r.refundId, r.mchId, r.mchRefundId, r.orderId, r.amountSen, r.reason, r.status, r.failReason, r.fingerprint,
        r.requestedAtMs, r.finishedAtMs,
      );
      // The reservation: the CHECK (refunded_sen <= amount_sen) guards it a second time.
      const order = this.#setOrder(decision.order, 'REFUND_IN_PROCESS', now, decision.refundedSen);
      return { ...decision, order };
    }).immediate()), isRefundIdClash);
  }

  /**
   * The second transaction: moves the money back, or fails the refund and releases the
   * reservation. Safe to run any number of times and from any process: a refund that already
   * finished is returned as it is. null: no such refund.
   */
  finish(refundId: string): Promise<RefundRecord | null> {
    return this.#mainWrite(() => this.#db.transaction((): RefundRecord | null => {
      const now = this.#clock.nowMs();
      const row = this.#s.findRefundById.get(refundId) as Row | undefined;
      if (row === undefined) return null;
      const refund = toRefund(row);
      const order = this.#writes.findOrderById(refund.orderId);
      assert(order !== null, `refund ${refundId} has its order`);
      if (refund.status !== 'REFUND_IN_PROCESS') return { refund, order };

      const balance = this.#s.balance.get(merchantAccount(refund.mchId)) as { balance_sen: number } | undefined;
      const wallet = this.#s.walletStatus.get(order.walletId) as { status: WalletStatus } | undefined;
      assert(balance !== undefined && wallet !== undefined, 'the merchant account and the wallet of a refund exist');
      const others = (this.#s.otherRefundsInProcess.get(refund.orderId, refund.refundId) as { n: number }).n;
      const decision = decideRefundFinish(
        refund,
        order,
        { merchantBalanceSen: balance.balance_sen, walletStatus: wallet.status, otherRefundsInProcess: others },
        now,
      );
      switch (decision.kind) {
        case 'none':
          return { refund, order };
        case 'refunded': {
          this.#writes.applyEntry(decision.entry);
          this.#moveRefund(refund, decision.refund);
          const moved = this.#setOrder(order, decision.orderStatus, now, order.refundedSen);
          this.#writes.enqueueNotification(refund.mchId, 'REFUNDED', refund.refundId, decision.refund, now);
          return { refund: decision.refund, order: moved };
        }
        case 'failed': {
          this.#moveRefund(refund, decision.refund);
          const moved = this.#setOrder(order, decision.orderStatus, now, decision.refundedSen);
          this.#writes.enqueueNotification(refund.mchId, 'REFUND_FAILED', refund.refundId, decision.refund, now);
          return { refund: decision.refund, order: moved };
        }
      }
    }).immediate());
  }

  /**
   * Both transactions, one right after the other. A repeat of a refund still in process (its
   * first request died between the two) finishes it, so the merchant's retry learns the outcome.
   */
  async refund(cmd: RefundCommand): Promise<RefundRequestDecision> {
    const decision = await this.request(cmd);
    if (decision.kind === 'rejected' || decision.refund.status !== 'REFUND_IN_PROCESS') return decision;
    const finished = await this.finish(decision.refund.refundId);
    assert(finished !== null, 'a recorded refund can be finished');
    return { ...decision, refund: finished.refund, order: finished.order };
  }

  /**
   * Moves the order to `to` with its new refunded_sen; when it already is `to` (REFUND_IN_PROCESS,
   * another refund of it in flight) only refunded_sen changes. Both compare-and-set on what was read.
   */
  #setOrder(order: Order, to: Order['status'], now: number, refundedSen: number): Order {
    if (order.status !== to) return this.#writes.moveOrder(order, to, now, { refundedSen });
    assert(to === 'REFUND_IN_PROCESS', `only an order with refunds in flight stays ${to} while a refund changes it`);
    const changed = this.#s.changeRefunded.run(refundedSen, now, order.orderId, order.status, order.refundedSen);
    assert(changed.changes === 1, `order ${order.orderId} is still ${order.status} with ${order.refundedSen} sen refunded`);
    return { ...order, refundedSen, updatedAtMs: now };
  }

  /** Moves a refund to its next state, compare-and-set on the state it was read in. */
  #moveRefund(from: Refund, to: Refund): void {
    assertRefundTransition(from.status, to.status);
    const changed = this.#s.moveRefund.run(to.status, to.failReason, to.finishedAtMs, from.refundId, from.status);
    assert(changed.changes === 1, `refund ${from.refundId} is still ${from.status} when it moves to ${to.status}`);
  }

  /** Finishes refunds left REFUND_IN_PROCESS since `olderThanMs` ago or longer; returns how many. */
  async finishStale(olderThanMs: number, limit = 500): Promise<number> {
    const due = this.#s.staleRefunds.all(this.#clock.nowMs() - olderThanMs, limit) as { refund_id: string }[];
    let finished = 0;
    for (const { refund_id } of due) {
      const before = this.#s.findRefundById.get(refund_id) as Row | undefined;
      if (before === undefined || before.status !== 'REFUND_IN_PROCESS') continue;
      if ((await this.finish(refund_id)) !== null) finished += 1;
    }
    return finished;
  }

  find(mchId: string, mchRefundId: string): RefundRecord | null {
    const row = this.#s.findRefund.get(mchId, mchRefundId) as Row | undefined;
    return row === undefined ? null : this.#withOrder(toRefund(row));
  }

  findById(refundId: string): RefundRecord | null {
    const row = this.#s.findRefundById.get(refundId) as Row | undefined;
    return row === undefined ? null : this.#withOrder(toRefund(row));
  }

  /** The day's movements, read in one transaction so payments and refunds are of the same moment. */
  movements(mchId: string, fromMs: number, toMs: number): StatementMovements {
    return this.#db.transaction((): StatementMovements => ({
      payments: (this.#s.paymentsPaidBetween.all(mchId, fromMs, toMs) as Row[]).map(toOrder),
      refunds: (this.#s.refundsFinishedBetween.all(mchId, fromMs, toMs) as Row[]).map((r) => ({
        refund: toRefund(r),
        mchOrderId: r.order_mch_order_id as string,
      })),
    })).deferred();
  }

  #withOrder(refund: Refund): RefundRecord {
    const order: Order | null = this.#writes.findOrderById(refund.orderId);
    assert(order !== null, `refund ${refund.refundId} has its order`);
    return { refund, order };
  }
}

function isRefundIdClash(error: unknown): boolean {
  const e = error as { code?: string; message?: string } | null;
  return e?.code === 'SQLITE_CONSTRAINT_PRIMARYKEY' && e.message === 'UNIQUE constraint failed: refunds.refund_id';
}
