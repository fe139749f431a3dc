import { afterEach, describe, expect, it } from 'vitest';
import {
  LATENCY_BOUNDS_US,
  LATENCY_BUCKETS,
  latencyBucket,
  latencyQuantileMs,
  MINUTE_MS,
  zeroCounts,
  type ProcessMinute,
} from '../src/domain/payment-minutes.js';
import { openStore } from '../src/platform.js';
import { flushPaymentMinutes, PAYMENT_MINUTES_RETENTION_MS, PaymentRecorder } from '../src/ops/payment-recorder.js';
import type { StoreOps } from '../src/store/store.js';
import { paymentMinutes } from '../src/services/payment-minutes.js';
import {
  createMerchant,
  createWalletWithCode,
  ManualClock,
  micropayParams,
  postSigned,
  startTestPlatform,
  testConfig,
  type TestMerchant,
  type TestPlatform,
} from './helpers.js';

/**
 * The operator dashboard's payment statistics (docs/operations.md, "Payment statistics"): real
 * payments through the HTTP API, counted by outcome and timed, written per minute by the flush
 * job or at shutdown, and read back summed over processes, with no holes.
 */
let p: TestPlatform | null = null;
afterEach(async () => {
  await p?.stop();
  p = null;
});

/** A platform whose clock stands 10 s into a minute, flushing every 50 ms. */
async function platformAtMinute(): Promise<{ p: TestPlatform; clock: ManualClock; m: TestMerchant; minute: number }> {
  const minute = Math.floor(Date.now() / MINUTE_MS) * MINUTE_MS;
  const clock = new ManualClock(minute + 10_000);
  const platform = await startTestPlatform({ MICROPAY_SWEEP_INTERVAL_MS: '50' }, clock);
  p = platform;
  return { p: platform, clock, m: await createMerchant(platform), minute };
}

async function pay(platform: TestPlatform, m: TestMerchant, order: string, amount: string, balanceSen = 1_000_00): Promise<number> {
  const { payCode } = await createWalletWithCode(platform, balanceSen);
  return (await postSigned(platform.url, 'micropay', micropayParams(m, order, amount, payCode), m.key)).body.code;
}

/** One of each outcome the merchant API can produce here, and three PAID. */
async function payKnownOutcomes(platform: TestPlatform, m: TestMerchant): Promise<void> {
  for (const i of [1, 2, 3]) expect(await pay(platform, m, `paid-${i}`, '1.00')).toBe(0);
  expect(await pay(platform, m, 'pending-1', '300.00')).toBe(1024);
  expect(await pay(platform, m, 'poor-1', '5.00', 1_00)).toBe(1028);
  expect((await postSigned(platform.url, 'micropay', micropayParams(m, 'unknown-code', '1.00', '391234567890123456'), m.key)).body.code).toBe(1040);
  expect((await postSigned(platform.url, 'micropay', micropayParams(m, 'bad-sig', '1.00', '391234567890123456'), 'x'.repeat(32))).body.code).toBe(1035);
  // The same order again: no new payment.
  expect((await postSigned(platform.url, 'micropay', { ...micropayParams(m, 'pending-1', '300.00', '390000000000000000') }, m.key)).body.code).toBe(1032);
}

async function until<T>(read: () => Promise<T>, done: (value: T) => boolean, timeoutMs = 5_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await read();
    if (done(value) || Date.now() > deadline) return value;
    await new Promise((r) => setTimeout(r, 25));
  }
}

const EXPECTED_COUNTS = { ...zeroCounts(), paid: 3, pending: 1, declinedBalance: 1, declinedCode: 1, invalid: 1, repeated: 1 };

