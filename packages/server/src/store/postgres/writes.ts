import { randomInt, randomUUID } from 'node:crypto';
import type pg from 'pg';
import type { OrderStatus } from '@micropay/protocol';
import { assert, type JournalEntry } from '../../domain/ledger.js';
import type { Order } from '../../domain/model.js';
import type { NotificationEvent } from '../../domain/notification.js';
import { assertTransition, orderAfter, type OrderChanges } from '../../domain/order-state.js';
import { toOrder, type Row } from '../rows.js';

export type Db = pg.Pool | pg.PoolClient;

/** How often a credit looks for a free balance shard before it waits for a busy one. */
const FREE_SHARD_LOOKS = 20;

interface AccountShape {
  readonly kind: 'platform' | 'wallet' | 'merchant';
  readonly shards: number;
}

/**
 * The writes every money movement and state change is made of, on PostgreSQL. Each takes the
 * transaction's client and asserts its invariant; the same operations as SqliteWrites.
 */
export class PgWrites {
  /** Accounts never change kind or shard count, so their shape is cached for good. */
  readonly #shapes = new Map<string, AccountShape>();

  async insertOrder(c: Db, o: Order, payCode: string): Promise<void> {
    assertTransition(null, o.status);
    await c.query(
      `INSERT INTO orders (order_id, mch_id, mch_order_id, amount_sen, goods_info, discount_sen, point, pay_code,
                           wallet_id, status, fail_reason, fingerprint, trade_time_ms, pay_time_ms, deadline_ms,
                           refunded_sen, updated_at_ms)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17)`,
      [
        o.orderId, o.mchId, o.mchOrderId, o.amountSen, o.goodsInfo, o.discountSen, o.point, payCode, o.walletId,
        o.status, o.failReason, o.fingerprint, o.tradeTimeMs, o.payTimeMs, o.deadlineMs, o.refundedSen, o.updatedAtMs,
      ],
    );
  }

  async findOrderById(c: Db, orderId: string, forUpdate = false): Promise<Order | null> {
    const { rows } = await c.query(`SELECT * FROM orders WHERE order_id = $1${forUpdate ? ' FOR UPDATE' : ''}`, [orderId]);
    return rows[0] === undefined ? null : toOrder(rows[0] as Row);
  }

  /** Compare-and-set on the state the order was read in; see SqliteWrites.moveOrder. */
  async moveOrder(
    c: Db,
    order: Order,
    to: OrderStatus,
    nowMs: number,
    changes: OrderChanges = {},
  ): Promise<Order> {
    const next = orderAfter(order, to, nowMs, changes);
    const result = await c.query(
      `UPDATE orders SET status = $1, fail_reason = $2, pay_time_ms = $3, deadline_ms = $4, refunded_sen = $5, updated_at_ms = $6
        WHERE order_id = $7 AND status = $8`,
      [next.status, next.failReason, next.payTimeMs, next.deadlineMs, next.refundedSen, nowMs, order.orderId, order.status],
    );
    assert(result.rowCount === 1, `order ${order.orderId} is still ${order.status} when it moves to ${to}`);
    return next;
  }

  /** Books a journal entry: its postings and the balance shards, together. */
  async applyEntry(c: Db, entry: JournalEntry): Promise<void> {
    const { rows } = await c.query(
      `WITH e AS (INSERT INTO journal_entries (kind, order_id, refund_id, created_at_ms) VALUES ($1, $2, $3, $4) RETURNING entry_id)
       INSERT INTO postings (entry_id, account_id, amount_sen)
       SELECT e.entry_id, p.account_id, p.amount_sen FROM e, unnest($5::text[], $6::bigint[]) AS p (account_id, amount_sen)
       RETURNING entry_id`,
      [entry.kind, entry.orderId, entry.refundId, entry.createdAtMs, entry.postings.map((p) => p.accountId), entry.postings.map((p) => p.amountSen)],
    );
    assert(rows.length === entry.postings.length, 'every posting of an entry is written');
    for (const p of entry.postings) await this.#addToBalance(c, p.accountId, p.amountSen);
  }

  /** One posting's change to an account's balance (see #addToBalance); for writes that post in bulk. */
  addToBalance(c: Db, accountId: string, amountSen: number): Promise<void> {
    return this.#addToBalance(c, accountId, amountSen);
  }

