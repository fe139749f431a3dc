import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchChromium, PHONE, screenshotPath, watchForProblems } from './browser.js';
import { createWallet, useServedPlatform } from './platform.js';
import { openCodeScreen, revealDigits } from './wallet-page.js';

// Browser tests need no second run on PostgreSQL: the page reads a code through the wallet API,
// whose store behaviour the API tests prove on both stores.
describe('the wallet page shows a real payment code', () => {
  const platform = useServedPlatform();
  let browser: Browser;
  beforeAll(async () => {
    browser = await launchChromium();
  });
  afterAll(async () => {
    await browser?.close();
  });

  it('shows the issued code as a QR code, a Code 128 barcode and masked digits, on a 360 px phone', async () => {
    const wallet = await createWallet(platform.cliJ);
    const { page, problems } = await openCodeScreen(browser, platform.server.url, wallet.token);
    const digits = page.locator('#digits');
    expect(await digits.getAttribute('aria-pressed')).toBe('false');
    expect(await digits.locator('span').allTextContents()).toEqual(['••••', '••••', '••••', '••••', '••']);
    await page.screenshot({ path: screenshotPath('wallet-code-masked'), fullPage: true });
    // The symbols are labelled for screen readers, and the page fits the phone's width.
    await expect(page.getByRole('img', { name: 'QR code of your payment code' }).count()).resolves.toBe(1);
    await expect(page.getByRole('img', { name: 'Barcode of your payment code' }).count()).resolves.toBe(1);
    expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(PHONE.viewport.width);

    // Keyboard only: Tab to the digits and Enter shows them, grouped 4-4-4-4-2.
    await digits.focus();
    await page.keyboard.press('Enter');
    expect(await digits.getAttribute('aria-pressed')).toBe('true');
    const groups = await digits.locator('span').allTextContents();
    expect(groups.map((g) => g.length)).toEqual([4, 4, 4, 4, 2]);
    await page.screenshot({ path: screenshotPath('wallet-code-shown'), fullPage: true });

    // The digits are the wallet's live code: a merchant's payment with them is PAID.
    const code = groups.join('');
    const pay = await platform.pay(code, 'page-1');
    expect(pay.stdout).toContain('PAID, amount 1.00');
    const shown = await platform.cliJ<{ balance: string }>(['wallet', 'show', wallet.walletId]);
    expect(shown.balance).toBe('49.00');
    expect(problems).toEqual([]);
  });

  it('"New code" retires the code on screen: the old one no longer pays', async () => {
    const wallet = await createWallet(platform.cliJ);
    const { page, problems } = await openCodeScreen(browser, platform.server.url, wallet.token);
    const first = await revealDigits(page);
    await page.getByRole('button', { name: 'New code' }).click();
    await expect.poll(() => revealDigits(page)).not.toBe(first);
    const pay = await platform.pay(first, 'page-2');
    expect(pay.stdout + pay.stderr).toContain('1036');
    expect(problems).toEqual([]);
  });

  it('a frozen wallet gets no code: the form says so in plain words', async () => {
    const wallet = await createWallet(platform.cliJ);
    await platform.cliJ(['wallet', 'freeze', wallet.walletId]);
    const page = await browser.newPage(PHONE);
    const problems = watchForProblems(page);
    await page.goto(`${platform.server.url}/wallet`);
    await page.getByLabel('Wallet app token').fill(wallet.token);
    await page.keyboard.press('Enter');
    await expect.poll(() => page.getByRole('alert').textContent()).toBe('This wallet is frozen: it cannot pay.');
    expect(await page.locator('#code-screen').isHidden()).toBe(true);
    expect(problems).toEqual([]);
  });

  it('a token that opens no wallet is refused on the sign-in form, and no code is shown', async () => {
    const page = await browser.newPage(PHONE);
    const problems = watchForProblems(page);
    await page.goto(`${platform.server.url}/wallet`);
    // No click first: the form is usable from the keyboard alone.
    await page.getByLabel('Wallet app token').fill('wt_nobodyhasthistoken000000000000');
    await page.keyboard.press('Enter');
    await expect.poll(() => page.getByRole('alert').textContent()).toBe('This token does not open a wallet.');
    expect(await page.locator('#code-screen').isHidden()).toBe(true);
    expect(await page.locator('#qr svg').count()).toBe(0);
    // The API's 401 is the expected answer here, not a fault of the page.
    expect(problems.filter((p) => !p.includes('401'))).toEqual([]);
  });
});
