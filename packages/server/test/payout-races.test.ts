import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { merchantAccount, PLATFORM_PAYOUTS } from '../src/domain/ledger.js';
import { accountBalanceSen } from './db-access.js';
import { createMerchant, createWalletWithCode, micropayParams, postSigned, startTestPlatform, type TestMerchant, type TestPlatform } from './helpers.js';
import { runCli, startServerProcess, stopAllChildren } from './process-helpers.js';

/**
 * Payouts racing each other and payments, with real concurrency: operator commands in separate
 * processes, payments over HTTP (on PostgreSQL also through a second server process), payouts
 * and their outcomes as parallel transactions. A merchant's balance is never overdrawn, and the
 * audit (the clearing account equals the REQUESTED payouts, every payout has its entries) is
 * clean afterwards. On both stores.
 */
let p: TestPlatform;
let m: TestMerchant;

beforeEach(async () => {
  p = await startTestPlatform({ MICROPAY_PG_POOL_SIZE: '12' });
  m = await createMerchant(p, 'Car Park, fifty lanes');
});
afterEach(async () => {
  await stopAllChildren();
  await p.stop();
});

async function pay(url: string, order: string, amount: string): Promise<number> {
  const { payCode } = await createWalletWithCode(p, 100_00);
  return (await postSigned(url, 'micropay', micropayParams(m, order, amount, payCode), m.key)).body.code as number;
}

async function expectCleanAudit(): Promise<void> {
  const report = await p.store.audit();
  expect(report.checks.filter((c) => c.violations.length > 0)).toEqual([]);
}

const merchantBalance = () => accountBalanceSen(p.store, merchantAccount(m.mchId));

describe('concurrent payouts of one merchant', () => {
  it('eight operator processes asking 3.00 each of a 10.00 balance: exactly three are paid, the rest answer 9040', async () => {
    expect(await pay(p.url, 'earn', '10.00')).toBe(0);
    const runs = await Promise.all(
      Array.from({ length: 8 }, (_, i) =>
        runCli(['payout', 'create', '--mch-id', m.mchId, '--amount', '3.00', '--request-id', `race-${i}`, '--db', p.dbPath], { timeoutMs: 60_000 }),
      ),
    );
    const codes = runs.map((r) => r.code).sort();
    expect(codes).toEqual([0, 0, 0, 1, 1, 1, 1, 1]);
    for (const refused of runs.filter((r) => r.code === 1)) expect(refused.stderr).toMatch(/^micropay: payout exceeds balance \(9040\): merchant \d+ has a balance of 1\.00;/);
    expect(await merchantBalance()).toBe(1_00);
    expect(await accountBalanceSen(p.store, PLATFORM_PAYOUTS)).toBe(9_00);
    await expectCleanAudit();
  }, 120_000);

  it('payments, payouts and their outcomes all at once: the balance never goes below zero and the ledger stays whole', async () => {
    // On PostgreSQL a second server process takes half the payments: two processes credit the
    // merchant's balance shards while payouts debit them.
    const second = p.store.kind === 'postgres' ? await startServerProcess(['--db', p.dbPath, '--port', '0'], { lifetimeMs: 90_000 }) : null;
    const url = (i: number) => (second !== null && i % 2 === 1 ? second.url : p.url);
    expect(await pay(p.url, 'seed', '5.00')).toBe(0);

    let outcomes = 0;
    const payouts = Array.from({ length: 16 }, async (_, i) => {
      const d = await p.store.requestPayout({ mchId: m.mchId, amountSen: 2_00, requestId: `burst-${i}` });
      if (d.kind !== 'requested') return d.kind === 'rejected' ? d.reason : d.kind;
      // Half are paid by the bank, half refused (their money comes back), as soon as they exist.
      const done = i % 2 === 0 ? await p.store.confirmPayout(d.payout.payoutId) : await p.store.failPayout(d.payout.payoutId, 'refused');
      expect(done.kind).toBe('finished');
      outcomes += 1;
      return d.payout.payoutId;
    });
    const payments = Array.from({ length: 30 }, (_, i) => pay(url(i), `burst-${i}`, '1.00'));
    const [payoutResults, paymentCodes] = await Promise.all([Promise.all(payouts), Promise.all(payments)]);

    expect(paymentCodes.every((c) => c === 0)).toBe(true);
    const made = await p.store.listPayouts({ mchId: m.mchId, limit: 100 });
    expect(made.length).toBe(outcomes);
    expect(payoutResults.filter((r) => r === 'EXCEEDS_BALANCE').length + made.length).toBe(16);
    const paidOut = made.filter((x) => x.status === 'PAID_OUT').reduce((sum, x) => sum + x.amountSen, 0);
    expect(made.every((x) => x.status !== 'REQUESTED')).toBe(true);
    // Everything earned, less what left the platform: exact, and never below zero.
    expect(await merchantBalance()).toBe(5_00 + 30 * 1_00 - paidOut);
    expect(await accountBalanceSen(p.store, PLATFORM_PAYOUTS)).toBe(0);
    await expectCleanAudit();
  }, 120_000);
});
