import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { hashPin } from '../src/domain/credentials.js';
import { csrfTokenOf, SESSION_IDLE_MS, SESSION_MAX_MS, SIGN_IN_LINK_TTL_MS } from '../src/domain/page-access.js';
import { ROUTES } from '../src/http/routes.js';
import { sql } from './db-access.js';
import { createMerchant, ManualClock, startTestPlatform, type TestMerchant, type TestPlatform } from './helpers.js';
import { as, pageCall, sessionOf, signInLinkFor, type PageAnswer, type Session } from './page-helpers.js';

/**
 * Sign-in and sessions of the web pages' APIs (docs/pages.md), over real HTTP, on both stores:
 * links work once and expire, wrong PINs and passwords lock, every page API needs its own page's
 * session, a session acts for its own wallet or merchant only, state changes need the CSRF token,
 * sign-out and expiry end sessions, and no secret comes back in an answer.
 */
let p: TestPlatform;
let clock: ManualClock;
/** Every answer's text, to search for secrets that must never be echoed. */
let answers: string[];

/** Every answer goes into `answers` too. */
async function call(path: string, body: unknown = {}, headers: Record<string, string> = {}): Promise<PageAnswer> {
  const a = await pageCall(p, path, body, headers);
  answers.push(a.text);
  return a;
}

async function walletWithPin(pin = '2468'): Promise<string> {
  return (await p.store.createWallet({ name: 'Alice', openingSen: 50_00, pinHash: await hashPin(pin) })).walletId;
}

const linkFor = (walletId: string) => signInLinkFor(p, walletId);

async function cashierOf(m: TestMerchant, name = 'lane-1', password = 'till-password-1'): Promise<{ name: string; password: string }> {
  const created = await p.store.createCashier(m.mchId, name, await hashPin(password));
  if (typeof created === 'string') throw new Error(created);
  return { name, password };
}

async function activeCode(walletId: string): Promise<string | null> {
  const rows = await sql<{ code: string }>(p.store, "SELECT code FROM pay_codes WHERE wallet_id = ? AND status = 'active'", [walletId]);
  return rows[0]?.code ?? null;
}

async function sessionCount(): Promise<number> {
  return Number((await sql<{ n: number | string }>(p.store, 'SELECT COUNT(*) AS n FROM page_sessions'))[0]!.n);
}

beforeEach(async () => {
  clock = new ManualClock();
  p = await startTestPlatform({}, clock);
  answers = [];
});
afterEach(async () => {
  await p.stop();
});

describe('a wallet sign-in link', () => {
  it('signs in once: the cookie is HttpOnly, SameSite=Strict, Path=/, and the session reads its own wallet', async () => {
    const walletId = await walletWithPin();
    const token = await linkFor(walletId);
    const first = await call('wallet/sign-in-link', { token });
    expect(first.setCookie).toMatch(/^micropay_wallet=[A-Za-z0-9_-]{43}; Path=\/; HttpOnly; SameSite=Strict; Max-Age=43200$/);
    const s = sessionOf(first);
    const probe = await call('wallet/session', {}, as(s, null));
    expect(probe.data).toMatchObject({ signedIn: true, walletId, name: 'Alice', available: '50.00', csrfToken: s.csrf });

    const again = await call('wallet/sign-in-link', { token });
    expect([again.code, again.msg, again.setCookie]).toEqual([9022, 'sign-in link invalid', null]);
    expect(await sessionCount()).toBe(1);
    // Only hashes are stored: neither the link's token nor the session id is in the database.
    const stored = JSON.stringify(await sql(p.store, 'SELECT * FROM wallet_sign_in_links')) + JSON.stringify(await sql(p.store, 'SELECT * FROM page_sessions'));
    expect(stored).not.toContain(token);
    expect(stored).not.toContain(s.cookie.split('=')[1]);
  });

  it('is refused after 15 minutes, and a token never issued is refused alike', async () => {
    const walletId = await walletWithPin();
    const token = await linkFor(walletId);
    clock.advance(SIGN_IN_LINK_TTL_MS);
    expect((await call('wallet/sign-in-link', { token })).code).toBe(9022);
    expect((await call('wallet/sign-in-link', { token: 'A'.repeat(43) })).code).toBe(9022);
    expect((await call('wallet/sign-in-link', { token: 'short' })).code).toBe(9022);
    expect((await call('wallet/sign-in-link', { token: 12 })).code).toBe(9022);
    expect((await call('wallet/sign-in-link', {})).code).toBe(1021);
    expect(await sessionCount()).toBe(0);
  });

  it('gives the cookie Secure when the request came over TLS (a TLS proxy says so)', async () => {
    const a = await call('wallet/sign-in-link', { token: await linkFor(await walletWithPin()) }, { 'X-Forwarded-Proto': 'https' });
    expect(a.setCookie).toMatch(/; HttpOnly; SameSite=Strict; Max-Age=43200; Secure$/);
    // In any case; where a chain of proxies lists each hop's, the first is the client's own (a
    // Secure cookie sent to a client on plain http would be dropped by its browser).
    for (const [proto, secure] of [['HTTPS', true], ['https, http', true], [' https ,https', true], ['http, https', false], ['httpsx', false]] as const) {
      const b = await call('wallet/sign-in-link', { token: await linkFor(await walletWithPin()) }, { 'X-Forwarded-Proto': proto });
      expect(/; Secure$/.test(b.setCookie!), proto).toBe(secure);
    }
  });
});

