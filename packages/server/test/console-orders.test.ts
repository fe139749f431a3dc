import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ResultCode } from '@micropay/protocol';
import type { Order } from '../src/domain/model.js';
import type { Cashier } from '../src/domain/page-access.js';
import type { OrderSearchScope } from '../src/domain/order-search.js';
import type { SourcedEvent, TimelineEvent } from '../src/domain/order-timeline.js';
import { startOfLocalDay } from '../src/domain/statement.js';
import { orderTimeline, searchOrders, type OrderPage } from '../src/services/console-orders.js';
import { createMerchant, ManualClock, startTestPlatform, TEST_STORE, type TestMerchant, type TestPlatform } from './helpers.js';
import { parseOrderSearch } from '../src/domain/order-search.js';
import { orderSearchSql } from '../src/store/order-search-sql.js';
import { sql } from './db-access.js';

const TIME_ZONE = 'Asia/Kuala_Lumpur'; // UTC+8
const DAY1 = '2026-03-10';
const DAY2 = '2026-03-11';

let clock: ManualClock;
let p: TestPlatform;
let m: TestMerchant;
let other: TestMerchant;
let rich: string;
let tillA: Cashier;
let tillB: Cashier;
/** Every order of `m` the tests made, as the store now has it: the model the search is checked against. */
const made = new Map<string, Order>();

async function pay(mch: TestMerchant, mchOrderId: string, amountSen: number, walletId = rich): Promise<Order> {
  const code = await p.store.issuePayCode(walletId, 3_600_000);
  if (typeof code === 'string') throw new Error(code);
  const d = await p.store.pay({ mchId: mch.mchId, mchOrderId, amountSen, goodsInfo: 'test', discountSen: null, point: null, payCode: code.code, timestampMs: clock.now });
  if (d.kind === 'rejected' || d.kind === 'repeat') throw new Error(`payment ${mchOrderId}: ${d.kind}`);
  clock.advance(1000);
  return d.order;
}

async function tillPay(till: Cashier, mchOrderId: string, amountSen: number): Promise<Order> {
  const code = await p.store.issuePayCode(rich, 3_600_000);
  if (typeof code === 'string') throw new Error(code);
  expect(await p.store.startCashierCharge(till, { mchOrderId, payCode: code.code })).toBe('STARTED');
  clock.advance(5);
  const d = await p.store.pay({ mchId: till.mchId, mchOrderId, amountSen, goodsInfo: 'till', discountSen: null, point: null, payCode: code.code, timestampMs: clock.now });
  if (d.kind !== 'paid') throw new Error(`till payment ${mchOrderId}: ${d.kind}`);
  clock.advance(1000);
  return d.order;
}

async function refresh(): Promise<void> {
  for (const id of made.keys()) made.set(id, (await p.store.findOrder(m.mchId, id))!);
}

const owner = (): OrderSearchScope => ({ mchId: m.mchId, cashierId: null });

async function page(filters: Record<string, unknown>, scope = owner()): Promise<OrderPage> {
  const r = await searchOrders(p.store, scope, filters, TIME_ZONE);
  if (!r.ok) throw new Error(`${r.code} ${r.msg}`);
  return r.value;
}

/** Every page of a search, following its cursors. */
async function all(filters: Record<string, unknown>, scope = owner()): Promise<string[]> {
  const ids: string[] = [];
  let cursor: string | null = null;
  do {
    const got: OrderPage = await page({ ...filters, limit: '2', ...(cursor === null ? {} : { cursor }) }, scope);
    ids.push(...got.orders.map((o) => o.mchOrderId));
    cursor = got.next;
  } while (cursor !== null);
  return ids;
}

/** What the search must answer: the model's orders that pass, newest first. */
function expected(pass: (o: Order) => boolean): string[] {
  return [...made.values()].filter(pass).sort((a, b) => b.tradeTimeMs - a.tradeTimeMs || (a.orderId < b.orderId ? 1 : -1)).map((o) => o.mchOrderId);
}

