import { copyFileSync, mkdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchChromium, screenshotPath, watchForProblems } from './browser.js';
import { openTill } from './cashier-page.js';
import { createWallet, useServedPlatform } from './platform.js';
import { openCodeScreen, revealDigits } from './wallet-page.js';

/** Screenshots docs/pages.md shows, copied from the test's own. */
const DOCS_IMAGES = fileURLToPath(new URL('../../../docs/images/', import.meta.url));

async function shot(page: Page, name: string, options: { fullPage?: boolean } = {}): Promise<void> {
  await page.screenshot({ path: screenshotPath(name), ...options });
  mkdirSync(DOCS_IMAGES, { recursive: true });
  copyFileSync(screenshotPath(name), `${DOCS_IMAGES}${name}.png`);
}

/** The hour now in the platform's zone (the server's default, Asia/Kuala_Lumpur), as the page shows hours. */
function platformHour(): string {
  return new Intl.DateTimeFormat('en-GB', { timeZone: 'Asia/Kuala_Lumpur', hour: '2-digit', hourCycle: 'h23' }).format(Date.now());
}

const PEOPLE_TIME = /^\d{1,2} [A-Z][a-z]{2} \d{4}, \d{2}:\d{2}:\d{2}$/;

async function refund(till: Page, amount: string | null, expected: string): Promise<void> {
  await till.locator('#recent-list li').first().getByRole('button', { name: /^Refund/ }).click();
  const dialog = till.locator('#refund-dialog');
  await dialog.waitFor();
  if (amount !== null) await dialog.getByLabel('How much to refund').fill(amount);
  // A double click sends one refund attempt: one mchRefundId, refunded once.
  await dialog.getByRole('button', { name: 'Refund', exact: true }).dblclick();
  await expect.poll(() => till.locator('#refund-status').textContent(), { timeout: 10_000 }).toBe(expected);
}

