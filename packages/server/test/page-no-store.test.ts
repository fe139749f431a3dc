import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { hashPin, hashWalletToken, newWalletToken } from '../src/domain/credentials.js';
import { createMerchant, startTestPlatform, type TestPlatform } from './helpers.js';

/**
 * Every answer of the page APIs (/api/page/...) says `Cache-Control: no-store` (and `nosniff`), on both stores:
 * signed in or not, right or refused, even at a path with no endpoint. A shared or browser cache
 * must never keep a person's balance, session or a password shown once.
 */
let p: TestPlatform;
beforeEach(async () => {
  p = await startTestPlatform();
});
afterEach(async () => {
  await p.stop();
});

async function cacheControl(path: string, body: unknown, headers: Record<string, string> = {}, method = 'POST'): Promise<[number, string | null]> {
  const res = await fetch(`${p.url}${path}`, {
    method, headers: { 'Content-Type': 'application/json', ...headers }, ...(method === 'POST' ? { body: JSON.stringify(body) } : {}),
  });
  await res.arrayBuffer();
  // Every page and wallet API answer is JSON and says so for good: never sniffed as a page.
  if (!path.startsWith('/api/micropay/')) expect(res.headers.get('x-content-type-options'), path).toBe('nosniff');
  return [res.status, res.headers.get('cache-control')];
}

describe('page API answers', () => {
  it('are no-store whatever they answer; the merchant API is not touched', async () => {
    const shop = await createMerchant(p, 'Corner Shop');
    await p.store.createCashier(shop.mchId, 'boss', await hashPin('user-password-1'), { role: 'owner' });
    const signIn = await fetch(`${p.url}/api/page/merchant/sign-in`, {
      method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ mchId: shop.mchId, name: 'boss', password: 'user-password-1' }),
    });
    expect([signIn.status, signIn.headers.get('cache-control')]).toEqual([200, 'no-store']);
    const cookie = signIn.headers.get('set-cookie')!.split(';')[0]!;
    expect(await cacheControl('/api/page/merchant/session', {}, { cookie })).toEqual([200, 'no-store']);
    const csrf = ((await signIn.json()) as { data: { csrfToken: string } }).data.csrfToken;
    expect(await cacheControl('/api/page/merchant/users/list', {}, { cookie, 'x-csrf-token': csrf })).toEqual([200, 'no-store']);
    expect(await cacheControl('/api/page/merchant/users/list', {}, { cookie })).toEqual([403, 'no-store']);
    expect(await cacheControl('/api/page/merchant/users/list', {})).toEqual([401, 'no-store']);
    expect(await cacheControl('/api/page/wallet/balance', {})).toEqual([401, 'no-store']);
    expect((await cacheControl('/api/page/merchant/sign-in', { mchId: shop.mchId }))[1]).toBe('no-store');
    expect((await cacheControl('/api/page/no-such-api', {}))[1]).toBe('no-store');
    expect((await cacheControl('/api/page/merchant/session', {}, {}, 'GET'))[1]).toBe('no-store');
    expect((await cacheControl('/api/micropay/micropay', {}))[1]).toBeNull();
  });

  it("the wallet API's too (a payment code, a device's secret shown once), and an unknown /api/ path", async () => {
    const token = newWalletToken();
    await p.store.createWallet({ name: 'Alice', openingSen: 5_00, tokenHash: hashWalletToken(token) });
    const bearer = { Authorization: `Bearer ${token}` };
    expect(await cacheControl('/api/wallet/paycode', {}, bearer)).toEqual([200, 'no-store']);
    expect(await cacheControl('/api/wallet/balance', {}, bearer)).toEqual([200, 'no-store']);
    expect(await cacheControl('/api/wallet/devices/enrol', { label: 'Phone' }, bearer)).toEqual([200, 'no-store']);
    expect(await cacheControl('/api/wallet/balance', {})).toEqual([401, 'no-store']);
    expect((await cacheControl('/api/no-such-api', {}))[1]).toBe('no-store');
  });
});