beforeAll(async () => {
  clock = new ManualClock(startOfLocalDay(DAY1, TIME_ZONE) + 9 * 3600_000);
  p = await startTestPlatform({ MICROPAY_TIMEZONE: TIME_ZONE }, clock);
  m = await createMerchant(p, 'Console Mart');
  other = await createMerchant(p, 'Other Shop');
  rich = (await p.store.createWallet({ name: 'Rich', openingSen: 10_000_00 })).walletId;
  const poor = (await p.store.createWallet({ name: 'Poor', openingSen: 1_00 })).walletId;
  tillA = (await p.store.createCashier(m.mchId, 'anna', 'x')) as Cashier;
  tillB = (await p.store.createCashier(m.mchId, 'ben', 'x')) as Cashier;
  const add = (o: Order) => made.set(o.mchOrderId, o);
  add(await pay(m, 'INV-001', 10_00));
  add(await pay(m, 'INV-002', 25_50));
  add(await pay(m, 'INV-003', 5_00, poor)); // FAILED: insufficient balance
  add(await pay(m, 'INV_004', 99_99));
  add(await tillPay(tillA, 'TILL-A1', 12_00));
  add(await tillPay(tillB, 'TILL-B1', 13_00));
  add(await tillPay(tillA, 'TILL-A2', 14_00));
  await pay(other, 'INV-001', 10_00); // another merchant's order under the same id
  // The last millisecond of day 1 and the first of day 2, local time.
  clock.now = startOfLocalDay(DAY2, TIME_ZONE) - 1;
  add(await pay(m, 'EDGE-LAST', 7_00));
  clock.now = startOfLocalDay(DAY2, TIME_ZONE);
  add(await pay(m, 'EDGE-FIRST', 8_00));
  add(await pay(m, 'BIG-1', 300_00)); // PENDING: above the confirmation limit
  add(await pay(m, 'INV-010', 40_00));
  add(await pay(m, 'INV-011', 40_00));
  await p.store.refund({ mchId: m.mchId, mchOrderId: 'INV-010', mchRefundId: 'R-010', refundAmountSen: 40_00, reason: null, timestampMs: clock.now });
  await refresh();
});

afterAll(async () => {
  await p?.stop();
});

