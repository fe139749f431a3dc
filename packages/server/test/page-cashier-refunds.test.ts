import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { execute, sql } from './db-access.js';
import {
  createMerchant,
  createWalletWithCode,
  micropayParams,
  postSigned,
  startTestPlatform,
  type TestMerchant,
  type TestPlatform,
} from './helpers.js';
import { as, pageCall, signInCashier, type PageAnswer, type Session } from './page-helpers.js';

/**
 * The cashier page after the charge (docs/pages.md), over real HTTP on both stores: a till lists
 * only the charges its cashier took, refunds them in part or in full by the refund rules, once per
 * refund attempt however often it is sent, never above what was paid, and never another cashier's
 * or another merchant's order; a refund without the CSRF token changes nothing.
 */
let p: TestPlatform;

const call = (path: string, body: unknown, s: Session | null, csrf: string | null = s?.csrf ?? null) => pageCall(p, path, body, as(s, csrf));
const till = (m: TestMerchant, name = 'lane-1') => signInCashier(p, m.mchId, name);

/** A paid charge of `amount` at the till, from a fresh wallet holding 10.00. */
async function charged(s: Session, mchOrderId: string, amount = '1.00'): Promise<{ walletId: string }> {
  const { walletId, payCode } = await createWalletWithCode(p, 10_00);
  const r = await call('cashier/charge', { mchOrderId, amount, goodsInfo: 'Coffee', payCode }, s);
  expect([r.code, r.data?.status]).toEqual([0, 'PAID']);
  return { walletId };
}

async function balance(walletId: string): Promise<number> {
  return (await p.store.findWallet(walletId))!.balanceSen;
}

async function refundCount(): Promise<number> {
  return Number((await sql<{ n: number | string }>(p.store, 'SELECT COUNT(*) AS n FROM refunds'))[0]!.n);
}

const listed = async (s: Session, before: unknown = undefined): Promise<PageAnswer> =>
  call('cashier/recent-charges', before === undefined ? {} : { before }, s);

beforeEach(async () => {
  p = await startTestPlatform();
});
afterEach(async () => {
  await p.stop();
});

describe("a till's recent charges", () => {
  it('lists only the charges this cashier took, newest first, a page at a time', async () => {
    const shop = await createMerchant(p, 'Corner Shop');
    const other = await createMerchant(p, 'Other Shop');
    const lane1 = await till(shop, 'lane-1');
    const lane2 = await till(shop, 'lane-2');
    const otherTill = await till(other, 'lane-1');
    for (let i = 1; i <= 11; i += 1) await charged(lane1, `mine-${String(i).padStart(2, '0')}`);
    await charged(lane2, 'lane2-1');
    await charged(otherTill, 'other-1');
    const { payCode } = await createWalletWithCode(p, 10_00);
    expect((await postSigned(p.url, 'micropay', micropayParams(shop, 'api-1', '1.00', payCode), shop.key)).body.code).toBe(0);

    const first = await listed(lane1);
    expect(first.code).toBe(0);
    expect(first.data!.timeZone).toBe(p.config.timeZone);
    const ids = (first.data!.charges as { mchOrderId: string }[]).map((c) => c.mchOrderId);
    expect(ids).toEqual(['mine-11', 'mine-10', 'mine-09', 'mine-08', 'mine-07', 'mine-06', 'mine-05', 'mine-04', 'mine-03', 'mine-02']);
    expect(first.data!.charges[0]).toMatchObject({ amount: '1.00', refundedAmount: '0.00', refundableAmount: '1.00', tradeStatus: 'PAID', goodsInfo: 'Coffee' });
    expect(first.data!.charges[0].payCode).toMatch(/^•••• \d{4}$/);
    expect(first.data!.next).not.toBeNull();
    const second = await listed(lane1, first.data!.next);
    expect([(second.data!.charges as { mchOrderId: string }[]).map((c) => c.mchOrderId), second.data!.next]).toEqual([['mine-01'], null]);
    expect((await listed(lane2)).data!.charges.map((c: { mchOrderId: string }) => c.mchOrderId)).toEqual(['lane2-1']);

    for (const before of [{ chargedAtMs: -1, mchOrderId: 'x' }, 'yesterday', { chargedAtMs: 1, mchOrderId: 'x', extra: 1 }]) {
      const r = await listed(lane1, before);
      expect([r.code, r.msg]).toEqual([1021, 'param error: before must be the `next` of the previous page']);
    }
  });

  it("refuses to charge under an order id that is another cashier's or the merchant's own", async () => {
    const shop = await createMerchant(p);
    const lane1 = await till(shop, 'lane-1');
    const lane2 = await till(shop, 'lane-2');
    await charged(lane1, 'taken-1');
    const { walletId, payCode } = await createWalletWithCode(p, 10_00);
    expect((await postSigned(p.url, 'micropay', micropayParams(shop, 'api-2', '1.00', payCode), shop.key)).body.code).toBe(0);
    const { walletId: presented, payCode: code2 } = await createWalletWithCode(p, 10_00);
    for (const mchOrderId of ['taken-1', 'api-2']) {
      const r = await call('cashier/charge', { mchOrderId, amount: '1.00', goodsInfo: 'Coffee', payCode: code2 }, lane2);
      expect([r.code, r.msg]).toEqual([9030, 'order id taken']);
    }
    expect((await listed(lane2)).data!.charges).toEqual([]);
    // The wallet whose code lane 2 presented is not charged; the merchant's own order stays as it was.
    expect([await balance(presented), await balance(walletId)]).toEqual([10_00, 9_00]);
  });
});

