import { request } from 'node:http';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { ACCOUNT_LOCKOUT_MS, hashPin, isAccountLocked } from '../src/domain/credentials.js';
import { openStore } from '../src/platform.js';
import { execute } from './db-access.js';
import { addressKey, perAccount, perAddress, SignInLimits } from '../src/domain/sign-in-limits.js';
import { createMerchant, ManualClock, startTestPlatform, TEST_STORE, type TestPlatform } from './helpers.js';
import { SQLITE_MIGRATIONS } from '../src/store/sqlite/migrations.js';
import { POSTGRES_MIGRATIONS } from '../src/store/postgres/migrations.js';

/**
 * Sign-in limits (docs/consoles.md, "Sign-in limits") on both stores, over real HTTP from several
 * loopback addresses, with the clock injected: attempts past an address's or an account's bucket are
 * refused before the password is compared (the comparisons are counted), and a lockout ends by
 * itself after 15 minutes.
 */
const compared = vi.hoisted(() => ({ count: 0 }));
vi.mock('../src/domain/credentials.js', async (importOriginal) => {
  const real = await importOriginal<typeof import('../src/domain/credentials.js')>();
  return {
    ...real,
    // The slow comparison (scrypt) every sign-in that is tried makes, counted.
    pinMatches: (pin: string, stored: string) => {
      compared.count += 1;
      return real.pinMatches(pin, stored);
    },
  };
});

let p: TestPlatform | null = null;
afterEach(async () => {
  await p?.stop();
  p = null;
});

/** The platform with the default limits (10 per address, 10 per account), not the tests' unpaced ones. */
async function start(): Promise<{ t: TestPlatform; clock: ManualClock }> {
  const clock = new ManualClock();
  p = await startTestPlatform({ MICROPAY_SIGN_IN_PER_ADDRESS: '10', MICROPAY_SIGN_IN_PER_ACCOUNT: '10' }, clock);
  compared.count = 0;
  return { t: p, clock };
}

interface Reply {
  readonly status: number;
  readonly code: number;
  readonly retryAfter: string | null;
}

/** A page API POST sent from `from` (a loopback address: the server sees it as the client's). */
function postFrom(t: TestPlatform, from: string, path: string, body: Record<string, string>): Promise<Reply> {
  const url = new URL(`${t.url}/api/page/${path}`);
  const data = JSON.stringify(body);
  return new Promise((resolve, reject) => {
    const req = request({
      host: url.hostname, port: url.port, path: url.pathname, method: 'POST', localAddress: from,
      headers: { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(data) },
    }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (text += chunk));
      res.on('end', () => resolve({ status: res.statusCode!, code: (JSON.parse(text) as { code: number }).code, retryAfter: (res.headers['retry-after'] as string | undefined) ?? null }));
    });
    req.on('error', reject);
    req.end(data);
  });
}

async function owner(t: TestPlatform, password: string): Promise<{ mchId: string }> {
  const m = await createMerchant(t);
  const created = await t.store.createCashier(m.mchId, 'owner-ann', await hashPin(password), { role: 'owner' });
  if (typeof created === 'string') throw new Error(created);
  return m;
}

describe('sign-in attempts are paced per address and per account, before the password is compared', () => {
  it('past 10 attempts from one address every sign-in page answers 9023 with Retry-After, uncompared; another address signs in', async () => {
    const { t, clock } = await start();
    const m = await owner(t, 'owner-pass-1');
    const guesses: [string, Record<string, string>][] = [
      ['wallet/sign-in', { walletId: '600000000001', pin: '1234' }],
      ['cashier/sign-in', { mchId: m.mchId, name: 'lane-1', password: 'guess' }],
      ['merchant/sign-in', { mchId: m.mchId, name: 'lane-2', password: 'guess' }],
      ['admin/sign-in', { name: 'ops', password: 'guess' }],
    ];
    // Ten wrong guesses at accounts that do not exist (no lockout in play), spread over the four pages.
    for (let i = 0; i < 10; i++) {
      const [path, body] = guesses[i % 4]!;
      expect((await postFrom(t, '127.0.0.2', path, { ...body, ...(path === 'wallet/sign-in' ? { walletId: `6000000000${10 + i}` } : { name: `guess-${i}` }) })).code).toBe(9020);
    }
    expect(compared.count).toBe(10);
    for (const [path, body] of [...guesses, ['merchant/sign-in', { mchId: m.mchId, name: 'owner-ann', password: 'owner-pass-1' }] as const]) {
      const refused = await postFrom(t, '127.0.0.2', path, body);
      expect([refused.status, refused.code, refused.retryAfter], path).toEqual([429, 9023, '6']);
    }
    expect(compared.count, 'a refused attempt compares no password').toBe(10);
    // The owner, from elsewhere, signs in.
    expect((await postFrom(t, '127.0.0.3', 'merchant/sign-in', { mchId: m.mchId, name: 'owner-ann', password: 'owner-pass-1' })).code).toBe(0);
    // One token back every 6 s.
    clock.advance(6_000);
    expect((await postFrom(t, '127.0.0.2', 'admin/sign-in', { name: 'ops', password: 'guess' })).code).toBe(9020);
    expect((await postFrom(t, '127.0.0.2', 'admin/sign-in', { name: 'ops', password: 'guess' })).code).toBe(9023);
  });

  it('past 10 attempts at one account from many addresses that account answers 9023; others do not', async () => {
    const { t } = await start();
    for (let i = 0; i < 10; i++) expect((await postFrom(t, `127.0.1.${i + 1}`, 'admin/sign-in', { name: 'root', password: `guess-${i}` })).code).toBe(9020);
    const refused = await postFrom(t, '127.0.1.50', 'admin/sign-in', { name: 'root', password: 'guess' });
    expect([refused.status, refused.code, refused.retryAfter]).toEqual([429, 9023, '30']);
    expect(compared.count).toBe(10);
    expect((await postFrom(t, '127.0.1.50', 'admin/sign-in', { name: 'other', password: 'guess' })).code).toBe(9020);
  });
});

