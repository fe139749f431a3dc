/**
 * Events a merchant is told of by a signed POST to its notifyUrl. The payload is a snapshot of the
 * order (or refund) at the moment of the change, so a late delivery still tells what happened then.
 */
export type NotificationEvent = 'PAID' | 'FAILED' | 'REFUNDED' | 'REFUND_FAILED';

/** The longest error text kept with a notification: enough to diagnose, bounded like every stored field. */
export const LAST_ERROR_MAX_LENGTH = 500;

export type NotificationStatus = 'pending' | 'delivered' | 'dead';

export interface Notification {
  readonly notificationId: string;
  readonly mchId: string;
  readonly eventType: NotificationEvent;
  /** wavpayOrderId for order events, refundId for refund events. */
  readonly subjectId: string;
  readonly url: string;
  /** JSON of the domain Order or Refund at the time of the event. */
  readonly payload: string;
  readonly status: NotificationStatus;
  readonly attempts: number;
  readonly nextAttemptAtMs: number;
  readonly lastError: string | null;
  readonly createdAtMs: number;
  readonly deliveredAtMs: number | null;
}
