import { rmSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, afterEach, beforeEach, describe, expect, it, onTestFinished } from 'vitest';
import { Secret, verify, type SignableParams } from '@micropay/protocol';
import { ConfigError, loadConfig } from '../src/config.js';
import { newApiKey } from '../src/domain/ids.js';
import { merchantReferenceOf, type Notification, type NotificationStatus } from '../src/domain/notification.js';
import { createLogger } from '../src/log.js';
import { startPlatform } from '../src/platform.js';
import { isAcknowledged, nextAttemptAtMs, notificationBody } from '../src/notify/message.js';
import { NotifyDestinations } from '../src/notify/destinations.js';
import { NotificationWorker } from '../src/notify/worker.js';
import { openStore } from '../src/platform.js';
import type { Store } from '../src/store/store.js';
import {
  createWalletWithCode,
  micropayParams,
  postSigned,
  startTestPlatform,
  TEST_STORE,
  type TestMerchant,
  type TestPlatform,
  testConfig,
} from './helpers.js';
import { cliJson, runCli, stopAllChildren } from './process-helpers.js';
import { Receiver } from './notify-receiver.js';

// ---------------------------------------------------------------------------------------------

/**
 * Fast settings so every test finishes in seconds: a 50 ms poll, 1 s retries, and a 1 s timeout
 * (short, yet long enough that a busy test machine does not turn an accepted POST into a timeout,
 * which would rightly deliver it again).
 */
const FAST = {
  MICROPAY_NOTIFY_INTERVAL_MS: '50',
  MICROPAY_NOTIFY_TIMEOUT_MS: '1000',
  MICROPAY_NOTIFY_RETRY_SCHEDULE_S: '1,1,1',
};
/** A platform whose worker runs once at start and then not for ten minutes: notifications stay put. */
const IDLE = { ...FAST, MICROPAY_NOTIFY_INTERVAL_MS: '600000' };

const platforms: TestPlatform[] = [];
let receiver: Receiver;

async function platform(env: Record<string, string>, dir?: string): Promise<TestPlatform> {
  const p = await startTestPlatform(env, undefined, dir === undefined ? {} : { dir });
  platforms.push(p);
  return p;
}

async function merchantWithUrl(p: TestPlatform, notifyUrl: string | null): Promise<TestMerchant> {
  const key = newApiKey();
  const m = await p.store.createMerchant({ name: 'LPR Parking System', apiKey: new Secret(key), notifyUrl });
  return { mchId: m.mchId, key, name: m.name };
}

let orderSeq = 0;
async function pay(p: TestPlatform, m: TestMerchant, amount = '1.00', balanceSen = 100_00) {
  const w = await createWalletWithCode(p, balanceSen);
  const res = await postSigned(p.url, 'micropay', micropayParams(m, `ntf-${++orderSeq}`, amount, w.payCode), m.key);
  return res.body;
}

async function waitFor<T>(what: string, probe: () => Promise<T | undefined | null | false> | T | undefined | null | false, timeoutMs = 8_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined && value !== null && value !== false) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

async function onlyNotification(store: Store, status?: NotificationStatus) {
  const list = await store.listNotifications({ limit: 10, ...(status === undefined ? {} : { status }) });
  return list.length === 1 ? list[0]! : undefined;
}

beforeEach(async () => {
  receiver = await new Receiver().start();
});
afterEach(async () => {
  // Platforms first (their workers may be posting), then the receiver.
  const closing = platforms.splice(0).reverse();
  for (const p of closing) await p.close().catch(() => {});
  await receiver.stop();
  // Several platforms may share a directory; it goes once they are all closed.
  for (const dir of new Set(closing.map((p) => p.dir))) rmSync(dir, { recursive: true, force: true });
});
afterAll(async () => {
  await stopAllChildren();
});

