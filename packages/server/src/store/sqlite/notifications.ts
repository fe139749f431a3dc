import type Database from 'better-sqlite3';
import type { Clock } from '../../domain/clock.js';
import { LAST_ERROR_MAX_LENGTH, type Notification } from '../../domain/notification.js';
import { toNotification, type Row } from '../rows.js';
import type { NotificationFilter, NotificationRetryResult } from '../store.js';
import type { MainWrite } from './write-turns.js';
import { notificationRetryRecord, type ActingAs } from '../../domain/audit-log.js';
import { auditLogInsert } from '../audit-log-sql.js';
import { sqliteSql } from '../page-access-sql.js';

/**
 * The notification outbox's delivery side on SQLite. Rows are written by SqliteWrites in the
 * transaction of the state change; here a worker claims due rows with a lease, so several server
 * processes on one file never post the same notification at once, and records each outcome.
 *
 * A lease is an owner name plus an expiry. Claiming takes only rows whose lease is free or expired,
 * and every outcome is recorded only if the caller still owns the lease: a worker that stalled past
 * its lease, while another took the row over, cannot overwrite the newer worker's outcome.
 */
export class SqliteNotifications {
  readonly #db: Database.Database;
  readonly #mainWrite: MainWrite;
  readonly #clock: Clock;
  readonly #s;

  constructor(db: Database.Database, clock: Clock, mainWrite: MainWrite) {
    this.#db = db;
    this.#mainWrite = mainWrite;
    this.#clock = clock;
    this.#s = {
      // One statement, in an immediate transaction: two processes claiming at the same moment are
      // serialised by SQLite's write lock, so a row goes to exactly one of them.
      // The attempt is counted when it is claimed, so a process that dies mid-post still used one.
      claim: db.prepare(
        `UPDATE notifications
            SET lease_owner = ?, lease_until_ms = ?, attempts = attempts + 1
          WHERE notification_id IN (
                SELECT notification_id FROM notifications
                 WHERE status = 'pending' AND next_attempt_at_ms <= ?
                   AND (lease_until_ms IS NULL OR lease_until_ms <= ?)
                 ORDER BY next_attempt_at_ms
                 LIMIT ?)
        RETURNING *`,
      ),
      // A delivered row has no error to show: an earlier failed attempt's text would read as a
      // problem with a notification that arrived (its attempt count tells how many it took).
      delivered: db.prepare(
        `UPDATE notifications
            SET status = 'delivered', delivered_at_ms = ?, last_error = NULL, lease_owner = NULL, lease_until_ms = NULL
          WHERE notification_id = ? AND lease_owner = ? AND status = 'pending'`,
      ),
      failed: db.prepare(
        `UPDATE notifications
            SET status = ?, next_attempt_at_ms = ?, last_error = ?, lease_owner = NULL, lease_until_ms = NULL
          WHERE notification_id = ? AND lease_owner = ? AND status = 'pending'`,
      ),
      find: db.prepare('SELECT * FROM notifications WHERE notification_id = ?'),
      anyDue: db.prepare(
        `SELECT 1 FROM notifications
          WHERE status = 'pending' AND next_attempt_at_ms <= ? AND (lease_until_ms IS NULL OR lease_until_ms <= ?) LIMIT 1`,
      ),
      // A row being posted right now keeps its lease: re-driving it must not let a second worker
      // post it concurrently. It only becomes due at once if this attempt fails.
      retry: db.prepare(
        `UPDATE notifications SET status = 'pending', next_attempt_at_ms = ?
          WHERE notification_id = ? AND status IN ('pending', 'dead')`,
      ),
    };
  }

  async claimDue(owner: string, leaseMs: number, limit: number): Promise<Notification[]> {
    const now = this.#clock.nowMs();
    // Most polls find nothing due: a read (which never waits for a writer) says so without taking
    // the write lock.
    if (this.#s.anyDue.get(now, now) === undefined) return [];
    const claim = this.#db.transaction(() => this.#s.claim.all(owner, now + leaseMs, now, now, limit) as Row[]);
    return (await this.#mainWrite(() => claim.immediate())).map(toNotification).sort((a, b) => a.nextAttemptAtMs - b.nextAttemptAtMs);
  }

  async recordDelivery(notificationId: string, owner: string): Promise<boolean> {
    return (await this.#mainWrite(() => this.#s.delivered.run(this.#clock.nowMs(), notificationId, owner))).changes === 1;
  }

  /** `nextAttemptAtMs` null: that was the last attempt, the notification is dead. */
  async recordFailedAttempt(notificationId: string, owner: string, error: string, nextAttemptAtMs: number | null): Promise<boolean> {
    const status = nextAttemptAtMs === null ? 'dead' : 'pending';
    // A dead row keeps the time of its last attempt, so a list shows when it gave up.
    const at = nextAttemptAtMs ?? this.#clock.nowMs();
    const text = error.length > LAST_ERROR_MAX_LENGTH ? error.slice(0, LAST_ERROR_MAX_LENGTH) : error;
    return (await this.#mainWrite(() => this.#s.failed.run(status, at, text, notificationId, owner))).changes === 1;
  }

  list(filter: NotificationFilter): Notification[] {
    const where: string[] = [];
    const params: (string | number)[] = [];
    if (filter.status !== undefined) {
      where.push('status = ?');
      params.push(filter.status);
    }
    if (filter.mchId !== undefined) {
      where.push('mch_id = ?');
      params.push(filter.mchId);
    }
    const sql = `SELECT * FROM notifications ${where.length > 0 ? `WHERE ${where.join(' AND ')}` : ''}
                  ORDER BY created_at_ms DESC, notification_id LIMIT ?`;
    return (this.#db.prepare(sql).all(...params, filter.limit) as Row[]).map(toNotification);
  }

  /** Dead or pending → pending and due now; the attempts made so far are kept. Delivered rows stay delivered. */
  /** With `acting`, a retry that changed the row is in the audit log, in the same transaction. */
  retry(notificationId: string, acting?: ActingAs): Promise<NotificationRetryResult> {
    const run = this.#db.transaction((): NotificationRetryResult => {
      const nowMs = this.#clock.nowMs();
      const changed = this.#s.retry.run(nowMs, notificationId).changes === 1;
      const row = this.#s.find.get(notificationId) as Row | undefined;
      if (row === undefined) return { kind: 'not_found' };
      const notification = toNotification(row);
      if (changed && acting !== undefined) {
        const append = auditLogInsert(acting, notificationRetryRecord(notification), nowMs);
        this.#db.prepare(sqliteSql(append.sql)).run(...append.values);
      }
      return { kind: changed ? 'retried' : 'unchanged', notification };
    });
    return this.#mainWrite(() => run.immediate());
  }
}
