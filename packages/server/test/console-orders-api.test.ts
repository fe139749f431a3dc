import { formatWireTime, Secret } from '@micropay/protocol';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { hashPin } from '../src/domain/credentials.js';
import { newApiKey } from '../src/domain/ids.js';
import { createLogger } from '../src/log.js';
import { NotifyDestinations } from '../src/notify/destinations.js';
import { NotificationWorker } from '../src/notify/worker.js';
import { sql } from './db-access.js';
import { createMerchant, createWalletWithCode, micropayParams, postSigned, startTestPlatform, type TestMerchant, type TestPlatform } from './helpers.js';
import { Receiver } from './notify-receiver.js';
import { as, pageCall, sessionOf, signInCashier, type PageAnswer, type Session } from './page-helpers.js';

/**
 * The merchant console's Orders, Order detail and Statements (docs/consoles.md), over real HTTP on
 * both stores: a cashier's search and detail are its own till's whatever the body says, and no
 * user ever reads another merchant's order; refunds follow the till's rules for a cashier (its own
 * charges, its limit) and are audited with the address; statements are the owner's, and the
 * download is downloadBill's CSV, audited.
 */
let p: TestPlatform;
const call = (path: string, body: unknown, s: Session | null, csrf: string | null = s?.csrf ?? null): Promise<PageAnswer> =>
  pageCall(p, `merchant/${path}`, body, as(s, csrf));
// The worker of the test's own: the platform's runs once at start and then not for ten minutes.
const IDLE = { MICROPAY_NOTIFY_INTERVAL_MS: '600000', MICROPAY_NOTIFY_TIMEOUT_MS: '1000' };

beforeEach(async () => {
  p = await startTestPlatform(IDLE);
});
afterEach(async () => {
  await p.stop();
});

async function console(m: TestMerchant, name: string, role: 'owner' | 'cashier', refundLimitSen: number | null = null): Promise<Session> {
  if (role === 'owner') {
    const created = await p.store.createCashier(m.mchId, name, await hashPin('till-password'), { role, refundLimitSen });
    if (typeof created === 'string') throw new Error(created);
  } else if (refundLimitSen !== null) {
    await p.store.setRefundLimit(m.mchId, name, refundLimitSen);
  }
  return sessionOf(await pageCall(p, 'merchant/sign-in', { mchId: m.mchId, name, password: 'till-password' }));
}

/** A paid charge at the till `s` (its cashier signed in there), from a fresh wallet. */
async function charged(s: Session, mchOrderId: string, amount = '5.00'): Promise<void> {
  const { payCode } = await createWalletWithCode(p, 50_00);
  const r = await pageCall(p, 'cashier/charge', { mchOrderId, amount, goodsInfo: 'Coffee', payCode }, as(s));
  expect([r.code, r.data?.status]).toEqual([0, 'PAID']);
}

/** A paid order through the merchant API (not a till's). */
async function paid(m: TestMerchant, mchOrderId: string, amount = '5.00'): Promise<string> {
  const { payCode } = await createWalletWithCode(p, 50_00);
  const r = await postSigned(p.url, 'micropay', micropayParams(m, mchOrderId, amount, payCode), m.key);
  expect(r.body.code).toBe(0);
  return r.body.data!.wavpayOrderId as string;
}

const ids = (a: PageAnswer) => (a.data!.orders as { mchOrderId: string }[]).map((o) => o.mchOrderId).sort();
const count = async (table: string) => Number((await sql<{ n: number | string }>(p.store, `SELECT COUNT(*) AS n FROM ${table}`))[0]!.n);

/** Two tills and the merchant's own system at one shop, and another shop with the same order ids. */
async function twoShops() {
  const shop = await createMerchant(p, 'Corner Shop');
  const other = await createMerchant(p, 'Other Shop');
  const lane1Till = await signInCashier(p, shop.mchId, 'lane-1');
  const lane2Till = await signInCashier(p, shop.mchId, 'lane-2');
  await charged(lane1Till, 'lane1-a');
  await charged(lane1Till, 'lane1-b');
  await charged(lane2Till, 'lane2-a');
  await paid(shop, 'api-a');
  const theirLane1 = await paid(other, 'lane1-a');
  await paid(other, 'other-a');
  return { shop, other, theirLane1 };
}

