import { MicroPayClient } from '@micropay/client';
import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { signInToMerchantConsole } from './console-page.js';
import { Receiver } from '../../server/test/notify-receiver.js';
import { docsScreenshot, useChromium, watchForProblems } from './browser.js';
import { createWallet, PEOPLE_TIME, platformHour, useServedPlatform } from './platform.js';

// The merchant console's API key, Notifications, Balance & payouts and Activity sections in real
// Chromium against `micropay serve`; their access rules are proven on both stores over HTTP in
// packages/server/test/merchant-account-console.test.ts.
describe("the merchant console's account sections", () => {
  const platform = useServedPlatform();
  const chromium = useChromium();

  async function payWith(mchId: string, apiKey: string, order: string): Promise<string> {
    const wallet = await createWallet(platform.cliJ, '20.00');
    const { payCode } = await platform.cliJ<{ payCode: string }>(['paycode', wallet.walletId]);
    const client = new MicroPayClient({ baseUrl: platform.server.url, mchId, apiKey });
    return (await client.micropay({ mchOrderId: order, amount: '5.00', payCode, goodsInfo: 'key test' })).tradeStatus;
  }

  async function open(page: Page, section: string): Promise<void> {
    await page.getByRole('navigation', { name: 'Sections' }).getByRole('link', { name: section }).click();
  }

  it('the owner rolls the key and both keys pay in the overlap; a test delivery arrives; a payout is requested; Activity shows it all', async () => {
    const merchant = await platform.cliJ<{ mchId: string; apiKey: string }>(['merchant', 'create', '--name', 'Corner Shop']);
    const owner = await platform.cliJ<{ password: string }>(['merchant-user', 'create', '--mch-id', merchant.mchId, '--name', 'boss', '--role', 'owner']);
    expect(await payWith(merchant.mchId, merchant.apiKey, 'before-roll')).toBe('PAID');
    const receiver = await new Receiver().start();
    const page = await chromium.browser.newPage({ viewport: { width: 1100, height: 820 } });
    const problems = watchForProblems(page);
    try {
      await signInToMerchantConsole(page, `${platform.server.url}/merchant`, { mchId: merchant.mchId, name: 'boss', password: owner.password });

      // API key: roll with the default overlap, confirm, the new key shown once.
      await open(page, 'API key');
      await expect.poll(() => page.locator('.facts dd').first().textContent()).toBe(merchant.mchId);
      await page.getByRole('button', { name: 'Roll key' }).click();
      await page.getByRole('button', { name: 'Confirm roll' }).click();
      const newKey = (await page.locator('#new-api-key').textContent())!;
      expect(newKey).not.toBe(merchant.apiKey);
      expect(await page.locator('.facts dd').nth(2).textContent()).not.toBe('No overlap open');
      await docsScreenshot(page, 'merchant-api-key');
      expect(await payWith(merchant.mchId, newKey, 'new-key')).toBe('PAID');
      expect(await payWith(merchant.mchId, merchant.apiKey, 'old-key')).toBe('PAID');

      // Notifications: the receiver's URL, a test delivery seen delivered. The saved URL's answer
      // is held back, as on a slow network: what the owner typed meanwhile must stay.
      const showRoute = '**/api/page/merchant/notifications/show';
      await page.route(showRoute, async (route) => {
        await new Promise((resolve) => setTimeout(resolve, 1_500));
        await route.continue();
      });
      await open(page, 'Notifications');
      await page.getByLabel('Notify URL').fill(receiver.url);
      await page.waitForResponse(showRoute);
      await page.unroute(showRoute);
      expect(await page.getByLabel('Notify URL').inputValue()).toBe(receiver.url);
      await page.getByRole('button', { name: 'Save URL' }).click();
      await page.getByText(`Notifications go to ${receiver.url}.`).waitFor();
      await page.getByRole('button', { name: 'Send test delivery' }).click();
      await expect.poll(() => page.locator('table').first().locator('tbody td').nth(2).textContent(), { timeout: 20_000 }).toBe('delivered');
      expect(receiver.receipts.length).toBeGreaterThan(0);
      await docsScreenshot(page, 'merchant-notifications');

      // Balance: 15.00 in (three payments of 5.00); a payout of 6.00 leaves 9.00.
      await open(page, 'Balance & payouts');
      await expect.poll(() => page.locator('.facts dd').first().textContent()).toBe('15.00');
      await page.getByLabel('Amount').fill('6.00');
      await page.getByRole('button', { name: 'Request payout' }).dblclick();
      await expect.poll(() => page.locator('table tbody tr').count()).toBe(1);
      expect(await page.locator('table tbody tr td').nth(2).textContent()).toBe('REQUESTED');
      await expect.poll(() => page.locator('.facts dd').allTextContents()).toEqual(['9.00', '6.00']);
      await docsScreenshot(page, 'merchant-balance');

      await open(page, 'Activity');
      // Newest first: the owner's four actions and its sign-in, then the CLI's creation of the merchant and its owner.
      await expect.poll(() => page.locator('table tbody tr td:nth-child(3)').allTextContents())
        .toEqual(['payout.request', 'notification.test', 'merchant.update', 'merchant.rollKey', 'session.signIn', 'user.create', 'merchant.create']);
      // In the platform's zone, as Orders and Statements are, not the browser's (UTC here).
      const when = (await page.locator('table tbody tr td:nth-child(1)').first().textContent())!;
      expect(when).toMatch(PEOPLE_TIME);
      expect([platformHour(), platformHour(Date.now() - 120_000)]).toContain(when.split(', ')[1]!.slice(0, 2));
      await docsScreenshot(page, 'merchant-activity');
      expect(problems).toEqual([]);
    } finally {
      await receiver.stop();
    }
  }, 120_000);
});
