import { ORDER_STATUSES, REFUND_STATUSES, verify, type OrderData, type RefundData, type SignableParams } from '@micropay/protocol';
import { NotificationVerificationError } from './errors.js';

/**
 * Notifications (docs/notifications.md): the platform POSTs a flat JSON body to the merchant's
 * notifyUrl when an order is paid or fails (and when a refund finishes, and as a TEST the merchant
 * asked for):
 *
 *   { notificationId, eventType, merchantOrderId, wavpayOrderId, ..., timestamp, secureHash }
 *
 * `secureHash` is the spec's signature over every other field of the body, so the notification
 * id and the event type are covered too. The receiver answers `{"code":0}` (NOTIFICATION_ACK) or
 * `success` once it has recorded the event; anything else is retried, so the same notificationId
 * may arrive more than once and the receiver dedupes by it.
 */
export interface OrderNotification extends OrderData {
  readonly notificationId: string;
  readonly eventType: 'PAID' | 'FAILED';
}

export interface RefundNotification extends RefundData {
  readonly notificationId: string;
  readonly eventType: 'REFUNDED' | 'REFUND_FAILED';
}

/**
 * A test the merchant asked for (merchant console, `micropay notifications test`) to check its
 * receiver: no order or refund, nothing to fulfil. Acknowledge it like any other.
 */
export interface TestNotification {
  readonly notificationId: string;
  readonly eventType: 'TEST';
  readonly mchId: string;
  readonly merchantName: string;
  /** When the test was asked for, `yyyy-MM-dd HH:mm:ss` in the platform's time zone. */
  readonly testTime: string;
  readonly timestamp: string;
  readonly secureHash: string;
}

export type MicroPayNotification = OrderNotification | RefundNotification | TestNotification;

/** The acknowledgement to answer a notification with, once it is recorded (HTTP 200). */
export const NOTIFICATION_ACK = '{"code":0,"msg":"success"}';

/** Larger than any notification; a bound so a hostile sender cannot make us parse megabytes. */
const MAX_BODY_BYTES = 64 * 1024;

/**
 * Checks a notification's signature with the merchant key and returns it typed. `body` is the
 * raw request body (string or bytes, preferred: nothing re-encodes it) or the parsed JSON object.
 * `apiKey` is the key, or during a key roll's overlap both keys (new and old, in any order): a
 * notification is signed with the old key until the platform has seen the new one (docs/api.md).
 * Drop the old key when the overlap ends, and never pass a key that leaked: it could sign a forgery.
 * Throws NotificationVerificationError when the body is not a notification signed with one of them
 * (or, with `options.mchId`, not for that merchant).
 */
export function verifyNotification(
  body: string | Uint8Array | Record<string, unknown>,
  apiKey: string | readonly string[],
  options: { mchId?: string } = {},
): MicroPayNotification {
  const keys = typeof apiKey === 'string' ? [apiKey] : apiKey;
  if (!Array.isArray(keys) || keys.length === 0 || keys.some((k) => typeof k !== 'string' || k === '')) {
    throw new TypeError('apiKey is required: the merchant key, or a list of keys during a roll');
  }
  const fields = parseBody(body);
  if (!keys.some((key) => verify(fields as SignableParams, key))) {
    throw new NotificationVerificationError(`secureHash does not match the body and the merchant ${keys.length === 1 ? 'key' : 'keys'}`);
  }
  // Signed by the key holder from here on: the checks below catch a platform of another API
  // version, not forgery.
  if (typeof fields.notificationId !== 'string' || fields.notificationId === '') throw new NotificationVerificationError('notificationId is missing');
  if (options.mchId !== undefined && fields.mchId !== options.mchId) {
    throw new NotificationVerificationError(`the notification is for merchant ${String(fields.mchId)}, not ${options.mchId}`);
  }
  switch (fields.eventType) {
    case 'PAID':
    case 'FAILED':
      if (typeof fields.merchantOrderId !== 'string') throw new NotificationVerificationError('merchantOrderId is missing');
      if (!(ORDER_STATUSES as readonly unknown[]).includes(fields.tradeStatus)) throw new NotificationVerificationError('tradeStatus is not an order state');
      return fields as unknown as OrderNotification;
    case 'REFUNDED':
    case 'REFUND_FAILED':
      if (typeof fields.merchantRefundId !== 'string') throw new NotificationVerificationError('merchantRefundId is missing');
      if (!(REFUND_STATUSES as readonly unknown[]).includes(fields.refundStatus)) throw new NotificationVerificationError('refundStatus is not a refund state');
      return fields as unknown as RefundNotification;
    case 'TEST':
      if (typeof fields.mchId !== 'string' || typeof fields.testTime !== 'string') throw new NotificationVerificationError('mchId or testTime is missing');
      return fields as unknown as TestNotification;
    default:
      throw new NotificationVerificationError(`unknown eventType ${JSON.stringify(fields.eventType)}`);
  }
}

function parseBody(body: string | Uint8Array | Record<string, unknown>): Record<string, string | number | null> {
  let value: unknown = body;
  if (typeof body === 'string' || body instanceof Uint8Array) {
    const text = typeof body === 'string' ? body : Buffer.from(body.buffer, body.byteOffset, body.byteLength).toString('utf8');
    if (Buffer.byteLength(text) > MAX_BODY_BYTES) throw new NotificationVerificationError('the body is too large');
    try {
      value = JSON.parse(text);
    } catch {
      throw new NotificationVerificationError('the body is not JSON');
    }
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new NotificationVerificationError('the body is not a JSON object');
  for (const [name, field] of Object.entries(value)) {
    if (field !== null && typeof field !== 'string' && !(typeof field === 'number' && Number.isFinite(field))) {
      throw new NotificationVerificationError(`field ${JSON.stringify(name.slice(0, 40))} is not a plain value`);
    }
  }
  return value as Record<string, string | number | null>;
}
