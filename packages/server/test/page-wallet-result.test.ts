import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { hashPin } from '../src/domain/credentials.js';
import { csrfTokenOf } from '../src/domain/page-access.js';
import { sql } from './db-access.js';
import { createMerchant, micropayParams, postSigned, startTestPlatform, type TestMerchant, type TestPlatform } from './helpers.js';
import { as, pageCall, signInWallet, type PageAnswer, type Session } from './page-helpers.js';

/**
 * The wallet page's live result (docs/pages.md), over real HTTP, on both stores: the long poll
 * turns with the payment by the code on screen (PAID, PENDING, FAILED, ENDED), the confirm and
 * decline calls apply the wallet API's rules, and a session reads and acts for its own wallet only.
 */
let p: TestPlatform;
let m: TestMerchant;

interface WalletSession extends Session {
  readonly walletId: string;
}

const call = (path: string, body: unknown, headers?: Record<string, string>) => pageCall(p, path, body, headers);

/** The page's long poll for what became of the code on screen (a read: no CSRF token). */
const resultOf = (s: Session, payCode: string, seen?: 'WAITING' | 'PENDING') =>
  call('wallet/code-result', seen === undefined ? { payCode } : { payCode, seen }, as(s));

/** A wallet with a PIN and a confirmation limit of 5.00, signed in to the page by a link. */
async function signedInWallet(openingSen = 50_00, pin = '2468'): Promise<WalletSession> {
  const { walletId } = await p.store.createWallet({ name: 'Alice', openingSen, pinHash: await hashPin(pin), confirmLimitSen: 5_00 });
  return { walletId, ...(await signInWallet(p, walletId)) };
}

async function codeOf(s: Session): Promise<string> {
  const a = await call('wallet/paycode', {}, as(s));
  expect(a.code, a.msg).toBe(0);
  return a.data!.payCode as string;
}

/** A signed-in page showing a fresh code, its long poll already waiting at the server. */
async function waitingPage(): Promise<{ s: WalletSession; code: string; waiting: Promise<PageAnswer> }> {
  const s = await signedInWallet();
  const code = await codeOf(s);
  const waiting = resultOf(s, code);
  await new Promise((r) => setTimeout(r, 400));
  return { s, code, waiting };
}

function pay(code: string, order: string, amount: string) {
  return postSigned(p.url, 'micropay', micropayParams(m, order, amount, code), m.key);
}

async function orderRow(orderId: string) {
  return (await sql<{ status: string; fail_reason: string | null }>(p.store, 'SELECT status, fail_reason FROM orders WHERE order_id = ?', [orderId]))[0]!;
}

async function pendingOrder(s: Session, order = 'big-1'): Promise<{ code: string; orderId: string }> {
  const code = await codeOf(s);
  const paid = await pay(code, order, '20.00');
  expect(paid.body.code).toBe(1024);
  return { code, orderId: (paid.body.data as { wavpayOrderId: string }).wavpayOrderId };
}

beforeEach(async () => {
  p = await startTestPlatform();
  m = await createMerchant(p, 'Corner Shop');
});
afterEach(async () => {
  await p.stop();
});

