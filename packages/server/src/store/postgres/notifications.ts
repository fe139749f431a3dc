import type pg from 'pg';
import type { Clock } from '../../domain/clock.js';
import { LAST_ERROR_MAX_LENGTH, type AttemptRecord, type Notification, type NotificationAttempt } from '../../domain/notification.js';
import {
  ATTEMPT_SUBJECTS_MAX, ATTEMPTS_OF_NOTIFICATION_SQL, attemptsForSubjectsSql, attemptValues, DEAD_BY_MERCHANT_SQL, DEAD_OF_MERCHANT_SQL,
  INSERT_ATTEMPT_COLUMNS, NOTIFICATION_ACTIVITY_SQL, RETRY_DEAD_OF_MERCHANT_SQL, toActivity, toAttempt, type NotificationActivity,
} from '../notification-attempts-sql.js';
import { toNotification, type Row } from '../rows.js';
import type { DeadLetterCursor, FailedAttemptRecord, NotificationFilter, NotificationRetryResult } from '../store.js';

/**
 * The outcome's UPDATE and the attempt's INSERT as one statement: the attempt row exists exactly
 * when the lease owner's update did, and the outbox pays one round trip per outcome, as before.
 * The update's values come first; the attempt's follow, from placeholder `$first`.
 */
function withAttempt(update: string, first: number): string {
  // Typed: a parameter in a SELECT list is not typed by the column it is inserted into.
  const types = ['integer', 'text', 'text', 'bigint', 'bigint', 'text', 'integer', 'text', 'text'];
  const values = types.map((t, i) => `$${i + first}::${t}`).join(', ');
  return `WITH done AS (${update} RETURNING notification_id)
    INSERT INTO notification_attempts (${INSERT_ATTEMPT_COLUMNS}) SELECT notification_id, ${values} FROM done`;
}

const DELIVERED = withAttempt(`UPDATE notifications SET status = 'delivered', delivered_at_ms = $1, last_error = NULL, lease_owner = NULL, lease_until_ms = NULL
  WHERE notification_id = $2 AND lease_owner = $3 AND status = 'pending'`, 4);
const FAILED = withAttempt(`UPDATE notifications SET status = $1, next_attempt_at_ms = $2, last_error = $3, lease_owner = NULL, lease_until_ms = NULL
  WHERE notification_id = $4 AND lease_owner = $5 AND status = 'pending'`, 6);
import { notificationRetryRecord, type ActingAs } from '../../domain/audit-log.js';
import { auditLogInsert } from '../audit-log-sql.js';

/**
 * The outbox's delivery side on PostgreSQL; the lease rules are SqliteNotifications'. Claiming
 * uses FOR UPDATE SKIP LOCKED, so workers in several processes take disjoint rows without waiting
 * for each other.
 */
export class PgNotifications {
  constructor(
    private readonly pool: pg.Pool,
    private readonly clock: Clock,
  ) {}

  async claimDue(owner: string, leaseMs: number, limit: number): Promise<Notification[]> {
    const now = this.clock.nowMs();
    const { rows } = await this.pool.query(
      `UPDATE notifications SET lease_owner = $1, lease_until_ms = $2, attempts = attempts + 1
        WHERE notification_id IN (
              SELECT notification_id FROM notifications
               WHERE status = 'pending' AND next_attempt_at_ms <= $3 AND (lease_until_ms IS NULL OR lease_until_ms <= $3)
               ORDER BY next_attempt_at_ms LIMIT $4
               FOR UPDATE SKIP LOCKED)
      RETURNING *`,
      [owner, now + leaseMs, now, limit],
    );
    return (rows as Row[]).map(toNotification).sort((a, b) => a.nextAttemptAtMs - b.nextAttemptAtMs);
  }

  async recordDelivery(notificationId: string, owner: string, attempt: AttemptRecord): Promise<boolean> {
    const r = await this.pool.query(DELIVERED, [this.clock.nowMs(), notificationId, owner, ...attemptValues(attempt)]);
    return r.rowCount === 1;
  }

