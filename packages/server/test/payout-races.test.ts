import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { merchantAccount, PLATFORM_PAYOUTS } from '../src/domain/ledger.js';
import { accountBalanceSen, execute } from './db-access.js';
import { createMerchant, createWalletWithCode, givePayoutAccount, micropayParams, postSigned, startTestPlatform, type TestMerchant, type TestPlatform } from './helpers.js';
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
  await givePayoutAccount(p, m.mchId);
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

describe('closing a wallet while a refund to it is made', () => {
  // A close refuses while refunds to the wallet are in process, but a refund requested after the
  // close counted them still finishes after it. On PostgreSQL each close is slowed inside its
  // transaction, after it took the wallet's balance (a test-only trigger on the payout row): the
  // refund's finish starts while the close holds it, waits, and must then see the wallet closed,
  // not the status it read before the wait.
  async function slowWalletPayouts(): Promise<void> {
    if (p.store.kind !== 'postgres') return;
    await execute(p.store, `CREATE FUNCTION test_slow_payout() RETURNS trigger LANGUAGE plpgsql AS
      $$ BEGIN IF NEW.wallet_id IS NOT NULL THEN PERFORM pg_sleep(0.3); END IF; RETURN NEW; END $$`);
    await execute(p.store, 'CREATE TRIGGER test_slow_payout BEFORE INSERT ON payouts FOR EACH ROW EXECUTE FUNCTION test_slow_payout()');
  }

  it('the refund either lands before the close (paid out with the rest) or fails WALLET_CLOSED: a closed wallet never keeps money', async () => {
    await slowWalletPayouts();
    let closedFirst = 0;
    for (let round = 0; round < 6; round += 1) {
      const { walletId, payCode } = await createWalletWithCode(p, 5_00);
      const order = `close-race-${round}`;
      const paid = await p.store.pay({ mchId: m.mchId, mchOrderId: order, amountSen: 1_00, goodsInfo: 'parking', discountSen: null, point: null, payCode, timestampMs: Date.now() });
      expect(paid.kind).toBe('paid');

      // The close first; the refund (request, then finish) a moment later, while the close holds the balance.
      const [closed] = await Promise.all([
        p.store.closeWallet(walletId),
        new Promise((r) => setTimeout(r, 50 + 20 * (round % 3))).then(() =>
          p.store.refund({ mchId: m.mchId, mchOrderId: order, mchRefundId: `R${round}`, refundAmountSen: 1_00, reason: null, timestampMs: Date.now() }),
        ),
      ]);
      const { refund } = (await p.store.findRefund(m.mchId, `R${round}`))!;
      const wallet = (await p.store.findWallet(walletId))!;
      expect(wallet.status).toBe('closed');
      expect(wallet.balanceSen).toBe(0);
      if (refund.status === 'REFUNDED') expect(closed!.payout!.amountSen).toBe(5_00);
      else {
        expect(refund).toMatchObject({ status: 'REFUND_FAILED', failReason: 'WALLET_CLOSED' });
        expect(closed!.payout!.amountSen).toBe(4_00);
        closedFirst += 1;
      }
    }
    // The slowed close won every time on PostgreSQL: the finish really waited for it.
    if (p.store.kind === 'postgres') expect(closedFirst).toBe(6);
    await expectCleanAudit();
  }, 120_000);
});
