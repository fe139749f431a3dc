import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { runCli } from '../../server/test/process-helpers.js';
import { docsScreenshot, screenshotPath, useChromium } from './browser.js';
import { chargeByScanner, openTill, refundNewest, TILL_SCREEN, tillFor } from './cashier-page.js';
import { PEOPLE_TIME, platformHour, useServedPlatform } from './platform.js';
import { walletShowingCode } from './wallet-page.js';

// After the charge: the till's own charges, refunds in part and in full, and the receipt.
describe('the cashier page after the charge', () => {
  const platform = useServedPlatform();
  const chromium = useChromium();

  it('lists the charge, refunds 0.40 then the rest, and prints a receipt of the charge alone', async () => {
    const { wallet, digits } = await walletShowingCode(platform, chromium.browser);
    // The till's browser is in another zone than the platform: times must follow the platform's.
    const { page: till, problems } = await tillFor(platform, chromium.browser, { viewport: { width: 800, height: 1000 }, timezoneId: 'America/New_York' });
    await expect.poll(() => till.locator('#recent-status').textContent()).toBe('No charges yet at this till.');
    await chargeByScanner(till, '1.00', 'Flat white', digits);
    const detail = (await till.locator('#charge-detail').textContent())!;
    expect(detail).not.toMatch(/\+08:00|T\d{2}:/);
    expect(detail.split(' · ')[1]).toMatch(PEOPLE_TIME);
    expect(detail).toContain(`, ${platformHour()}:`);

    const row = till.locator('#recent-list li');
    await expect.poll(() => row.count()).toBe(1);
    expect(await row.locator('.charge-amount').textContent()).toBe('1.00');
    expect(await row.locator('.charge-status').textContent()).toBe('Paid');
    expect(await row.locator('.charge-facts').textContent()).toContain('Flat white');
    await docsScreenshot(till, 'cashier-recent-charges', { fullPage: true });
    expect((await platform.cliJ<{ balance: string }>(['wallet', 'show', wallet.walletId])).balance).toBe('49.00');

    // Part of it: the dialog offers all that is left, the cashier types 0.40.
    await till.locator('#recent-list li').first().getByRole('button', { name: /^Refund/ }).click();
    expect(await till.getByLabel('How much to refund').inputValue()).toBe('1.00');
    await till.getByLabel('How much to refund').fill('0.40');
    await docsScreenshot(till, 'cashier-refund-dialog');
    await till.getByRole('button', { name: 'Cancel' }).click();
    // Closed, the dialog hands the focus to the code field: a scanner's next code lands there, not on an old Refund button.
    await expect.poll(() => till.evaluate(() => document.activeElement?.id)).toBe('code');
    await refundNewest(till, '0.40', 'Refunded 0.40. 0.60 is left to refund.');
    await till.screenshot({ path: screenshotPath('cashier-refund-done') });
    await till.getByRole('button', { name: 'Done' }).click();
    expect((await platform.cliJ<{ balance: string }>(['wallet', 'show', wallet.walletId])).balance).toBe('49.40');
    await expect.poll(() => row.locator('.charge-facts').textContent()).toContain('refunded 0.40');
    // More than is left is refused in the platform's words, and nothing moves.
    await till.locator('#recent-list li').first().getByRole('button', { name: /^Refund/ }).click();
    await till.getByLabel('How much to refund').fill('0.61');
    await till.getByRole('button', { name: 'Refund', exact: true }).click();
    await expect.poll(() => till.locator('#refund-status').textContent()).toBe('That is more than is left to refund on this charge (the refundable amount is 0.60). Enter a smaller amount.');
    // An amount that can never be a refund is said at once, by the wire's rules; nothing is sent.
    for (const [typed, said] of [['0', 'must be greater than 0'], ['0.001', 'must be a decimal with at most two places, e.g. "1.00"']]) {
      await till.getByLabel('How much to refund').fill(typed);
      await till.getByRole('button', { name: 'Refund', exact: true }).click();
      await expect.poll(() => till.locator('#refund-status').textContent()).toBe(`The refund amount ${said}.`);
    }
    await till.getByRole('button', { name: 'Cancel' }).click();

    // The rest, as offered; then that refund's receipt.
    await refundNewest(till, null, 'Refunded 0.60. Nothing is left to refund.');
    expect((await platform.cliJ<{ balance: string }>(['wallet', 'show', wallet.walletId])).balance).toBe('50.00');
    await till.getByRole('button', { name: 'Refund receipt' }).click();
    const receipt = till.locator('#receipt');
    await expect.poll(() => receipt.locator('.receipt-amount').textContent()).toBe('0.60 refunded');
    expect(await till.locator('#receipt-title').textContent()).toBe('Refund receipt');
    await till.getByRole('button', { name: 'Close' }).click();
    await expect.poll(() => till.evaluate(() => document.activeElement?.id)).toBe('code');
    await expect.poll(() => row.locator('.charge-status').textContent()).toBe('Refunded');
    expect(await row.getByRole('button', { name: /^Refund/ }).count()).toBe(0);

    // The charge's receipt: merchant, amount, status, time, order, the code's last four digits only.
    await row.getByRole('button', { name: /^Receipt/ }).click();
    await expect.poll(() => receipt.locator('.receipt-amount').textContent()).toBe('1.00');
    const facts = Object.fromEntries(await receipt.locator('dt').evaluateAll((dts) => dts.map((dt) => [dt.textContent, dt.nextElementSibling?.textContent])));
    expect(await receipt.locator('.receipt-merchant').textContent()).toBe('Corner Shop');
    expect(facts).toMatchObject({ Status: 'Refunded', Refunded: '1.00', 'Paid in the end': '0.00', Goods: 'Flat white', 'Payment code': `•••• ending ${digits.slice(-4)}`, Cashier: 'lane-1' });
    expect(facts.Time).toMatch(PEOPLE_TIME);
    expect(facts['Till order']).toBe(await row.getAttribute('data-mch-order-id'));
    expect(Object.entries(facts).filter(([k]) => k!.startsWith('Refund ')).map(([, v]) => v!.split(' · ').slice(0, 2).join(' · '))).toEqual(['0.40 · Refunded', '0.60 · Refunded']);
    expect(await receipt.textContent()).not.toContain(digits);
    await docsScreenshot(till, 'cashier-receipt', { fullPage: true });

    // Printed, the receipt is all there is on the page.
    await till.emulateMedia({ media: 'print' });
    for (const id of ['#recent', '#sale', '#take-code', '#charge', '.till-header', 'h1', '#receipt .actions']) {
      expect(await till.locator(id).first().isVisible(), id).toBe(false);
    }
    expect(await receipt.isVisible()).toBe(true);
    // The ids a customer reads out to support fit the slip whole, each on a line of its own.
    const ids = await receipt.locator('dd.receipt-id').evaluateAll((dds) => dds.map((dd) => [dd.textContent, dd.scrollWidth <= dd.clientWidth + 1, dd.getClientRects().length]));
    expect(ids.map(([, fits, lines]) => [fits, lines])).toEqual([[true, 1], [true, 1]]);
    await docsScreenshot(till, 'cashier-receipt-print', { fullPage: true });
    await till.emulateMedia({ media: 'screen' });
    // On a 320 px screen (or zoomed to 400 %) the ids wrap inside the receipt: nothing scrolls sideways.
    const wide = till.viewportSize()!;
    await till.setViewportSize({ width: 320, height: wide.height });
    expect(await till.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(320);
    expect(await receipt.locator('dd.receipt-id').evaluateAll((dds) => dds.every((dd) => dd.scrollWidth <= dd.clientWidth + 1))).toBe(true);
    await till.setViewportSize(wide);
    // Escape closes the receipt, as it closes the refund dialog, and the code field has the focus again.
    await till.keyboard.press('Escape');
    await expect.poll(() => receipt.isHidden()).toBe(true);
    expect(await till.evaluate(() => document.activeElement?.id)).toBe('code');

    expect((await platform.cli(['audit'])).code).toBe(0);
    expect(problems).toEqual([]);
  }, 90_000);

  it("offers no more than the cashier's refund limit, saying both what is left and the limit", async () => {
    const { wallet, digits } = await walletShowingCode(platform, chromium.browser);
    const shop = await platform.cashier();
    const made = await platform.cliJ<{ password: string }>(['merchant-user', 'create', '--mch-id', shop.mchId, '--name', 'lane-2', '--role', 'cashier', '--refund-limit', '0.50']);
    const till = await chromium.browser.newPage(TILL_SCREEN);
    await openTill(till, platform.server.url, { ...shop, name: 'lane-2', password: made.password });
    await chargeByScanner(till, '1.00', 'Soup', digits);
    const help = till.locator('#refund-help');

    await till.locator('#recent-list li').first().getByRole('button', { name: /^Refund/ }).click();
    expect(await help.textContent()).toMatch(/^Order \d{22}, paid 1\.00: 1\.00 is left to refund; your refund limit is 0\.50 for each sale, so you may refund up to 0\.50\.$/);
    expect(await till.getByLabel('How much to refund').inputValue()).toBe('0.50');
    await till.getByRole('button', { name: 'Cancel' }).click();
    await refundNewest(till, null, "Refunded 0.50. 0.50 is left to refund, but your refund limit is reached: ask the merchant's owner to refund more.");
    expect(await till.locator('#refund-form').isVisible()).toBe(false);
    await till.getByRole('button', { name: 'Done' }).click();
    // Reopened: the limit counts the sale's refunds in all, and they reach it: a second refund of
    // the rest is not offered, and the help line says whom to ask.
    await expect.poll(() => till.locator('#recent-list li .charge-facts').first().textContent()).toContain('refunded 0.50');
    await till.locator('#recent-list li').first().getByRole('button', { name: /^Refund/ }).click();
    expect(await help.textContent()).toMatch(
      /^Order \d{22}, paid 1\.00: 0\.50 is left to refund, but your refund limit is 0\.50 for each sale and its refunds reach it\. Ask the merchant's owner to refund more\.$/);
    expect(await till.getByLabel('How much to refund').isVisible()).toBe(false);
    expect(await till.locator('#refund-submit').isVisible()).toBe(false);
    expect(await till.evaluate(() => document.activeElement?.id)).toBe('refund-cancel');
    await till.screenshot({ path: screenshotPath('cashier-refund-limit') });
    expect((await platform.cliJ<{ balance: string }>(['wallet', 'show', wallet.walletId])).balance).toBe('49.50');
  }, 90_000);

  it('follows refunds made elsewhere (the owner, the merchant system) in its offer and list, and says a failed refund in words', async () => {
    const { digits } = await walletShowingCode(platform, chromium.browser);
    const { page: till, cashier: shop } = await tillFor(platform, chromium.browser);
    await chargeByScanner(till, '1.00', 'Soup', digits);
    const db = new Database(platform.dbPath, { readonly: true });
    const { mch_order_id: order } = db.prepare('SELECT mch_order_id FROM orders ORDER BY trade_time_ms DESC LIMIT 1').get() as { mch_order_id: string };
    db.close();
    // The merchant's own system refunds part of the sale while the till shows it.
    const elsewhere = (id: string, amount: string) => runCli(['refund', '--url', platform.server.url, '--mch-id', shop.mchId, '--order', order,
      '--refund-id', id, '--amount', amount], { env: { MICROPAY_KEY: shop.apiKey } });
    expect((await elsewhere('desk-1', '0.70')).code).toBe(0);
    const help = till.locator('#refund-help');
    const amount = till.getByLabel('How much to refund');
    // The list is older than that refund; the dialog reads the charge again, and offers what is left.
    await till.locator('#recent-list li').first().getByRole('button', { name: /^Refund/ }).click();
    await expect.poll(() => help.textContent()).toMatch(/: up to 0\.30 can be refunded\.$/);
    expect(await amount.inputValue()).toBe('0.30');
    // Another refund lands while the dialog is open: the platform refuses the stale 0.30, and the
    // offer and the list follow it.
    expect((await elsewhere('desk-2', '0.20')).code).toBe(0);
    await till.getByRole('button', { name: 'Refund', exact: true }).click();
    await expect.poll(() => till.locator('#refund-status').textContent()).toBe('That is more than is left to refund on this charge (the refundable amount is 0.10). Enter a smaller amount.');
    await expect.poll(() => help.textContent()).toMatch(/: up to 0\.10 can be refunded\.$/);
    await expect.poll(() => till.locator('#recent-list li .charge-facts').first().textContent()).toContain('refunded 0.90');
    await till.getByRole('button', { name: 'Cancel' }).click();
    // A payout takes the shop's last 0.10: the refund of the rest fails, said in a cashier's words.
    await platform.cli(['merchant', 'payout-account', shop.mchId, '--holder', 'Corner Shop Ltd', '--bank', 'West Bank', '--account', '12345678']);
    expect((await platform.cli(['payout', 'create', '--mch-id', shop.mchId, '--amount', '0.10'])).code).toBe(0);
    await refundNewest(till, null, "The refund of 0.10 failed, and no money moved: the shop's balance is lower than the refund (payouts have taken it). Ask the merchant's owner.");
  }, 90_000);

  it('keeps a refund whose answer was lost pinned to its order: checking again never refunds twice', async () => {
    const { wallet, digits } = await walletShowingCode(platform, chromium.browser);
    const { page: till } = await tillFor(platform, chromium.browser, { viewport: { width: 800, height: 1000 } });
    await chargeByScanner(till, '1.00', 'Tea', digits);
    const balance = async () => (await platform.cliJ<{ balance: string }>(['wallet', 'show', wallet.walletId])).balance;

    // The platform makes the first refund, but its answer never reaches the till.
    const sent: { mchRefundId: string; refundAmount: string }[] = [];
    let lose = true;
    await till.route('**/api/page/cashier/refund', async (route) => {
      sent.push(route.request().postDataJSON() as { mchRefundId: string; refundAmount: string });
      if (!lose) return route.continue();
      lose = false;
      await route.fetch();
      await route.abort('connectionreset');
    });
    const tea = till.locator('#recent-list li').filter({ hasText: 'Tea' });
    await tea.getByRole('button', { name: /^Refund/ }).click();
    await till.getByLabel('How much to refund').fill('0.40');
    await till.getByRole('button', { name: 'Refund', exact: true }).click();
    await expect.poll(() => till.locator('#refund-status').textContent()).toContain('MicroPay cannot be reached.');
    expect(await balance()).toBe('49.40');

    // Cancel, reopen, type 0.40 again and send: the lost attempt is the one sent, so nothing more moves.
    await till.getByRole('button', { name: 'Cancel' }).click();
    await tea.getByRole('button', { name: /^Refund/ }).click();
    const amount = till.getByLabel('How much to refund');
    if (await amount.getAttribute('readonly') === null) await amount.fill('0.40');
    await till.locator('#refund-submit').click();
    await expect.poll(() => sent.length).toBe(2);
    await expect.poll(() => till.locator('#refund-status').textContent()).toBe('Refunded 0.40. 0.60 is left to refund.');
    expect(sent.map((b) => [b.mchRefundId, b.refundAmount])).toEqual([[sent[0]!.mchRefundId, '0.40'], [sent[0]!.mchRefundId, '0.40']]);
    expect(await balance()).toBe('49.40');
    await till.getByRole('button', { name: 'Done' }).click();

    // What the dialog says after a lost answer, and the list refreshed after it.
    lose = true;
    await tea.getByRole('button', { name: /^Refund/ }).click();
    await amount.fill('0.10');
    await till.getByRole('button', { name: 'Refund', exact: true }).click();
    await expect.poll(() => till.locator('#refund-status').textContent())
      .toBe('MicroPay cannot be reached. Check the connection and try again. Check again sends the same refund: it never refunds twice.');
    await expect.poll(() => tea.locator('.charge-facts').textContent()).toContain('refunded 0.50');
    await till.getByRole('button', { name: 'Cancel' }).click();
    await tea.getByRole('button', { name: /^Refund/ }).click();
    expect([await amount.inputValue(), await amount.getAttribute('readonly')]).toEqual(['0.10', '']);
    expect(await till.locator('#refund-status').textContent()).toBe('The answer to an earlier refund of 0.10 was lost. Check again: it never refunds twice.');
    await docsScreenshot(till, 'cashier-refund-lost-answer');
    await till.getByRole('button', { name: 'Check again' }).click();
    await expect.poll(() => till.locator('#refund-status').textContent()).toBe('Refunded 0.10. 0.50 is left to refund.');
    expect(sent.slice(2).map((b) => [b.mchRefundId, b.refundAmount])).toEqual([[sent[2]!.mchRefundId, '0.10'], [sent[2]!.mchRefundId, '0.10']]);
    expect(await balance()).toBe('49.50');

    // Answered: the next refund of the order is a new attempt of any amount.
    await till.getByRole('button', { name: 'Done' }).click();
    await tea.getByRole('button', { name: /^Refund/ }).click();
    expect([await amount.inputValue(), await amount.getAttribute('readonly')]).toEqual(['0.50', null]);
    expect((await platform.cli(['audit'])).code).toBe(0);
  }, 90_000);
});
