import { afterEach, describe, expect, it } from 'vitest';
import { loadConfig } from '../src/config.js';
import { createLogger } from '../src/log.js';
import { createMerchant, createWalletWithCode, micropayParams, postSigned, startTestPlatform, type TestPlatform } from './helpers.js';

/**
 * The warm-up before listening (http/warm-up.ts, docs/benchmarks.md issue 18): a server started
 * with it on leaves no trace of it anywhere a person or a merchant looks (store, audit log, log,
 * metrics, payment statistics) and answers its first requests exactly as any other.
 */
let p: TestPlatform | null = null;
afterEach(async () => {
  await p?.stop();
  p = null;
});

describe('warm-up before listening', () => {
  it('is on unless MICROPAY_WARM_UP=off, and refuses anything but on or off', () => {
    expect(loadConfig({}, {}).warmUp).toBe(true);
    expect(loadConfig({}, { MICROPAY_WARM_UP: 'off' }).warmUp).toBe(false);
    expect(() => loadConfig({}, { MICROPAY_WARM_UP: 'yes' })).toThrow('MICROPAY_WARM_UP: must be on or off, not "yes"');
  });

  it('leaves nothing in the store, the log, the metrics or the statistics, and the first requests are answered as usual', async () => {
    const lines: string[] = [];
    p = await startTestPlatform({ MICROPAY_WARM_UP: 'on' }, undefined, { logger: createLogger('debug', (line) => void lines.push(line)) });
    // Nothing written: no merchant, no order, no audit row (a fresh store has none of them).
    expect(await p.store.listMerchants()).toEqual([]);
    expect(await p.store.listAuditLog({ limit: 10 })).toEqual([]);
    expect(await p.store.findOrder('9999999999999999999', 'warm-up-0')).toBeNull();
    // Nothing logged about a request: the warm-up's requests are answered without a line.
    expect(lines.filter((line) => line.includes('"reqId"'))).toEqual([]);
    // Each went past the field rules to the merchant lookup (no such merchant), as meant.
    const warmed = lines.map((line) => JSON.parse(line) as { msg: string; answers?: unknown }).find((l) => l.msg === 'request path warmed up');
    expect(warmed?.answers).toEqual({ 1031: 5_000 });
    // Nothing counted: the metrics have not seen a request yet.
    const metrics = await (await fetch(`${p.url}/metrics`)).text();
    expect(metrics).not.toMatch(/micropay_http_requests_total\{/);

    const m = await createMerchant(p);
    const { payCode } = await createWalletWithCode(p, 50_00);
    const paid = await postSigned(p.url, 'micropay', micropayParams(m, 'first-1', '12.34', payCode), m.key);
    expect(paid.body).toMatchObject({ code: 0, data: { tradeStatus: 'PAID', amount: '12.34' } });
    const queried = await postSigned(p.url, 'queryBill', { mchId: m.mchId, mchOrderId: 'first-1' }, m.key);
    expect(queried.body).toMatchObject({ code: 0, data: { tradeStatus: 'PAID', merchantOrderId: 'first-1' } });
    // Exactly the requests above are counted (the first look at /metrics too), and one payment.
    const after = await (await fetch(`${p.url}/metrics`)).text();
    const counted = after.split('\n').filter((line) => line.startsWith('micropay_http_requests_total{'));
    expect(counted.sort()).toEqual([
      'micropay_http_requests_total{endpoint="/api/micropay/micropay",code="0"} 1',
      'micropay_http_requests_total{endpoint="/api/micropay/queryBill",code="0"} 1',
      'micropay_http_requests_total{endpoint="/metrics",code="200"} 1',
    ]);
    expect(after).toMatch(/^micropay_payment_duration_seconds_count 1$/m);
  });
});
