import { describe, expect, it } from 'vitest';
import { docsScreenshot, PHONE, screenshotPath, useChromium, watchForProblems } from './browser.js';
import { createWallet, useServedPlatform } from './platform.js';
import { openCodeScreen, revealDigits } from './wallet-page.js';

// Browser tests need no second run on PostgreSQL: the page reads a code through its page API,
// whose store behaviour the API tests prove on both stores.
describe('the wallet page shows a real payment code', () => {
  const platform = useServedPlatform();
  const chromium = useChromium();

  it('shows the issued code as a QR code, a Code 128 barcode and masked digits, on a 360 px phone', async () => {
    const wallet = await createWallet(platform.cliJ);
    const { page, problems } = await openCodeScreen(chromium.browser, await platform.walletLink(wallet.walletId));
    const digits = page.locator('#digits');
    expect(await digits.getAttribute('aria-pressed')).toBe('false');
    // Its name begins with what is written on it, so voice control finds it by those words.
    const hint = (await digits.getAttribute('data-hint'))!;
    expect(hint).toBe('Tap to show the digits');
    expect(await digits.getAttribute('aria-label')).toMatch(new RegExp(`^${hint}`));
    expect(await digits.locator('span').allTextContents()).toEqual(['••••', '••••', '••••', '••••', '••']);
    await docsScreenshot(page, 'wallet-code-masked', { fullPage: true });
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
    const { page, problems } = await openCodeScreen(chromium.browser, await platform.walletLink(wallet.walletId));
    const first = await revealDigits(page);
    // The status line (read out by screen readers) tells a first code from a replacement.
    expect(await page.locator('#code-status').textContent()).toBe('Your payment code is shown.');
    await page.getByRole('button', { name: 'New code' }).click();
    await expect.poll(() => page.locator('#code-status').textContent()).toBe('A new code is shown.');
    // The keyboard stays on the button pressed: it is never disabled under the finger.
    expect(await page.evaluate(() => document.activeElement?.id)).toBe('renew');
    expect(await revealDigits(page)).not.toBe(first);
    const pay = await platform.pay(first, 'page-2');
    expect(pay.stdout + pay.stderr).toContain('1036');

    // A code issued elsewhere (the app, another tab) retires the one on screen: the page takes it
    // away and says so, rather than show a code that no longer pays as valid.
    await platform.cli(['paycode', wallet.walletId]);
    await expect.poll(() => page.locator('#code-status').textContent())
      .toBe('This code was replaced by one shown elsewhere (another tab, phone or the app). Press New code to show one here.');
    expect(await page.locator('#qr svg').count()).toBe(0);
    expect(await page.locator('#countdown').textContent()).toBe('');
    await page.getByRole('button', { name: 'New code' }).click();
    await page.locator('#qr svg').waitFor();
    expect(problems).toEqual([]);
  });

  it('a frozen wallet gets no code: the code screen says so in plain words', async () => {
    const wallet = await createWallet(platform.cliJ);
    await platform.cliJ(['wallet', 'freeze', wallet.walletId]);
    const page = await chromium.browser.newPage(PHONE);
    const problems = watchForProblems(page);
    await page.goto(await platform.walletLink(wallet.walletId));
    await expect.poll(() => page.locator('#code-status').textContent()).toBe('This wallet is frozen: it cannot pay. Ask the operator to unfreeze it.');
    expect(await page.locator('#qr svg').count()).toBe(0);
    expect(problems).toEqual([]);
  });
});

describe('the wallet page renews its code', () => {
  // Codes live 8 s on this platform; the page renews 4 s before the end.
  const platform = useServedPlatform({ MICROPAY_PAYCODE_TTL_S: '8' });
  const chromium = useChromium();

  it('asks for a fresh code by itself before the shown one expires', async () => {
    const wallet = await createWallet(platform.cliJ);
    const { page, problems } = await openCodeScreen(chromium.browser, await platform.walletLink(wallet.walletId));
    const first = await revealDigits(page);
    // Untouched: no click, no reload.
    await expect.poll(() => revealDigits(page), { timeout: 8_000, interval: 250 }).not.toBe(first);
    const pay = await platform.pay(first, 'page-3');
    expect(pay.stdout + pay.stderr).toContain('1036');
    expect(problems).toEqual([]);
  });
});