describe('orders: who sees what', () => {
  it("a cashier's search and detail show only its own till's charges, whatever the body says", async () => {
    const { shop } = await twoShops();
    const lane1 = await console(shop, 'lane-1', 'cashier');
    expect(ids(await call('orders/search', {}, lane1))).toEqual(['lane1-a', 'lane1-b']);
    expect(ids(await call('orders/search', { mchOrderIdPrefix: 'lane' }, lane1))).toEqual(['lane1-a', 'lane1-b']);
    expect(ids(await call('orders/search', { mchOrderId: 'lane2-a' }, lane1))).toEqual([]);
    expect(ids(await call('orders/search', { mchOrderId: 'other-a' }, lane1))).toEqual([]);
    const lane2Id = (await p.store.listMerchantUsers(shop.mchId)).find((u) => u.name === 'lane-2')!.cashierId;
    expect((await call('orders/search', { cashierId: lane2Id }, lane1)).code).toBe(1021);
    expect((await call('orders/search', { mchId: '1' }, lane1)).code).toBe(1021);
    const mine = await call('orders/detail', { mchOrderId: 'lane1-a' }, lane1);
    expect(mine.data!.order).toMatchObject({ mchOrderId: 'lane1-a', amount: '5.00', tradeStatus: 'PAID' });
    expect(mine.data!.order.wallet).toMatch(/^•••• \d{4}$/);
    for (const mchOrderId of ['lane2-a', 'api-a', 'other-a']) {
      expect((await call('orders/detail', { mchOrderId }, lane1)).code, mchOrderId).toBe(1031);
    }
    expect((await call('orders/detail', { mchOrderId: 'lane1-a', mchId: '1' }, lane1)).code).toBe(1021);
  });

  it("the owner sees every order of its merchant and none of another's", async () => {
    const { shop, theirLane1 } = await twoShops();
    const owner = await console(shop, 'boss', 'owner');
    expect(ids(await call('orders/search', {}, owner))).toEqual(['api-a', 'lane1-a', 'lane1-b', 'lane2-a']);
    const lane1 = await call('orders/detail', { mchOrderId: 'lane1-a' }, owner);
    expect(lane1.data!.order.wavpayOrderId).not.toBe(theirLane1);
    expect((await call('orders/detail', { mchOrderId: 'other-a' }, owner)).code).toBe(1031);
    // The customer's wallet id is masked in the postings too, as in the order's fields.
    const walletId = (await p.store.findOrder(shop.mchId, 'lane1-a'))!.walletId;
    expect(lane1.text).not.toContain(walletId);
    expect(lane1.text).toContain(`wallet:•••• ${walletId.slice(-4)}`);
    const kinds = (lane1.data!.events as { kind: string }[]).map((e) => e.kind);
    expect(kinds.slice(0, 2)).toEqual(['tillCharge', 'trade']);
    expect(kinds).toContain('paid');
  });

  it('bad filters and ids answer the catalogue codes; no session is 9120', async () => {
    const shop = await createMerchant(p);
    const owner = await console(shop, 'boss', 'owner');
    for (const [body, code] of [
      [{ from: '2026-13-01' }, 1021], [{ status: 'PAYED' }, 1021], [{ minAmount: '1.001' }, 1021], [{ limit: '0' }, 1021],
      [{ cursor: 'nonsense' }, 1021], [{ mchOrderId: 'bad id' }, 1033], [{ from: '2026-12-05', to: '2026-12-01' }, 1021], [{ colour: 'red' }, 1021],
    ] as const) {
      const a = await call('orders/search', body, owner);
      expect([a.code, a.data], JSON.stringify(body)).toEqual([code, null]);
    }
    // No state named, as an empty list or as empty text, is no filter (an empty list was a 500).
    for (const status of [[], '']) expect((await call('orders/search', { status }, owner)).code, JSON.stringify(status)).toBe(0);
    expect((await call('orders/detail', { mchOrderId: 'bad id' }, owner)).code).toBe(1033);
    expect((await call('orders/detail', {}, owner)).code).toBe(1033);
    expect((await call('orders/search', {}, null)).code).toBe(9120);
    expect((await call('orders/detail', { mchOrderId: 'x' }, null)).code).toBe(9120);
  });
});

