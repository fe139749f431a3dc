import { Validator } from '@seriousme/openapi-schema-validator';
import { Ajv2020, type ValidateFunction } from 'ajv/dist/2020.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { deviceSignOutProof, formatWireTime, offlinePayCode, offlineStep, sign, type OfflineDevice } from '@micropay/protocol';
import { hashPin, hashWalletToken, newWalletToken } from '../src/domain/credentials.js';
import { csrfTokenOf } from '../src/domain/page-access.js';
import { opsRoutes } from '../src/http/ops.js';
import { loadPages } from '../src/http/pages.js';
import { ROUTES } from '../src/http/routes.js';
import { silentLogger } from '../src/log.js';
import type { PlatformMetrics } from '../src/ops/metrics.js';
import { execute } from './db-access.js';
import { docBlock } from './doc-blocks.js';
import { createMerchant, createWalletWithCode, micropayParams, postSigned, startTestPlatform, type TestMerchant, type TestPlatform } from './helpers.js';

/**
 * The OpenAPI document (`GET /openapi.json`) against the server that serves it, on both stores:
 * every route is in the document and the document has no route the server lacks; then real
 * requests to every endpoint, including refusals and transport errors, and every answer (status,
 * content type, body) is validated against the document with Ajv's JSON Schema 2020-12, the
 * dialect of OpenAPI 3.1. A field, code or endpoint added without its description fails here.
 */
type Doc = {
  paths: Record<string, Record<string, { responses: Record<string, ResponseDoc | { $ref: string }> }>>;
  components: { responses: Record<string, ResponseDoc> };
};
type ResponseDoc = { content?: Record<string, { schema: unknown }> };

let p: TestPlatform;
let doc: Doc;
const ajv = new Ajv2020({ strict: false, allErrors: true });
const validators = new Map<string, ValidateFunction>();
/** Which documented operations real requests reached, and with which status and code. */
const reached = new Map<string, Set<string>>();

interface Answer {
  readonly status: number;
  readonly json: { code: number; msg: string; data: Record<string, unknown> | null } | null;
  readonly headers: Headers;
}

beforeAll(async () => {
  p = await startTestPlatform({}, undefined, { sandbox: true });
  const res = await fetch(`${p.url}/openapi.json`);
  expect(res.headers.get('content-type')).toBe('application/json; charset=utf-8');
  doc = (await res.json()) as Doc;
  ajv.addSchema(doc as object, 'openapi.json');
});
afterAll(async () => {
  await p?.stop();
});

