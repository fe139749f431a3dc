import { silentLogger } from '../src/log.js';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { hashPin } from '../src/domain/credentials.js';
import { merchantAccount } from '../src/domain/ledger.js';
import type { Wallet } from '../src/domain/model.js';
import { tryWalletPin } from '../src/api/wallet-pin.js';
import { openStore } from '../src/platform.js';
import { merchantBalance, merchantPayoutPage, requestMerchantPayout, type PayoutPage } from '../src/services/merchant-console.js';
import { merchantPage, searchWallets, walletDetail, type WalletPage } from '../src/services/operator-console.js';
import { merchantDay } from '../src/services/statements.js';
import type { Store } from '../src/store/store.js';
import { walletHolderActing, type ActingAs } from '../src/domain/audit-log.js';
import { accountBalanceSen } from './db-access.js';
import { createMerchant, createWalletWithCode, givePayoutAccount, ManualClock, micropayParams, postSigned, startTestPlatform, type TestMerchant, type TestPlatform } from './helpers.js';

/**
 * The consoles' money read models and the payout request (issue 14), on both stores: a day's
 * statement and report with downloadBill's very CSV, a merchant's balance and payouts a page at
 * a time, a double-clicked payout request paying once, the operator's wallet search and detail,
 * and the merchant list.
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
  expect(res.body.code, JSON.stringify(res.body)).toBe(0);
  return res.body.data as Record<string, string>;
}

async function pay(order: string, amount: string) {
  const { payCode } = await createWalletWithCode(p, 100_00);
  await call('micropay', micropayParams(m, order, amount, payCode));
}

async function payout(sen: number, requestId: string | null = null): Promise<string> {
  const d = await p.store.requestPayout({ mchId: m.mchId, amountSen: sen, requestId });
  if (d.kind !== 'requested') throw new Error(d.kind);
  return d.payout.payoutId;
}

describe("the merchant console's day", () => {
  it('totals and the report from one read, and the CSV byte for byte what downloadBill answers', async () => {
    at('2024-03-09T23:00:00'); // the day before: in the opening balance only
    await pay('before', '3.00');
    at('2024-03-10T09:00:00');
    await pay('a', '10.00');
    at('2024-03-10T10:00:00');
    await pay('b', '5.00');
    at('2024-03-10T11:00:00');
    await call('refund', { mchId: m.mchId, mchOrderId: 'a', mchRefundId: 'ra1', refundAmount: '2.00' });
    at('2024-03-10T11:30:00');
    await call('refund', { mchId: m.mchId, mchOrderId: 'a', mchRefundId: 'ra2', refundAmount: '0.50' });
    at('2024-03-10T12:00:00');
    await payout(4_00);
    at('2024-03-11T09:00:00'); // the day after: in neither
    await pay('after', '1.00');

    const day = await merchantDay(p.store, m.mchId, '2024-03-10', TIME_ZONE);
    expect(day.statement.totals).toEqual({ paymentCount: 2, grossSen: 15_00, refundCount: 2, refundSen: 2_50, netSen: 12_50 });
    expect(day.report).toMatchObject({
      openingSen: 3_00, paymentCount: 2, paymentsSen: 15_00, refundCount: 2, refundsSen: 2_50, payoutsSen: 4_00, closingSen: 11_50,
    });
    expect(day.statement.rows.map((r) => [r.type, r.amountSen])).toEqual([['PAYMENT', 10_00], ['PAYMENT', 5_00], ['REFUND', -2_00], ['REFUND', -50]]);

    const bill = await call('downloadBill', { mchId: m.mchId, billDate: '2024-03-10' });
    expect(Buffer.from(day.csv)).toEqual(Buffer.from(bill.csv!));
    expect(day.csv.split('\r\n').at(-2)).toBe('TOTAL,2,15.00,2,2.50,12.50');
    // An empty day: the CSV is still downloadBill's (headers and a zero total).
    const empty = await merchantDay(p.store, m.mchId, '2024-03-08', TIME_ZONE);
    expect(empty.csv).toBe((await call('downloadBill', { mchId: m.mchId, billDate: '2024-03-08' })).csv);
    expect(empty.report).toMatchObject({ openingSen: 0, closingSen: 0 });
  });
});

describe("the merchant console's balance and payouts", () => {
  it('the balance and the REQUESTED payouts; the payouts newest first, a page at a time, ties broken by id', async () => {
    await pay('earn', '50.00');
    const ids: string[] = [];
    for (let i = 0; i < 5; i += 1) {
      clock.now += 60_000;
      ids.push(await payout((i + 1) * 1_00, `r${i}`));
    }
    ids.push(await payout(6_00, 'r5')); // the same millisecond as r4: the id orders them
    await p.store.confirmPayout(ids[0]!);
    await p.store.failPayout(ids[1]!, 'account closed');

    // 50.00 − (1..6).00 = 29.00, plus the failed 2.00 back; REQUESTED: 3+4+5+6.
    expect(await merchantBalance(p.store, m.mchId)).toEqual({ availableSen: 31_00, payoutsRequestedSen: 18_00 });
    expect(await merchantBalance(p.store, '999999999')).toBeNull();

    const pages = async (limit: number) => {
      const seen: string[] = [];
      const sizes: number[] = [];
      let page: PayoutPage | null = null;
      do {
        const got = await merchantPayoutPage(p.store, m.mchId, { limit, cursor: page?.next ?? undefined });
        if ('kind' in got) throw new Error(got.problem);
        page = got;
        sizes.push(page.payouts.length);
        seen.push(...page.payouts.map((x) => x.payoutId));
      } while (page.next !== null);
      return { seen, sizes };
    };
    const newestFirst = [...ids].sort((a, b) => b.localeCompare(a));
    expect(await pages(4)).toEqual({ seen: newestFirst, sizes: [4, 2] });
    // Pages of one: the two payouts of one millisecond fall on two pages, the cursor's id parts them.
    expect(await pages(1)).toEqual({ seen: newestFirst, sizes: [1, 1, 1, 1, 1, 1] });

    const all = await merchantPayoutPage(p.store, m.mchId, { limit: 100 });
    if ('kind' in all) throw new Error(all.problem);
    const failed = all.payouts.find((x) => x.payoutId === ids[1]);
    expect(failed).toMatchObject({ amountSen: 2_00, status: 'FAILED', failReason: 'account closed' });
    expect(failed!.finishedAtMs).toBeGreaterThanOrEqual(failed!.requestedAtMs);
    expect(all.payouts.find((x) => x.payoutId === ids[0])).toMatchObject({ status: 'PAID_OUT', failReason: null });
    expect(all.payouts.find((x) => x.payoutId === ids[5])).toMatchObject({ status: 'REQUESTED', finishedAtMs: null });
    expect(all.next).toBeNull();

    for (const bad of [{ limit: 0 }, { limit: 101 }, { limit: 1.5 }, { cursor: 'x' }, { cursor: '12.ab' }]) {
      expect(await merchantPayoutPage(p.store, m.mchId, bad)).toMatchObject({ kind: 'invalid' });
    }
  });

  it('a double-clicked request, from two store connections at once, makes one payout and one audit row; the other answers it as a repeat', async () => {
    await pay('earn', '20.00');
    const owner: ActingAs = { actor: { kind: 'merchantUser', userId: 'u-owner', mchId: m.mchId, name: 'owner', role: 'owner' }, address: '198.51.100.4' };
    const other: Store = await openStore(p.config, clock);
    try {
      const clicks = await Promise.all(
        Array.from({ length: 8 }, (_, i) => requestMerchantPayout(i % 2 === 0 ? p.store : other, { mchId: m.mchId, amount: '7.00', requestId: 'form-1' }, owner)),
      );
      const kinds = clicks.map((c) => c.kind).sort();
      expect(kinds).toEqual(['repeat', 'repeat', 'repeat', 'repeat', 'repeat', 'repeat', 'repeat', 'requested']);
      const payoutIds = new Set(clicks.map((c) => ('payout' in c ? c.payout.payoutId : null)));
      expect(payoutIds.size).toBe(1);
    } finally {
      await other.close();
    }
    expect(await p.store.listPayouts({ mchId: m.mchId, limit: 10 })).toHaveLength(1);
    expect(await accountBalanceSen(p.store, merchantAccount(m.mchId))).toBe(13_00);
    // The same id with another amount pays nothing; bad input is refused before the store.
    expect(await requestMerchantPayout(p.store, { mchId: m.mchId, amount: '1.00', requestId: 'form-1' }, owner)).toMatchObject({ kind: 'rejected', reason: 'REQUEST_ID_REUSED' });
    for (const bad of [{ amount: '0.00', requestId: 'x' }, { amount: '1.234', requestId: 'x' }, { amount: '1.00', requestId: '' }, { amount: '1.00', requestId: 'a\u202Eb' }]) {
      expect(await requestMerchantPayout(p.store, { mchId: m.mchId, ...bad }, owner)).toMatchObject({ kind: 'invalid' });
    }
    expect(await merchantBalance(p.store, m.mchId)).toEqual({ availableSen: 13_00, payoutsRequestedSen: 7_00 });
    // One row for the payout made, by the owner from its address; the repeats and refusals log nothing.
    const [payout] = await p.store.listPayouts({ mchId: m.mchId, limit: 1 });
    const rows = await p.store.listAuditLog({ limit: 100 });
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({
      action: 'payout.request', mchId: m.mchId, subjectId: payout!.payoutId, actor: owner.actor, address: owner.address,
      detail: { amount: '7.00', requestId: 'form-1' },
    });
  });
});

describe("the operator console's wallets", () => {
  async function walletsAt(names: string[]): Promise<Wallet[]> {
    const made: Wallet[] = [];
    for (const name of names) {
      clock.now += 1_000;
      made.push(await p.store.createWallet({ name, openingSen: 0 }));
    }
    return made;
  }

  async function allPages(input: Parameters<typeof searchWallets>[1]): Promise<{ ids: string[]; sizes: number[] }> {
    const ids: string[] = [];
    const sizes: number[] = [];
    let page: WalletPage | null = null;
    do {
      const got = await searchWallets(p.store, { ...input, cursor: page?.next ?? undefined });
      if ('kind' in got) throw new Error(got.problem);
      page = got;
      sizes.push(page.wallets.length);
      ids.push(...page.wallets.map((w) => w.walletId));
    } while (page.next !== null);
    return { ids, sizes };
  }

  it('search by id prefix or whole id, by part of the name in any case, by status; newest first, a page at a time', async () => {
    const made = await walletsAt(['Alice Tan', 'alice wong', 'Bob', 'Mr ALICE Lim', 'Carol', '100%_Alice']);
    // Two wallets in one millisecond: the id breaks the tie, and paging neither skips nor repeats.
    made.push(await p.store.createWallet({ name: 'Alice twin', openingSen: 0 }), await p.store.createWallet({ name: 'Alice twin', openingSen: 0 }));
    await p.store.setWalletStatus(made[2]!.walletId, 'frozen');
    const newestFirst = (ws: Wallet[]) => [...ws].sort((a, b) => b.createdAtMs - a.createdAtMs || b.walletId.localeCompare(a.walletId)).map((w) => w.walletId);

    expect(await allPages({ limit: 3 })).toEqual({ ids: newestFirst(made), sizes: [3, 3, 2] });
    const alices = made.filter((w) => w.name.toLowerCase().includes('alice'));
    expect(alices).toHaveLength(6);
    expect(await allPages({ name: 'ALICE', limit: 4 })).toEqual({ ids: newestFirst(alices), sizes: [4, 2] });
    // LIKE's wildcards are taken literally.
    expect((await allPages({ name: '%_a', limit: 10 })).ids).toEqual([made[5]!.walletId]);
    expect((await allPages({ status: 'frozen', limit: 10 })).ids).toEqual([made[2]!.walletId]);
    expect((await allPages({ status: 'active', name: 'bob', limit: 10 })).ids).toEqual([]);

    const target = made[3]!.walletId;
    expect((await allPages({ walletId: target, limit: 10 })).ids).toEqual([target]);
    for (const digits of [2, 4, 6]) {
      const prefix = target.slice(0, digits);
      expect((await allPages({ walletId: prefix, limit: 2 })).ids, prefix).toEqual(newestFirst(made.filter((w) => w.walletId.startsWith(prefix))));
    }
    expect((await allPages({ walletId: '59', limit: 10 })).ids).toEqual([]);

    for (const bad of [{ walletId: '60a' }, { walletId: '6012345678901' }, { status: 'gone' }, { limit: 0 }, { limit: 101 }, { cursor: '1.2' }, { name: 'a\nb' }]) {
      expect(await searchWallets(p.store, bad), JSON.stringify(bad)).toMatchObject({ kind: 'invalid' });
    }
  });

  it("a wallet's detail: held and available with a PENDING payment, the confirmation limit, the PIN locked after 5 wrong PINs", async () => {
    const w = await p.store.createWallet({ name: 'Dana', openingSen: 100_00, pinHash: await hashPin('2468'), confirmLimitSen: 10_00 });
    const code = await p.store.issuePayCode(w.walletId, 60_000);
    if (typeof code === 'string') throw new Error(code);
    const paying = await postSigned(p.url, 'micropay', { ...micropayParams(m, 'big', '30.00', code.code), timestamp: String(clock.now) }, m.key);
    expect(paying.body.code).toBe(1024); // waits for the holder's confirmation
    expect((await p.store.findOrder(m.mchId, 'big'))?.status).toBe('PENDING');

    const before = await walletDetail(p.store, w.walletId, p.config.confirmLimitSen);
    expect(before).toEqual({
      walletId: w.walletId, name: 'Dana', status: 'active', balanceSen: 100_00, availableSen: 70_00, heldSen: 30_00,
      confirmLimitSen: 10_00, effectiveConfirmLimitSen: 10_00, hasPin: true, pinFailures: 0, pinLocked: false,
      pendingPayments: 1, createdAtMs: w.createdAtMs, devices: [],
    });
    const holder = walletHolderActing(w.walletId, 'wallet app', null);
    for (let i = 0; i < 4; i += 1) expect((await tryWalletPin({ store: p.store, logger: silentLogger }, w.walletId, '0000', holder)).kind).toBe('wrong');
    expect((await walletDetail(p.store, w.walletId, 0))?.pinLocked).toBe(false);
    expect((await tryWalletPin({ store: p.store, logger: silentLogger }, w.walletId, '0000', holder)).kind).toBe('locked');
    expect(await walletDetail(p.store, w.walletId, 0)).toMatchObject({ pinFailures: 5, pinLocked: true });
    // The console's "Unlock PIN" is the CLI's (services/operator-actions.ts unlockWalletPin).
    const { unlockWalletPin } = await import('../src/services/operator-actions.js');
    await unlockWalletPin(p.store, w.walletId);
    expect(await walletDetail(p.store, w.walletId, 0)).toMatchObject({ pinFailures: 0, pinLocked: false });

    const plain = await p.store.createWallet({ name: 'Eve', openingSen: 0 });
    expect(await walletDetail(p.store, plain.walletId, 250_00)).toMatchObject({
      confirmLimitSen: null, effectiveConfirmLimitSen: 250_00, hasPin: false, heldSen: 0, pendingPayments: 0,
    });
    expect(await walletDetail(p.store, '600000000000', 0)).toBeNull();
  });
});

describe("the operator console's merchants", () => {
  it('in id order a page at a time, with balance, notify URL and the key roll window', async () => {
    await pay('earn', '12.00');
    const more = [await createMerchant(p, 'B'), await createMerchant(p, 'C')];
    await p.store.updateMerchant(more[0]!.mchId, { notifyUrl: 'https://b.example/notify' });
    const { rollKey } = await import('../src/services/operator-actions.js');
    const rolled = await rollKey(p.store, more[1]!.mchId, '2');
    expect(rolled).toMatchObject({ mchId: more[1]!.mchId });

    const first = await merchantPage(p.store, { limit: 2 });
    if ('kind' in first) throw new Error(first.problem);
    expect(first.merchants.map((x) => x.mchId)).toEqual([m.mchId, more[0]!.mchId]);
    expect(first.merchants[0]).toMatchObject({ name: 'Campus Canteen', status: 'active', balanceSen: 12_00, notifyUrl: null, keyRolledAtMs: null });
    expect(first.merchants[1]).toMatchObject({ notifyUrl: 'https://b.example/notify', balanceSen: 0 });
    const second = await merchantPage(p.store, { limit: 2, cursor: first.next! });
    if ('kind' in second) throw new Error(second.problem);
    expect(second.next).toBeNull();
    expect(second.merchants).toEqual([expect.objectContaining({
      mchId: more[1]!.mchId, keyRolledAtMs: clock.now, previousKeyUntilMs: clock.now + 2 * 3_600_000, keyFirstUsedAtMs: null,
    })]);
    expect(JSON.stringify(second)).not.toContain(more[1]!.key);
    expect(await merchantPage(p.store, { cursor: 'abc' })).toMatchObject({ kind: 'invalid' });
  });
});