describe('the console order search', () => {
  it('without filters lists every order of the merchant, newest first, and only its own', async () => {
    expect(await all({})).toEqual(expected(() => true));
    expect(made.size).toBe(12);
  });

  it('each filter alone answers what the model says', async () => {
    const d1 = { from: startOfLocalDay(DAY1, TIME_ZONE), to: startOfLocalDay(DAY2, TIME_ZONE) };
    expect(await all({ from: DAY1, to: DAY1 })).toEqual(expected((o) => o.tradeTimeMs >= d1.from && o.tradeTimeMs < d1.to));
    expect(await all({ from: DAY2 })).toEqual(expected((o) => o.tradeTimeMs >= d1.to));
    expect(await all({ status: 'FAILED' })).toEqual(['INV-003']);
    expect(await all({ status: 'PENDING,REFUNDED' })).toEqual(['INV-010', 'BIG-1']);
    expect(await all({ status: ['PAID'] })).toEqual(expected((o) => o.status === 'PAID'));
    expect(await all({ minAmount: '13', maxAmount: '40.00' })).toEqual(expected((o) => o.amountSen >= 13_00 && o.amountSen <= 40_00));
    expect(await all({ mchOrderId: 'INV-001' })).toEqual(['INV-001']);
    // MicroPay's number for the order, as the till and the receipt show it, finds it too.
    expect(await all({ mchOrderId: made.get('TILL-A1')!.orderId })).toEqual(['TILL-A1']);
    expect(await all({ mchOrderId: made.get('TILL-A1')!.orderId, from: DAY1, to: DAY2 })).toEqual(['TILL-A1']);
    expect(await all({ mchOrderId: made.get('TILL-A1')!.orderId, status: 'FAILED' })).toEqual([]);
    // Another merchant's order is not this one's, under either number.
    expect(await all({ mchOrderId: (await p.store.findOrder(other.mchId, 'INV-001'))!.orderId })).toEqual([]);
    expect(await all({ mchOrderIdPrefix: 'TILL-' })).toEqual(['TILL-A2', 'TILL-B1', 'TILL-A1']);
    // "_" is a character of the id, not a wildcard: INV-00x does not match INV_00.
    expect(await all({ mchOrderIdPrefix: 'INV_' })).toEqual(['INV_004']);
    expect(await all({ cashierId: tillA.cashierId })).toEqual(['TILL-A2', 'TILL-A1']);
  });

  it('filters combined narrow each other', async () => {
    expect(await all({ from: DAY1, to: DAY1, status: 'PAID', minAmount: '12', mchOrderIdPrefix: 'T' })).toEqual(['TILL-A2', 'TILL-B1', 'TILL-A1']);
    expect(await all({ from: DAY2, status: 'PAID,REFUNDED', maxAmount: '39.99' })).toEqual(['EDGE-FIRST']);
    expect(await all({ cashierId: tillA.cashierId, maxAmount: '13.00' })).toEqual(['TILL-A1']);
    expect(await all({ from: DAY2, cashierId: tillA.cashierId })).toEqual([]);
  });

  it('a day starts at local midnight: the last millisecond before it is the day before', async () => {
    expect((await all({ from: DAY1, to: DAY1 })).slice(0, 1)).toEqual(['EDGE-LAST']);
    expect((await all({ from: DAY2, to: DAY2 })).slice(-1)).toEqual(['EDGE-FIRST']);
  });

  it('pages by cursor with no repeat and no gap while new orders arrive', async () => {
    const seen: string[] = [];
    let cursor: string | null = null;
    let n = 0;
    do {
      const got: OrderPage = await page({ limit: '3', ...(cursor === null ? {} : { cursor }) });
      seen.push(...got.orders.map((o) => o.mchOrderId));
      cursor = got.next;
      // A new order between pages, at the same millisecond as the newest and later.
      made.set(`NEW-${n}`, await pay(m, `NEW-${n}`, 1_00));
      n++;
    } while (cursor !== null);
    const before = expected((o) => !o.mchOrderId.startsWith('NEW-'));
    expect(seen).toEqual(before);
    expect(new Set(seen).size).toBe(seen.length);
    expect((await page({ limit: '100' })).orders.map((o) => o.mchOrderId)).toEqual(expected(() => true));
  });

  it('answers the console\'s row: amounts in sen, the wallet masked', async () => {
    const [row] = (await page({ mchOrderId: 'INV-010' })).orders;
    expect(row).toEqual({
      mchOrderId: 'INV-010', orderId: made.get('INV-010')!.orderId, amountSen: 40_00, refundedSen: 40_00, status: 'REFUNDED', failReason: null,
      wallet: `•••• ${rich.slice(-4)}`, tradeTimeMs: made.get('INV-010')!.tradeTimeMs, payTimeMs: made.get('INV-010')!.payTimeMs, till: null,
    });
    expect(JSON.stringify(await page({}))).not.toContain(rich);
  });

  it('a cashier sees only the orders its own till charged, whatever it asks', async () => {
    const a = { mchId: m.mchId, cashierId: tillA.cashierId };
    expect(await all({}, a)).toEqual(['TILL-A2', 'TILL-A1']);
    expect(await all({ mchOrderId: 'TILL-B1' }, a)).toEqual([]);
    expect(await all({ mchOrderId: made.get('TILL-B1')!.orderId }, a)).toEqual([]);
    const asksForB = await searchOrders(p.store, a, { cashierId: tillB.cashierId }, TIME_ZONE);
    expect(asksForB).toMatchObject({ ok: false, code: ResultCode.PARAM_ERROR });
    expect(await all({ cashierId: tillB.cashierId })).toEqual(['TILL-B1']);
    // A cashier of another merchant, or this merchant's cashier searched from another merchant, finds nothing.
    expect(await all({ cashierId: tillA.cashierId }, { mchId: other.mchId, cashierId: null })).toEqual([]);
  });

  it('names the till of each order the till page charged, and finds a till\'s orders by its user\'s name', async () => {
    const tills = Object.fromEntries((await page({ limit: '100' })).orders.map((o) => [o.mchOrderId, o.till]));
    expect(tills).toMatchObject({ 'TILL-A1': 'anna', 'TILL-A2': 'anna', 'TILL-B1': 'ben', 'INV-001': null, 'INV-010': null });
    expect(Object.values(tills).filter((t) => t !== null)).toHaveLength(3);
    expect(await all({ till: 'anna' })).toEqual(['TILL-A2', 'TILL-A1']);
    expect(await all({ till: 'ben' })).toEqual(['TILL-B1']);
    // A cashier's own name is its own search; another till's name is refused, as its id is.
    const a = { mchId: m.mchId, cashierId: tillA.cashierId };
    expect(await all({ till: 'anna' }, a)).toEqual(['TILL-A2', 'TILL-A1']);
    // … and so is a name no user has: a cashier learns no other user's name by asking.
    for (const name of ['ben', 'nobody']) {
      expect(await searchOrders(p.store, a, { till: name }, TIME_ZONE)).toMatchObject({ ok: false, code: ResultCode.PARAM_ERROR, msg: 'till a cashier searches only its own charges' });
    }
    // Another merchant's user of the same name is not this merchant's till.
    await p.store.createCashier(other.mchId, 'carl', 'x');
    expect(await searchOrders(p.store, owner(), { till: 'carl' }, TIME_ZONE)).toMatchObject({ ok: false, code: ResultCode.PARAM_ERROR, msg: 'till this merchant has no user named "carl"' });
  });

  it('finds the orders some till charged, or only those the merchant\'s own system made', async () => {
    expect(await all({ origin: 'till' })).toEqual(['TILL-A2', 'TILL-B1', 'TILL-A1']);
    expect(await all({ origin: 'system' })).toEqual(expected((o) => !o.mchOrderId.startsWith('TILL-')));
    expect(await all({ origin: 'till', till: 'ben' })).toEqual(['TILL-B1']);
    const a = { mchId: m.mchId, cashierId: tillA.cashierId };
    expect(await all({ origin: 'till' }, a)).toEqual(['TILL-A2', 'TILL-A1']);
    expect(await searchOrders(p.store, a, { origin: 'system' }, TIME_ZONE)).toMatchObject({ ok: false, code: ResultCode.PARAM_ERROR, msg: 'origin a cashier searches only its own charges' });
    expect(await searchOrders(p.store, owner(), { origin: 'system', till: 'ben' }, TIME_ZONE)).toMatchObject({ ok: false, msg: 'origin system cannot be given together with a till' });
    expect(await searchOrders(p.store, owner(), { origin: 'api' }, TIME_ZONE)).toMatchObject({ ok: false, msg: 'origin must be till or system' });
  });

  it('a bad filter is answered with its catalogue code and names the filter', async () => {
    const bad: [Record<string, unknown>, number, RegExp][] = [
      [{ from: '2026-02-30' }, ResultCode.PARAM_ERROR, /^from /],
      [{ to: '10/03/2026' }, ResultCode.PARAM_ERROR, /^to /],
      [{ from: DAY2, to: DAY1 }, ResultCode.PARAM_ERROR, /^from must not be after/],
      [{ status: 'PAYED' }, ResultCode.PARAM_ERROR, /^status /],
      [{ status: 42 }, ResultCode.PARAM_ERROR, /^status /],
      [{ minAmount: '-1' }, ResultCode.PARAM_ERROR, /^minAmount /],
      [{ maxAmount: '1.234' }, ResultCode.PARAM_ERROR, /^maxAmount /],
      [{ minAmount: '5', maxAmount: '4' }, ResultCode.PARAM_ERROR, /^minAmount must not be above/],
      [{ mchOrderId: 'a b' }, ResultCode.ORDER_ID_ERROR, /^mchOrderId /],
      [{ mchOrderIdPrefix: 'x'.repeat(33) }, ResultCode.ORDER_ID_ERROR, /^mchOrderIdPrefix /],
      [{ mchOrderId: 'A', mchOrderIdPrefix: 'A' }, ResultCode.ORDER_ID_ERROR, /together/],
      [{ cashierId: "x' OR 1=1" }, ResultCode.PARAM_ERROR, /^cashierId /],
      [{ till: "x' OR 1=1" }, ResultCode.PARAM_ERROR, /^till this merchant has no user named/],
      [{ till: 'anna', cashierId: tillB.cashierId }, ResultCode.PARAM_ERROR, /^till cannot be given together with cashierId/],
      [{ till: ['anna'] }, ResultCode.PARAM_ERROR, /^till /],
      [{ limit: '101' }, ResultCode.PARAM_ERROR, /^limit /],
      [{ limit: '0' }, ResultCode.PARAM_ERROR, /^limit /],
      [{ sort: 'amount' }, ResultCode.PARAM_ERROR, /^unknown filter "sort"/],
      [{ cursor: 'not-a-cursor' }, ResultCode.PARAM_ERROR, /^cursor is not a cursor/],
    ];
    for (const [filters, code, msg] of bad) {
      const r = await searchOrders(p.store, owner(), filters, TIME_ZONE);
      expect(r.ok, JSON.stringify(filters)).toBe(false);
      if (!r.ok) {
        expect(r.code, JSON.stringify(filters)).toBe(code);
        expect(r.msg, JSON.stringify(filters)).toMatch(msg);
      }
    }
  });

  it.runIf(TEST_STORE === 'postgres')('PostgreSQL compares the prefix range in code point order (COLLATE "C"), "_" taken literally', async () => {
    for (const prefix of ['INV_', 'INV-', 'TILL-A']) {
      const search = parseOrderSearch({ mchOrderIdPrefix: prefix, limit: '100' }, owner(), TIME_ZONE);
      if (!search.ok) throw new Error(search.msg);
      const { sql: text, values } = orderSearchSql(search.value, 'postgres');
      expect(text).toContain('o.mch_order_id COLLATE "C" >=');
      const rows = await sql<{ mch_order_id: string }>(p.store, text, [...values]);
      expect(rows.map((r) => r.mch_order_id)).toEqual(expected((o) => o.mchOrderId.startsWith(prefix)));
    }
  });

  it('a changed cursor, or one used with other filters, is refused with a clear message', async () => {
    const { next } = await page({ limit: '2' });
    const decoded = Buffer.from(next!, 'base64url').toString('utf8');
    const moved = Buffer.from(decoded.replace(/^\d/, (d) => String((Number(d) + 1) % 10)), 'utf8').toString('base64url');
    for (const [filters, why] of [[{ cursor: moved }, /was changed/], [{ cursor: next, status: 'PAID' }, /another search/], [{ cursor: next!.slice(0, -3) }, /./]] as const) {
      const r = await searchOrders(p.store, owner(), filters, TIME_ZONE);
      expect(r).toMatchObject({ ok: false, code: ResultCode.PARAM_ERROR });
      if (!r.ok) expect(r.msg).toMatch(why);
    }
    // The same filters with another page size keep the cursor.
    expect((await page({ limit: '5', cursor: next })).orders.length).toBeGreaterThan(0);
  });
});