describe('payment statistics', () => {
  it('a finished minute is written with each outcome counted, and read with its success rate; the minutes around it are zeros', async () => {
    const { p, clock, m, minute } = await platformAtMinute();
    await payKnownOutcomes(p, m);
    // Nothing is written while the minute runs.
    await new Promise((r) => setTimeout(r, 200));
    expect(await p.store.readPaymentMinutes(minute - MINUTE_MS, minute + 2 * MINUTE_MS)).toEqual([]);

    clock.advance(MINUTE_MS);
    const rows = await until(() => p.store.readPaymentMinutes(minute, minute + MINUTE_MS), (r) => r.length > 0);
    expect(rows).toHaveLength(1);
    expect(rows[0]!.counts).toEqual(EXPECTED_COUNTS);
    expect(rows[0]!.buckets.reduce((a, b) => a + b, 0)).toBe(8);

    const minutes = await paymentMinutes(p.store, minute - MINUTE_MS, minute + 2 * MINUTE_MS);
    expect(minutes.map((x) => x.minuteStartMs)).toEqual([minute - MINUTE_MS, minute, minute + MINUTE_MS]);
    const [before, paid, after] = minutes;
    expect(paid!.counts).toEqual(EXPECTED_COUNTS);
    expect(paid!.requests).toBe(8);
    // PAID ÷ (PAID + declined): 3 ÷ (3 + 1028 + 1040); PENDING, the repeat and the bad signature are not decisions.
    expect(paid!.successRate).toBe(3 / 5);
    expect(paid!.p50Ms).toBeGreaterThan(0);
    expect(paid!.p99Ms).toBeGreaterThanOrEqual(paid!.p50Ms!);
    for (const empty of [before!, after!]) {
      expect(empty).toEqual({ minuteStartMs: empty.minuteStartMs, counts: zeroCounts(), requests: 0, successRate: null, p50Ms: null, p99Ms: null });
    }
  });

  it('a shutdown writes the minute in progress', async () => {
    const { p, m, minute } = await platformAtMinute();
    expect(await pay(p, m, 'paid-1', '2.00')).toBe(0);
    expect(await pay(p, m, 'poor-1', '5.00', 1_00)).toBe(1028);
    await p.close();
    const store = await openStore(testConfig({ db: p.dbPath }));
    try {
      const [row] = await paymentMinutes(store, minute, minute + MINUTE_MS);
      expect(row!.counts).toEqual({ ...zeroCounts(), paid: 1, declinedBalance: 1 });
      expect(row!.successRate).toBe(0.5);
    } finally {
      await store.close();
    }
  });

  it('the flush deletes rows older than 7 days and keeps younger ones', async () => {
    const { p, clock, m, minute } = await platformAtMinute();
    const old = minute - PAYMENT_MINUTES_RETENTION_MS - MINUTE_MS;
    const young = minute - PAYMENT_MINUTES_RETENTION_MS + 2 * MINUTE_MS;
    await p.store.writePaymentMinutes([row(old, 'gone', 1), row(young, 'kept', 1)], 0);
    expect(await pay(p, m, 'paid-1', '1.00')).toBe(0);
    clock.advance(MINUTE_MS);
    await until(() => p.store.readPaymentMinutes(minute, minute + MINUTE_MS), (r) => r.length > 0);
    const left = await p.store.readPaymentMinutes(old - MINUTE_MS, minute + MINUTE_MS);
    expect(left.map((r) => [r.minuteStartMs, r.processId.length > 10 ? 'this process' : r.processId])).toEqual([[young, 'kept'], [minute, 'this process']]);
  });

  it('rows of several processes merge: counts and latency buckets summed, percentiles from the sum', async () => {
    p = await startTestPlatform();
    const minute = 100 * MINUTE_MS;
    // Process a: 98 fast payments (0.25 ms bucket); process b: 2 slow ones (bucket 20, ~26 ms).
    await p.store.writePaymentMinutes([row(minute, 'a', 98, 0), row(minute, 'b', 2, 20)], 0);
    // A second write of a process's minute replaces it (a retried flush never counts twice).
    await p.store.writePaymentMinutes([row(minute, 'b', 2, 20)], 0);
    const [merged] = await paymentMinutes(p.store, minute, minute + MINUTE_MS);
    expect(merged!.counts.paid).toBe(100);
    expect(merged!.p50Ms).toBe(0.25);
    // p99 is the 99th of 100 payments: one of b's.
    expect(merged!.p99Ms).toBe(LATENCY_BOUNDS_US[20]! / 1000);
  });
});