describe('a lockout ends by itself after 15 minutes', () => {
  it("a merchant owner's: locked at the fifth wrong password, even to the right one, logged; after 15 minutes the right one signs in", async () => {
    const { t, clock } = await start();
    const m = await owner(t, 'owner-pass-1');
    const signIn = (password: string) => postFrom(t, '127.0.0.4', 'merchant/sign-in', { mchId: m.mchId, name: 'owner-ann', password });
    for (let i = 0; i < 4; i++) expect((await signIn('wrong')).code).toBe(9020);
    expect((await signIn('wrong')).code).toBe(9021);
    expect((await signIn('owner-pass-1')).code).toBe(9021);
    clock.advance(ACCOUNT_LOCKOUT_MS - 1);
    expect((await signIn('owner-pass-1')).code).toBe(9021);
    clock.advance(1);
    expect((await signIn('owner-pass-1')).code).toBe(0);
    const failed = await t.store.listAuditLog({ action: 'session.signInFailed', limit: 20 });
    expect(failed.map((e) => e.detail.outcome).reverse()).toEqual(['wrong', 'wrong', 'wrong', 'wrong', 'locked', 'locked', 'locked']);
    expect((await t.store.listAuditLog({ action: 'session.signIn', limit: 5 })).length).toBe(1);
  });

  it("a cashier's at the till: after the period the count starts again, so one wrong password is not a new lock", async () => {
    const { t, clock } = await start();
    const m = await createMerchant(t);
    await t.store.createCashier(m.mchId, 'lane-1', await hashPin('till-pass-1'));
    const signIn = (password: string) => postFrom(t, '127.0.0.5', 'cashier/sign-in', { mchId: m.mchId, name: 'lane-1', password });
    for (let i = 0; i < 5; i++) await signIn('wrong');
    expect((await signIn('till-pass-1')).code).toBe(9021);
    clock.advance(ACCOUNT_LOCKOUT_MS);
    expect((await signIn('wrong')).code).toBe(9020);
    expect((await signIn('till-pass-1')).code).toBe(0);
  });

  it("an operator's: locked, unlocked early by `admin reset`'s new password, and after 15 minutes with the old one", async () => {
    const { t, clock } = await start();
    await t.store.createOperator('ops', await hashPin('operator-pass-1'), null);
    const signIn = (password: string) => postFrom(t, '127.0.0.6', 'admin/sign-in', { name: 'ops', password });
    for (let i = 0; i < 5; i++) await signIn('wrong');
    expect((await signIn('operator-pass-1')).code).toBe(9021);
    expect((await t.store.listOperators())[0]!.lockedAtMs).toBe(clock.now);
    clock.advance(ACCOUNT_LOCKOUT_MS);
    expect((await signIn('operator-pass-1')).code).toBe(0);
    for (let i = 0; i < 5; i++) await signIn('wrong');
    await t.store.resetOperator('ops', await hashPin('operator-pass-2'), undefined);
    expect((await signIn('operator-pass-2')).code).toBe(0);
    expect((await t.store.listOperators())[0]).toMatchObject({ failures: 0, lockedAtMs: null });
  });
});

