import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchChromium, screenshotPath, watchForProblems } from './browser.js';
import { openTill } from './cashier-page.js';
import { createWallet, useServedPlatform } from './platform.js';
import { openCodeScreen, revealDigits } from './wallet-page.js';

/** A scanner types the digits and Enter into the focused field. */
async function scan(page: Page, digits: string): Promise<void> {
  await page.keyboard.type(digits, { delay: 5 });
  await page.keyboard.press('Enter');
}

async function walletApi(url: string, path: string, token: string, body: Record<string, string> = {}) {
  const res = await fetch(`${url}/api/wallet/${path}`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', Authorization: `Bearer ${token}` },
    body: JSON.stringify(body),
  });
  return (await res.json()) as { code: number; data: { orders?: { wavpayOrderId: string }[] } | null };
}

// The whole loop at the counter, in two browser contexts on one real `micropay serve`.
describe('the cashier page charges a code', () => {
  const platform = useServedPlatform();
  let browser: Browser;
  beforeAll(async () => {
    browser = await launchChromium();
  });
  afterAll(async () => {
    await browser?.close();
  });

  it('the amount, then a scan of the wallet page\'s code: PAID once, however often Enter is pressed', async () => {
    const wallet = await createWallet(platform.cliJ);
    const { page: walletPage } = await openCodeScreen(browser, await platform.walletLink(wallet.walletId));
    const digits = await revealDigits(walletPage);
    const till = await browser.newPage({ viewport: { width: 800, height: 900 } });
    const problems = watchForProblems(till);
    const cashier = await platform.cashier();
    await openTill(till, platform.server.url, cashier);
    await till.getByLabel('Amount').fill('1.00');
    await till.keyboard.press('Enter');
    expect(await till.evaluate(() => document.activeElement?.id)).toBe('code');
    await scan(till, digits);
    // A double submit while the charge runs is refused on the page; the server would charge it once anyway.
    await till.keyboard.press('Enter');
    await expect.poll(() => till.locator('#charge-outcome').textContent(), { timeout: 15_000 }).toBe('PAID 1.00');
    // The refusal of the double submit is not left on screen beside the result.
    await expect.poll(() => till.locator('#code-status').textContent()).not.toContain('still running');
    await till.screenshot({ path: screenshotPath('cashier-paid') });
    expect((await platform.cliJ<{ balance: string }>(['wallet', 'show', wallet.walletId])).balance).toBe('49.00');
    const audit = await platform.cli(['audit']);
    expect(audit.code).toBe(0);
    expect(problems).toEqual([]);
  });

  it('a code above the confirmation limit shows "waiting for the customer", then PAID once confirmed', async () => {
    const wallet = await createWallet(platform.cliJ, '50.00', ['--pin', '2468', '--confirm-limit', '0.50']);
    const { page: walletPage } = await openCodeScreen(browser, await platform.walletLink(wallet.walletId));
    const digits = await revealDigits(walletPage);
    const till = await browser.newPage({ viewport: { width: 800, height: 900 } });
    const problems = watchForProblems(till);
    await openTill(till, platform.server.url, await platform.cashier());
    await scan(till, digits);
    // A code taken first is charged when the amount is entered.
    await till.getByLabel('Amount').fill('2.00');
    await till.getByLabel('Amount').press('Enter');
    await expect.poll(() => till.locator('#charge-outcome').textContent(), { timeout: 5_000 }).toBe('Waiting for the customer to confirm…');
    await till.screenshot({ path: screenshotPath('cashier-waiting') });
    const pending = await walletApi(platform.server.url, 'pending', wallet.token);
    const orderId = pending.data!.orders![0]!.wavpayOrderId;
    expect((await walletApi(platform.server.url, 'confirm', wallet.token, { wavpayOrderId: orderId, pin: '2468' })).code).toBe(0);
    await expect.poll(() => till.locator('#charge-outcome').textContent(), { timeout: 15_000 }).toBe('PAID 2.00');
    expect(await till.locator('#charge-detail').textContent()).toContain(orderId);
    expect(problems).toEqual([]);
  });

  it('a wallet that cannot cover the amount ends FAILED, with the reason in words', async () => {
    const wallet = await createWallet(platform.cliJ, '0.50');
    const { page: walletPage } = await openCodeScreen(browser, await platform.walletLink(wallet.walletId));
    const digits = await revealDigits(walletPage);
    const till = await browser.newPage({ viewport: { width: 800, height: 900 } });
    const problems = watchForProblems(till);
    await openTill(till, platform.server.url, await platform.cashier());
    await till.getByLabel('Amount').fill('1.00');
    await till.getByLabel('Amount').press('Enter');
    await scan(till, digits);
    await expect.poll(() => till.locator('#charge-outcome').textContent(), { timeout: 15_000 }).toBe('FAILED');
    expect(await till.locator('#charge-detail').textContent()).toMatch(/^The wallet balance is too low/);
    await till.screenshot({ path: screenshotPath('cashier-failed') });
    expect(problems).toEqual([]);
  });
});
