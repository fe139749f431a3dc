import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MINUTE_MS, zeroCounts } from '../src/domain/payment-minutes.js';
import { paymentMinutes } from '../src/services/payment-minutes.js';
import { micropayParams, postSigned, seedMerchantWithCodes, startTestPlatform, type TestMerchant, type TestPlatform } from './helpers.js';
import { startServerProcess, stopAllChildren, type ServerProcess } from './process-helpers.js';

/**
 * The payment statistics of two real `micropay serve` processes on one PostgreSQL database: each
 * writes its own rows, and the read sums them per minute. (PostgreSQL run only.)
 */
let p: TestPlatform;
let m: TestMerchant;
let codes: string[];
let servers: ServerProcess[];

beforeAll(async () => {
  p = await startTestPlatform();
  ({ merchant: m, codes } = await seedMerchantWithCodes(p.dbPath, { name: 'Two tills', wallets: 12, openingSen: 10_00 }));
  servers = await Promise.all([0, 1].map(() => startServerProcess(['--db', p.dbPath, '--port', '0'], { lifetimeMs: 60_000 })));
});
afterAll(async () => {
  await stopAllChildren();
  await p.stop();
});

describe('payment statistics of two server processes', () => {
  it('each process writes its rows at shutdown, and the read sums counts and latency buckets per minute', async () => {
    const started = Date.now();
    // Process 0: 5 PAID, 2 refused for the balance; process 1: 5 PAID and one bad signature.
    const answers = await Promise.all([
      ...codes.slice(0, 5).map((code, i) => postSigned(servers[0]!.url, 'micropay', micropayParams(m, `a-${i}`, '1.00', code), m.key)),
      ...codes.slice(5, 7).map((code, i) => postSigned(servers[0]!.url, 'micropay', micropayParams(m, `a-poor-${i}`, '20.00', code), m.key)),
      ...codes.slice(7, 12).map((code, i) => postSigned(servers[1]!.url, 'micropay', micropayParams(m, `b-${i}`, '1.00', code), m.key)),
      postSigned(servers[1]!.url, 'micropay', micropayParams(m, 'b-bad', '1.00', codes[0]!), 'y'.repeat(32)),
    ]);
    expect(answers.map((a) => a.body.code)).toEqual([0, 0, 0, 0, 0, 1028, 1028, 0, 0, 0, 0, 0, 1035]);
    for (const s of servers) s.child.kill('SIGTERM');
    expect((await Promise.all(servers.map((s) => s.exited))).map((e) => e.code)).toEqual([0, 0]);

    const from = Math.floor(started / MINUTE_MS) * MINUTE_MS;
    const to = Date.now() + 1;
    const rows = await p.store.readPaymentMinutes(from, to);
    expect(new Set(rows.map((r) => r.processId)).size).toBe(2);
    const minutes = (await paymentMinutes(p.store, from, to)).filter((x) => x.requests > 0);
    const sum = { ...zeroCounts() };
    for (const x of minutes) for (const [o, n] of Object.entries(x.counts)) sum[o as keyof typeof sum] += n;
    expect(sum).toEqual({ ...zeroCounts(), paid: 10, declinedBalance: 2, invalid: 1 });
    // The merged buckets hold every request of both processes.
    const bucketed = rows.reduce((n, r) => n + r.buckets.reduce((a, b) => a + b, 0), 0);
    expect(bucketed).toBe(13);
    if (minutes.length === 1) expect(minutes[0]!.successRate).toBe(10 / 12);
    for (const x of minutes) expect(x.p99Ms).toBeGreaterThanOrEqual(x.p50Ms!);
  });
});