describe('one account signed in from several places at once', () => {
  it('eight tills signing in as one shared cashier with the right password all sign in, and leave no count toward a lock', async () => {
    const { t } = await start();
    const m = await createMerchant(t);
    await t.store.createCashier(m.mchId, 'lane-1', await hashPin('till-pass-1'));
    const answers = await Promise.all(Array.from({ length: 8 }, (_, i) =>
      postFrom(t, `127.0.0.${20 + i}`, i % 2 === 0 ? 'cashier/sign-in' : 'merchant/sign-in', { mchId: m.mchId, name: 'lane-1', password: 'till-pass-1' })));
    expect(answers.map((a) => a.code)).toEqual([0, 0, 0, 0, 0, 0, 0, 0]);
    expect((await t.store.listMerchantUsers(m.mchId))[0]).toMatchObject({ failures: 0, lockedAtMs: null });
    expect(compared.count).toBe(8);
  });

  it('an operator signing in from six browsers at once signs in from each; four wrong guesses after are four, not a lock', async () => {
    const { t } = await start();
    await t.store.createOperator('ops', await hashPin('operator-pass-1'), null);
    const signIn = (from: number, password: string) => postFrom(t, `127.0.0.${40 + from}`, 'admin/sign-in', { name: 'ops', password });
    expect((await Promise.all([0, 1, 2, 3, 4, 5].map((i) => signIn(i, 'operator-pass-1')))).map((a) => a.code)).toEqual([0, 0, 0, 0, 0, 0]);
    expect((await Promise.all([6, 7, 8, 9].map((i) => signIn(i, 'wrong')))).map((a) => a.code)).toEqual([9020, 9020, 9020, 9020]);
    expect((await t.store.listOperators())[0]).toMatchObject({ failures: 4, lockedAtMs: null });
  });
});

describe('upgrading a store whose accounts were locked until a reset', () => {
  it('takes each locked account as locked from the upgrade: 15 minutes later it signs in again', async () => {
    const { t } = await start();
    const m = await createMerchant(t);
    await t.store.createCashier(m.mchId, 'lane-1', await hashPin('till-pass-1'));
    await t.store.createCashier(m.mchId, 'lane-2', await hashPin('till-pass-2'));
    await t.store.createOperator('ops', await hashPin('operator-pass-1'), null);
    // The tables as they were before the lock had a time: lane-1 and ops locked, lane-2 two wrong.
    await execute(t.store, "UPDATE cashiers SET failures = CASE name WHEN 'lane-1' THEN 5 ELSE 2 END");
    await execute(t.store, 'UPDATE operators SET failures = 5');
    await execute(t.store, 'ALTER TABLE cashiers DROP COLUMN locked_at_ms');
    await execute(t.store, 'ALTER TABLE operators DROP COLUMN locked_at_ms');
    // Only the lock's own migration runs again (a later one may already be applied).
    const lockMigration = (TEST_STORE === 'sqlite' ? SQLITE_MIGRATIONS : POSTGRES_MIGRATIONS).find((m) => m.name.includes('lockout ends by itself'))!;
    await execute(t.store, `DELETE FROM schema_migrations WHERE version = ${lockMigration.version}`);
    const before = Date.now();
    const upgraded = await openStore(t.config);
    try {
      const [lane1, lane2] = await upgraded.listMerchantUsers(m.mchId);
      const [ops] = await upgraded.listOperators();
      for (const locked of [lane1!, ops!]) {
        expect(locked.lockedAtMs).toBeGreaterThanOrEqual(Math.floor(before / 1000) * 1000);
        expect(isAccountLocked(locked, Date.now())).toBe(true);
        expect(isAccountLocked(locked, locked.lockedAtMs! + ACCOUNT_LOCKOUT_MS)).toBe(false);
      }
      expect([lane2!.failures, lane2!.lockedAtMs]).toEqual([2, null]);
    } finally {
      await upgraded.close();
    }
  });
});

describe('the buckets', () => {
  it('hold at most their bound, forgetting the least recently used', () => {
    const limits = new SignInLimits(perAddress(1), perAccount(1), 100);
    for (let i = 0; i < 1_000; i++) expect(limits.take(`10.0.${i >> 8}.${i & 255}`, `user ${i}`, 0).ok).toBe(true);
    expect(limits.sizes).toEqual({ addresses: 100, accounts: 100 });
    // The most recent address is still counted; an evicted one starts full.
    expect(limits.take('10.0.3.231', 'user x', 0)).toEqual({ ok: false, retryAfterMs: 60_000, by: 'address' });
    expect(limits.take('10.0.0.0', 'user y', 0).ok).toBe(true);
  });

  it('count an IPv6 client by its /64 and an IPv4-mapped address as IPv4', () => {
    expect(addressKey('2001:db8:1:2:3:4:5:6')).toBe(addressKey('2001:db8:1:2::9'));
    expect(addressKey('2001:db8:1:3::9')).not.toBe(addressKey('2001:db8:1:2::9'));
    expect(addressKey('::ffff:192.0.2.7')).toBe('192.0.2.7');
    expect(addressKey(null)).toBe('unknown');
  });

  it('a refused attempt takes nothing from the other bucket', () => {
    const limits = new SignInLimits(perAddress(1), perAccount(2), 100);
    expect(limits.take('a', 'acct', 0).ok).toBe(true);
    expect(limits.take('a', 'acct', 0)).toMatchObject({ ok: false, by: 'address' });
    expect(limits.take('b', 'acct', 0).ok).toBe(true);
    // The account's two are spent: a third address is refused by the account's pace.
    expect(limits.take('c', 'acct', 0)).toMatchObject({ ok: false, by: 'account' });
  });
});
