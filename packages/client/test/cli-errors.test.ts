import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ConnectionError, RequestNotSentError, RequestTimeoutError, type MicroPayClient, type TransportError } from '@micropay/client';
import {
  appWallet,
  clientFor,
  createMerchant,
  FAST_ENV,
  freePort,
  payCode,
  startTestPlatform,
  type AppWallet,
  type TestMerchant,
  type TestPlatform,
} from './support.js';

/**
 * What the client says when no answer arrives, as the CLI words it: the URL the request was posted
 * to, and whether it certainly was not sent (no connection was ever made) or its outcome is unknown.
 */
let p: TestPlatform;
let m: TestMerchant;
let w: AppWallet;
let client: MicroPayClient;

beforeEach(async () => {
  p = await startTestPlatform(FAST_ENV, undefined, { sandbox: true });
  m = await createMerchant(p);
  w = await appWallet(p, 100_00);
  client = clientFor(p.url, m);
});
afterEach(async () => {
  await p.stop();
});

const sale = (mchOrderId: string, code: string) => ({ mchOrderId, amount: '1.00', payCode: code, goodsInfo: 'Parking 2h' });

async function failure(call: Promise<unknown>): Promise<TransportError> {
  return (await call.then(
    () => {
      throw new Error('the call succeeded');
    },
    (e: unknown) => e,
  )) as TransportError;
}

describe('transport errors name the URL and whether the request was sent', () => {
  it('a refused connection is RequestNotSentError: certainly not sent, safe to send again', async () => {
    const base = `http://127.0.0.1:${await freePort()}`;
    const error = await failure(clientFor(base, m).micropay(sale('ns-1', '391234567890123456')));
    expect(error).toBeInstanceOf(RequestNotSentError);
    expect(error).toBeInstanceOf(ConnectionError);
    expect(error.url).toBe(`${base}/api/micropay/micropay`);
    expect(error.detail).toBe('the connection failed (ECONNREFUSED)');
    expect(error.message).toBe(`micropay to ${base}/api/micropay/micropay: the connection failed (ECONNREFUSED)`);
    expect(error.action).toMatch(/^The request was certainly not sent \(no connection was made\), so the platform recorded nothing\./);
  });

  it('a port fetch never connects to (a "bad port") is not sent either', async () => {
    const error = await failure(clientFor('http://127.0.0.1:9', m).queryBill({ mchOrderId: 'x' }));
    expect(error).toBeInstanceOf(RequestNotSentError);
    expect(error.url).toBe('http://127.0.0.1:9/api/micropay/queryBill');
  });

  it('a connection dropped after the request arrived is a ConnectionError of unknown outcome, and the payment was made', async () => {
    const dropping = clientFor(p.url, m, { headers: { 'X-MicroPay-Sandbox': 'drop' } });
    const error = await failure(dropping.micropay(sale('drop-1', await payCode(p, w))));
    expect(error).toBeInstanceOf(ConnectionError);
    expect(error).not.toBeInstanceOf(RequestNotSentError);
    expect(error.url).toBe(`${p.url}/api/micropay/micropay`);
    expect(error.action).toMatch(/^The request may or may not have reached the platform\./);
    expect((await client.queryBill({ mchOrderId: 'drop-1' })).tradeStatus).toBe('PAID');
  });

  it('a timeout names the URL and keeps the outcome unknown', async () => {
    const slow = clientFor(p.url, m, { timeoutMs: 200, headers: { 'X-MicroPay-Sandbox': 'slow=1000' } });
    const error = await failure(slow.micropay(sale('slow-1', await payCode(p, w))));
    expect(error).toBeInstanceOf(RequestTimeoutError);
    expect(error.message).toBe(`micropay to ${p.url}/api/micropay/micropay: no whole answer within 200 ms`);
    expect(error.action).toMatch(/may or may not/);
  });
});
