import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { HISTORY_PAGE_SIZE } from '../src/api/page-wallet-account.js';
import { SESSION_IDLE_MS, SESSION_MAX_MS, SIGN_IN_LINK_TTL_MS } from '../src/domain/page-access.js';
import { sql } from './db-access.js';
import { docBlock } from './doc-blocks.js';
import { createMerchant, ManualClock, startTestPlatform, type TestMerchant, type TestPlatform } from './helpers.js';
import { as, pageCall, signInWallet, type Session } from './page-helpers.js';

/**
 * The wallet page's account part (docs/pages.md), over real HTTP, on both stores: balances, the
 * history paged by key, freezing one's own wallet, and the sessions' housekeeping (the sweep, and a
 * close that ends the wallet's sessions and links with it).
 */
let p: TestPlatform;
let clock: ManualClock;
let m: TestMerchant;

interface Movement {
  readonly type: string;
  readonly amount: string;
  readonly merchantName: string | null;
  readonly wavpayOrderId: string | null;
  readonly refundId: string | null;
  readonly status: string | null;
  readonly time: string;
  readonly zonedTime: string;
}

const call = (path: string, body?: unknown, headers?: Record<string, string>) => pageCall(p, path, body, headers);
const signIn = (walletId: string) => signInWallet(p, walletId);

/** A real payment of the wallet's fresh code, as a till's micropay makes it. */
async function pay(walletId: string, mchOrderId: string, amountSen: number): Promise<void> {
  const code = await p.store.issuePayCode(walletId, 60_000);
  if (typeof code === 'string') throw new Error(code);
  const decision = await p.store.pay({
    mchId: m.mchId, mchOrderId, amountSen, goodsInfo: 'Kopi', discountSen: null, point: null, payCode: code.code, timestampMs: clock.now,
  });
  expect(decision.kind).toBe('paid');
}

async function refund(mchOrderId: string, mchRefundId: string, refundAmountSen: number): Promise<void> {
  const decision = await p.store.refund({ mchId: m.mchId, mchOrderId, mchRefundId, refundAmountSen, reason: null, timestampMs: clock.now });
  expect(decision.kind).not.toBe('rejected');
}

/** Every page of the history, following `older` to the end. */
async function wholeHistory(s: Session): Promise<Movement[][]> {
  const pages: Movement[][] = [];
  let before: string | null = null;
  do {
    const a = await call('wallet/history', before === null ? {} : { before }, as(s));
    expect(a.code, a.msg).toBe(0);
    pages.push(a.data!.transactions as Movement[]);
    before = a.data!.older as string | null;
  } while (before !== null);
  return pages;
}

/** A JSON value with each string replaced by what kind of text it is: an example and a live answer share it. */
function shape(v: unknown): unknown {
  if (Array.isArray(v)) return v.length === 0 ? [] : [shape(v[0])];
  if (v !== null && typeof v === 'object') return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, shape(x)]));
  if (typeof v !== 'string') return v;
  const kinds: [string, RegExp][] = [
    ['22-digit id', /^\d{22}$/], ['amount', /^-?\d+\.\d\d$/], ['wire time', /^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d$/],
    ['zoned time', /^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d [+-]\d\d:\d\d$/], ['digits', /^\d+$/],
  ];
  return kinds.find(([, re]) => re.test(v))?.[0] ?? (['REFUNDED', 'REFUND', 'success', 'Asia/Kuala_Lumpur'].includes(v) ? v : 'text');
}

async function count(table: string): Promise<number> {
  return Number((await sql<{ n: number | string }>(p.store, `SELECT COUNT(*) AS n FROM ${table}`))[0]!.n);
}

beforeEach(async () => {
  clock = new ManualClock(Date.UTC(2026, 11, 5, 6, 0, 0));
  p = await startTestPlatform({ MICROPAY_TIMEZONE: 'Asia/Kuala_Lumpur' }, clock);
  m = await createMerchant(p, 'Kedai Kopi');
});
afterEach(async () => {
  await p.stop();
});