describe('walletId + PIN sign-in', () => {
  it('counts wrong PINs and locks at 5, with the count confirmations use; the right PIN is then refused too', async () => {
    const walletId = await walletWithPin('2468');
    for (let i = 0; i < 4; i++) expect((await call('wallet/sign-in', { walletId, pin: '1111' })).code).toBe(9020);
    expect((await p.store.findWallet(walletId))!.pinFailures).toBe(4);
    expect((await call('wallet/sign-in', { walletId, pin: '1111' })).code).toBe(9021);
    const locked = await call('wallet/sign-in', { walletId, pin: '2468' });
    expect([locked.code, locked.msg, locked.setCookie]).toEqual([9021, 'sign-in locked', null]);
    expect(await sessionCount()).toBe(0);
    // The lock is in the audit log once, as the wallet page's, with no PIN in it.
    const locks = await p.store.listAuditLog({ action: 'wallet.pinLocked', limit: 10 });
    expect(locks.map((e) => [e.actor, e.subjectId, e.detail])).toEqual([[{ kind: 'walletHolder', walletId, name: 'wallet page' }, walletId, { wrongTries: 5 }]]);
    // The operator's unlock (micropay wallet unlock) lets the right PIN in again.
    await p.store.updateWalletSecurity(walletId, { pinFailures: 0 });
    sessionOf(await call('wallet/sign-in', { walletId, pin: '2468' }));
  });

  it('a right PIN clears the count; an unknown or PIN-less wallet is answered as a wrong PIN, counting nothing', async () => {
    const walletId = await walletWithPin('2468');
    await call('wallet/sign-in', { walletId, pin: '1111' });
    sessionOf(await call('wallet/sign-in', { walletId, pin: '2468' }));
    expect((await p.store.findWallet(walletId))!.pinFailures).toBe(0);
    expect((await call('wallet/sign-in', { walletId: '609999999999', pin: '2468' })).code).toBe(9020);
    const noPin = (await p.store.createWallet({ name: 'Bob', openingSen: 0 })).walletId;
    expect((await call('wallet/sign-in', { walletId: noPin, pin: '2468' })).code).toBe(9020);
    // Malformed input is a param error, not a guess: nothing counted.
    expect((await call('wallet/sign-in', { walletId, pin: '12' })).code).toBe(1021);
    expect((await call('wallet/sign-in', { walletId: 'x', pin: '1234' })).code).toBe(1021);
    expect((await call('wallet/sign-in', { walletId, pin: ['1234'] })).code).toBe(1021);
    expect((await p.store.findWallet(walletId))!.pinFailures).toBe(0);
  });
});

