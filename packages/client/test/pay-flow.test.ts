import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  DuplicateOrderError,
  MicroPayAbortedError,
  MicroPayClient,
  PaymentOutcomeUnknownError,
  type PayOptions,
  type PayProgress,
} from '@micropay/client';
import { loadConfig } from '../../server/src/config.js';
import { merchantAccount } from '../../server/src/domain/ledger.js';
import { silentLogger } from '../../server/src/log.js';
import { openStore, startPlatform, type Platform } from '../../server/src/platform.js';
import { accountBalanceSen } from '../../server/test/db-access.js';
import {
  appWallet,
  clientFor,
  createMerchant,
  FAST_ENV,
  freePort,
  payCode,
  QUICK,
  startTestPlatform,
  tamperingProxy,
  until,
  walletApi,
  type AppWallet,
  type TamperingProxy,
  type TestMerchant,
  type TestPlatform,
} from './support.js';

/**
 * pay(), the whole payment-code flow, against the real platform. Timings are scaled down
 * (first query after 100 ms instead of 5 s) so each case takes well under a few seconds.
 */
let p: TestPlatform;
let m: TestMerchant;
let client: MicroPayClient;
let w: AppWallet;
/** A proxy a test put in front of the platform; closed after the test. */
let proxy: TamperingProxy | null = null;

beforeEach(async () => {
  p = await startTestPlatform(FAST_ENV, undefined, { sandbox: true });
  m = await createMerchant(p);
  client = clientFor(p.url, m);
  w = await appWallet(p, 1_000_00);
});
afterEach(async () => {
  await proxy?.close();
  proxy = null;
  await p.stop();
});

const sale = (mchOrderId: string, code: string, amount = '12.50') => ({ mchOrderId, amount, payCode: code, goodsInfo: 'Parking 2h' });

/** pay() with quick timings, recording every progress event. */
function payRecorded(c: MicroPayClient, request: ReturnType<typeof sale>, options: PayOptions = {}) {
  const steps: PayProgress[] = [];
  const outcome = c.pay(request, {
    ...QUICK,
    deadlineMs: 5_000,
    ...options,
    onProgress: (e) => {
      steps.push(e);
      options.onProgress?.(e);
    },
  });
  return { outcome, steps, names: () => steps.map((s) => s.step) };
}

async function balance(): Promise<number> {
  return (await p.store.findWallet(w.walletId))!.balanceSen;
}

