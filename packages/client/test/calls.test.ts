import { inspect } from 'node:util';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { formatWireTime, verify, type SignableParams } from '@micropay/protocol';
import {
  ConnectionError,
  DuplicateOrderError,
  InsufficientBalanceError,
  InvalidRequestError,
  MicroPayAbortedError,
  MicroPayApiError,
  MicroPayClient,
  NoRecordError,
  OrderPaidError,
  OrderPayingError,
  PayCodeExpiredError,
  RefundExceedsRefundableError,
  RequestTimeoutError,
  SignatureRejectedError,
  SystemError,
  UnknownPayCodeError,
} from '@micropay/client';
import { createLogger } from '../../server/src/log.js';
import {
  appWallet,
  clientFor,
  createMerchant,
  FAST_ENV,
  freePort,
  payCode,
  startTestPlatform,
  tamperingProxy,
  type AppWallet,
  type TestMerchant,
  type TestPlatform,
} from './support.js';

let p: TestPlatform;
let m: TestMerchant;
let client: MicroPayClient;
let w: AppWallet;

beforeEach(async () => {
  p = await startTestPlatform(FAST_ENV, undefined, { sandbox: true });
  m = await createMerchant(p);
  client = clientFor(p.url, m);
  w = await appWallet(p, 1_000_00);
});
afterEach(async () => {
  await p.stop();
});

const sale = (mchOrderId: string, code: string, amount = '12.50') => ({ mchOrderId, amount, payCode: code, goodsInfo: 'Parking 2h' });