describe('the long poll of the code on screen', () => {
  it('answers PAID within a second of the payment, with the merchant, the amount and the times', async () => {
    const { s, code, waiting } = await waitingPage();
    const paid = await pay(code, 'sale-1', '1.00');
    expect(paid.body.code).toBe(0);
    const answeredAt = performance.now();
    const a = await waiting;
    expect(performance.now() - answeredAt).toBeLessThan(1_000);
    const order = paid.body.data as { wavpayOrderId: string; payTime: string };
    expect(a.code, a.msg).toBe(0);
    expect(a.data).toEqual({
      payCode: code,
      state: 'PAID',
      order: {
        wavpayOrderId: order.wavpayOrderId, merchantName: 'Corner Shop', amount: '1.00', goodsInfo: 'test', tradeStatus: 'PAID',
        failReason: null, tradeTime: order.payTime, payTime: order.payTime, confirmBy: null,
      },
    });
    // Asked again, it answers at once: the code's story is over.
    expect((await resultOf(s, code)).data!.state).toBe('PAID');
  });

  it('answers at once when the code differs from what the page shows, and ENDED once the code retired unused', async () => {
    const s = await signedInWallet();
    const first = await codeOf(s);
    expect((await resultOf(s, first, 'PENDING')).data).toEqual({ payCode: first, state: 'WAITING', order: null });
    const waiting = resultOf(s, first);
    await codeOf(s);
    expect((await waiting).data).toEqual({ payCode: first, state: 'ENDED', order: null });
  });

  it('a payment refused for the balance leaves the code unused: its FAILED order is found by the code', async () => {
    const s = await signedInWallet(50);
    const code = await codeOf(s);
    const waiting = resultOf(s, code);
    expect((await pay(code, 'sale-2', '1.00')).body.code).toBe(1028);
    const a = await waiting;
    expect(a.data).toMatchObject({ state: 'FAILED', order: { tradeStatus: 'FAILED', failReason: 'INSUFFICIENT_BALANCE', amount: '1.00', payTime: null } });
  });

  it('a payment refused because the wallet was frozen after its code was shown: FAILED, WALLET_FROZEN', async () => {
    const s = await signedInWallet();
    const code = await codeOf(s);
    await p.store.setWalletStatus(s.walletId, 'frozen');
    const waiting = resultOf(s, code);
    expect((await pay(code, 'sale-3', '1.00')).body.code).toBe(9001);
    expect((await waiting).data).toMatchObject({ state: 'FAILED', order: { failReason: 'WALLET_FROZEN', amount: '1.00' } });
  });

  it('a PENDING payment the merchant closes turns the waiting page to FAILED, CLOSED', async () => {
    const s = await signedInWallet();
    const { code, orderId } = await pendingOrder(s, 'big-2');
    const waiting = resultOf(s, code, 'PENDING');
    await new Promise((r) => setTimeout(r, 300));
    expect((await postSigned(p.url, 'closeBill', { mchId: m.mchId, mchOrderId: 'big-2', operation: 'CLOSE' }, m.key)).body.code).toBe(0);
    expect((await waiting).data).toMatchObject({ state: 'FAILED', order: { wavpayOrderId: orderId, failReason: 'CLOSED' } });
    expect(await p.store.findWallet(s.walletId)).toMatchObject({ balanceSen: 50_00, heldSen: 0 });
  });

  it('PENDING above the limit, then the page confirms: a wrong PIN tells the tries left, the right one pays', async () => {
    const s = await signedInWallet();
    const code = await codeOf(s);
    const waiting = resultOf(s, code);
    const paying = await pay(code, 'big-1', '20.00');
    expect(paying.body.code).toBe(1024);
    const pending = await waiting;
    expect(pending.data).toMatchObject({ state: 'PENDING', order: { tradeStatus: 'PENDING', amount: '20.00', merchantName: 'Corner Shop' } });
    expect(pending.data!.order.confirmBy).toMatch(/^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d$/);
    const orderId = pending.data!.order.wavpayOrderId as string;

    const next = resultOf(s, code, 'PENDING');
    const wrong = await call('wallet/confirm', { wavpayOrderId: orderId, pin: '1111' }, as(s));
    expect([wrong.code, wrong.msg, wrong.data]).toEqual([9003, 'wrong PIN: 4 tries left', { triesLeft: 4 }]);
    expect((await p.store.findWallet(s.walletId))!.pinFailures).toBe(1);
    const right = await call('wallet/confirm', { wavpayOrderId: orderId, pin: '2468' }, as(s));
    expect(right.code, right.msg).toBe(0);
    expect(right.data).toMatchObject({ wavpayOrderId: orderId, tradeStatus: 'PAID', merchantName: 'Corner Shop', amount: '20.00' });
    expect((await next).data).toMatchObject({ state: 'PAID', order: { wavpayOrderId: orderId, tradeStatus: 'PAID' } });
    expect(await p.store.findWallet(s.walletId)).toMatchObject({ balanceSen: 30_00, heldSen: 0, pinFailures: 0 });
    // Confirmed already: the same answer as the wallet API's, the order as it is.
    expect((await call('wallet/confirm', { wavpayOrderId: orderId, pin: '2468' }, as(s))).code).toBe(1023);
  });

  it('decline fails the order and frees the hold; five wrong PINs lock confirmation (9002)', async () => {
    const s = await signedInWallet();
    const { orderId } = await pendingOrder(s);
    for (const left of [4, 3, 2, 1]) expect((await call('wallet/confirm', { wavpayOrderId: orderId, pin: '1111' }, as(s))).data).toEqual({ triesLeft: left });
    expect((await call('wallet/confirm', { wavpayOrderId: orderId, pin: '1111' }, as(s))).code).toBe(9002);
    expect((await call('wallet/confirm', { wavpayOrderId: orderId, pin: '2468' }, as(s))).code).toBe(9002);
    expect((await p.store.listAuditLog({ action: 'wallet.pinLocked', limit: 10 })).map((e) => [e.actor, e.detail]))
      .toEqual([[{ kind: 'walletHolder', walletId: s.walletId, name: 'wallet page' }, { wrongTries: 5 }]]);
    const declined = await call('wallet/decline', { wavpayOrderId: orderId }, as(s));
    expect([declined.code, declined.data!.tradeStatus, declined.data!.failReason]).toEqual([1025, 'FAILED', 'DECLINED']);
    expect(await p.store.findWallet(s.walletId)).toMatchObject({ balanceSen: 50_00, heldSen: 0 });
  });
});