describe('refunds from the order detail', () => {
  it('a cashier over its refund limit is refused with 9032 and nothing is written', async () => {
    const shop = await createMerchant(p);
    const till = await signInCashier(p, shop.mchId, 'lane-1');
    await charged(till, 'c-1', '30.00');
    const lane1 = await console(shop, 'lane-1', 'cashier', 20_00);
    const [refunds, audit] = [await count('refunds'), await count('audit_log')];
    const a = await call('orders/refund', { mchOrderId: 'c-1', mchRefundId: 'r-1', refundAmount: '20.01', reason: 'spilt' }, lane1);
    expect([a.code, a.msg]).toEqual([9032, 'refund over the user\'s limit: your refund limit is 20.00 for each sale']);
    expect([await count('refunds'), await count('audit_log')]).toEqual([refunds, audit]);
    expect((await call('orders/refund', { mchOrderId: 'c-1', mchRefundId: 'r-2', refundAmount: '20.00', reason: 'spilt' }, lane1)).code).toBe(0);
  });

  it("a cashier cannot refund another till's charge or the merchant's own order (9031), nor without CSRF (9121)", async () => {
    const shop = await createMerchant(p);
    const lane2Till = await signInCashier(p, shop.mchId, 'lane-2');
    await charged(lane2Till, 'c-2');
    await paid(shop, 'api-1');
    await signInCashier(p, shop.mchId, 'lane-1');
    const lane1 = await console(shop, 'lane-1', 'cashier');
    const refunds = await count('refunds');
    for (const mchOrderId of ['c-2', 'api-1']) {
      expect((await call('orders/refund', { mchOrderId, mchRefundId: `r-${mchOrderId}`, refundAmount: '1.00', reason: 'x' }, lane1)).code).toBe(9031);
    }
    const owner = await console(shop, 'boss', 'owner');
    expect((await call('orders/refund', { mchOrderId: 'c-2', mchRefundId: 'r-3', refundAmount: '1.00', reason: 'x' }, owner, null)).code).toBe(9121);
    expect(await count('refunds')).toBe(refunds);
  });

  it("the owner refunds any order of its merchant, not another's; audited with the address; a repeat is the same refund", async () => {
    const shop = await createMerchant(p);
    const other = await createMerchant(p, 'Other Shop');
    await paid(shop, 'api-1', '10.00');
    await paid(other, 'theirs', '10.00');
    const owner = await console(shop, 'boss', 'owner');
    const body = { mchOrderId: 'api-1', mchRefundId: 'r-1', refundAmount: '4.00', reason: 'returned a cup' };
    const a = await call('orders/refund', body, owner);
    expect(a.data).toMatchObject({ refund: { refundAmount: '4.00', refundStatus: 'REFUNDED' }, charge: { refundableAmount: '6.00' } });
    expect((await call('orders/refund', body, owner)).data!.refund.refundId).toBe(a.data!.refund.refundId);
    expect((await call('orders/refund', { ...body, mchOrderId: 'theirs', mchRefundId: 'r-2' }, owner)).code).toBe(1031);
    expect((await call('orders/refund', { ...body, mchRefundId: 'r-3', reason: '' }, owner)).code).toBe(1021);
    expect((await call('orders/refund', { ...body, mchRefundId: 'r-3', reason: 'a|b' }, owner)).code).toBe(1021);
    expect(await count('refunds')).toBe(1);
    const logged = (await p.store.listAuditLog({ mchId: shop.mchId, action: 'refund.request', limit: 10 }));
    expect(logged).toHaveLength(1);
    expect(logged[0]).toMatchObject({ actor: { kind: 'merchantUser', name: 'boss', role: 'owner' }, detail: { mchOrderId: 'api-1', amount: '4.00' } });
    expect(logged[0]!.address).toMatch(/127\.0\.0\.1|::1/);
    const refund = (await p.store.refundsOfOrder(a.data!.charge.wavpayOrderId))[0]!;
    expect(refund.reason).toBe('returned a cup');
  });

  it("the timeline shows the refund and the notification attempts of the order and of its refund", async () => {
    const receiver = await new Receiver((n) => (n === 1 ? 'fail' : 'accept')).start();
    try {
      const key = newApiKey();
      const created = await p.store.createMerchant({ name: 'Notified Shop', apiKey: new Secret(key), notifyUrl: receiver.url });
      const shop = { mchId: created.mchId, key, name: created.name };
      await paid(shop, 'n-1');
      const owner = await console(shop, 'boss', 'owner');
      expect((await call('orders/refund', { mchOrderId: 'n-1', mchRefundId: 'r-1', refundAmount: '1.00', reason: 'x' }, owner)).code).toBe(0);
      const worker = new NotificationWorker({ store: p.store, clock: { nowMs: () => Date.now() }, logger: createLogger('error', () => {}), timeZone: p.config.timeZone, timeoutMs: 1000, retryScheduleS: [0], destinations: new NotifyDestinations(p.config.notifyPrivateNetworks) });
      await worker.runOnce();
      await worker.runOnce();
      const detail = await call('orders/detail', { mchOrderId: 'n-1' }, owner);
      const events = detail.data!.events as { kind: string; source?: string; detail?: Record<string, unknown>; amount?: string }[];
      expect(events.filter((e) => e.kind === 'refunded').map((e) => e.amount)).toEqual(['1.00']);
      const attempts = events.filter((e) => e.source === 'notification').map((e) => [e.detail!.event, e.detail!.outcome]);
      expect(attempts).toEqual(expect.arrayContaining([['PAID', 'http_status'], ['PAID', 'delivered'], ['REFUNDED', 'delivered']]));
    } finally {
      await receiver.stop();
    }
  });
});