describe('a refund from the till', () => {
  it('refunds 0.40, then the rest, and the wallet has its money back', async () => {
    const shop = await createMerchant(p);
    const lane = await till(shop);
    const { walletId } = await charged(lane, 'sale-1');
    expect(await balance(walletId)).toBe(9_00);

    const part = await call('cashier/refund', { mchOrderId: 'sale-1', mchRefundId: 'r-1', refundAmount: '0.40' }, lane);
    expect(part.code, part.msg).toBe(0);
    expect(part.data!.refund).toMatchObject({ mchRefundId: 'r-1', refundAmount: '0.40', refundStatus: 'REFUNDED', failReason: null });
    expect(part.data!.charge).toMatchObject({ tradeStatus: 'PAID', refundedAmount: '0.40', refundableAmount: '0.60' });
    expect(await balance(walletId)).toBe(9_40);

    const rest = await call('cashier/refund', { mchOrderId: 'sale-1', mchRefundId: 'r-2', refundAmount: '0.60' }, lane);
    expect([rest.code, rest.data!.refund.refundStatus, rest.data!.charge.tradeStatus, rest.data!.charge.refundableAmount]).toEqual([0, 'REFUNDED', 'REFUNDED', '0.00']);
    expect(await balance(walletId)).toBe(10_00);
    expect((await listed(lane)).data!.charges[0]).toMatchObject({ mchOrderId: 'sale-1', refundedAmount: '1.00', tradeStatus: 'REFUNDED' });

    const receipt = await call('cashier/receipt', { mchOrderId: 'sale-1' }, lane);
    expect(receipt.data).toMatchObject({ mchOrderId: 'sale-1', amount: '1.00', cashierName: 'lane-1', merchantName: 'LPR Parking System' });
    expect(receipt.data!.refunds.map((r: { mchRefundId: string; refundAmount: string }) => [r.mchRefundId, r.refundAmount])).toEqual([['r-1', '0.40'], ['r-2', '0.60']]);
    expect(JSON.stringify(receipt.data)).not.toContain(shop.key);
    expect((await p.store.audit()).ok).toBe(true);
  });

  it('refuses more than is left to refund with 9006, and writes nothing', async () => {
    const shop = await createMerchant(p);
    const lane = await till(shop);
    const { walletId } = await charged(lane, 'sale-2');
    const r = await call('cashier/refund', { mchOrderId: 'sale-2', mchRefundId: 'r-big', refundAmount: '1.01' }, lane);
    expect([r.code, r.msg]).toEqual([9006, 'refund amount exceeds the refundable amount: the refundable amount is 1.00']);
    expect([await refundCount(), await balance(walletId)]).toEqual([0, 9_00]);
  });

  it('the same refund attempt sent twice at once refunds once', async () => {
    const shop = await createMerchant(p);
    const lane = await till(shop);
    const { walletId } = await charged(lane, 'sale-3');
    const body = { mchOrderId: 'sale-3', mchRefundId: 'r-twice', refundAmount: '0.70' };
    const answers = await Promise.all([call('cashier/refund', body, lane), call('cashier/refund', body, lane), call('cashier/refund', body, lane)]);
    for (const a of answers) expect([a.code, a.data!.refund.refundStatus]).toEqual([0, 'REFUNDED']);
    expect(new Set(answers.map((a) => a.data!.refund.refundId)).size).toBe(1);
    expect([await refundCount(), await balance(walletId)]).toEqual([1, 9_70]);
    // Two attempts for all of it at once: one refunds, the other finds nothing left.
    const { walletId: w2 } = await charged(lane, 'sale-4');
    const both = await Promise.all(['r-a', 'r-b'].map((id) => call('cashier/refund', { mchOrderId: 'sale-4', mchRefundId: id, refundAmount: '1.00' }, lane)));
    expect(both.map((a) => a.code).sort()).toEqual([0, 9006]);
    expect(await balance(w2)).toBe(10_00);
    expect((await p.store.audit()).ok).toBe(true);
  });

  it("refuses another merchant's order, another cashier's and the merchant's own alike, changing nothing", async () => {
    const shop = await createMerchant(p, 'Shop A');
    const other = await createMerchant(p, 'Shop B');
    const lane1 = await till(shop, 'lane-1');
    const lane2 = await till(shop, 'lane-2');
    const otherTill = await till(other, 'lane-1');
    // The same order id at both merchants: Shop A's till sees and refunds Shop A's order only.
    const { walletId: wOther } = await charged(otherTill, 'same-id');
    const { walletId: wMine } = await charged(lane1, 'same-id');
    const { walletId: wOtherOnly } = await charged(otherTill, 'b-sale');
    const { walletId: wLane2 } = await charged(lane2, 'lane2-sale');
    const { payCode } = await createWalletWithCode(p, 10_00);
    expect((await postSigned(p.url, 'micropay', micropayParams(shop, 'api-sale', '1.00', payCode), shop.key)).body.code).toBe(0);
    for (const mchOrderId of ['b-sale', 'lane2-sale', 'api-sale', 'no-such-order']) {
      const r = await call('cashier/refund', { mchOrderId, mchRefundId: `r-${mchOrderId}`, refundAmount: '0.10' }, lane1);
      expect([r.code, r.msg, r.data]).toEqual([9031, 'no such charge at this till', null]);
      const receipt = await call('cashier/receipt', { mchOrderId }, lane1);
      expect([receipt.code, receipt.data]).toEqual([9031, null]);
    }
    const named = await call('cashier/refund', { mchId: other.mchId, mchOrderId: 'b-sale', mchRefundId: 'r-x', refundAmount: '0.10' }, otherTill);
    expect([named.code, named.msg]).toEqual([1021, 'param error: unknown parameter "mchId": not part of this API']);
    expect([await refundCount(), await balance(wOther), await balance(wOtherOnly), await balance(wLane2)]).toEqual([0, 9_00, 9_00, 9_00]);
    expect((await p.store.findOrder(other.mchId, 'b-sale'))!.refundedSen).toBe(0);

    expect((await listed(lane1)).data!.charges.map((c: { mchOrderId: string; wavpayOrderId: string }) => [c.mchOrderId, c.wavpayOrderId]))
      .toEqual([['same-id', (await p.store.findOrder(shop.mchId, 'same-id'))!.orderId]]);
    const mine = await call('cashier/refund', { mchOrderId: 'same-id', mchRefundId: 'r-same', refundAmount: '0.10' }, lane1);
    expect(mine.code, mine.msg).toBe(0);
    expect([await balance(wMine), await balance(wOther)]).toEqual([9_10, 9_00]);
    expect([(await p.store.findOrder(shop.mchId, 'same-id'))!.refundedSen, (await p.store.findOrder(other.mchId, 'same-id'))!.refundedSen]).toEqual([10, 0]);
  });

  it('refuses a refund without the CSRF token (9121) or a session (9120), and bad input (1021), writing nothing', async () => {
    const shop = await createMerchant(p);
    const lane = await till(shop);
    const { walletId } = await charged(lane, 'sale-5');
    const good = { mchOrderId: 'sale-5', mchRefundId: 'r-5', refundAmount: '0.50' };
    expect((await call('cashier/refund', good, lane, null)).code).toBe(9121);
    expect((await call('cashier/refund', good, lane, 'not-the-token')).code).toBe(9121);
    const noSession = await call('cashier/refund', good, null);
    expect([noSession.status, noSession.code]).toEqual([401, 9120]);
    const bad: [Record<string, unknown>, string][] = [
      [{ ...good, refundAmount: 'ten' }, 'refundAmount must be a decimal with at most two places, e.g. "1.00"'],
      [{ ...good, refundAmount: '0' }, 'refundAmount must be greater than 0'],
      [{ ...good, refundAmount: ['0.50'] }, 'refundAmount must be a decimal string such as "10.00"'],
      [{ ...good, mchRefundId: 'has space' }, 'mchRefundId must be 1 to 32 characters of A-Z, a-z, 0-9, "_" and "-"'],
      [{ mchOrderId: 'sale-5', refundAmount: '0.50' }, 'mchRefundId is required'],
    ];
    for (const [body, msg] of bad) {
      const r = await call('cashier/refund', body, lane);
      expect([r.code, r.msg]).toEqual([1021, `param error: ${msg}`]);
    }
    expect([await refundCount(), await balance(walletId)]).toEqual([0, 9_00]);
  });

  it("a disabled merchant's till refunds nothing, as its API would not (1022)", async () => {
    const shop = await createMerchant(p);
    const lane = await till(shop);
    const { walletId } = await charged(lane, 'sale-6');
    await p.store.setMerchantStatus(shop.mchId, 'disabled');
    const r = await call('cashier/refund', { mchOrderId: 'sale-6', mchRefundId: 'r-6', refundAmount: '0.50' }, lane);
    expect(r.code).toBe(1022);
    expect([await refundCount(), await balance(walletId)]).toEqual([0, 9_00]);
  });
});

