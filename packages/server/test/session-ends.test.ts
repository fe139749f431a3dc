import { describe, expect, it } from 'vitest';
import { hashPin } from '../src/domain/credentials.js';
import { createMerchant } from './helpers.js';
import { as, pageCall, sessionOf, type Session } from './page-helpers.js';
import { usePlatformWithCli } from './process-helpers.js';

/**
 * What ends a signed-in person's sessions (docs/consoles.md, docs/pages.md), on both stores: a
 * password reset of a merchant user, from the owner's console or the CLI, ends the user's till and
 * console sessions; the operator's reset ends the operator's.
 */
const t = usePlatformWithCli();
const call = (path: string, body: unknown = {}, s: Session | null = null) => pageCall(t.p, path, body, as(s));

/** The user signed in at the till and in the merchant console. */
async function userSignedIn(mchId: string, name: string, role: 'owner' | 'cashier'): Promise<{ till: Session; console: Session }> {
  const password = 'user-password-1';
  const created = await t.p.store.createCashier(mchId, name, await hashPin(password), { role });
  if (typeof created === 'string') throw new Error(created);
  return {
    till: sessionOf(await call('cashier/sign-in', { mchId, name, password })),
    console: sessionOf(await call('merchant/sign-in', { mchId, name, password })),
  };
}


describe('a password reset', () => {
  it("from the owner's console ends the user's till and console sessions (9120), not the owner's", async () => {
    const shop = await createMerchant(t.p, 'Corner Shop');
    const owner = await userSignedIn(shop.mchId, 'boss', 'owner');
    const lane = await userSignedIn(shop.mchId, 'lane-1', 'cashier');
    expect((await call('cashier/recent-charges', {}, lane.till)).code).toBe(0);
    expect((await call('merchant/users/reset-password', { name: 'lane-1' }, owner.console)).code).toBe(0);
    expect((await call('cashier/recent-charges', {}, lane.till)).code).toBe(9120);
    expect((await call('merchant/users/list', {}, lane.console)).code).toBe(9120);
    expect((await call('merchant/users/list', {}, owner.console)).code).toBe(0);
    expect((await call('cashier/recent-charges', {}, owner.till)).code).toBe(0);
  });

  it("from the CLI (cashier reset, merchant-user reset) ends that user's sessions", async () => {
    const shop = await createMerchant(t.p, 'Corner Shop');
    const owner = await userSignedIn(shop.mchId, 'boss', 'owner');
    const lane = await userSignedIn(shop.mchId, 'lane-1', 'cashier');
    await t.cliJ(['cashier', 'reset', '--mch-id', shop.mchId, '--name', 'lane-1']);
    expect((await call('cashier/recent-charges', {}, lane.till)).code).toBe(9120);
    expect((await call('merchant/session', {}, lane.console)).data).toMatchObject({ signedIn: false });
    expect((await call('merchant/users/list', {}, owner.console)).code).toBe(0);
    await t.cliJ(['merchant-user', 'reset', '--mch-id', shop.mchId, '--name', 'boss']);
    expect((await call('merchant/users/list', {}, owner.console)).code).toBe(9120);
    expect((await call('cashier/recent-charges', {}, owner.till)).code).toBe(9120);
  }, 60_000);
});

describe("an operator's sessions", () => {
  async function operatorSignedIn(name: string): Promise<Session> {
    const created = await t.p.store.createOperator(name, await hashPin('operator-pass-1'), null);
    if (typeof created === 'string') throw new Error(created);
    return sessionOf(await call('admin/sign-in', { name, password: 'operator-pass-1' }));
  }

  it('end with `admin reset` (any form) and with `admin sign-out`, each audited; not another operator\'s', async () => {
    const ops = await operatorSignedIn('ops');
    const other = await operatorSignedIn('other');
    for (const form of [[], ['--totp'], ['--no-totp']]) {
      const s = sessionOf(await call('admin/sign-in', { name: 'ops', password: 'operator-pass-1' }));
      expect((await call('admin/operators', {}, s)).code).toBe(0);
      await t.cliJ(['admin', 'reset', '--name', 'ops', ...form]);
      expect((await call('admin/operators', {}, s)).code, form.join(' ')).toBe(9120);
      await t.p.store.resetOperator('ops', await hashPin('operator-pass-1'), null);
    }
    expect((await call('admin/operators', {}, ops)).code).toBe(9120);
    const again = sessionOf(await call('admin/sign-in', { name: 'ops', password: 'operator-pass-1' }));
    expect((await t.cli(['admin', 'sign-out', '--name', 'ops'])).code).toBe(0);
    expect((await call('admin/operators', {}, again)).code).toBe(9120);
    expect((await call('admin/operators', {}, other)).code).toBe(0);
    expect((await t.cli(['admin', 'sign-out', '--name', 'nobody'])).code).not.toBe(0);
    const log = (await t.p.store.listAuditLog({ limit: 10 })).map((e) => [e.action, e.detail]);
    expect(log).toContainEqual(['operator.signOut', { name: 'ops' }]);
    expect(log).toContainEqual(['operator.reset', { name: 'ops', secondFactor: 'on' }]);
    expect(log).toContainEqual(['operator.reset', { name: 'ops', secondFactor: 'off' }]);
    expect(log).toContainEqual(['operator.reset', { name: 'ops', secondFactor: 'unchanged' }]);
  }, 120_000);

  it('end when the operator locks (the 5th wrong try)', async () => {
    const s = await operatorSignedIn('ops');
    for (let i = 0; i < 4; i++) expect((await call('admin/sign-in', { name: 'ops', password: 'wrong-pass' })).code).toBe(9020);
    expect((await call('admin/operators', {}, s)).code).toBe(0);
    expect((await call('admin/sign-in', { name: 'ops', password: 'wrong-pass' })).code).toBe(9021);
    expect((await call('admin/operators', {}, s)).code).toBe(9120);
  });
});
