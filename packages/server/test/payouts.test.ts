import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { formatSen } from '@micropay/protocol';
import { journalEntry, merchantAccount, PLATFORM_FLOAT, PLATFORM_PAYOUTS, walletAccount } from '../src/domain/ledger.js';
import { WalletHoldsPendingError, WalletRefundsInProcessError } from '../src/domain/payout.js';
import { amountText } from '../src/store/audit.js';
import { accountBalanceSen, book, execute, sql } from './db-access.js';
import { createMerchant, createWalletWithCode, givePayoutAccount, micropayParams, postSigned, type TestMerchant } from './helpers.js';
import { usePlatformWithCli } from './process-helpers.js';

/**
 * Money out (docs/operations.md, "Payouts"), on both stores, through the CLI an operator uses and
 * the store under it: the money's path merchant → platform:payouts → float (PAID_OUT) or back
 * (FAILED), every refusal's catalogued code, repeats that move nothing, wallet closing, the audit.
 */
const t = usePlatformWithCli();
let m: TestMerchant;

beforeEach(async () => {
  m = await createMerchant(t.p, 'Car Park');
  await givePayoutAccount(t.p, m.mchId);
});
afterEach(async () => {
  if (t.p === undefined) return;
  const report = await t.p.store.audit();
  expect(report.checks.filter((c) => c.violations.length > 0)).toEqual([]);
});

describe("the audit's ACT lines give money as it is read", () => {
  it('in the same SQL on both stores, for sums (NUMERIC on PostgreSQL) and plain sen alike', async () => {
    const cases = [0, 5, 305, 350, 1000, 123_456_789];
    for (const sen of cases) {
      const [row] = await sql<{ text: string }>(t.p.store, `SELECT ${amountText('x')} AS text FROM (SELECT SUM(v) AS x FROM (SELECT ${sen} AS v) s) t`);
      expect(row!.text, String(sen)).toBe(formatSen(sen));
    }
  });
});

/** A real payment of `sen` to the merchant, through the API. */
async function earn(sen: number, order = `o-${Math.random().toString(36).slice(2, 10)}`): Promise<void> {
  const { payCode } = await createWalletWithCode(t.p, sen);
  const res = await postSigned(t.p.url, 'micropay', micropayParams(m, order, formatSen(sen), payCode), m.key);
  expect(res.body.code).toBe(0);
}

const balances = async () => ({
  merchant: await accountBalanceSen(t.p.store, merchantAccount(m.mchId)),
  clearing: await accountBalanceSen(t.p.store, PLATFORM_PAYOUTS),
  float: await accountBalanceSen(t.p.store, PLATFORM_FLOAT),
});