describe('signed merchant notifications', () => {
  it('a payment to a merchant with a notifyUrl is notified once, signed with the merchant key', async () => {
    const p = await platform(FAST);
    const m = await merchantWithUrl(p, receiver.url);
    const answer = await pay(p, m);
    expect(answer.code).toBe(0);

    const delivered = await waitFor('delivery', () => onlyNotification(p.store, 'delivered'));
    expect(receiver.receipts).toHaveLength(1);
    const body = receiver.receipts[0]!.body;
    // Flat body: the notification's own fields, the order's data as queryBill shows it, then the signature.
    expect(Object.keys(body)).toEqual([
      'notificationId', 'eventType', 'merchantOrderId', 'wavpayOrderId', 'mchId', 'merchantName', 'tradeTime',
      'payTime', 'paySence', 'tradeStatus', 'amount', 'goodsInfo', 'timestamp', 'secureHash',
    ]);
    expect(body).toMatchObject({
      notificationId: delivered.notificationId,
      eventType: 'PAID',
      merchantOrderId: answer.data!.merchantOrderId,
      wavpayOrderId: answer.data!.wavpayOrderId,
      mchId: m.mchId,
      merchantName: 'LPR Parking System',
      tradeStatus: 'PAID',
      amount: '1.00',
    });
    expect(verify(body as SignableParams, m.key)).toBe(true);
    // The id and event type are signed too: neither can be changed without breaking the signature.
    expect(verify({ ...body, eventType: 'FAILED' } as SignableParams, m.key)).toBe(false);
    expect(verify({ ...body, notificationId: 'another' } as SignableParams, m.key)).toBe(false);
    expect(verify(body as SignableParams, newApiKey())).toBe(false);
    expect(delivered).toMatchObject({ attempts: 1, mchId: m.mchId, subjectId: answer.data!.wavpayOrderId });

    // Delivered means done: nothing more is sent.
    await new Promise((r) => setTimeout(r, 300));
    expect(receiver.receipts).toHaveLength(1);
  });

  it('a receiver that fails, then hangs past the timeout, then accepts gets it on the third attempt, same id', async () => {
    receiver.script = (n) => (n === 1 ? 'fail' : n === 2 ? 'hang' : 'accept');
    const p = await platform(FAST);
    const m = await merchantWithUrl(p, receiver.url);
    await pay(p, m);

    const delivered = await waitFor('delivery', () => onlyNotification(p.store, 'delivered'));
    expect(delivered.attempts).toBe(3);
    const receipts = receiver.byId(delivered.notificationId);
    expect(receipts).toHaveLength(3);
    expect(receiver.receipts).toHaveLength(3);
    // The schedule (1 s after each failure) is kept: no attempt comes early.
    expect(receipts[1]!.atMs - receipts[0]!.atMs).toBeGreaterThanOrEqual(900);
    expect(receipts[2]!.atMs - receipts[1]!.atMs).toBeGreaterThanOrEqual(900);
    for (const r of receipts) {
      expect(r.body.eventType).toBe('PAID');
      expect(verify(r.body as SignableParams, m.key)).toBe(true);
    }
    // Delivered: the earlier failures are not shown as its error (docs/notifications.md).
    expect(delivered.lastError).toBeNull();
  });

  it('the plain text "success" acknowledges too', async () => {
    receiver.script = () => 'accept-text';
    const p = await platform(FAST);
    await pay(p, await merchantWithUrl(p, receiver.url));
    const delivered = await waitFor('delivery', () => onlyNotification(p.store, 'delivered'));
    expect(delivered.attempts).toBe(1);
  });

  it('a receiver that never accepts leaves it dead after the schedule; `notifications retry` re-drives it', async () => {
    receiver.script = () => 'fail';
    const p = await platform({ ...FAST, MICROPAY_NOTIFY_RETRY_SCHEDULE_S: '1,1' });
    const m = await merchantWithUrl(p, receiver.url);
    await pay(p, m);

    const dead = await waitFor('dead', () => onlyNotification(p.store, 'dead'));
    // One first attempt and one per scheduled wait.
    expect(dead.attempts).toBe(3);
    expect(dead.lastError).toBe('HTTP 500');
    await new Promise((r) => setTimeout(r, 300));
    expect(receiver.receipts).toHaveLength(3);

    // Visible to the operator, from another process on the same file while the server runs.
    const listed = await cliJson<{ notifications: { notificationId: string; status: string; attempts: number }[] }>([
      'notifications', 'list', '--status', 'dead', '--db', p.config.database,
    ]);
    // Named by the merchant's own order number too, which is what the merchant asks about.
    expect(listed.notifications).toEqual([
      expect.objectContaining({ notificationId: dead.notificationId, status: 'dead', attempts: 3, merchantOrderId: `ntf-${orderSeq}`, merchantRefundId: null }),
    ]);
    const text = await runCli(['notifications', 'list', '--mch-id', m.mchId, '--db', p.config.database]);
    expect(text.code).toBe(0);
    expect(text.stdout).toContain(`${dead.notificationId}  dead       PAID           ${m.mchId}  ${dead.subjectId}  order ntf-${orderSeq}  attempts 3  dead since `);
    expect(text.stdout).toContain('dead');
    expect(text.stdout).toContain('HTTP 500');

    receiver.script = () => 'accept';
    const retried = await cliJson<{ retried: boolean }>(['notifications', 'retry', dead.notificationId, '--db', p.config.database]);
    expect(retried.retried).toBe(true);

    const delivered = await waitFor('delivery after retry', () => onlyNotification(p.store, 'delivered'));
    expect(delivered.notificationId).toBe(dead.notificationId);
    expect(delivered.attempts).toBe(4);
    expect(receiver.byId(dead.notificationId)).toHaveLength(4);

    // A delivered notification is not sent again by a retry.
    const again = await cliJson<{ retried: boolean }>(['notifications', 'retry', dead.notificationId, '--db', p.config.database]);
    expect(again.retried).toBe(false);
    expect((await runCli(['notifications', 'retry', 'no-such-id', '--db', p.config.database])).code).toBe(1);
  });

  // A SQLite file takes one server at a time (single-writer.test.ts); PostgreSQL takes several.
  it.runIf(TEST_STORE === 'postgres')('two platforms on one database never post the same notification at once, and each once', async () => {
    receiver.script = () => 'slow-accept';
    // Two platforms with their own notification workers on one store (that of `home`, whose worker
    // stays idle), each logging what it delivered.
    const home = await platform(IDLE);
    const delivered = { a: [] as string[], b: [] as string[] };
    const [a, b] = await Promise.all(
      (['a', 'b'] as const).map((name) =>
        startPlatform(testConfig({ db: home.dbPath, port: '0', host: '127.0.0.1' }, FAST), createLogger('info', (line) => {
          const entry = JSON.parse(line) as { msg: string; notificationId?: string };
          if (entry.msg === 'notification delivered') delivered[name].push(entry.notificationId!);
        })),
      ),
    );
    try {
      const m = await merchantWithUrl(home, receiver.url);
      const count = 12;
      for (let i = 0; i < count; i++) {
        const answer = await pay({ ...home, url: (i % 2 === 0 ? a : b).url }, m);
        expect(answer.code).toBe(0);
        // Claimed before the next payment: a platform takes 150 ms to post it, so the next one is
        // free for the other platform's worker, which polls every 50 ms. Both take part.
        await waitFor('the claim', async () =>
          (await home.store.listNotifications({ limit: 100 })).find((n) => n.subjectId === answer.data!.wavpayOrderId && n.attempts > 0),
        );
      }

      await waitFor('all delivered', async () => (await home.store.listNotifications({ status: 'delivered', limit: 100 })).length === count);
      const ids = new Set(receiver.receipts.map((r) => r.body.notificationId));
      expect(ids.size).toBe(count);
      expect(receiver.receipts).toHaveLength(count);
      expect(receiver.maxConcurrentPerId).toBe(1);
      // Both platforms posted, and between them each notification once.
      expect(delivered.a.length).toBeGreaterThan(0);
      expect(delivered.b.length).toBeGreaterThan(0);
      expect([...delivered.a, ...delivered.b].sort()).toEqual([...ids].sort());
    } finally {
      await Promise.all([a.close(), b.close()]);
    }
  });

  it('two workers on separate connections to one file share the work and never post one notification twice', async () => {
    receiver.script = () => 'slow-accept';
    const a = await platform(IDLE);
    // A second connection to the store, as another process has it (one server per SQLite file).
    const b = { store: await openStore(testConfig({ db: a.dbPath }, {})) };
    onTestFinished(() => b.store.close());
    const m = await merchantWithUrl(a, receiver.url);
    const count = 16;
    for (let i = 0; i < count; i++) expect((await pay(a, m)).code).toBe(0);
    const worker = (store: Store, owner: string) =>
      new NotificationWorker({
        store, owner, batchSize: 2, clock: { nowMs: () => Date.now() }, logger: createLogger('error', () => {}),
        timeZone: a.config.timeZone, timeoutMs: 2_000, retryScheduleS: [1], destinations: new NotifyDestinations(a.config.notifyPrivateNetworks),
      });
    const [doneByA, doneByB] = await Promise.all([worker(a.store, 'a').runOnce(), worker(b.store, 'b').runOnce()]);
    expect(doneByA + doneByB).toBe(count);
    expect(doneByA).toBeGreaterThan(0);
    expect(doneByB).toBeGreaterThan(0);
    expect(receiver.receipts).toHaveLength(count);
    expect(new Set(receiver.receipts.map((r) => r.body.notificationId)).size).toBe(count);
    expect(receiver.maxConcurrentPerId).toBe(1);
    expect(await a.store.listNotifications({ status: 'delivered', limit: 100 })).toHaveLength(count);
  });

  it('a lease keeps a claimed notification from a second worker until it expires; only the owner records', async () => {
    const p = await platform(IDLE);
    await pay(p, await merchantWithUrl(p, receiver.url));
    const s = p.store;
    // What a worker records with each outcome (its attempt row): only the lease owner's is kept.
    const attempt = (n: Notification, error: string | null) => ({
      attempt: n.attempts, mchId: n.mchId, subjectId: n.subjectId, atMs: Date.now(), durationMs: 1,
      outcome: error === null ? 'delivered' as const : 'http_status' as const, httpStatus: error === null ? 200 : 500, answerExcerpt: null, error,
    });
    const failure = (n: Notification, error: string) => ({ ...attempt(n, error), error });

    const [claimed] = await s.claimDueNotifications('worker-a', 60_000, 10);
    expect(claimed).toBeDefined();
    expect(claimed!.attempts).toBe(1);
    expect(await s.claimDueNotifications('worker-b', 60_000, 10)).toEqual([]);
    expect(await s.recordDelivery(claimed!.notificationId, 'worker-b', attempt(claimed!, null))).toBe(false);
    expect(await s.recordFailedAttempt(claimed!.notificationId, 'worker-b', failure(claimed!, 'x'), null)).toBe(false);
    expect((await onlyNotification(s))!.status).toBe('pending');

    // worker-a fails it with the next attempt due now, then claims again with a lease that lapses.
    expect(await s.recordFailedAttempt(claimed!.notificationId, 'worker-a', failure(claimed!, 'HTTP 500'), Date.now())).toBe(true);
    expect(await s.claimDueNotifications('worker-a', 1, 10)).toHaveLength(1);
    await new Promise((r) => setTimeout(r, 10));
    // A stalled worker's lease has run out: worker-b takes over, and worker-a can no longer record.
    const [takenOver] = await s.claimDueNotifications('worker-b', 60_000, 10);
    expect(takenOver!.attempts).toBe(3);
    expect(await s.recordDelivery(claimed!.notificationId, 'worker-a', attempt(claimed!, null))).toBe(false);
    expect(await s.recordDelivery(claimed!.notificationId, 'worker-b', attempt(takenOver!, null))).toBe(true);
    expect((await onlyNotification(s))!.status).toBe('delivered');
    // The history holds the owners' outcomes only: attempt 1 failed (worker-a), 3 delivered (worker-b);
    // attempt 2's lease lapsed with nothing recorded.
    expect((await s.notificationAttempts(claimed!.notificationId)).map((a) => [a.attempt, a.outcome])).toEqual([[1, 'http_status'], [3, 'delivered']]);
    expect(await s.claimDueNotifications('worker-b', 60_000, 10)).toEqual([]);
  });

  it('a notification written before a restart is delivered after it', async () => {
    const first = await platform(IDLE);
    const m = await merchantWithUrl(first, receiver.url);
    await pay(first, m);
    await new Promise((r) => setTimeout(r, 200));
    expect((await onlyNotification(first.store))!).toMatchObject({ status: 'pending', attempts: 0 });
    expect(receiver.receipts).toHaveLength(0);
    await first.close();
    platforms.splice(platforms.indexOf(first), 1);

    const second = await platform(FAST, first.dir);
    const delivered = await waitFor('delivery after restart', () => onlyNotification(second.store, 'delivered'));
    expect(receiver.byId(delivered.notificationId)).toHaveLength(1);
    expect(verify(receiver.receipts[0]!.body as SignableParams, m.key)).toBe(true);
  });

  it('a payment that fails for insufficient balance is notified as FAILED', async () => {
    const p = await platform(FAST);
    const m = await merchantWithUrl(p, receiver.url);
    const answer = await pay(p, m, '5.00', 1_00);
    expect(answer.code).toBe(1028);

    const delivered = await waitFor('delivery', () => onlyNotification(p.store, 'delivered'));
    expect(delivered.eventType).toBe('FAILED');
    const body = receiver.receipts[0]!.body;
    expect(body).toMatchObject({ eventType: 'FAILED', tradeStatus: 'FAILED', amount: '5.00', payTime: null });
    expect(verify(body as SignableParams, m.key)).toBe(true);
  });

  it('refunds are notified as REFUNDED and REFUND_FAILED with the refund data, signed', async () => {
    const p = await platform(FAST);
    const m = await merchantWithUrl(p, receiver.url);
    const paidOk = await pay(p, m, '2.00');
    const w = await createWalletWithCode(p, 10_00);
    const orderOfClosed = `ntf-${++orderSeq}`;
    expect((await postSigned(p.url, 'micropay', micropayParams(m, orderOfClosed, '3.00', w.payCode), m.key)).body.code).toBe(0);
    await p.store.setWalletStatus(w.walletId, 'closed');

    const refund = (mchOrderId: string, mchRefundId: string, refundAmount: string) =>
      postSigned(p.url, 'refund', { mchId: m.mchId, mchOrderId, mchRefundId, refundAmount }, m.key);
    expect((await refund(paidOk.data!.merchantOrderId, 'rf-1', '2.00')).body.code).toBe(0);
    await refund(orderOfClosed, 'rf-2', '3.00');

    await waitFor('four deliveries', async () => (await p.store.listNotifications({ status: 'delivered', limit: 10 })).length === 4);
    const byEvent = new Map(receiver.receipts.map((r) => [r.body.eventType, r.body]));
    expect([...byEvent.keys()].sort()).toEqual(['PAID', 'REFUNDED', 'REFUND_FAILED']);
    const refunded = byEvent.get('REFUNDED')!;
    expect(Object.keys(refunded)).toEqual([
      'notificationId', 'eventType', 'merchantOrderId', 'wavpayOrderId', 'mchId', 'merchantRefundId', 'refundId',
      'refundAmount', 'refundStatus', 'refundTime', 'failReason', 'reason', 'timestamp', 'secureHash',
    ]);
    expect(refunded).toMatchObject({
      merchantOrderId: paidOk.data!.merchantOrderId, wavpayOrderId: paidOk.data!.wavpayOrderId,
      merchantRefundId: 'rf-1', refundAmount: '2.00', refundStatus: 'REFUNDED',
    });
    expect(byEvent.get('REFUND_FAILED')).toMatchObject({ merchantOrderId: orderOfClosed, merchantRefundId: 'rf-2', refundStatus: 'REFUND_FAILED' });
    for (const r of receiver.receipts) expect(verify(r.body as SignableParams, m.key)).toBe(true);
  });

  it('a merchant without a notifyUrl gets no notifications', async () => {
    const p = await platform(FAST);
    const m = await merchantWithUrl(p, null);
    expect((await pay(p, m)).code).toBe(0);
    expect((await pay(p, m, '5.00', 1_00)).code).toBe(1028);
    await new Promise((r) => setTimeout(r, 300));
    expect(await p.store.listNotifications({ limit: 10 })).toEqual([]);
    expect(receiver.receipts).toHaveLength(0);
  });

  it('goes to the merchant\'s current notifyUrl, so fixing a wrong URL reaches the merchant', async () => {
    const p = await platform(IDLE);
    // A port nothing listens on: the connection is refused.
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const port = (closed.address() as AddressInfo).port;
    await new Promise((resolve) => closed.close(resolve));
    const m = await merchantWithUrl(p, `http://127.0.0.1:${port}/nowhere`);
    await pay(p, m);
    const worker = new NotificationWorker({
      store: p.store, clock: { nowMs: () => Date.now() }, logger: createLogger('error', () => {}),
      timeZone: p.config.timeZone, timeoutMs: 2_000, retryScheduleS: [0], destinations: new NotifyDestinations(p.config.notifyPrivateNetworks),
    });
    // The first attempt goes to the wrong URL, and fails.
    expect(await worker.runOnce()).toBe(1);
    expect(await onlyNotification(p.store)).toMatchObject({ status: 'pending', attempts: 1, lastError: 'cannot reach the receiver (ECONNREFUSED)' });
    // The merchant fixes it: the retry goes to the new URL.
    await p.store.updateMerchant(m.mchId, { notifyUrl: receiver.url });
    expect(await worker.runOnce()).toBe(1);
    expect(await onlyNotification(p.store)).toMatchObject({ status: 'delivered', attempts: 2 });
    expect(receiver.receipts).toHaveLength(1);
  });

  it('never writes the merchant key or a signature to the log, even when the receiver sends the signed body back', async () => {
    receiver.script = (n) => (n === 1 ? 'echo-fail' : n === 2 ? 'echo-unacknowledged' : 'accept');
    const p = await platform(IDLE);
    const m = await merchantWithUrl(p, receiver.url);
    await pay(p, m);
    const lines: string[] = [];
    const worker = new NotificationWorker({
      store: p.store, clock: { nowMs: () => Date.now() }, logger: createLogger('debug', (l) => lines.push(l)),
      timeZone: p.config.timeZone, timeoutMs: 2_000, retryScheduleS: [0, 0], destinations: new NotifyDestinations(p.config.notifyPrivateNetworks),
    });
    await worker.runOnce();
    const afterFirst = (await onlyNotification(p.store))!;
    await worker.runOnce();
    const afterSecond = (await onlyNotification(p.store))!;
    await worker.runOnce();
    expect((await onlyNotification(p.store))!.status).toBe('delivered');
    expect(receiver.receipts).toHaveLength(3);
    const log = lines.join('');
    expect(log).toContain('notification attempt failed');
    expect(log).toContain('notification delivered');
    expect(log).not.toContain(m.key);
    for (const r of receiver.receipts) expect(log).not.toContain(r.body.secureHash!);
    // Nor do the recorded errors (`notifications list` prints them): they do not repeat the answers.
    expect([afterFirst.lastError, afterSecond.lastError]).toEqual(['HTTP 500', 'HTTP 200 without an acknowledgement (expected {"code":0} or "success")']);
  });
});

