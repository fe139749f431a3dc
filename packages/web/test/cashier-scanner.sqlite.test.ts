import { describe, expect, it } from 'vitest';
import { docsScreenshot, useChromium } from './browser.js';
import { scan, tillFor } from './cashier-page.js';
import { createWallet, useServedPlatform } from './platform.js';

// The commonest real setup at a till: a scanner typing into whatever has focus.
describe('the cashier page takes a code from a barcode scanner', () => {
  const platform = useServedPlatform();
  const chromium = useChromium();

  async function issueCode(walletId: string): Promise<string> {
    return (await platform.cliJ<{ payCode: string }>(['paycode', walletId])).payCode;
  }

  it('a scan of 18 digits and Enter lands in the code field with no click', async () => {
    const wallet = await createWallet(platform.cliJ);
    const code = await issueCode(wallet.walletId);
    const { page, problems } = await tillFor(platform, chromium.browser, {});
    await scan(page, code);
    expect(await page.getByLabel('Payment code').inputValue()).toBe(code);
    expect(await page.locator('#code-status').textContent()).toBe(`Code taken: ${code.match(/.{1,4}/g)!.join(' ')}`);
    expect(await page.getByLabel('Payment code').getAttribute('aria-invalid')).toBe('false');
    await docsScreenshot(page, 'cashier-after-scan');
    expect(problems).toEqual([]);
  });

  it('a short read is refused by name, and the next scan replaces it', async () => {
    const wallet = await createWallet(platform.cliJ);
    const code = await issueCode(wallet.walletId);
    const { page, problems } = await tillFor(platform, chromium.browser, {});
    await scan(page, code.slice(0, 17));
    expect(await page.locator('#code-status').textContent()).toBe('A payment code is 18 digits; this is 17 digits. Scan it again, or type all 18 digits.');
    expect(await page.getByLabel('Payment code').getAttribute('aria-invalid')).toBe('true');
    await scan(page, code);
    expect(await page.getByLabel('Payment code').inputValue()).toBe(code);
    expect(await page.locator('#code-status').textContent()).toMatch(/^Code taken: /);
    expect(problems).toEqual([]);
  });

  it('a tap on an empty part of the page gives the field its focus back, and typed groups are read as digits', async () => {
    const wallet = await createWallet(platform.cliJ);
    const code = await issueCode(wallet.walletId);
    const { page, problems } = await tillFor(platform, chromium.browser, {});
    await page.mouse.click(10, 650);
    expect(await page.evaluate(() => document.activeElement?.id)).toBe('code');
    // A cashier typing what the customer reads out, in the groups the wallet page shows.
    await scan(page, code.match(/.{1,4}/g)!.join(' '));
    expect(await page.getByLabel('Payment code').inputValue()).toBe(code);
    expect(problems).toEqual([]);
  });
});