describe('a merchant payout', () => {
  it('moves the money into platform:payouts (REQUESTED), then out of the platform through the float (PAID_OUT), once', async () => {
    await earn(10_00);
    const before = await balances();
    const created = await t.cliJ(['payout', 'create', '--mch-id', m.mchId, '--amount', '4.00']);
    expect(created).toMatchObject({ mchId: m.mchId, walletId: null, amount: '4.00', status: 'REQUESTED', failReason: null, repeat: false });
    const payoutId = created.payoutId as string;
    expect(payoutId).toMatch(/^6\d{21}$/);
    expect(await balances()).toEqual({ merchant: 6_00, clearing: 4_00, float: before.float });

    const confirmed = await t.cli(['payout', 'confirm', payoutId]);
    expect(confirmed.code).toBe(0);
    expect(confirmed.stdout).toContain(`Payout ${payoutId} is PAID_OUT: the money has left the platform.`);
    expect(await balances()).toEqual({ merchant: 6_00, clearing: 0, float: before.float + 4_00 });

    // The same answer again moves nothing; the other answer is refused, its code catalogued.
    expect(await t.cliJ(['payout', 'confirm', payoutId])).toMatchObject({ status: 'PAID_OUT', repeat: true });
    const late = await t.cli(['payout', 'fail', payoutId, '--reason', 'account closed']);
    expect(late.code).toBe(1);
    expect(late.stderr).toBe(`micropay: payout not REQUESTED (9042): payout ${payoutId} is PAID_OUT already; it cannot become FAILED\n`);
    expect(await balances()).toEqual({ merchant: 6_00, clearing: 0, float: before.float + 4_00 });

    const entries = await sql<{ kind: string }>(t.p.store, 'SELECT kind FROM journal_entries WHERE payout_id = ? ORDER BY entry_id', [payoutId]);
    expect(entries.map((e) => e.kind)).toEqual(['payout', 'payout_paid']);
  });

  it('that fails gives the money back to the merchant; confirming it then is refused', async () => {
    await earn(10_00);
    const before = await balances();
    const { payoutId } = await t.cliJ<{ payoutId: string }>(['payout', 'create', '--mch-id', m.mchId, '--amount', '10.00']);
    expect((await balances()).merchant).toBe(0);
    const failed = await t.cliJ(['payout', 'fail', payoutId, '--reason', 'IBAN unknown']);
    expect(failed).toMatchObject({ status: 'FAILED', failReason: 'IBAN unknown', amount: '10.00' });
    expect(await balances()).toEqual(before);
    const confirm = await t.cli(['payout', 'confirm', payoutId]);
    expect(confirm.code).toBe(1);
    expect(confirm.stderr).toContain('payout not REQUESTED (9042)');
    expect(await t.cliJ(['payout', 'list', '--mch-id', m.mchId])).toEqual({ payouts: [expect.objectContaining({ payoutId, status: 'FAILED' })] });
  });

  it('never exceeds the balance: 9040, nothing recorded; payouts already requested count', async () => {
    await earn(5_00);
    const over = await t.cli(['payout', 'create', '--mch-id', m.mchId, '--amount', '5.01']);
    expect(over.code).toBe(1);
    expect(over.stderr).toBe(`micropay: payout exceeds balance (9040): merchant ${m.mchId} has a balance of 5.00; nothing was paid out\n`);
    expect((await t.cli(['payout', 'create', '--mch-id', m.mchId, '--amount', '3.00'])).code).toBe(0);
    const second = await t.cli(['payout', 'create', '--mch-id', m.mchId, '--amount', '2.01']);
    expect(second.stderr).toContain('has a balance of 2.00');
    expect(await t.cliJ(['payout', 'list'])).toEqual({ payouts: [expect.objectContaining({ amount: '3.00' })] });
    expect(await balances()).toMatchObject({ merchant: 2_00, clearing: 3_00 });
  });

  it('under a request id is made once: a retry answers it, another amount is 9043', async () => {
    await earn(10_00);
    const first = await t.cliJ(['payout', 'create', '--mch-id', m.mchId, '--amount', '2.00', '--request-id', 'week-49']);
    const retry = await t.cliJ(['payout', 'create', '--mch-id', m.mchId, '--amount', '2.00', '--request-id', 'week-49']);
    expect(retry).toEqual({ ...first, repeat: true });
    const other = await t.cli(['payout', 'create', '--mch-id', m.mchId, '--amount', '3.00', '--request-id', 'week-49']);
    expect(other.code).toBe(1);
    expect(other.stderr).toBe(`micropay: payout request id reused (9043): request id week-49 is payout ${first.payoutId} of 2.00; nothing was paid out\n`);
    expect((await balances()).merchant).toBe(8_00);
  });

  it('refuses bad input with a usage error and unknown ids with 9041, changing nothing', async () => {
    await earn(1_00);
    // Each says what is wrong with it, in the merchant API's words.
    for (const [amount, says] of [
      ['0', 'must be greater than 0'], ['0.00', 'must be greater than 0'], ['-1.00', 'must be greater than 0'],
      ['1.001', 'must be a decimal with at most two places, e.g. "1.00"'], ['abc', 'must be a decimal with at most two places, e.g. "1.00"'],
      ['1e3', 'must be a decimal with at most two places, e.g. "1.00"'],
    ]) {
      const res = await t.cli(['payout', 'create', '--mch-id', m.mchId, '--amount', amount!]);
      expect(res.code, amount).toBe(2);
      expect(res.stderr).toContain(`--amount ${says}`);
    }
    expect((await t.cli(['payout', 'fail', '600000000000000000000', '--reason', ''])).code).toBe(2);
    expect((await t.cli(['payout', 'fail', '600000000000000000000', '--reason', 'x'.repeat(201)])).code).toBe(2);
    // Control characters, and bidi overrides and isolates (they would reorder what a list shows).
    const oddRuns = await Promise.all([
      ...['\u0007', '\u202A', '\u2069'].map((odd) => t.cli(['payout', 'fail', '600000000000000000000', '--reason', `refused${odd}by bank`])),
      ...['\u202E', '\u2066'].map((odd) => t.cli(['payout', 'create', '--mch-id', m.mchId, '--amount', '1.00', '--request-id', `w49${odd}`])),
    ]);
    expect(oddRuns.map((r) => [r.code, r.stderr.trim()])).toEqual([
      ...Array(3).fill([2, expect.stringContaining('--reason must be 1 to 200 printable characters')]),
      ...Array(2).fill([2, expect.stringContaining('--request-id must be 1 to 64 printable characters')]),
    ]);
    expect((await t.cli(['payout', 'list', '--status', 'PAID'])).code).toBe(2);
    const unknown = await t.cli(['payout', 'confirm', '600000000000000000000']);
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toBe('micropay: payout not found (9041): no payout 600000000000000000000\n');
    const noMerchant = await t.cli(['payout', 'create', '--mch-id', '999999999', '--amount', '1.00']);
    expect(noMerchant.stderr).toBe('micropay: no merchant 999999999\n');
    expect(await t.cliJ(['payout', 'list'])).toEqual({ payouts: [] });
  }, 60_000);
});