const kinds = (events: readonly TimelineEvent[]) => events.map((e) => e.kind);

describe('the order timeline', () => {
  it('of an order paid at once: the trade, the payment entry and the payment, at their real times', async () => {
    const t = await orderTimeline(p.store, owner(), 'INV-001');
    const o = made.get('INV-001')!;
    expect(kinds(t!.events)).toEqual(['trade', 'entry', 'paid']);
    expect(t!.events.every((e) => e.atMs === o.tradeTimeMs)).toBe(true);
    expect(t!.events[1]).toMatchObject({ entryKind: 'payment', postings: [{ amountSen: -10_00 }, { accountId: `merchant:${m.mchId}`, amountSen: 10_00 }] });
  });

  it('shows the order as the list does: the wallet masked in the order and in the postings, no full wallet id or code anywhere', async () => {
    const t = (await orderTimeline(p.store, owner(), 'INV-001'))!;
    const walletId = made.get('INV-001')!.walletId;
    const listed = (await page({ mchOrderId: 'INV-001' })).orders[0]!;
    expect(t.order).toEqual({ ...listed, goodsInfo: expect.any(String), refundableSen: listed.amountSen - listed.refundedSen });
    expect(Object.keys(t.order).sort()).toEqual(['amountSen', 'failReason', 'goodsInfo', 'mchOrderId', 'orderId', 'payTimeMs', 'refundableSen', 'refundedSen', 'status', 'till', 'tradeTimeMs', 'wallet']);
    const entry = t.events.find((e) => e.kind === 'entry') as { postings: { accountId: string }[] };
    expect(entry.postings[0]!.accountId).toBe(`wallet:•••• ${walletId.slice(-4)}`);
    expect(JSON.stringify(t).includes(walletId)).toBe(false);
  });

  it('of a payment held PENDING and then confirmed: the hold, its release and the payment at the confirmation', async () => {
    const held = await pay(m, 'HOLD-OK', 260_00);
    expect(kinds((await orderTimeline(p.store, owner(), 'HOLD-OK'))!.events)).toEqual(['trade', 'held']);
    clock.advance(4000);
    const confirmAt = clock.now;
    expect((await p.store.confirmPending(rich, held.orderId)).kind).toBe('settled');
    const t = (await orderTimeline(p.store, owner(), 'HOLD-OK'))!;
    expect(t.events.map((e) => [e.kind, e.atMs])).toEqual([
      ['trade', held.tradeTimeMs], ['held', held.tradeTimeMs], ['holdReleased', confirmAt], ['entry', confirmAt], ['paid', confirmAt],
    ]);
  });

  it('of a declined payment: the hold, its release and the failure with its reason', async () => {
    const held = await pay(m, 'HOLD-NO', 270_00);
    clock.advance(2000);
    expect((await p.store.declinePending(rich, held.orderId)).kind).toBe('settled');
    const t = (await orderTimeline(p.store, owner(), 'HOLD-NO'))!;
    expect(kinds(t.events)).toEqual(['trade', 'held', 'holdReleased', 'failed']);
    expect(t.events[3]).toEqual({ kind: 'failed', atMs: held.tradeTimeMs + 3000, reason: 'DECLINED' });
  });

  it('of a held payment the merchant closed: the code it used proves the hold', async () => {
    await pay(m, 'HOLD-CLOSED', 280_00);
    expect((await p.store.closeOrder(m.mchId, 'HOLD-CLOSED')).kind).toBe('settled');
    const t = (await orderTimeline(p.store, owner(), 'HOLD-CLOSED'))!;
    expect(kinds(t.events)).toEqual(['trade', 'held', 'holdReleased', 'failed']);
    expect(t.events[3]).toMatchObject({ reason: 'CLOSED' });
  });

  it('of a payment refused at once: no hold, the failure with its reason', async () => {
    const t = (await orderTimeline(p.store, owner(), 'INV-003'))!;
    expect(t.events).toEqual([
      { kind: 'trade', atMs: made.get('INV-003')!.tradeTimeMs, amountSen: 5_00 },
      { kind: 'failed', atMs: made.get('INV-003')!.tradeTimeMs, reason: 'INSUFFICIENT_BALANCE' },
    ]);
  });

  it('of an order refunded in part and then in full: each refund requested, its entry and its end', async () => {
    const o = await pay(m, 'REF-2', 50_00);
    clock.advance(1000);
    await p.store.refund({ mchId: m.mchId, mchOrderId: 'REF-2', mchRefundId: 'R2-a', refundAmountSen: 20_00, reason: 'dented', timestampMs: clock.now });
    clock.advance(1000);
    await p.store.refund({ mchId: m.mchId, mchOrderId: 'REF-2', mchRefundId: 'R2-b', refundAmountSen: 30_00, reason: null, timestampMs: clock.now });
    const t = (await orderTimeline(p.store, owner(), 'REF-2'))!;
    expect(t.order.status).toBe('REFUNDED');
    expect(kinds(t.events)).toEqual(['trade', 'entry', 'paid', 'refundRequested', 'entry', 'refunded', 'refundRequested', 'entry', 'refunded']);
    expect(t.events[3]).toMatchObject({ mchRefundId: 'R2-a', amountSen: 20_00, reason: 'dented', atMs: o.tradeTimeMs + 2000 });
    expect(t.events[4]).toMatchObject({ entryKind: 'refund', postings: [{ accountId: `merchant:${m.mchId}`, amountSen: -20_00 }, { amountSen: 20_00 }] });
    expect(t.events[8]).toMatchObject({ kind: 'refunded', mchRefundId: 'R2-b', amountSen: 30_00, atMs: o.tradeTimeMs + 3000 });
  });

  it('shows the till\'s charge, and a cashier reads only its own till\'s orders', async () => {
    const a = { mchId: m.mchId, cashierId: tillA.cashierId };
    const t = (await orderTimeline(p.store, a, 'TILL-A1'))!;
    expect(t.events[0]).toMatchObject({ kind: 'tillCharge', cashierId: tillA.cashierId, till: 'anna', atMs: made.get('TILL-A1')!.tradeTimeMs - 5 });
    expect(t.order.till).toBe('anna');
    expect((await orderTimeline(p.store, owner(), 'INV-001'))!.order.till).toBeNull();
    expect(await orderTimeline(p.store, a, 'TILL-B1')).toBeNull();
    expect(await orderTimeline(p.store, a, 'INV-001')).toBeNull();
  });

  it('another merchant\'s order is not found, even under an id this merchant also uses', async () => {
    const theirs = await orderTimeline(p.store, { mchId: other.mchId, cashierId: null }, 'INV-002');
    expect(theirs).toBeNull();
    const same = (await orderTimeline(p.store, { mchId: other.mchId, cashierId: null }, 'INV-001'))!;
    expect(same.order.orderId).not.toBe(made.get('INV-001')!.orderId);
  });

  it('takes events from further sources, asked with the merchant\'s own order, in time order', async () => {
    const asked: string[] = [];
    const source = async (order: Order): Promise<SourcedEvent[]> => {
      asked.push(order.mchId);
      return [{ kind: 'sourced', source: 'notification', what: 'attempt', atMs: order.tradeTimeMs + 1, detail: { httpStatus: 200 } }];
    };
    const t = (await orderTimeline(p.store, owner(), 'INV-002', [source]))!;
    expect(kinds(t.events)).toEqual(['trade', 'entry', 'paid', 'sourced']);
    expect(asked).toEqual([m.mchId]);
    expect(await orderTimeline(p.store, { mchId: other.mchId, cashierId: null }, 'INV-002', [source])).toBeNull();
    expect(asked).toEqual([m.mchId]);
  });
});
