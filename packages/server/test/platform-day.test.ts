import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { walletAccount } from '../src/domain/ledger.js';
import { sql } from './db-access.js';
import { docBlock } from './doc-blocks.js';
import { createMerchant, givePayoutAccount, ManualClock, micropayParams, postSigned, startTestPlatform, type TestMerchant, type TestPlatform } from './helpers.js';
import { cliJson, runCli } from './process-helpers.js';

/**
 * `micropay report platform` (docs/operations.md, "The platform's day"), on both stores: two days
 * of top-ups, a reversal, payments, a part refund, merchants' payouts paid out, failed and left
 * in flight overnight, and a closed wallet's payout, with events at 23:59:59.999 and 00:00:00.000
 * in Asia/Kuala_Lumpur. Each day's figures are checked as a top-up desk would count them, against
 * the sum of `report daily` over the merchants, and the last day's closing against `report balances`.
 */
const TIME_ZONE = 'Asia/Kuala_Lumpur'; // UTC+8
const env = { MICROPAY_TIMEZONE: TIME_ZONE };

let clock: ManualClock;
let p: TestPlatform;
let canteen: TestMerchant;
let bookshop: TestMerchant;

beforeEach(async () => {
  clock = new ManualClock(Date.parse('2024-03-09T08:00:00+08:00'));
  p = await startTestPlatform(env, clock);
  canteen = await createMerchant(p, 'Campus Canteen');
  bookshop = await createMerchant(p, 'Campus Bookshop');
  await givePayoutAccount(p, canteen.mchId);
  await givePayoutAccount(p, bookshop.mchId);
});
afterEach(async () => {
  const audit = await p.store.audit();
  await p.stop();
  expect(audit.checks.filter((c) => c.violations.length > 0)).toEqual([]);
});

const at = (localIso: string) => {
  clock.now = Date.parse(`${localIso}+08:00`);
};

async function call(m: TestMerchant, endpoint: string, params: Record<string, string>) {
  const res = await postSigned(p.url, endpoint, { ...params, timestamp: String(clock.now) }, m.key);
  expect(res.body.code).toBe(0);
}

async function pay(m: TestMerchant, walletId: string, order: string, amount: string) {
  const code = await p.store.issuePayCode(walletId, p.config.payCodeTtlS * 1000);
  if (typeof code === 'string') throw new Error(code);
  await call(m, 'micropay', micropayParams(m, order, amount, code.code));
}

async function payout(m: TestMerchant, sen: number): Promise<string> {
  const d = await p.store.requestPayout({ mchId: m.mchId, amountSen: sen, requestId: null });
  if (d.kind !== 'requested') throw new Error(d.kind);
  return d.payout.payoutId;
}

async function topUpEntryId(walletId: string): Promise<number> {
  const rows = await sql<{ entry_id: number | string }>(p.store,
    "SELECT e.entry_id FROM journal_entries e JOIN postings p ON p.entry_id = e.entry_id WHERE e.kind = 'topup' AND p.account_id = ?", [walletAccount(walletId)]);
  return Number(rows[0]!.entry_id);
}

const platformDay = (date: string) => cliJson<Record<string, unknown>>(['report', 'platform', '--date', date, '--db', p.dbPath], env);
const daily = (m: TestMerchant, date: string) => cliJson<Record<string, string | number>>(['report', 'daily', '--mch-id', m.mchId, '--date', date, '--db', p.dbPath], env);
const moved = (count: number, amount: string) => ({ count, amount });
const none = moved(0, '0.00');
const ends = (inWallets: string, withMerchants: string, payingOut: string, onPlatform: string) => ({ inWallets, withMerchants, payingOut, onPlatform });

/** The two days: 2024-03-10 with everything, 2024-03-11 finishing its payouts. */
async function twoDays(): Promise<void> {
  at('2024-03-09T23:59:59.999');
  const alice = (await p.store.createWallet({ name: 'Alice', openingSen: 100_00 })).walletId;
  at('2024-03-10T00:00:00.000');
  const ben = (await p.store.createWallet({ name: 'Ben', openingSen: 50_00 })).walletId;
  at('2024-03-10T09:00:00');
  await p.store.topUp(alice, 20_00);
  at('2024-03-10T09:30:00');
  const typo = (await p.store.createWallet({ name: 'Cal', openingSen: 0 })).walletId;
  await p.store.topUp(typo, 30_00);
  at('2024-03-10T09:45:00');
  expect(await p.store.reverseTopUp(typo, await topUpEntryId(typo), 'cashier typed 30.00 for 3.00')).not.toBeNull();
  at('2024-03-10T10:00:00');
  await pay(canteen, alice, 'a', '10.00');
  await pay(bookshop, ben, 'b', '5.00');
  at('2024-03-10T11:00:00');
  await call(canteen, 'refund', { mchId: canteen.mchId, mchOrderId: 'a', mchRefundId: 'ra', refundAmount: '2.00' });
  at('2024-03-10T12:00:00');
  const paid = await payout(canteen, 4_00);
  const refused = await payout(bookshop, 3_00);
  at('2024-03-10T13:00:00');
  expect((await p.store.confirmPayout(paid)).kind).toBe('finished');
  at('2024-03-10T14:00:00');
  const closing = await p.store.closeWallet(ben);
  expect(closing).not.toBeNull();
  at('2024-03-10T23:59:59.999');
  const overnight = await payout(canteen, 1_00);
  // 2024-03-11: a payment at midnight; the bookshop's payout fails, the others are paid.
  at('2024-03-11T00:00:00.000');
  await pay(canteen, alice, 'c', '7.00');
  at('2024-03-11T09:00:00');
  await p.store.failPayout(refused, 'account closed');
  at('2024-03-11T10:00:00');
  const benPayout = (await p.store.listPayouts({ walletId: ben, limit: 10 }))[0]!;
  await p.store.confirmPayout(benPayout.payoutId);
  await p.store.confirmPayout(overnight);
}