describe('micropay', () => {
  it('a payment within the limit resolves with the signed PAID order; the amount goes out as two places', async () => {
    const order = await client.micropay(sale('call-1', await payCode(p, w), '12.5'));
    expect(order).toMatchObject({ merchantOrderId: 'call-1', mchId: m.mchId, tradeStatus: 'PAID', amount: '12.50', goodsInfo: 'Parking 2h', paySence: 'MICROPAY' });
    expect(order.wavpayOrderId).toMatch(/^4\d{21}$/);
    expect(verify(order as unknown as SignableParams, m.key)).toBe(true);
    expect((await p.store.findWallet(w.walletId))!.balanceSen).toBe(1_000_00 - 12_50);
  });

  it('a repeat of a paid order rejects with OrderPaidError carrying the verified order, and charges nothing', async () => {
    const code = await payCode(p, w);
    await client.micropay(sale('call-2', code));
    const error = await client.micropay(sale('call-2', code)).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(OrderPaidError);
    expect((error as OrderPaidError).code).toBe(1023);
    expect((error as OrderPaidError).order).toMatchObject({ tradeStatus: 'PAID', merchantOrderId: 'call-2' });
    expect((error as OrderPaidError).action).toMatch(/do not charge again/);
    expect((await p.store.findWallet(w.walletId))!.balanceSen).toBe(1_000_00 - 12_50);
  });

  it('insufficient balance rejects with InsufficientBalanceError carrying the FAILED order and what to do', async () => {
    const poor = await appWallet(p, 1_00);
    const error = (await client.micropay(sale('call-3', await payCode(p, poor))).catch((e: unknown) => e)) as InsufficientBalanceError;
    expect(error).toBeInstanceOf(InsufficientBalanceError);
    expect(error).toBeInstanceOf(MicroPayApiError);
    expect(error.order).toMatchObject({ tradeStatus: 'FAILED' });
    expect(error.action).toMatch(/top up or pay another way/);
  });

  it('the same order id with other parameters rejects with DuplicateOrderError carrying the existing order', async () => {
    const code = await payCode(p, w);
    await client.micropay(sale('call-4', code, '1.00'));
    const error = (await client.micropay(sale('call-4', code, '2.00')).catch((e: unknown) => e)) as DuplicateOrderError;
    expect(error).toBeInstanceOf(DuplicateOrderError);
    expect(error.order).toMatchObject({ amount: '1.00', tradeStatus: 'PAID' });
  });

  it('a used code is PayCodeExpiredError, an unknown code UnknownPayCodeError; nothing is recorded', async () => {
    const code = await payCode(p, w);
    await client.micropay(sale('call-5', code));
    await expect(client.micropay(sale('call-6', code))).rejects.toBeInstanceOf(PayCodeExpiredError);
    await expect(client.micropay(sale('call-7', '390000000000000000'))).rejects.toBeInstanceOf(UnknownPayCodeError);
    await expect(client.queryBill({ mchOrderId: 'call-6' })).rejects.toBeInstanceOf(NoRecordError);
  });

  it('a payment above the confirmation limit rejects with OrderPayingError carrying the PENDING order', async () => {
    const error = (await client.micropay(sale('call-8', await payCode(p, w), '300.00')).catch((e: unknown) => e)) as OrderPayingError;
    expect(error).toBeInstanceOf(OrderPayingError);
    expect(error.order).toMatchObject({ tradeStatus: 'PENDING', payTime: null });
  });

  it('a malformed request is refused before anything is sent, with the code the platform would answer', async () => {
    // The client points at a port where nothing listens: a ConnectionError would mean it sent.
    const offline = new MicroPayClient({ baseUrl: `http://127.0.0.1:${await freePort()}`, mchId: m.mchId, apiKey: m.key });
    const cases = [
      { request: sale('bad amount', '390000000000000000'), code: 1033 },
      { request: sale('ok-1', '390000000000000000', '1.005'), code: 1021 },
      { request: sale('ok-2', '39000'), code: 1021 },
      { request: { ...sale('ok-3', '390000000000000000'), goodsInfo: '' }, code: 1021 },
    ];
    for (const { request, code } of cases) {
      const error = (await offline.micropay(request).catch((e: unknown) => e)) as InvalidRequestError;
      expect(error).toBeInstanceOf(InvalidRequestError);
      expect(error.code).toBe(code);
      expect(error.httpStatus).toBe(0);
      // The message says that nothing reached the platform, so a log reader does not look for it there.
      expect(error.message).toMatch(new RegExp(`^micropay not sent, refused by the client's own check with ${code}: `));
    }
  });

  it('a wrong key is SignatureRejectedError (1035) telling to check the key', async () => {
    const wrong = new MicroPayClient({ baseUrl: p.url, mchId: m.mchId, apiKey: 'not-the-key' });
    const error = (await wrong.queryBill({ mchOrderId: 'x' }).catch((e: unknown) => e)) as SignatureRejectedError;
    expect(error).toBeInstanceOf(SignatureRejectedError);
    expect(error.action).toMatch(/apiKey/);
  });

  it('sandbox system-error is SystemError (500): the payment was made, as queryBill then shows', async () => {
    const faulty = clientFor(p.url, m, { headers: { 'X-MicroPay-Sandbox': 'system-error' } });
    await expect(faulty.micropay(sale('call-9', await payCode(p, w)))).rejects.toBeInstanceOf(SystemError);
    expect((await client.queryBill({ mchOrderId: 'call-9' })).tradeStatus).toBe('PAID');
  });

  it("a 500's SystemError carries its X-Error-Id as errorId, the id of the platform's log line; a 500 without one has none", async () => {
    const lines: string[] = [];
    const logged = await startTestPlatform(FAST_ENV, undefined, { sandbox: true, logger: createLogger('info', (line) => void lines.push(line)) });
    const proxy = await tamperingProxy(logged.url, () => undefined);
    try {
      const lm = await createMerchant(logged);
      const lw = await appWallet(logged, 100_00);
      const headers = { 'X-MicroPay-Sandbox': 'system-error' };
      const error = (await clientFor(logged.url, lm, { headers }).micropay(sale('call-id', await payCode(logged, lw))).catch((e: unknown) => e)) as SystemError;
      expect(error).toBeInstanceOf(SystemError);
      expect(error.errorId).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
      expect(lines.filter((line) => (JSON.parse(line) as { errorId?: string }).errorId === error.errorId)).toHaveLength(1);
      // The proxy passes the 500 on without the platform's headers.
      const viaProxy = (await clientFor(proxy.url, lm, { headers }).micropay(sale('call-id-2', await payCode(logged, lw))).catch((e: unknown) => e)) as SystemError;
      expect(viaProxy).toBeInstanceOf(SystemError);
      expect(viaProxy.errorId).toBeUndefined();
    } finally {
      await proxy.close();
      await logged.stop();
    }
  });

  it('an answer slower than timeoutMs is RequestTimeoutError; a dropped connection is ConnectionError', async () => {
    const slow = clientFor(p.url, m, { timeoutMs: 200, headers: { 'X-MicroPay-Sandbox': 'slow=1000' } });
    await expect(slow.micropay(sale('call-10', await payCode(p, w)))).rejects.toBeInstanceOf(RequestTimeoutError);
    const dropping = clientFor(p.url, m, { headers: { 'X-MicroPay-Sandbox': 'drop' } });
    await expect(dropping.micropay(sale('call-11', await payCode(p, w)))).rejects.toBeInstanceOf(ConnectionError);
    // Both payments happened: the answers were lost, not the payments.
    expect((await client.queryBill({ mchOrderId: 'call-10' })).tradeStatus).toBe('PAID');
    expect((await client.queryBill({ mchOrderId: 'call-11' })).tradeStatus).toBe('PAID');
  });

  it('no server at the URL is ConnectionError; an aborted call is MicroPayAbortedError', async () => {
    const offline = new MicroPayClient({ baseUrl: `http://127.0.0.1:${await freePort()}`, mchId: m.mchId, apiKey: m.key });
    await expect(offline.queryBill({ mchOrderId: 'x' })).rejects.toBeInstanceOf(ConnectionError);
    const slow = clientFor(p.url, m, { headers: { 'X-MicroPay-Sandbox': 'slow=1000' } });
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 100);
    await expect(slow.micropay(sale('call-12', await payCode(p, w)), { signal: controller.signal })).rejects.toBeInstanceOf(MicroPayAbortedError);
  });
});

