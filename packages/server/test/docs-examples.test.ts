import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { connect, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { Secret, sign } from '@micropay/protocol';
import { systemClock } from '../src/domain/clock.js';
import { newApiKey } from '../src/domain/ids.js';
import type { Notification, NotificationStatus } from '../src/domain/notification.js';
import { silentLogger } from '../src/log.js';
import { NotificationWorker } from '../src/notify/worker.js';
import type { Store } from '../src/store/store.js';
import { docBlock } from './doc-blocks.js';
import {
  createWalletWithCode,
  micropayParams,
  postSigned,
  startTestPlatform,
  type TestMerchant,
  type TestPlatform,
} from './helpers.js';
import { cleanEnv, runCli, stopAllChildren } from './process-helpers.js';

/**
 * The docs' runnable examples, run as they stand in the docs (blocks found by their
 * `<!-- test: NAME -->` markers, see doc-blocks.ts), so they cannot rot:
 * - notifications.md: the receiver, as a real process fed real notifications and hostile bodies;
 *   the error texts `notifications list` shows; what a delivered notification shows;
 */

const platforms: TestPlatform[] = [];
const servers: Server[] = [];
const children: ChildProcess[] = [];
const dirs: string[] = [];

afterEach(async () => {
  for (const child of children.splice(0)) child.kill('SIGKILL');
  for (const s of servers.splice(0)) {
    s.closeAllConnections();
    await new Promise((resolve) => s.close(resolve));
  }
  await Promise.all(platforms.splice(0).map((p) => p.stop()));
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});
afterAll(() => stopAllChildren());

async function platform(env: Record<string, string> = {}): Promise<TestPlatform> {
  const p = await startTestPlatform(env);
  platforms.push(p);
  return p;
}

function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'micropay-docs-'));
  dirs.push(dir);
  return dir;
}

async function waitFor<T>(what: string, probe: () => Promise<T | null | undefined>, timeoutMs = 10_000): Promise<T> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== null && value !== undefined) return value;
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

async function notificationsOf(store: Store, mchId: string, status?: NotificationStatus): Promise<Notification[]> {
  return store.listNotifications({ mchId, status, limit: 100 });
}

async function merchantWithUrl(p: TestPlatform, notifyUrl: string, key = newApiKey()): Promise<TestMerchant> {
  const m = await p.store.createMerchant({ name: 'LPR Parking System', apiKey: new Secret(key), notifyUrl });
  return { mchId: m.mchId, key, name: m.name };
}

async function pay(p: TestPlatform, m: TestMerchant, mchOrderId: string, amount = '1.00'): Promise<void> {
  const w = await createWalletWithCode(p, 100_00);
  const answer = await postSigned(p.url, 'micropay', micropayParams(m, mchOrderId, amount, w.payCode), m.key);
  expect(answer.body.code).toBe(0);
}

/** A local HTTP server answering every request with `answer` (`null`: never answers); `received` gets each body. */
async function localServer(answer: { status: number; body: string } | null, received: (body: string) => void = () => {}): Promise<string> {
  const server = createServer((req, res) => {
    let body = '';
    req.setEncoding('utf8').on('data', (s: string) => (body += s));
    req.on('end', () => {
      received(body);
      if (answer !== null) res.writeHead(answer.status).end(answer.body);
    });
  });
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}/notify`;
}

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

// ---------------------------------------------------------------------------------------------
// notifications.md

/** notifications.md's receiver, started as the doc says: `MICROPAY_KEY=... PORT=... node receiver.mjs`. */
async function startDocReceiver(key: string) {
  const file = join(tempDir(), 'receiver.mjs');
  writeFileSync(file, docBlock('notifications.md', 'notification-receiver'));
  const port = await freePort();
  const child = spawn(process.execPath, [file], { env: cleanEnv({ MICROPAY_KEY: key, PORT: String(port) }), stdio: ['ignore', 'pipe', 'pipe'] });
  children.push(child);
  let stdout = '';
  let stderr = '';
  child.stdout!.setEncoding('utf8').on('data', (s: string) => (stdout += s));
  child.stderr!.setEncoding('utf8').on('data', (s: string) => (stderr += s));
  const url = `http://127.0.0.1:${port}/notify`;
  // A TCP connection, not a request: whatever the receiver does with requests is what is tested.
  const accepts = () =>
    new Promise<true | null>((resolve) => {
      const socket = connect(port, '127.0.0.1', () => {
        socket.destroy();
        resolve(true);
      }).on('error', () => resolve(null));
    });
  await waitFor('the receiver to listen', accepts);
  const post = async (body: string | Uint8Array) => {
    try {
      const res = await fetch(url, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body });
      return { status: res.status, text: await res.text() };
    } catch (error) {
      await new Promise((r) => setTimeout(r, 100));
      throw new Error(`no answer from the receiver (exit code ${child.exitCode}): ${stderr}`, { cause: error });
    }
  };
  return { url, port, child, post, stdout: () => stdout, stderr: () => stderr };
}

