import { afterAll, afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Secret, verify, type SignableParams } from '@micropay/protocol';
import { verifyNotification } from '@micropay/client';
import type { Clock } from '../src/domain/clock.js';
import type { ActingAs } from '../src/domain/audit-log.js';
import { newApiKey } from '../src/domain/ids.js';
import { ANSWER_EXCERPT_MAX_LENGTH, answerExcerpt } from '../src/domain/notification.js';
import { createLogger } from '../src/log.js';
import { NotifyDestinations } from '../src/notify/destinations.js';
import { NotificationWorker } from '../src/notify/worker.js';
import { deadLetterCursorText, notificationHealth, parseDeadLetterCursor } from '../src/services/notifications.js';
import { createWalletWithCode, micropayParams, postSigned, startTestPlatform, type TestMerchant, type TestPlatform } from './helpers.js';
import { Receiver } from './notify-receiver.js';
import { cliJson, runCli, stopAllChildren } from './process-helpers.js';

/**
 * The notification side of the consoles (docs/notifications.md): each attempt's history with the
 * receiver's answer, the TEST notification, a merchant's dead notifications, the outbox's health.
 * A real receiver on 127.0.0.1; a worker driven by hand where a test needs exact attempts.
 */

/** A platform whose own worker runs once at start and then not for ten minutes. */
const OPERATOR: ActingAs = { actor: { kind: 'operator', operatorId: 'op-1', name: 'ops-alice', role: 'admin' }, address: '203.0.113.7' };
const IDLE = { MICROPAY_NOTIFY_INTERVAL_MS: '600000', MICROPAY_NOTIFY_TIMEOUT_MS: '1000', MICROPAY_NOTIFY_RETRY_SCHEDULE_S: '1' };
const FAST = { ...IDLE, MICROPAY_NOTIFY_INTERVAL_MS: '50' };

let receiver: Receiver;
const platforms: TestPlatform[] = [];

beforeEach(async () => {
  receiver = await new Receiver().start();
});
afterEach(async () => {
  for (const p of platforms.splice(0).reverse()) await p.stop().catch(() => {});
  await receiver.stop();
});
afterAll(async () => {
  await stopAllChildren();
});

async function platform(env: Record<string, string>): Promise<TestPlatform> {
  const p = await startTestPlatform(env);
  platforms.push(p);
  return p;
}

async function merchant(p: TestPlatform, notifyUrl: string | null, name = 'LPR Parking System'): Promise<TestMerchant> {
  const key = newApiKey();
  const m = await p.store.createMerchant({ name, apiKey: new Secret(key), notifyUrl });
  return { mchId: m.mchId, key, name };
}

let orderSeq = 0;
/** A paid order of the merchant: its wavpayOrderId, the notification's subject. */
async function pay(p: TestPlatform, m: TestMerchant): Promise<string> {
  const w = await createWalletWithCode(p, 100_00);
  const res = await postSigned(p.url, 'micropay', micropayParams(m, `ntc-${++orderSeq}`, '1.00', w.payCode), m.key);
  expect(res.body.code).toBe(0);
  return res.body.data!.wavpayOrderId as string;
}

/** A worker run by hand: `retryScheduleS` [] makes the first failure dead; `clock` dates its attempts. */
function worker(p: TestPlatform, retryScheduleS: number[], clock: Clock = { nowMs: () => Date.now() }, timeoutMs = 500) {
  return new NotificationWorker({
    store: p.store, clock, logger: createLogger('error', () => {}), timeZone: p.config.timeZone, timeoutMs, retryScheduleS,
    destinations: new NotifyDestinations(p.config.notifyPrivateNetworks),
  });
}