describe('cashier sign-in', () => {
  it('counts wrong passwords and locks at 5; an unknown cashier or merchant is answered alike; a reset unlocks', async () => {
    const m = await createMerchant(p);
    const c = await cashierOf(m);
    const first = await call('cashier/sign-in', { mchId: m.mchId, name: c.name, password: c.password });
    expect(first.setCookie).toMatch(/^micropay_cashier=[A-Za-z0-9_-]{43}; Path=\/; HttpOnly; SameSite=Strict; Max-Age=43200$/);
    expect(first.data).toMatchObject({ mchId: m.mchId, cashierName: 'lane-1', merchantName: m.name });
    expect((await call('cashier/sign-in', { mchId: m.mchId, name: 'lane-9', password: c.password })).code).toBe(9020);
    expect((await call('cashier/sign-in', { mchId: '999', name: c.name, password: c.password })).code).toBe(9020);
    for (let i = 0; i < 4; i++) expect((await call('cashier/sign-in', { mchId: m.mchId, name: c.name, password: 'guess' })).code).toBe(9020);
    expect((await call('cashier/sign-in', { mchId: m.mchId, name: c.name, password: 'guess' })).code).toBe(9021);
    expect((await call('cashier/sign-in', { mchId: m.mchId, name: c.name, password: c.password })).code).toBe(9021);
    expect(await sessionCount()).toBe(1);
    await p.store.resetCashierPassword(m.mchId, c.name, await hashPin('new-password-2'));
    expect((await call('cashier/sign-in', { mchId: m.mchId, name: c.name, password: c.password })).code).toBe(9020);
    sessionOf(await call('cashier/sign-in', { mchId: m.mchId, name: c.name, password: 'new-password-2' }));
  });

  it("a cashier's session is its merchant's: another merchant's cashier name does not open it", async () => {
    const a = await createMerchant(p, 'Shop A');
    const b = await createMerchant(p, 'Shop B');
    const c = await cashierOf(a);
    expect((await call('cashier/sign-in', { mchId: b.mchId, name: c.name, password: c.password })).code).toBe(9020);
    const s = sessionOf(await call('cashier/sign-in', { mchId: a.mchId, name: c.name, password: c.password }));
    // The session names its merchant; no call takes another one.
    expect((await call('cashier/session', {}, as(s, null))).data).toMatchObject({ mchId: a.mchId, merchantName: 'Shop A' });
    expect((await call('cashier/session', { mchId: b.mchId }, as(s, null))).code).toBe(1021);
  });
});

