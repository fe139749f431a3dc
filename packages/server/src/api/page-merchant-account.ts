import { parse, rejectUnknown, required, ResultCode, text } from '@micropay/protocol';
import type { Merchant } from '../domain/model.js';
import { merchantReferenceOf, type Notification, type NotificationAttempt } from '../domain/notification.js';
import { notifyUrlWarning } from '../notify/destinations.js';
import { NOTIFY_URL_PROBLEM, NotifyUrlError } from '../notify/message.js';
import { deadLetterCursorText, parseDeadLetterCursor } from '../services/notifications.js';
import { isBadInput, rollKey } from '../services/operator-actions.js';
import { answer } from './answer.js';
import { merchantUserActing, withMerchantUser } from './console-access.js';
import { checkedPageOf, notificationIdIn } from './console-pages.js';

/**
 * The merchant console's API key and Notifications sections (docs/consoles.md), the owner's only:
 * a cashier neither sees the integration's settings nor changes them (9122). Every call acts on
 * the session's merchant; a body naming a merchant is refused as an unknown parameter.
 */

/** The key's state, never the key: when it was rolled, until when the old one verifies, the new one's first use. */
function keyData(m: Merchant, nowMs: number): Record<string, unknown> {
  const overlap = m.previousKey !== null && m.previousKey.untilMs > nowMs ? m.previousKey.untilMs : null;
  return { mchId: m.mchId, keyRolledAtMs: m.keyRolledAtMs, previousKeyUntilMs: overlap, keyFirstUsedAtMs: m.keyFirstUsedAtMs };
}

async function sessionMerchant(store: { findMerchant(mchId: string): Promise<Merchant | null> }, mchId: string): Promise<Merchant> {
  const m = await store.findMerchant(mchId);
  if (m === null) throw new Error(`the session's merchant ${mchId} exists`);
  return m;
}

export const showApiKey = withMerchantUser('reads', 'owner', async (ctx, req, user) => {
  const fields = parse(() => rejectUnknown(req.body, []));
  if (!fields.ok) return answer(fields.code, null, fields.msg);
  return answer(ResultCode.SUCCESS, keyData(await sessionMerchant(ctx.store, user.mchId), ctx.clock.nowMs()));
});

/** `{overlapHours?}`: a new key, in this answer only; the old one verifies for the overlap (24 h unless given). */
export const rollApiKey = withMerchantUser('changes', 'owner', async (ctx, req, user) => {
  const parsed = parse(() => {
    rejectUnknown(req.body, ['overlapHours']);
    return text(req.body, 'overlapHours') ?? undefined;
  });
  if (!parsed.ok) return answer(parsed.code, null, parsed.msg);
  const rolled = await rollKey(ctx.store, user.mchId, parsed.value, merchantUserActing(user, req));
  if (isBadInput(rolled)) return answer(ResultCode.PARAM_ERROR, null, `overlapHours ${rolled.problem}`);
  if (rolled === null) throw new Error(`the session's merchant ${user.mchId} exists`);
  return answer(ResultCode.SUCCESS, { ...keyData(rolled, ctx.clock.nowMs()), apiKey: rolled.apiKey.expose() });
});

export const showNotifySettings = withMerchantUser('reads', 'owner', async (ctx, req, user) => {
  const fields = parse(() => rejectUnknown(req.body, []));
  if (!fields.ok) return answer(fields.code, null, fields.msg);
  return answer(ResultCode.SUCCESS, { notifyUrl: (await sessionMerchant(ctx.store, user.mchId)).notifyUrl });
});

/** `{notifyUrl}`: the new notify URL, or null (or "") to stop notifications. The rule is updateMerchant's. */
export const setNotifyUrl = withMerchantUser('changes', 'owner', async (ctx, req, user) => {
  const parsed = parse(() => {
    rejectUnknown(req.body, ['notifyUrl']);
    if (!('notifyUrl' in req.body)) return required(req.body, 'notifyUrl');
    return text(req.body, 'notifyUrl') || null;
  });
  if (!parsed.ok) return answer(parsed.code, null, parsed.msg);
  try {
    const m = await ctx.store.updateMerchant(user.mchId, { notifyUrl: parsed.value }, merchantUserActing(user, req));
    const notifyUrl = m?.notifyUrl ?? null;
    return answer(ResultCode.SUCCESS, { notifyUrl, warning: notifyUrlWarning(notifyUrl, ctx.config.notifyPrivateNetworks) });
  } catch (error) {
    if (error instanceof NotifyUrlError) return answer(ResultCode.PARAM_ERROR, null, `notifyUrl ${NOTIFY_URL_PROBLEM}`);
    throw error;
  }
});

