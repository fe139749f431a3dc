import { randomUUID } from 'node:crypto';
import { decideTestNotification, type NotificationHealth, type TestNotificationResult } from '../domain/notification.js';
import type { StorePort } from '../store/port.js';
import type { DeadLetterCursor, StoreOps } from '../store/store.js';

/** The window of notificationHealth's delivered and failed counts. */
export const HEALTH_WINDOW_MS = 60 * 60 * 1000;
/** How many merchants notificationHealth names by dead count, unless asked otherwise. */
export const HEALTH_TOP_MERCHANTS = 10;

/** Queues a TEST notification to the merchant's notify URL (decideTestNotification), in one transaction. */
export function sendTestNotification(port: StorePort, mchId: string): Promise<TestNotificationResult> {
  const notificationId = randomUUID();
  return port.decide({ view: 'merchant', mchId }, (merchant, nowMs) => decideTestNotification(merchant, notificationId, nowMs));
}

/**
 * The outbox for the operator: its depth and dead count (the same store read as /metrics), the
 * oldest pending notification's age, the last hour's deliveries and failed attempts, and the
 * merchants with the most dead notifications.
 */
export async function notificationHealth(store: StoreOps, nowMs: number, top = HEALTH_TOP_MERCHANTS): Promise<NotificationHealth> {
  const sinceMs = nowMs - HEALTH_WINDOW_MS;
  const [backlog, activity] = await Promise.all([store.notificationBacklog(), store.notificationActivity(sinceMs, top)]);
  const oldest = activity.oldestPendingCreatedAtMs;
  return {
    pending: backlog.pending,
    dead: backlog.dead,
    oldestPendingAgeMs: oldest === null ? null : Math.max(0, nowMs - oldest),
    sinceMs,
    deliveredLastHour: activity.delivered,
    failedLastHour: activity.failed,
    deadByMerchant: activity.deadByMerchant,
  };
}

/**
 * A page of dead notifications ends at its last one: the cursor as text for a page's link or
 * request (`<createdAtMs>.<notificationId>`), and back. Null for text that is not one, which a
 * handler answers as a bad parameter.
 */
export function deadLetterCursorText(last: { readonly createdAtMs: number; readonly notificationId: string }): string {
  return `${last.createdAtMs}.${last.notificationId}`;
}

export function parseDeadLetterCursor(text: string): DeadLetterCursor | null {
  const m = /^(\d{1,15})\.([0-9a-f-]{36})$/.exec(text);
  if (m === null) return null;
  return { createdAtMs: Number(m[1]), notificationId: m[2]! };
}