describe('attempt history', () => {
  it('records each attempt with its outcome and the answer: a 500, a timeout, a bad body, then delivered', async () => {
    receiver.script = (n) => (['fail', 'hang', 'html', 'accept'] as const)[n - 1]!;
    const p = await platform(IDLE);
    const m = await merchant(p, receiver.url);
    const orderId = await pay(p, m);
    const w = worker(p, [0, 0, 0]);
    for (let i = 0; i < 4; i++) expect(await w.runOnce()).toBe(1);

    const attempts = await p.store.notificationAttemptsFor(m.mchId, [orderId]);
    expect(attempts.map((a) => [a.attempt, a.outcome, a.httpStatus, a.error])).toEqual([
      [1, 'http_status', 500, 'HTTP 500'],
      [2, 'timeout', null, 'no answer within 500 ms'],
      [3, 'not_acknowledged', 200, 'HTTP 200 without an acknowledgement (expected {"code":0} or "success")'],
      [4, 'delivered', 200, null],
    ]);
    expect(attempts.every((a) => a.eventType === 'PAID' && a.subjectId === orderId && a.mchId === m.mchId)).toBe(true);
    // In time order, each with its duration: the timeout's is the timeout.
    expect(attempts.map((a) => a.atMs)).toEqual([...attempts.map((a) => a.atMs)].sort((x, y) => x - y));
    expect(attempts[1]!.durationMs).toBeGreaterThanOrEqual(450);
    expect(attempts[0]!.answerExcerpt).toBe('{"code":1,"msg":"database down"}');
    expect(attempts[1]!.answerExcerpt).toBeNull();
    expect(attempts[3]!.answerExcerpt).toBe('{"code":0,"msg":"success"}');
    // The proxy page: control characters gone, capped.
    const page = attempts[2]!.answerExcerpt!;
    expect(page.startsWith('<html> <body> [31mBad gateway</body> padding padding')).toBe(true);
    expect(Array.from(page)).toHaveLength(ANSWER_EXCERPT_MAX_LENGTH);
    expect(page).not.toMatch(/[\u0000-\u001f]/);

    // The row and its history agree; another merchant asking for the same order sees nothing.
    const [n] = await p.store.listNotifications({ limit: 5 });
    expect(n).toMatchObject({ status: 'delivered', attempts: 4 });
    expect(await p.store.notificationAttempts(n!.notificationId)).toEqual(attempts);
    const other = await merchant(p, null, 'Other');
    expect(await p.store.notificationAttemptsFor(other.mchId, [orderId])).toEqual([]);
    expect(await p.store.notificationAttemptsFor(m.mchId, [])).toEqual([]);

    const shown = await cliJson<{ attempts: { attempt: number; outcome: string; answerExcerpt: string | null }[] }>([
      'notifications', 'attempts', n!.notificationId, '--db', p.config.database,
    ]);
    expect(shown.attempts.map((a) => a.outcome)).toEqual(['http_status', 'timeout', 'not_acknowledged', 'delivered']);
  });

  it('an answer that echoes our signature is kept without it', async () => {
    receiver.script = (n) => (n === 1 ? 'echo-hash' : n === 2 ? 'echo-fail' : 'accept');
    const p = await platform(IDLE);
    const m = await merchant(p, receiver.url);
    const orderId = await pay(p, m);
    const w = worker(p, [0, 0]);
    for (let i = 0; i < 3; i++) await w.runOnce();
    const [echoed, body] = await p.store.notificationAttemptsFor(m.mchId, [orderId]);
    expect(echoed!.answerExcerpt).toBe('{"code":1,"msg":"bad hash","got":"[secureHash]"}');
    // The whole signed body sent back: its start is kept, the signature at its end is not.
    expect(body!.answerExcerpt!.startsWith('{"notificationId":')).toBe(true);
    for (const r of receiver.receipts) for (const a of [echoed!, body!]) expect(a.answerExcerpt).not.toContain(r.body.secureHash!.slice(0, 16));
  });

  it('answerExcerpt cuts what is hidden, flattens control characters and caps in characters', () => {
    expect(answerExcerpt('a\u0000b\r\nc\u2028d', [])).toBe('a b c d');
    expect(answerExcerpt('sig=ABC;ABC', ['ABC'])).toBe('sig=[secureHash];[secureHash]');
    const emoji = '🍗'.repeat(300);
    expect(Array.from(answerExcerpt(emoji, []))).toHaveLength(ANSWER_EXCERPT_MAX_LENGTH);
  });
});