describe('every page API', () => {
  const PAGE_PATHS = [...ROUTES.keys()].filter((path) => path.startsWith('/api/page/')).map((path) => path.slice('/api/page/'.length));
  // A device's own sign-out is authorised by its proof, not a session (wallet-device-audit.test.ts).
  const OPEN = new Set(['wallet/session', 'cashier/session', 'wallet/sign-in', 'wallet/sign-in-link', 'cashier/sign-in',
    'merchant/session', 'merchant/sign-in', 'admin/session', 'admin/sign-in', 'wallet/offline-device-self-sign-out']);

  it('needs its own page\'s session: none, an unknown one, or the other page\'s is refused with 9120 (401)', async () => {
    const walletSession = sessionOf(await call('wallet/sign-in-link', { token: await linkFor(await walletWithPin()) }));
    const m = await createMerchant(p);
    const c = await cashierOf(m);
    const cashierSession = sessionOf(await call('cashier/sign-in', { mchId: m.mchId, name: c.name, password: c.password }));
    const guarded = PAGE_PATHS.filter((path) => !OPEN.has(path));
    expect(guarded.length).toBeGreaterThanOrEqual(3);
    for (const path of guarded) {
      const other = path.startsWith('wallet/') ? cashierSession : walletSession;
      // The other page's session, under this page's cookie name: it is still not this page's.
      const renamed = { Cookie: other.cookie.replace(/^micropay_\w+=/, `micropay_${path.split('/')[0]}=`), 'X-CSRF-Token': other.csrf };
      const unknown = { Cookie: `micropay_${path.split('/')[0]}=${'B'.repeat(43)}`, 'X-CSRF-Token': csrfTokenOf('B'.repeat(43)) };
      for (const headers of [{}, unknown, as(other), renamed]) {
        const a = await call(path, {}, headers);
        expect([path, a.status, a.code]).toEqual([path, 401, 9120]);
      }
    }
    // The session calls answer "not signed in" and show nothing else.
    expect((await call('wallet/session')).data).toEqual({ signedIn: false });
    expect((await call('cashier/session', {}, as(walletSession, null))).data).toEqual({ signedIn: false });
    // The till's session under the consoles' cookie names is not theirs either.
    for (const page of ['merchant', 'admin']) {
      const renamed = { Cookie: cashierSession.cookie.replace(/^micropay_\w+=/, `micropay_${page}=`) };
      expect((await call(`${page}/session`, {}, renamed)).data).toEqual({ signedIn: false });
    }
  });

  it('refuses a state change without the CSRF token, or with a wrong one, and writes nothing', async () => {
    const walletId = await walletWithPin();
    const s = sessionOf(await call('wallet/sign-in-link', { token: await linkFor(walletId) }));
    const before = await sql(p.store, 'SELECT * FROM page_sessions');
    clock.advance(5 * 60_000);
    for (const csrf of [null, '', 'x'.repeat(43), s.csrf.slice(1) + 'A']) {
      for (const path of ['wallet/paycode', 'wallet/sign-out']) {
        const a = await call(path, {}, as(s, csrf));
        expect([path, a.status, a.code, a.msg]).toEqual([path, 403, 9121, 'CSRF token rejected']);
      }
    }
    expect(await activeCode(walletId)).toBeNull();
    // Not even the session's last use was written.
    expect(await sql(p.store, 'SELECT * FROM page_sessions')).toEqual(before);
    const issued = await call('wallet/paycode', {}, as(s));
    expect(issued.code).toBe(0);
    expect(await activeCode(walletId)).toBe(issued.data!.payCode);
  });

  it("a wallet session issues codes for its own wallet only: naming another wallet is refused, and writes nothing", async () => {
    const mine = await walletWithPin();
    const other = await walletWithPin();
    const s = sessionOf(await call('wallet/sign-in-link', { token: await linkFor(mine) }));
    for (const body of [{ walletId: other }, { walletId: mine }]) {
      const a = await call('wallet/paycode', body, as(s));
      expect([a.code, a.msg]).toEqual([1021, 'param error: unknown parameter "walletId": not part of this API']);
    }
    expect(await activeCode(other)).toBeNull();
    expect((await call('wallet/session', {}, as(s, null))).data).toMatchObject({ walletId: mine });
  });
});