describe('queryBill and closeBill', () => {
  it('queryBill resolves with the verified order; an unknown order is NoRecordError', async () => {
    await client.micropay(sale('q-1', await payCode(p, w)));
    const order = await client.queryBill({ mchOrderId: 'q-1' });
    expect(order).toMatchObject({ merchantOrderId: 'q-1', tradeStatus: 'PAID', amount: '12.50' });
    const error = (await client.queryBill({ mchOrderId: 'never' }).catch((e: unknown) => e)) as NoRecordError;
    expect(error).toBeInstanceOf(NoRecordError);
    expect(error.code).toBe(1031);
    expect(error.action).toMatch(/pay again under the same mchOrderId, unless you closed it with closeBill/);
  });

  it('closeBill closes a PENDING order (resolves FAILED, hold released); a paid order is OrderPaidError', async () => {
    await client.micropay(sale('c-1', await payCode(p, w), '300.00')).catch(() => undefined);
    expect((await p.store.findWallet(w.walletId))!.heldSen).toBe(300_00);
    const closed = await client.closeBill({ mchOrderId: 'c-1' });
    expect(closed).toMatchObject({ merchantOrderId: 'c-1', tradeStatus: 'FAILED' });
    expect((await p.store.findWallet(w.walletId))!.heldSen).toBe(0);

    await client.micropay(sale('c-2', await payCode(p, w)));
    const error = (await client.closeBill({ mchOrderId: 'c-2' }).catch((e: unknown) => e)) as OrderPaidError;
    expect(error).toBeInstanceOf(OrderPaidError);
    expect(error.order).toMatchObject({ tradeStatus: 'PAID' });
    expect(error.action).toMatch(/^The order was paid and cannot be closed/);
    const never = (await client.closeBill({ mchOrderId: 'never' }).catch((e: unknown) => e)) as NoRecordError;
    expect(never).toBeInstanceOf(NoRecordError);
    expect(never.action).toMatch(/^Check mchId. If it is right, no payment under this mchOrderId ever reached the platform, and it is now closed/);
  });
});

