import { randomUUID } from 'node:crypto';
import type Database from 'better-sqlite3';
import type { OrderStatus } from '@micropay/protocol';
import { assert, type JournalEntry } from '../../domain/ledger.js';
import type { Order } from '../../domain/model.js';
import type { NotificationEvent } from '../../domain/notification.js';
import { assertTransition, orderAfter, type OrderChanges } from '../../domain/order-state.js';
import { toOrder, type Row } from '../rows.js';

/**
 * The writes every money movement and state change is made of, shared by payments, confirmations,
 * closes, refunds and the sweeper. Each asserts its invariant; callers run them inside a transaction.
 */
export class SqliteWrites {
  readonly #s;

  constructor(db: Database.Database) {
    this.#s = {
      insertOrder: db.prepare(
        `INSERT INTO orders (order_id, mch_id, mch_order_id, amount_sen, goods_info, discount_sen, point, pay_code,
                             wallet_id, status, fail_reason, fingerprint, trade_time_ms, pay_time_ms, deadline_ms,
                             refunded_sen, updated_at_ms)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      ),
      findOrderById: db.prepare('SELECT * FROM orders WHERE order_id = ?'),
      moveOrder: db.prepare(
        `UPDATE orders SET status = ?, fail_reason = ?, pay_time_ms = ?, deadline_ms = ?, refunded_sen = ?, updated_at_ms = ?
          WHERE order_id = ? AND status = ?`,
      ),
      insertEntry: db.prepare('INSERT INTO journal_entries (kind, order_id, refund_id, created_at_ms) VALUES (?, ?, ?, ?)'),
      // The posting links to the account's previous latest posting; the account then points at it.
      insertPosting: db.prepare(
        `INSERT INTO postings (entry_id, account_id, amount_sen, prev_posting_id)
         VALUES (?, ?, ?, (SELECT last_posting_id FROM accounts WHERE id = ?))`,
      ),
      addToBalance: db.prepare('UPDATE accounts SET balance_sen = balance_sen + ?, last_posting_id = ? WHERE id = ?'),
      addToHold: db.prepare(
        `UPDATE accounts SET held_sen = held_sen + ? WHERE id = (SELECT account_id FROM wallets WHERE wallet_id = ?)`,
      ),
      notifyUrl: db.prepare('SELECT notify_url FROM merchants WHERE mch_id = ?'),
      insertNotification: db.prepare(
        `INSERT INTO notifications (notification_id, mch_id, event_type, subject_id, url, payload, status,
                                    attempts, next_attempt_at_ms, created_at_ms)
         VALUES (?, ?, ?, ?, ?, ?, 'pending', 0, ?, ?)`,
      ),
    };
  }

  insertOrder(o: Order, payCode: string): void {
    assertTransition(null, o.status);
    this.#s.insertOrder.run(
      o.orderId, o.mchId, o.mchOrderId, o.amountSen, o.goodsInfo, o.discountSen, o.point, payCode, o.walletId,
      o.status, o.failReason, o.fingerprint, o.tradeTimeMs, o.payTimeMs, o.deadlineMs, o.refundedSen, o.updatedAtMs,
    );
  }

  findOrderById(orderId: string): Order | null {
    const row = this.#s.findOrderById.get(orderId) as Row | undefined;
    return row === undefined ? null : toOrder(row);
  }

  /**
   * Moves an order to its next state, compare-and-set on the state it was read in, so two
   * racing changes (a confirm and a close) can never both apply. Returns the order as written.
   */
  moveOrder(
    order: Order,
    to: OrderStatus,
    nowMs: number,
    changes: OrderChanges = {},
  ): Order {
    const next = orderAfter(order, to, nowMs, changes);
    const result = this.#s.moveOrder.run(
      next.status, next.failReason, next.payTimeMs, next.deadlineMs, next.refundedSen, nowMs, order.orderId, order.status,
    );
    assert(result.changes === 1, `order ${order.orderId} is still ${order.status} when it moves to ${to}`);
    return next;
  }

  /** Books a journal entry: its postings, each account's posting chain and cached balance, together. */
  applyEntry(entry: JournalEntry): void {
    const entryId = this.#s.insertEntry.run(entry.kind, entry.orderId, entry.refundId, entry.createdAtMs).lastInsertRowid;
    for (const p of entry.postings) {
      const postingId = this.#s.insertPosting.run(entryId, p.accountId, p.amountSen, p.accountId).lastInsertRowid;
      const changed = this.#s.addToBalance.run(p.amountSen, postingId, p.accountId);
      assert(changed.changes === 1, `posting to an existing account (${p.accountId})`);
    }
  }

  /** Reserves (positive) or releases (negative) part of a wallet's balance for a PENDING order. */
  changeHold(walletId: string, deltaSen: number): void {
    const changed = this.#s.addToHold.run(deltaSen, walletId);
    assert(changed.changes === 1, `hold on an existing wallet (${walletId})`);
  }

  /**
   * Writes the outbox row for an event, in the caller's transaction. Merchants without a
   * notifyUrl get none. The payload is a snapshot of the order or refund as it is now.
   */
  enqueueNotification(mchId: string, event: NotificationEvent, subjectId: string, subject: object, nowMs: number): void {
    const row = this.#s.notifyUrl.get(mchId) as { notify_url: string | null } | undefined;
    this.enqueueNotificationTo(row?.notify_url ?? null, mchId, event, subjectId, subject, nowMs);
  }

  /** The same, for a caller that read the merchant's notifyUrl earlier in this transaction. */
  enqueueNotificationTo(
    url: string | null, mchId: string, event: NotificationEvent, subjectId: string, subject: object, nowMs: number,
  ): void {
    if (url === null) return;
    this.#s.insertNotification.run(randomUUID(), mchId, event, subjectId, url, JSON.stringify(subject), nowMs, nowMs);
  }
}