describe('closing a wallet that holds money', () => {
  it('pays its balance out to the holder through platform:payouts; the bank paying it takes it out of the platform', async () => {
    const w = await t.p.store.createWallet({ name: 'Bob', openingSen: 7_25 });
    const floatBefore = await accountBalanceSen(t.p.store, PLATFORM_FLOAT);
    const closed = await t.cliJ<{ status: string; balance: string; payout: { payoutId: string } }>(['wallet', 'close', w.walletId]);
    expect(closed).toMatchObject({ status: 'closed', balance: '0.00', payout: { walletId: w.walletId, mchId: null, amount: '7.25', status: 'REQUESTED' } });
    expect(await accountBalanceSen(t.p.store, walletAccount(w.walletId))).toBe(0);
    expect(await accountBalanceSen(t.p.store, PLATFORM_PAYOUTS)).toBe(7_25);
    expect(await t.cliJ(['payout', 'list', '--wallet-id', w.walletId])).toEqual({ payouts: [expect.objectContaining({ amount: '7.25' })] });
    expect((await t.cliJ(['payout', 'confirm', closed.payout.payoutId])).status).toBe('PAID_OUT');
    expect(await accountBalanceSen(t.p.store, PLATFORM_FLOAT)).toBe(floatBefore + 7_25);
    // Closing it again finds nothing to pay out.
    const again = await t.cli(['wallet', 'close', w.walletId]);
    expect(again.stdout).toBe(`Wallet ${w.walletId} is closed: it cannot pay or receive refunds. It holds no money.\n`);
  });

  it('whose payout fails gets the money back, and closing it again pays it out again', async () => {
    const w = await t.p.store.createWallet({ name: 'Carol', openingSen: 3_00 });
    const first = (await t.p.store.closeWallet(w.walletId))!;
    expect(first.payout).toMatchObject({ amountSen: 3_00, status: 'REQUESTED' });
    const failed = await t.cli(['payout', 'fail', first.payout!.payoutId, '--reason', 'no bank account on file']);
    expect(failed.stdout.split('\n')[0]).toBe(
      `Payout ${first.payout!.payoutId} is FAILED: 3.00 went back to wallet ${w.walletId}. Run \`micropay wallet close ${w.walletId}\` again to pay it out.`,
    );
    expect((await t.p.store.findWallet(w.walletId))).toMatchObject({ status: 'closed', balanceSen: 3_00 });
    // Legitimate money in a closed wallet, but the operator must pay it out: an action, not a violation.
    const action = `wallet ${w.walletId} holds 3.00 returned by a failed payout: pay it out again (Pay out again… in the operator console, or micropay wallet close ${w.walletId})`;
    expect(await t.p.store.audit()).toMatchObject({ ok: true, actions: [{ findings: [action] }] });
    const audit = await t.cli(['audit']);
    expect(audit.code).toBe(0);
    expect(audit.stdout).toContain(`\nACT   closed wallets holding money a failed payout returned, each to be paid out again (the operator console's Wallets, Pay out again…, or micropay wallet close WALLETID)\n        ${action}\nAudit clean:`);
    const second = (await t.p.store.closeWallet(w.walletId))!;
    expect(second.payout).toMatchObject({ amountSen: 3_00, status: 'REQUESTED', walletId: w.walletId });
    expect(second.payout!.payoutId).not.toBe(first.payout!.payoutId);
    expect(await accountBalanceSen(t.p.store, walletAccount(w.walletId))).toBe(0);
    expect((await t.p.store.audit()).actions).toEqual([expect.objectContaining({ findings: [] })]);
  });

  it('with a payment awaiting confirmation is refused, and nothing changes', async () => {
    const { walletId, payCode } = await createWalletWithCode(t.p, 500_00);
    // Above the confirmation limit: the payment waits, PENDING, its amount held.
    const res = await postSigned(t.p.url, 'micropay', micropayParams(m, 'big', '300.00', payCode), m.key);
    expect(res.body.code).toBe(1024);
    await expect(t.p.store.closeWallet(walletId)).rejects.toThrow(WalletHoldsPendingError);
    const cli = await t.cli(['wallet', 'close', walletId]);
    expect(cli.code).toBe(1);
    expect(cli.stderr).toBe(
      `micropay: wallet ${walletId} has 300.00 held for payments awaiting confirmation; they must be confirmed, declined or time out before it is closed\n`,
    );
    expect(await t.p.store.findWallet(walletId)).toMatchObject({ status: 'active', balanceSen: 500_00, heldSen: 300_00 });
    expect(await t.cliJ(['payout', 'list'])).toEqual({ payouts: [] });
  });
});

