import type pg from 'pg';
import type { Clock } from '../../domain/clock.js';
import { LAST_ERROR_MAX_LENGTH, type Notification } from '../../domain/notification.js';
import { toNotification, type Row } from '../rows.js';
import type { NotificationFilter, NotificationRetryResult } from '../store.js';
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

  async recordDelivery(notificationId: string, owner: string): Promise<boolean> {
    const r = await this.pool.query(
      `UPDATE notifications SET status = 'delivered', delivered_at_ms = $1, last_error = NULL, lease_owner = NULL, lease_until_ms = NULL
        WHERE notification_id = $2 AND lease_owner = $3 AND status = 'pending'`,
      [this.clock.nowMs(), notificationId, owner],
    );
    return r.rowCount === 1;
  }

  async recordFailedAttempt(notificationId: string, owner: string, error: string, nextAttemptAtMs: number | null): Promise<boolean> {
    const status = nextAttemptAtMs === null ? 'dead' : 'pending';
    const r = await this.pool.query(
      `UPDATE notifications SET status = $1, next_attempt_at_ms = $2, last_error = $3, lease_owner = NULL, lease_until_ms = NULL
        WHERE notification_id = $4 AND lease_owner = $5 AND status = 'pending'`,
      [status, nextAttemptAtMs ?? this.clock.nowMs(), error.slice(0, LAST_ERROR_MAX_LENGTH), notificationId, owner],
    );
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

  /** With `acting`, a retry that changed the row is in the audit log, in the same transaction. */
  async retry(notificationId: string, acting?: ActingAs): Promise<NotificationRetryResult> {
    const c = await this.pool.connect();
    try {
      await c.query('BEGIN');
      const nowMs = this.clock.nowMs();
      const changed = await c.query(
        `UPDATE notifications SET status = 'pending', next_attempt_at_ms = $1 WHERE notification_id = $2 AND status IN ('pending', 'dead')`,
        [nowMs, notificationId],
      );
      const row = (await c.query('SELECT * FROM notifications WHERE notification_id = $1', [notificationId])).rows[0];
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
}
