import { afterEach, describe, expect, it } from 'vitest';
import { hashPin } from '../src/domain/credentials.js';
import { ROUTES } from '../src/http/routes.js';
import { createMerchant, createWalletWithCode, startTestPlatform, type TestPlatform } from './helpers.js';
import { as, pageCall, sessionOf, signInCashier, signInWallet, type Session } from './page-helpers.js';

/**
 * Every page API that changes anything refuses a request without the CSRF token (9121), on both
 * stores, whoever is signed in: the test walks every /api/page/ route with its page's live session
 * and no token. What answers without the token is exactly the list below, so a new route that
 * changes something cannot be added as a read by mistake without this test naming it.
 */
let p: TestPlatform | null = null;
afterEach(async () => {
  await p?.stop();
  p = null;
});

/** Routes that take no session (sign-ins, "who is signed in?", a device's own proof) or only read. */
const WITHOUT_TOKEN = [
  // No session: what a page calls before it has one, or a device with its proof instead.
  'admin/session', 'admin/sign-in', 'cashier/session', 'cashier/sign-in', 'merchant/session', 'merchant/sign-in',
  'wallet/offline-device-self-sign-out', 'wallet/session', 'wallet/sign-in', 'wallet/sign-in-link',
  // Reads.
  'admin/audit-log', 'admin/dashboard', 'admin/merchants/check-payout-account', 'admin/merchants/list', 'admin/merchants/payout-account', 'admin/merchants/users', 'admin/notifications/dead', 'admin/notifications/health', 'admin/operators',
  'admin/payouts/list', 'admin/wallets/detail', 'admin/wallets/history', 'admin/wallets/search',
  'cashier/charge-status', 'cashier/receipt', 'cashier/recent-charges',
  'merchant/activity', 'merchant/api-key/show', 'merchant/balance/payout-account', 'merchant/balance/payouts', 'merchant/balance/show', 'merchant/notifications/dead',
  'merchant/notifications/show', 'merchant/notifications/test-attempts', 'merchant/orders/detail', 'merchant/orders/search',
  'merchant/statements/day', 'merchant/users/list',
  'wallet/balance', 'wallet/code-result', 'wallet/history', 'wallet/offline-devices', 'wallet/order', 'wallet/pending',
].sort();

describe('CSRF on the page APIs', () => {
  it('every route that changes anything answers 9121 without the token, with its own live session', async () => {
    p = await startTestPlatform();
    const shop = await createMerchant(p);
    const { walletId } = await createWalletWithCode(p, 50_00);
    const password = 'console-pass-1';
    if (typeof (await p.store.createCashier(shop.mchId, 'boss', await hashPin(password), { role: 'owner' })) === 'string') throw new Error('taken');
    if (typeof (await p.store.createOperator('ops', await hashPin(password), null)) === 'string') throw new Error('taken');
    const sessions: Record<string, Session> = {
      admin: sessionOf(await pageCall(p, 'admin/sign-in', { name: 'ops', password })),
      merchant: sessionOf(await pageCall(p, 'merchant/sign-in', { mchId: shop.mchId, name: 'boss', password })),
      cashier: await signInCashier(p, shop.mchId),
      wallet: await signInWallet(p, walletId),
    };
    const routes = [...ROUTES.keys()].filter((r) => r.startsWith('/api/page/')).map((r) => r.slice('/api/page/'.length)).sort();
    const answered: string[] = [];
    for (const route of routes) {
      const session = sessions[route.split('/', 1)[0]!]!;
      const a = await pageCall(p, route, {}, as(session, null));
      if (a.code !== 9121) answered.push(route);
      else expect(a.status, route).toBe(403);
    }
    expect(answered).toEqual(WITHOUT_TOKEN);
    // The sessions lived through the walk: no sign-out went through without its token either.
    for (const [kind, session] of Object.entries(sessions)) {
      expect((await pageCall(p, `${kind}/session`, {}, as(session))).data, kind).toMatchObject({ signedIn: true });
    }
  });
});
