import { merchantReferenceOf, type Notification, type NotificationStatus } from '../domain/notification.js';
import { defineCommand, type CommandGroup } from './command-line.js';
import { resultCodeInfo, ResultCode } from '@micropay/protocol';
import { attempts, health, retryDead, test } from './notification-check-commands.js';
import { CommandFailed, cliActing, notFound, timeText, UsageError } from './common.js';

/** The notification outbox, for the operator: list it, and re-drive a notification. */

const STATUSES: readonly NotificationStatus[] = ['pending', 'delivered', 'dead'];
const LIST_LIMIT_DEFAULT = 50;
const LIST_LIMIT_MAX = 1000;

const list = defineCommand({
  name: 'notifications list',
  summary: 'list notifications, newest first',
  positionals: [],
  options: {
    status: { type: 'string', value: 'STATUS', help: `only notifications with this status: ${STATUSES.join(', ')}` },
    'mch-id': { type: 'string', value: 'MCHID', help: "only this merchant's notifications" },
    limit: { type: 'string', value: 'N', help: `at most N of them (default ${LIST_LIMIT_DEFAULT}, at most ${LIST_LIMIT_MAX})` },
  },
  store: 'existing',
  async run({ options, store, out, config }) {
    const status = options.status;
    if (status !== undefined && !STATUSES.includes(status as NotificationStatus)) {
      throw new UsageError(`--status must be one of ${STATUSES.join(', ')}`);
    }
    const limit = options.limit === undefined ? LIST_LIMIT_DEFAULT : Number(options.limit);
    if (!Number.isInteger(limit) || limit < 1 || limit > LIST_LIMIT_MAX) {
      throw new UsageError(`--limit must be a whole number from 1 to ${LIST_LIMIT_MAX}`);
    }
    const found = await store.listNotifications({ status: status as NotificationStatus | undefined, mchId: options['mch-id'], limit });
    const time = (ms: number) => timeText(ms, config);
    out.show(
      { notifications: found.map(notificationJson) },
      found.length === 0 ? 'No notifications.' : found.map((n) => notificationLine(n, time)).join('\n'),
    );
    return 0;
  },
});

const retry = defineCommand({
  name: 'notifications retry',
  summary: 're-drive a dead (or waiting) notification: due at once',
  positionals: [{ name: 'NOTIFICATION_ID', help: 'the id `notifications list` shows' }],
  options: { 'mch-id': { type: 'string', value: 'MCHID', help: "only if it is this merchant's (as the merchant console re-drives)" } },
  store: 'existing',
  async run({ args, options, store, out, config }) {
    const result = await store.retryNotification(args.NOTIFICATION_ID, options['mch-id'], cliActing());
    if (result.kind === 'not_found') {
      if (options['mch-id'] === undefined) return notFound(`notification ${args.NOTIFICATION_ID}`);
      // As the merchant console answers: another merchant's notification is not told apart from none.
      throw new CommandFailed(`${resultCodeInfo(ResultCode.NOTIFICATION_NOT_FOUND)!.msg} (${ResultCode.NOTIFICATION_NOT_FOUND}): no notification ${args.NOTIFICATION_ID} of merchant ${options['mch-id']}`);
    }
    const n = result.notification;
    out.show(
      { retried: result.kind === 'retried', notification: notificationJson(n) },
      result.kind === 'retried'
        ? `Notification ${n.notificationId} is due now (${n.attempts} ${n.attempts === 1 ? 'attempt' : 'attempts'} so far); a running server sends it within a moment.`
        : `Notification ${n.notificationId} was already delivered at ${timeText(n.deliveredAtMs!, config)}; it is not sent again.`,
    );
    return 0;
  },
});

export const notificationCommands: CommandGroup = { title: 'Notifications', commands: [list, retry, retryDead, test, attempts, health] };

function notificationJson(n: Notification) {
  return {
    notificationId: n.notificationId,
    mchId: n.mchId,
    eventType: n.eventType,
    subjectId: n.subjectId,
    ...merchantReferenceOf(n),
    url: n.url,
    status: n.status,
    attempts: n.attempts,
    nextAttemptAtMs: n.status === 'pending' ? String(n.nextAttemptAtMs) : null,
    lastError: n.lastError,
    createdAtMs: String(n.createdAtMs),
    deliveredAtMs: n.deliveredAtMs === null ? null : String(n.deliveredAtMs),
  };
}

function notificationLine(n: Notification, time: (ms: number) => string): string {
  const when =
    n.status === 'delivered' ? `delivered ${time(n.deliveredAtMs!)}`
    : n.status === 'pending' ? `next ${time(n.nextAttemptAtMs)}`
    : `dead since ${time(n.nextAttemptAtMs)}`;
  const error = n.lastError === null ? '' : `  last error: ${n.lastError}`;
  const ref = merchantReferenceOf(n);
  const theirs = ref.merchantOrderId !== null ? `  order ${ref.merchantOrderId}` : ref.merchantRefundId !== null ? `  refund ${ref.merchantRefundId}` : '';
  return `${n.notificationId}  ${n.status.padEnd(9)}  ${n.eventType.padEnd(13)}  ${n.mchId}  ${n.subjectId}${theirs}  attempts ${n.attempts}  ${when}${error}`;
}
