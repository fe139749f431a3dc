import { connect } from 'node:net';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SQLITE_MIGRATIONS } from '../src/store/sqlite/migrations.js';
import { deviceSignOutProof, Secret, sign, type Envelope, type OrderData } from '@micropay/protocol';
import { afterEach, describe, expect, it } from 'vitest';
import { loadConfig } from '../src/config.js';
import { hashPin, hashWalletToken, newWalletToken } from '../src/domain/credentials.js';
import { newApiKey } from '../src/domain/ids.js';
import { createLogger } from '../src/log.js';
import { startPlatform, type Platform } from '../src/platform.js';
import { as, pageCall, sessionOf } from './page-helpers.js';
import { postRaw, startTestPlatform, TEST_MASTER_KEY, TEST_STORE, type TestPlatform, testConfig } from './helpers.js';

/**
 * The log (pino, JSON lines): a request id in every line about a request and in its X-Request-Id
 * header; and no secret in any line, whatever goes wrong. The test runs payments, refunds, the
 * wallet API with its token and PIN, refusals, malformed and abandoned requests, sandbox faults,
 * failing notifications and a store that stops answering, collects every line at debug level,
 * and searches them all for each secret it used.
 */
let p: TestPlatform | null = null;
let other: Platform | null = null;
afterEach(async () => {
  await other?.close().catch(() => undefined);
  other = null;
  await p?.stop();
  p = null;
});

const PIN = '739164';
const DB_PASSWORD = 'db-Secret-pw-5521';
const FAST = {
  MICROPAY_NOTIFY_INTERVAL_MS: '50',
  MICROPAY_NOTIFY_RETRY_SCHEDULE_S: '0,0',
  MICROPAY_NOTIFY_TIMEOUT_MS: '500',
  MICROPAY_REFUND_STALE_S: '1',
  MICROPAY_SWEEP_INTERVAL_MS: '100',
};

interface Line {
  level: string;
  time: string;
  msg: string;
  reqId?: string;
  path?: string;
  errorId?: string;
}

/** A platform whose every log line lands in `lines`; on PostgreSQL its URL carries a password. */
async function loggedPlatform(lines: string[]): Promise<Platform & { config: ReturnType<typeof loadConfig> }> {
  const logger = createLogger('debug', (line) => void lines.push(line));
  p = await startTestPlatform(FAST, undefined, { sandbox: true, logger });
  if (TEST_STORE === 'sqlite') return p;
  const url = new URL(p.dbPath);
  url.password = DB_PASSWORD;
  const config = testConfig({ db: url.toString(), port: '0', host: '127.0.0.1', sandbox: true }, FAST);
  other = await startPlatform(config, logger);
  return { ...other, config };
}

/** A signed merchant request; the answer with its X-Request-Id and X-Error-Id headers. */
async function signed(url: string, endpoint: string, params: Record<string, string>, key: string, headers: Record<string, string> = {}) {
  const body: Record<string, string> = { timestamp: String(Date.now()), ...params };
  body.secureHash = sign(body, key);
  const res = await fetch(`${url}/api/micropay/${endpoint}`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', ...headers },
    body: JSON.stringify(body),
  });
  return { status: res.status, requestId: res.headers.get('x-request-id'), errorId: res.headers.get('x-error-id'), body: (await res.json()) as Envelope<OrderData> };
}