describe('pay(): the payment-code flow to one final outcome', () => {
  it('PAID at once: one micropay, no query', async () => {
    const run = payRecorded(client, sale('flow-paid', await payCode(p, w)));
    const outcome = await run.outcome;
    expect(outcome).toMatchObject({ status: 'PAID', mchOrderId: 'flow-paid', order: { tradeStatus: 'PAID', amount: '12.50' } });
    expect(run.names()).toEqual(['sending', 'done']);
    expect(await balance()).toBe(1_000_00 - 12_50);
  });

  it('FAILED with the reason: insufficient balance, and an expired code', async () => {
    const poor = await appWallet(p, 5_00);
    const outcome = await client.pay(sale('flow-poor', await payCode(p, poor)), QUICK);
    expect(outcome).toMatchObject({ status: 'FAILED', reason: 'INSUFFICIENT_BALANCE', order: { tradeStatus: 'FAILED' } });
    expect(outcome.status === 'FAILED' && outcome.message).toMatch(/top up/);

    const code = await payCode(p, w);
    await payCode(p, w); // a newer code retires the first
    expect(await client.pay(sale('flow-old-code', code), QUICK)).toMatchObject({ status: 'FAILED', reason: 'PAY_CODE_EXPIRED', order: null });
  });

  it('PENDING confirmed: reports "waiting for the customer", then PAID once the wallet confirms', async () => {
    let confirmed = false;
    const run = payRecorded(client, sale('flow-confirm', await payCode(p, w), '300.00'), {
      onProgress: (e) => {
        if (e.step === 'waiting-for-customer' && !confirmed) {
          confirmed = true;
          void walletApi(p, w, 'confirm', { wavpayOrderId: e.order.wavpayOrderId });
        }
      },
    });
    const outcome = await run.outcome;
    expect(outcome).toMatchObject({ status: 'PAID', order: { tradeStatus: 'PAID', amount: '300.00' } });
    expect(run.names()).toEqual(expect.arrayContaining(['sending', 'waiting-for-customer', 'querying', 'done']));
    expect(run.names().filter((s) => s === 'waiting-for-customer')).toHaveLength(1);
    expect(await balance()).toBe(700_00);
  });

  it('PENDING declined: FAILED, NOT_CONFIRMED, nothing charged', async () => {
    const run = payRecorded(client, sale('flow-decline', await payCode(p, w), '300.00'), {
      onProgress: (e) => {
        if (e.step === 'waiting-for-customer') void walletApi(p, w, 'decline', { wavpayOrderId: e.order.wavpayOrderId });
      },
    });
    expect(await run.outcome).toMatchObject({ status: 'FAILED', reason: 'NOT_CONFIRMED', order: { tradeStatus: 'FAILED' } });
    expect(await balance()).toBe(1_000_00);
    expect((await p.store.findWallet(w.walletId))!.heldSen).toBe(0);
  });

  it('the sandbox "pending" header makes a small payment wait for confirmation too; confirmed, PAID', async () => {
    const rehearsal = clientFor(p.url, m, { headers: { 'X-MicroPay-Sandbox': 'pending' } });
    const run = payRecorded(rehearsal, sale('flow-pending-header', await payCode(p, w), '1.00'), {
      onProgress: (e) => {
        if (e.step === 'waiting-for-customer') void walletApi(p, w, 'confirm', { wavpayOrderId: e.order.wavpayOrderId });
      },
    });
    expect(await run.outcome).toMatchObject({ status: 'PAID', order: { amount: '1.00' } });
    expect(run.names()).toContain('waiting-for-customer');
  });

  it('PENDING timing out: at the deadline the order is closed, CLOSED, hold released', async () => {
    const run = payRecorded(client, sale('flow-timeout', await payCode(p, w), '300.00'), { deadlineMs: 800 });
    const started = Date.now();
    const outcome = await run.outcome;
    expect(outcome).toMatchObject({ status: 'CLOSED', order: { tradeStatus: 'FAILED' } });
    expect(Date.now() - started).toBeGreaterThanOrEqual(750);
    expect(run.names().slice(-2)).toEqual(['closing', 'done']);
    expect(await p.store.findWallet(w.walletId)).toMatchObject({ balanceSen: 1_000_00, heldSen: 0 });
    // A confirmation after the close pays nothing.
    const pending = (await p.store.findOrder(m.mchId, 'flow-timeout'))!;
    expect((await walletApi(p, w, 'confirm', { wavpayOrderId: pending.orderId })).code).toBe(1025);
  });

  it('PENDING that the platform times out first (its confirmation window): FAILED, NOT_CONFIRMED', async () => {
    await p.stop();
    p = await startTestPlatform({ ...FAST_ENV, MICROPAY_CONFIRM_TIMEOUT_S: '1' }, undefined, { sandbox: true });
    m = await createMerchant(p);
    client = clientFor(p.url, m);
    w = await appWallet(p, 1_000_00);
    const outcome = await client.pay(sale('flow-window', await payCode(p, w), '300.00'), { ...QUICK, deadlineMs: 10_000 });
    expect(outcome).toMatchObject({ status: 'FAILED', reason: 'NOT_CONFIRMED' });
  });

  it('a confirmation that wins the race with the close at the deadline: the close answers 1023, PAID, charged once', async () => {
    // The proxy holds the flow's closeBill until the wallet has confirmed the PENDING order, so
    // the close always arrives after the payment and the platform answers 1023 (already paid).
    let closes = 0;
    let confirmCode: number | null = null;
    let closeCode: unknown = null;
    proxy = await tamperingProxy(
      p.url,
      (path, envelope) => {
        if (path === '/api/micropay/closeBill') closeCode = envelope.code;
        return undefined;
      },
      async (path) => {
        if (path !== '/api/micropay/closeBill') return;
        closes += 1;
        const pending = (await p.store.findOrder(m.mchId, 'flow-race'))!;
        confirmCode = (await walletApi(p, w, 'confirm', { wavpayOrderId: pending.orderId })).code;
      },
    );
    const run = payRecorded(clientFor(proxy.url, m), sale('flow-race', await payCode(p, w), '300.00'), {
      deadlineMs: 400,
      queryIntervalMs: 1_000,
    });
    const outcome = await run.outcome;
    expect(confirmCode).toBe(0);
    expect(closes).toBe(1);
    expect(closeCode).toBe(1023);
    expect(outcome).toMatchObject({ status: 'PAID', mchOrderId: 'flow-race', order: { tradeStatus: 'PAID', amount: '300.00' } });
    expect(run.names().slice(-2)).toEqual(['closing', 'done']);
    // Debited once, credited once, nothing left held.
    expect(await p.store.findWallet(w.walletId)).toMatchObject({ balanceSen: 700_00, heldSen: 0 });
    expect(await accountBalanceSen(p.store, merchantAccount(m.mchId))).toBe(300_00);
    expect((await p.store.findOrder(m.mchId, 'flow-race'))!.status).toBe('PAID');
  });
});

