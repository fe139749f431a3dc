import { describe, expect, it } from 'vitest';
import { docsScreenshot, useChromium } from './browser.js';
import { chargeByScanner, scan, tillFor } from './cashier-page.js';
import { createWallet, useServedPlatform } from './platform.js';
import { copyOrder } from './seed.js';

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

  it('Older charges lands on the first older charge and says how many; a scan from there still reaches the code field', async () => {
    const wallet = await createWallet(platform.cliJ, '100.00');
    const { page, problems, cashier } = await tillFor(platform, chromium.browser);
    await chargeByScanner(page, '1.00', 'Tea', await issueCode(wallet.walletId));
    const charges = page.locator('#recent-list li');
    await expect.poll(() => charges.count()).toBe(1);
    const first = (await charges.first().getAttribute('data-mch-order-id'))!;
    // Eleven older charges of this till: two pages and a bit, the second of two.
    const copies = copyOrder(platform.dbPath, cashier.mchId, first, 11, { cashierName: cashier.name });
    await page.reload();
    await expect.poll(() => charges.count()).toBe(10);
    // By the keyboard, as the audit did: Tab to Older charges, Enter.
    const older = page.getByRole('button', { name: 'Older charges' });
    await older.focus();
    await page.keyboard.press('Enter');
    await expect.poll(() => page.locator('#recent-status').textContent()).toBe('2 older charges shown.');
    expect(await charges.count()).toBe(12);
    expect(await older.isHidden()).toBe(true);
    // The focus is on the first charge it brought, not on the page's start; Tab goes on to its Refund.
    expect(await page.evaluate(() => (document.activeElement as HTMLElement | null)?.dataset.mchOrderId)).toBe(copies[9]);
    await page.keyboard.press('Tab');
    expect(await page.evaluate(() => document.activeElement?.getAttribute('aria-label'))).toMatch(/^Refund 1\.00, order /);
    // The next customer's code scanned while the focus is in the list lands in the code field.
    const next = await issueCode(wallet.walletId);
    await scan(page, next);
    expect(await page.getByLabel('Payment code').inputValue()).toBe(next);
    expect(await page.locator('#code-status').textContent()).toBe(`Code taken: ${next.match(/.{1,4}/g)!.join(' ')}`);
    expect(await page.locator('#refund-dialog').isVisible()).toBe(false);
    expect(problems).toEqual([]);
  }, 60_000);
});
