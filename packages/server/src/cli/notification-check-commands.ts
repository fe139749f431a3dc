import { resultCodeInfo, ResultCode } from '@micropay/protocol';
import type { Config } from '../config.js';
import type { NotificationAttempt, NotificationHealth } from '../domain/notification.js';
import { notificationHealth } from '../services/notifications.js';
import { defineCommand } from './command-line.js';
import { cliActing, CommandFailed, notFound, timeText, UsageError } from './common.js';

/**
 * Checking the outbox (docs/notifications.md): a test notification, a notification's attempts,
 * the outbox's health, and a merchant's dead notifications re-driven at once.
 */

function refused(code: number, detail: string): never {
  throw new CommandFailed(`${resultCodeInfo(code)!.msg} (${code}): ${detail}`);
}

export const test = defineCommand({
  name: 'notifications test',
  summary: "queue a TEST notification to the merchant's notify URL, due at once",
  positionals: [],
  options: { 'mch-id': { type: 'string', value: 'MCHID', help: 'the merchant to test (required)' } },
  store: 'existing',
  async run({ options, store, out }) {
    const mchId = options['mch-id'];
    if (mchId === undefined || mchId === '') throw new UsageError('--mch-id is required');
    const result = await store.sendTestNotification(mchId, cliActing());
    if (result.kind === 'no_merchant') return notFound(`merchant ${mchId}`);
    if (result.kind === 'no_notify_url') return refused(ResultCode.NO_NOTIFY_URL, `merchant ${mchId} has no notify URL; set one with \`micropay merchant update ${mchId} --notify-url URL\``);
    out.show(
      { notificationId: result.notificationId, url: result.url },
      `Test notification ${result.notificationId} queued for ${result.url}; a running server sends it within a moment.\n` +
        `See how it went: micropay notifications attempts ${result.notificationId}`,
    );
    return 0;
  },
});

export const attempts = defineCommand({
  name: 'notifications attempts',
  summary: "a notification's delivery attempts, each with the receiver's answer",
  positionals: [{ name: 'NOTIFICATION_ID', help: 'the id `notifications list` shows' }],
  options: {},
  store: 'existing',
  async run({ args, store, out, config }) {
    const found = await store.notificationAttempts(args.NOTIFICATION_ID);
    out.show(
      { attempts: found.map(attemptJson) },
      found.length === 0
        ? `No attempt is recorded for ${args.NOTIFICATION_ID}: it is not attempted yet, or no notification has this id.`
        : found.map((a) => attemptLine(a, config)).join('\n'),
    );
    return 0;
  },
});

export const health = defineCommand({
  name: 'notifications health',
  summary: 'the outbox: pending, dead, oldest waiting, the last hour, merchants by dead count',
  positionals: [],
  options: { top: { type: 'string', value: 'N', help: 'merchants named by dead count (default 10, at most 100)' } },
  store: 'existing',
  async run({ options, store, out, config }) {
    const top = options.top === undefined ? 10 : Number(options.top);
    if (!Number.isInteger(top) || top < 1 || top > 100) throw new UsageError('--top must be a whole number from 1 to 100');
    const h = await notificationHealth(store, Date.now(), top);
    out.show(healthJson(h), healthText(h, config));
    return 0;
  },
});

export const retryDead = defineCommand({
  name: 'notifications retry-dead',
  summary: "re-drive every dead notification of one merchant: due at once",
  positionals: [],
  options: { 'mch-id': { type: 'string', value: 'MCHID', help: 'the merchant (required)' } },
  store: 'existing',
  async run({ options, store, out }) {
    const mchId = options['mch-id'];
    if (mchId === undefined || mchId === '') throw new UsageError('--mch-id is required');
    const count = await store.retryDeadNotifications(mchId, cliActing());
    out.show({ retried: count }, `${count} dead ${count === 1 ? 'notification is' : 'notifications are'} due now; a running server sends them within a moment.`);
    return 0;
  },
});

export function attemptJson(a: NotificationAttempt) {
  return {
    notificationId: a.notificationId,
    eventType: a.eventType,
    subjectId: a.subjectId,
    attempt: a.attempt,
    atMs: String(a.atMs),
    durationMs: String(a.durationMs),
    outcome: a.outcome,
    httpStatus: a.httpStatus,
    answerExcerpt: a.answerExcerpt,
    error: a.error,
  };
}

function attemptLine(a: NotificationAttempt, config: Config): string {
  const answer = a.answerExcerpt === null || a.answerExcerpt === '' ? '' : `  answer: ${a.answerExcerpt}`;
  const what = a.error ?? `HTTP ${a.httpStatus}`;
  return `#${a.attempt}  ${timeText(a.atMs, config)}  ${a.durationMs} ms  ${a.outcome.padEnd(16)}  ${what}${answer}`;
}

function healthJson(h: NotificationHealth) {
  return { ...h, sinceMs: String(h.sinceMs), oldestPendingAgeMs: h.oldestPendingAgeMs === null ? null : String(h.oldestPendingAgeMs) };
}

function healthText(h: NotificationHealth, config: Config): string {
  const oldest = h.oldestPendingAgeMs === null ? 'none waiting' : `the oldest has waited ${Math.round(h.oldestPendingAgeMs / 1000)} s`;
  const lines = [
    `Pending: ${h.pending} (${oldest})`,
    `Dead: ${h.dead}`,
    `Since ${timeText(h.sinceMs, config)}: ${h.deliveredLastHour} delivered, ${h.failedLastHour} failed attempts`,
  ];
  if (h.deadByMerchant.length > 0) lines.push('Dead by merchant:', ...h.deadByMerchant.map((m) => `  ${m.mchId}  ${m.dead}`));
  return lines.join('\n');
}