  /**
   * A credit to a sharded account goes to a shard that no other transaction holds right now
   * (SKIP LOCKED), picked at random, so concurrent payments to one merchant do not wait for each
   * other. Payments hold a shard only until they commit, so when every shard is busy it looks
   * again a few times, briefly, before it waits for a random one. A debit of a sharded account
   * that may not go negative locks all its shards in order and takes from them in turn; the
   * caller has already checked that the total covers it.
   */
  async #addToBalance(c: Db, accountId: string, amountSen: number): Promise<void> {
    const shape = await this.#shape(c, accountId);
    if (shape.shards === 1) {
      const r = await c.query('UPDATE account_shards SET balance_sen = balance_sen + $1 WHERE account_id = $2 AND shard = 0', [
        amountSen, accountId,
      ]);
      assert(r.rowCount === 1, `posting to an existing account (${accountId})`);
      return;
    }
    if (amountSen > 0 || shape.kind === 'platform') {
      for (let look = 0; look < FREE_SHARD_LOOKS; look++) {
        const free = await c.query(
          `UPDATE account_shards SET balance_sen = balance_sen + $1
            WHERE (account_id, shard) = (SELECT account_id, shard FROM account_shards WHERE account_id = $2
                                          ORDER BY random() LIMIT 1 FOR UPDATE SKIP LOCKED)`,
          [amountSen, accountId],
        );
        if (free.rowCount === 1) return;
        await new Promise((r) => setTimeout(r, 1 + look));
      }
      const r = await c.query('UPDATE account_shards SET balance_sen = balance_sen + $1 WHERE account_id = $2 AND shard = $3', [
        amountSen, accountId, randomInt(0, shape.shards),
      ]);
      assert(r.rowCount === 1, `posting to an existing account (${accountId})`);
      return;
    }
    const { rows } = await c.query(
      'SELECT shard, balance_sen FROM account_shards WHERE account_id = $1 ORDER BY shard FOR UPDATE',
      [accountId],
    );
    let owed = -amountSen;
    for (const row of rows as { shard: number; balance_sen: number }[]) {
      if (owed === 0) break;
      const take = Math.min(owed, row.balance_sen);
      if (take <= 0) continue;
      await c.query('UPDATE account_shards SET balance_sen = balance_sen - $1 WHERE account_id = $2 AND shard = $3', [
        take, accountId, row.shard,
      ]);
      owed -= take;
    }
    assert(owed === 0, `the balance of ${accountId} covers the debit`);
  }

  async #shape(c: Db, accountId: string): Promise<AccountShape> {
    let shape = this.#shapes.get(accountId);
    if (shape === undefined) {
      const { rows } = await c.query('SELECT kind, shards FROM accounts WHERE id = $1', [accountId]);
      assert(rows[0] !== undefined, `posting to an existing account (${accountId})`);
      shape = rows[0] as AccountShape;
      this.#shapes.set(accountId, shape);
    }
    return shape;
  }

  /** Reserves (positive) or releases (negative) part of a wallet's balance for a PENDING order. */
  async changeHold(c: Db, walletId: string, deltaSen: number): Promise<void> {
    const r = await c.query(
      `UPDATE accounts SET held_sen = held_sen + $1 WHERE id = (SELECT account_id FROM wallets WHERE wallet_id = $2)`,
      [deltaSen, walletId],
    );
    assert(r.rowCount === 1, `hold on an existing wallet (${walletId})`);
  }

  /** The outbox row for an event, in the caller's transaction; see SqliteWrites.enqueueNotification. */
  async enqueueNotification(c: Db, mchId: string, event: NotificationEvent, subjectId: string, subject: object, nowMs: number): Promise<void> {
    await c.query(
      `INSERT INTO notifications (notification_id, mch_id, event_type, subject_id, url, payload, status, attempts,
                                  next_attempt_at_ms, created_at_ms)
       SELECT $1, mch_id, $2, $3, notify_url, $4, 'pending', 0, $5, $5 FROM merchants
        WHERE mch_id = $6 AND notify_url IS NOT NULL`,
      [randomUUID(), event, subjectId, JSON.stringify(subject), nowMs, mchId],
    );
  }
}