describe('closing a wallet with a refund to it in process', () => {
  it('is refused, and nothing changes; once the refund has finished, the close pays it out with the rest', async () => {
    const { walletId, payCode } = await createWalletWithCode(t.p, 5_00);
    expect((await postSigned(t.p.url, 'micropay', micropayParams(m, 'to-refund', '2.00', payCode), m.key)).body.code).toBe(0);
    // The refund's first transaction only (its second is the finish): REFUND_IN_PROCESS.
    const asked = await t.p.store.requestRefund({ mchId: m.mchId, mchOrderId: 'to-refund', mchRefundId: 'R1', refundAmountSen: 1_50, reason: null, timestampMs: Date.now() });
    expect(asked.kind).toBe('accepted');
    await expect(t.p.store.closeWallet(walletId)).rejects.toThrow(WalletRefundsInProcessError);
    const cli = await t.cli(['wallet', 'close', walletId]);
    expect(cli.code).toBe(1);
    expect(cli.stderr).toBe(
      `micropay: wallet ${walletId} has 1.50 of refunds to it in process; they must finish (a running server's refund finisher ends them) before it is closed\n`,
    );
    expect(await t.p.store.findWallet(walletId)).toMatchObject({ status: 'active', balanceSen: 3_00 });
    expect(await t.cliJ(['payout', 'list', '--wallet-id', walletId])).toEqual({ payouts: [] });

    expect((await t.p.store.finishRefund(asked.kind === 'accepted' ? asked.refund.refundId : ''))!.refund.status).toBe('REFUNDED');
    const closed = (await t.p.store.closeWallet(walletId))!;
    expect(closed.payout).toMatchObject({ amountSen: 4_50, status: 'REQUESTED' });
    expect(await t.p.store.findWallet(walletId)).toMatchObject({ status: 'closed', balanceSen: 0 });
  });
});

