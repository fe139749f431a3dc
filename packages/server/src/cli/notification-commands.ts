import { formatWireTime } from '@micropay/protocol';
import type { Config } from '../config.js';
import type { Merchant } from '../domain/model.js';
import type { Notification, NotificationStatus } from '../domain/notification.js';
import { isNotifyUrl, NOTIFY_URL_MAX_LENGTH } from '../notify/message.js';
import type { Store } from '../store/store.js';
import { need, notFound, UsageError, type Output } from './common.js';

interface NotificationFlags {
  name?: string | undefined;
  'notify-url'?: string | undefined;
  status?: string | undefined;
  'mch-id'?: string | undefined;
  limit?: string | undefined;
}

const STATUSES: readonly NotificationStatus[] = ['pending', 'delivered', 'dead'];
const LIST_LIMIT_DEFAULT = 50;
const LIST_LIMIT_MAX = 1000;

/** `--notify-url URL` sets it, `--notify-url ""` clears it, no flag leaves it as it is (undefined). */
export function notifyUrlOption(value: string | undefined): string | null | undefined {
  if (value === undefined) return undefined;
  if (value === '') return null;
  if (!isNotifyUrl(value)) {
    throw new UsageError(`--notify-url must be an absolute http:// or https:// URL of at most ${NOTIFY_URL_MAX_LENGTH} characters`);
  }
  return value;
}

/** `merchant update MCHID [--name N] [--notify-url URL|""]`. */
export async function merchantUpdate(store: Store, mchId: string | undefined, flags: NotificationFlags, out: Output): Promise<number> {
  const id = need(mchId, 'MCHID');
  const notifyUrl = notifyUrlOption(flags['notify-url']);
  if (flags.name === '') throw new UsageError('--name must not be empty');
  if (flags.name === undefined && notifyUrl === undefined) throw new UsageError('merchant update needs --name or --notify-url');
  const changes: { name?: string; notifyUrl?: string | null } = {};
  if (flags.name !== undefined) changes.name = flags.name;
  if (notifyUrl !== undefined) changes.notifyUrl = notifyUrl;
  const m = await store.updateMerchant(id, changes);
  if (m === null) return notFound(`merchant ${id}`);
  out.show(
    { mchId: m.mchId, name: m.name, status: m.status, notifyUrl: m.notifyUrl },
    `Merchant ${m.mchId} "${m.name}" updated; ${m.notifyUrl === null ? 'no notifications (no notify URL)' : `notifications go to ${m.notifyUrl}`}.`,
  );
  return 0;
}

/** A line for `merchant list`: where the merchant's notifications go. */
export function notifyUrlText(m: Merchant): string {
  return m.notifyUrl === null ? '' : `  notify ${m.notifyUrl}`;
}

/**
 * `notifications list [--status pending|delivered|dead] [--mch-id ID] [--limit N]` and
 * `notifications retry ID`. Returns null for a subcommand that is not one of these.
 */
export async function notificationsCommand(
  store: Store,
  config: Config,
  args: string[],
  flags: NotificationFlags,
  out: Output,
): Promise<number | null> {
  const [sub, id] = args;
  const time = (ms: number) => formatWireTime(ms, config.timeZone);
  switch (sub) {
    case 'list': {
      const status = flags.status;
      if (status !== undefined && !STATUSES.includes(status as NotificationStatus)) {
        throw new UsageError(`--status must be one of ${STATUSES.join(', ')}`);
      }
      const limit = flags.limit === undefined ? LIST_LIMIT_DEFAULT : Number(flags.limit);
      if (!Number.isInteger(limit) || limit < 1 || limit > LIST_LIMIT_MAX) {
        throw new UsageError(`--limit must be a whole number from 1 to ${LIST_LIMIT_MAX}`);
      }
      const list = await store.listNotifications({
        status: status as NotificationStatus | undefined,
        mchId: flags['mch-id'],
        limit,
      });
      out.show(
        { notifications: list.map(notificationJson) },
        list.length === 0 ? 'No notifications.' : list.map((n) => notificationLine(n, time)).join('\n'),
      );
      return 0;
    }
    case 'retry': {
      const notificationId = need(id, 'NOTIFICATION_ID');
      const result = await store.retryNotification(notificationId);
      if (result.kind === 'not_found') return notFound(`notification ${notificationId}`);
      const n = result.notification;
      out.show(
        { retried: result.kind === 'retried', notification: notificationJson(n) },
        result.kind === 'retried'
          ? `Notification ${n.notificationId} is due now (${n.attempts} attempts so far); a running server sends it within a moment.`
          : `Notification ${n.notificationId} was already delivered at ${time(n.deliveredAtMs!)}; it is not sent again.`,
      );
      return 0;
    }
    default:
      return null;
  }
}

function notificationJson(n: Notification) {
  return {
    notificationId: n.notificationId,
    mchId: n.mchId,
    eventType: n.eventType,
    subjectId: n.subjectId,
    url: n.url,
    status: n.status,
    attempts: n.attempts,
    nextAttemptAtMs: n.status === 'pending' ? n.nextAttemptAtMs : null,
    lastError: n.lastError,
    createdAtMs: n.createdAtMs,
    deliveredAtMs: n.deliveredAtMs,
  };
}

function notificationLine(n: Notification, time: (ms: number) => string): string {
  const when =
    n.status === 'delivered' ? `delivered ${time(n.deliveredAtMs!)}`
    : n.status === 'pending' ? `next ${time(n.nextAttemptAtMs)}`
    : `dead since ${time(n.nextAttemptAtMs)}`;
  const error = n.lastError === null ? '' : `  last error: ${n.lastError}`;
  return `${n.notificationId}  ${n.status.padEnd(9)}  ${n.eventType.padEnd(13)}  ${n.mchId}  ${n.subjectId}  attempts ${n.attempts}  ${when}${error}`;
}
