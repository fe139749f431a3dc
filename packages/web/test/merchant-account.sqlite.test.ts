import { MicroPayClient } from '@micropay/client';
import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { signInToMerchantConsole } from './console-page.js';
import { Receiver } from '../../server/test/notify-receiver.js';
import { docsScreenshot, PHONE, screenshotPath, useChromium, watchForProblems } from './browser.js';
import { createWallet, PEOPLE_TIME, platformHour, useServedPlatform } from './platform.js';

// The merchant console's API key, Notifications, Balance & payouts and Activity sections in real
// Chromium against `micropay serve`; their access rules are proven on both stores over HTTP in
// packages/server/test/merchant-account-console.test.ts.
/** A payout account, as its owner types it; the server keeps the IBAN without its spaces. */
const HOLDER = 'Corner Shop Sdn Bhd';
const BANK = 'Westminster Bank';
const IBAN = 'GB82WEST12345698765432';

describe("the merchant console's account sections", () => {
  const platform = useServedPlatform();
  const chromium = useChromium();

  async function payWith(mchId: string, apiKey: string, order: string): Promise<string> {
    const wallet = await createWallet(platform.cliJ, '20.00');
    const { payCode } = await platform.cliJ<{ payCode: string }>(['paycode', wallet.walletId]);
    const client = new MicroPayClient({ baseUrl: platform.server.url, mchId, apiKey });
    return (await client.micropay({ mchOrderId: order, amount: '5.00', payCode, goodsInfo: 'key test' })).tradeStatus;
  }

  async function open(page: Page, section: string): Promise<void> {
    await page.getByRole('navigation', { name: 'Sections' }).getByRole('link', { name: section }).click();
  }

  /** The owner sets where payouts go, in Balance & payouts, with its password again. */
  async function setPayoutAccount(page: Page, password: string): Promise<void> {
    await page.getByLabel('Account holder').fill(HOLDER);
    await page.getByLabel('Bank', { exact: true }).fill(BANK);
    await page.getByLabel('IBAN or account number').fill('GB82 WEST 1234 5698 7654 32');
    await page.getByLabel('Your password').fill(password);
    await page.getByRole('button', { name: 'Set payout account' }).click();
    await page.getByText(`Payouts now go to ${HOLDER}, ${BANK}, account ${IBAN}.`).waitFor();
  }

  it('the owner rolls the key and both keys pay in the overlap; a test delivery arrives; a payout is requested; Activity shows it all', async () => {
    const merchant = await platform.cliJ<{ mchId: string; apiKey: string }>(['merchant', 'create', '--name', 'Corner Shop']);
    const owner = await platform.cliJ<{ password: string }>(['merchant-user', 'create', '--mch-id', merchant.mchId, '--name', 'boss', '--role', 'owner']);
    expect(await payWith(merchant.mchId, merchant.apiKey, 'before-roll')).toBe('PAID');
    const receiver = await new Receiver().start();
    const page = await chromium.browser.newPage({ viewport: { width: 1100, height: 820 } });
    const problems = watchForProblems(page);
    try {
      await signInToMerchantConsole(page, `${platform.server.url}/merchant`, { mchId: merchant.mchId, name: 'boss', password: owner.password });

      // API key: roll with the default overlap, confirm, the new key shown once.
      await open(page, 'API key');
      await expect.poll(() => page.locator('.facts dd').first().textContent()).toBe(merchant.mchId);
      await page.getByRole('button', { name: 'Roll key' }).click();
      await page.getByRole('button', { name: 'Confirm roll' }).click();
      const newKey = (await page.locator('#new-api-key').textContent())!;
      expect(newKey).not.toBe(merchant.apiKey);
      expect(await page.locator('.facts dd').nth(2).textContent()).not.toBe('No overlap open');
      await page.context().grantPermissions(['clipboard-read', 'clipboard-write'], { origin: platform.server.url });
      await page.getByRole('button', { name: 'Copy key' }).click();
      await expect.poll(() => page.locator('.shown-once [role=status]').textContent()).toBe('Copied.');
      expect(await page.evaluate(() => navigator.clipboard.readText())).toBe(newKey);
      await docsScreenshot(page, 'merchant-api-key');
      expect(await payWith(merchant.mchId, newKey, 'new-key')).toBe('PAID');
      expect(await payWith(merchant.mchId, merchant.apiKey, 'old-key')).toBe('PAID');

      // Notifications: the receiver's URL, a test delivery seen delivered. The saved URL's answer
      // is held back, as on a slow network: what the owner typed meanwhile must stay.
      const showRoute = '**/api/page/merchant/notifications/show';
      await page.route(showRoute, async (route) => {
        await new Promise((resolve) => setTimeout(resolve, 1_500));
        await route.continue();
      });
      await open(page, 'Notifications');
      await page.getByLabel('Notify URL').fill(receiver.url);
      await page.waitForResponse(showRoute);
      await page.unroute(showRoute);
      expect(await page.getByLabel('Notify URL').inputValue()).toBe(receiver.url);
      await page.getByRole('button', { name: 'Save URL' }).click();
      await page.getByText(`Notifications go to ${receiver.url}.`).waitFor();
      await page.getByRole('button', { name: 'Send test delivery' }).click();
      await expect.poll(() => page.locator('table').first().locator('tbody td').nth(2).textContent(), { timeout: 20_000 }).toBe('delivered');
      expect(receiver.receipts.length).toBeGreaterThan(0);
      await docsScreenshot(page, 'merchant-notifications');

      // Balance: 15.00 in (three payments of 5.00); the payout account set, a payout of 6.00 leaves 9.00.
      await open(page, 'Balance & payouts');
      await expect.poll(() => page.locator('.facts dd').first().textContent()).toBe('15.00');
      await setPayoutAccount(page, owner.password);
      await page.getByLabel('Amount').fill('6.00');
      await page.getByRole('button', { name: 'Request payout' }).dblclick();
      await expect.poll(() => page.locator('table tbody tr').count()).toBe(1);
      expect(await page.locator('table tbody tr td').nth(4).textContent()).toBe('REQUESTED');
      await expect.poll(() => page.locator('.facts').first().locator('dd').allTextContents()).toEqual(['9.00', '6.00']);
      // More than the balance: refused in words, the amount marked, described by what was said, and focused.
      await page.getByLabel('Amount').fill('99.00');
      await page.getByRole('button', { name: 'Request payout' }).click();
      await expect.poll(() => page.getByText(/^Nothing was paid out: payout exceeds balance/).count()).toBe(1);
      expect(await page.evaluate(() => [document.activeElement?.id, document.activeElement?.getAttribute('aria-invalid')])).toEqual(['payout-amount', 'true']);
      expect(await page.getByLabel('Amount').getAttribute('aria-describedby')).toBe('balance-status payout-note');
      await page.getByLabel('Amount').fill('');
      expect(await page.getByLabel('Amount').getAttribute('aria-invalid')).toBeNull();
      // The number reads in groups of four, in the account and in the payout, and copies whole.
      const groups = ['GB82', 'WEST', '1234', '5698', '7654', '32'];
      expect(await page.locator('.account-facts .account-number span').allTextContents()).toEqual(groups);
      expect(await page.locator('.payout-list .account-number span').allTextContents()).toEqual(groups);
      expect(await page.locator('.account-facts .account-number').evaluate((number) => {
        getSelection()!.selectAllChildren(number);
        const copied = getSelection()!.toString();
        getSelection()!.removeAllRanges();
        return copied;
      })).toBe(IBAN);
      await docsScreenshot(page, 'merchant-balance', { fullPage: true });

      await open(page, 'Activity');
      // Newest first: the owner's five actions and its sign-in, then the CLI's creation of the merchant and its owner.
      await expect.poll(() => page.locator('table tbody tr td:nth-child(3)').allTextContents())
        .toEqual(['payout.request', 'merchant.setPayoutAccount', 'notification.test', 'merchant.update', 'merchant.rollKey', 'session.signIn', 'user.create', 'merchant.create']);
      // In the platform's zone, as Orders and Statements are, not the browser's (UTC here).
      const when = (await page.locator('table tbody tr td:nth-child(1)').first().textContent())!;
      expect(when).toMatch(PEOPLE_TIME);
      expect([platformHour(), platformHour(Date.now() - 120_000)]).toContain(when.split(', ')[1]!.slice(0, 2));
      await docsScreenshot(page, 'merchant-activity');
      expect(problems).toEqual([]);
    } finally {
      await receiver.stop();
    }
  }, 120_000);

  it("the owner cannot pay out without a payout account, sets one with its password again and the payout shows where it went; a cashier sees the number's end and no form", async () => {
    const merchant = await platform.cliJ<{ mchId: string; apiKey: string }>(['merchant', 'create', '--name', 'Corner Shop']);
    const owner = await platform.cliJ<{ password: string }>(['merchant-user', 'create', '--mch-id', merchant.mchId, '--name', 'boss', '--role', 'owner']);
    const cashier = await platform.cliJ<{ password: string }>(['cashier', 'create', '--mch-id', merchant.mchId, '--name', 'lane-1']);
    expect(await payWith(merchant.mchId, merchant.apiKey, 'takings')).toBe('PAID');
    const page = await chromium.browser.newPage({ viewport: { width: 1100, height: 820 } });
    const problems = watchForProblems(page);
    await signInToMerchantConsole(page, `${platform.server.url}/merchant`, { mchId: merchant.mchId, name: 'boss', password: owner.password });
    await open(page, 'Balance & payouts');

    // No account: the section says so, and why a payout cannot be requested; a request says it in words.
    await page.getByText('No payout account is set. Payouts need one: until it is set, no payout can be requested. Set one below.').waitFor();
    expect(await page.locator('#payout-needs-account').isVisible()).toBe(true);
    // Enter in the amount requests it, as in every console form; the focus stays where it was typed.
    await page.getByLabel('Amount').fill('4.00');
    await page.getByLabel('Amount').press('Enter');
    await page.getByText('Nothing was paid out. A payout cannot be requested yet: it needs a payout account to go to. Set one under Set payout account above.').waitFor();
    expect(await page.evaluate(() => document.activeElement?.id)).toBe('payout-amount');
    expect(await page.getByText('No payouts yet.').count()).toBe(1);

    // A mistyped IBAN is marked at its field, before the password is checked.
    await page.getByLabel('Account holder').fill(HOLDER);
    await page.getByLabel('Bank', { exact: true }).fill(BANK);
    const number = page.getByLabel('IBAN or account number');
    await number.fill('GB00WEST12345698765432');
    await page.getByLabel('Your password').fill(owner.password);
    await page.getByRole('button', { name: 'Set payout account' }).click();
    await expect.poll(() => page.locator('#payout-number-error').textContent())
      .toBe('The IBAN or account number is not a valid IBAN: its check digits do not match (a mistyped character?)');
    expect(await number.getAttribute('aria-invalid')).toBe('true');
    expect(await page.evaluate(() => document.activeElement?.id)).toBe('payout-number');

    // A wrong password changes nothing, and says so at the password.
    await number.fill('GB82 WEST 1234 5698 7654 32');
    await page.getByLabel('Your password').fill('not-the-password');
    await page.getByRole('button', { name: 'Set payout account' }).click();
    await expect.poll(() => page.locator('#payout-password-error').textContent())
      .toBe('The password is not right, so the payout account was not changed. Five wrong passwords in a row lock you out for 15 minutes and sign you out.');
    expect(await page.locator('#payout-number-error').textContent()).toBe('');
    expect(await page.getByLabel('Your password').inputValue()).toBe('');
    await page.screenshot({ path: screenshotPath('merchant-payout-account-wrong-password'), fullPage: true });
    expect((await platform.cliJ<{ payoutAccount: unknown }>(['merchant', 'payout-account', merchant.mchId])).payoutAccount).toBeNull();

    // The right one (Enter sends the form): the account is shown, the password field emptied.
    await page.getByLabel('Your password').fill(owner.password);
    await page.getByLabel('Your password').press('Enter');
    await page.getByText(`Payouts now go to ${HOLDER}, ${BANK}, account ${IBAN}.`).waitFor();
    expect(await page.locator('.facts').nth(1).locator('dd').allTextContents()).toEqual([HOLDER, BANK, IBAN, expect.stringMatching(PEOPLE_TIME)]);
    // The form is emptied, the password first of all: the account is shown above it.
    expect(await Promise.all(['Account holder', 'IBAN or account number', 'Your password'].map((l) => page.getByLabel(l).inputValue()))).toEqual(['', '', '']);
    expect(await page.locator('#payout-password-error').textContent()).toBe('');
    expect(await page.getByRole('heading', { name: 'Change payout account' }).count()).toBe(1);
    expect(await page.locator('#payout-needs-account').isVisible()).toBe(false);

    // The payout now goes, and the list says where.
    // From the keyboard: the button, disabled while it asks, has the focus back after the answer.
    await page.getByRole('button', { name: 'Request payout' }).focus();
    await page.keyboard.press('Enter');
    await page.getByText(/^Payout [0-9]+ of 4\.00 is REQUESTED\.$/).waitFor();
    await expect.poll(() => page.evaluate(() => document.activeElement?.textContent)).toBe('Request payout');
    await expect.poll(() => page.locator('.payout-list tbody td').nth(2).textContent()).toBe(`${HOLDER}\n${BANK}\n${IBAN}`);
    await docsScreenshot(page.locator('#section'), 'merchant-payout-account');
    expect(problems).toEqual([]);

    // A cashier sees where payouts go by the number's last four characters, and no form.
    const till = await chromium.browser.newPage(PHONE);
    const tillProblems = watchForProblems(till);
    await signInToMerchantConsole(till, `${platform.server.url}/merchant`, { mchId: merchant.mchId, name: 'lane-1', password: cashier.password });
    await open(till, 'Balance & payouts');
    await expect.poll(() => till.locator('.payout-list tbody td').nth(2).textContent()).toBe(`${HOLDER}\n${BANK}\n•••• ending 5432`);
    expect(await till.locator('.facts').nth(1).locator('dd').allTextContents()).toEqual([HOLDER, BANK, '•••• ending 5432', expect.stringMatching(PEOPLE_TIME)]);
    expect(await till.locator('#section form').count()).toBe(0);
    expect(await till.getByLabel('Your password').count()).toBe(0);
    expect(await till.getByRole('button', { name: 'Request payout' }).count()).toBe(0);
    expect(await till.content()).not.toContain(IBAN);
    await till.screenshot({ path: screenshotPath('merchant-payout-account-cashier-phone'), fullPage: true });
    expect(tillProblems).toEqual([]);

    // The owner's form on a phone: a field a line, nothing past the screen's edge.
    const phone = await chromium.browser.newPage(PHONE);
    await signInToMerchantConsole(phone, `${platform.server.url}/merchant`, { mchId: merchant.mchId, name: 'boss', password: owner.password });
    await open(phone, 'Balance & payouts');
    await phone.locator('.payout-list').waitFor();
    expect(await phone.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(PHONE.viewport.width);
    await docsScreenshot(phone, 'merchant-payout-account-phone', { fullPage: true });
  }, 120_000);

  it('five wrong passwords in a row at the payout account lock the owner and sign it out: the sign-in says why, and nothing changed', async () => {
    const merchant = await platform.cliJ<{ mchId: string }>(['merchant', 'create', '--name', 'Corner Shop']);
    const owner = await platform.cliJ<{ password: string }>(['merchant-user', 'create', '--mch-id', merchant.mchId, '--name', 'boss', '--role', 'owner']);
    await platform.cliJ(['merchant', 'payout-account', merchant.mchId, '--holder', HOLDER, '--bank', BANK, '--account', IBAN]);
    const page = await chromium.browser.newPage({ viewport: { width: 1100, height: 820 } });
    const problems = watchForProblems(page);
    await signInToMerchantConsole(page, `${platform.server.url}/merchant`, { mchId: merchant.mchId, name: 'boss', password: owner.password });
    await open(page, 'Balance & payouts');
    await page.getByLabel('Account holder').fill('Someone Else');
    await page.getByLabel('Bank', { exact: true }).fill('Other Bank');
    await page.getByLabel('IBAN or account number').fill('12345678');
    for (let attempt = 1; attempt <= 4; attempt += 1) {
      await page.getByLabel('Your password').fill(`guess-${attempt}`);
      await page.getByRole('button', { name: 'Change payout account' }).click();
      await expect.poll(() => page.locator('#payout-password-error').textContent()).toMatch(/^The password is not right/);
    }
    await page.getByLabel('Your password').fill('guess-5');
    await page.getByRole('button', { name: 'Change payout account' }).click();
    // The fifth locks, and the server ends the session: the console goes back to its sign-in, saying why.
    await page.locator('#sign-in').waitFor();
    expect(await page.locator('#sign-in-error').textContent()).toBe('Too many wrong passwords in a row: you are locked out for 15 minutes and signed out, '
      + 'and the payout account was not changed. Another owner (Users, Reset password) or the operator (micropay merchant-user reset) can unlock you sooner with a new password.');
    expect(await page.locator('#console').isVisible()).toBe(false);
    expect((await platform.cliJ<{ payoutAccount: { accountNumber: string } }>(['merchant', 'payout-account', merchant.mchId])).payoutAccount.accountNumber).toBe(IBAN);
    expect(problems).toEqual([]);
  }, 60_000);
});
