import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { docsScreenshot, screenshotPath, useChromium } from './browser.js';
import { scan, tillFor } from './cashier-page.js';
import { useServedPlatform } from './platform.js';
import { revealDigits, walletShowingCode } from './wallet-page.js';

/** The wallet's latest movement, as the wallet app reads it (wire time, in the platform's zone). */
async function latestMovement(url: string, token: string): Promise<{ amount: string; merchantName: string; time: string }> {
  const res = await fetch(`${url}/api/wallet/balance`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', Authorization: `Bearer ${token}` },
    body: '{}',
  });
  return ((await res.json()) as { data: { transactions: { amount: string; merchantName: string; time: string }[] } }).data.transactions[0]!;
}

/** `2026-12-05 14:03:09` as the wallet page writes it for people: `5 Dec 2026, 14:03:09`. */
function forPeople(wireTime: string): string {
  const [date, clock] = wireTime.split(' ');
  const [y, m, d] = date!.split('-').map(Number);
  return `${d} ${['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'][m! - 1]} ${y}, ${clock}`;
}

/** What the wallet page's result screen shows. */
async function resultScreen(page: Page) {
  const text = (id: string) => page.locator(`#${id}`).textContent();
  return { heading: await text('result-heading'), amount: await text('result-amount'), merchant: await text('result-merchant'), time: await text('result-time'), reason: await text('result-reason') };
}

/** The wallet page shows a result screen (it turned by itself: nothing on it was touched). */
async function turnsTo(page: Page, heading: string, withinMs: number): Promise<void> {
  await page.locator('#result-screen').waitFor({ state: 'visible', timeout: withinMs });
  expect(await page.locator('#result-heading').textContent()).toBe(heading);
  expect(await page.locator('#code-screen').isHidden()).toBe(true);
}

/** The platform takes the till's first charge, but its answer never reaches the till (Result not known). */
async function loseFirstChargeAnswer(till: Page): Promise<void> {
  let lose = true;
  await till.route('**/api/page/cashier/charge', async (route) => {
    if (!lose) return route.continue();
    lose = false;
    await route.fetch();
    await route.abort('connectionreset');
  });
}