describe('test notifications', () => {
  it('arrive at the notify URL signed, verifiable by @micropay/client, with no order field, and show their attempt', async () => {
    const p = await platform(FAST);
    const m = await merchant(p, receiver.url);
    const queued = await p.store.sendTestNotification(m.mchId, OPERATOR);
    if (queued.kind !== 'queued') throw new Error(`not queued: ${queued.kind}`);
    expect(queued.url).toBe(receiver.url);
    expect(await p.store.listAuditLog({ limit: 10 })).toEqual([expect.objectContaining({
      action: 'notification.test', mchId: m.mchId, subjectId: queued.notificationId, actor: OPERATOR.actor, address: OPERATOR.address,
    })]);

    const deadline = Date.now() + 8_000;
    while (receiver.receipts.length === 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 25));
    const body = receiver.receipts[0]!.body;
    expect(Object.keys(body)).toEqual(['notificationId', 'eventType', 'mchId', 'merchantName', 'testTime', 'timestamp', 'secureHash']);
    expect(body).toMatchObject({ notificationId: queued.notificationId, eventType: 'TEST', mchId: m.mchId, merchantName: m.name });
    expect(verify(body as SignableParams, m.key)).toBe(true);
    expect(verifyNotification(body as Record<string, unknown>, m.key, { mchId: m.mchId })).toMatchObject({ eventType: 'TEST' });

    let attempts = await p.store.notificationAttemptsFor(m.mchId, [queued.notificationId]);
    for (let i = 0; attempts.length === 0 && i < 100; i++) {
      await new Promise((r) => setTimeout(r, 25));
      attempts = await p.store.notificationAttemptsFor(m.mchId, [queued.notificationId]);
    }
    expect(attempts).toEqual([expect.objectContaining({ eventType: 'TEST', outcome: 'delivered', httpStatus: 200, attempt: 1 })]);
  });

  it('are refused with its code when the merchant has no notify URL, and for an unknown merchant', async () => {
    const p = await platform(IDLE);
    const m = await merchant(p, null);
    expect(await p.store.sendTestNotification(m.mchId, OPERATOR)).toEqual({ kind: 'no_notify_url' });
    expect(await p.store.sendTestNotification('999999999', OPERATOR)).toEqual({ kind: 'no_merchant' });
    expect(await p.store.listNotifications({ limit: 5 })).toEqual([]);
    expect(await p.store.listAuditLog({ limit: 10 }), 'a refused test logs nothing').toEqual([]);

    const refused = await runCli(['notifications', 'test', '--mch-id', m.mchId, '--db', p.config.database]);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain('no notify URL (9050)');
    const missing = await runCli(['notifications', 'test', '--db', p.config.database]);
    expect(missing.code).toBe(2);

    await p.store.updateMerchant(m.mchId, { notifyUrl: receiver.url });
    const queued = await cliJson<{ notificationId: string; url: string }>(['notifications', 'test', '--mch-id', m.mchId, '--db', p.config.database]);
    expect(queued.url).toBe(receiver.url);
    expect(await p.store.listNotifications({ limit: 5 })).toEqual([
      expect.objectContaining({ notificationId: queued.notificationId, eventType: 'TEST', subjectId: queued.notificationId, status: 'pending' }),
    ]);
  });
});

