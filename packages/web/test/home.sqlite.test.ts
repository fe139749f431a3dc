import { describe, expect, it } from 'vitest';
import { docsScreenshot, PHONE, useChromium, watchForProblems } from './browser.js';
import { useServedPlatform } from './platform.js';

// The front page at `/` (docs/pages.md): links to the pages, the consoles and the API reference,
// reachable by keyboard, with the platform's icon and nothing that fails to load.
describe('the front page', () => {
  const platform = useServedPlatform();
  const chromium = useChromium();

  it('links to the wallet page, the till, both consoles and the API reference; Tab reaches them in order', async () => {
    const page = await chromium.browser.newPage(PHONE);
    const problems = watchForProblems(page);
    await page.goto(`${platform.server.url}/`);
    expect(await page.title()).toBe('MicroPay');
    const names = await page.locator('nav .name').allTextContents();
    expect(names).toEqual(['Wallet', 'Cashier page', 'Merchant console', 'Operator console', 'API reference']);
    await page.keyboard.press('Tab');
    expect(await page.evaluate(() => document.activeElement?.getAttribute('href'))).toBe('/wallet');
    await page.keyboard.press('Tab');
    expect(await page.evaluate(() => document.activeElement?.getAttribute('href'))).toBe('/cashier');
    // The icon every page names is there (a browser asks for it by itself).
    expect((await page.request.get(`${platform.server.url}/favicon.svg`)).headers()['content-type']).toBe('image/svg+xml');
    await docsScreenshot(page, 'home', { fullPage: true });

    await page.keyboard.press('Enter');
    await page.waitForURL(/\/cashier$/);
    await page.getByLabel('Merchant id').waitFor();
    expect(problems).toEqual([]);
  });

  it('tells a person at a mistyped address that there is no page there, and offers the real ones', async () => {
    const page = await chromium.browser.newPage(PHONE);
    const problems = watchForProblems(page);
    const answer = await page.goto(`${platform.server.url}/admin/`);
    expect(answer?.status()).toBe(404);
    expect(await page.title()).toBe('Page not found · MicroPay');
    expect(await page.getByRole('heading', { level: 1 }).textContent()).toBe('Page not found');
    expect(await page.locator('nav .name').allTextContents()).toEqual(['Wallet', 'Cashier page', 'Merchant console', 'Operator console', 'API reference']);
    await docsScreenshot(page, 'not-found', { fullPage: true });
    await page.getByRole('link', { name: /^Operator console/ }).click();
    await page.waitForURL(/\/admin$/);
    await page.getByLabel('Operator', { exact: true }).waitFor();
    // The 404 of the mistyped address is the one failed load (the browser's console says it too).
    expect(problems.filter((p) => p !== 'HTTP 404 for /admin/' && !p.includes('status of 404'))).toEqual([]);
  });
});