describe('pay(): when the answer is lost, it queries — never pays again under a new order id', () => {
  it('code 500 (system error): queries after the first-query delay and ends PAID', async () => {
    const faulty = clientFor(p.url, m, { headers: { 'X-MicroPay-Sandbox': 'system-error' } });
    const run = payRecorded(faulty, sale('lost-500', await payCode(p, w)));
    const outcome = await run.outcome;
    expect(outcome).toMatchObject({ status: 'PAID', order: { tradeStatus: 'PAID' } });
    expect(run.names()).toEqual(['sending', 'outcome-unknown', 'querying', 'done']);
    const unknown = run.steps[1] as Extract<PayProgress, { step: 'outcome-unknown' }>;
    expect(unknown.nextQueryInMs).toBe(QUICK.firstQueryDelayMs);
    expect(run.steps[2]!.elapsedMs).toBeGreaterThanOrEqual(QUICK.firstQueryDelayMs);
    expect(await balance()).toBe(1_000_00 - 12_50);
  });

  it('a response that arrives after the client timeout: the payment happened, so the flow ends PAID, not FAILED', async () => {
    const slow = clientFor(p.url, m, { timeoutMs: 300, headers: { 'X-MicroPay-Sandbox': 'slow=1500' } });
    const run = payRecorded(slow, sale('lost-late', await payCode(p, w)));
    const outcome = await run.outcome;
    expect(outcome).toMatchObject({ status: 'PAID' });
    const unknown = run.steps.find((s) => s.step === 'outcome-unknown') as Extract<PayProgress, { step: 'outcome-unknown' }>;
    expect(unknown.error.name).toBe('RequestTimeoutError');
    expect(await balance()).toBe(1_000_00 - 12_50);
    expect((await p.store.audit()).ok).toBe(true);
  });

  it('a dropped connection: queries and ends PAID', async () => {
    const dropping = clientFor(p.url, m, { headers: { 'X-MicroPay-Sandbox': 'drop' } });
    expect(await dropping.pay(sale('lost-drop', await payCode(p, w)), QUICK)).toMatchObject({ status: 'PAID' });
    expect(await balance()).toBe(1_000_00 - 12_50);
  });

  it('a platform fault that leaves the order NEW: closed at once, FAILED with PLATFORM_ERROR, nothing charged', async () => {
    const faulty = clientFor(p.url, m, { headers: { 'X-MicroPay-Sandbox': 'fault' } });
    const run = payRecorded(faulty, sale('lost-new', await payCode(p, w)), { deadlineMs: 30_000 });
    const started = Date.now();
    expect(await run.outcome).toMatchObject({ status: 'FAILED', reason: 'PLATFORM_ERROR', order: { tradeStatus: 'FAILED' } });
    expect(Date.now() - started).toBeLessThan(5_000);
    expect(run.names()).toEqual(['sending', 'outcome-unknown', 'querying', 'closing', 'done']);
    expect(await balance()).toBe(1_000_00);
  });

  it('an order id closed before any payment reached the platform: a later pay() under it ends FAILED, nothing charged', async () => {
    // A POS gave up on a request that never arrived, and closed the id (the platform answers 1031
    // and closes it). A copy of the payment under that id can no longer charge the customer.
    await expect(client.closeBill({ mchOrderId: 'flow-closed-id' })).rejects.toMatchObject({ code: 1031 });
    const outcome = await payRecorded(client, sale('flow-closed-id', await payCode(p, w))).outcome;
    expect(outcome).toMatchObject({ status: 'FAILED', reason: 'ORDER_CLOSED', order: null });
    expect(await balance()).toBe(1_000_00);
  });

  it('a platform that is down at first and comes back: the same order is sent again and ends PAID, charged once', async () => {
    const port = await freePort();
    const late = clientFor(`http://127.0.0.1:${port}`, m, { timeoutMs: 1_000 });
    const run = payRecorded(late, sale('down-first', await payCode(p, w)), { deadlineMs: 10_000 });
    let second: Platform | null = null;
    try {
      // The flow is querying a port where nothing listens; then a second API node on the same
      // store starts there.
      await until(() => run.steps.filter((s) => s.step === 'querying').length >= 2);
      // It opens its own connection to the store: a SQLite file takes one server that opens it itself.
      const config = loadConfig({ db: p.dbPath, port: String(port), host: '127.0.0.1', sandbox: true }, FAST_ENV);
      second = await startPlatform(config, silentLogger, { store: await openStore(config) });
      const outcome = await run.outcome;
      expect(outcome).toMatchObject({ status: 'PAID', order: { merchantOrderId: 'down-first' } });
      expect(run.names()).toEqual(expect.arrayContaining(['outcome-unknown', 'not-recorded']));
      expect(run.steps.filter((s) => s.step === 'sending').length).toBeGreaterThanOrEqual(2);
      expect(await balance()).toBe(1_000_00 - 12_50);
    } finally {
      await run.outcome.catch(() => undefined);
      await second?.close();
    }
  });

  it('a platform unreachable past the deadline: PaymentOutcomeUnknownError, never a guessed outcome', async () => {
    const offline = clientFor(`http://127.0.0.1:${await freePort()}`, m, { timeoutMs: 500 });
    const error = await offline.pay(sale('never-up', '390000000000000000'), { ...QUICK, deadlineMs: 400 }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(PaymentOutcomeUnknownError);
    expect((error as PaymentOutcomeUnknownError).mchOrderId).toBe('never-up');
    expect((error as PaymentOutcomeUnknownError).action).toMatch(/same request/);
  });
});

describe('pay(): cancel, crash and call again', () => {
  it('an AbortSignal stops the flow with MicroPayAbortedError and leaves the order as it is', async () => {
    const controller = new AbortController();
    const run = payRecorded(client, sale('abort-1', await payCode(p, w), '300.00'), {
      signal: controller.signal,
      onProgress: (e) => {
        if (e.step === 'waiting-for-customer') controller.abort();
      },
    });
    const error = await run.outcome.catch((e: unknown) => e);
    expect(error).toBeInstanceOf(MicroPayAbortedError);
    expect((error as MicroPayAbortedError).mchOrderId).toBe('abort-1');
    expect((await p.store.findOrder(m.mchId, 'abort-1'))!.status).toBe('PENDING');
  });

  it('after a crash, calling pay() again with the same request follows the same order to PAID, charged once', async () => {
    const request = sale('crash-1', await payCode(p, w), '300.00');
    // "Crash": the first flow is abandoned while the customer is confirming.
    const controller = new AbortController();
    const first = client.pay(request, {
      ...QUICK,
      signal: controller.signal,
      onProgress: (e) => {
        if (e.step === 'waiting-for-customer') controller.abort();
      },
    });
    await expect(first).rejects.toBeInstanceOf(MicroPayAbortedError);

    // The restarted process sends the same request again; meanwhile the customer confirms.
    const order = (await p.store.findOrder(m.mchId, 'crash-1'))!;
    const again = payRecorded(clientFor(p.url, m), request, {
      onProgress: (e) => {
        if (e.step === 'waiting-for-customer') void walletApi(p, w, 'confirm', { wavpayOrderId: order.orderId });
      },
    });
    expect(await again.outcome).toMatchObject({ status: 'PAID', order: { wavpayOrderId: order.orderId } });
    // And once more after it is paid: PAID at once, from the repeat's 1023.
    expect(await client.pay(request, QUICK)).toMatchObject({ status: 'PAID', order: { wavpayOrderId: order.orderId } });
    expect(await balance()).toBe(700_00);
  });

  it('the same order id with another payment code is a DuplicateOrderError, never a second charge', async () => {
    await client.pay(sale('dup-1', await payCode(p, w)), QUICK);
    await expect(client.pay(sale('dup-1', await payCode(p, w)), QUICK)).rejects.toBeInstanceOf(DuplicateOrderError);
    expect(await balance()).toBe(1_000_00 - 12_50);
  });

  it('a throwing progress callback does not disturb the flow; bad timings are refused', async () => {
    const outcome = await client.pay(sale('cb-1', await payCode(p, w)), {
      ...QUICK,
      onProgress: () => {
        throw new Error('display broke');
      },
    });
    expect(outcome.status).toBe('PAID');
    await expect(client.pay(sale('cb-2', await payCode(p, w)), { deadlineMs: -1 })).rejects.toThrow(RangeError);
  });

  it('queryIntervalMs 0 (back-to-back queries until the deadline) is refused before anything is sent', async () => {
    const error = await client.pay(sale('interval-0', await payCode(p, w)), { ...QUICK, queryIntervalMs: 0 }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RangeError);
    expect((error as RangeError).message).toBe('queryIntervalMs must be a whole number of milliseconds, more than 0 (got 0)');
    expect(await p.store.findOrder(m.mchId, 'interval-0')).toBeNull();
    expect(await balance()).toBe(1_000_00);
    // The other timings may still be 0, and the smallest interval works.
    expect(await client.pay(sale('interval-1', await payCode(p, w)), { firstQueryDelayMs: 0, queryIntervalMs: 1 })).toMatchObject({ status: 'PAID' });
  });
});