describe('the audit', () => {
  /** Money moved into (or, negative, out of) a wallet by hand, from the float: what no flow may do to a closed one. */
  const stray = (walletId: string, sen: number) =>
    book(t.p.store, journalEntry('topup', {}, [
      { accountId: PLATFORM_FLOAT, amountSen: -sen },
      { accountId: walletAccount(walletId), amountSen: sen },
    ], Date.now()));
  const CLOSED_HOLDS = 'a closed wallet holds no money, except what a failed payout of it returned';
  const violations = async () =>
    Object.fromEntries((await t.p.store.audit()).checks.filter((c) => c.violations.length > 0).map((c) => [c.name, c.violations]));

  it('finds money left in a closed wallet, beyond what its failed payouts returned since its last payout', async () => {
    const empty = await t.p.store.createWallet({ name: 'Dan', openingSen: 0 });
    await t.p.store.closeWallet(empty.walletId);
    await stray(empty.walletId, 1_00);
    expect(await violations()).toEqual({ [CLOSED_HOLDS]: [`wallet ${empty.walletId} is closed but holds 100 sen, of which failed payouts returned 0 sen since its last payout`] });
    expect((await t.cli(['audit'])).code).toBe(1);
    await stray(empty.walletId, -1_00);

    // 3.00 paid out, the bank refuses it (it comes back: legitimate), then 1.00 more arrives: not.
    const w = await t.p.store.createWallet({ name: 'Eve', openingSen: 3_00 });
    const first = (await t.p.store.closeWallet(w.walletId))!;
    await t.p.store.failPayout(first.payout!.payoutId, 'refused');
    expect(await violations()).toEqual({});
    await stray(w.walletId, 1_00);
    expect(await violations()).toEqual({ [CLOSED_HOLDS]: [`wallet ${w.walletId} is closed but holds 400 sen, of which failed payouts returned 300 sen since its last payout`] });
    // Closed again: all 4.00 paid out; the failure before that payout no longer excuses anything.
    expect((await t.p.store.closeWallet(w.walletId))!.payout!.amountSen).toBe(4_00);
    await stray(w.walletId, 50);
    expect(await violations()).toEqual({ [CLOSED_HOLDS]: [`wallet ${w.walletId} is closed but holds 50 sen, of which failed payouts returned 0 sen since its last payout`] });
    await stray(w.walletId, -50);
  });

  it('finds a payout whose money is not where its status says, and a clearing account that does not match', async () => {
    await earn(10_00);
    const { payoutId } = await t.cliJ<{ payoutId: string }>(['payout', 'create', '--mch-id', m.mchId, '--amount', '4.00']);
    // A status changed by hand, without its entry: the money still sits in the clearing account.
    await execute(t.p.store, `UPDATE payouts SET status = 'PAID_OUT', finished_at_ms = requested_at_ms WHERE payout_id = ?`, [payoutId]);
    const report = await t.p.store.audit();
    const failed = Object.fromEntries(report.checks.filter((c) => c.violations.length > 0).map((c) => [c.name, c.violations]));
    expect(failed).toEqual({
      'the payouts clearing account holds exactly the REQUESTED payouts': ['platform:payouts holds 400 sen but the REQUESTED payouts total 0 sen'],
      'every payout has its entries: its request, and its outcome once it has one, each of its amount': [
        `payout ${payoutId} (PAID_OUT, 400 sen, merchant:${m.mchId}): 0 payout_paid entries moving 0 sen to its account, 0 to the clearing account, 0 to the float`,
      ],
    });
    const audit = await t.cli(['audit']);
    expect(audit.code).toBe(1);
    await execute(t.p.store, `UPDATE payouts SET status = 'REQUESTED', finished_at_ms = NULL WHERE payout_id = ?`, [payoutId]);
  });
});