/** A TEST notification to the notify URL, due now: its id, for sendTestAttempts. 9050 without a URL. */
export const sendTestDelivery = withMerchantUser('changes', 'owner', async (ctx, req, user) => {
  const fields = parse(() => rejectUnknown(req.body, []));
  if (!fields.ok) return answer(fields.code, null, fields.msg);
  const sent = await ctx.store.sendTestNotification(user.mchId, merchantUserActing(user, req));
  if (sent.kind === 'no_notify_url') return answer(ResultCode.NO_NOTIFY_URL);
  if (sent.kind === 'no_merchant') throw new Error(`the session's merchant ${user.mchId} exists`);
  return answer(ResultCode.SUCCESS, { notificationId: sent.notificationId, url: sent.url });
});

function attemptData(a: NotificationAttempt): Record<string, unknown> {
  return { attempt: a.attempt, atMs: a.atMs, durationMs: a.durationMs, outcome: a.outcome, httpStatus: a.httpStatus, answerExcerpt: a.answerExcerpt, error: a.error };
}

/** `{notificationId}`: the attempts of one of this merchant's TEST notifications so far (none for another's). */
export const testDeliveryAttempts = withMerchantUser('reads', 'owner', async (ctx, req, user) => {
  const parsed = parse(() => notificationIdIn(req.body));
  if (!parsed.ok) return answer(parsed.code, null, parsed.msg);
  // Scoped by the session's merchant: another merchant's id reads as a test with no attempts.
  const attempts = await ctx.store.notificationAttemptsFor(user.mchId, [parsed.value]);
  return answer(ResultCode.SUCCESS, { attempts: attempts.filter((a) => a.notificationId === parsed.value).map(attemptData) });
});

function deadData(n: Notification): Record<string, unknown> {
  return {
    notificationId: n.notificationId, eventType: n.eventType, subjectId: n.subjectId, ...merchantReferenceOf(n), attempts: n.attempts, lastError: n.lastError, createdAtMs: n.createdAtMs,
  };
}

/** `{cursor?, limit?}`: the merchant's dead notifications, newest first. */
export const listDeadLetters = withMerchantUser('reads', 'owner', async (ctx, req, user) => {
  const asked = checkedPageOf(req.body);
  if (!asked.ok) return asked.answer;
  const limit = asked.limit;
  const after = asked.cursor === undefined || asked.cursor === '' ? null : parseDeadLetterCursor(asked.cursor);
  if (after === null && asked.cursor) return answer(ResultCode.PARAM_ERROR, null, 'cursor is not one this list gave');
  const found = await ctx.store.listDeadNotifications(user.mchId, after, limit + 1);
  const page = found.slice(0, limit);
  const last = page[page.length - 1];
  return answer(ResultCode.SUCCESS, { notifications: page.map(deadData), next: found.length > limit && last !== undefined ? deadLetterCursorText(last) : null });
});

/** `{notificationId}`: one dead (or pending) notification of this merchant due now; 9051 for any other id. */
export const retryDeadLetter = withMerchantUser('changes', 'owner', async (ctx, req, user) => {
  const parsed = parse(() => notificationIdIn(req.body));
  if (!parsed.ok) return answer(parsed.code, null, parsed.msg);
  const retried = await ctx.store.retryNotification(parsed.value, user.mchId, merchantUserActing(user, req));
  if (retried.kind === 'not_found') return answer(ResultCode.NOTIFICATION_NOT_FOUND);
  return answer(ResultCode.SUCCESS, { retried: retried.kind === 'retried', status: retried.notification.status });
});

/** Every dead notification of this merchant due now: how many. */
export const retryAllDeadLetters = withMerchantUser('changes', 'owner', async (ctx, req, user) => {
  const fields = parse(() => rejectUnknown(req.body, []));
  if (!fields.ok) return answer(fields.code, null, fields.msg);
  return answer(ResultCode.SUCCESS, { count: await ctx.store.retryDeadNotifications(user.mchId, merchantUserActing(user, req)) });
});
