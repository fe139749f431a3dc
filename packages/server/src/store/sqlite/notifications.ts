import type Database from 'better-sqlite3';
import type { Clock } from '../../domain/clock.js';
import { LAST_ERROR_MAX_LENGTH, type AttemptRecord, type Notification, type NotificationAttempt } from '../../domain/notification.js';
import {
  ATTEMPT_SUBJECTS_MAX, ATTEMPTS_OF_NOTIFICATION_SQL, attemptsForSubjectsSql, attemptValues, DEAD_BY_MERCHANT_SQL, DEAD_OF_MERCHANT_SQL,
  INSERT_ATTEMPT_COLUMNS, NOTIFICATION_ACTIVITY_SQL, RETRY_DEAD_OF_MERCHANT_SQL, toActivity, toAttempt, type NotificationActivity,
} from '../notification-attempts-sql.js';
import { toNotification, type Row } from '../rows.js';
import type { DeadLetterCursor, FailedAttemptRecord, NotificationFilter, NotificationRetryResult } from '../store.js';
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
  /** The timeline's read, prepared once per number of subject ids (an order has few refunds). */
  readonly #attemptsFor = new Map<number, Database.Statement>();

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
      insertAttempt: db.prepare(`INSERT INTO notification_attempts (${INSERT_ATTEMPT_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`),
      attemptsOf: db.prepare(sqliteSql(ATTEMPTS_OF_NOTIFICATION_SQL)),
      deadOf: db.prepare(sqliteSql(DEAD_OF_MERCHANT_SQL)),
      retryDeadOf: db.prepare(sqliteSql(RETRY_DEAD_OF_MERCHANT_SQL)),
      activity: db.prepare(sqliteSql(NOTIFICATION_ACTIVITY_SQL)),
      deadByMerchant: db.prepare(sqliteSql(DEAD_BY_MERCHANT_SQL)),
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
      // A merchant's re-drive: the merchant is part of the key, so another's id is not found.
      retryOwn: db.prepare(
        `UPDATE notifications SET status = 'pending', next_attempt_at_ms = ?
          WHERE notification_id = ? AND mch_id = ? AND status IN ('pending', 'dead')`,
      ),
      findOwn: db.prepare('SELECT * FROM notifications WHERE notification_id = ? AND mch_id = ?'),
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

  /** The outcome and its attempt row in one transaction: the history never disagrees with the row. */
  async recordDelivery(notificationId: string, owner: string, attempt: AttemptRecord): Promise<boolean> {
    const record = this.#db.transaction(() => {
      if (this.#s.delivered.run(this.#clock.nowMs(), notificationId, owner).changes !== 1) return false;
      this.#s.insertAttempt.run(notificationId, ...attemptValues(attempt));
      return true;
    });
    return this.#mainWrite(() => record.immediate());
  }

  /** `nextAttemptAtMs` null: that was the last attempt, the notification is dead. */
  async recordFailedAttempt(notificationId: string, owner: string, attempt: FailedAttemptRecord, nextAttemptAtMs: number | null): Promise<boolean> {
    const status = nextAttemptAtMs === null ? 'dead' : 'pending';
    // A dead row keeps the time of its last attempt, so a list shows when it gave up.
    const at = nextAttemptAtMs ?? this.#clock.nowMs();
    const text = attempt.error.slice(0, LAST_ERROR_MAX_LENGTH);
    const record = this.#db.transaction(() => {
      if (this.#s.failed.run(status, at, text, notificationId, owner).changes !== 1) return false;
      this.#s.insertAttempt.run(notificationId, ...attemptValues({ ...attempt, error: text }));
      return true;
    });
    return this.#mainWrite(() => record.immediate());
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

  /**
   * Dead or pending → pending and due now; the attempts made so far are kept. Delivered rows stay
   * delivered. With `mchId`, only that merchant's notification. With `acting`, a retry that changed
   * the row is in the audit log, in the same transaction.
   */
  retry(notificationId: string, mchId?: string, acting?: ActingAs): Promise<NotificationRetryResult> {
    const run = this.#db.transaction((): NotificationRetryResult => {
      const nowMs = this.#clock.nowMs();
      const changed = (mchId === undefined ? this.#s.retry.run(nowMs, notificationId) : this.#s.retryOwn.run(nowMs, notificationId, mchId)).changes === 1;
      const row = (mchId === undefined ? this.#s.find.get(notificationId) : this.#s.findOwn.get(notificationId, mchId)) as Row | undefined;
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

  retryDead(mchId: string): Promise<number> {
    return this.#mainWrite(() => this.#s.retryDeadOf.run(this.#clock.nowMs(), mchId).changes);
  }

  listDead(mchId: string, after: DeadLetterCursor | null, limit: number): Notification[] {
    const [ms, id] = after === null ? [Number.MAX_SAFE_INTEGER, ''] : [after.createdAtMs, after.notificationId];
    return (this.#s.deadOf.all(mchId, ms, ms, id, limit) as Row[]).map(toNotification);
  }

  attemptsFor(mchId: string, subjectIds: readonly string[]): NotificationAttempt[] {
    if (subjectIds.length === 0) return [];
    if (subjectIds.length > ATTEMPT_SUBJECTS_MAX) throw new RangeError(`at most ${ATTEMPT_SUBJECTS_MAX} subject ids, not ${subjectIds.length}`);
    let statement = this.#attemptsFor.get(subjectIds.length);
    if (statement === undefined) this.#attemptsFor.set(subjectIds.length, (statement = this.#db.prepare(sqliteSql(attemptsForSubjectsSql(subjectIds.length)))));
    return (statement.all(mchId, ...subjectIds) as Row[]).map(toAttempt);
  }

  attemptsOf(notificationId: string): NotificationAttempt[] {
    return (this.#s.attemptsOf.all(notificationId) as Row[]).map(toAttempt);
  }

  activity(sinceMs: number, top: number): NotificationActivity {
    return toActivity(this.#s.activity.get(sinceMs, sinceMs) as Row, this.#s.deadByMerchant.all(top) as Row[]);
  }
}
