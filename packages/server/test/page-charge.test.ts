import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { sql } from './db-access.js';
import {
  createMerchant,
  createWalletWithCode,
  micropayParams,
  postSigned,
  startTestPlatform,
  type TestMerchant,
  type TestPlatform,
} from './helpers.js';
import { as, pageCall, signInCashier, type Session } from './page-helpers.js';

/**
 * The cashier page's charge (docs/pages.md), over real HTTP on both stores: the merchant's safe
 * pay flow runs on the server for the session's merchant; one order id is one charge however often
 * it is sent; a cashier sees its own merchant's orders only; bad input and a missing CSRF token
 * change nothing.
 */
let p: TestPlatform;

const call = (path: string, body: unknown, s: Session | null, csrf: string | null = s?.csrf ?? null) => pageCall(p, path, body, as(s, csrf));
const tillOf = (m: TestMerchant) => signInCashier(p, m.mchId);

async function orderCount(mchId: string): Promise<number> {
  return Number((await sql<{ n: number | string }>(p.store, 'SELECT COUNT(*) AS n FROM orders WHERE mch_id = ?', [mchId]))[0]!.n);
}

beforeEach(async () => {
  p = await startTestPlatform();
});
afterEach(async () => {
  await p.stop();
});

describe('a charge from the cashier page', () => {
  it("pays with the session's merchant, and the same order id sent twice at once is charged once", async () => {
    const m = await createMerchant(p, 'Corner Shop');
    const till = await tillOf(m);
    const { walletId, payCode } = await createWalletWithCode(p, 10_00);
    const body = { mchOrderId: 'till-0001', amount: '1.00', goodsInfo: 'Coffee', payCode };
    const [a, b] = await Promise.all([call('cashier/charge', body, till), call('cashier/charge', body, till)]);
    for (const r of [a, b]) expect([r.code, r.data?.status, (r.data?.order as { amount: string }).amount]).toEqual([0, 'PAID', '1.00']);
    expect(await orderCount(m.mchId)).toBe(1);
    expect((await p.store.findWallet(walletId))!.balanceSen).toBe(9_00);
    expect((await p.store.findOrder(m.mchId, 'till-0001'))!.status).toBe('PAID');
    expect((await call('cashier/charge-status', { mchOrderId: 'till-0001' }, till)).data).toEqual({ mchOrderId: 'till-0001', tradeStatus: 'PAID', confirmByMs: null });
    expect((await p.store.audit()).ok).toBe(true);
  });

  it('ends FAILED with the reason when the wallet cannot cover it', async () => {
    const m = await createMerchant(p);
    const till = await tillOf(m);
    const { payCode } = await createWalletWithCode(p, 50);
    const r = await call('cashier/charge', { mchOrderId: 'till-0002', amount: '1.00', goodsInfo: 'Coffee', payCode }, till);
    expect([r.code, r.data?.status, r.data?.reason, r.data?.orderFailReason]).toEqual([0, 'FAILED', 'INSUFFICIENT_BALANCE', 'INSUFFICIENT_BALANCE']);
    expect(r.data?.message).toMatch(/^The wallet balance is too low/);
  });

  it("a cashier sees only its own merchant's orders, and names no merchant", async () => {
    const mine = await createMerchant(p, 'Shop A');
    const other = await createMerchant(p, 'Shop B');
    const till = await tillOf(mine);
    const { payCode } = await createWalletWithCode(p, 10_00);
    const paid = await postSigned(p.url, 'micropay', micropayParams(other, 'b-order-1', '1.00', payCode), other.key);
    expect(paid.body.code).toBe(0);
    expect((await call('cashier/charge-status', { mchOrderId: 'b-order-1' }, till)).data).toEqual({ mchOrderId: 'b-order-1', tradeStatus: null, confirmByMs: null });
    const named = await call('cashier/charge', { mchId: other.mchId, mchOrderId: 'x-1', amount: '1.00', goodsInfo: 'G', payCode }, till);
    expect([named.code, named.msg]).toEqual([1021, 'param error: unknown parameter "mchId": not part of this API']);
    expect(await orderCount(mine.mchId)).toBe(0);
  });

  it("shows the state of the till's own charges only, not the merchant's own orders", async () => {
    const m = await createMerchant(p);
    const till = await tillOf(m);
    const { payCode } = await createWalletWithCode(p, 10_00);
    expect((await postSigned(p.url, 'micropay', micropayParams(m, 'api-own-1', '1.00', payCode), m.key)).body.code).toBe(0);
    expect((await call('cashier/charge-status', { mchOrderId: 'api-own-1' }, till)).data).toEqual({ mchOrderId: 'api-own-1', tradeStatus: null, confirmByMs: null });
  });

  it('the cashier cancels a charge waiting for the customer (its merchant disabled meanwhile too): the hold is released, the charge ends FAILED; another cashier cannot', async () => {
    const m = await createMerchant(p);
    const till = await tillOf(m);
    const other = await signInCashier(p, m.mchId, 'lane-2', 'till-password-2');
    const wallet = await p.store.createWallet({ name: 'Held', openingSen: 10_00, confirmLimitSen: 1_00 });
    const code = await p.store.issuePayCode(wallet.walletId, p.config.payCodeTtlS * 1000);
    if (typeof code === 'string') throw new Error(code);
    const running = call('cashier/charge', { mchOrderId: 'till-wait', amount: '3.00', goodsInfo: 'Coffee', payCode: code.code }, till);
    await expect.poll(async () => (await call('cashier/charge-status', { mchOrderId: 'till-wait' }, till)).data?.tradeStatus, { timeout: 10_000 }).toBe('PENDING');
    // The till learns until when the customer may confirm: the order's own deadline.
    const waiting = (await call('cashier/charge-status', { mchOrderId: 'till-wait' }, till)).data!;
    expect(waiting.confirmByMs).toBe((await p.store.findOrder(m.mchId, 'till-wait'))!.deadlineMs);
    expect((await p.store.findWallet(wallet.walletId))!.heldSen).toBe(3_00);
    // Another cashier of the same merchant, and without the CSRF token: refused, nothing changes.
    expect((await call('cashier/charge-cancel', { mchOrderId: 'till-wait' }, other)).code).toBe(9031);
    expect((await call('cashier/charge-cancel', { mchOrderId: 'till-wait' }, till, null)).code).toBe(9121);
    expect((await p.store.findOrder(m.mchId, 'till-wait'))!.status).toBe('PENDING');

    // The merchant disabled meanwhile does not keep the customer's money held.
    await p.store.setMerchantStatus(m.mchId, 'disabled');
    const cancelled = await call('cashier/charge-cancel', { mchOrderId: 'till-wait' }, till);
    expect([cancelled.code, cancelled.data]).toEqual([0, { mchOrderId: 'till-wait', tradeStatus: 'FAILED' }]);
    // The charge's own next query is the merchant API's, which refuses a disabled merchant (1022).
    expect((await running).code).toBe(1022);
    expect((await p.store.findOrder(m.mchId, 'till-wait'))!.status).toBe('FAILED');
    expect(await p.store.findWallet(wallet.walletId)).toMatchObject({ balanceSen: 10_00, heldSen: 0 });
    // Cancelling again is harmless, as closeBill is: the order stays FAILED, nothing moves.
    expect((await call('cashier/charge-cancel', { mchOrderId: 'till-wait' }, till)).data).toEqual({ mchOrderId: 'till-wait', tradeStatus: 'FAILED' });
    expect((await p.store.audit()).ok).toBe(true);
  });

  it('refuses bad input and a missing or wrong CSRF token, recording nothing', async () => {
    const m = await createMerchant(p);
    const till = await tillOf(m);
    const { walletId, payCode } = await createWalletWithCode(p, 10_00);
    const good = { mchOrderId: 'till-0003', amount: '1.00', goodsInfo: 'Coffee', payCode };
    expect((await call('cashier/charge', good, till, null)).code).toBe(9121);
    expect((await call('cashier/charge', good, till, 'wrong')).code).toBe(9121);
    expect((await call('cashier/charge', good, null)).status).toBe(401);
    const bad: [Record<string, unknown>, RegExp][] = [
      [{ ...good, amount: 'ten' }, /^param error: amount /],
      [{ ...good, amount: '-1.00' }, /^param error: amount /],
      [{ ...good, payCode: '12345' }, /payCode/],
      [{ ...good, goodsInfo: 'a|b' }, /goodsInfo must not contain "\|"/],
      [{ ...good, mchOrderId: 'has space' }, /mchOrderId/],
      [{ ...good, goodsInfo: { nested: true } }, /goodsInfo/],
    ];
    for (const [body, msg] of bad) {
      const r = await call('cashier/charge', body, till);
      expect([r.code, r.msg]).toEqual([r.code === 1033 ? 1033 : 1021, expect.stringMatching(msg)]);
    }
    expect(await orderCount(m.mchId)).toBe(0);
    expect(Number((await sql<{ n: number | string }>(p.store, 'SELECT COUNT(*) AS n FROM cashier_charges'))[0]!.n)).toBe(0);
    expect((await p.store.findWallet(walletId))!.balanceSen).toBe(10_00);
  });
});
