import { afterEach, describe, expect, it } from 'vitest';
import { hashPin, hashWalletToken, newWalletToken } from '../src/domain/credentials.js';
import { newWalletAppToken, setWalletConfirmLimit, setWalletPin, unlockWalletPin } from '../src/services/operator-actions.js';
import { postRaw, startTestPlatform, type TestPlatform } from './helpers.js';
import { as, pageCall, signInLinkFor, signInWallet, type Session } from './page-helpers.js';

/**
 * A new PIN or app token is what an operator sets when the old one may be known to someone else
 * (docs/cli.md, "wallet set-pin"): whatever signed in with the old one ends with it, on both
 * stores. Someone who learned the PIN, signed in and enrolled a device for offline codes keeps
 * neither the page nor the device.
 */
let p: TestPlatform | null = null;
afterEach(async () => {
  await p?.stop();
  p = null;
});

interface Holder {
  readonly walletId: string;
  readonly bearer: Record<string, string>;
  readonly page: Session;
  readonly link: string;
}

/** A wallet with a signed-in page that enrolled a device, an app that enrolled one, and an unused sign-in link. */
async function holderWithEverything(t: TestPlatform): Promise<Holder> {
  const token = newWalletToken();
  const wallet = await t.store.createWallet({ name: 'Ines', openingSen: 50_00, tokenHash: hashWalletToken(token), pinHash: await hashPin('2468') });
  const bearer = { Authorization: `Bearer ${token}` };
  const page = await signInWallet(t, wallet.walletId);
  expect((await pageCall(t, 'wallet/offline-device', { label: 'Chrome on Linux' }, as(page))).code).toBe(0);
  expect((await postRaw(t.url, '/api/wallet/devices/enrol', { label: 'phone' }, bearer)).body.code).toBe(0);
  return { walletId: wallet.walletId, bearer, page, link: await signInLinkFor(t, wallet.walletId) };
}

async function expectAllEnded(t: TestPlatform, h: Holder): Promise<void> {
  expect((await pageCall(t, 'wallet/balance', {}, as(h.page))).code).toBe(9120);
  expect((await pageCall(t, 'wallet/paycode', {}, as(h.page))).code).toBe(9120);
  expect((await pageCall(t, 'wallet/sign-in-link', { token: h.link })).code).not.toBe(0);
  expect((await t.store.walletDevices(h.walletId)).map((d) => d.status)).toEqual(['revoked', 'revoked']);
}

describe('a new PIN or app token ends what the old one signed in', () => {
  it('a new PIN ends the page sessions, the unused sign-in links and every offline device, in its own change', async () => {
    p = await startTestPlatform();
    const h = await holderWithEverything(p);
    expect(await setWalletPin(p.store, h.walletId, '1357')).toMatchObject({ walletId: h.walletId });
    await expectAllEnded(p, h);
    // The app token was not changed: the app goes on, and enrols again.
    expect((await postRaw(p.url, '/api/wallet/devices/enrol', { label: 'phone' }, h.bearer)).body.code).toBe(0);
  });

  it('a new app token does the same, and the old token stops working', async () => {
    p = await startTestPlatform();
    const h = await holderWithEverything(p);
    const issued = await newWalletAppToken(p.store, h.walletId);
    expect(issued).not.toBeNull();
    await expectAllEnded(p, h);
    expect((await postRaw(p.url, '/api/wallet/devices/list', {}, h.bearer)).status).toBe(401);
    const fresh = { Authorization: `Bearer ${issued!.token}` };
    const listed = (await postRaw(p.url, '/api/wallet/devices/list', {}, fresh)).body.data as { devices: { status: string }[] };
    expect(listed.devices.map((d) => d.status)).toEqual(['revoked', 'revoked']);
  });

  it('a confirmation limit or an unlock ends nothing', async () => {
    p = await startTestPlatform();
    const h = await holderWithEverything(p);
    await setWalletConfirmLimit(p.store, h.walletId, '20.00');
    // Two wrong PINs first, so that the unlock has something to clear and writes.
    for (const pin of ['1111', '2222']) expect((await pageCall(p, 'wallet/sign-in', { walletId: h.walletId, pin })).code).toBe(9020);
    expect((await p.store.findWallet(h.walletId))!.pinFailures).toBe(2);
    await unlockWalletPin(p.store, h.walletId);
    expect((await p.store.findWallet(h.walletId))!.pinFailures).toBe(0);
    expect((await pageCall(p, 'wallet/balance', {}, as(h.page))).code).toBe(0);
    expect((await p.store.walletDevices(h.walletId)).map((d) => d.status)).toEqual(['active', 'active']);
    expect((await pageCall(p, 'wallet/sign-in-link', { token: h.link })).code).toBe(0);
  });
});
