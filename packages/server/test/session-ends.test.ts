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
  });
});
