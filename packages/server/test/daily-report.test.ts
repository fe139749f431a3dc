import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { merchantAccount } from '../src/domain/ledger.js';
import { accountBalanceSen } from './db-access.js';
import { createMerchant, createWalletWithCode, givePayoutAccount, ManualClock, micropayParams, postSigned, startTestPlatform, type TestMerchant, type TestPlatform } from './helpers.js';
import { cliJson, runCli } from './process-helpers.js';

/**
 * `micropay report daily` (docs/operations.md, "Daily settlement report"), on both stores: three
 * days of payments, refunds and payouts (one failing on the day after it was asked for), each
 * day's report checked against the ledger balances read at the day's ends, and its payments and
 * refunds against `micropay bill` (downloadBill's statement) for the same day.
 */
const TIME_ZONE = 'Asia/Kuala_Lumpur'; // UTC+8

let clock: ManualClock;
let p: TestPlatform;
let m: TestMerchant;

beforeEach(async () => {
  clock = new ManualClock(Date.parse('2024-03-10T08:00:00+08:00'));
  p = await startTestPlatform({ MICROPAY_TIMEZONE: TIME_ZONE }, clock);
  m = await createMerchant(p, 'Campus Canteen');
  await givePayoutAccount(p, m.mchId);
});
afterEach(async () => {
  const report = await p.store.audit();
  await p.stop();
  expect(report.checks.filter((c) => c.violations.length > 0)).toEqual([]);
});

const at = (localIso: string) => {
  clock.now = Date.parse(`${localIso}+08:00`);
};

async function call(endpoint: string, params: Record<string, string>) {
  const res = await postSigned(p.url, endpoint, { ...params, timestamp: String(clock.now) }, m.key);
  expect(res.body.code).toBe(0);
}

async function pay(order: string, amount: string) {
  const { payCode } = await createWalletWithCode(p, 100_00);
  await call('micropay', micropayParams(m, order, amount, payCode));
}

async function payout(sen: number): Promise<string> {
  const d = await p.store.requestPayout({ mchId: m.mchId, amountSen: sen, requestId: null });
  if (d.kind !== 'requested') throw new Error(d.kind);
  return d.payout.payoutId;
}

const balance = () => accountBalanceSen(p.store, merchantAccount(m.mchId));
const env = { MICROPAY_TIMEZONE: TIME_ZONE };
const report = (date: string) => cliJson(['report', 'daily', '--mch-id', m.mchId, '--date', date, '--db', p.dbPath], env);
const bill = async (date: string) =>
  (await cliJson<{ totals: { paymentCount: number; grossAmount: string; refundCount: number; refundAmount: string } }>(
    ['bill', '--mch-id', m.mchId, '--date', date, '--db', p.dbPath], env)).totals;

