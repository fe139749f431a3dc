import { describe, expect, it } from 'vitest';
import { hashPin } from '../src/domain/credentials.js';
import { createMerchant } from './helpers.js';
import { as, pageCall, sessionOf, type PageAnswer, type Session } from './page-helpers.js';
import { usePlatformWithCli } from './process-helpers.js';

/**
 * A merchant user's own new password (docs/consoles.md, "Your password"), on both stores over real
 * HTTP: the current password asked again and counted, the new one shown once, the user's other
 * sessions ended and this one kept, and the log.
 */
const t = usePlatformWithCli();
const call = (path: string, body: unknown = {}, s: Session | null = null) => pageCall(t.p, path, body, as(s));
const PASSWORD = 'user-password-1';

async function userOf(role: 'owner' | 'cashier'): Promise<{ mchId: string; name: string }> {
  const shop = await createMerchant(t.p, 'Corner Shop');
  const name = role === 'owner' ? 'boss' : 'lane-1';
  const created = await t.p.store.createCashier(shop.mchId, name, await hashPin(PASSWORD), { role });
  if (typeof created === 'string') throw new Error(created);
  return { mchId: shop.mchId, name };
}

const signIn = (page: 'cashier' | 'merchant', u: { mchId: string; name: string }, password = PASSWORD) =>
  call(`${page}/sign-in`, { mchId: u.mchId, name: u.name, password });

function expectRefused(a: PageAnswer, code: number, msg: string): void {
  expect([a.status, a.code, a.msg, a.data]).toEqual([200, code, msg, null]);
}

describe('your own password', () => {
  for (const role of ['owner', 'cashier'] as const) {
    it(`a${role === 'owner' ? 'n' : ''} ${role} gets a new one with the current one: the old one stops working, its other sessions end, this one stays`, async () => {
      const u = await userOf(role);
      const here = sessionOf(await signIn('merchant', u));
      const elsewhere = sessionOf(await signIn('merchant', u));
      const till = sessionOf(await signIn('cashier', u));

      const changed = await call('merchant/password/change', { password: PASSWORD }, here);
      expect(changed.code, changed.msg).toBe(0);
      expect(changed.data!.name).toBe(u.name);
      const password = changed.data!.password as string;
      expect(password).toMatch(/^[a-z2-9]{4}(-[a-z2-9]{4}){3}$/);

      expect((await call('merchant/orders/search', {}, here)).code).toBe(0);
      expect((await call('merchant/session', {}, elsewhere)).data).toMatchObject({ signedIn: false });
      expect((await call('cashier/recent-charges', {}, till)).code).toBe(9120);
      expectRefused(await signIn('cashier', u), 9020, 'sign-in failed');
      sessionOf(await signIn('cashier', u, password));
      const logged = (await t.p.store.listAuditLog({ limit: 3 })).map((e) => [e.action, e.actor.name, e.detail]);
      expect(logged[0]).toEqual(['user.changePassword', u.name, { name: u.name, role }]);
    });
  }

  it('a wrong current password changes nothing and counts: the fifth locks the user and ends this session too', async () => {
    const u = await userOf('cashier');
    const here = sessionOf(await signIn('merchant', u));
    for (let i = 0; i < 4; i++) {
      expectRefused(await call('merchant/password/change', { password: 'not-it' }, here), 9020,
        'sign-in failed: the password is not right: your password was not changed');
    }
    const locked = await call('merchant/password/change', { password: 'not-it' }, here);
    expectRefused(locked, 9021, 'sign-in locked: you are signed out; sign in again once the lock has ended');
    // The answer that ended the session clears its cookie, and tells no time left of it.
    expect(locked.setCookie).toMatch(/^micropay_merchant=; .*Max-Age=0/);
    expect(locked.sessionEnds).toBeNull();
    expect((await call('merchant/session', {}, here)).data).toMatchObject({ signedIn: false });
    expectRefused(await signIn('merchant', u), 9021, 'sign-in locked');
    const failed = await t.p.store.listAuditLog({ action: 'session.signInFailed', limit: 10 });
    expect(failed.map((e) => e.detail).reverse()).toEqual([
      ...Array.from({ length: 4 }, () => ({ outcome: 'wrong', at: 'ownPassword' })), { outcome: 'locked', at: 'ownPassword' }, { outcome: 'locked' }]);
    expect((await t.p.store.listAuditLog({ action: 'user.changePassword', limit: 5 })).length).toBe(0);
  });

  it('refuses a call without a session (9120) or its CSRF token (9121), and bad input (1021), changing nothing', async () => {
    const u = await userOf('owner');
    const here = sessionOf(await signIn('merchant', u));
    expect((await call('merchant/password/change', { password: PASSWORD })).code).toBe(9120);
    expect((await pageCall(t.p, 'merchant/password/change', { password: PASSWORD }, as(here, null))).code).toBe(9121);
    const bad: [unknown, string][] = [
      [{}, 'param error: password is required'],
      [{ password: true }, 'param error: password must be a string'],
      [{ password: 'x'.repeat(129) }, 'param error: password must be at most 128 characters'],
      [{ password: PASSWORD, name: 'lane-9' }, 'param error: unknown parameter "name": not part of this API'],
    ];
    for (const [body, msg] of bad) expectRefused(await call('merchant/password/change', body, here), 1021, msg);
    sessionOf(await signIn('merchant', u));
    expect((await t.p.store.listAuditLog({ action: 'user.changePassword', limit: 5 })).length).toBe(0);
  });
});