// The whole loop at the counter, in two browser contexts on one real `micropay serve`.
describe('the cashier page charges a code', () => {
  const platform = useServedPlatform();
  const chromium = useChromium();

  it('the amount, then a scan of the wallet page\'s code: PAID once, however often Enter is pressed; the wallet page turns PAID by itself', async () => {
    const { wallet, page: walletPage, problems: walletProblems, digits } = await walletShowingCode(platform, chromium.browser);
    const { page: till, problems, cashier } = await tillFor(platform, chromium.browser);
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
    // The sale is over: its amount and spent code are gone, so another Enter charges nothing again.
    await expect.poll(async () => [await till.getByLabel('Amount').inputValue(), await till.locator('#code').inputValue()]).toEqual(['', '']);
    await till.keyboard.press('Enter');
    expect(await till.locator('#charge-outcome').textContent()).toBe('PAID 1.00');
    // The wallet page, untouched since it showed the code, shows the payment within a second or two.
    await turnsTo(walletPage, 'Paid', 2_000);
    const paid = await latestMovement(platform.server.url, wallet.token);
    expect(paid).toMatchObject({ amount: '-1.00', merchantName: cashier.merchantName });
    expect(await resultScreen(walletPage)).toEqual({ heading: 'Paid', amount: '1.00', merchant: cashier.merchantName, time: forPeople(paid.time), reason: '' });
    await docsScreenshot(walletPage, 'wallet-paid');
    expect((await platform.cliJ<{ balance: string }>(['wallet', 'show', wallet.walletId])).balance).toBe('49.00');
    const audit = await platform.cli(['audit']);
    expect(audit.code).toBe(0);
    // The spent code scanned again is refused before any order is made: said in words, with no
    // order id to cite (the till's own attempt id is found nowhere a cashier looks).
    await till.getByLabel('Amount').fill('2.00');
    await till.keyboard.press('Enter');
    await scan(till, digits);
    await expect.poll(() => till.locator('#charge-outcome').textContent(), { timeout: 15_000 }).toBe('FAILED');
    expect(await till.locator('#charge-detail').textContent()).toBe('The code expired or was used already. Ask the customer for a new code, and scan it.');
    // The used code is spent: the holder goes on with a fresh one.
    await walletPage.getByRole('button', { name: 'Show a new code' }).click();
    await walletPage.locator('#code-screen').waitFor({ state: 'visible' });
    // The pressed button is gone with the result: the keyboard (and a screen reader) goes to the code.
    await expect.poll(() => walletPage.evaluate(() => document.activeElement?.id)).toBe('code-heading');
    expect(await revealDigits(walletPage)).not.toBe(digits);
    expect(await walletPage.locator('#result-screen').isHidden()).toBe(true);
    expect(problems).toEqual([]);
    expect(walletProblems).toEqual([]);
  });

  it('a code above the confirmation limit: the till waits, the wallet page asks for the PIN by itself, a wrong PIN tells the tries left, the right one pays', async () => {
    const { wallet, page: walletPage, problems: walletProblems, digits } = await walletShowingCode(platform, chromium.browser, '50.00', ['--pin', '2468', '--confirm-limit', '0.50']);
    const { page: till, problems, cashier } = await tillFor(platform, chromium.browser);
    await scan(till, digits);
    // A code taken first is charged when the amount is entered: the keyboard goes to Amount. Scanned
    // again there (it did not beep), it is the code again, not an amount of 18 digits.
    await expect.poll(() => till.evaluate(() => document.activeElement?.id)).toBe('amount');
    await scan(till, digits);
    await expect.poll(() => till.evaluate(() => document.activeElement?.id)).toBe('amount');
    expect([await till.getByLabel('Amount').inputValue(), await till.locator('#code').inputValue()]).toEqual(['', digits]);
    expect(await till.locator('#amount-error').textContent()).toBe('');
    // "2" is charged and said as 2.00.
    await till.getByLabel('Amount').fill('2');
    await till.getByLabel('Amount').press('Enter');
    await expect.poll(() => till.locator('#charge-outcome').textContent(), { timeout: 5_000 }).toBe('Waiting for the customer to confirm…');
    expect(await till.locator('#charge-detail').textContent()).toMatch(/^The customer confirms 2\.00 on their phone\. They have until \d\d:\d\d:\d\d\.$/);
    await docsScreenshot(till, 'cashier-waiting');

    await walletPage.locator('#confirm-screen').waitFor({ state: 'visible', timeout: 2_000 });
    expect(await walletPage.locator('#code-screen').isHidden()).toBe(true);
    expect(await walletPage.locator('#confirm-amount').textContent()).toBe('2.00');
    expect(await walletPage.locator('#confirm-merchant').textContent()).toBe(cashier.merchantName);
    expect(await walletPage.evaluate(() => document.activeElement?.id)).toBe('confirm-pin');
    // The account part below says the amount is held now.
    await expect.poll(() => walletPage.locator('#held').textContent()).toBe('2.00');
    await walletPage.getByLabel('Your PIN', { exact: true }).fill('1111');
    await walletPage.getByRole('button', { name: 'Pay', exact: true }).click();
    await expect.poll(() => walletPage.locator('#confirm-error').textContent(), { timeout: 10_000 }).toBe('Wrong PIN. 4 tries left.');
    await docsScreenshot(walletPage, 'wallet-confirm');
    // Reloaded (a phone's tab restored), the page asks for the same payment's PIN again.
    await walletPage.reload();
    await walletPage.locator('#confirm-screen').waitFor({ state: 'visible', timeout: 5_000 });
    expect(await walletPage.locator('#confirm-amount').textContent()).toBe('2.00');
    expect(await walletPage.locator('#code-screen').isHidden()).toBe(true);
    await walletPage.getByLabel('Your PIN', { exact: true }).fill('2468');
    await walletPage.getByRole('button', { name: 'Pay', exact: true }).click();
    await turnsTo(walletPage, 'Paid', 5_000);
    expect(await walletPage.locator('#result-amount').textContent()).toBe('2.00');
    await expect.poll(() => till.locator('#charge-outcome').textContent(), { timeout: 15_000 }).toBe('PAID 2.00');
    expect((await platform.cliJ<{ balance: string; held: string }>(['wallet', 'show', wallet.walletId]))).toMatchObject({ balance: '48.00', held: '0.00' });
    expect((await platform.cli(['audit'])).code).toBe(0);
    expect(problems).toEqual([]);
    expect(walletProblems).toEqual([]);
  });

  it('while the customer confirms: the next sale typed meanwhile stays when the charge ends PAID, and Sign out waits for the charge', async () => {
    const { wallet, page: walletPage, problems: walletProblems, digits } = await walletShowingCode(platform, chromium.browser, '50.00', ['--pin', '2468', '--confirm-limit', '0.50']);
    const { page: till, problems } = await tillFor(platform, chromium.browser);
    await till.getByLabel('Amount').fill('2.00');
    await till.getByLabel('Amount').press('Enter');
    await scan(till, digits);
    await expect.poll(() => till.locator('#charge-outcome').textContent(), { timeout: 5_000 }).toBe('Waiting for the customer to confirm…');
    // Signed out now, nobody at this till would see the charge end: refused, in words.
    await till.getByRole('button', { name: 'Sign out' }).click();
    expect(await till.locator('#code-status').textContent()).toBe('A charge is still running: cancel it, or wait for its result, before signing out.');
    expect(await till.locator('#sign-in').isHidden()).toBe(true);
    // The next customer's sale, typed while this one confirms.
    await till.getByLabel('Amount').fill('5.00');
    await till.getByLabel('Goods').fill('Teh tarik');
    await walletPage.locator('#confirm-screen').waitFor({ state: 'visible', timeout: 5_000 });
    await walletPage.getByLabel('Your PIN', { exact: true }).fill('2468');
    await walletPage.getByRole('button', { name: 'Pay', exact: true }).click();
    await expect.poll(() => till.locator('#charge-outcome').textContent(), { timeout: 15_000 }).toBe('PAID 2.00');
    expect([await till.getByLabel('Amount').inputValue(), await till.getByLabel('Goods').inputValue()]).toEqual(['5.00', 'Teh tarik']);
    // The charge over, Sign out signs out; the next cashier finds neither sale nor result.
    await till.getByRole('button', { name: 'Sign out' }).click();
    await till.locator('#sign-in').waitFor();
    expect(await platform.cliJ<{ balance: string; held: string }>(['wallet', 'show', wallet.walletId])).toMatchObject({ balance: '48.00', held: '0.00' });
    expect(problems).toEqual([]);
    expect(walletProblems).toEqual([]);
  });

  it('the charge\'s answer lost: Check again finds it PAID, charged once, and the sale is over as with any PAID', async () => {
    const { wallet, digits } = await walletShowingCode(platform, chromium.browser);
    const { page: till, problems } = await tillFor(platform, chromium.browser);
    await loseFirstChargeAnswer(till);
    await till.getByLabel('Amount').fill('3.00');
    await till.keyboard.press('Enter');
    await scan(till, digits);
    await expect.poll(() => till.locator('#charge-outcome').textContent(), { timeout: 10_000 }).toBe('Result not known');
    await till.getByRole('button', { name: 'Check again' }).click();
    await expect.poll(() => till.locator('#charge-outcome').textContent(), { timeout: 10_000 }).toBe('PAID 3.00');
    // The amount goes with the sale, so the next customer's scan starts nothing by itself.
    expect([await till.getByLabel('Amount').inputValue(), await till.locator('#code').inputValue()]).toEqual(['', '']);
    expect(await platform.cliJ<{ balance: string }>(['wallet', 'show', wallet.walletId])).toMatchObject({ balance: '47.00' });
    expect(problems.filter((p) => !/ERR_CONNECTION_RESET|Failed to fetch|net::/.test(p))).toEqual([]);
  });

  it('signed out while checking a lost answer again: the till does not say nothing was charged, but where to look', async () => {
    const { digits } = await walletShowingCode(platform, chromium.browser);
    const { page: till, problems, cashier } = await tillFor(platform, chromium.browser);
    await loseFirstChargeAnswer(till);
    await till.getByLabel('Amount').fill('1.00');
    await till.keyboard.press('Enter');
    await scan(till, digits);
    await expect.poll(() => till.locator('#charge-outcome').textContent(), { timeout: 10_000 }).toBe('Result not known');
    // The owner gives the cashier a new password meanwhile: the till's session ends on the server.
    await platform.cliJ(['cashier', 'reset', '--mch-id', cashier.mchId, '--name', cashier.name]);
    await till.getByRole('button', { name: 'Check again' }).click();
    await till.locator('#sign-in').waitFor({ timeout: 10_000 });
    const said = await till.locator('#sign-in-error').textContent();
    expect(said).toContain('The last charge: Result not known. The till was signed out before MicroPay answered. Sign in again and look for this charge in Your recent charges before charging again.');
    expect(said).not.toContain('Nothing was charged');
    expect(problems.filter((p) => !/401|ERR_CONNECTION_RESET|Failed to fetch|net::/.test(p))).toEqual([]);
  });

  it('the cashier disabled while the customer confirms: the till keeps waiting, then signs out saying the charge was paid', async () => {
    const { page: walletPage, problems: walletProblems, digits } = await walletShowingCode(platform, chromium.browser, '50.00', ['--pin', '2468', '--confirm-limit', '0.50']);
    const { page: till, cashier } = await tillFor(platform, chromium.browser);
    await till.getByLabel('Amount').fill('2.00');
    await till.getByLabel('Amount').press('Enter');
    await scan(till, digits);
    await expect.poll(() => till.locator('#charge-outcome').textContent(), { timeout: 5_000 }).toBe('Waiting for the customer to confirm…');
    await platform.cliJ(['merchant-user', 'disable', '--mch-id', cashier.mchId, '--name', cashier.name]);
    // Its status checks now find the session gone; the charge itself goes on, and so does the till.
    await till.waitForTimeout(2_000);
    expect(await till.locator('#till').isVisible()).toBe(true);
    expect(await till.locator('#charge-outcome').textContent()).toBe('Waiting for the customer to confirm…');

    await walletPage.locator('#confirm-screen').waitFor({ state: 'visible', timeout: 5_000 });
    await walletPage.getByLabel('Your PIN', { exact: true }).fill('2468');
    await walletPage.getByRole('button', { name: 'Pay', exact: true }).click();
    await expect.poll(() => till.locator('#sign-in-error').textContent(), { timeout: 15_000 }).toMatch(
      /^Your session has ended: .+ Sign in again\. The last charge: PAID 2\.00\. order \d{22} · .+$/);
    expect(await till.locator('#till').isHidden()).toBe(true);
    expect(walletProblems).toEqual([]);
  });

  it('an amount the wire cannot carry is said at the field on Enter, and a code scanned meanwhile waits for the amount put right', async () => {
    const { wallet, page: walletPage, problems: walletProblems, digits } = await walletShowingCode(platform, chromium.browser, '50.00');
    const { page: till, problems } = await tillFor(platform, chromium.browser);
    const amount = till.getByLabel('Amount');
    for (const [typed, said] of [['1.005', 'must be a decimal with at most two places, e.g. "1.00"'], ['-1', 'must be greater than 0'], ['0', 'must be greater than 0'], ['abc', 'must be a decimal with at most two places, e.g. "1.00"']]) {
      await amount.fill(typed);
      await amount.press('Enter');
      expect(await till.locator('#amount-error').textContent(), typed).toBe(`The amount ${said}.`);
      expect(await amount.getAttribute('aria-invalid')).toBe('true');
      expect(await till.evaluate(() => document.activeElement?.id)).toBe('amount');
    }
    await docsScreenshot(till, 'cashier-amount-refused');
    // A code scanned while the amount is wrong is not charged: it waits, and the amount is asked for.
    await till.getByLabel('Payment code').focus();
    await scan(till, digits);
    expect(await till.evaluate(() => document.activeElement?.id)).toBe('amount');
    expect(await till.locator('#charge-outcome').textContent()).toBe('');
    await amount.fill('1.00');
    expect(await till.locator('#amount-error').textContent()).toBe('');
    await amount.press('Enter');
    await expect.poll(() => till.locator('#charge-outcome').textContent(), { timeout: 15_000 }).toBe('PAID 1.00');
    await turnsTo(walletPage, 'Paid', 5_000);
    expect((await platform.cliJ<{ balance: string }>(['wallet', 'show', wallet.walletId])).balance).toBe('49.00');
    expect(problems).toEqual([]);
    expect(walletProblems).toEqual([]);
  });

  it('a wallet without a PIN: the confirm screen asks for none, says so, and Pay alone pays', async () => {
    const { wallet, page: walletPage, problems: walletProblems, digits } = await walletShowingCode(platform, chromium.browser, '50.00', ['--confirm-limit', '0.50']);
    const { page: till, problems } = await tillFor(platform, chromium.browser);
    await till.getByLabel('Amount').fill('2.00');
    await till.getByLabel('Amount').press('Enter');
    await scan(till, digits);
    await walletPage.locator('#confirm-screen').waitFor({ state: 'visible', timeout: 5_000 });
    expect(await walletPage.locator('#confirm-pin').isVisible()).toBe(false);
    expect(await walletPage.locator('#confirm-no-pin').textContent()).toBe("This wallet has no PIN, so Pay confirms at once: anyone holding this page can. Ask the wallet's operator to set a PIN.");
    // The focus is on the question, not on Pay: a stray Enter or Space pays nothing.
    expect(await walletPage.evaluate(() => document.activeElement?.id)).toBe('confirm-heading');
    await docsScreenshot(walletPage, 'wallet-confirm-no-pin');
    await walletPage.keyboard.press('Enter');
    await walletPage.keyboard.press('Space');
    expect(await walletPage.locator('#confirm-screen').isVisible()).toBe(true);
    expect((await platform.cliJ<{ held: string }>(['wallet', 'show', wallet.walletId])).held).toBe('2.00');
    // The keyboard reaches Pay next.
    await walletPage.keyboard.press('Tab');
    expect(await walletPage.evaluate(() => document.activeElement?.id)).toBe('confirm-pay');
    await walletPage.getByRole('button', { name: 'Pay', exact: true }).click();
    await turnsTo(walletPage, 'Paid', 5_000);
    await expect.poll(() => till.locator('#charge-outcome').textContent(), { timeout: 15_000 }).toBe('PAID 2.00');
    expect((await platform.cliJ<{ balance: string; held: string }>(['wallet', 'show', wallet.walletId]))).toMatchObject({ balance: '48.00', held: '0.00' });
    expect(problems).toEqual([]);
    expect(walletProblems).toEqual([]);
  });

  it('the holder declines on the wallet page: the page says so in words, the till ends FAILED, nothing is held', async () => {
    const { wallet, page: walletPage, problems: walletProblems, digits } = await walletShowingCode(platform, chromium.browser, '50.00', ['--pin', '2468', '--confirm-limit', '0.50']);
    const { page: till, problems } = await tillFor(platform, chromium.browser);
    await till.getByLabel('Amount').fill('3.00');
    await till.getByLabel('Amount').press('Enter');
    await scan(till, digits);
    await walletPage.locator('#confirm-screen').waitFor({ state: 'visible', timeout: 5_000 });
    await walletPage.getByRole('button', { name: 'Decline' }).click();
    await turnsTo(walletPage, 'Payment failed', 5_000);
    expect(await walletPage.locator('#result-reason').textContent()).toBe('You declined this payment. Nothing was taken from your wallet.');
    await expect.poll(() => till.locator('#charge-outcome').textContent(), { timeout: 15_000 }).toBe('FAILED');
    expect(await till.locator('#charge-detail').textContent())
      .toMatch(/^The customer declined the payment on their phone\. Nothing was charged\. \(order \d+\)$/);
    expect(await platform.cliJ<{ balance: string; held: string }>(['wallet', 'show', wallet.walletId])).toMatchObject({ balance: '50.00', held: '0.00' });
    expect(problems).toEqual([]);
    expect(walletProblems).toEqual([]);
  });

  it('the cashier cancels a charge the customer does not confirm: the till says so at once, the hold is released, the wallet page shows it ended', async () => {
    const { wallet, page: walletPage, problems: walletProblems, digits } = await walletShowingCode(platform, chromium.browser, '50.00', ['--pin', '2468', '--confirm-limit', '0.50']);
    const { page: till, problems } = await tillFor(platform, chromium.browser);
    await till.getByLabel('Amount').fill('4.00');
    await till.getByLabel('Amount').press('Enter');
    await scan(till, digits);
    await walletPage.locator('#confirm-screen').waitFor({ state: 'visible', timeout: 5_000 });
    // Reloaded (a phone's tab restored): no code on the page shows this payment any more, so its
    // confirm screen follows the payment itself, and turns with the till's cancel all the same.
    await walletPage.reload();
    await walletPage.locator('#confirm-screen').waitFor({ state: 'visible', timeout: 5_000 });
    expect(await walletPage.locator('#confirm-amount').textContent()).toBe('4.00');
    const cancel = till.getByRole('button', { name: 'Cancel charge' });
    await cancel.waitFor({ timeout: 5_000 });
    expect(await platform.cliJ<{ held: string }>(['wallet', 'show', wallet.walletId])).toMatchObject({ held: '4.00' });
    await cancel.click();
    await expect.poll(() => till.locator('#charge-outcome').textContent(), { timeout: 10_000 }).toBe('CANCELLED');
    expect(await till.locator('#charge-detail').textContent())
      .toMatch(/^Nothing was charged, and the amount held on the customer's wallet is released\. \(order \d+\)$/);
    expect(await cancel.isHidden()).toBe(true);
    // The button pressed is gone: the focus is back in the code field, for the scanner's next code.
    expect(await till.evaluate(() => document.activeElement?.id)).toBe('code');
    await docsScreenshot(till, 'cashier-cancelled');
    // The till's own list says what became of it: cancelled, not merely failed.
    await expect.poll(() => till.locator('#recent-list .charge-status').first().textContent()).toBe('Cancelled');
    // A new amount is a new sale: the cancelled charge's result goes.
    await till.getByLabel('Amount').fill('1.50');
    expect(await till.locator('#charge').isHidden()).toBe(true);
    expect(await platform.cliJ<{ balance: string; held: string }>(['wallet', 'show', wallet.walletId])).toMatchObject({ balance: '50.00', held: '0.00' });
    await turnsTo(walletPage, 'Payment failed', 5_000);
    expect(problems).toEqual([]);
    expect(walletProblems).toEqual([]);
  });

  it('a wallet that cannot cover the amount ends FAILED, with the reason in words, on the till and on the wallet page', async () => {
    const { wallet, page: walletPage, problems: walletProblems, digits } = await walletShowingCode(platform, chromium.browser, '0.50');
    const { page: till, problems } = await tillFor(platform, chromium.browser);
    await till.getByLabel('Amount').fill('1.00');
    await till.getByLabel('Amount').press('Enter');
    await scan(till, digits);
    await expect.poll(() => till.locator('#charge-outcome').textContent(), { timeout: 15_000 }).toBe('FAILED');
    // In a cashier's words, with what to do next; no API words (the till draws its order ids itself).
    expect(await till.locator('#charge-detail').textContent())
      .toMatch(/^The wallet balance is too low\. Ask the customer to top up, or to pay another way\. \(order \d+\)$/);
    await till.screenshot({ path: screenshotPath('cashier-failed') });
    await turnsTo(walletPage, 'Payment failed', 2_000);
    expect(await walletPage.locator('#result-reason').textContent()).toBe(
      'There is not enough money in your wallet for this payment. Nothing was taken from your wallet.',
    );
    expect(await walletPage.locator('#result-amount').textContent()).toBe('1.00');
    await docsScreenshot(walletPage, 'wallet-failed');
    expect((await platform.cliJ<{ balance: string }>(['wallet', 'show', wallet.walletId])).balance).toBe('0.50');
    expect(problems).toEqual([]);
    expect(walletProblems).toEqual([]);
  });
});
