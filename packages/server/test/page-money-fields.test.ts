import { afterEach, describe, expect, it } from 'vitest';
import { hashPin } from '../src/domain/credentials.js';
import { createMerchant, createWalletWithCode, givePayoutAccount, micropayParams, postSigned, startTestPlatform, type TestPlatform } from './helpers.js';
import { as, pageCall, sessionOf, signInCashier, type Session } from './page-helpers.js';

/**
 * The consoles' money fields are decimal strings (docs/consoles.md, "The sections' APIs"), on both
 * stores: a JSON number in any of them, which may be a rounded float before anyone reads it, is
 * refused by name (1021), and nothing moves. A trial made a real refund with `"refundAmount": 0.01`.
 */
let p: TestPlatform | null = null;
afterEach(async () => {
  await p?.stop();
  p = null;
});

const REFUSAL = (field: string) => ({ code: 1021, msg: `param error: ${field} must be a decimal string such as "10.00"` });

describe("the consoles' money fields", () => {
  it('refuse a JSON number with the field named, and move nothing', async () => {
    p = await startTestPlatform();
    const shop = await createMerchant(p);
    await givePayoutAccount(p, shop.mchId);
    const w = await createWalletWithCode(p, 50_00);
    expect((await postSigned(p.url, 'micropay', micropayParams(shop, 'n-1', '5.00', w.payCode), shop.key)).body.code).toBe(0);
    const password = 'console-pass-1';
    if (typeof (await p.store.createCashier(shop.mchId, 'boss', await hashPin(password), { role: 'owner' })) === 'string') throw new Error('taken');
    if (typeof (await p.store.createOperator('ops', await hashPin(password), null)) === 'string') throw new Error('taken');
    const owner = sessionOf(await pageCall(p, 'merchant/sign-in', { mchId: shop.mchId, name: 'boss', password }));
    const admin = sessionOf(await pageCall(p, 'admin/sign-in', { name: 'ops', password }));
    const till: Session = await signInCashier(p, shop.mchId);
    const asked: [Session, string, Record<string, unknown>, string][] = [
      [owner, 'merchant/balance/request-payout', { amount: 1, requestId: 'r-1' }, 'amount'],
      [owner, 'merchant/orders/refund', { mchOrderId: 'n-1', mchRefundId: 'rf-1', refundAmount: 0.01, reason: 'x' }, 'refundAmount'],
      [owner, 'merchant/orders/search', { minAmount: 1 }, 'minAmount'],
      [owner, 'merchant/users/create', { name: 'lane-2', refundLimit: 5 }, 'refundLimit'],
      [owner, 'merchant/users/set-refund-limit', { name: 'lane-1', refundLimit: 5 }, 'refundLimit'],
      [admin, 'admin/wallets/top-up', { walletId: w.walletId, amount: 10 }, 'amount'],
      [admin, 'admin/wallets/create', { name: 'Carol', openingBalance: 10 }, 'openingBalance'],
      [admin, 'admin/wallets/create', { name: 'Carol', confirmLimit: 10 }, 'confirmLimit'],
      [till, 'cashier/refund', { mchOrderId: 'n-1', mchRefundId: 'rf-2', refundAmount: 0.01 }, 'refundAmount'],
      [till, 'cashier/charge', { mchOrderId: 'n-2', amount: 1, goodsInfo: 'Sale', payCode: w.payCode }, 'amount'],
    ];
    for (const [session, route, body, field] of asked) {
      const a = await pageCall(p, route, body, as(session));
      expect({ route, code: a.code, msg: a.msg }).toEqual({ route, ...REFUSAL(field) });
    }
    // Nothing moved: the payment alone, no refund, payout, top-up, new wallet or user.
    expect((await p.store.findWallet(w.walletId))!.balanceSen).toBe(45_00);
    expect((await p.store.merchantBalances([shop.mchId])).get(shop.mchId)).toBe(5_00);
    expect(await p.store.listWallets({ nameContains: 'Carol', limit: 10 })).toEqual([]);
    expect((await p.store.findOrder(shop.mchId, 'n-1'))!.status).toBe('PAID');
    expect(await p.store.findOrder(shop.mchId, 'n-2')).toBeNull();
    expect((await p.store.audit()).ok).toBe(true);
  });
});