describe('who may read and act', () => {
  it('every live-result call needs the wallet page\'s session; confirm and decline need its CSRF token and write nothing without it', async () => {
    const s = await signedInWallet();
    const { code, orderId } = await pendingOrder(s);
    for (const [path, body] of [['wallet/code-result', { payCode: code }], ['wallet/pending', {}], ['wallet/order', { wavpayOrderId: orderId }], ['wallet/confirm', { wavpayOrderId: orderId, pin: '2468' }], ['wallet/decline', { wavpayOrderId: orderId }]] as const) {
      const none = await call(path, body);
      expect([none.status, none.code]).toEqual([401, 9120]);
      const unknownId = 'A'.repeat(43);
      const unknown = await call(path, body, { Cookie: `micropay_wallet=${unknownId}`, 'X-CSRF-Token': csrfTokenOf(unknownId) });
      expect(unknown.code).toBe(9120);
      // The cashier page's cookie name with this session's id is not the wallet page's session.
      expect((await call(path, body, { Cookie: s.cookie.replace('micropay_wallet', 'micropay_cashier'), 'X-CSRF-Token': s.csrf })).code).toBe(9120);
    }
    for (const [path, body] of [['wallet/confirm', { wavpayOrderId: orderId, pin: '2468' }], ['wallet/decline', { wavpayOrderId: orderId }]] as const) {
      const missing = await call(path, body, as(s, null));
      expect([missing.status, missing.code]).toEqual([403, 9121]);
      expect((await call(path, body, as(s, 'x'.repeat(43)))).code).toBe(9121);
    }
    expect(await orderRow(orderId)).toEqual({ status: 'PENDING', fail_reason: null });
    expect(await p.store.findWallet(s.walletId)).toMatchObject({ heldSen: 20_00, pinFailures: 0 });
  });

  it('a session cannot read another wallet\'s code or confirm or decline its order: answered as one that does not exist', async () => {
    const alice = await signedInWallet();
    const bob = await signedInWallet(50_00, '1357');
    const bobs = await pendingOrder(bob);
    const read = await resultOf(alice, bobs.code);
    expect([read.code, read.msg, read.data]).toEqual([1031, 'no merchant related records: no such payment code for this wallet', null]);
    // Alice's own PIN, Bob's order: no order of hers, and no PIN try taken.
    for (const pin of ['2468', '1357']) {
      const confirm = await call('wallet/confirm', { wavpayOrderId: bobs.orderId, pin }, as(alice));
      expect([confirm.code, confirm.data]).toEqual([1031, null]);
    }
    expect((await call('wallet/decline', { wavpayOrderId: bobs.orderId }, as(alice))).code).toBe(1031);
    // Nor read it: a confirm screen shown again reads its own payment's state, never another wallet's.
    const peek = await call('wallet/order', { wavpayOrderId: bobs.orderId }, as(alice));
    expect([peek.code, peek.msg, peek.data]).toEqual([1031, 'no merchant related records: no such payment of this wallet', null]);
    expect((await call('wallet/order', { wavpayOrderId: bobs.orderId }, as(bob))).data).toMatchObject({ wavpayOrderId: bobs.orderId, tradeStatus: 'PENDING', amount: '20.00' });
    // Each session lists its own wallet's payments waiting for the PIN, and no other's.
    expect((await call('wallet/pending', {}, as(alice))).data).toEqual({ orders: [] });
    const bobsPending = await call('wallet/pending', {}, as(bob));
    expect(bobsPending.data!.orders).toHaveLength(1);
    expect(bobsPending.data!.orders[0]).toMatchObject({ wavpayOrderId: bobs.orderId, tradeStatus: 'PENDING', amount: '20.00', merchantName: 'Corner Shop' });
    expect((await call('wallet/pending', { walletId: bob.walletId }, as(alice))).code).toBe(1021);
    expect(await orderRow(bobs.orderId)).toEqual({ status: 'PENDING', fail_reason: null });
    expect(await p.store.findWallet(bob.walletId)).toMatchObject({ heldSen: 20_00, pinFailures: 0 });
    expect((await p.store.findWallet(alice.walletId))!.pinFailures).toBe(0);
    // A code of no wallet at all is answered alike.
    expect((await resultOf(alice, '391234567890123456')).code).toBe(1031);
  });

  it('bad input of any shape is 1021 with the field named, and writes nothing', async () => {
    const s = await signedInWallet();
    const { code, orderId } = await pendingOrder(s);
    const bad: [string, unknown, RegExp][] = [
      ['wallet/code-result', {}, /^param error: payCode is required/],
      ['wallet/code-result', { payCode: 391234567890123456 }, /^param error: payCode must be sent as a JSON string/],
      ['wallet/code-result', { payCode: '1234' }, /^param error: payCode must be the 18 digits/],
      ['wallet/code-result', { payCode: ['x'] }, /^param error: payCode must be a string/],
      ['wallet/code-result', { payCode: code, seen: 'PAID' }, /^param error: seen must be one of WAITING, PENDING/],
      ['wallet/code-result', { payCode: code, walletId: s.walletId }, /^param error: unknown parameter "walletId"/],
      ['wallet/confirm', { wavpayOrderId: orderId }, /^param error: pin is required/],
      ['wallet/confirm', { wavpayOrderId: orderId, pin: '12' }, /^param error: pin must be 4 to 6 digits/],
      ['wallet/confirm', { wavpayOrderId: orderId, pin: { a: 1 } }, /^param error: pin must be a string/],
      ['wallet/confirm', { wavpayOrderId: 'x', pin: '2468' }, /^param error: wavpayOrderId must be the 22-digit order id/],
      ['wallet/decline', { wavpayOrderId: orderId, walletId: s.walletId }, /^param error: unknown parameter "walletId"/],
      ['wallet/decline', { wavpayOrderId: null }, /^param error: wavpayOrderId is required/],
    ];
    for (const [path, body, msg] of bad) {
      const a = await call(path, body, as(s));
      expect([a.status, a.code], `${path} ${JSON.stringify(body)}`).toEqual([200, 1021]);
      expect(a.msg).toMatch(msg);
    }
    expect((await call('wallet/confirm', '[1]', as(s))).code).toBe(9105);
    expect((await call('wallet/confirm', { pin: 'x'.repeat(300_000) }, as(s))).code).toBe(9104);
    expect(await orderRow(orderId)).toEqual({ status: 'PENDING', fail_reason: null });
    expect((await p.store.findWallet(s.walletId))!.pinFailures).toBe(0);
  });
});