describe('the balance', () => {
  it('shows available and held: a payment waiting for confirmation holds its amount', async () => {
    const { walletId } = await p.store.createWallet({ name: 'Alice', openingSen: 500_00, confirmLimitSen: 100_00 });
    const s = await signIn(walletId);
    await pay(walletId, 'A-1', 12_50);
    const code = await p.store.issuePayCode(walletId, 60_000);
    if (typeof code === 'string') throw new Error(code);
    const pending = await p.store.pay({
      mchId: m.mchId, mchOrderId: 'A-2', amountSen: 150_00, goodsInfo: 'TV', discountSen: null, point: null, payCode: code.code, timestampMs: clock.now,
    });
    expect(pending.kind).toBe('pending');
    const a = await call('wallet/balance', {}, as(s));
    expect([a.code, a.data]).toEqual([0, { walletId, name: 'Alice', status: 'active', balance: '487.50', held: '150.00', available: '337.50' }]);
    // Bad input of any shape is 1021 and names the field.
    for (const body of [{ walletId }, { x: 1 }]) expect((await call('wallet/balance', body, as(s))).code).toBe(1021);
    expect((await call('wallet/balance', '[1]', as(s))).code).toBe(9105);
  });
});

describe('the history', () => {
  it('pages by key: every movement exactly once, newest first, with merchant, signed amount, kind, status and local time', async () => {
    const { walletId } = await p.store.createWallet({ name: 'Alice', openingSen: 100_00 });
    const s = await signIn(walletId);
    const total = 2 * HISTORY_PAGE_SIZE + 3;
    for (let i = 1; i < total - 1; i++) {
      clock.advance(1000);
      await pay(walletId, `P-${i}`, i);
    }
    clock.advance(1000);
    await refund('P-2', 'R-1', 2);
    const pages = await wholeHistory(s);
    expect(pages.map((page) => page.length)).toEqual([HISTORY_PAGE_SIZE, HISTORY_PAGE_SIZE, 3]);
    const all = pages.flat();
    // Newest first: the refund, then payments P-21 … P-1, then the opening top-up.
    expect(all.map((t) => t.type)).toEqual(['REFUND', ...Array<string>(total - 2).fill('PAYMENT'), 'TOPUP']);
    expect(all.slice(1, -1).map((t) => t.amount)).toEqual(Array.from({ length: total - 2 }, (_, i) => `-0.${String(total - 2 - i).padStart(2, '0')}`));
    expect(new Set(all.map((t) => t.refundId ?? t.wavpayOrderId ?? 'opening top-up')).size).toBe(all.length);
    expect(all[0]).toMatchObject({ type: 'REFUND', amount: '0.02', merchantName: 'Kedai Kopi', status: 'REFUNDED' });
    // The paid order of the refund shows its status now: fully refunded.
    expect(all.find((t) => t.amount === '-0.02')).toMatchObject({ merchantName: 'Kedai Kopi', status: 'REFUNDED' });
    expect(all.find((t) => t.amount === '-0.03')).toMatchObject({ status: 'PAID' });
    expect(all.at(-1)).toMatchObject({ type: 'TOPUP', amount: '100.00', merchantName: null, status: null });
    // docs/pages.md's example answer has the live answer's shape.
    const live = await fetch(`${p.url}/api/page/wallet/history`, { method: 'POST', headers: { 'Content-Type': 'application/json', ...as(s) }, body: '{}' });
    expect(shape(await live.json())).toEqual(shape(JSON.parse(docBlock('pages.md', 'wallet-history-answer'))));
    // Times in the platform's zone (UTC+8), as a person reads them.
    expect(all.at(-1)).toMatchObject({ time: '2026-12-05 14:00:00', zonedTime: '2026-12-05 14:00:00 +08:00' });
  });

  it('a payment arriving between two pages shifts nothing: the older page goes on where the first ended', async () => {
    const { walletId } = await p.store.createWallet({ name: 'Alice', openingSen: 100_00 });
    const s = await signIn(walletId);
    for (let i = 1; i <= HISTORY_PAGE_SIZE + 2; i++) await pay(walletId, `P-${i}`, i);
    const first = await call('wallet/history', {}, as(s));
    await pay(walletId, 'LATE', 99);
    const second = await call('wallet/history', { before: first.data!.older }, as(s));
    const amounts = [...(first.data!.transactions as Movement[]), ...(second.data!.transactions as Movement[])].map((t) => t.amount);
    expect(amounts).toEqual([...Array.from({ length: HISTORY_PAGE_SIZE + 2 }, (_, i) => `-0.${String(HISTORY_PAGE_SIZE + 2 - i).padStart(2, '0')}`), '100.00']);
    expect(second.data!.older).toBeNull();
  });

  it("cannot read another wallet: another wallet's key gives nothing of it, and naming a wallet is refused", async () => {
    const mine = (await p.store.createWallet({ name: 'Alice', openingSen: 10_00 })).walletId;
    const other = (await p.store.createWallet({ name: 'Bob', openingSen: 100_00 })).walletId;
    for (let i = 1; i <= HISTORY_PAGE_SIZE + 1; i++) await pay(other, `B-${i}`, 1_00);
    const bob = await signIn(other);
    const bobsKey = (await call('wallet/history', {}, as(bob))).data!.older as string;
    expect(bobsKey).toMatch(/^\d+$/);
    const alice = await signIn(mine);
    const a = await call('wallet/history', { before: bobsKey }, as(alice));
    expect([a.code, a.data]).toEqual([0, { transactions: [], older: null, timeZone: 'Asia/Kuala_Lumpur' }]);
    for (const path of ['wallet/history', 'wallet/balance']) {
      const named = await call(path, { walletId: other }, as(alice));
      expect([named.code, named.msg]).toEqual([1021, 'param error: unknown parameter "walletId": not part of this API']);
    }
    expect((await call('wallet/balance', {}, as(alice))).data).toMatchObject({ walletId: mine, balance: '10.00' });
  });

  it('refuses a key of any other shape with 1021, naming the field', async () => {
    const s = await signIn((await p.store.createWallet({ name: 'Alice', openingSen: 1_00 })).walletId);
    for (const before of ['', '0', '-1', '1.5', 'abc', '1'.repeat(16), 12.5, true, [1], { a: 1 }]) {
      const a = await call('wallet/history', { before }, as(s));
      expect([JSON.stringify(before), a.code]).toEqual([JSON.stringify(before), 1021]);
      expect(a.msg).toContain('before');
    }
  });
});