describe("the platform's day", () => {
  it('counts each day from the ledger, midnight to midnight in MICROPAY_TIMEZONE, and the money on the platform moves only by top-ups, reversals and payouts paid out', async () => {
    await twoDays();
    expect(await platformDay('2024-03-09')).toMatchObject({
      opening: ends('0.00', '0.00', '0.00', '0.00'), topUps: moved(1, '100.00'), closing: ends('100.00', '0.00', '0.00', '100.00'),
    });
    expect(await platformDay('2024-03-10')).toEqual({
      date: '2024-03-10', timeZone: TIME_ZONE,
      fromMs: String(Date.parse('2024-03-10T00:00:00+08:00')), toMs: String(Date.parse('2024-03-11T00:00:00+08:00')),
      opening: ends('100.00', '0.00', '0.00', '100.00'),
      topUps: moved(3, '100.00'), topUpReversals: moved(1, '30.00'), payments: moved(2, '15.00'), refunds: moved(1, '2.00'),
      merchantPayouts: { requested: moved(3, '8.00'), failed: none, paidOut: moved(1, '4.00') },
      closedWalletPayouts: { requested: moved(1, '45.00'), failed: none, paidOut: none },
      // 100 + 100 − 30 − 4 = 166 = 112 in wallets + 5 with merchants + 49 being paid out.
      closing: ends('112.00', '5.00', '49.00', '166.00'),
      dayOver: true,
    });
    expect(await platformDay('2024-03-11')).toMatchObject({
      opening: ends('112.00', '5.00', '49.00', '166.00'),
      topUps: none, topUpReversals: none, payments: moved(1, '7.00'), refunds: none,
      merchantPayouts: { requested: none, failed: moved(1, '3.00'), paidOut: moved(1, '1.00') },
      closedWalletPayouts: { requested: none, failed: none, paidOut: moved(1, '45.00') },
      closing: ends('105.00', '15.00', '0.00', '120.00'),
    });
    expect(await platformDay('2024-03-12')).toMatchObject({ opening: ends('105.00', '15.00', '0.00', '120.00'), payments: none });

    // Nothing moved after 2024-03-11: its closing is where the money is now.
    const now = await cliJson(['report', 'balances', '--db', p.dbPath], env);
    expect({ ...(await platformDay('2024-03-11')).closing as object }).toEqual({
      inWallets: now.inWallets, withMerchants: now.withMerchants, payingOut: now.payingOut, onPlatform: now.onPlatform,
    });
  });

  it("its merchants' column is the sum of report daily over the merchants", async () => {
    await twoDays();
    const sen = (amount: unknown) => Math.round(Number(amount) * 100);
    for (const date of ['2024-03-09', '2024-03-10', '2024-03-11']) {
      const [day, ...merchants] = await Promise.all([platformDay(date), daily(canteen, date), daily(bookshop, date)]);
      const sum = (field: string) => merchants.reduce((total, r) => total + sen(r[field]), 0);
      const count = (field: string) => merchants.reduce((total, r) => total + Number(r[field]), 0);
      const d = day as { opening: Record<string, string>; closing: Record<string, string>; payments: { count: number; amount: string };
        refunds: { count: number; amount: string }; merchantPayouts: Record<'requested' | 'failed', { amount: string }> };
      expect({
        opening: sen(d.opening.withMerchants), payments: [d.payments.count, sen(d.payments.amount)], refunds: [d.refunds.count, sen(d.refunds.amount)],
        requested: sen(d.merchantPayouts.requested.amount), returned: sen(d.merchantPayouts.failed.amount), closing: sen(d.closing.withMerchants),
      }, date).toEqual({
        opening: sum('openingBalance'), payments: [count('paymentCount'), sum('payments')], refunds: [count('refundCount'), sum('refunds')],
        requested: sum('payoutsRequested'), returned: sum('payoutsReturned'), closing: sum('closingBalance'),
      });
    }
  });

  it("prints the day as docs/cli.md shows it, and says when a day is not over or has not begun", async () => {
    await twoDays();
    const text = await runCli(['report', 'platform', '--date', '2024-03-10', '--db', p.dbPath], { env });
    expect(`$ micropay report platform --date 2024-03-10\n${text.stdout}`).toBe(docBlock('cli.md', 'report-platform'));

    const today = new Intl.DateTimeFormat('en-CA', { timeZone: TIME_ZONE, year: 'numeric', month: '2-digit', day: '2-digit' }).format(new Date());
    const partial = await runCli(['report', 'platform', '--date', today, '--db', p.dbPath], { env });
    expect(partial.stdout).toMatch(/\nThis day is not over \(it ends \d{4}-\d\d-\d\d 00:00:00 [+-]\d\d:\d\d\): the figures are those so far\.\n$/);
    expect(await platformDay(today)).toMatchObject({ dayOver: false });
    const later = await runCli(['report', 'platform', '--date', '2099-01-01', '--db', p.dbPath], { env });
    expect(later.stdout).toMatch(/\nThis day has not begun: nothing has moved in it yet\.\n$/);
    const bad = await runCli(['report', 'platform', '--date', '2024-02-30', '--db', p.dbPath]);
    expect([bad.code, bad.stderr]).toEqual([2, 'micropay report platform: --date must be a date as yyyy-MM-dd (see micropay report platform --help)\n']);
  });
});