/** Sends `body` over a raw socket in two writes, split at byte `cut`, and returns the status line. */
function postInTwoPackets(port: number, body: Buffer, cut: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1', () => {
      socket.write(`POST /notify HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: ${body.length}\r\nConnection: close\r\n\r\n`);
      socket.write(body.subarray(0, cut));
      setTimeout(() => socket.write(body.subarray(cut)), 100);
    });
    let answer = '';
    socket.setEncoding('utf8').on('data', (s: string) => (answer += s));
    socket.on('end', () => resolve(answer.split('\r\n')[0]!));
    socket.on('error', reject);
  });
}

/** Sends half a body and goes away, as a sender that crashes or times out mid-request. */
function abortMidBody(port: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1', () => {
      socket.write('POST /notify HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: 500\r\n\r\n{"notificationId":');
      setTimeout(() => {
        socket.destroy();
        resolve();
      }, 100);
    });
    socket.on('error', reject);
  });
}

/** A notification-shaped body signed with the documented rule (protocol's sign). */
function signedNotification(key: string, fields: Record<string, string>): Record<string, string> {
  const body: Record<string, string> = { eventType: 'PAID', amount: '1.00', timestamp: String(Date.now()), ...fields };
  return { ...body, secureHash: sign(body, key) };
}

describe('docs/notifications.md', () => {
  it('the receiver logs and acknowledges real notifications, refuses bad bodies as documented, and stays alive', async () => {
    const key = newApiKey();
    const receiver = await startDocReceiver(key);
    const p = await platform({ MICROPAY_NOTIFY_INTERVAL_MS: '50', MICROPAY_NOTIFY_RETRY_SCHEDULE_S: '1,1,1' });
    const m = await merchantWithUrl(p, receiver.url, key);

    await pay(p, m, 'doc-rcv-1');
    const paid = await waitFor('the PAID notification to be delivered', async () => (await notificationsOf(p.store, m.mchId, 'delivered'))[0]);
    expect(paid).toMatchObject({ eventType: 'PAID', attempts: 1, lastError: null });
    expect(receiver.stdout()).toBe('PAID doc-rcv-1 1.00\n');

    // Bodies that are not a JSON object: 400, whatever their shape.
    for (const garbage of ['not json', '', '[1,2]', 'null', '"PAID"', '{"eventType":', '\u00ff\u00fe']) {
      expect(await receiver.post(garbage), garbage).toEqual({ status: 400, text: 'not a JSON object' });
    }
    // Objects that do not verify: 401.
    const good = signedNotification(key, { notificationId: 'n-forged', merchantOrderId: 'doc-rcv-x' });
    const forged = [
      { ...good, amount: '1000.00' },
      { ...good, secureHash: good.secureHash!.slice(0, 63) },
      { ...good, secureHash: 'Z'.repeat(64) },
      { ...good, secureHash: [good.secureHash] },
      { ...good, secureHash: null },
      signedNotification(newApiKey(), { notificationId: 'n-other-key', merchantOrderId: 'doc-rcv-x' }),
      {},
    ];
    for (const body of forged) expect(await receiver.post(JSON.stringify(body)), JSON.stringify(body)).toEqual({ status: 401, text: 'bad signature' });
    expect(await receiver.post('x'.repeat(70_000))).toEqual({ status: 413, text: 'too large' });
    await abortMidBody(receiver.port);
    await waitFor('the aborted request to be reported', async () => (receiver.stderr().includes('notification not read: aborted') ? true : null));

    // A repeat of a delivered notification is acknowledged again and not handled twice.
    const repeat = signedNotification(key, { notificationId: paid.notificationId, merchantOrderId: 'doc-rcv-1' });
    expect(await receiver.post(JSON.stringify(repeat))).toEqual({ status: 200, text: '{"code":0}' });
    // A body whose multi-byte character arrives split over two packets still verifies.
    const split = Buffer.from(JSON.stringify(signedNotification(key, { notificationId: 'n-split', merchantOrderId: 'doc-rcv-2', goodsInfo: 'Nasi lemak 🍗' })));
    expect(await postInTwoPackets(receiver.port, split, split.indexOf(Buffer.from('🍗')) + 2)).toBe('HTTP/1.1 200 OK');

    // Still alive: the next real notification, a refund, is delivered and logged.
    const refund = await postSigned(p.url, 'refund', { mchId: m.mchId, mchOrderId: 'doc-rcv-1', mchRefundId: 'doc-rcv-r1', refundAmount: '0.40' }, key);
    expect(refund.body.code).toBe(0);
    await waitFor('the REFUNDED notification to be delivered', async () => (await notificationsOf(p.store, m.mchId, 'delivered')).find((n) => n.eventType === 'REFUNDED'));
    expect(receiver.child.exitCode).toBeNull();
    expect(receiver.stdout()).toBe('PAID doc-rcv-1 1.00\nPAID doc-rcv-2 1.00\nREFUNDED doc-rcv-1 0.40\n');
    expect(receiver.stderr()).toBe('notification not read: aborted\n');
  });

  it('the error texts it lists are the ones `notifications list` shows, for the default timeout', async () => {
    const documented = docBlock('notifications.md', 'notification-errors').trimEnd().split('\n');
    // The platform's own worker runs once at start and then not for ten minutes; the worker below
    // makes exactly one attempt of each notification, with the platform's (default) timeout.
    const p = await platform({ MICROPAY_NOTIFY_INTERVAL_MS: '600000' });
    const closedPort = await freePort();
    const urls = [
      await localServer({ status: 500, body: '{"code":1}' }),
      await localServer(null),
      `http://127.0.0.1:${closedPort}/notify`,
      await localServer({ status: 200, body: '<html>OK</html>' }),
    ];
    for (const [i, url] of urls.entries()) await pay(p, await merchantWithUrl(p, url), `doc-err-${i}`);
    const worker = new NotificationWorker({
      store: p.store,
      clock: systemClock,
      logger: silentLogger,
      timeZone: p.config.timeZone,
      timeoutMs: p.config.notifyTimeoutMs,
      retryScheduleS: [600],
    });
    expect(await worker.runOnce()).toBe(4);
    const listed = await p.store.listNotifications({ status: 'pending', limit: 10 });
    const errors = [...listed].sort((a, b) => a.mchId.localeCompare(b.mchId)).map((n) => n.lastError);
    expect(errors).toEqual(documented);
  });

  it('a notification that failed once and then was delivered shows no last error (store and CLI)', async () => {
    let posts = 0;
    const server = createServer((req, res) => {
      req.resume();
      req.on('end', () => (++posts === 1 ? res.writeHead(500).end() : res.writeHead(200).end('{"code":0}')));
    });
    servers.push(server);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const p = await platform({ MICROPAY_NOTIFY_INTERVAL_MS: '50', MICROPAY_NOTIFY_RETRY_SCHEDULE_S: '1' });
    const m = await merchantWithUrl(p, `http://127.0.0.1:${(server.address() as AddressInfo).port}/notify`);
    await pay(p, m, 'doc-stale-1');

    const failed = await waitFor('the failed attempt', async () => (await notificationsOf(p.store, m.mchId, 'pending')).find((n) => n.lastError !== null));
    expect(failed.lastError).toBe('HTTP 500');
    const delivered = await waitFor('the delivery', async () => (await notificationsOf(p.store, m.mchId, 'delivered'))[0]);
    expect(delivered).toMatchObject({ attempts: 2, lastError: null });

    const json = await runCli(['notifications', 'list', '--mch-id', m.mchId, '--db', p.config.database, '--json']);
    expect(json.code).toBe(0);
    expect((JSON.parse(json.stdout) as { notifications: { status: string; lastError: unknown }[] }).notifications).toEqual([
      expect.objectContaining({ status: 'delivered', lastError: null }),
    ]);
    const text = await runCli(['notifications', 'list', '--mch-id', m.mchId, '--db', p.config.database]);
    expect(text.stdout).toContain(`${delivered.notificationId}  delivered`);
    expect(text.stdout).not.toContain('last error');
  });

  it('the example notification has the fields, in the order, of a real one', async () => {
    const documented = JSON.parse(docBlock('notifications.md', 'notification-example')) as Record<string, unknown>;
    const bodies: Record<string, unknown>[] = [];
    const url = await localServer({ status: 200, body: '{"code":0}' }, (body) => bodies.push(JSON.parse(body) as Record<string, unknown>));
    const p = await platform({ MICROPAY_NOTIFY_INTERVAL_MS: '50' });
    await pay(p, await merchantWithUrl(p, url), 'doc-shape-1');
    const body = await waitFor('the notification', async () => bodies[0]);
    expect(Object.keys(documented)).toEqual(Object.keys(body));
    expect(documented.eventType).toBe(body.eventType);
  });
});