/** A till owns only an order its own charge made: with the very payment code it presented. */
describe('a claim whose charge made no order', () => {
  const UNKNOWN_CODE = '391234567890123456';

  async function claims(): Promise<number> {
    return Number((await sql<{ n: number | string }>(p.store, 'SELECT COUNT(*) AS n FROM cashier_charges'))[0]!.n);
  }

  it("gives the till nothing of the order the merchant's own system later makes under the id", async () => {
    const shop = await createMerchant(p);
    const lane = await till(shop);
    const failed = await call('cashier/charge', { mchOrderId: 'INV-1002', amount: '20.00', goodsInfo: 'Coffee', payCode: UNKNOWN_CODE }, lane);
    expect([failed.code, failed.data?.status]).toEqual([0, 'FAILED']);
    expect(failed.data!.reason).toBe('PAY_CODE_UNKNOWN');

    const { walletId, payCode } = await createWalletWithCode(p, 50_00);
    const own = await postSigned(p.url, 'micropay', micropayParams(shop, 'INV-1002', '20.00', payCode), shop.key);
    expect([own.body.code, own.body.data?.tradeStatus]).toEqual([0, 'PAID']);

    expect((await listed(lane)).data!.charges).toEqual([]);
    const refund = await call('cashier/refund', { mchOrderId: 'INV-1002', mchRefundId: 'r-steal', refundAmount: '20.00' }, lane);
    expect([refund.code, refund.data]).toEqual([9031, null]);
    expect((await call('cashier/receipt', { mchOrderId: 'INV-1002' }, lane)).code).toBe(9031);
    expect([await refundCount(), await balance(walletId)]).toEqual([0, 30_00]);
    expect((await p.store.audit()).ok).toBe(true);
  });

  it("races the merchant's own system for the same id: the till owns the order only if its code made it", async () => {
    const shop = await createMerchant(p);
    const lane = await till(shop);
    for (let i = 0; i < 6; i += 1) {
      const mchOrderId = `race-${i}`;
      const tillWallet = await createWalletWithCode(p, 10_00);
      const apiWallet = await createWalletWithCode(p, 10_00);
      const [byTill, byApi] = await Promise.all([
        call('cashier/charge', { mchOrderId, amount: '1.00', goodsInfo: 'Coffee', payCode: tillWallet.payCode }, lane),
        postSigned(p.url, 'micropay', micropayParams(shop, mchOrderId, '1.00', apiWallet.payCode), shop.key),
      ]);
      const order = (await p.store.findOrder(shop.mchId, mchOrderId))!;
      const tillsOwn = order.walletId === tillWallet.walletId;
      expect(order.walletId).toBe(tillsOwn ? tillWallet.walletId : apiWallet.walletId);
      if (!tillsOwn) {
        // The till is told the id is used (1032 from the API, or 9030) and shown nothing of the merchant's order.
        expect([byApi.body.code, [1032, 9030].includes(byTill.code), byTill.data]).toEqual([0, true, null]);
      }
      const listedIds = (await listed(lane)).data!.charges.map((c: { mchOrderId: string }) => c.mchOrderId);
      expect(listedIds.includes(mchOrderId)).toBe(tillsOwn);
      const r = await call('cashier/refund', { mchOrderId, mchRefundId: `r-${mchOrderId}`, refundAmount: '1.00' }, lane);
      expect(r.code).toBe(tillsOwn ? 0 : 9031);
      expect(await balance(apiWallet.walletId)).toBe(tillsOwn ? 10_00 : 9_00);
    }
    expect((await p.store.audit()).ok).toBe(true);
  });

  it("an expired code's charge gives the till nothing of the merchant's later order under the id", async () => {
    const shop = await createMerchant(p);
    const lane = await till(shop);
    const expired = await createWalletWithCode(p, 10_00);
    await execute(p.store, 'UPDATE pay_codes SET expires_at_ms = 1 WHERE code = ?', [expired.payCode]);
    const failed = await call('cashier/charge', { mchOrderId: 'INV-2001', amount: '5.00', goodsInfo: 'Coffee', payCode: expired.payCode }, lane);
    expect([failed.code, failed.data?.status, failed.data?.reason]).toEqual([0, 'FAILED', 'PAY_CODE_EXPIRED']);

    const { walletId, payCode } = await createWalletWithCode(p, 50_00);
    const own = await postSigned(p.url, 'micropay', micropayParams(shop, 'INV-2001', '5.00', payCode), shop.key);
    expect([own.body.code, own.body.data?.tradeStatus]).toEqual([0, 'PAID']);
    expect((await listed(lane)).data!.charges).toEqual([]);
    const refund = await call('cashier/refund', { mchOrderId: 'INV-2001', mchRefundId: 'r-expired', refundAmount: '5.00' }, lane);
    expect([refund.code, (await call('cashier/receipt', { mchOrderId: 'INV-2001' }, lane)).code]).toEqual([9031, 9031]);
    expect([await refundCount(), await balance(walletId), await balance(expired.walletId)]).toEqual([0, 45_00, 10_00]);
  });

  it("a disabled merchant's till records no claim and charges nothing (1022)", async () => {
    const shop = await createMerchant(p);
    const lane = await till(shop);
    await p.store.setMerchantStatus(shop.mchId, 'disabled');
    const { walletId, payCode } = await createWalletWithCode(p, 10_00);
    const r = await call('cashier/charge', { mchOrderId: 'locked-1', amount: '1.00', goodsInfo: 'Coffee', payCode }, lane);
    expect(r.code).toBe(1022);
    expect([await claims(), await balance(walletId)]).toEqual([0, 10_00]);
  });

  it('an unknown code leaves no counted claim: the till lists nothing and the id is still its own to retry with that code only', async () => {
    const shop = await createMerchant(p);
    const lane = await till(shop);
    const failed = await call('cashier/charge', { mchOrderId: 'till-x', amount: '1.00', goodsInfo: 'Coffee', payCode: UNKNOWN_CODE }, lane);
    expect(failed.data?.status).toBe('FAILED');
    expect((await listed(lane)).data!.charges).toEqual([]);
    expect((await call('cashier/receipt', { mchOrderId: 'till-x' }, lane)).code).toBe(9031);
    // Another code under the claimed id is not a resubmit of that charge.
    const { walletId, payCode } = await createWalletWithCode(p, 10_00);
    const other = await call('cashier/charge', { mchOrderId: 'till-x', amount: '1.00', goodsInfo: 'Coffee', payCode }, lane);
    expect([other.code, await balance(walletId)]).toEqual([9030, 10_00]);
  });
});