// After the charge: the till's own charges, refunds in part and in full, and the receipt.
describe('the cashier page after the charge', () => {
  const platform = useServedPlatform();
  let browser: Browser;
  beforeAll(async () => {
    browser = await launchChromium();
  });
  afterAll(async () => {
    await browser?.close();
  });

  it('lists the charge, refunds 0.40 then the rest, and prints a receipt of the charge alone', async () => {
    const wallet = await createWallet(platform.cliJ);
    const { page: walletPage } = await openCodeScreen(browser, await platform.walletLink(wallet.walletId));
    const digits = await revealDigits(walletPage);
    // The till's browser is in another zone than the platform: times must follow the platform's.
    const till = await browser.newPage({ viewport: { width: 800, height: 1000 }, timezoneId: 'America/New_York' });
    const problems = watchForProblems(till);
    const cashier = await platform.cashier();
    await openTill(till, platform.server.url, cashier);
    await expect.poll(() => till.locator('#recent-status').textContent()).toBe('No charges yet at this till.');
    await till.getByLabel('Amount').fill('1.00');
    await till.getByLabel('Goods').fill('Flat white');
    await till.keyboard.press('Enter');
    await till.keyboard.type(digits, { delay: 5 });
    await till.keyboard.press('Enter');
    await expect.poll(() => till.locator('#charge-outcome').textContent(), { timeout: 15_000 }).toBe('PAID 1.00');
    const detail = (await till.locator('#charge-detail').textContent())!;
    expect(detail).not.toMatch(/\+08:00|T\d{2}:/);
    expect(detail.split(' · ')[1]).toMatch(PEOPLE_TIME);
    expect(detail).toContain(`, ${platformHour()}:`);

    const row = till.locator('#recent-list li');
    await expect.poll(() => row.count()).toBe(1);
    expect(await row.locator('.charge-amount').textContent()).toBe('1.00');
    expect(await row.locator('.charge-status').textContent()).toBe('Paid');
    expect(await row.locator('.charge-facts').textContent()).toContain('Flat white');
    await shot(till, 'cashier-recent-charges', { fullPage: true });
    expect((await platform.cliJ<{ balance: string }>(['wallet', 'show', wallet.walletId])).balance).toBe('49.00');

    // Part of it: the dialog offers all that is left, the cashier types 0.40.
    await till.locator('#recent-list li').first().getByRole('button', { name: /^Refund/ }).click();
    expect(await till.getByLabel('How much to refund').inputValue()).toBe('1.00');
    await till.getByLabel('How much to refund').fill('0.40');
    await shot(till, 'cashier-refund-dialog');
    await till.getByRole('button', { name: 'Cancel' }).click();
    await refund(till, '0.40', 'Refunded 0.40. 0.60 is left to refund.');
    await till.screenshot({ path: screenshotPath('cashier-refund-done') });
    await till.getByRole('button', { name: 'Done' }).click();
    expect((await platform.cliJ<{ balance: string }>(['wallet', 'show', wallet.walletId])).balance).toBe('49.40');
    await expect.poll(() => row.locator('.charge-facts').textContent()).toContain('refunded 0.40');
    // More than is left is refused in the platform's words, and nothing moves.
    await till.locator('#recent-list li').first().getByRole('button', { name: /^Refund/ }).click();
    await till.getByLabel('How much to refund').fill('0.61');
    await till.getByRole('button', { name: 'Refund', exact: true }).click();
    await expect.poll(() => till.locator('#refund-status').textContent()).toBe('refund amount exceeds the refundable amount: the refundable amount is 0.60');
    await till.getByRole('button', { name: 'Cancel' }).click();

    // The rest, as offered; then that refund's receipt.
    await refund(till, null, 'Refunded 0.60. Nothing is left to refund.');
    expect((await platform.cliJ<{ balance: string }>(['wallet', 'show', wallet.walletId])).balance).toBe('50.00');
    await till.getByRole('button', { name: 'Refund receipt' }).click();
    const receipt = till.locator('#receipt');
    await expect.poll(() => receipt.locator('.receipt-amount').textContent()).toBe('0.60 refunded');
    expect(await till.locator('#receipt-title').textContent()).toBe('Refund receipt');
    await till.getByRole('button', { name: 'Close' }).click();
    await expect.poll(() => row.locator('.charge-status').textContent()).toBe('Refunded');
    expect(await row.getByRole('button', { name: /^Refund/ }).count()).toBe(0);

    // The charge's receipt: merchant, amount, status, time, order, the code's last four digits only.
    await row.getByRole('button', { name: /^Receipt/ }).click();
    await expect.poll(() => receipt.locator('.receipt-amount').textContent()).toBe('1.00');
    const facts = Object.fromEntries(await receipt.locator('dt').evaluateAll((dts) => dts.map((dt) => [dt.textContent, dt.nextElementSibling?.textContent])));
    expect(await receipt.locator('.receipt-merchant').textContent()).toBe('Corner Shop');
    expect(facts).toMatchObject({ Status: 'Refunded', Goods: 'Flat white', 'Payment code': `•••• ${digits.slice(-4)}`, Cashier: 'lane-1' });
    expect(facts.Time).toMatch(PEOPLE_TIME);
    expect(facts['Till order']).toBe(await row.getAttribute('data-mch-order-id'));
    expect(Object.entries(facts).filter(([k]) => k!.startsWith('Refund ')).map(([, v]) => v!.split(' · ').slice(0, 2).join(' · '))).toEqual(['0.40 · Refunded', '0.60 · Refunded']);
    expect(await receipt.textContent()).not.toContain(digits);
    await shot(till, 'cashier-receipt', { fullPage: true });

    // Printed, the receipt is all there is on the page.
    await till.emulateMedia({ media: 'print' });
    for (const id of ['#recent', '#sale', '#take-code', '#charge', '.till-header', 'h1', '#receipt .actions']) {
      expect(await till.locator(id).first().isVisible(), id).toBe(false);
    }
    expect(await receipt.isVisible()).toBe(true);
    await shot(till, 'cashier-receipt-print', { fullPage: true });
    await till.emulateMedia({ media: 'screen' });

    expect((await platform.cli(['audit'])).code).toBe(0);
    expect(problems).toEqual([]);
  }, 90_000);
});