describe("a merchant's dead notifications", () => {
  it('are listed newest first a page at a time, and retried only by their own merchant', async () => {
    receiver.script = () => 'fail';
    const p = await platform(IDLE);
    const a = await merchant(p, receiver.url, 'A');
    const b = await merchant(p, receiver.url, 'B');
    for (let i = 0; i < 3; i++) await pay(p, a);
    await pay(p, b);
    // Dead at the first failure.
    expect(await worker(p, []).runOnce()).toBe(4);

    const all = await p.store.listNotifications({ mchId: a.mchId, status: 'dead', limit: 10 });
    expect(all).toHaveLength(3);
    const first = await p.store.listDeadNotifications(a.mchId, null, 2);
    const last = first[1]!;
    // The cursor travels as text (a page's link) and back.
    const cursor = parseDeadLetterCursor(deadLetterCursorText(last));
    expect(cursor).toEqual({ createdAtMs: last.createdAtMs, notificationId: last.notificationId });
    const second = await p.store.listDeadNotifications(a.mchId, cursor, 2);
    const paged = [...first, ...second];
    expect(paged.map((n) => n.notificationId)).toHaveLength(3);
    expect(new Set(paged.map((n) => n.notificationId))).toEqual(new Set(all.map((n) => n.notificationId)));
    for (let i = 1; i < paged.length; i++) expect(paged[i - 1]!.createdAtMs).toBeGreaterThanOrEqual(paged[i]!.createdAtMs);
    expect(paged.every((n) => n.status === 'dead' && n.eventType === 'PAID' && n.lastError === 'HTTP 500' && n.attempts === 1)).toBe(true);
    const [bDead] = await p.store.listDeadNotifications(b.mchId, null, 10);

    // B cannot re-drive A's notification: not found, and it stays dead.
    const target = paged[0]!.notificationId;
    expect(await p.store.retryNotification(target, b.mchId)).toEqual({ kind: 'not_found' });
    expect((await p.store.listDeadNotifications(a.mchId, null, 10)).map((n) => n.notificationId)).toContain(target);
    const refused = await runCli(['notifications', 'retry', target, '--mch-id', b.mchId, '--db', p.config.database]);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain('notification not found (9051)');

    // A can: that one is due now, then every other dead one of A; B's stays dead.
    expect(await p.store.retryNotification(target, a.mchId)).toMatchObject({ kind: 'retried', notification: { status: 'pending', attempts: 1 } });
    const logged = (await p.store.listAuditLog({ limit: 100 })).length;
    expect(await p.store.retryDeadNotifications(a.mchId, OPERATOR)).toBe(2);
    expect(await p.store.listDeadNotifications(a.mchId, null, 10)).toEqual([]);
    expect(await p.store.listDeadNotifications(b.mchId, null, 10)).toEqual([bDead]);
    // One row for the two, by the operator; a re-drive with none dead logs nothing.
    expect(await p.store.retryDeadNotifications(a.mchId, OPERATOR)).toBe(0);
    const afterOps = await p.store.listAuditLog({ limit: 100 });
    expect(afterOps).toHaveLength(logged + 1);
    expect(afterOps[0]).toMatchObject({ action: 'notification.retry', mchId: a.mchId, subjectId: null, actor: OPERATOR.actor, detail: { all: true, count: 2 } });
    const viaCli = await cliJson<{ retried: number }>(['notifications', 'retry-dead', '--mch-id', b.mchId, '--db', p.config.database]);
    expect(viaCli.retried).toBe(1);
    const [cliRetry] = await p.store.listAuditLog({ limit: 1 });
    expect(cliRetry).toMatchObject({ action: 'notification.retry', mchId: b.mchId, actor: { kind: 'cli' }, address: null, detail: { all: true, count: 1 } });

    // Re-driven, they are delivered once the receiver is fixed, and their history shows both tries.
    receiver.script = () => 'accept';
    expect(await worker(p, []).runOnce()).toBe(4);
    const history = await p.store.notificationAttemptsFor(a.mchId, [paged[0]!.subjectId]);
    expect(history.map((h) => [h.attempt, h.outcome])).toEqual([[1, 'http_status'], [2, 'delivered']]);
    // The CLI's TEST notification is logged as the CLI's user's.
    const testViaCli = await cliJson<{ notificationId: string }>(['notifications', 'test', '--mch-id', b.mchId, '--db', p.config.database]);
    const [cliTest] = await p.store.listAuditLog({ limit: 1 });
    expect(cliTest).toMatchObject({ action: 'notification.test', mchId: b.mchId, subjectId: testViaCli.notificationId, actor: { kind: 'cli' }, address: null });
  });
});

