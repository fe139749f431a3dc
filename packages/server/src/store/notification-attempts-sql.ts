import { ATTEMPT_OUTCOMES, type AttemptRecord, type NotificationAttempt, type NotificationEvent, type AttemptOutcome, type TestPayload } from '../domain/notification.js';
import type { Row } from './rows.js';

/**
 * The notification attempt history and the outbox's console reads, written once for both stores
 * in PostgreSQL's `$n` placeholders (SQLite's adapter turns them into `?` with sqliteSql).
 *
 * An attempt row copies its notification's merchant and subject, so the order timeline reads the
 * attempts by their own index and the payment path, which writes notifications, pays for no new
 * index; the worker pays one insert per attempt, in the transaction of the notification's update.
 */
export function notificationAttemptsSchema(int: string, strict: string): string {
  return `
CREATE TABLE notification_attempts (
  notification_id TEXT NOT NULL REFERENCES notifications (notification_id),
  -- The notification's attempt count when it was claimed: an attempt whose sender died has no row.
  attempt         ${int} NOT NULL,
  mch_id          TEXT NOT NULL,
  subject_id      TEXT NOT NULL,
  at_ms           ${int} NOT NULL,
  duration_ms     ${int} NOT NULL,
  outcome         TEXT NOT NULL CHECK (outcome IN (${ATTEMPT_OUTCOMES.map((o) => `'${o}'`).join(', ')})),
  http_status     ${int},
  -- At most ANSWER_EXCERPT_MAX_LENGTH characters, control characters and our signature removed.
  answer_excerpt  TEXT,
  error           TEXT,
  PRIMARY KEY (notification_id, attempt)
)${strict};
CREATE INDEX notification_attempts_by_subject ON notification_attempts (mch_id, subject_id);
CREATE INDEX notification_attempts_by_time ON notification_attempts (at_ms);
`;
}

export const INSERT_ATTEMPT_COLUMNS =
  'notification_id, attempt, mch_id, subject_id, at_ms, duration_ms, outcome, http_status, answer_excerpt, error';

/** The attempt's values after its notification id, in INSERT_ATTEMPT_COLUMNS' order. */
export function attemptValues(a: AttemptRecord): (string | number | null)[] {
  return [a.attempt, a.mchId, a.subjectId, a.atMs, a.durationMs, a.outcome, a.httpStatus, a.answerExcerpt, a.error];
}

const ATTEMPT_SELECT = `SELECT a.*, n.event_type FROM notification_attempts a
  JOIN notifications n ON n.notification_id = a.notification_id`;

/** The most subject ids one timeline read takes: an order and its refunds are far fewer. */
export const ATTEMPT_SUBJECTS_MAX = 200;

/** A merchant's attempts for these orders' and refunds' ids, oldest first. */
export function attemptsForSubjectsSql(count: number): string {
  const list = Array.from({ length: count }, (_v, i) => `$${i + 2}`).join(', ');
  return `${ATTEMPT_SELECT} WHERE a.mch_id = $1 AND a.subject_id IN (${list}) ORDER BY a.at_ms, a.notification_id, a.attempt`;
}

export const ATTEMPTS_OF_NOTIFICATION_SQL = `${ATTEMPT_SELECT} WHERE a.notification_id = $1 ORDER BY a.attempt`;

/** A merchant's dead notifications, newest first, after a (created, id) cursor. */
export const DEAD_OF_MERCHANT_SQL = `SELECT * FROM notifications
  WHERE mch_id = $1 AND status = 'dead' AND (created_at_ms < $2 OR (created_at_ms = $3 AND notification_id < $4))
  ORDER BY created_at_ms DESC, notification_id DESC LIMIT $5`;

/** Every dead notification of the merchant due now, attempts kept (as a single retry). */
export const RETRY_DEAD_OF_MERCHANT_SQL = `UPDATE notifications SET status = 'pending', next_attempt_at_ms = $1
  WHERE mch_id = $2 AND status = 'dead'`;

/**
 * The outbox's activity for the operator, beside notificationBacklog's counts: the oldest pending
 * notification's creation (read through the pending rows' partial index), and the attempts since
 * a moment by outcome (through the attempts' time index).
 */
export const NOTIFICATION_ACTIVITY_SQL = `SELECT
  (SELECT MIN(created_at_ms) FROM notifications WHERE status = 'pending') AS oldest_pending_ms,
  (SELECT COUNT(*) FROM notification_attempts WHERE at_ms >= $1 AND outcome = 'delivered') AS delivered,
  (SELECT COUNT(*) FROM notification_attempts WHERE at_ms >= $2 AND outcome <> 'delivered') AS failed`;

export const DEAD_BY_MERCHANT_SQL = `SELECT mch_id, COUNT(*) AS dead FROM notifications WHERE status = 'dead'
  GROUP BY mch_id ORDER BY COUNT(*) DESC, mch_id LIMIT $1`;

/** What notificationActivity answers; the health adds the backlog's counts. */
export interface NotificationActivity {
  readonly oldestPendingCreatedAtMs: number | null;
  readonly delivered: number;
  readonly failed: number;
  readonly deadByMerchant: readonly { readonly mchId: string; readonly dead: number }[];
}

export function toActivity(row: Row, top: readonly Row[]): NotificationActivity {
  const oldest = row.oldest_pending_ms as number | string | null;
  return {
    oldestPendingCreatedAtMs: oldest === null ? null : Number(oldest),
    delivered: Number(row.delivered),
    failed: Number(row.failed),
    deadByMerchant: top.map((r) => ({ mchId: r.mch_id as string, dead: Number(r.dead) })),
  };
}

export function toAttempt(r: Row): NotificationAttempt {
  return {
    notificationId: r.notification_id as string,
    eventType: r.event_type as NotificationEvent,
    attempt: Number(r.attempt),
    mchId: r.mch_id as string,
    subjectId: r.subject_id as string,
    atMs: Number(r.at_ms),
    durationMs: Number(r.duration_ms),
    outcome: r.outcome as AttemptOutcome,
    httpStatus: r.http_status === null ? null : Number(r.http_status),
    answerExcerpt: r.answer_excerpt as string | null,
    error: r.error as string | null,
  };
}

/** A TEST notification's outbox row (effect notifyTest): pending and due at once. */
export const INSERT_TEST_NOTIFICATION_SQL = `INSERT INTO notifications (notification_id, mch_id, event_type, subject_id, url, payload, status,
                                                                      attempts, next_attempt_at_ms, created_at_ms)
  VALUES ($1, $2, 'TEST', $3, $4, $5, 'pending', 0, $6, $7)`;

/** INSERT_TEST_NOTIFICATION_SQL's values for the effect. */
export function testNotificationValues(e: { notificationId: string; mchId: string; url: string; atMs: number }): (string | number)[] {
  const payload: TestPayload = { requestedAtMs: e.atMs };
  return [e.notificationId, e.mchId, e.notificationId, e.url, JSON.stringify(payload), e.atMs, e.atMs];
}
