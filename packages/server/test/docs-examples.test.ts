import { spawn, type ChildProcess } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { connect, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { Secret, sign, signatureBase, verify, type SignableParams } from '@micropay/protocol';
import { systemClock } from '../src/domain/clock.js';
import { loadConfig } from '../src/config.js';
import { newApiKey } from '../src/domain/ids.js';
import type { Notification, NotificationStatus } from '../src/domain/notification.js';
import { silentLogger } from '../src/log.js';
import { NotifyDestinations } from '../src/notify/destinations.js';
import { NotificationWorker } from '../src/notify/worker.js';
import type { Store } from '../src/store/store.js';
import { SQLITE_MIGRATIONS } from '../src/store/sqlite/migrations.js';
import { docBlock, fencedBlocks, readDoc } from './doc-blocks.js';
import { execute } from './db-access.js';
import {
  createWalletWithCode,
  ManualClock,
  micropayParams,
  postRaw,
  postSigned,
  startTestPlatform,
  type TestMerchant,
  type TestPlatform,
} from './helpers.js';
import { cleanEnv, freePort, runCli, stopAllChildren } from './process-helpers.js';

/**
 * The docs' runnable examples, run as they stand in the docs (blocks found by their
 * `<!-- test: NAME -->` markers, see doc-blocks.ts), so they cannot rot:
 * - notifications.md: the receiver, as a real process fed real notifications and hostile bodies;
 *   the error texts `notifications list` shows; what a delivered notification shows;
 * - api.md: every documented request replayed byte for byte, by the documented curl command,
 *   against a real platform (docs-replay in the second half of this file);
 * - every documented secureHash and signed string verifies with the documented key.
 */

const SPEC_KEY = 'P8yAFr213xcvb41xfgkjELoOhWl';

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

/** Output of another process arrives a moment after what it caused: wait for it, then compare. */
async function expectOutput(read: () => string, expected: string): Promise<void> {
  await waitFor('the output', async () => (read() === expected ? true : null), 5_000).catch(() => undefined);
  expect(read()).toBe(expected);
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

describe('docs/cli.md: the migrate sample', () => {
  it('lists every SQLite migration, by version and name, and the schema version is the last', () => {
    const [command, header, ...rows] = docBlock('cli.md', 'migrate-sample').trimEnd().split('\n');
    expect(command).toBe('$ micropay migrate');
    expect(header).toBe(`The SQLite schema is at version ${SQLITE_MIGRATIONS.length}: nothing to apply. Applied:`);
    expect(rows.map((r) => /^ +(\d+) +\S+ \S+ \S+ +(.+)$/.exec(r)?.slice(1))).toEqual(SQLITE_MIGRATIONS.map((m) => [String(m.version), m.name]));
  });
});

describe('docs/cli.md: the audit sample', () => {
  it("shows every check the audit prints, in its order: all of them on SQLite, and PostgreSQL's as many as it says", async () => {
    const [command, ...lines] = docBlock('cli.md', 'audit-sample').trimEnd().split('\n');
    expect(command).toBe('$ micropay audit');
    const p = await platform();
    const audit = await runCli(['audit', '--db', p.config.database]);
    expect(audit.code).toBe(0);
    const printed = audit.stdout.trimEnd().split('\n');
    const checks = printed.slice(0, -1);
    for (const last of [printed.at(-1), lines.at(-1)]) expect(last).toMatch(/^Audit clean: \d+ journal entries, \d+ postings, \d+ orders\.$/);
    if (p.store.kind === 'sqlite') return expect(lines.slice(0, -1)).toEqual(checks);
    // PostgreSQL's are the first ones, without the SQLite store's own.
    expect(lines.slice(0, checks.length)).toEqual(checks);
    expect(readDoc('cli.md')).toContain(`PostgreSQL\nprints the ${checks.length} above it.`);
  });
});

describe('docs/notifications.md', () => {
  it('the receiver logs and acknowledges real notifications, refuses bad bodies as documented, and stays alive', async () => {
    const key = newApiKey();
    const receiver = await startDocReceiver(key);
    const p = await platform({ MICROPAY_NOTIFY_INTERVAL_MS: '50', MICROPAY_NOTIFY_RETRY_SCHEDULE_S: '1,1,1' });
    const m = await merchantWithUrl(p, receiver.url, key);

    await pay(p, m, 'doc-rcv-1');
    const paid = await waitFor('the PAID notification to be delivered', async () => (await notificationsOf(p.store, m.mchId, 'delivered'))[0]);
    expect(paid).toMatchObject({ eventType: 'PAID', attempts: 1, lastError: null });
    await expectOutput(receiver.stdout, 'PAID doc-rcv-1 1.00\n');

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
    // A test notification (the console's "send a test"): no order to name.
    expect((await p.store.sendTestNotification(m.mchId)).kind).toBe('queued');
    await waitFor('the TEST notification to be delivered', async () => (await notificationsOf(p.store, m.mchId, 'delivered')).find((n) => n.eventType === 'TEST'));
    expect(receiver.child.exitCode).toBeNull();
    await expectOutput(receiver.stdout, 'PAID doc-rcv-1 1.00\nPAID doc-rcv-2 1.00\nREFUNDED doc-rcv-1 0.40\nTEST (no order)\n');
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
      'http://127.0.0.1:9/notify',
    ];
    for (const [i, url] of urls.entries()) await pay(p, await merchantWithUrl(p, url), `doc-err-${i}`);
    const worker = new NotificationWorker({
      store: p.store,
      clock: systemClock,
      logger: silentLogger,
      timeZone: p.config.timeZone,
      timeoutMs: p.config.notifyTimeoutMs,
      retryScheduleS: [600],
      destinations: new NotifyDestinations(p.config.notifyPrivateNetworks),
    });
    expect(await worker.runOnce()).toBe(5);
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

  it('the example TEST notification has the fields, in the order, of a real one, and its time in the wire format', async () => {
    const documented = JSON.parse(docBlock('notifications.md', 'notification-test-example')) as Record<string, unknown>;
    const bodies: Record<string, unknown>[] = [];
    const url = await localServer({ status: 200, body: '{"code":0}' }, (body) => bodies.push(JSON.parse(body) as Record<string, unknown>));
    const p = await platform({ MICROPAY_NOTIFY_INTERVAL_MS: '50' });
    const m = await merchantWithUrl(p, url);
    expect((await p.store.sendTestNotification(m.mchId)).kind).toBe('queued');
    const body = await waitFor('the test notification', async () => bodies[0]);
    expect(Object.keys(documented)).toEqual(Object.keys(body));
    expect(body.eventType).toBe('TEST');
    expect(documented.eventType).toBe('TEST');
    expect(String(body.testTime)).toMatch(/^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d$/);
  });
});

// ---------------------------------------------------------------------------------------------
// Signed examples in api.md and notifications.md

/** `name=value, name=value` pairs of a signing vector's `parameters` (may span lines); `""` is empty. */
function vectorParameters(text: string): Record<string, string> {
  const params: Record<string, string> = {};
  for (const pair of text.split(/,\s*/)) {
    const [name, value] = pair.trim().split('=') as [string, string];
    params[name] = value === '""' ? '' : value;
  }
  return params;
}

/** A vector block's labelled fields (`parameters`, `key`, `string`, `secureHash`, ...). */
function vectorFields(block: string): Record<string, string> {
  const fields: Record<string, string> = {};
  let last = '';
  for (const line of block.trimEnd().split('\n')) {
    const m = /^(\w+)\s+(.*)$/.exec(line);
    if (m !== null && !line.startsWith(' ')) fields[(last = m[1]!)] = m[2]!;
    else fields[last] += ' ' + line.trim();
  }
  return fields;
}

/**
 * Every JSON object in the doc's json blocks; a block may hold one object, or one per line. A
 * skeleton with `...` in it (the envelope's shape) is not an example and is left out.
 */
function documentedObjects(doc: string): Record<string, unknown>[] {
  return fencedBlocks(doc, 'json').flatMap((block) => {
    if (block.includes('...')) return [];
    try {
      return [JSON.parse(block) as Record<string, unknown>];
    } catch {
      return block
        .split('\n')
        .filter((line) => line.startsWith('{') && line.endsWith('}'))
        .map((line) => JSON.parse(line) as Record<string, unknown>);
    }
  });
}

describe('signed examples', () => {
  for (const docName of ['api.md', 'notifications.md']) {
    it(`every secureHash and signed string in ${docName} verifies with the documented key`, () => {
      const doc = readDoc(docName);
      expect(doc).toContain(SPEC_KEY);
      const verified = new Set<string>();
      const signedBodies: SignableParams[] = [];
      for (const object of documentedObjects(doc)) {
        const signed = (object.data ?? object) as SignableParams;
        if (typeof signed.secureHash !== 'string') continue;
        expect(verify(signed, SPEC_KEY), JSON.stringify(signed)).toBe(true);
        verified.add(signed.secureHash.toUpperCase());
        signedBodies.push(signed);
      }
      for (const block of fencedBlocks(doc, '')) {
        const text = block.trimEnd();
        if (/^string\s/m.test(text)) {
          // A signing vector: parameters → string → secureHash.
          const v = vectorFields(text);
          expect(v.key ?? SPEC_KEY).toBe(SPEC_KEY);
          expect(signatureBase(vectorParameters(v.parameters!), SPEC_KEY)).toBe(v.string);
          expect(createHash('sha256').update(v.string!, 'utf8').digest('hex').toUpperCase()).toBe(v.secureHash);
          verified.add(v.secureHash!);
        } else if (!text.includes('\n') && text.endsWith(`|${SPEC_KEY}`)) {
          // A signed string shown for a documented body: it is that body's.
          expect(signedBodies.map((b) => signatureBase(b, SPEC_KEY)), text).toContain(text);
        }
      }
      if (docName === 'api.md') {
        // The hash a client gets when it drops the empty discount and point, named in the prose.
        const request = JSON.parse(docBlock('api.md', 'api-micropay-paid-request')) as Record<string, string>;
        const { discount: _d, point: _p, ...withoutEmpty } = request;
        const dropped = sign(withoutEmpty, SPEC_KEY);
        expect(doc).toContain(dropped);
        verified.add(dropped);
      }
      // Nothing that looks like a hash is left unchecked.
      const hashes = new Set(doc.match(/\b[0-9A-Fa-f]{64}\b/g)!.map((h) => h.toUpperCase()));
      expect([...hashes].filter((h) => !verified.has(h))).toEqual([]);
    });
  }
});

// ---------------------------------------------------------------------------------------------
// api.md's examples, replayed byte for byte

/** The words of a documented shell command: plain words and '…'-quoted ones, as sh splits these. */
function shellWords(command: string): string[] {
  return [...command.trim().matchAll(/'([^']*)'|(\S+)/g)].map((m) => m[1] ?? m[2]!);
}

interface HttpAnswer {
  readonly status: number;
  readonly headers: Record<string, string>;
  readonly body: string;
}

const curlInstalled = await new Promise<boolean>((resolve) => {
  const child = spawn('curl', ['--version'], { stdio: 'ignore' });
  child.on('error', () => resolve(false));
  child.on('exit', (code) => resolve(code === 0));
});

/**
 * Sends a documented request body the way api.md says to: its curl command, with the URL pointed
 * at this platform's endpoint and `@request.json` at a file holding the block's exact bytes. On a
 * machine without curl the same bytes and headers go by fetch.
 */
async function sendAsDocumented(baseUrl: string, endpoint: string, body: string, extraHeader?: string): Promise<HttpAnswer> {
  const words = shellWords(docBlock('api.md', 'api-curl'));
  const url = words.indexOf('http://127.0.0.1:8080/api/micropay/micropay');
  const file = words.indexOf('@request.json');
  expect([words[0], url > 0, file > 0]).toEqual(['curl', true, true]);
  const path = join(tempDir(), 'request.json');
  writeFileSync(path, body);
  words[url] = `${baseUrl}/api/micropay/${endpoint}`;
  words[file] = `@${path}`;
  if (extraHeader !== undefined) words.push('-H', extraHeader);
  if (!curlInstalled) return fetchLikeCurl(words);
  const output = await new Promise<string>((resolve, reject) => {
    const child = spawn('curl', words.slice(1), { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    child.stdout.setEncoding('utf8').on('data', (s: string) => (out += s));
    child.on('error', reject);
    child.on('exit', (code) => (code === 0 ? resolve(out) : reject(new Error(`curl exited ${code}`))));
  });
  // `-i`: the status line and headers, a blank line, then the answer's bytes.
  const split = output.indexOf('\r\n\r\n');
  const [statusLine, ...headerLines] = output.slice(0, split).split('\r\n');
  const headers = Object.fromEntries(headerLines.map((h) => [h.slice(0, h.indexOf(':')).toLowerCase(), h.slice(h.indexOf(':') + 1).trim()]));
  return { status: Number(statusLine!.split(' ')[1]), headers, body: output.slice(split + 4) };
}

async function fetchLikeCurl(words: string[]): Promise<HttpAnswer> {
  const headers: Record<string, string> = {};
  words.forEach((w, i) => {
    if (w === '-H') headers[words[i + 1]!.split(':')[0]!] = words[i + 1]!.split(':').slice(1).join(':').trim();
  });
  const res = await fetch(words.find((w) => w.startsWith('http'))!, {
    method: 'POST',
    headers,
    body: readFileSync(words.find((w) => w.startsWith('@'))!.slice(1)),
  });
  return { status: res.status, headers: Object.fromEntries(res.headers), body: await res.text() };
}

/** Documented ids (wavpayOrderId, refundId) by the platform's: equal up to the counter's last 7 digits. */
class IdMap {
  readonly #pairs = new Map<string, string>();

  learn(actual: unknown, documented: unknown): void {
    if (typeof documented !== 'string' || [...this.#pairs.values()].includes(documented)) return;
    expect(actual).toMatch(/^[45][0-9]{21}$/);
    // The kind digit and the creation time, yyyyMMddHHmmss, are exact.
    expect((actual as string).slice(0, 15)).toBe(documented.slice(0, 15));
    this.#pairs.set(actual as string, documented);
  }

  apply(text: string): string {
    for (const [actual, documented] of this.#pairs) text = text.replaceAll(actual, documented);
    return text;
  }
}

/**
 * The platform's answer is the documented one: the same bytes (the doc's JSON, compacted) once
 * the platform's ids are replaced by the documented ones and the signature is made again over
 * them. The platform's own signature must verify first.
 */
function expectDocumentedAnswer(answer: HttpAnswer, answerBlock: string, ids: IdMap): void {
  const documented = JSON.parse(docBlock('api.md', answerBlock)) as { data: Record<string, string> | null };
  const actual = JSON.parse(answer.body) as { data: Record<string, string> | null };
  expect(answer.status).toBe(200);
  expect(answer.headers['content-type']).toBe('application/json; charset=utf-8');
  let bytes = answer.body;
  if (actual.data !== null && documented.data !== null) {
    expect(verify(actual.data, SPEC_KEY)).toBe(true);
    ids.learn(actual.data.wavpayOrderId, documented.data.wavpayOrderId);
    ids.learn(actual.data.refundId, documented.data.refundId);
    const data = (JSON.parse(ids.apply(answer.body)) as { data: Record<string, string> }).data;
    bytes = ids.apply(answer.body).replace(actual.data.secureHash!, sign(data, SPEC_KEY));
  }
  expect(bytes).toBe(JSON.stringify(documented));
}

/** A payment code of the wallet with the documented value: issued as usual, then renamed. */
async function issueCodeAs(p: TestPlatform, walletId: string, code: string | null): Promise<string> {
  const issued = await p.store.issuePayCode(walletId, p.config.payCodeTtlS * 1000);
  if (typeof issued === 'string') throw new Error(issued);
  if (code === null) return issued.code;
  await execute(p.store, 'UPDATE pay_codes SET code = ? WHERE code = ?', [code, issued.code]);
  if (p.store.kind === 'sqlite') await execute(p.store, 'UPDATE wallets SET active_code = ? WHERE wallet_id = ?', [code, walletId]);
  return code;
}

const documentedRequest = (name: string) => JSON.parse(docBlock('api.md', name)) as Record<string, string>;
const answerTimestamp = (name: string) => Number((JSON.parse(docBlock('api.md', name)) as { data: { timestamp: string } }).data.timestamp);

describe('docs/api.md: the examples, replayed against a platform at the documented times', () => {
  // 2022-03-08 17:54:50 in Kuala Lumpur, a few seconds before the first example.
  const clock = new ManualClock(Date.UTC(2022, 2, 8, 9, 54, 50));
  const ids = new IdMap();
  let p: TestPlatform;
  let walletId: string;
  const send = (endpoint: string, block: string, header?: string) => sendAsDocumented(p.url, endpoint, docBlock('api.md', block), header);
  /** An undocumented request of the story, signed at the clock's time. */
  const signed = (endpoint: string, params: Record<string, string>) =>
    postSigned(p.url, endpoint, { mchId: '202006001', ...params, timestamp: String(clock.now) }, SPEC_KEY);

  beforeAll(async () => {
    p = await startTestPlatform({}, clock, { sandbox: true });
    // Merchant 202006001 imported with the spec's key, as the docs' examples assume.
    await p.store.createMerchant({ name: 'LPR Parking System', apiKey: new Secret(SPEC_KEY), mchId: '202006001' });
    walletId = (await p.store.createWallet({ name: 'Alice', openingSen: 1000_00 })).walletId;
  });
  afterAll(async () => {
    await p?.stop();
  });

  it('micropay, paid; the same micropay again answers 1023 with the same order', async () => {
    await issueCodeAs(p, walletId, '395865319883277944');
    clock.now = answerTimestamp('api-micropay-paid-answer');
    const answer = await send('micropay', 'api-micropay-paid-request');
    expectDocumentedAnswer(answer, 'api-micropay-paid-answer', ids);

    clock.advance(5_000);
    const { secureHash: _h, timestamp: _t, ...params } = documentedRequest('api-micropay-paid-request');
    const again = await signed('micropay', params);
    expect([again.body.code, again.body.msg]).toEqual([1023, 'merchant order paid']);
    const { timestamp: _t1, secureHash: _h1, ...order } = JSON.parse(answer.body).data as Record<string, string>;
    expect(again.body.data).toMatchObject(order);
  });

  it('queryBill', async () => {
    clock.now = answerTimestamp('api-querybill-answer');
    expectDocumentedAnswer(await send('queryBill', 'api-querybill-request'), 'api-querybill-answer', ids);
  });

  it('micropay, insufficient balance', async () => {
    clock.now = Date.UTC(2022, 2, 8, 9, 55, 5);
    await issueCodeAs(p, walletId, '398201756640019283');
    clock.now = answerTimestamp('api-micropay-insufficient-answer');
    expectDocumentedAnswer(await send('micropay', 'api-micropay-insufficient-request'), 'api-micropay-insufficient-answer', ids);
  });

  it('the answers without an order, each for a request that causes it', async () => {
    clock.now = Date.UTC(2022, 2, 8, 9, 55, 20);
    const paid = documentedRequest('api-micropay-paid-request');
    const { secureHash: _h, timestamp: _t, ...paidParams } = paid;
    const answers = [
      await postRaw(p.url, '/api/micropay/micropay', { ...paid, mchOrderId: '333333333336' }),
      await postRaw(p.url, '/api/micropay/micropay', { ...paid, mchOrderId: '3333 3333' }),
      await signed('micropay', { ...paidParams, mchOrderId: '333333333336', amount: '1.001' }),
      await signed('micropay', { ...paidParams, mchOrderId: '333333333336' }),
      await signed('queryBill', { mchOrderId: '333333333399' }),
    ];
    const documented = docBlock('api.md', 'api-answers-without-order').trimEnd().split('\n');
    expect(answers.map((a) => [a.status, a.text])).toEqual(documented.map((line) => [200, JSON.stringify(JSON.parse(line))]));
  });

  it('closeBill of a PENDING order; closing the paid order answers 1023', async () => {
    clock.now = Date.UTC(2022, 2, 8, 9, 56, 2);
    const payCode = await issueCodeAs(p, walletId, null);
    const pending = await signed('micropay', { mchOrderId: '333333333335', amount: '300.00', goodsInfo: 'Monthly pass', discount: '', point: '', payCode });
    expect([pending.body.code, pending.body.data?.tradeStatus]).toEqual([1024, 'PENDING']);
    clock.now = answerTimestamp('api-closebill-answer');
    expectDocumentedAnswer(await send('closeBill', 'api-closebill-request'), 'api-closebill-answer', ids);

    const paidClose = await signed('closeBill', { mchOrderId: '333333333333', operation: 'CLOSE' });
    expect([paidClose.body.code, paidClose.body.data?.tradeStatus]).toEqual([1023, 'PAID']);
  });

  it('refund; a second refund of 0.61 answers 9006 naming the 0.60 left', async () => {
    clock.now = answerTimestamp('api-refund-answer');
    expectDocumentedAnswer(await send('refund', 'api-refund-request'), 'api-refund-answer', ids);
    const tooMuch = await signed('refund', { mchOrderId: '333333333333', mchRefundId: 'R333333333333-2', refundAmount: '0.61' });
    expect([tooMuch.body.code, tooMuch.body.msg]).toEqual([9006, 'refund amount exceeds the refundable amount: the refundable amount is 0.60']);
  });

  it('queryRefund', async () => {
    clock.now = answerTimestamp('api-queryrefund-answer');
    expectDocumentedAnswer(await send('queryRefund', 'api-queryrefund-request'), 'api-queryrefund-answer', ids);
  });

  it('queryOrderRefunds', async () => {
    clock.now = answerTimestamp('api-queryorderrefunds-answer');
    expectDocumentedAnswer(await send('queryOrderRefunds', 'api-queryorderrefunds-request'), 'api-queryorderrefunds-answer', ids);
  });

  it('downloadBill the next morning, and its CSV as shown decoded', async () => {
    clock.now = answerTimestamp('api-downloadbill-answer');
    const answer = await send('downloadBill', 'api-downloadbill-request');
    expectDocumentedAnswer(answer, 'api-downloadbill-answer', ids);
    const csv = (JSON.parse(ids.apply(answer.body)) as { data: { csv: string } }).data.csv;
    expect(csv.replaceAll('\r\n', '\n')).toBe(docBlock('api.md', 'api-downloadbill-csv'));
  });

  // The sandbox's rehearsed system error, shaped as a real one (its X-Error-Id: logs.test.ts).
  it('a system error (sandbox fault): HTTP 500 with the documented answer', async () => {
    clock.advance(60_000);
    await issueCodeAs(p, walletId, '395865319883277945');
    const { secureHash: _h, ...paid } = documentedRequest('api-micropay-paid-request');
    const params = { ...paid, mchOrderId: '333333333337', payCode: '395865319883277945', timestamp: String(clock.now) };
    const request = JSON.stringify({ ...params, secureHash: sign(params, SPEC_KEY) });
    const answer = await sendAsDocumented(p.url, 'micropay', request, 'X-MicroPay-Sandbox: system-error');
    expect(answer.status).toBe(500);
    expect(answer.body).toBe(JSON.stringify(JSON.parse(docBlock('api.md', 'api-system-error'))));
  });
});

describe('docs/operations.md: the SQLite service unit', () => {
  it('names only settings and flags serve takes, and they load as one configuration', () => {
    const unit = docBlock('operations.md', 'sqlite-systemd-unit');
    const env: Record<string, string> = {};
    for (const [, name, value] of unit.matchAll(/^Environment=([A-Z_]+)=(.*)$/gm)) env[name!] = value!;
    const exec = /^ExecStart=(\S+) serve (.*)$/m.exec(unit);
    expect(exec?.[1]).toBe('/srv/micropay/app/node_modules/.bin/micropay');
    const flags = Object.fromEntries([...exec![2]!.matchAll(/--([a-z-]+) (\S+)/g)].map(([, flag, value]) => [flag!, value!]));
    expect(Object.keys(flags).sort()).toEqual(['admin-port', 'host', 'port']);
    // The key file the unit names, made here: its contents are a key, as master-key generate writes one.
    const dir = mkdtempSync(join(tmpdir(), 'micropay-unit-'));
    try {
      writeFileSync(join(dir, 'master-key'), `${randomBytes(32).toString('base64')}\n`);
      const config = loadConfig(
        { host: flags.host, port: flags.port, adminPort: flags['admin-port'], db: undefined },
        { ...env, MICROPAY_MASTER_KEY_FILE: join(dir, 'master-key') },
      );
      expect([config.host, config.port, config.adminPort, config.database, config.timeZone, config.publicUrl]).toEqual(
        ['127.0.0.1', 8080, 9090, '/srv/micropay/data/micropay.db', 'Asia/Kuala_Lumpur', 'https://pay.example.edu']);
      expect(config.masterKey).not.toBeNull();
      // Every variable the unit sets is one the configuration reads (a misspelt one would be ignored).
      expect(Object.keys(env).filter((name) => name !== 'MICROPAY_MASTER_KEY_FILE' && !readFileSync(new URL('../src/config.ts', import.meta.url), 'utf8').includes(`'${name}'`))).toEqual([]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