describe('dead letter cursors', () => {
  it('read back only what deadLetterCursorText writes', () => {
    const id = '3f1c2b9e-8d4a-4f6e-9b1a-2c7d5e8f0a13';
    expect(parseDeadLetterCursor(`1710045046123.${id}`)).toEqual({ createdAtMs: 1710045046123, notificationId: id });
    for (const bad of ['', '1710045046123', `x.${id}`, `-1.${id}`, `1.${id}'`, `1.${id.toUpperCase()}`, `1234567890123456.${id}`, `1.${id} `]) {
      expect(parseDeadLetterCursor(bad), bad).toBeNull();
    }
  });
});

describe('outbox health', () => {
  it('counts pending, dead, the oldest wait, the last hour by outcome, and merchants by dead count, exactly', async () => {
    const p = await platform(IDLE);
    const a = await merchant(p, receiver.url, 'A');
    const b = await merchant(p, receiver.url, 'B');
    const twoHoursAgo: Clock = { nowMs: () => Date.now() - 2 * 3600_000 };

    // Three dead (two of A, one of B), failed two hours ago: outside the last hour.
    receiver.script = () => 'fail';
    await pay(p, a);
    await pay(p, a);
    await pay(p, b);
    expect(await worker(p, [], twoHoursAgo).runOnce()).toBe(3);
    // One delivered now.
    receiver.script = () => 'accept';
    await pay(p, a);
    expect(await worker(p, []).runOnce()).toBe(1);
    // One failed now and waiting an hour for its retry; one not tried yet.
    receiver.script = () => 'fail';
    await pay(p, b);
    expect(await worker(p, [3600]).runOnce()).toBe(1);
    await pay(p, a);

    const now = Date.now();
    const pending = await p.store.listNotifications({ status: 'pending', limit: 10 });
    expect(pending).toHaveLength(2);
    const oldest = Math.min(...pending.map((n) => n.createdAtMs));
    const h = await notificationHealth(p.store, now);
    expect(h).toEqual({
      pending: 2,
      dead: 3,
      oldestPendingAgeMs: now - oldest,
      sinceMs: now - 3600_000,
      deliveredLastHour: 1,
      failedLastHour: 1,
      deadByMerchant: [{ mchId: a.mchId, dead: 2 }, { mchId: b.mchId, dead: 1 }],
    });
    // The metrics read the same counts through the same store method.
    expect(await p.store.notificationBacklog()).toEqual({ pending: 2, dead: 3 });
    expect((await notificationHealth(p.store, now, 1)).deadByMerchant).toEqual([{ mchId: a.mchId, dead: 2 }]);

    const shown = await cliJson<{ pending: number; dead: number; deliveredLastHour: number; failedLastHour: number; deadByMerchant: unknown[] }>([
      'notifications', 'health', '--db', p.config.database,
    ]);
    expect(shown).toMatchObject({ pending: 2, dead: 3, deliveredLastHour: 1, failedLastHour: 1, deadByMerchant: h.deadByMerchant });
    const text = await runCli(['notifications', 'health', '--db', p.config.database]);
    expect(text.stdout).toContain('Pending: 2');
    expect(text.stdout).toContain(`  ${a.mchId}  2`);
  });

  it('an empty outbox is all zeros with no oldest wait', async () => {
    const p = await platform(IDLE);
    const h = await notificationHealth(p.store, 1_000_000_000_000);
    expect(h).toEqual({ pending: 0, dead: 0, oldestPendingAgeMs: null, sinceMs: 1_000_000_000_000 - 3600_000, deliveredLastHour: 0, failedLastHour: 0, deadByMerchant: [] });
  });
});
