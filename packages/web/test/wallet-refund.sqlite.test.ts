import { describe, expect, it } from 'vitest';
import { docsScreenshot, PHONE, useChromium } from './browser.js';
import { chargeByScanner, refundNewest, tillFor } from './cashier-page.js';
import { useServedPlatform } from './platform.js';
import { walletShowingCode } from './wallet-page.js';

// Issue 13's browser test 4: a refund made on the cashier page reaches the wallet page, each page
// in its own browser context on one real `micropay serve`.
describe("a refund at the till shows in the wallet page's history", () => {
  const platform = useServedPlatform();
  const chromium = useChromium();

  it('the till charges the phone\'s code, refunds part of it, and the wallet page lists the refund with the right balance, still signed in after a reload', { timeout: 90_000 }, async () => {
    const { wallet, page: phone, problems: phoneProblems, digits } = await walletShowingCode(platform, chromium.browser);
    const { page: till, problems: tillProblems, cashier } = await tillFor(platform, chromium.browser);

    await chargeByScanner(till, '2.50', 'Nasi lemak', digits);
    // The wallet page turns PAID by itself, and its history takes in the payment.
    await phone.locator('#result-screen').waitFor({ state: 'visible', timeout: 5_000 });
    expect(await phone.locator('#result-heading').textContent()).toBe('Paid');
    const rows = phone.getByRole('list', { name: 'Payments and refunds' }).getByRole('listitem');
    await expect.poll(() => rows.first().innerText()).toMatch(new RegExp(`^${cashier.merchantName}\\s+-2\\.50\\s+Payment · Paid · `));
    expect(await phone.locator('#available').textContent()).toBe('47.50');

    await refundNewest(till, '1.00', 'Refunded 1.00. 1.50 is left to refund.');
    await till.getByRole('button', { name: 'Done' }).click();

    // The holder taps Refresh: the refund is the newest row, from the merchant, and the balance has it.
    await phone.getByRole('button', { name: 'Refresh' }).click();
    const refundRow = new RegExp(`^${cashier.merchantName}\\s+\\+1\\.00\\s+Refund · Completed · \\d{1,2} [A-Z][a-z]{2} \\d{4}, \\d\\d:\\d\\d$`);
    await expect.poll(() => rows.first().innerText()).toMatch(refundRow);
    // A part refunded leaves the payment PAID: its row says how much came back.
    expect(await rows.nth(1).innerText()).toMatch(new RegExp(`^${cashier.merchantName}\\s+-2\\.50\\s+Payment · Partly refunded \\(1\\.00 back\\) · `));
    expect(await phone.locator('#available').textContent()).toBe('48.50');
    expect(await phone.locator('#held').textContent()).toBe('0.00');
    // The phone's screen from the wallet's heading: balances, then the history with the refund on top.
    await phone.locator('#account').evaluate((account) => account.scrollIntoView({ block: 'start' }));
    await docsScreenshot(phone, 'wallet-history-refund');
    expect(await phone.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(PHONE.viewport.width);

    // A reload comes back on the session: no sign-in form, the same history and balance.
    await phone.reload();
    await phone.locator('#code-screen').waitFor({ state: 'visible' });
    expect(await phone.locator('#sign-in').isHidden()).toBe(true);
    await expect.poll(() => rows.first().innerText()).toMatch(refundRow);
    expect(await rows.count()).toBe(3);
    expect(await rows.nth(2).innerText()).toMatch(/^Top-up\s+\+50\.00\s+Top-up · Completed · /);
    expect(await phone.locator('#available').textContent()).toBe('48.50');

    expect((await platform.cliJ<{ balance: string }>(['wallet', 'show', wallet.walletId])).balance).toBe('48.50');
    expect((await platform.cli(['audit'])).code).toBe(0);
    expect(phoneProblems).toEqual([]);
    expect(tillProblems).toEqual([]);
  });
});