describe('freezing from the page', () => {
  it('needs the CSRF token: without it, or with a wrong one, 9121 and the wallet stays active', async () => {
    const { walletId } = await p.store.createWallet({ name: 'Alice', openingSen: 10_00 });
    const s = await signIn(walletId);
    const sessionsBefore = await sql(p.store, 'SELECT * FROM page_sessions');
    for (const csrf of [null, '', s.csrf.slice(1) + 'A']) {
      const a = await call('wallet/freeze', {}, as(s, csrf));
      expect([a.status, a.code]).toEqual([403, 9121]);
    }
    expect((await p.store.findWallet(walletId))!.status).toBe('active');
    expect(await sql(p.store, 'SELECT * FROM page_sessions')).toEqual(sessionsBefore);
    // Bad input with the token is 1021, and freezes nothing either.
    expect((await call('wallet/freeze', { walletId }, as(s))).code).toBe(1021);
    expect((await p.store.findWallet(walletId))!.status).toBe('active');
  });

  it('freezes the session\'s own wallet: its payments fail with 9001 and it gets no code; unfreezing is the operator\'s', async () => {
    const { walletId } = await p.store.createWallet({ name: 'Alice', openingSen: 10_00 });
    const other = (await p.store.createWallet({ name: 'Bob', openingSen: 10_00 })).walletId;
    const s = await signIn(walletId);
    const code = await call('wallet/paycode', {}, as(s));
    const a = await call('wallet/freeze', {}, as(s));
    expect([a.code, a.data]).toMatchObject([0, { walletId, status: 'frozen', available: '10.00' }]);
    expect((await p.store.findWallet(other))!.status).toBe('active');
    const paid = await p.store.pay({
      mchId: m.mchId, mchOrderId: 'F-1', amountSen: 1_00, goodsInfo: 'Kopi', discountSen: null, point: null,
      payCode: code.data!.payCode as string, timestampMs: clock.now,
    });
    expect(paid).toMatchObject({ kind: 'failed', order: { failReason: 'WALLET_FROZEN' } });
    expect((await call('wallet/paycode', {}, as(s))).code).toBe(9001);
    // Freezing again changes nothing; the page has no call that unfreezes.
    expect((await call('wallet/freeze', {}, as(s))).data).toMatchObject({ status: 'frozen' });
    expect((await call('wallet/unfreeze', {}, as(s))).code).toBe(9101);
    expect((await call('wallet/balance', {}, as(s))).data).toMatchObject({ status: 'frozen', balance: '10.00' });
  });
});