function pointer(...parts: string[]): string {
  return parts.map((part) => part.replace(/~/g, '~0').replace(/\//g, '~1')).join('/');
}

/** Checks an answer against the operation's documented response, or against a named shared one. */
function expectDocumented(method: string, path: string, text: string, a: Omit<Answer, 'json'>, shared?: string): void {
  let base: string;
  let response: ResponseDoc;
  if (shared === undefined) {
    const op = doc.paths[path]?.[method];
    expect(op, `${method.toUpperCase()} ${path} is not in the document`).toBeDefined();
    const documented = op!.responses[String(a.status)];
    expect(documented, `${method.toUpperCase()} ${path} answered HTTP ${a.status}, which the document does not list: ${text.slice(0, 200)}`).toBeDefined();
    expect('$ref' in documented!).toBe(false);
    response = documented as ResponseDoc;
    base = `#/${pointer('paths', path, method, 'responses', String(a.status))}`;
  } else {
    response = doc.components.responses[shared]!;
    base = `#/${pointer('components', 'responses', shared)}`;
  }
  const type = (a.headers.get('content-type') ?? '').split(';', 1)[0]!;
  expect(Object.keys(response.content ?? {}), `${method} ${path} ${a.status}: content type`).toContain(type);
  expect(a.headers.get('x-request-id')).toBeTruthy();
  const key = `${method} ${path}`;
  reached.set(key, new Set([...(reached.get(key) ?? []), String(a.status)]));
  if (type !== 'application/json') return;
  expectValid(`${base}/content/${pointer(type)}/schema`, JSON.parse(text), `${method} ${path} ${a.status}`);
}

async function request(method: string, path: string, init: { body?: string; headers?: Record<string, string> } = {}, shared?: string): Promise<Answer> {
  const res = await fetch(p.url + path, { method, headers: init.headers, body: init.body });
  const text = await res.text();
  expectDocumented(method.toLowerCase(), path, text, { status: res.status, headers: res.headers }, shared);
  const json = (res.headers.get('content-type') ?? '').startsWith('application/json') ? JSON.parse(text) as Answer['json'] : null;
  return { status: res.status, json, headers: res.headers };
}

async function post(path: string, body: unknown, headers: Record<string, string> = {}): Promise<Answer> {
  const a = await request('POST', path, { body: JSON.stringify(body), headers: { 'Content-Type': 'application/json', ...headers } });
  // A request the server accepted must be one the document allows, so its request schemas are tested too.
  if (a.json?.code === 0) expectValid(`#/${pointer('paths', path, 'post', 'requestBody', 'content', 'application/json', 'schema')}`, body, `request to ${path}`);
  return a;
}

function expectValid(pointerInDoc: string, value: unknown, what: string): void {
  const ref = `openapi.json${pointerInDoc}`;
  let validate = validators.get(ref);
  if (validate === undefined) {
    validate = ajv.compile({ $ref: ref });
    validators.set(ref, validate);
  }
  const ok = validate(value);
  expect(ok ? [] : validate.errors!.map((e) => `${e.instancePath} ${e.message} ${JSON.stringify(e.params)}`), `${what}: ${JSON.stringify(value).slice(0, 400)}`).toEqual([]);
}

async function signed(endpoint: string, params: Record<string, string>, key: string, headers: Record<string, string> = {}): Promise<Answer> {
  const body: Record<string, string> = { ...params, timestamp: String(Date.now()) };
  body.secureHash = sign(body, key);
  return post(`/api/micropay/${endpoint}`, body, headers);
}

function pay(m: TestMerchant, mchOrderId: string, amount: string, payCode: string, headers: Record<string, string> = {}): Promise<Answer> {
  return signed('micropay', { mchId: m.mchId, mchOrderId, amount, goodsInfo: 'parking', discount: '', point: '', payCode }, m.key, headers);
}

function codeOf(a: Answer): number {
  return a.json!.code;
}

describe('the OpenAPI document and the routes', () => {
  it('lists every route the server has, and no route it lacks', () => {
    const served = new Set<string>([
      ...ROUTES.keys(),
      ...opsRoutes(p.store, {} as PlatformMetrics, silentLogger).keys(),
      ...[...loadPages().files.keys()].filter((path) => !path.startsWith('/assets/')),
    ]);
    const documented = new Set(Object.keys(doc.paths));
    const undocumented = [...served].filter((path) => !documented.has(path));
    const unserved = [...documented].filter((path) => !served.has(path));
    expect(undocumented, 'routes with no OpenAPI entry: add each to packages/server/src/http/openapi/endpoints.ts').toEqual([]);
    expect(unserved, 'OpenAPI entries with no route').toEqual([]);
    // The JSON endpoints are POST only; the rest GET (and HEAD).
    for (const path of ROUTES.keys()) expect(Object.keys(doc.paths[path]!), path).toEqual(['post']);
  });

  it('is valid OpenAPI 3.1 (the specification\'s own JSON Schema), with unique operation ids and resolvable references', async () => {
    const validator = new Validator();
    const result = await validator.validate(structuredClone(doc) as object);
    expect(result.errors ?? []).toEqual([]);
    expect(result.valid).toBe(true);
    expect(validator.version).toBe('3.1');
    const ids = Object.values(doc.paths).flatMap((ops) => Object.values(ops).map((op) => (op as { operationId?: string }).operationId)).filter(Boolean);
    expect(new Set(ids).size).toBe(ids.length);
    const text = JSON.stringify(doc);
    for (const [, ref] of text.matchAll(/"\$ref":"#\/([^"]+)"/g)) {
      const target = ref!.split('/').reduce<unknown>((node, part) => (node as Record<string, unknown>)?.[part.replace(/~1/g, '/').replace(/~0/g, '~')], doc);
      expect(target, ref).toBeDefined();
    }
  });
});

describe('every answer of a real server is as the document says', () => {
  it('the merchant API: payments, repeats, refusals, queries, close, refunds, statements', async () => {
    const m = await createMerchant(p);
    const w1 = await createWalletWithCode(p, 100_00, 'Alice');
    expect(codeOf(await pay(m, 'o-1', '10.00', w1.payCode))).toBe(0);
    expect(codeOf(await pay(m, 'o-1', '10.00', w1.payCode))).toBe(1023);
    expect(codeOf(await pay(m, 'o-1', '11.00', w1.payCode))).toBe(1032);
    expect(codeOf(await pay(m, 'o-2', '1.00', w1.payCode))).toBe(1036);
    expect(codeOf(await pay(m, 'o-3', '1.00', '999999999999999999'))).toBe(1040);
    const poor = await createWalletWithCode(p, 50, 'Bob');
    expect(codeOf(await pay(m, 'o-4', '1.00', poor.payCode))).toBe(1028);
    const rich = await createWalletWithCode(p, 1_000_00, 'Carol');
    const pending = await pay(m, 'o-5', '300.00', rich.payCode);
    expect(pending.json).toMatchObject({ code: 1024, data: { tradeStatus: 'PENDING', payTime: null } });
    expect(codeOf(await pay(m, 'o bad', '1.00', rich.payCode))).toBe(1033);
    expect(codeOf(await pay(m, 'o-6', 'abc', rich.payCode))).toBe(1021);
    expect(codeOf(await post('/api/micropay/micropay', { mchId: m.mchId, mchOrderId: 'o-7', amount: '1.00', goodsInfo: 'x', payCode: rich.payCode, timestamp: String(Date.now()), secureHash: 'A'.repeat(64) }))).toBe(1035);
    expect(codeOf(await pay({ ...m, mchId: '999999999' }, 'o-8', '1.00', rich.payCode))).toBe(1031);
    const frozen = await createWalletWithCode(p, 10_00, 'Dan');
    await p.store.setWalletStatus(frozen.walletId, 'frozen');
    expect(codeOf(await pay(m, 'o-9', '1.00', frozen.payCode))).toBe(9001);
    const faulty = await createWalletWithCode(p, 10_00, 'Eve');
    expect(await pay(m, 'o-10', '1.00', faulty.payCode, { 'X-MicroPay-Sandbox': 'system-error' })).toMatchObject({ status: 500, json: { code: 500, data: null } });
    const locked = await createMerchant(p, 'Locked Shop');
    await p.store.setMerchantStatus(locked.mchId, 'disabled');
    expect(codeOf(await pay(locked, 'o-11', '1.00', rich.payCode))).toBe(1022);

    const q = (endpoint: string, mchOrderId: string) =>
      signed(endpoint, { mchId: m.mchId, mchOrderId, ...(endpoint === 'closeBill' ? { operation: 'CLOSE' } : {}) }, m.key);
    expect(codeOf(await q('queryBill', 'o-1'))).toBe(0);
    expect(codeOf(await q('queryBill', 'nothing'))).toBe(1031);
    expect(codeOf(await q('closeBill', 'o-5'))).toBe(0);
    expect(codeOf(await q('closeBill', 'o-1'))).toBe(1023);
    expect(codeOf(await q('closeBill', 'never'))).toBe(1031);
    const closedUnused = await pay(m, 'never', '1.00', rich.payCode);
    expect(closedUnused.json).toMatchObject({ code: 1025, data: null });
    expect(codeOf(await pay(m, 'o-5', '300.00', rich.payCode))).toBe(1025);

    const refund = (mchRefundId: string, mchOrderId: string, refundAmount: string) =>
      signed('refund', { mchId: m.mchId, mchOrderId, mchRefundId, refundAmount, reason: 'returned' }, m.key);
    expect((await refund('r-1', 'o-1', '4.00')).json).toMatchObject({ code: 0, data: { refundStatus: 'REFUNDED' } });
    expect(codeOf(await refund('r-1', 'o-1', '5.00'))).toBe(1032);
    expect(codeOf(await refund('r-2', 'o-1', '7.00'))).toBe(9006);
    expect(codeOf(await refund('r-3', 'o-5', '1.00'))).toBe(1025);
    expect(codeOf(await refund('r-4', 'nothing', '1.00'))).toBe(1031);
    expect(codeOf(await signed('queryRefund', { mchId: m.mchId, mchRefundId: 'r-1' }, m.key))).toBe(0);
    expect(codeOf(await signed('queryRefund', { mchId: m.mchId, mchRefundId: 'r-9' }, m.key))).toBe(1031);
    expect((await q('queryOrderRefunds', 'o-1')).json).toMatchObject({ code: 0, data: { refundAmount: '4.00' } });
    expect(codeOf(await q('queryOrderRefunds', 'nothing'))).toBe(1031);
    const today = formatWireTime(Date.now(), p.config.timeZone).slice(0, 10);
    expect(codeOf(await signed('downloadBill', { mchId: m.mchId, billDate: today }, m.key))).toBe(0);
    expect(codeOf(await signed('downloadBill', { mchId: m.mchId, billDate: '2022-02-30' }, m.key))).toBe(1021);
  });

  it('the transport: wrong content type, too large, not JSON, unknown path, wrong method', async () => {
    const path = '/api/micropay/queryBill';
    expect((await request('POST', path, { body: '{}', headers: { 'Content-Type': 'text/plain' } })).status).toBe(415);
    expect((await request('POST', path, { body: JSON.stringify({ x: 'y'.repeat(20_000) }), headers: { 'Content-Type': 'application/json' } })).status).toBe(413);
    expect((await request('POST', path, { body: '[1', headers: { 'Content-Type': 'application/json' } })).status).toBe(400);
    expect((await request('POST', '/api/micropay/nothing', { body: '{}', headers: { 'Content-Type': 'application/json' } }, 'NotFound')).status).toBe(404);
    expect((await request('GET', path, {}, 'MethodNotAllowed')).status).toBe(405);
    expect((await request('POST', '/health/live', { body: '{}' }, 'MethodNotAllowed')).status).toBe(405);
  });

  it('the wallet API: codes, balance, pending, confirm with the PIN, decline, refusals', async () => {
    const m = await createMerchant(p, 'Wallet Shop');
    const token = newWalletToken();
    const wallet = await p.store.createWallet({ name: 'Fay', openingSen: 1_000_00, tokenHash: hashWalletToken(token), pinHash: await hashPin('2468') });
    const bearer = { Authorization: `Bearer ${token}` };
    expect(codeOf(await post('/api/wallet/paycode', {}))).toBe(9106);
    expect(codeOf(await post('/api/wallet/paycode', { extra: 1 }, bearer))).toBe(1021);
    const first = await post('/api/wallet/paycode', {}, bearer);
    expect(codeOf(first)).toBe(0);
    expect(codeOf(await pay(m, 'w-1', '300.00', first.json!.data!.payCode as string))).toBe(1024);
    const second = (await post('/api/wallet/paycode', {}, bearer)).json!.data!.payCode as string;
    expect(codeOf(await pay(m, 'w-2', '260.00', second))).toBe(1024);
    expect(codeOf(await post('/api/wallet/balance', {}, bearer))).toBe(0);
    const listed = await post('/api/wallet/pending', {}, bearer);
    const [o1, o2] = (listed.json!.data!.orders as { wavpayOrderId: string }[]).map((o) => o.wavpayOrderId);
    expect(codeOf(await post('/api/wallet/confirm', { wavpayOrderId: o1, pin: '1111' }, bearer))).toBe(9003);
    expect(codeOf(await post('/api/wallet/confirm', { wavpayOrderId: 'x' }, bearer))).toBe(1021);
    expect(codeOf(await post('/api/wallet/confirm', { wavpayOrderId: '4' + '0'.repeat(21), pin: '2468' }, bearer))).toBe(1031);
    expect(codeOf(await post('/api/wallet/confirm', { wavpayOrderId: o1, pin: '2468' }, bearer))).toBe(0);
    expect(codeOf(await post('/api/wallet/confirm', { wavpayOrderId: o1, pin: '2468' }, bearer))).toBe(1023);
    expect(codeOf(await post('/api/wallet/decline', { wavpayOrderId: o2 }, bearer))).toBe(1025);
    expect(codeOf(await post('/api/wallet/decline', { wavpayOrderId: '4' + '0'.repeat(21) }, bearer))).toBe(1031);
    expect((await post('/api/wallet/balance', {}, bearer)).json).toMatchObject({
      code: 0,
      data: { held: '0.00', transactions: [{ type: 'PAYMENT', amount: '-300.00', status: 'PAID' }, { type: 'TOPUP', amount: '1000.00', status: null }] },
    });
    expect(codeOf(await post('/api/wallet/balance', {}))).toBe(9106);
    await p.store.setWalletStatus(wallet.walletId, 'frozen');
    expect(codeOf(await post('/api/wallet/paycode', {}, bearer))).toBe(9001);
  });

  it('offline codes: enrolment by the wallet API and by the wallet page, a code paying, sign-out, refusals', async () => {
    const m = await createMerchant(p, 'Offline Shop');
    const token = newWalletToken();
    const wallet = await p.store.createWallet({ name: 'Hal', openingSen: 10_00, tokenHash: hashWalletToken(token), pinHash: await hashPin('1470') });
    const bearer = { Authorization: `Bearer ${token}` };
    expect(codeOf(await post('/api/wallet/devices/enrol', {}))).toBe(9106);
    expect(codeOf(await post('/api/wallet/devices/enrol', { label: '<b>' }, bearer))).toBe(1021);
    const enrolled = await post('/api/wallet/devices/enrol', { label: "Hal's phone" }, bearer);
    expect(codeOf(enrolled)).toBe(0);
    const device = enrolled.json!.data as unknown as OfflineDevice & { deviceId: string };
    const step = offlineStep(Date.now());
    expect(codeOf(await pay(m, 'off-1', '1.00', await offlinePayCode(device, step)))).toBe(0);
    expect(codeOf(await post('/api/wallet/devices/sign-out', { deviceId: 'x' }, bearer))).toBe(1021);
    const unknownId = device.deviceId === '00000000' ? '00000001' : '00000000';
    expect(codeOf(await post('/api/wallet/devices/renew', { deviceId: device.deviceId }, bearer))).toBe(0);
    expect(codeOf(await post('/api/wallet/devices/renew', { deviceId: unknownId }, bearer))).toBe(1031);
    expect(codeOf(await post('/api/wallet/devices/renew', { deviceId: 'x' }, bearer))).toBe(1021);
    expect(codeOf(await post('/api/wallet/devices/renew', { deviceId: device.deviceId }))).toBe(9106);
    expect(codeOf(await post('/api/wallet/devices/list', { all: true }, bearer))).toBe(1021);
    expect(codeOf(await post('/api/wallet/devices/sign-out', { deviceId: unknownId }, bearer))).toBe(1031);
    expect(codeOf(await post('/api/wallet/devices/sign-out', { deviceId: device.deviceId }, bearer))).toBe(0);
    expect(codeOf(await post('/api/wallet/devices/renew', { deviceId: device.deviceId }, bearer))).toBe(9010);
    const proof = await deviceSignOutProof(device.deviceSecret, device.deviceId);
    expect(codeOf(await post('/api/wallet/devices/self-sign-out', { deviceId: device.deviceId, proof }))).toBe(0);
    expect(codeOf(await post('/api/wallet/devices/self-sign-out', { deviceId: unknownId, proof }))).toBe(1031);
    expect(codeOf(await post('/api/wallet/devices/self-sign-out', { deviceId: device.deviceId }))).toBe(1021);
    expect(codeOf(await post('/api/page/wallet/offline-device-self-sign-out', { deviceId: device.deviceId, proof }))).toBe(0);
    expect(codeOf(await post('/api/page/wallet/offline-device-self-sign-out', { deviceId: unknownId, proof }))).toBe(1031);
    expect(codeOf(await post('/api/page/wallet/offline-device-self-sign-out', { deviceId: device.deviceId, proof: 7 }))).toBe(1021);
    expect((await post('/api/wallet/devices/list', {}, bearer)).json!.data).toMatchObject({ devices: [{ deviceId: device.deviceId, status: 'revoked' }] });
    expect(codeOf(await pay(m, 'off-2', '1.00', await offlinePayCode(device, step + 1)))).toBe(1036);
    const api = (name: string) => `/api/page/wallet/${name}`;
    const signedIn = await post(api('sign-in'), { walletId: wallet.walletId, pin: '1470' });
    const cookie = signedIn.headers.get('set-cookie')!.split(';', 1)[0]!;
    const session = { Cookie: cookie, 'X-CSRF-Token': signedIn.json!.data!.csrfToken as string };
    expect(codeOf(await post(api('offline-device'), {}, { Cookie: cookie }))).toBe(9121);
    expect(codeOf(await post(api('offline-device'), {}))).toBe(9120);
    expect(codeOf(await post(api('offline-device'), { label: 'x'.repeat(65) }, session))).toBe(1021);
    const browser = await post(api('offline-device'), { label: 'Browser' }, session);
    expect(codeOf(browser)).toBe(0);
    const browserDevice = browser.json!.data as unknown as OfflineDevice & { deviceId: string };
    expect(codeOf(await pay(m, 'off-3', '1.00', await offlinePayCode(browserDevice, step + 2)))).toBe(0);
    expect(codeOf(await post(api('offline-device-renew'), { deviceId: browserDevice.deviceId }, session))).toBe(0);
    expect(codeOf(await post(api('offline-device-renew'), { deviceId: browserDevice.deviceId }, { Cookie: cookie }))).toBe(9121);
    expect(codeOf(await post(api('offline-device-renew'), { deviceId: device.deviceId }, session))).toBe(9010);
    expect((await post(api('offline-devices'), {}, session)).json!.data).toMatchObject({ devices: [{ deviceId: browserDevice.deviceId, status: 'active' }] });
    expect(codeOf(await post(api('offline-devices'), {}))).toBe(9120);
    expect(codeOf(await post(api('offline-device-sign-out'), { deviceId: 'x' }, session))).toBe(1021);
    expect(codeOf(await post(api('offline-device-sign-out'), { deviceId: device.deviceId }, { Cookie: cookie }))).toBe(9121);
    expect(codeOf(await post(api('offline-device-sign-out'), { deviceId: browserDevice.deviceId }, session))).toBe(0);
    expect(codeOf(await pay(m, 'off-4', '1.00', await offlinePayCode(browserDevice, step + 3)))).toBe(1036);
    // Signing the browser's device out signed its page out too: a new sign-in for the last call.
    expect(codeOf(await post(api('offline-devices'), {}, session))).toBe(9120);
    const again = await post(api('sign-in'), { walletId: wallet.walletId, pin: '1470' });
    const session2 = { Cookie: again.headers.get('set-cookie')!.split(';', 1)[0]!, 'X-CSRF-Token': again.json!.data!.csrfToken as string };
    await p.store.setWalletStatus(wallet.walletId, 'frozen');
    expect(codeOf(await post('/api/wallet/devices/enrol', {}, bearer))).toBe(9001);
    expect(codeOf(await post(api('offline-device'), {}, session2))).toBe(9001);
  });

  it('the wallet page API: sessions, sign-in by PIN and by link, codes, CSRF, sign-out', async () => {
    const walletId = (await p.store.createWallet({ name: 'Gil', openingSen: 20_00, pinHash: await hashPin('1357') })).walletId;
    const api = (name: string) => `/api/page/wallet/${name}`;
    expect((await post(api('session'), {})).json).toMatchObject({ code: 0, data: { signedIn: false } });
    expect(codeOf(await post(api('session'), { extra: 1 }))).toBe(1021);
    expect(codeOf(await post(api('sign-in'), { walletId, pin: '0000' }))).toBe(9020);
    expect(codeOf(await post(api('sign-in'), { walletId, pin: 'x' }))).toBe(1021);
    const signedIn = await post(api('sign-in'), { walletId, pin: '1357' });
    const cookie = signedIn.headers.get('set-cookie')!.split(';', 1)[0]!;
    const csrf = signedIn.json!.data!.csrfToken as string;
    expect((await post(api('session'), {}, { Cookie: cookie })).json).toMatchObject({ code: 0, data: { signedIn: true, walletId } });
    expect(codeOf(await post(api('paycode'), {}))).toBe(9120);
    expect(codeOf(await post(api('paycode'), {}, { Cookie: cookie }))).toBe(9121);
    expect(codeOf(await post(api('paycode'), {}, { Cookie: cookie, 'X-CSRF-Token': csrf }))).toBe(0);
    // The live result: a code charged above the limit, its wait, the PIN (wrong, then right), and a decline.
    const session = { Cookie: cookie, 'X-CSRF-Token': csrf };
    await p.store.updateWalletSecurity(walletId, { confirmLimitSen: 1_00 });
    const code = (await post(api('paycode'), {}, session)).json!.data!.payCode as string;
    expect((await post(api('code-result'), { payCode: code, seen: 'PENDING' }, session)).json).toMatchObject({ code: 0, data: { state: 'WAITING' } });
    expect(codeOf(await post(api('code-result'), { payCode: '391234567890123456' }, session))).toBe(1031);
    expect(codeOf(await post(api('code-result'), { payCode: 'x' }, session))).toBe(1021);
    expect(codeOf(await post(api('code-result'), { payCode: code }))).toBe(9120);
    const m = await createMerchant(p, 'Corner Shop');
    expect((await postSigned(p.url, 'micropay', micropayParams(m, 'page-1', '5.00', code), m.key)).body.code).toBe(1024);
    const pending = (await post(api('code-result'), { payCode: code }, session)).json!.data!.order as { wavpayOrderId: string };
    expect((await post(api('pending'), {}, session)).json).toMatchObject({ code: 0, data: { orders: [{ wavpayOrderId: pending.wavpayOrderId }] } });
    expect(codeOf(await post(api('pending'), {}))).toBe(9120);
    expect(codeOf(await post(api('pending'), { x: 1 }, session))).toBe(1021);
    expect((await post(api('order'), { wavpayOrderId: pending.wavpayOrderId }, session)).json).toMatchObject({ code: 0, data: { tradeStatus: 'PENDING' } });
    expect(codeOf(await post(api('order'), { wavpayOrderId: '4000000000000000000000' }, session))).toBe(1031);
    expect(codeOf(await post(api('order'), { wavpayOrderId: 'x' }, session))).toBe(1021);
    expect(codeOf(await post(api('order'), { wavpayOrderId: pending.wavpayOrderId }))).toBe(9120);
    expect(codeOf(await post(api('confirm'), { wavpayOrderId: pending.wavpayOrderId, pin: '0000' }, session))).toBe(9003);
    expect(codeOf(await post(api('confirm'), { wavpayOrderId: pending.wavpayOrderId, pin: '1357' }, { Cookie: cookie }))).toBe(9121);
    expect(codeOf(await post(api('confirm'), { wavpayOrderId: pending.wavpayOrderId, pin: '1357' }))).toBe(9120);
    expect(codeOf(await post(api('confirm'), { wavpayOrderId: 'x' }, session))).toBe(1021);
    expect(codeOf(await post(api('confirm'), { wavpayOrderId: '4000000000000000000000', pin: '1357' }, session))).toBe(1031);
    expect(codeOf(await post(api('confirm'), { wavpayOrderId: pending.wavpayOrderId, pin: '1357' }, session))).toBe(0);
    expect(codeOf(await post(api('decline'), { wavpayOrderId: pending.wavpayOrderId }, session))).toBe(1023);
    expect(codeOf(await post(api('decline'), { wavpayOrderId: pending.wavpayOrderId }, { Cookie: cookie }))).toBe(9121);
    expect(codeOf(await post(api('decline'), { wavpayOrderId: pending.wavpayOrderId }))).toBe(9120);
    expect(codeOf(await post(api('decline'), { wavpayOrderId: 'x' }, session))).toBe(1021);
    expect(codeOf(await post(api('decline'), { wavpayOrderId: '4000000000000000000000' }, session))).toBe(1031);
    expect(codeOf(await post(api('sign-out'), {}, { Cookie: cookie, 'X-CSRF-Token': csrf }))).toBe(0);
    expect(codeOf(await post(api('sign-out'), {}, { Cookie: cookie, 'X-CSRF-Token': csrf }))).toBe(9120);
    expect(codeOf(await post(api('sign-in-link'), { token: 'x'.repeat(43) }))).toBe(9022);
    const issued = await p.store.issueSignInLink(walletId);
    if (typeof issued === 'string') throw new Error(issued);
    expect(codeOf(await post(api('sign-in-link'), { token: issued.token }))).toBe(0);
    expect(codeOf(await post(api('sign-in-link'), {}))).toBe(1021);
  });

  it('the wallet page\'s account part: balance, the history a page at a time by its `older` key, freezing, refusals', async () => {
    const walletId = (await p.store.createWallet({ name: 'Ida', openingSen: 50_00, pinHash: await hashPin('8642') })).walletId;
    const api = (name: string) => `/api/page/wallet/${name}`;
    const signedIn = await post(api('sign-in'), { walletId, pin: '8642' });
    const cookie = signedIn.headers.get('set-cookie')!.split(';', 1)[0]!;
    const session = { Cookie: cookie, 'X-CSRF-Token': signedIn.json!.data!.csrfToken as string };
    // Eleven payments and the first refunded in full: with the top-up, 13 movements, so two pages.
    const m = await createMerchant(p, 'History Shop');
    for (let i = 1; i <= 11; i++) {
      const code = await p.store.issuePayCode(walletId, p.config.payCodeTtlS * 1000);
      if (typeof code === 'string') throw new Error(code);
      expect(codeOf(await pay(m, `h-${i}`, '1.00', code.code))).toBe(0);
    }
    expect(codeOf(await signed('refund', { mchId: m.mchId, mchOrderId: 'h-1', mchRefundId: 'hr-1', refundAmount: '1.00', reason: 'returned' }, m.key))).toBe(0);

    expect((await post(api('balance'), {}, session)).json).toMatchObject({ code: 0, data: { walletId, status: 'active', balance: '40.00', held: '0.00', available: '40.00' } });
    expect(codeOf(await post(api('balance'), { walletId }, session))).toBe(1021);
    expect(codeOf(await post(api('balance'), {}))).toBe(9120);
    const forged = await post(api('balance'), {}, { Cookie: `micropay_wallet=${'A'.repeat(43)}`, 'X-CSRF-Token': csrfTokenOf('A'.repeat(43)) });
    expect(codeOf(forged)).toBe(9120);
    expect(forged.headers.get('set-cookie')).toMatch(/^micropay_wallet=; .*Max-Age=0/);

    const first = await post(api('history'), {}, session);
    const rows = first.json!.data!.transactions as { type: string; status: string | null }[];
    expect(rows.map((r) => r.type)).toEqual(['REFUND', ...Array<string>(9).fill('PAYMENT')]);
    expect(rows[0]!.status).toBe('REFUNDED');
    const older = first.json!.data!.older as string;
    expect(older).toMatch(/^[0-9]+$/);
    const last = await post(api('history'), { before: older }, session);
    expect((last.json!.data!.transactions as { type: string; status: string | null }[]).map((r) => [r.type, r.status]))
      .toEqual([['PAYMENT', 'PAID'], ['PAYMENT', 'REFUNDED'], ['TOPUP', null]]);
    expect(last.json!.data!.older).toBeNull();
    expect((await post(api('history'), { before: null }, session)).json).toMatchObject({ code: 0, data: { older } });
    expect((await post(api('history'), { before: '999999999' }, session)).json).toMatchObject({ code: 0, data: { transactions: [], older: null } });
    expect(codeOf(await post(api('history'), { before: 'x' }, session))).toBe(1021);
    expect(codeOf(await post(api('history'), { walletId }, session))).toBe(1021);
    expect(codeOf(await post(api('history'), {}))).toBe(9120);
    // A read without the session's token reads nothing (9121), as a change does: the tab's session may have been replaced.
    expect(codeOf(await post(api('history'), {}, { Cookie: cookie }))).toBe(9121);
    // docs/pages.md's example history answer is one the document allows.
    expectValid('#/components/schemas/HistoryPage', (JSON.parse(docBlock('pages.md', 'wallet-history-answer')) as { data: unknown }).data, 'docs/pages.md wallet-history-answer');

    expect(codeOf(await post(api('freeze'), {}, { Cookie: cookie }))).toBe(9121);
    expect(codeOf(await post(api('freeze'), {}))).toBe(9120);
    expect(codeOf(await post(api('freeze'), { walletId }, session))).toBe(1021);
    expect((await p.store.findWallet(walletId))!.status).toBe('active');
    expect((await post(api('freeze'), {}, session)).json).toMatchObject({ code: 0, data: { walletId, status: 'frozen', available: '40.00' } });
    expect((await post(api('balance'), {}, session)).json).toMatchObject({ code: 0, data: { status: 'frozen' } });
  });

  it('the cashier page API: sign-in, a charge that pays, its status, the till\'s charges, receipts and refunds, refusals, sign-out', async () => {
    const m = await createMerchant(p, 'Corner Shop');
    const created = await p.store.createCashier(m.mchId, 'lane-1', await hashPin('till-password-1'));
    if (typeof created === 'string') throw new Error(created);
    const api = (name: string) => `/api/page/cashier/${name}`;
    expect((await post(api('session'), {})).json).toMatchObject({ code: 0, data: { signedIn: false } });
    expect(codeOf(await post(api('sign-in'), { mchId: m.mchId, name: 'lane-1', password: 'wrong' }))).toBe(9020);
    expect(codeOf(await post(api('sign-in'), { mchId: 'x', name: 'lane-1', password: 'wrong' }))).toBe(1021);
    const signedIn = await post(api('sign-in'), { mchId: m.mchId, name: 'lane-1', password: 'till-password-1' });
    const session = { Cookie: signedIn.headers.get('set-cookie')!.split(';', 1)[0]!, 'X-CSRF-Token': signedIn.json!.data!.csrfToken as string };
    expect((await post(api('session'), {}, session)).json).toMatchObject({ code: 0, data: { signedIn: true, mchId: m.mchId } });
    const w = await createWalletWithCode(p, 10_00, 'Hal');
    const paid = await post(api('charge'), { mchOrderId: 'c-1', amount: '2.50', goodsInfo: 'coffee', payCode: w.payCode }, session);
    expect(paid.json).toMatchObject({ code: 0, data: { status: 'PAID', mchOrderId: 'c-1' } });
    const failed = await post(api('charge'), { mchOrderId: 'c-2', amount: '2.50', goodsInfo: 'coffee', payCode: w.payCode }, session);
    expect(failed.json).toMatchObject({ code: 0, data: { status: 'FAILED', reason: 'PAY_CODE_EXPIRED', order: null } });
    expect(codeOf(await post(api('charge'), { mchOrderId: 'c-3', amount: 'abc', goodsInfo: 'coffee', payCode: w.payCode }, session))).toBe(1021);
    expect(codeOf(await post(api('charge'), { mchOrderId: 'c 4', amount: '1.00', goodsInfo: 'coffee', payCode: w.payCode }, session))).toBe(1033);
    expect(codeOf(await post(api('charge'), { mchOrderId: 'c-5' }, { Cookie: session.Cookie }))).toBe(9121);
    // An order id the merchant's own system already used is not the till's: refused, and its state not shown.
    const own = await createWalletWithCode(p, 10_00, 'Ian');
    expect(codeOf(await pay(m, 'm-own', '1.00', own.payCode))).toBe(0);
    const fresh = await createWalletWithCode(p, 10_00, 'Joy');
    expect(codeOf(await post(api('charge'), { mchOrderId: 'm-own', amount: '1.00', goodsInfo: 'coffee', payCode: fresh.payCode }, session))).toBe(9030);
    expect((await post(api('charge-status'), { mchOrderId: 'm-own' }, session)).json).toMatchObject({ code: 0, data: { tradeStatus: null } });
    expect(codeOf(await post(api('charge-status'), { mchOrderId: 'c 1' }, session))).toBe(1033);
    expect(codeOf(await post(api('charge-status'), { mchOrderId: 'c-1', x: 1 }, session))).toBe(1021);
    expect((await post(api('charge-status'), { mchOrderId: 'c-1' }, session)).json).toMatchObject({ code: 0, data: { tradeStatus: 'PAID' } });
    expect((await post(api('charge-status'), { mchOrderId: 'c-9' }, session)).json).toMatchObject({ code: 0, data: { tradeStatus: null } });
    expect(codeOf(await post(api('charge-status'), { mchOrderId: 'c-1' }))).toBe(9120);
    // Cancel: a paid charge is too late (1023), another order is not the till's (9031).
    expect(codeOf(await post(api('charge-cancel'), { mchOrderId: 'c-1' }, session))).toBe(1023);
    expect(codeOf(await post(api('charge-cancel'), { mchOrderId: 'm-own' }, session))).toBe(9031);
    expect(codeOf(await post(api('charge-cancel'), { mchOrderId: 'c 1' }, session))).toBe(1033);
    expect(codeOf(await post(api('charge-cancel'), { mchOrderId: 'c-1' }, { Cookie: session.Cookie }))).toBe(9121);
    // The till's own charges: the list, a receipt, refunds.
    expect((await post(api('recent-charges'), {}, session)).json).toMatchObject({ code: 0, data: { next: null } });
    expect(codeOf(await post(api('recent-charges'), { before: 'x' }, session))).toBe(1021);
    expect(codeOf(await post(api('receipt'), { mchOrderId: 'c-1' }, session))).toBe(0);
    expect(codeOf(await post(api('receipt'), { mchOrderId: 'c-9' }, session))).toBe(9031);
    const tillRefund = { mchOrderId: 'c-1', mchRefundId: 'tr-1', refundAmount: '1.00' };
    expect((await post(api('refund'), tillRefund, session)).json).toMatchObject({ code: 0, data: { refund: { refundStatus: 'REFUNDED' } } });
    expect(codeOf(await post(api('refund'), { ...tillRefund, refundAmount: '1.50' }, session))).toBe(1032);
    expect(codeOf(await post(api('refund'), { ...tillRefund, mchRefundId: 'tr-2', refundAmount: '5.00' }, session))).toBe(9006);
    expect(codeOf(await post(api('refund'), { ...tillRefund, mchOrderId: 'c-9', mchRefundId: 'tr-3' }, session))).toBe(9031);
    expect((await post(api('receipt'), { mchOrderId: 'c-1' }, session)).json).toMatchObject({ code: 0, data: { refundedAmount: '1.00' } });
    expect(codeOf(await post(api('sign-out'), {}, session))).toBe(0);
  });

  it('the consoles\' APIs: merchant sign-in, the owner\'s Users section, a cashier refused; operator sign-in, Operators, sign-out', async () => {
    const m = await createMerchant(p, 'Corner Shop');
    for (const [name, role] of [['boss', 'owner'], ['lane-1', 'cashier']] as const) {
      if (typeof await p.store.createCashier(m.mchId, name, await hashPin('user-password-1'), { role }) === 'string') throw new Error('user');
    }
    const merchant = (name: string) => `/api/page/merchant/${name}`;
    expect((await post(merchant('session'), {})).json).toMatchObject({ code: 0, data: { signedIn: false } });
    expect(codeOf(await post(merchant('sign-in'), { mchId: m.mchId, name: 'boss', password: 'wrong' }))).toBe(9020);
    const signIn = async (name: string) => {
      const a = await post(merchant('sign-in'), { mchId: m.mchId, name, password: 'user-password-1' });
      return { Cookie: a.headers.get('set-cookie')!.split(';', 1)[0]!, 'X-CSRF-Token': a.json!.data!.csrfToken as string };
    };
    const owner = await signIn('boss');
    expect((await post(merchant('session'), {}, owner)).json).toMatchObject({ code: 0, data: { signedIn: true, role: 'owner' } });
    expect((await post(merchant('users/create'), { name: 'lane-2', refundLimit: '20.00' }, owner)).json).toMatchObject({ code: 0, data: { user: { refundLimit: '20.00', status: 'active' } } });
    expect(codeOf(await post(merchant('users/create'), { name: 'lane-2' }, { Cookie: owner.Cookie }))).toBe(9121);
    expect(codeOf(await post(merchant('users/list'), {}, owner))).toBe(0);
    expect(codeOf(await post(merchant('users/set-refund-limit'), { name: 'lane-2', refundLimit: null }, owner))).toBe(0);
    expect(codeOf(await post(merchant('users/reset-password'), { name: 'nobody' }, owner))).toBe(1021);
    const reset = await post(merchant('users/reset-password'), { name: 'lane-2' }, owner);
    expect(codeOf(reset)).toBe(0);
    expect(codeOf(await post(merchant('users/set-status'), { name: 'boss', status: 'disabled' }, owner))).toBe(9060);
    expect(codeOf(await post(merchant('users/set-status'), { name: 'lane-2', status: 'gone' }, owner))).toBe(1021);
    expect(codeOf(await post(merchant('users/set-status'), { name: 'lane-2', status: 'disabled' }, owner))).toBe(0);
    expect(codeOf(await post(merchant('users/reset-password'), { name: 'lane-2' }, owner))).toBe(9060);
    const lane2Password = reset.json!.data!.password as string;
    expect(codeOf(await post(merchant('sign-in'), { mchId: m.mchId, name: 'lane-2', password: lane2Password }))).toBe(9024);
    expect(codeOf(await post('/api/page/cashier/sign-in', { mchId: m.mchId, name: 'lane-2', password: lane2Password }))).toBe(9024);
    expect(codeOf(await post(merchant('users/set-status'), { name: 'lane-2', status: 'active' }, owner))).toBe(0);
    const cashier = await signIn('lane-1');
    for (const name of ['users/list', 'users/create', 'users/set-refund-limit', 'users/reset-password', 'users/set-status']) {
      expect(codeOf(await post(merchant(name), { name: 'lane-2', refundLimit: null }, cashier)), name).toBe(9122);
    }
    expect(codeOf(await post(merchant('users/list'), {}))).toBe(9120);
    expect(codeOf(await post(merchant('password/change'), { password: 'wrong' }, cashier))).toBe(9020);
    expect(codeOf(await post(merchant('password/change'), {}, cashier))).toBe(1021);
    expect(codeOf(await post(merchant('password/change'), { password: 'user-password-1' }, cashier))).toBe(0);
    expect(codeOf(await post(merchant('sign-out'), {}, cashier))).toBe(0);

    if (typeof await p.store.createOperator('ops', await hashPin('operator-pass-1'), null) === 'string') throw new Error('operator');
    const admin = (name: string) => `/api/page/admin/${name}`;
    expect((await post(admin('session'), {})).json).toMatchObject({ code: 0, data: { signedIn: false } });
    expect(codeOf(await post(admin('sign-in'), { name: 'ops', password: 'wrong' }))).toBe(9020);
    expect(codeOf(await post(admin('sign-in'), { name: 'ops', password: 'x', code: 'abc' }))).toBe(1021);
    const a = await post(admin('sign-in'), { name: 'ops', password: 'operator-pass-1' });
    const op = { Cookie: a.headers.get('set-cookie')!.split(';', 1)[0]!, 'X-CSRF-Token': a.json!.data!.csrfToken as string };
    expect((await post(admin('session'), {}, op)).json).toMatchObject({ code: 0, data: { signedIn: true, operatorName: 'ops' } });
    expect((await post(admin('operators'), {}, op)).json).toMatchObject({ code: 0, data: { operators: [{ name: 'ops', totp: false, locked: false }] } });
    expect(codeOf(await post(admin('operators'), {}))).toBe(9120);
    expect(codeOf(await post(admin('sign-out'), {}, { Cookie: op.Cookie }))).toBe(9121);
    expect(codeOf(await post(admin('sign-out'), {}, op))).toBe(0);
  });

  it('the merchant console\'s Orders, Order detail and Statements', async () => {
    const m = await createMerchant(p, 'Orders Shop');
    for (const [name, role] of [['boss', 'owner'], ['lane-1', 'cashier']] as const) {
      if (typeof await p.store.createCashier(m.mchId, name, await hashPin('user-password-1'), { role }) === 'string') throw new Error('user');
    }
    const w = await createWalletWithCode(p, 100_00, 'Olive');
    expect(codeOf(await pay(m, 'c-1', '10.00', w.payCode))).toBe(0);
    const merchant = (name: string) => `/api/page/merchant/${name}`;
    const signIn = async (name: string) => {
      const a = await post(merchant('sign-in'), { mchId: m.mchId, name, password: 'user-password-1' });
      return { Cookie: a.headers.get('set-cookie')!.split(';', 1)[0]!, 'X-CSRF-Token': a.json!.data!.csrfToken as string };
    };
    const owner = await signIn('boss');
    expect((await post(merchant('orders/search'), { status: 'PAID', limit: '20' }, owner)).json).toMatchObject({ code: 0, data: { orders: [{ mchOrderId: 'c-1' }] } });
    expect(codeOf(await post(merchant('orders/search'), { mchOrderId: 'bad id' }, owner))).toBe(1033);
    expect(codeOf(await post(merchant('orders/search'), {}))).toBe(9120);
    expect(codeOf(await post(merchant('orders/refund'), { mchOrderId: 'c-1', mchRefundId: 'r-1', refundAmount: '1.00', reason: 'returned' }, owner))).toBe(0);
    expect(codeOf(await post(merchant('orders/refund'), { mchOrderId: 'c-1', mchRefundId: 'r-2', refundAmount: '99.00', reason: 'x' }, owner))).toBe(9006);
    expect(codeOf(await post(merchant('orders/refund'), { mchOrderId: 'c-1', mchRefundId: 'r-2', refundAmount: '1.00', reason: 'x' }, { Cookie: owner.Cookie }))).toBe(9121);
    expect((await post(merchant('orders/detail'), { mchOrderId: 'c-1' }, owner)).json).toMatchObject({ code: 0, data: { order: { refundedAmount: '1.00' } } });
    expect(codeOf(await post(merchant('orders/detail'), { mchOrderId: 'none' }, owner))).toBe(1031);
    const today = formatWireTime(Date.now(), p.config.timeZone).slice(0, 10);
    expect((await post(merchant('statements/day'), { date: today }, owner)).json).toMatchObject({ code: 0, data: { payments: '10.00', refunds: '1.00' } });
    expect((await post(merchant('statements/download'), { date: today }, owner)).headers.get('content-type')).toBe('text/csv; charset=utf-8');
    expect(codeOf(await post(merchant('statements/download'), { date: 'today' }, owner))).toBe(1021);
    const cashier = await signIn('lane-1');
    expect(codeOf(await post(merchant('orders/refund'), { mchOrderId: 'c-1', mchRefundId: 'r-3', refundAmount: '1.00', reason: 'x' }, cashier))).toBe(9031);
    for (const name of ['statements/day', 'statements/download']) expect(codeOf(await post(merchant(name), { date: today }, cashier)), name).toBe(9122);
  });

  it('the operator console\'s Merchants, Wallets and Payouts answer as documented', async () => {
    if (typeof await p.store.createOperator('ops-manage', await hashPin('operator-pass-1'), null) === 'string') throw new Error('operator');
    const admin = (name: string) => `/api/page/admin/${name}`;
    const a = await post(admin('sign-in'), { name: 'ops-manage', password: 'operator-pass-1' });
    const op = { Cookie: a.headers.get('set-cookie')!.split(';', 1)[0]!, 'X-CSRF-Token': a.json!.data!.csrfToken as string };
    const created = await post(admin('merchants/create'), { name: 'Docs Shop', notifyUrl: 'https://shop.example/notify' }, op);
    const mchId = (created.json!.data!.merchant as { mchId: string }).mchId;
    expect(codeOf(await post(admin('merchants/import'), { name: 'Moved Shop', mchId: '88880001', key: 'K'.repeat(32) }, op))).toBe(0);
    expect(codeOf(await post(admin('merchants/import'), { name: 'Moved Again', mchId: '88880001', key: 'K'.repeat(32) }, op))).toBe(9060);
    expect(codeOf(await post(admin('merchants/list'), { limit: 2 }, op))).toBe(0);
    expect(codeOf(await post(admin('merchants/set-status'), { mchId, status: 'disabled' }, op))).toBe(0);
    expect(codeOf(await post(admin('merchants/set-status'), { mchId: '999999999', status: 'active' }, op))).toBe(1031);
    expect(codeOf(await post(admin('merchants/roll-key'), { mchId, overlapHours: '1' }, op))).toBe(0);
    expect(codeOf(await post(admin('merchants/payout-account'), { mchId }, op))).toBe(0);
    expect(codeOf(await post(admin('merchants/check-payout-account'), { holderName: 'A', bankName: 'B', accountNumber: 'gb82 west 1234 5698 7654 32' }, op))).toBe(0);
    expect(codeOf(await post(admin('merchants/check-payout-account'), { holderName: 'A', bankName: 'B', accountNumber: 'GB00' }, op))).toBe(1021);
    const account = { mchId, holderName: 'Docs Shop Ltd', bankName: 'West Bank', accountNumber: 'GB82 WEST 1234 5698 7654 32' };
    expect(codeOf(await post(admin('merchants/set-payout-account'), account, op))).toBe(0);
    expect(codeOf(await post(admin('merchants/set-payout-account'), { ...account, accountNumber: 'GB00' }, op))).toBe(1021);
    expect(codeOf(await post(admin('merchants/payout-account'), { mchId: '999999999' }, op))).toBe(1031);
    if (typeof await p.store.createCashier(mchId, 'docs-till', await hashPin('user-password-1')) === 'string') throw new Error('user');
    expect(codeOf(await post(admin('merchants/users'), { mchId }, op))).toBe(0);
    expect(codeOf(await post(admin('merchants/create-user'), { mchId, name: 'docs-owner', role: 'owner' }, op))).toBe(0);
    expect(codeOf(await post(admin('merchants/create-user'), { mchId, name: 'docs-owner', role: 'cashier', refundLimit: '5.00' }, op))).toBe(1021);
    expect(codeOf(await post(admin('merchants/create-user'), { mchId: '999999999', name: 'docs-owner', role: 'owner' }, op))).toBe(1031);
    expect(codeOf(await post(admin('merchants/users'), { mchId: '999999999' }, op))).toBe(1031);
    expect(codeOf(await post(admin('merchants/reset-user-password'), { mchId, name: 'docs-till' }, op))).toBe(0);
    expect(codeOf(await post(admin('merchants/set-user-status'), { mchId, name: 'docs-till', status: 'disabled' }, op))).toBe(0);
    expect(codeOf(await post(admin('merchants/set-user-status'), { mchId, name: 'nobody', status: 'disabled' }, op))).toBe(1021);
    expect(codeOf(await post(admin('merchants/reset-user-password'), { mchId, name: 'docs-till' }, op))).toBe(9060);
    expect(codeOf(await post(admin('merchants/reset-user-password'), { mchId: '999999999', name: 'docs-till' }, op))).toBe(1031);
    expect(codeOf(await post(admin('merchants/set-user-status'), { mchId: '999999999', name: 'docs-till', status: 'active' }, op))).toBe(1031);
    expect(codeOf(await post(admin('merchants/list'), {}, { Cookie: op.Cookie }))).toBe(9121);
    expect(codeOf(await post(admin('merchants/create'), { name: 'No Csrf' }, { Cookie: op.Cookie }))).toBe(9121);
    expect(codeOf(await post(admin('merchants/create'), { name: 'No Session' }))).toBe(9120);
    const wallet = await post(admin('wallets/create'), { name: 'Docs Holder', openingBalance: '10.00', pin: '1234', confirmLimit: '50.00' }, op);
    const walletId = (wallet.json!.data!.wallet as { walletId: string }).walletId;
    expect(codeOf(await post(admin('wallets/search'), { name: 'docs' }, op))).toBe(0);
    expect(codeOf(await post(admin('wallets/detail'), { walletId }, op))).toBe(0);
    expect(codeOf(await post(admin('wallets/detail'), { walletId: '600000000999' }, op))).toBe(1040);
    expect(codeOf(await post(admin('wallets/top-up'), { walletId, amount: '5.00' }, op))).toBe(0);
    expect(codeOf(await post(admin('wallets/freeze'), { walletId }, op))).toBe(0);
    expect(codeOf(await post(admin('wallets/unfreeze'), { walletId }, op))).toBe(0);
    expect(codeOf(await post(admin('wallets/unlock-pin'), { walletId }, op))).toBe(0);
    const topUps = await post(admin('wallets/history'), { walletId }, op);
    const topUp = (topUps.json!.data!.transactions as { entryId: string }[])[0]!.entryId;
    expect(codeOf(await post(admin('wallets/reverse-top-up'), { walletId, entryId: topUp, reason: 'typed twice' }, op))).toBe(0);
    expect(codeOf(await post(admin('wallets/reverse-top-up'), { walletId, entryId: topUp, reason: 'typed twice' }, op))).toBe(9060);
    expect(codeOf(await post(admin('wallets/reverse-top-up'), { walletId, entryId: topUp, reason: '' }, op))).toBe(1021);
    expect(codeOf(await post(admin('wallets/reverse-top-up'), { walletId: '600000000999', entryId: topUp, reason: 'x' }, op))).toBe(1040);
    // The reversal and the top-up it took back, as the document says they are shown.
    expect(codeOf(await post(admin('wallets/history'), { walletId }, op))).toBe(0);
    expect(codeOf(await post(admin('wallets/set-pin'), { walletId, pin: '2468' }, op))).toBe(0);
    expect(codeOf(await post(admin('wallets/set-limit'), { walletId, confirmLimit: 'default' }, op))).toBe(0);
    expect(codeOf(await post(admin('wallets/new-token'), { walletId }, op))).toBe(0);
    expect(codeOf(await post(admin('wallets/sign-in-link'), { walletId }, op))).toBe(0);
    const device = await p.store.enrolOfflineDevice(walletId, 'phone', { lifetimeMs: 86_400_000, sessionHash: null });
    const deviceId = typeof device === 'string' ? '' : String(device.deviceIndex).padStart(8, '0');
    const withDevice = await post(admin('wallets/detail'), { walletId }, op);
    expect(withDevice.json!.data!.wallet).toMatchObject({ devices: [{ deviceId, label: 'phone', status: 'active', revokedAt: null }] });
    expect(codeOf(await post(admin('wallets/revoke-devices'), { walletId, deviceId: deviceId === '00000000' ? '00000001' : '00000000' }, op))).toBe(1031);
    expect(codeOf(await post(admin('wallets/revoke-devices'), { walletId, deviceId: 'x' }, op))).toBe(1021);
    expect(codeOf(await post(admin('wallets/revoke-devices'), { walletId, deviceId: null }, op))).toBe(1021);
    const revoked = await post(admin('wallets/revoke-devices'), { walletId, deviceId }, op);
    expect(revoked.json!.data!.wallet).toMatchObject({ devices: [{ deviceId, status: 'revoked' }] });
    expect(codeOf(await post(admin('wallets/revoke-devices'), { walletId }, op))).toBe(0);
    expect(codeOf(await post(admin('wallets/revoke-devices'), { walletId: '600000000999' }, op))).toBe(1040);
    expect(codeOf(await post(admin('wallets/close'), { walletId }, op))).toBe(0);
    expect(codeOf(await post(admin('wallets/top-up'), { walletId, amount: '5.00' }, op))).toBe(9060);
    const payouts = await post(admin('payouts/list'), {}, op);
    const payoutId = (payouts.json!.data!.payouts as { payoutId: string }[])[0]!.payoutId;
    expect(codeOf(await post(admin('payouts/fail'), { payoutId, reason: 'account closed' }, op))).toBe(0);
    expect(codeOf(await post(admin('payouts/confirm'), { payoutId }, op))).toBe(9042);
    expect(codeOf(await post(admin('payouts/confirm'), { payoutId: '1' }, op))).toBe(9041);
    expect(codeOf(await post(admin('wallets/close'), { walletId }, op))).toBe(0);
    const again = await post(admin('payouts/list'), { status: 'all', limit: 1 }, op);
    expect(codeOf(await post(admin('payouts/confirm'), { payoutId: (again.json!.data!.payouts as { payoutId: string }[])[0]!.payoutId }, op))).toBe(0);
    expect(codeOf(await post(admin('payouts/list'), { status: 'all', cursor: again.json!.data!.next }, op))).toBe(0);
    expect(codeOf(await post(admin('payouts/list'), { status: 'all', from: '2026-12-01', to: '2999-12-31' }, op))).toBe(0);
    const file = await post(admin('payouts/download'), { status: 'all', from: '2026-12-01' }, op);
    expect(file.headers.get('content-type')).toBe('text/csv; charset=utf-8');
    expect(codeOf(await post(admin('payouts/download'), { from: '2026-12-32' }, op))).toBe(1021);
    // The rest of a payout file, paid: the total checked, then all of it at once; again, a repeat.
    await p.store.closeWallet((await createWalletWithCode(p, 2_00, 'Leaving too')).walletId);
    const made = await post(admin('payouts/download'), {}, op);
    const fileNo = made.headers.get('x-payout-file')!;
    const total = made.headers.get('x-payout-total')!;
    expect(codeOf(await post(admin('payouts/confirm-file'), { file: fileNo, total: '0.01' }, op))).toBe(9045);
    expect((await post(admin('payouts/confirm-file'), { file: fileNo, total }, op)).json).toMatchObject({ code: 0, data: { confirmed: 1, total, repeat: false } });
    expect((await post(admin('payouts/confirm-file'), { file: fileNo, total }, op)).json).toMatchObject({ code: 0, data: { confirmed: 0, repeat: true } });
    expect(codeOf(await post(admin('payouts/confirm-file'), { file: String(Number(fileNo) + 1), total }, op))).toBe(1021);
    expect(codeOf(await post(admin('payouts/confirm-file'), { file: '0', total }, op))).toBe(1021);
  });

  it('the operator console\'s Dashboard, Ledger audit, Notifications and Audit log', async () => {
    const m = await createMerchant(p, 'Watched Shop');
    await p.store.updateMerchant(m.mchId, { notifyUrl: 'http://127.0.0.1:9/notify' });
    expect((await p.store.sendTestNotification(m.mchId)).kind).toBe('queued');
    await execute(p.store, "UPDATE notifications SET status = 'dead', last_error = 'connection refused'");
    if (typeof await p.store.createOperator('watcher', await hashPin('operator-pass-1'), null) === 'string') throw new Error('operator');
    const admin = (name: string) => `/api/page/admin/${name}`;
    const a = await post(admin('sign-in'), { name: 'watcher', password: 'operator-pass-1' });
    const op = { Cookie: a.headers.get('set-cookie')!.split(';', 1)[0]!, 'X-CSRF-Token': a.json!.data!.csrfToken as string };
    expect(codeOf(await post(admin('dashboard'), { range: '24h' }, op))).toBe(0);
    expect(codeOf(await post(admin('dashboard'), { range: '1y' }, op))).toBe(1021);
    expect(codeOf(await post(admin('dashboard'), {}))).toBe(9120);
    expect((await post(admin('ledger-audit'), {}, op)).json).toMatchObject({ code: 0, data: { ok: true } });
    expect(codeOf(await post(admin('ledger-audit'), {}, { Cookie: op.Cookie }))).toBe(9121);
    expect(codeOf(await post(admin('notifications/health'), {}, op))).toBe(0);
    const dead = await post(admin('notifications/dead'), { mchId: m.mchId }, op);
    expect(dead.json).toMatchObject({ code: 0, data: { notifications: [{ eventType: 'TEST' }] } });
    const id = (dead.json!.data!.notifications as { notificationId: string }[])[0]!.notificationId;
    expect(codeOf(await post(admin('notifications/retry'), { notificationId: id }, op))).toBe(0);
    expect(codeOf(await post(admin('notifications/retry'), { notificationId: '00000000-0000-0000-0000-000000000000' }, op))).toBe(9051);
    expect((await post(admin('audit-log'), { action: 'notification.retry' }, op)).json).toMatchObject({ code: 0, data: { entries: [{ action: 'notification.retry' }] } });
    expect(codeOf(await post(admin('audit-log'), { action: 'nope' }, op))).toBe(1021);
  });

  it('the merchant console\'s account sections: API key, notifications, balance and payouts, activity; a cashier refused; a disabled merchant', async () => {
    const m = await createMerchant(p, 'Key Shop');
    for (const [name, role] of [['boss', 'owner'], ['lane-1', 'cashier']] as const) {
      if (typeof await p.store.createCashier(m.mchId, name, await hashPin('user-password-1'), { role }) === 'string') throw new Error('user');
    }
    const merchant = (name: string) => `/api/page/merchant/${name}`;
    const signIn = async (name: string) => {
      const a = await post(merchant('sign-in'), { mchId: m.mchId, name, password: 'user-password-1' });
      return { Cookie: a.headers.get('set-cookie')!.split(';', 1)[0]!, 'X-CSRF-Token': a.json!.data!.csrfToken as string };
    };
    const owner = await signIn('boss');
    const w = await createWalletWithCode(p, 100_00, 'Alice');
    expect(codeOf(await pay(m, 'acct-1', '40.00', w.payCode))).toBe(0);
    expect(codeOf(await post(merchant('api-key/show'), {}, owner))).toBe(0);
    expect(codeOf(await post(merchant('api-key/roll'), { overlapHours: '999' }, owner))).toBe(1021);
    expect(codeOf(await post(merchant('api-key/roll'), { overlapHours: '1' }, owner))).toBe(0);
    expect(codeOf(await post(merchant('notifications/test'), {}, owner))).toBe(9050);
    expect(codeOf(await post(merchant('notifications/set-url'), { notifyUrl: 'ftp://x' }, owner))).toBe(1021);
    expect(codeOf(await post(merchant('notifications/set-url'), { notifyUrl: 'http://127.0.0.1:9/hook' }, owner))).toBe(0);
    expect(codeOf(await post(merchant('notifications/show'), {}, owner))).toBe(0);
    const sent = await post(merchant('notifications/test'), {}, owner);
    expect(codeOf(sent)).toBe(0);
    expect(codeOf(await post(merchant('notifications/test-attempts'), { notificationId: sent.json!.data!.notificationId }, owner))).toBe(0);
    expect(codeOf(await post(merchant('notifications/dead'), { limit: 5 }, owner))).toBe(0);
    expect(codeOf(await post(merchant('notifications/retry'), { notificationId: '00000000-0000-0000-0000-000000000000' }, owner))).toBe(9051);
    expect(codeOf(await post(merchant('notifications/retry'), { notificationId: sent.json!.data!.notificationId }, owner))).toBe(0);
    expect(codeOf(await post(merchant('notifications/retry-all'), {}, owner))).toBe(0);
    expect(codeOf(await post(merchant('balance/request-payout'), { amount: '5.00', requestId: 'r-0' }, owner))).toBe(9044);
    expect(codeOf(await post(merchant('balance/payout-account'), {}, owner))).toBe(0);
    const account = { holderName: 'Corner Shop Ltd', bankName: 'West Bank', accountNumber: 'GB82 WEST 1234 5698 7654 32' };
    expect(codeOf(await post(merchant('balance/set-payout-account'), { ...account, accountNumber: 'GB00WEST12345698765432', password: 'user-password-1' }, owner))).toBe(1021);
    expect(codeOf(await post(merchant('balance/set-payout-account'), { ...account, password: 'not-it' }, owner))).toBe(9020);
    expect(codeOf(await post(merchant('balance/set-payout-account'), { ...account, password: 'user-password-1' }, owner))).toBe(0);
    expect(codeOf(await post(merchant('balance/request-payout'), { amount: '99.00', requestId: 'r-1' }, owner))).toBe(9040);
    expect(codeOf(await post(merchant('balance/request-payout'), { amount: '10.00', requestId: 'r-1' }, owner))).toBe(0);
    expect(codeOf(await post(merchant('balance/request-payout'), { amount: '11.00', requestId: 'r-1' }, owner))).toBe(9043);
    expect(codeOf(await post(merchant('balance/show'), {}, owner))).toBe(0);
    expect(codeOf(await post(merchant('balance/payouts'), { limit: 1 }, owner))).toBe(0);
    expect(codeOf(await post(merchant('activity'), { limit: 2 }, owner))).toBe(0);
    const cashier = await signIn('lane-1');
    expect(codeOf(await post(merchant('api-key/roll'), {}, cashier))).toBe(9122);
    expect(codeOf(await post(merchant('activity'), {}, cashier))).toBe(9122);
    await p.store.setMerchantStatus(m.mchId, 'disabled');
    expect(codeOf(await post(merchant('balance/show'), {}, cashier))).toBe(1022);
    expect(codeOf(await post(merchant('users/list'), {}, owner))).toBe(1022);
  });

  it('the operator\'s endpoints, this document and the pages', async () => {
    for (const path of ['/health/live', '/health/ready', '/metrics', '/openapi.json', '/', '/favicon.svg', '/docs', '/wallet', '/wallet-sw.js', '/cashier', '/merchant', '/admin']) {
      expect((await request('GET', path)).status, path).toBe(200);
    }
  });

  it('every documented operation was reached by a real request above', () => {
    const operations = Object.entries(doc.paths).flatMap(([path, ops]) => Object.keys(ops).map((method) => `${method} ${path}`));
    expect(operations.filter((op) => !reached.has(op))).toEqual([]);
  });
});