describe('statements', () => {
  async function download(s: Session | null, body: unknown, csrf: string | null = s?.csrf ?? null) {
    const res = await fetch(`${p.url}/api/page/merchant/statements/download`, {
      method: 'POST', headers: { 'Content-Type': 'application/json', ...as(s, csrf) }, body: JSON.stringify(body),
    });
    return { status: res.status, type: res.headers.get('content-type'), disposition: res.headers.get('content-disposition'), text: await res.text() };
  }

  it("the owner's day has the statement's totals, and its download is downloadBill's CSV, audited", async () => {
    const shop = await createMerchant(p);
    await paid(shop, 'a-1', '10.00');
    await paid(shop, 'a-2', '2.50');
    const owner = await console(shop, 'boss', 'owner');
    await call('orders/refund', { mchOrderId: 'a-1', mchRefundId: 'r-1', refundAmount: '1.00', reason: 'x' }, owner);
    const today = formatWireTime(Date.now(), p.config.timeZone).slice(0, 10);
    const day = await call('statements/day', { date: today }, owner);
    expect(day.data).toMatchObject({ date: today, paymentCount: 2, payments: '12.50', refundCount: 1, refunds: '1.00', net: '11.50', opening: '0.00', closing: '11.50', payouts: '0.00' });
    const file = await download(owner, { date: today });
    expect([file.status, file.type, file.disposition]).toEqual([200, 'text/csv; charset=utf-8', `attachment; filename="statement-${shop.mchId}-${today}.csv"`]);
    const bill = await postSigned(p.url, 'downloadBill', { mchId: shop.mchId, billDate: today }, shop.key);
    expect(file.text).toBe((bill.body.data as unknown as { csv: string }).csv);
    const logged = await p.store.listAuditLog({ mchId: shop.mchId, action: 'statement.download', limit: 10 });
    expect(logged.map((e) => [e.actor.kind, e.detail.date])).toEqual([['merchantUser', today]]);
    expect(logged[0]!.address).toMatch(/127\.0\.0\.1|::1/);
  });

  it('are refused to a cashier (9122), without CSRF (9121) or a session (9120), and for a bad date (1021); nothing is logged', async () => {
    const shop = await createMerchant(p);
    await signInCashier(p, shop.mchId, 'lane-1');
    const lane1 = await console(shop, 'lane-1', 'cashier');
    const owner = await console(shop, 'boss', 'owner');
    expect((await call('statements/day', { date: '2026-12-05' }, lane1)).code).toBe(9122);
    const refused = await download(lane1, { date: '2026-12-05' });
    expect([refused.status, refused.type, JSON.parse(refused.text).code]).toEqual([403, 'application/json; charset=utf-8', 9122]);
    expect(JSON.parse((await download(owner, { date: '2026-12-05' }, null)).text).code).toBe(9121);
    expect(JSON.parse((await download(null, { date: '2026-12-05' })).text).code).toBe(9120);
    for (const body of [{ date: '2026-02-30' }, {}, { date: '2026-12-05', mchId: shop.mchId }]) {
      expect(JSON.parse((await download(owner, body)).text).code, JSON.stringify(body)).toBe(1021);
      expect((await call('statements/day', body, owner)).code, JSON.stringify(body)).toBe(1021);
    }
    expect(await p.store.listAuditLog({ action: 'statement.download', limit: 10 })).toEqual([]);
  });
});
