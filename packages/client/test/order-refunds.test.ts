import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { InvalidRequestError, UnexpectedResponseError, type MicroPayClient } from '@micropay/client';
import {
  appWallet,
  clientFor,
  createMerchant,
  payCode,
  startTestPlatform,
  tamperingProxy,
  type AppWallet,
  type TamperingProxy,
  type TestMerchant,
  type TestPlatform,
} from './support.js';

/**
 * queryBill resolves with exactly the spec's order; the refund total comes from
 * queryOrderRefunds. Each signed object is accepted only where it belongs, and a "|" in a value
 * is refused before anything is sent.
 */
let p: TestPlatform;
let m: TestMerchant;
let w: AppWallet;
let client: MicroPayClient;
let proxy: TamperingProxy | null = null;

beforeEach(async () => {
  p = await startTestPlatform();
  m = await createMerchant(p);
  w = await appWallet(p, 1_000_00);
  client = clientFor(p.url, m);
});
afterEach(async () => {
  await proxy?.close();
  proxy = null;
  await p.stop();
});

const sale = (mchOrderId: string, code: string) => ({ mchOrderId, amount: '20.00', payCode: code, goodsInfo: 'Nasi lemak' });

describe('queryBill and queryOrderRefunds', () => {
  it('queryBill resolves with the spec\'s keys only; queryOrderRefunds with the refund total', async () => {
    await client.micropay(sale('or-1', await payCode(p, w)));
    await client.refund({ mchOrderId: 'or-1', mchRefundId: 'or-1-r', refundAmount: '7.50' });
    const order = await client.queryBill({ mchOrderId: 'or-1' });
    expect(Object.keys(order)).toEqual([
      'merchantOrderId', 'wavpayOrderId', 'mchId', 'merchantName', 'tradeTime', 'payTime', 'paySence',
      'tradeStatus', 'amount', 'goodsInfo', 'timestamp', 'secureHash',
    ]);
    const refunds = await client.queryOrderRefunds({ mchOrderId: 'or-1' });
    expect(refunds).toMatchObject({ merchantOrderId: 'or-1', wavpayOrderId: order.wavpayOrderId, tradeStatus: 'PAID', amount: '20.00', refundAmount: '7.50' });
  });

  it("one endpoint's genuine signed data delivered as the other's answer is not taken as a result", async () => {
    await client.micropay(sale('or-2', await payCode(p, w)));
    // The genuine, signed refund total of the same order, delivered as queryBill's answer.
    const totals = await client.queryOrderRefunds({ mchOrderId: 'or-2' });
    proxy = await tamperingProxy(p.url, (path, envelope) => (path.endsWith('/queryBill') ? { ...envelope, data: totals } : undefined));
    const viaProxy = clientFor(proxy.url, m);
    const error = await viaProxy.queryBill({ mchOrderId: 'or-2' }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(UnexpectedResponseError);
    expect((error as Error).message).toMatch(/data\.tradeTime is missing/);
    // And the order itself delivered as queryOrderRefunds' answer.
    const order = await client.queryBill({ mchOrderId: 'or-2' });
    await proxy.close();
    proxy = await tamperingProxy(p.url, (path, envelope) => (path.endsWith('/queryOrderRefunds') ? { ...envelope, data: order } : undefined));
    const second = await clientFor(proxy.url, m).queryOrderRefunds({ mchOrderId: 'or-2' }).catch((e: unknown) => e);
    expect(second).toBeInstanceOf(UnexpectedResponseError);
    expect((second as Error).message).toMatch(/data\.refundAmount is missing/);
  });
});

describe('the client refuses a "|" before sending', () => {
  it('goodsInfo with a "|" is InvalidRequestError with the platform\'s message, and nothing is recorded', async () => {
    const error = (await client.micropay({ ...sale('or-3', await payCode(p, w)), goodsInfo: '0.50|Nasi lemak' }).catch((e: unknown) => e)) as InvalidRequestError;
    expect(error).toBeInstanceOf(InvalidRequestError);
    expect(error.httpStatus).toBe(0);
    expect(error.msg).toBe('goodsInfo must not contain "|": values are joined with "|" to be signed, so a "|" would let the signed fields be re-split');
    expect(await p.store.findOrder(m.mchId, 'or-3')).toBeNull();
  });
});