describe('the recorder of one process', () => {
  it('keeps a minute whose write failed and writes it on the next flush; a minute without payments writes nothing', async () => {
    const clock = new ManualClock(200 * MINUTE_MS + 5_000);
    const recorder = new PaymentRecorder(clock, 'proc');
    const written: ProcessMinute[][] = [];
    let fail = true;
    const store = {
      async writePaymentMinutes(minutes: readonly ProcessMinute[]) {
        if (fail) throw new Error('database down');
        written.push([...minutes]);
      },
    } as unknown as StoreOps;
    recorder.record('paid', 0.3);
    recorder.record('invalid', 2_000);
    expect(await flushPaymentMinutes(recorder, store, clock)).toBe(0);
    clock.advance(MINUTE_MS);
    await expect(flushPaymentMinutes(recorder, store, clock)).rejects.toThrow('database down');
    fail = false;
    clock.advance(MINUTE_MS);
    expect(await flushPaymentMinutes(recorder, store, clock)).toBe(1);
    expect(written).toHaveLength(1);
    const [minute] = written[0]!;
    expect(minute!.minuteStartMs).toBe(200 * MINUTE_MS);
    expect(minute!.counts).toEqual({ ...zeroCounts(), paid: 1, invalid: 1 });
    expect(minute!.buckets[1]).toBe(1);
    expect(minute!.buckets[latencyBucket(2_000)]).toBe(1);
    // The empty minute after it, and the one in progress at "shutdown", write nothing.
    expect(await flushPaymentMinutes(recorder, store, clock, true)).toBe(0);
  });

  it('a read covers at most 7 days', async () => {
    const store = { readPaymentMinutes: async () => [] } as unknown as StoreOps;
    await expect(paymentMinutes(store, 0, 7 * 24 * 60 * MINUTE_MS)).resolves.toHaveLength(7 * 24 * 60);
    await expect(paymentMinutes(store, 0, 7 * 24 * 60 * MINUTE_MS + 1)).rejects.toThrow(RangeError);
    await expect(paymentMinutes(store, MINUTE_MS, 0)).rejects.toThrow(RangeError);
  });
});

describe('latency buckets', () => {
  it('a latency falls in the first bucket whose upper bound reaches it; beyond the last bound, in the overflow', () => {
    expect(LATENCY_BUCKETS).toBe(48);
    expect(LATENCY_BOUNDS_US[0]).toBe(250);
    expect(LATENCY_BOUNDS_US.at(-1)).toBe(10_321_273);
    expect(latencyBucket(0)).toBe(0);
    expect(latencyBucket(0.25)).toBe(0);
    expect(latencyBucket(0.2501)).toBe(1);
    expect(latencyBucket(1)).toBe(6);
    expect(latencyBucket(10_321.273)).toBe(46);
    expect(latencyBucket(60_000)).toBe(47);
    for (let k = 1; k < LATENCY_BOUNDS_US.length; k++) expect(LATENCY_BOUNDS_US[k]! / LATENCY_BOUNDS_US[k - 1]!).toBeCloseTo(2 ** (1 / 3), 2);
  });

  it('the median and p99 are nearest-rank, reported as the bucket upper bound; the overflow as the last bound', () => {
    const buckets = new Array<number>(LATENCY_BUCKETS).fill(0);
    expect(latencyQuantileMs(buckets, 0.5)).toBeNull();
    buckets[3] = 50;
    buckets[9] = 49;
    buckets[47] = 1;
    expect(latencyQuantileMs(buckets, 0.5)).toBe(LATENCY_BOUNDS_US[3]! / 1000);
    expect(latencyQuantileMs(buckets, 0.51)).toBe(LATENCY_BOUNDS_US[9]! / 1000);
    expect(latencyQuantileMs(buckets, 0.99)).toBe(LATENCY_BOUNDS_US[9]! / 1000);
    expect(latencyQuantileMs(buckets, 1)).toBe(LATENCY_BOUNDS_US[46]! / 1000);
  });
});

/** A process's minute of `paid` payments, all in latency bucket `bucket`. */
function row(minuteStartMs: number, processId: string, paid: number, bucket = 0): ProcessMinute {
  const buckets = new Array<number>(LATENCY_BUCKETS).fill(0);
  buckets[bucket] = paid;
  return { minuteStartMs, processId, counts: { ...zeroCounts(), paid }, buckets };
}