  async recordFailedAttempt(notificationId: string, owner: string, attempt: FailedAttemptRecord, nextAttemptAtMs: number | null): Promise<boolean> {
    const status = nextAttemptAtMs === null ? 'dead' : 'pending';
    const error = attempt.error.slice(0, LAST_ERROR_MAX_LENGTH);
    const r = await this.pool.query(FAILED, [
      status, nextAttemptAtMs ?? this.clock.nowMs(), error, notificationId, owner, ...attemptValues({ ...attempt, error }),
    ]);
    return r.rowCount === 1;
  }

  async list(filter: NotificationFilter): Promise<Notification[]> {
    const { rows } = await this.pool.query(
      `SELECT * FROM notifications WHERE ($1::text IS NULL OR status = $1) AND ($2::text IS NULL OR mch_id = $2)
        ORDER BY created_at_ms DESC, notification_id LIMIT $3`,
      [filter.status ?? null, filter.mchId ?? null, filter.limit],
    );
    return (rows as Row[]).map(toNotification);
  }

  /**
   * With `mchId`, only that merchant's notification: another's id is not found. With `acting`, a
   * retry that changed the row is in the audit log, in the same transaction.
   */
  async retry(notificationId: string, mchId?: string, acting?: ActingAs): Promise<NotificationRetryResult> {
    const own = mchId ?? null;
    const c = await this.pool.connect();
    try {
      await c.query('BEGIN');
      const nowMs = this.clock.nowMs();
      const changed = await c.query(
        `UPDATE notifications SET status = 'pending', next_attempt_at_ms = $1
          WHERE notification_id = $2 AND ($3::text IS NULL OR mch_id = $3) AND status IN ('pending', 'dead')`,
        [nowMs, notificationId, own],
      );
      const row = (await c.query('SELECT * FROM notifications WHERE notification_id = $1 AND ($2::text IS NULL OR mch_id = $2)', [notificationId, own])).rows[0];
      const result: NotificationRetryResult = row === undefined ? { kind: 'not_found' }
        : { kind: changed.rowCount === 1 ? 'retried' : 'unchanged', notification: toNotification(row as Row) };
      if (result.kind === 'retried' && acting !== undefined) {
        const append = auditLogInsert(acting, notificationRetryRecord(result.notification), nowMs);
        await c.query(append.sql, append.values);
      }
      await c.query('COMMIT');
      return result;
    } catch (error) {
      await c.query('ROLLBACK').catch(() => undefined);
      throw error;
    } finally {
      c.release();
    }
  }

  async retryDead(mchId: string): Promise<number> {
    return (await this.pool.query(RETRY_DEAD_OF_MERCHANT_SQL, [this.clock.nowMs(), mchId])).rowCount ?? 0;
  }

  async listDead(mchId: string, after: DeadLetterCursor | null, limit: number): Promise<Notification[]> {
    const [ms, id] = after === null ? [Number.MAX_SAFE_INTEGER, ''] : [after.createdAtMs, after.notificationId];
    return ((await this.pool.query(DEAD_OF_MERCHANT_SQL, [mchId, ms, ms, id, limit])).rows as Row[]).map(toNotification);
  }

  async attemptsFor(mchId: string, subjectIds: readonly string[]): Promise<NotificationAttempt[]> {
    if (subjectIds.length === 0) return [];
    if (subjectIds.length > ATTEMPT_SUBJECTS_MAX) throw new RangeError(`at most ${ATTEMPT_SUBJECTS_MAX} subject ids, not ${subjectIds.length}`);
    const { rows } = await this.pool.query(attemptsForSubjectsSql(subjectIds.length), [mchId, ...subjectIds]);
    return (rows as Row[]).map(toAttempt);
  }

  async attemptsOf(notificationId: string): Promise<NotificationAttempt[]> {
    return ((await this.pool.query(ATTEMPTS_OF_NOTIFICATION_SQL, [notificationId])).rows as Row[]).map(toAttempt);
  }

  async activity(sinceMs: number, top: number): Promise<NotificationActivity> {
    const [activity, dead] = await Promise.all([
      this.pool.query(NOTIFICATION_ACTIVITY_SQL, [sinceMs, sinceMs]),
      this.pool.query(DEAD_BY_MERCHANT_SQL, [top]),
    ]);
    return toActivity(activity.rows[0] as Row, dead.rows as Row[]);
  }
}