describe('a closing server', () => {
  it('answers a waiting page at once instead of holding its close for the wait', async () => {
    const { code, waiting } = await waitingPage();
    const started = performance.now();
    await p.stop();
    expect(performance.now() - started).toBeLessThan(3_000);
    expect((await waiting).data).toEqual({ payCode: code, state: 'WAITING', order: null });
    // afterEach stops a platform of its own.
    p = await startTestPlatform();
  });
});

describe('bounds', () => {
  it('holds at most four waits per wallet: a fifth answers the oldest at once', async () => {
    const s = await signedInWallet();
    const code = await codeOf(s);
    const answered: number[] = [];
    // One after another: sent at once, they could reach the wait in any order (each first reads its session).
    const waits: Promise<Awaited<ReturnType<typeof resultOf>>>[] = [];
    for (const i of [0, 1, 2, 3]) {
      waits.push(resultOf(s, code).then((a) => (answered.push(i), a)));
      await new Promise((r) => setTimeout(r, 200));
    }
    expect(answered).toEqual([]);
    const fifth = resultOf(s, code);
    await expect.poll(() => answered, { timeout: 1_500 }).toEqual([0]);
    expect((await waits[0]!).data).toEqual({ payCode: code, state: 'WAITING', order: null });
    // The rest end with the payment.
    expect((await pay(code, 'sale-9', '1.00')).body.code).toBe(0);
    for (const a of [...waits.slice(1), fifth]) expect((await a).data!.state).toBe('PAID');
  });
});