describe('the daily settlement report', () => {
  it('opening + payments − refunds − payouts = closing, each end the balance the ledger had then, and it reconciles with the bill', async () => {
    // 2024-03-10
    at('2024-03-10T09:00:00');
    await pay('a', '10.00');
    at('2024-03-10T10:00:00');
    await pay('b', '5.00');
    at('2024-03-10T11:00:00');
    await call('refund', { mchId: m.mchId, mchOrderId: 'a', mchRefundId: 'ra', refundAmount: '2.00' });
    at('2024-03-10T12:00:00');
    const paid = await payout(4_00);
    at('2024-03-10T23:59:59');
    const refused = await payout(3_00);
    const endOfDay1 = await balance();
    expect(endOfDay1).toBe(6_00);
    // 2024-03-11: the 3.00 payout fails and comes back; the 4.00 one is paid (no change to the merchant).
    at('2024-03-11T00:00:00');
    await pay('c', '7.00');
    at('2024-03-11T09:00:00');
    await p.store.failPayout(refused, 'account closed');
    at('2024-03-11T10:00:00');
    await p.store.confirmPayout(paid);
    at('2024-03-11T12:00:00');
    await call('refund', { mchId: m.mchId, mchOrderId: 'b', mchRefundId: 'rb', refundAmount: '1.00' });
    at('2024-03-11T23:59:59.999');
    const endOfDay2 = await balance();
    expect(endOfDay2).toBe(15_00);
    // 2024-03-12, still going.
    at('2024-03-12T08:00:00');
    await pay('d', '2.00');

    const zero = { payments: '0.00', refunds: '0.00', payoutsRequested: '0.00', payoutsReturned: '0.00', payouts: '0.00' };
    expect(await report('2024-03-09')).toMatchObject({ ...zero, openingBalance: '0.00', closingBalance: '0.00', paymentCount: 0 });
    expect(await report('2024-03-10')).toMatchObject({
      mchId: m.mchId, date: '2024-03-10', timeZone: TIME_ZONE, fromMs: String(Date.parse('2024-03-10T00:00:00+08:00')),
      openingBalance: '0.00', paymentCount: 2, payments: '15.00', refundCount: 1, refunds: '2.00',
      payoutsRequested: '7.00', payoutsReturned: '0.00', payouts: '7.00', closingBalance: '6.00',
    });
    expect(await report('2024-03-11')).toMatchObject({
      openingBalance: '6.00', paymentCount: 1, payments: '7.00', refundCount: 1, refunds: '1.00',
      payoutsRequested: '0.00', payoutsReturned: '3.00', payouts: '-3.00', closingBalance: '15.00',
    });
    expect(await report('2024-03-12')).toMatchObject({ openingBalance: '15.00', payments: '2.00', closingBalance: '17.00' });
    expect(await report('2024-03-13')).toMatchObject({ ...zero, openingBalance: '17.00', closingBalance: '17.00' });
    expect(await balance()).toBe(17_00);

    for (const date of ['2024-03-10', '2024-03-11', '2024-03-12']) {
      const [r, b] = await Promise.all([report(date), bill(date)]);
      expect({ paymentCount: r.paymentCount, grossAmount: r.payments, refundCount: r.refundCount, refundAmount: r.refunds }, date).toEqual({
        paymentCount: b.paymentCount, grossAmount: b.grossAmount, refundCount: b.refundCount, refundAmount: b.refundAmount,
      });
    }

    const text = await runCli(['report', 'daily', '--mch-id', m.mchId, '--date', '2024-03-11', '--db', p.dbPath], { env });
    expect(text.stdout).toBe(
      [
        `Daily settlement of merchant ${m.mchId} "Campus Canteen" for 2024-03-11: 2024-03-11 00:00:00 +08:00 to 2024-03-12 00:00:00 +08:00 (${TIME_ZONE})`,
        '  opening balance              6.00',
        '  + payments                   7.00  (1)',
        '  − refunds                    1.00  (1)',
        '  − payouts                   -3.00  (0.00 requested, 3.00 returned)',
        '  closing balance             15.00',
        '',
      ].join('\n'),
    );
  });

  it('says when the day is not over, or has not begun: its figures are those so far, not a settlement', async () => {
    const today = new Intl.DateTimeFormat('en-CA', { timeZone: TIME_ZONE, year: 'numeric', month: '2-digit', day: '2-digit' }).format(new Date());
    const now = await runCli(['report', 'daily', '--mch-id', m.mchId, '--date', today, '--db', p.dbPath], { env });
    expect(now.stdout).toMatch(/\nThis day is not over \(it ends \d{4}-\d\d-\d\d 00:00:00 [+-]\d\d:\d\d\): the figures are those so far\.\n$/);
    expect(await report(today)).toMatchObject({ dayOver: false });
    const later = await runCli(['report', 'daily', '--mch-id', m.mchId, '--date', '2099-01-01', '--db', p.dbPath], { env });
    expect(later.stdout).toMatch(/\nThis day has not begun: nothing has moved in it yet\.\n$/);
    expect(await report('2024-03-11')).toMatchObject({ dayOver: true });
  });

  it('refuses a malformed date (exit 2) and an unknown merchant (exit 1)', async () => {
    const bad = await runCli(['report', 'daily', '--mch-id', m.mchId, '--date', '2024-02-30', '--db', p.dbPath]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toBe('micropay report daily: --date must be a date as yyyy-MM-dd (see micropay report daily --help)\n');
    const unknown = await runCli(['report', 'daily', '--mch-id', '999999999', '--date', '2024-03-10', '--db', p.dbPath]);
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toBe('micropay: no merchant 999999999\n');
  });
});
