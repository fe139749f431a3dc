import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  MicroPayClient,
  PaymentOutcomeUnknownError,
  ResponseSignatureError,
  UnexpectedResponseError,
  type PayProgress,
} from '@micropay/client';
import {
  appWallet,
  clientFor,
  createMerchant,
  FAST_ENV,
  payCode,
  QUICK,
  startTestPlatform,
  tamperingProxy,
  type AppWallet,
  type TamperingProxy,
  type TestMerchant,
  type TestPlatform,
} from './support.js';

/**
 * Answers altered in transit, by a local proxy between the client and the real platform. The
 * signature covers `data`; the client also checks that the data is about this request and agrees
 * with the unsigned `code`. A rejected answer is never taken as a result.
 */
let p: TestPlatform;
let m: TestMerchant;
let w: AppWallet;
let proxy: TamperingProxy | null = null;

beforeEach(async () => {
  p = await startTestPlatform(FAST_ENV, undefined, { sandbox: true });
  m = await createMerchant(p);
  w = await appWallet(p, 1_000_00);
});
afterEach(async () => {
  await proxy?.close();
  proxy = null;
  await p.stop();
});

const sale = (mchOrderId: string, code: string, amount = '12.50') => ({ mchOrderId, amount, payCode: code, goodsInfo: 'Parking 2h' });
type Envelope = Record<string, unknown> & { code: number; data: Record<string, unknown> | null };

async function via(alter: (path: string, envelope: Envelope) => Record<string, unknown> | undefined): Promise<MicroPayClient> {
  proxy = await tamperingProxy(p.url, alter as (path: string, e: Record<string, unknown>) => Record<string, unknown> | undefined);
  return clientFor(proxy.url, m);
}

async function rejection(promise: Promise<unknown>): Promise<ResponseSignatureError> {
  const error = await promise.catch((e: unknown) => e);
  expect(error).toBeInstanceOf(ResponseSignatureError);
  return error as ResponseSignatureError;
}

describe('a tampered answer is a ResponseSignatureError, never a result', () => {
  it('a PAID order turned into FAILED (data altered): BAD_SIGNATURE', async () => {
    const client = await via((_path, e) => (e.data ? { ...e, code: 1028, data: { ...e.data, tradeStatus: 'FAILED' } } : undefined));
    const error = await rejection(client.micropay(sale('t-1', await payCode(p, w))));
    expect(error.failure).toBe('BAD_SIGNATURE');
    expect(error.endpoint).toBe('micropay');
    expect(proxy!.altered).toBe(1);
    // The payment was made; the platform's own answer says so.
    expect((await clientFor(p.url, m).queryBill({ mchOrderId: 't-1' })).tradeStatus).toBe('PAID');
  });

  it('an altered amount in a queryBill answer: BAD_SIGNATURE', async () => {
    const direct = clientFor(p.url, m);
    await direct.micropay(sale('t-2', await payCode(p, w)));
    const client = await via((path, e) => (path.endsWith('/queryBill') ? { ...e, data: { ...e.data, amount: '1.00' } } : undefined));
    expect((await rejection(client.queryBill({ mchOrderId: 't-2' }))).failure).toBe('BAD_SIGNATURE');
  });

  it('the signed data stripped from a success: UNSIGNED', async () => {
    const client = await via((_path, e) => ({ ...e, data: null }));
    expect((await rejection(client.micropay(sale('t-3', await payCode(p, w))))).failure).toBe('UNSIGNED');
  });

  it('the unsigned code changed to contradict the signed data (0 → 1028 on a PAID order): MISMATCH', async () => {
    const client = await via((_path, e) => ({ ...e, code: 1028, msg: 'insufficient balance' }));
    const error = await rejection(client.micropay(sale('t-4', await payCode(p, w))));
    expect(error.failure).toBe('MISMATCH');
    expect(error.message).toMatch(/contradicts the signed tradeStatus PAID/);
  });

  it("another order's genuine signed answer replayed: MISMATCH", async () => {
    const direct = clientFor(p.url, m);
    await direct.micropay(sale('t-5-paid', await payCode(p, w)));
    const paidAnswer = await fetch(`${p.url}/api/micropay/queryBill`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify(await signedQuery('t-5-paid')),
    }).then((r) => r.json() as Promise<Record<string, unknown>>);
    const client = await via((path) => (path.endsWith('/queryBill') ? paidAnswer : undefined));
    const error = await rejection(client.queryBill({ mchOrderId: 't-5-unpaid' }));
    expect(error.failure).toBe('MISMATCH');
  });

  it('a proxy error page instead of an answer: UnexpectedResponseError', async () => {
    const { createServer } = await import('node:http');
    const html = createServer((_req, res) => res.writeHead(502, { 'Content-Type': 'text/html' }).end('<html>Bad Gateway</html>'));
    await new Promise<void>((r) => html.listen(0, '127.0.0.1', r));
    try {
      const port = (html.address() as { port: number }).port;
      const client = clientFor(`http://127.0.0.1:${port}`, m);
      const error = await client.queryBill({ mchOrderId: 'x' }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(UnexpectedResponseError);
      expect((error as UnexpectedResponseError).httpStatus).toBe(502);
    } finally {
      await new Promise<void>((r) => html.close(() => r()));
    }
  });
});

describe('pay() through a tampering proxy', () => {
  it('a tampered first answer is not believed: the flow queries and ends with the truth, PAID', async () => {
    let first = true;
    const client = await via((path, e) => {
      if (!path.endsWith('/micropay') || !first) return undefined;
      first = false;
      return { ...e, code: 1028, msg: 'insufficient balance', data: { ...e.data, tradeStatus: 'FAILED' } };
    });
    const steps: PayProgress[] = [];
    const outcome = await client.pay(sale('t-flow-1', await payCode(p, w)), { ...QUICK, onProgress: (e) => steps.push(e) });
    expect(outcome).toMatchObject({ status: 'PAID', order: { tradeStatus: 'PAID' } });
    const unknown = steps.find((s) => s.step === 'outcome-unknown') as Extract<PayProgress, { step: 'outcome-unknown' }>;
    expect(unknown.error).toBeInstanceOf(ResponseSignatureError);
    expect((await p.store.findWallet(w.walletId))!.balanceSen).toBe(1_000_00 - 12_50);
  });

  it('every answer tampered: no outcome is guessed — PaymentOutcomeUnknownError after the deadline', async () => {
    const client = await via((_path, e) => (e.data ? { ...e, data: { ...e.data, tradeStatus: 'FAILED' } } : undefined));
    const error = await client.pay(sale('t-flow-2', await payCode(p, w)), { ...QUICK, deadlineMs: 400 }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(PaymentOutcomeUnknownError);
    expect((error as PaymentOutcomeUnknownError).cause).toBeInstanceOf(ResponseSignatureError);
  });
});

async function signedQuery(mchOrderId: string) {
  const { sign } = await import('@micropay/protocol');
  const body: Record<string, string> = { mchId: m.mchId, mchOrderId, timestamp: String(Date.now()) };
  body.secureHash = sign(body, m.key);
  return body;
}