describe('without a session', () => {
  it('every account call is 9120 and reads or writes nothing', async () => {
    const { walletId } = await p.store.createWallet({ name: 'Alice', openingSen: 10_00 });
    const s = await signIn(walletId);
    await call('wallet/sign-out', {}, as(s));
    for (const path of ['wallet/balance', 'wallet/history', 'wallet/freeze']) {
      for (const headers of [{}, as(s)]) expect([path, (await call(path, {}, headers)).code]).toEqual([path, 9120]);
    }
    expect((await p.store.findWallet(walletId))!.status).toBe('active');
  });
});

describe('housekeeping', () => {
  it('the sweep deletes expired sessions and used or expired links, and keeps the live ones', async () => {
    const { walletId } = await p.store.createWallet({ name: 'Alice', openingSen: 10_00 });
    const idle = await signIn(walletId); // its link is used now
    const old = await signIn(walletId);
    const unused = await p.store.issueSignInLink(walletId);
    // The old session stays busy but reaches 12 hours; the idle one sleeps past 30 minutes.
    for (let t = 0; t < SESSION_MAX_MS; t += SESSION_IDLE_MS / 2) {
      clock.advance(SESSION_IDLE_MS / 2);
      if (t + SESSION_IDLE_MS / 2 < SESSION_MAX_MS) expect((await call('wallet/balance', {}, as(old))).code).toBe(0);
    }
    const fresh = await signIn(walletId);
    const freshLink = await p.store.issueSignInLink(walletId);
    // (The platform's own sweep job runs at start, and on a busy machine that first run may come
    // after the clock moved: it may have taken some of these already. The sweep below is the same
    // function; what is left after it is the point.)
    await p.store.sweepPageAccess();
    // Left: the fresh session, and the fresh unused link; the earlier unused link expired 15 minutes in.
    expect([await count('page_sessions'), await count('wallet_sign_in_links')]).toEqual([1, 1]);
    expect((await call('wallet/balance', {}, as(fresh))).code).toBe(0);
    expect((await call('wallet/balance', {}, as(idle))).code).toBe(9120);
    expect((await call('wallet/balance', {}, as(old))).code).toBe(9120);
    if (typeof freshLink === 'string' || typeof unused === 'string') throw new Error('no link');
    expect((await call('wallet/sign-in-link', { token: unused.token })).code).toBe(9022);
    // A link at its expiry is spent: the sweep takes it.
    clock.advance(SIGN_IN_LINK_TTL_MS);
    await p.store.sweepPageAccess();
    expect(await count('wallet_sign_in_links')).toBe(0);
    expect((await call('wallet/sign-in-link', { token: freshLink.token })).code).toBe(9022);
  });

  it('closing a wallet ends its sessions and its unused links in the same transaction; other wallets keep theirs', async () => {
    const { walletId } = await p.store.createWallet({ name: 'Alice', openingSen: 10_00 });
    const other = (await p.store.createWallet({ name: 'Bob', openingSen: 10_00 })).walletId;
    const [a, b, bob] = [await signIn(walletId), await signIn(walletId), await signIn(other)];
    const link = await p.store.issueSignInLink(walletId);
    await p.store.issueSignInLink(other);
    if (typeof link === 'string') throw new Error(link);
    await p.store.setWalletStatus(walletId, 'closed');
    for (const s of [a, b]) expect((await call('wallet/balance', {}, as(s))).code).toBe(9120);
    expect((await call('wallet/balance', {}, as(bob))).code).toBe(0);
    const left = await sql<{ wallet_id: string }>(p.store, 'SELECT wallet_id FROM page_sessions');
    expect(left.map((r) => r.wallet_id)).toEqual([other]);
    // Bob's unused link stays; Alice's unused one is gone. (Used links are left to the sweep, which
    // the platform's own job may run at any moment, so they are not counted here.)
    const links = await sql<{ wallet_id: string; used_at_ms: unknown }>(p.store, 'SELECT wallet_id, used_at_ms FROM wallet_sign_in_links');
    expect(links.filter((l) => l.wallet_id === walletId && l.used_at_ms === null)).toEqual([]);
    expect(links.filter((l) => l.wallet_id === other && l.used_at_ms === null)).toHaveLength(1);
    expect((await call('wallet/sign-in-link', { token: link.token })).code).toBe(9022);
  });
});
