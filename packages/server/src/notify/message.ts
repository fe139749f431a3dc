import { formatWireTime, sign, type SignableParams } from '@micropay/protocol';
import type { AnsweringMerchant } from '../domain/merchant-keys.js';
import { CONTROL_OR_BIDI } from '../domain/text.js';
import type { Notification, NotificationEvent, TestPayload } from '../domain/notification.js';

/**
 * The wire form of a notification and the rules around it, kept free of I/O so they can be tested
 * alone and documented in one place (docs/notifications.md).
 *
 * The body is flat: the notification's own fields first, then the event's data fields exactly as
 * the API answers carry them (the order's `data` of queryBill, or the refund's data), then
 * `timestamp` and `secureHash`:
 *
 *   { notificationId, eventType, merchantOrderId, wavpayOrderId, ..., timestamp, secureHash }
 *
 * `secureHash` is the spec's signature over every other field of the body with the merchant's key.
 * Flat, rather than `{ notificationId, eventType, data: {...signed} }`, so that the notification id
 * and the event type are covered by the same one signature: a receiver verifies the body it got
 * with the same function it uses on every API answer, and nobody can replay a signed PAID order
 * under another notification id or event type.
 */
export interface NotificationHeader {
  readonly notificationId: string;
  readonly eventType: NotificationEvent;
}

export type NotificationBody = Record<string, string | number | null>;

/** `data` is the event's signed data (its own secureHash is replaced by the one over the whole body). */
export function notificationBody(header: NotificationHeader, data: object, key: string): NotificationBody {
  const fields = { ...(data as Record<string, string | number | null>) };
  delete fields.secureHash;
  if ('notificationId' in fields || 'eventType' in fields) {
    throw new Error('event data must not carry notificationId or eventType: they are the notification\'s own fields');
  }
  const body: NotificationBody = { notificationId: header.notificationId, eventType: header.eventType, ...fields, secureHash: '' };
  body.secureHash = sign(body as SignableParams, key);
  return body;
}

/**
 * A TEST notification's data (sendTestNotification): the merchant, and when the test was asked
 * for. Deliberately no order or refund field (no merchantOrderId, amount or status), so a receiver
 * that dispatches on the fields it knows cannot take it for a payment.
 */
export function testData(n: Notification, merchant: AnsweringMerchant, timeZone: string, nowMs: number): Record<string, string> {
  const payload = JSON.parse(n.payload) as TestPayload;
  // `timestamp` is when this attempt is signed, as in every notification.
  return { mchId: merchant.mchId, merchantName: merchant.name, testTime: formatWireTime(payload.requestedAtMs, timeZone), timestamp: String(nowMs) };
}

/**
 * The merchant acknowledged the notification: HTTP 2xx and a body that is either a JSON object
 * with `code` 0 (the envelope the platform itself answers with; "0" too, as some receivers' JSON
 * writes every value as a string) or the plain text `success`.
 * Anything else, a 2xx included, is a failed attempt: an HTML error page served with 200 by a
 * misconfigured proxy must not count as delivered.
 */
export function isAcknowledged(httpStatus: number, body: string): boolean {
  if (httpStatus < 200 || httpStatus > 299) return false;
  const text = body.trim();
  if (text.toLowerCase() === 'success') return true;
  try {
    const value: unknown = JSON.parse(text);
    if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
    const code = (value as { code?: unknown }).code;
    return code === 0 || code === '0';
  } catch {
    return false;
  }
}

/**
 * When to try again after failed attempt number `attempts` (counting from 1): the schedule's
 * `attempts`-th wait from now, or null when the schedule is used up and the notification is dead.
 * A re-driven dead notification keeps its attempts, so it gets one more attempt per re-drive.
 */
export function nextAttemptAtMs(retryScheduleS: readonly number[], attempts: number, nowMs: number): number | null {
  const waitS = retryScheduleS[attempts - 1];
  return waitS === undefined ? null : nowMs + waitS * 1000;
}

export const NOTIFY_URL_MAX_LENGTH = 2048;

/** What is wrong with a notifyUrl, in the words the CLI and the console both answer. */
export const NOTIFY_URL_PROBLEM = `must be an absolute http:// or https:// URL of at most ${NOTIFY_URL_MAX_LENGTH} characters, without spaces or control characters`;

/** Thrown by services/merchants.ts updateMerchant for a notify URL that breaks isNotifyUrl. */
export class NotifyUrlError extends Error {
  override name = 'NotifyUrlError';

  constructor() {
    super(`notifyUrl ${NOTIFY_URL_PROBLEM}`);
  }
}

/**
 * A notifyUrl must be an absolute http or https URL. It is kept as it was typed, and the URL parser
 * would quietly drop or encode spaces, tabs, line breaks and control characters in it, so they are
 * refused first: the consoles and the CLI show the URL, and a database text refuses a NUL.
 */
export function isNotifyUrl(text: string): boolean {
  if (text.length > NOTIFY_URL_MAX_LENGTH || /\s/.test(text) || CONTROL_OR_BIDI.test(text)) return false;
  try {
    const url = new URL(text);
    return (url.protocol === 'http:' || url.protocol === 'https:') && url.hostname !== '';
  } catch {
    return false;
  }
}
