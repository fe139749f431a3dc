import { describe, expect, it } from 'vitest';
import { docsScreenshot, useChromium } from './browser.js';
import { createWallet, useServedPlatform } from './platform.js';
import { openCodeScreen, revealDigits } from './wallet-page.js';

// The page's offline code is computed in the browser (WebCrypto); the store side of offline codes
// is proven on both stores by the server's tests (offline-codes.test.ts).
describe('the wallet page with its network cut (docs/offline-codes.md)', () => {
  const platform = useServedPlatform();
  const chromium = useChromium();

  it('shows an offline code made in the browser, which pays once at the till; signing out revokes the browser\'s device', async () => {
    const wallet = await createWallet(platform.cliJ);
    const { page, problems } = await openCodeScreen(chromium.browser, await platform.walletLink(wallet.walletId));
    // Signed in, the page enrols this browser as a device of the wallet.
    await expect.poll(() => page.evaluate((id) => localStorage.getItem(`micropay.offline.${id}`) !== null, wallet.walletId)).toBe(true);
    const online = await revealDigits(page);
    expect(online).toMatch(/^39/);

    await page.context().setOffline(true);
    await page.getByRole('button', { name: 'New code' }).click();
    await expect.poll(() => page.locator('#code-status').textContent()).toBe('No network: this offline code was made on your phone. It pays once.');
    const offline = await revealDigits(page);
    expect(offline).toMatch(/^38[0-9]{16}$/);
    await docsScreenshot(page.locator('#code-screen'), 'wallet-offline-code');

    // The cashier's till is online: the code pays, once.
    const paid = await platform.pay(offline, 'offline-page-1');
    expect(paid.stdout).toContain('PAID, amount 1.00');
    const again = await platform.pay(offline, 'offline-page-2');
    expect(again.stdout + again.stderr).toContain('1036');

    // Back online, signing out revokes this browser's device and forgets its secret.
    await page.context().setOffline(false);
    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.locator('#sign-in').waitFor();
    const devices = await platform.cliJ<{ devices: { status: string }[] }>(['wallet', 'devices', 'list', wallet.walletId]);
    expect(devices.devices.map((d) => d.status)).toEqual(['revoked']);
    expect(await page.evaluate((id) => localStorage.getItem(`micropay.offline.${id}`), wallet.walletId)).toBeNull();
    // The failed fetches of the offline minute are the test's doing, not the page's.
    expect(problems.filter((p) => !/ERR_INTERNET_DISCONNECTED|Failed to fetch|net::/.test(p))).toEqual([]);
  });
});