async function until(done: () => boolean, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!done()) {
    if (Date.now() > deadline) throw new Error(`still not the case after ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe('the log', () => {
  it('names each request by its id, and holds no key, token, PIN, payment code or password, whatever goes wrong', async () => {
    const raw: string[] = [];
    const platform = await loggedPlatform(raw);
    const { url, store } = platform;
    const key = newApiKey();
    const merchant = await store.createMerchant({ name: 'Car park', apiKey: new Secret(key), notifyUrl: 'http://127.0.0.1:9/notify' });
    const mchId = merchant.mchId;
    const token = newWalletToken();
    const wallet = await store.createWallet({ name: 'Alice', openingSen: 50_00, tokenHash: hashWalletToken(token), pinHash: await hashPin(PIN) });
    const codes: string[] = [];
    const walletApi = (action: string, body: Record<string, unknown>, bearer = token) =>
      postRaw(url, `/api/wallet/${action}`, body, { Authorization: `Bearer ${bearer}` });
    const newCode = async () => {
      const res = await walletApi('paycode', {});
      const code = (res.body.data as unknown as { payCode: string }).payCode;
      codes.push(code);
      return code;
    };
    const pay = async (order: string, amount: string, headers: Record<string, string> = {}) =>
      signed(url, 'micropay', { mchId, mchOrderId: order, amount, goodsInfo: 'parking', discount: '', point: '', payCode: await newCode() }, key, headers);

    // Payments: paid, repeated, refused, a bad signature, a pending one confirmed with a wrong PIN then the right one.
    expect((await pay('o-1', '2.00')).body.code).toBe(0);
    expect((await signed(url, 'micropay', { mchId, mchOrderId: 'o-1', amount: '2.00', goodsInfo: 'parking', discount: '', point: '', payCode: codes[0]! }, key)).body.code).toBe(1023);
    expect((await pay('o-2', '999.00')).body.code).toBe(1028);
    expect((await signed(url, 'micropay', { mchId, mchOrderId: 'o-3', amount: '1.00', goodsInfo: 'x', discount: '', point: '', payCode: await newCode() }, 'wrong-key')).body.code).toBe(1035);
    const pending = await pay('o-4', '3.00', { 'X-MicroPay-Sandbox': 'pending' });
    expect(pending.body.code).toBe(1024);
    const orderId = pending.body.data!.wavpayOrderId;
    expect((await walletApi('pending', {})).body.code).toBe(0);
    expect((await walletApi('confirm', { wavpayOrderId: orderId, pin: '000000' })).body.code).toBe(9003);
    expect((await walletApi('confirm', { wavpayOrderId: orderId, pin: PIN })).body.code).toBe(0);
    expect((await walletApi('balance', {}, 'wt_not-a-token')).status).toBe(401);

    // An offline-code device: enrolled (its secret answered once), then signed out by its proof,
    // once well-formed and once in a body that does not parse.
    const device = (await walletApi('devices/enrol', { label: 'phone' })).body.data as unknown as { deviceId: string; deviceSecret: string };
    const proof = await deviceSignOutProof(device.deviceSecret, device.deviceId);
    expect((await postRaw(url, '/api/wallet/devices/self-sign-out', { deviceId: device.deviceId, proof })).body.code).toBe(0);
    expect((await postRaw(url, '/api/wallet/devices/self-sign-out', `{"deviceId":"${device.deviceId}","proof":"${proof}",`)).body.code).toBe(9105);

    // Refunds: one at once, one left in process and finished by the refund job.
    expect((await signed(url, 'refund', { mchId, mchOrderId: 'o-1', mchRefundId: 'r-1', refundAmount: '1.00' }, key)).body.code).toBe(0);
    expect((await signed(url, 'refund', { mchId, mchOrderId: 'o-1', mchRefundId: 'r-2', refundAmount: '0.50' }, key, { 'X-MicroPay-Sandbox': 'refund-hold' })).body.code).toBe(0);

    // Faults: a forced fault inside the payment (answered 500, logged), a system error, a
    // malformed body carrying the PIN and token, and a client that leaves in the middle of its body.
    const fault = await pay('o-5', '1.00', { 'X-MicroPay-Sandbox': 'fault', 'X-Request-Id': 'trace-abc-123' });
    expect(fault.status).toBe(500);
    expect(fault.requestId).toBe('trace-abc-123');
    expect(fault.errorId).toMatch(/^[0-9a-f-]{36}$/);
    const rehearsed = await pay('o-6', '1.00', { 'X-MicroPay-Sandbox': 'system-error' });
    expect([rehearsed.status, rehearsed.body.code]).toEqual([500, 500]);
    expect(rehearsed.errorId).toMatch(/^[0-9a-f-]{36}$/);
    expect((await postRaw(url, '/api/wallet/confirm', `{"pin":"${PIN}","token":"${token}",`, { Authorization: `Bearer ${token}` })).body.code).toBe(9105);
    await abandonedRequest(url, `{"mchId":"${mchId}","payCode":"${await newCode()}","key":"${key}",`);

    // The notifications of the paid orders fail (nobody listens) until they are dead.
    await until(() => raw.some((l) => l.includes('notification dead')));
    await until(() => raw.some((l) => l.includes('"request aborted by the client"')));

    // The store stops answering: the readiness probe and a query fail, and both are logged.
    await store.close();
    expect((await fetch(`${url}/health/ready`, { headers: { 'X-Request-Id': 'probe-1' } })).status).toBe(503);
    expect((await signed(url, 'queryBill', { mchId, mchOrderId: 'o-1' }, key)).status).toBe(500);

    const lines = raw.map((l) => JSON.parse(l) as Line);
    const events = new Set(lines.map((l) => l.msg));
    for (const e of ['request failed', 'request aborted by the client', 'notification attempt failed', 'notification dead: every attempt failed; re-drive it with `micropay notifications retry`', 'not ready']) {
      expect(events, e).toContain(e);
    }
    // The wrong PIN at the confirmation, as a refused sign-in is logged: whose wallet, from where, never the PIN.
    expect(lines.filter((l) => l.msg === 'payment confirmation refused').map((l) => ({ ...l, time: undefined, pid: undefined, hostname: undefined, reqId: undefined, address: undefined }))).toEqual([
      { level: 'info', msg: 'payment confirmation refused', account: `wallet ${wallet.walletId}`, via: 'wallet app', code: 9003, triesLeft: 4, outcome: 'wrong' },
    ]);
    for (const line of lines) {
      expect(typeof line.time).toBe('string');
      expect(['debug', 'info', 'warn', 'error']).toContain(line.level);
      // Every line about a request carries its id.
      if (line.path !== undefined || line.msg === 'not ready') expect(line.reqId, line.msg).toMatch(/^[A-Za-z0-9._:-]{1,128}$/);
    }
    // A well-formed id from the caller is kept: in the answer's header and in the log line.
    expect(fault.requestId).toBe('trace-abc-123');
    expect(lines.find((l) => l.msg === 'request failed' && l.reqId === 'trace-abc-123')).toBeDefined();
    expect(lines.find((l) => l.msg === 'not ready' && l.reqId === 'probe-1')).toBeDefined();
    // The sandbox's rehearsed system error names its log line as a real one does.
    expect(lines.find((l) => l.errorId === rehearsed.errorId && l.level === 'warn')?.msg).toMatch(/^sandbox: answered a rehearsed system error/);

    const text = raw.join('');
    const secrets = [key, token, hashWalletToken(token), DB_PASSWORD, TEST_MASTER_KEY, device.deviceSecret, proof, ...codes];
    for (const secret of secrets) expect(text, secret).not.toContain(secret);
    // A PIN is short: it must not appear as a number of its own (inside a longer id is no leak).
    expect(text).not.toMatch(new RegExp(`(?<![0-9])${PIN}(?![0-9])`));
    expect(codes.length).toBeGreaterThanOrEqual(7);
    expect(wallet.walletId).toMatch(/^[0-9]+$/);
  });

  it('logs each refused sign-in with its account, address and why, never what was typed: a lockout and a try over the pace as warnings', async () => {
    const lines: string[] = [];
    const logger = createLogger('debug', (line) => void lines.push(line));
    p = await startTestPlatform({ MICROPAY_SIGN_IN_PER_ACCOUNT: '6' }, undefined, { logger });
    await p.store.createOperator('ops', await hashPin('operator-pass-1'), null);
    const tries = ['guess-one-1', 'guess-two-2', 'guess-three-3', 'guess-four-4', 'guess-five-5', 'operator-pass-1', 'guess-seven-7'];
    const codes = [];
    for (const password of tries) codes.push((await pageCall(p, 'admin/sign-in', { name: 'ops', password })).code);
    // More over the pace within the minute: refused, and kept quiet in the log (a flood is what the limit absorbs).
    for (const password of ['guess-eight-8', 'guess-nine-9']) expect((await pageCall(p, 'admin/sign-in', { name: 'ops', password })).code).toBe(9023);
    // A spent or unknown wallet sign-in link: logged without its token.
    const link = 'Q'.repeat(43);
    expect((await pageCall(p, 'wallet/sign-in-link', { token: link })).code).toBe(9022);
    // Links have no pace of their own: more refused from the same address within the minute are kept quiet.
    expect((await pageCall(p, 'wallet/sign-in-link', { token: 'R'.repeat(43) })).code).toBe(9022);
    // The fifth wrong try locks the operator; then even the right password is refused, and the seventh try is over the pace.
    expect(codes).toEqual([9020, 9020, 9020, 9020, 9021, 9021, 9023]);
    const refused = lines.map((l) => JSON.parse(l) as Line & Record<string, unknown>).filter((l) => l.msg === 'sign-in refused');
    expect(refused.map((l) => [l.level, l.account, l.address, l.outcome, l.code])).toEqual([
      ...Array.from({ length: 4 }, () => ['info', 'operator ops', '127.0.0.1', 'wrong', 9020]),
      ['warn', 'operator ops', '127.0.0.1', 'locked', 9021],
      ['warn', 'operator ops', '127.0.0.1', 'locked', 9021],
      ['warn', 'operator ops', '127.0.0.1', 'rate-limited', 9023],
      ['info', 'wallet link', '127.0.0.1', 'invalid-link', 9022],
    ]);
    expect(refused[6]!.alsoRefused).toBe(0);

    // A signed-in owner's password asked again (a taken-over session guessing) is logged the same way.
    const shop = await p.store.createMerchant({ name: 'Corner Shop', apiKey: new Secret(newApiKey()) });
    if (typeof await p.store.createCashier(shop.mchId, 'boss', await hashPin('owner-pass-1'), { role: 'owner' }) === 'string') throw new Error('owner');
    const boss = sessionOf(await pageCall(p, 'merchant/sign-in', { mchId: shop.mchId, name: 'boss', password: 'owner-pass-1' }));
    expect((await pageCall(p, 'merchant/password/change', { password: 'not-my-password-1' }, as(boss))).code).toBe(9020);
    const asked = lines.map((l) => JSON.parse(l) as Line & Record<string, unknown>).filter((l) => l.msg === 'sign-in refused').at(-1)!;
    expect([asked.level, asked.account, asked.outcome, asked.code]).toEqual(['info', `user ${shop.mchId} boss`, 'wrong', 9020]);
    expect(lines.join('\n')).not.toContain('not-my-password-1');
    expect(refused.every((l) => typeof l.reqId === 'string')).toBe(true);
    for (const typed of [...tries, 'guess-eight-8', link]) expect(lines.join('\n')).not.toContain(typed);
  });

  it('never logs a name that names no account (a password typed in the name field): a digest stands for it, the same for each try', async () => {
    const lines: string[] = [];
    const logger = createLogger('debug', (line) => void lines.push(line));
    p = await startTestPlatform({ MICROPAY_SIGN_IN_PER_ACCOUNT: '2' }, undefined, { logger });
    await p.store.createOperator('ops', await hashPin('operator-pass-1'), null);
    const shop = await p.store.createMerchant({ name: 'Corner Shop', apiKey: new Secret(newApiKey()) });
    // Generated passwords pass the name rules: typed in the name field, each is a name of no account.
    const typedAsName = 'zppm-6v5t-ycx7-9nk8';
    const codes = [];
    for (let i = 0; i < 3; i++) codes.push((await pageCall(p, 'admin/sign-in', { name: typedAsName, password: typedAsName })).code);
    codes.push((await pageCall(p, 'merchant/sign-in', { mchId: shop.mchId, name: 'tav7-7gmb-5gny-sb82', password: 'tav7-7gmb-5gny-sb82' })).code);
    codes.push((await pageCall(p, 'admin/sign-in', { name: 'ops', password: 'not-it-1' })).code);
    // The third try of the unknown name is over its pace (two a minute here).
    expect(codes).toEqual([9020, 9020, 9023, 9020, 9020]);
    const refused = lines.map((l) => JSON.parse(l) as Line & Record<string, unknown>).filter((l) => l.msg === 'sign-in refused');
    expect(refused.map((l) => [l.outcome, l.code])).toEqual([['wrong', 9020], ['wrong', 9020], ['rate-limited', 9023], ['wrong', 9020], ['wrong', 9020]]);
    const accounts = refused.map((l) => l.account as string);
    expect(accounts[0]).toMatch(/^operator #[0-9a-f]{12}$/);
    expect(accounts.slice(1, 3)).toEqual([accounts[0], accounts[0]]);
    expect(accounts[3]).toMatch(new RegExp(`^user ${shop.mchId} #[0-9a-f]{12}$`));
    // An account that exists is named, as before.
    expect(accounts[4]).toBe('operator ops');
    for (const typed of [typedAsName, 'tav7-7gmb-5gny-sb82', 'not-it-1']) expect(lines.join('\n')).not.toContain(typed);
  });

  it('MICROPAY_LOG_LEVEL=warn keeps the warnings and errors and leaves out the info lines', () => {
    expect(loadConfig({}, { MICROPAY_LOG_LEVEL: 'warn' }).logLevel).toBe('warn');
    expect(() => loadConfig({}, { MICROPAY_LOG_LEVEL: 'loud' })).toThrow('MICROPAY_LOG_LEVEL: must be error, warn, info, debug, not "loud"');
    const lines: string[] = [];
    const logger = createLogger('warn', (line) => void lines.push(line));
    logger.info('listening');
    logger.warn('not ready');
    logger.error('failed');
    expect(lines.map((line) => (JSON.parse(line) as Line).msg)).toEqual(['not ready', 'failed']);
  });

  it('prints a field named as a secret as "[redacted]", at the top or one level down, whoever passes it', () => {
    const lines: string[] = [];
    const logger = createLogger('info', (line) => void lines.push(line));
    logger.info({ deviceSecret: 'S'.repeat(43), device: { proof: 'P'.repeat(43), deviceSecret: 'T'.repeat(43) }, proof: 'Q'.repeat(43) }, 'a careless line');
    logger.flush();
    const line = JSON.parse(lines.join('')) as Record<string, unknown>;
    expect([line.deviceSecret, line.proof, line.device]).toEqual(['[redacted]', '[redacted]', { proof: '[redacted]', deviceSecret: '[redacted]' }]);
  });

  it('answers every request with an X-Request-Id: the caller\'s when well-formed, else a new one', async () => {
    p = await startTestPlatform();
    const kept = await fetch(`${p.url}/nothing-here`, { headers: { 'X-Request-Id': 'lb-7f3a.1:2' } });
    expect(kept.headers.get('x-request-id')).toBe('lb-7f3a.1:2');
    for (const bad of ['has space', 'x'.repeat(129), '<script>', '']) {
      const res = await fetch(`${p.url}/api/micropay/queryBill`, { method: 'POST', headers: { 'Content-Type': 'application/json', 'X-Request-Id': bad }, body: '{}' });
      expect(res.headers.get('x-request-id'), bad).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
    }
    const a = await fetch(`${p.url}/nothing-here`);
    const b = await fetch(`${p.url}/nothing-here`);
    expect(a.headers.get('x-request-id')).not.toBe(b.headers.get('x-request-id'));
  });
});

/** Sends the start of a body and leaves: the server logs the abandoned request. */
async function abandonedRequest(url: string, partialBody: string): Promise<void> {
  const { hostname, port } = new URL(url);
  const socket = connect(Number(port), hostname);
  await new Promise((r) => socket.once('connect', r));
  socket.write(`POST /api/micropay/micropay HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n${partialBody}`);
  await new Promise((r) => setTimeout(r, 100));
  socket.destroy();
}

describe.runIf(TEST_STORE === 'sqlite')('the schema in the log', () => {
  it('a start that creates or upgrades the schema says so in one line, from and to which version; a start with nothing to do says nothing', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'micropay-log-'));
    try {
      const config = testConfig({ db: join(dir, 'micropay.db'), port: '0', host: '127.0.0.1' }, {});
      const started = async () => {
        const lines: string[] = [];
        const platform = await startPlatform(config, createLogger('info', (line) => void lines.push(line)));
        await platform.close();
        return lines.map((l) => JSON.parse(l) as Line & Record<string, unknown>).filter((l) => l.msg.startsWith('schema '));
      };
      const newest = Math.max(...SQLITE_MIGRATIONS.map((m) => m.version));
      expect((await started()).map((l) => [l.msg, l.from, l.to])).toEqual([['schema created', 0, newest]]);
      expect(await started()).toEqual([]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