describe('refund, queryRefund and downloadBill', () => {
  it('refunds part of a paid order, reports it by queryRefund, and refuses more than is left', async () => {
    await client.micropay(sale('r-1', await payCode(p, w), '20.00'));
    const refund = await client.refund({ mchOrderId: 'r-1', mchRefundId: 'rf-1', refundAmount: '5', reason: 'one item returned' });
    expect(refund).toMatchObject({ merchantOrderId: 'r-1', merchantRefundId: 'rf-1', refundAmount: '5.00', refundStatus: 'REFUNDED', reason: 'one item returned' });
    expect((await client.queryRefund({ mchRefundId: 'rf-1' })).refundStatus).toBe('REFUNDED');
    expect(await client.queryOrderRefunds({ mchOrderId: 'r-1' })).toMatchObject({ tradeStatus: 'PAID', amount: '20.00', refundAmount: '5.00' });
    expect((await p.store.findWallet(w.walletId))!.balanceSen).toBe(1_000_00 - 20_00 + 5_00);

    // The same refund again is the same refund, not a second one.
    expect((await client.refund({ mchOrderId: 'r-1', mchRefundId: 'rf-1', refundAmount: '5.00', reason: 'one item returned' })).refundId).toBe(refund.refundId);
    expect((await p.store.findWallet(w.walletId))!.balanceSen).toBe(1_000_00 - 20_00 + 5_00);

    await expect(client.refund({ mchOrderId: 'r-1', mchRefundId: 'rf-2', refundAmount: '15.01' })).rejects.toBeInstanceOf(RefundExceedsRefundableError);
    await expect(client.queryRefund({ mchRefundId: 'rf-never' })).rejects.toBeInstanceOf(NoRecordError);
  });

  it("a refund's errors say the refund's next step, not a payment's", async () => {
    const actionOf = async (call: Promise<unknown>) => ((await call.catch((e: unknown) => e)) as MicroPayApiError).action;
    await client.micropay(sale('ra-1', await payCode(p, w), '20.00'));
    // A refund the platform made but answered 500: the same refund again, not a query of the order.
    const faulty = clientFor(p.url, m, { headers: { 'X-MicroPay-Sandbox': 'system-error' } });
    const lost = { mchOrderId: 'ra-1', mchRefundId: 'rfa-1', refundAmount: '1.00', reason: 'scratched' };
    expect(await actionOf(faulty.refund(lost))).toMatch(/^The refund may or may not be made\. Send the same refund again \(the same mchRefundId, mchOrderId, refundAmount and reason\)/);
    expect((await client.refund(lost)).refundStatus).toBe('REFUNDED');
    // The same id with another reason: the refund's own id, not a "fresh mchOrderId".
    expect(await actionOf(client.refund({ ...lost, reason: 'other' }))).toMatch(/^This mchRefundId is already used/);
    // A failed order has nothing to refund; no order, no refund.
    await client.micropay(sale('ra-2', await payCode(p, w), '5000.00')).catch(() => undefined);
    expect(await actionOf(client.refund({ mchOrderId: 'ra-2', mchRefundId: 'rfa-2', refundAmount: '1.00' }))).toMatch(/^The order failed or was closed, so no money was taken/);
    expect(await actionOf(client.refund({ mchOrderId: 'ra-none', mchRefundId: 'rfa-3', refundAmount: '1.00' }))).toMatch(/^No such order for this merchant/);
    expect(await actionOf(client.queryRefund({ mchRefundId: 'rfa-never' }))).toMatch(/^No refund was ever recorded under this mchRefundId/);
    expect(await actionOf(client.queryOrderRefunds({ mchOrderId: 'ra-none' }))).toMatch(/^No such order for this merchant/);
    // Not settled yet: a PENDING order (above the confirmation limit) has nothing to refund yet.
    await client.micropay(sale('ra-3', await payCode(p, w), '300.00')).catch(() => undefined);
    expect(await actionOf(client.refund({ mchOrderId: 'ra-3', mchRefundId: 'rfa-4', refundAmount: '1.00' }))).toMatch(/^The order is not settled yet \(NEW or PENDING/);
    // A payment's errors keep the catalogue's words.
    expect(await actionOf(client.queryBill({ mchOrderId: 'ra-none' }))).toMatch(/pay again under the same mchOrderId/);
  });

  it("downloadBill resolves with the day's signed statement CSV", async () => {
    const order = await client.micropay(sale('b-1', await payCode(p, w)));
    const billDate = formatWireTime(Date.now(), p.config.timeZone).slice(0, 10);
    const bill = await client.downloadBill({ billDate });
    expect(bill).toMatchObject({ mchId: m.mchId, billDate });
    expect(bill.csv).toContain(order.wavpayOrderId);
    await expect(client.downloadBill({ billDate: '2022-02-30' })).rejects.toBeInstanceOf(InvalidRequestError);
  });
});

describe('the client itself', () => {
  it('refuses a bad configuration at once and never shows its key', () => {
    expect(() => new MicroPayClient({ baseUrl: 'not a url', mchId: m.mchId, apiKey: m.key })).toThrow(TypeError);
    expect(() => new MicroPayClient({ baseUrl: p.url, mchId: 'abc', apiKey: m.key })).toThrow(/mchId/);
    expect(() => new MicroPayClient({ baseUrl: p.url, mchId: m.mchId, apiKey: '' })).toThrow(/apiKey/);
    expect(() => new MicroPayClient({ baseUrl: p.url, mchId: m.mchId, apiKey: m.key, timeoutMs: 0 })).toThrow(RangeError);
    expect(JSON.stringify(client)).not.toContain(m.key);
    expect(inspect(client, { depth: 5 })).not.toContain(m.key);
  });
});
