import { afterEach, describe, expect, it } from 'vitest';
import { hashPin } from '../src/domain/credentials.js';
import { ROUTES } from '../src/http/routes.js';
import { createMerchant, createWalletWithCode, startTestPlatform, type TestPlatform } from './helpers.js';
import { as, pageCall, sessionOf, signInCashier, signInWallet, type Session } from './page-helpers.js';

/**
 * Every page API on a session, reads as well as changes, refuses a request without the session's
 * CSRF token, or with another session's (9121), on both stores, whoever is signed in: the tests walk
 * every /api/page/ route. A read needs it too because the cookie is the browser's, shared by its tabs:
 * after a sign-in in another tab it holds that session, and a tab still showing the first user must
 * be refused rather than answered the second's data. What answers without a token is exactly the
 * list below, so a new route cannot be added without this test naming it.
 */
let p: TestPlatform | null = null;
afterEach(async () => {
  await p?.stop();
  p = null;
});

/** Routes that take no session: what a page calls before it has one, or a device with its proof instead. */
const WITHOUT_SESSION = [
  'admin/session', 'admin/sign-in', 'cashier/session', 'cashier/sign-in', 'merchant/session', 'merchant/sign-in',
  'wallet/offline-device-self-sign-out', 'wallet/session', 'wallet/sign-in', 'wallet/sign-in-link',
].sort();

const PASSWORD = 'console-pass-1';

/** Two sessions of each page, of two people: what two tabs of one browser hold in turn. */
async function twoOfEach(platform: TestPlatform): Promise<Record<string, readonly [Session, Session]>> {
  const shop = await createMerchant(platform);
  const [first, second] = [await createWalletWithCode(platform, 50_00), await createWalletWithCode(platform, 20_00)];
  for (const name of ['boss', 'deputy']) {
    if (typeof (await platform.store.createCashier(shop.mchId, name, await hashPin(PASSWORD), { role: 'owner' })) === 'string') throw new Error('taken');
  }
  for (const name of ['ops', 'ops-2']) {
    if (typeof (await platform.store.createOperator(name, await hashPin(PASSWORD), null)) === 'string') throw new Error('taken');
  }
  const operator = async (name: string) => sessionOf(await pageCall(platform, 'admin/sign-in', { name, password: PASSWORD }));
  const merchantUser = async (name: string) => sessionOf(await pageCall(platform, 'merchant/sign-in', { mchId: shop.mchId, name, password: PASSWORD }));
  return {
    admin: [await operator('ops'), await operator('ops-2')],
    merchant: [await merchantUser('boss'), await merchantUser('deputy')],
    cashier: [await signInCashier(platform, shop.mchId, 'lane-1'), await signInCashier(platform, shop.mchId, 'lane-2')],
    wallet: [await signInWallet(platform, first.walletId), await signInWallet(platform, second.walletId)],
  };
}

function pageRoutes(): string[] {
  return [...ROUTES.keys()].filter((r) => r.startsWith('/api/page/')).map((r) => r.slice('/api/page/'.length)).sort();
}

describe('CSRF on the page APIs', () => {
  it('every route on a session, read or change, answers 9121 without the token, with its own live session, and reads nothing', async () => {
    p = await startTestPlatform();
    const sessions = await twoOfEach(p);
    const answered: string[] = [];
    for (const route of pageRoutes()) {
      const [session] = sessions[route.split('/', 1)[0]!]!;
      const a = await pageCall(p, route, {}, as(session, null));
      if (a.code !== 9121) answered.push(route);
      else expect({ route, status: a.status, data: a.data, sessionEnds: a.sessionEnds }).toEqual({ route, status: 403, data: null, sessionEnds: null });
    }
    expect(answered).toEqual(WITHOUT_SESSION);
    // The sessions lived through the walk: no sign-out went through without its token either.
    for (const [kind, [session]] of Object.entries(sessions)) {
      expect((await pageCall(p, `${kind}/session`, {}, as(session))).data, kind).toMatchObject({ signedIn: true });
    }
  });

  it("a tab whose session another tab's sign-in replaced is refused (9121) on every route, reads included, and is never answered the new session's data", async () => {
    p = await startTestPlatform();
    const sessions = await twoOfEach(p);
    const answered: string[] = [];
    for (const route of pageRoutes()) {
      // The browser's cookie is the second person's session; the tab still holds the first one's token.
      const [replaced, current] = sessions[route.split('/', 1)[0]!]!;
      const a = await pageCall(p, route, {}, { Cookie: current.cookie, 'X-CSRF-Token': replaced.csrf });
      if (a.code !== 9121) answered.push(route);
      else expect({ route, status: a.status, data: a.data, sessionEnds: a.sessionEnds }).toEqual({ route, status: 403, data: null, sessionEnds: null });
    }
    expect(answered).toEqual(WITHOUT_SESSION);
    // The tab that holds the cookie's own token reads as before.
    const [, boss2] = sessions.merchant!;
    expect((await pageCall(p, 'merchant/orders/search', {}, as(boss2))).code).toBe(0);
    const [, wallet2] = sessions.wallet!;
    expect((await pageCall(p, 'wallet/balance', {}, as(wallet2))).data).toMatchObject({ available: '20.00' });
  });
});