describe('a session', () => {
  it('ends at sign-out, on the server: the old cookie opens nothing afterwards', async () => {
    const s = sessionOf(await call('wallet/sign-in-link', { token: await linkFor(await walletWithPin()) }));
    const out = await call('wallet/sign-out', {}, as(s));
    expect(out.code).toBe(0);
    expect(out.setCookie).toBe('micropay_wallet=; Path=/; HttpOnly; SameSite=Strict; Max-Age=0');
    expect(await sessionCount()).toBe(0);
    expect((await call('wallet/paycode', {}, as(s))).code).toBe(9120);
    expect((await call('wallet/session', {}, as(s, null))).data).toEqual({ signedIn: false });
  });

  it('expires after 30 minutes without a request; a request within them keeps it alive', async () => {
    const s = sessionOf(await call('wallet/sign-in-link', { token: await linkFor(await walletWithPin()) }));
    clock.advance(SESSION_IDLE_MS - 60_000);
    expect((await call('wallet/paycode', {}, as(s))).code).toBe(0);
    clock.advance(SESSION_IDLE_MS - 1);
    expect((await call('wallet/paycode', {}, as(s))).code).toBe(0);
    clock.advance(SESSION_IDLE_MS);
    expect((await call('wallet/paycode', {}, as(s))).code).toBe(9120);
    expect(await sessionCount()).toBe(0);
  });

  it('ends 12 hours after sign-in however busy', async () => {
    const s = sessionOf(await call('wallet/sign-in-link', { token: await linkFor(await walletWithPin()) }));
    const step = 20 * 60_000;
    for (let t = step; t < SESSION_MAX_MS; t += step) {
      clock.advance(step);
      expect([t, (await call('wallet/session', {}, as(s, null))).data!.signedIn]).toEqual([t, true]);
    }
    clock.advance(step);
    expect((await call('wallet/paycode', {}, as(s))).code).toBe(9120);
    expect(await sessionCount()).toBe(0);
  });

  it('tells its page what it has left (X-Session-Ends), by the rule it ends by: use within the minute is not a new last use', async () => {
    const m = await createMerchant(p);
    const c = await cashierOf(m);
    const signIn = await call('cashier/sign-in', { mchId: m.mchId, name: c.name, password: c.password });
    const s = sessionOf(signIn);
    const ends = (idleLeft: number, left: number) => `idle-left=${idleLeft}; left=${left}; idle-limit=${SESSION_IDLE_MS}`;
    expect(signIn.sessionEnds).toBe(ends(SESSION_IDLE_MS, SESSION_MAX_MS));
    clock.advance(10 * 60_000);
    // The session read is a use: the idle time starts again, the 12 hours do not.
    expect((await call('cashier/session', {}, as(s, null))).sessionEnds).toBe(ends(SESSION_IDLE_MS, SESSION_MAX_MS - 10 * 60_000));
    clock.advance(30_000);
    // Last use is written at most once a minute: the header says the stored one, which the server ends it by.
    expect((await call('cashier/recent-charges', {}, as(s))).sessionEnds).toBe(ends(SESSION_IDLE_MS - 30_000, SESSION_MAX_MS - 10.5 * 60_000));
    clock.advance(SESSION_IDLE_MS - 30_000 - 1);
    expect((await call('cashier/session', {}, as(s, null))).sessionEnds).toBe(ends(SESSION_IDLE_MS, SESSION_MAX_MS - 40 * 60_000 + 1));
    const out = await call('cashier/sign-out', {}, as(s));
    expect([out.code, out.sessionEnds]).toEqual([0, null]);
    const refused = await call('cashier/recent-charges', {}, as(s));
    expect([refused.code, refused.sessionEnds]).toEqual([9120, null]);
    expect((await call('cashier/session', {}, as(s, null))).sessionEnds).toBeNull();
  });

  it('a page that warned too late is refused all the same: the server ends the session at its idle end, whatever the page asks', async () => {
    const s = sessionOf(await call('wallet/sign-in-link', { token: await linkFor(await walletWithPin()) }));
    clock.advance(SESSION_IDLE_MS);
    // "Stay signed in" is the session read: past the end it finds no session, and opens none.
    expect((await call('wallet/session', {}, as(s, null))).data).toEqual({ signedIn: false });
    expect((await call('wallet/paycode', {}, as(s))).code).toBe(9120);
  });

  it('a new sign-in on the same page ends the session that browser had', async () => {
    const walletId = await walletWithPin();
    const first = sessionOf(await call('wallet/sign-in', { walletId, pin: '2468' }));
    const second = sessionOf(await call('wallet/sign-in', { walletId, pin: '2468' }, { Cookie: first.cookie }));
    expect((await call('wallet/paycode', {}, as(first))).code).toBe(9120);
    expect((await call('wallet/paycode', {}, as(second))).code).toBe(0);
    expect(await sessionCount()).toBe(1);
  });
});

describe('secrets', () => {
  it('no answer ever carries a session id, a link token, a PIN or a password', async () => {
    const walletId = await walletWithPin('2468');
    const token = await linkFor(walletId);
    const m = await createMerchant(p);
    const c = await cashierOf(m, 'lane-2', 'Secret-Till-Password');
    const s1 = sessionOf(await call('wallet/sign-in-link', { token }));
    await call('wallet/sign-in-link', { token });
    await call('wallet/sign-in', { walletId, pin: '9753' });
    const s2 = sessionOf(await call('cashier/sign-in', { mchId: m.mchId, name: c.name, password: c.password }));
    await call('cashier/sign-in', { mchId: m.mchId, name: c.name, password: 'Wrong-Till-Password' });
    await call('wallet/paycode', {}, as(s1, 'wrong'));
    await call('cashier/sign-out', { extra: 1 }, as(s2));
    const all = answers.join('\n');
    for (const secret of [token, s1.cookie.split('=')[1]!, s2.cookie.split('=')[1]!, 'Secret-Till-Password', 'Wrong-Till-Password', m.key]) {
      expect(all).not.toContain(secret);
    }
    // A PIN's digits may occur in an id by chance: the messages are what must not carry it.
    expect(answers.map((t) => (JSON.parse(t) as { msg: string }).msg).join('\n')).not.toContain('9753');
  });
});
