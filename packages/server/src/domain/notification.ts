import { unchanged, type Decided } from './effects.js';
import type { Merchant } from './model.js';

/**
 * Events a merchant is told of by a signed POST to its notifyUrl. The payload is a snapshot of the
 * order (or refund) at the moment of the change, so a late delivery still tells what happened then.
 * TEST is the merchant's own check of its receiver (sendTestNotification): no order, no refund.
 */
export type NotificationEvent = 'PAID' | 'FAILED' | 'REFUNDED' | 'REFUND_FAILED' | 'TEST';

/** The longest error text kept with a notification: enough to diagnose, bounded like every stored field. */
export const LAST_ERROR_MAX_LENGTH = 500;

export type NotificationStatus = 'pending' | 'delivered' | 'dead';

export interface Notification {
  readonly notificationId: string;
  readonly mchId: string;
  readonly eventType: NotificationEvent;
  /** wavpayOrderId for order events, refundId for refund events, the notification's own id for TEST. */
  readonly subjectId: string;
  readonly url: string;
  /** JSON of the domain Order or Refund at the time of the event (TestPayload for TEST). */
  readonly payload: string;
  readonly status: NotificationStatus;
  readonly attempts: number;
  readonly nextAttemptAtMs: number;
  readonly lastError: string | null;
  readonly createdAtMs: number;
  readonly deliveredAtMs: number | null;
}

/**
 * The merchant's own id of what a notification tells of, as the merchant searches by it: the
 * order's mchOrderId (PAID, FAILED) or the refund's mchRefundId (REFUNDED, REFUND_FAILED), from
 * the snapshot taken at the change; none for a TEST.
 */
export function merchantReferenceOf(n: Notification): { readonly merchantOrderId: string | null; readonly merchantRefundId: string | null } {
  const none = { merchantOrderId: null, merchantRefundId: null };
  if (n.eventType === 'TEST') return none;
  let snapshot: { mchOrderId?: unknown; mchRefundId?: unknown };
  try {
    snapshot = JSON.parse(n.payload) as typeof snapshot;
  } catch {
    // A row written by hand, or broken: the list still shows, naming it by MicroPay's id alone.
    return none;
  }
  const text = (v: unknown) => (typeof v === 'string' ? v : null);
  return n.eventType === 'PAID' || n.eventType === 'FAILED'
    ? { merchantOrderId: text(snapshot?.mchOrderId), merchantRefundId: null }
    : { merchantOrderId: null, merchantRefundId: text(snapshot?.mchRefundId) };
}

/** What a TEST notification was queued with: when the merchant asked for it. */
export interface TestPayload {
  readonly requestedAtMs: number;
}

/**
 * How one delivery attempt ended:
 * - `delivered`: 2xx with an acknowledgement;
 * - `http_status`: an answer with a status other than 2xx (3xx included: redirects are not followed);
 * - `not_acknowledged`: 2xx, but the body is not `{"code":0}` or `success`;
 * - `timeout`: no whole answer within the timeout;
 * - `connection_error`: no connection (refused, unknown host, a port fetch will not call);
 * - `not_sent`: nothing was posted (the merchant is gone, or the body could not be built).
 */
export type AttemptOutcome = 'delivered' | 'http_status' | 'not_acknowledged' | 'timeout' | 'connection_error' | 'not_sent';

export const ATTEMPT_OUTCOMES: readonly AttemptOutcome[] = ['delivered', 'http_status', 'not_acknowledged', 'timeout', 'connection_error', 'not_sent'];

/** One attempt as the worker records it, beside the notification's own outcome. */
export interface AttemptRecord {
  /** The notification's attempt count when it was claimed: 1 for the first. */
  readonly attempt: number;
  readonly mchId: string;
  readonly subjectId: string;
  readonly atMs: number;
  readonly durationMs: number;
  readonly outcome: AttemptOutcome;
  /** The receiver's HTTP status, when it answered. */
  readonly httpStatus: number | null;
  /** The start of the receiver's answer, sanitised (answerExcerpt); null when it did not answer. */
  readonly answerExcerpt: string | null;
  /** Why it failed, as `notifications list` shows it; null when delivered. */
  readonly error: string | null;
}

/** A recorded attempt, with the notification it belongs to. */
export interface NotificationAttempt extends AttemptRecord {
  readonly notificationId: string;
  readonly eventType: NotificationEvent;
}

/** The longest excerpt of a receiver's answer kept per attempt: enough to see what answered. */
export const ANSWER_EXCERPT_MAX_LENGTH = 200;

/**
 * The start of a receiver's answer as it may be stored and shown: control characters (a terminal's
 * escapes, line breaks) become spaces, and `hide` (the signature we sent, which a receiver may echo
 * back) is cut out, so an attempt never repeats a signed body's proof. Capped in characters.
 */
export function answerExcerpt(text: string, hide: readonly string[]): string {
  let clean = text;
  for (const h of hide) if (h !== '') clean = clean.split(h).join('[secureHash]');
  // eslint-disable-next-line no-control-regex
  clean = clean.replace(/[\u0000-\u001f\u007f-\u009f\u2028\u2029]+/g, ' ').trim();
  const chars = Array.from(clean);
  return chars.length > ANSWER_EXCERPT_MAX_LENGTH ? chars.slice(0, ANSWER_EXCERPT_MAX_LENGTH - 1).join('') + '…' : clean;
}

/** The outbox as the operator watches it (notificationHealth). */
export interface NotificationHealth {
  /** Pending notifications: the outbox's depth. */
  readonly pending: number;
  readonly dead: number;
  /** How long the oldest pending notification has waited since it was written; null when none waits. */
  readonly oldestPendingAgeMs: number | null;
  /** Attempts in the last hour (the window's start is `sinceMs`): delivered, and failed. */
  readonly sinceMs: number;
  readonly deliveredLastHour: number;
  readonly failedLastHour: number;
  /** Merchants with the most dead notifications, most first (then by mchId). */
  readonly deadByMerchant: readonly { readonly mchId: string; readonly dead: number }[];
}

/** What asking for a test notification did. */
export type TestNotificationResult =
  | { readonly kind: 'queued'; readonly notificationId: string; readonly url: string }
  | { readonly kind: 'no_merchant' }
  /** The merchant has no notify URL: there is nowhere to send it. */
  | { readonly kind: 'no_notify_url' };

/**
 * A TEST notification to the merchant's current notify URL, due at once (the merchant read locked,
 * so a URL cleared at the same moment is not used). `notificationId` is drawn by the caller.
 */
export function decideTestNotification(merchant: Merchant | null, notificationId: string, nowMs: number): Decided<TestNotificationResult> {
  if (merchant === null) return unchanged({ kind: 'no_merchant' });
  if (merchant.notifyUrl === null) return unchanged({ kind: 'no_notify_url' });
  const url = merchant.notifyUrl;
  return {
    result: { kind: 'queued', notificationId, url },
    effects: [{ kind: 'notifyTest', notificationId, mchId: merchant.mchId, url, atMs: nowMs }],
  };
}

/** A notification's id, as it is drawn (`randomUUID`) and listed. */
export const NOTIFICATION_ID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
