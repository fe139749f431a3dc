import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { cliJson, runCli, stopAllChildren } from '../../server/test/process-helpers.js';
import {
  appWallet,
  createMerchant,
  FAST_ENV,
  freePort,
  payCode,
  startTestPlatform,
  tamperingProxy,
  until,
  walletApi,
  type AppWallet,
  type TestMerchant,
  type TestPlatform,
} from './support.js';

/**
 * The `micropay` CLI's merchant commands are made with @micropay/client: real child processes
 * of the built CLI (`npx tsc -b packages/server packages/client` first) against the real platform.
 */
let p: TestPlatform;
let m: TestMerchant;
let w: AppWallet;
let auth: string[];

beforeEach(async () => {
  p = await startTestPlatform(FAST_ENV, undefined, { sandbox: true });
  m = await createMerchant(p, 'Kiosk');
  w = await appWallet(p, 1_000_00);
  auth = ['--url', p.url, '--mch-id', m.mchId, '--key', m.key];
});
afterEach(async () => {
  await stopAllChildren();
  await p.stop();
});

describe('micropay pay --wait', () => {
  it('prints each step and the final PAID outcome, exit 0', async () => {
    const r = await runCli(['pay', ...auth, '--order', 'cli-w-1', '--amount', '2.50', '--code', await payCode(p, w), '--wait']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^\[ +0\.\ds\] micropay: sending order cli-w-1\nPAID: order cli-w-1 \(4\d{21}\), amount 2\.50, merchant Kiosk, paid .+\n$/);
  });

  it('waits for the customer to confirm a PENDING payment, querying after 5 s, then PAID', async () => {
    const run = runCli(['pay', ...auth, '--order', 'cli-w-2', '--amount', '300.00', '--code', await payCode(p, w), '--wait'], { timeoutMs: 20_000 });
    await until(async () => (await p.store.findOrder(m.mchId, 'cli-w-2'))?.status === 'PENDING', 5_000);
    const order = (await p.store.findOrder(m.mchId, 'cli-w-2'))!;
    expect((await walletApi(p, w, 'confirm', { wavpayOrderId: order.orderId })).code).toBe(0);
    const r = await run;
    expect(r.code).toBe(0);
    const lines = r.stdout.trim().split('\n');
    expect(lines[0]).toMatch(/micropay: sending order cli-w-2$/);
    expect(lines[1]).toMatch(/waiting for the customer to confirm 300\.00 on their phone/);
    // The first query comes no sooner than 5 s after the start, however late a busy machine runs
    // it; a further one only if the order was still PENDING then. The last line is the outcome.
    const queries = lines.slice(2, -1);
    expect(queries.length).toBeGreaterThan(0);
    queries.forEach((line, i) => expect(line).toMatch(new RegExp(`^\\[ +\\d+\\.\\ds\\] queryBill #${i + 1}$`)));
    expect(Number(/^\[ *(\d+\.\d)s\]/.exec(queries[0]!)![1])).toBeGreaterThanOrEqual(5.0);
    expect(lines.at(-1)).toMatch(/^PAID: order cli-w-2/);
  }, 25_000);

  it('closes the order at --deadline and prints CLOSED, exit 1; --json gives the outcome and the steps', async () => {
    const r = await runCli(['pay', ...auth, '--order', 'cli-w-3', '--amount', '300.00', '--code', await payCode(p, w), '--wait', '--deadline', '1', '--json']);
    expect(r.code).toBe(1);
    const out = JSON.parse(r.stdout) as { status: string; order: { tradeStatus: string }; steps: { step: string }[] };
    expect(out).toMatchObject({ status: 'CLOSED', mchOrderId: 'cli-w-3', order: { tradeStatus: 'FAILED' } });
    expect(out.steps.map((s) => s.step)).toEqual(['sending', 'waiting-for-customer', 'closing', 'done']);
    expect((await p.store.findWallet(w.walletId))!.heldSen).toBe(0);
  });

  it('a failed payment prints FAILED with the reason, exit 1', async () => {
    const poor = await appWallet(p, 1_00);
    const r = await runCli(['pay', ...auth, '--order', 'cli-w-4', '--amount', '2.00', '--code', await payCode(p, poor), '--wait']);
    expect(r.code).toBe(1);
    expect(r.stdout).toContain('FAILED (INSUFFICIENT_BALANCE): The wallet balance is too low');
  });
});

describe('query, close, refund and refund-query through the client', () => {
  it('close a PENDING order, refund a paid one and query the refund', async () => {
    await runCli(['pay', ...auth, '--order', 'cli-c-1', '--amount', '300.00', '--code', await payCode(p, w)]);
    const closed = await cliJson<{ code: number; data: { tradeStatus: string }; signatureValid: boolean }>(['close', ...auth, '--order', 'cli-c-1']);
    expect(closed).toMatchObject({ code: 0, data: { tradeStatus: 'FAILED' }, signatureValid: true });

    expect((await runCli(['pay', ...auth, '--order', 'cli-r-1', '--amount', '10.00', '--code', await payCode(p, w)])).code).toBe(0);
    const refund = await runCli(['refund', ...auth, '--order', 'cli-r-1', '--refund-id', 'cli-rf-1', '--amount', '4.00', '--reason', 'returned']);
    expect(refund.code).toBe(0);
    expect(refund.stdout).toMatch(/^code 0: success\nrefund cli-rf-1 \(5\d{21}\) REFUNDED, amount 4\.00\nof order cli-r-1 \(4\d{21}\), finished .+\nresponse signature verified\n$/);
    const queried = await runCli(['refund-query', ...auth, '--refund-id', 'cli-rf-1']);
    expect(queried.code).toBe(0);
    expect(queried.stdout).toContain('REFUNDED, amount 4.00');
    const missing = await runCli(['refund-query', ...auth, '--refund-id', 'nope', '--json']);
    expect(missing.code).toBe(1);
    expect(JSON.parse(missing.stdout)).toMatchObject({ code: 1031, data: null, signatureValid: null });
  });

  it('a tampered answer is reported as such and never as a result: exit 1', async () => {
    const proxy = await tamperingProxy(p.url, (_path, e) => (e.data ? { ...e, data: { ...(e.data as object), tradeStatus: 'FAILED' } } : undefined));
    try {
      const r = await runCli(['pay', '--url', proxy.url, '--mch-id', m.mchId, '--key', m.key, '--order', 'cli-t-1', '--amount', '1.00', '--code', await payCode(p, w)]);
      expect(r.code).toBe(1);
      expect(r.stdout).toContain('WARNING: the response signature does NOT verify');
      expect(r.stdout).toContain('BAD_SIGNATURE');
    } finally {
      await proxy.close();
    }
  });

  it('no platform at the URL: one line on stderr naming the URL and saying what to do, exit 1', async () => {
    const url = `http://127.0.0.1:${await freePort()}`;
    const r = await runCli(['query', '--url', url, '--mch-id', m.mchId, '--key', m.key, '--order', 'x']);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(new RegExp(`^micropay: no answer from ${url}/api/micropay/queryBill: the connection failed \\(ECONNREFUSED\\)\\. .+\\n$`));
  });
});