describe('merchant notify URLs from the CLI', () => {
  it('merchant create --notify-url sets it, merchant update changes and clears it, bad URLs are refused', async () => {
    const p = await platform(IDLE);
    const created = await cliJson<{ mchId: string; notifyUrl: string | null }>([
      'merchant', 'create', '--name', 'Canteen', '--notify-url', receiver.url, '--db', p.config.database,
    ]);
    expect(created.notifyUrl).toBe(receiver.url);
    expect((await p.store.findMerchant(created.mchId))!.notifyUrl).toBe(receiver.url);

    const renamed = await cliJson<{ name: string; notifyUrl: string | null }>([
      'merchant', 'update', created.mchId, '--name', 'Canteen 2', '--notify-url', 'https://pos.example/notify', '--db', p.config.database,
    ]);
    expect(renamed).toMatchObject({ name: 'Canteen 2', notifyUrl: 'https://pos.example/notify' });
    const cleared = await cliJson<{ notifyUrl: string | null }>(['merchant', 'update', created.mchId, '--notify-url', '', '--db', p.config.database]);
    expect(cleared.notifyUrl).toBeNull();
    expect((await p.store.findMerchant(created.mchId))!.notifyUrl).toBeNull();

    const bad = await runCli(['merchant', 'update', created.mchId, '--notify-url', 'ftp://x', '--db', p.config.database]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('--notify-url');
    expect((await runCli(['merchant', 'update', '999999999', '--name', 'x', '--db', p.config.database])).code).toBe(1);
  });
});

describe('notification rules', () => {
  it('acknowledged only by HTTP 2xx with {"code":0} or "success"', () => {
    expect(isAcknowledged(200, '{"code":0,"msg":"success"}')).toBe(true);
    expect(isAcknowledged(204, ' success\n')).toBe(true);
    expect(isAcknowledged(200, '{"code":"0"}')).toBe(true);
    expect(isAcknowledged(200, '{"code":1}')).toBe(false);
    expect(isAcknowledged(200, '<html>ok</html>')).toBe(false);
    expect(isAcknowledged(200, '')).toBe(false);
    expect(isAcknowledged(500, '{"code":0}')).toBe(false);
    expect(isAcknowledged(302, 'success')).toBe(false);
  });

  it('retries after each wait of the schedule, then gives up', () => {
    expect(nextAttemptAtMs([15, 30], 1, 1_000)).toBe(16_000);
    expect(nextAttemptAtMs([15, 30], 2, 1_000)).toBe(31_000);
    expect(nextAttemptAtMs([15, 30], 3, 1_000)).toBeNull();
  });

  it('signs the whole flat body, so the receiver checks it with the API\'s own rule', () => {
    const body = notificationBody({ notificationId: 'n-1', eventType: 'PAID' }, { amount: '1.00', timestamp: '1', secureHash: 'old' }, 'K');
    expect(Object.keys(body)).toEqual(['notificationId', 'eventType', 'amount', 'timestamp', 'secureHash']);
    expect(verify(body as SignableParams, 'K')).toBe(true);
  });

  it('the default schedule spans about 24 hours, and a bad schedule stops the start naming it', () => {
    const total = loadConfig({}, {}).notifyRetryScheduleS.reduce((a, b) => a + b, 0);
    expect(total).toBeGreaterThan(23 * 3600);
    expect(total).toBeLessThan(25 * 3600);
    expect(loadConfig({}, { MICROPAY_NOTIFY_RETRY_SCHEDULE_S: '1, 2,3' }).notifyRetryScheduleS).toEqual([1, 2, 3]);
    for (const bad of ['1,,2', 'soon', '1.5', '-1', '999999999']) {
      expect(() => loadConfig({}, { MICROPAY_NOTIFY_RETRY_SCHEDULE_S: bad })).toThrow(/MICROPAY_NOTIFY_RETRY_SCHEDULE_S/);
    }
    expect(() => loadConfig({}, { MICROPAY_NOTIFY_TIMEOUT_MS: '10' })).toThrow(ConfigError);
    expect(() => loadConfig({}, { MICROPAY_NOTIFY_INTERVAL_MS: 'x' })).toThrow(/MICROPAY_NOTIFY_INTERVAL_MS/);
  });
});

// A notify URL is the merchant's to set: the platform posts only to public addresses, and to the
// private networks the operator names (notify/destinations.ts).
describe('where notifications may go', () => {
  const worker = (p: TestPlatform) => new NotificationWorker({
    store: p.store, clock: { nowMs: () => Date.now() }, logger: createLogger('error', () => {}),
    timeZone: p.config.timeZone, timeoutMs: 2_000, retryScheduleS: [0], destinations: new NotifyDestinations(p.config.notifyPrivateNetworks),
  });

  it('refuses a receiver on loopback, by address or by a name that resolves there, unless the operator allows it', async () => {
    const p = await platform({ ...IDLE, MICROPAY_NOTIFY_PRIVATE_NETWORKS: 'none' });
    const port = new URL(receiver.url).port;
    const urls = [receiver.url, `http://localhost:${port}/notify`, `http://[::ffff:127.0.0.1]:${port}/notify`];
    for (const url of urls) expect((await pay(p, await merchantWithUrl(p, url))).code).toBe(0);
    expect(await worker(p).runOnce()).toBe(urls.length);
    const tried = await p.store.listNotifications({ limit: 10 });
    expect(tried.map((n) => n.attempts)).toEqual(urls.map(() => 1));
    for (const n of tried) {
      expect(n.lastError).toMatch(/^the receiver's address (127\.0\.0\.1|::1|::ffff:7f00:1) is private \(loopback or a local network\); the operator allows such networks with MICROPAY_NOTIFY_PRIVATE_NETWORKS$/);
    }
    expect(receiver.receipts).toHaveLength(0);
  });

  it('never posts to a link-local address, such as a cloud metadata service, even in an allowed network', async () => {
    const p = await platform({ ...IDLE, MICROPAY_NOTIFY_PRIVATE_NETWORKS: '169.254.0.0/16' });
    const m = await merchantWithUrl(p, 'http://169.254.169.254/latest/meta-data/');
    await pay(p, m);
    expect(await worker(p).runOnce()).toBe(1);
    expect((await onlyNotification(p.store))!.lastError).toBe("the receiver's address 169.254.169.254 is link-local, multicast or reserved: never a notification receiver");
  });

  it('delivers to loopback once the operator allows it', async () => {
    const p = await platform({ ...IDLE, MICROPAY_NOTIFY_PRIVATE_NETWORKS: '127.0.0.1/32' });
    await pay(p, await merchantWithUrl(p, receiver.url));
    expect(await worker(p).runOnce()).toBe(1);
    expect(await onlyNotification(p.store)).toMatchObject({ status: 'delivered', lastError: null });
    expect(receiver.receipts).toHaveLength(1);
  });
});

describe("a notification's own order or refund number", () => {
  const row = (eventType: Notification['eventType'], payload: string): Notification => ({
    notificationId: 'n', mchId: '202611001', eventType, subjectId: 's', url: 'http://x.example/', payload,
    status: 'dead', attempts: 1, nextAttemptAtMs: 0, lastError: null, createdAtMs: 0, deliveredAtMs: null,
  });

  it("is the order's mchOrderId or the refund's mchRefundId from the snapshot; none for a TEST or a broken row", () => {
    expect(merchantReferenceOf(row('PAID', '{"mchOrderId":"A-1"}'))).toEqual({ merchantOrderId: 'A-1', merchantRefundId: null });
    expect(merchantReferenceOf(row('REFUND_FAILED', '{"mchRefundId":"R-1","mchOrderId":"A-1"}'))).toEqual({ merchantOrderId: null, merchantRefundId: 'R-1' });
    for (const [event, payload] of [['TEST', '{"requestedAtMs":1}'], ['PAID', 'not json'], ['PAID', 'null'], ['REFUNDED', '{"mchRefundId":7}']] as const) {
      expect(merchantReferenceOf(row(event, payload)), `${event} ${payload}`).toEqual({ merchantOrderId: null, merchantRefundId: null });
    }
  });
});
