import { describe, expect, it } from 'vitest';
import { MicroPayClient } from '../../client/src/index.js';
import { docsScreenshot, PHONE, screenshotPath, useChromium } from './browser.js';
import { createWallet, useServedPlatform } from './platform.js';
import { openCodeScreen, revealDigits } from './wallet-page.js';

// The store plays no part in what the page shows: page-wallet-account.test.ts proves the account
// calls on both stores.
describe("the wallet page's account part", () => {
  const platform = useServedPlatform();
  const chromium = useChromium();

  /** A merchant's till: real signed payments of the wallet's fresh codes, and a refund. */
  async function shop(token: string) {
    const merchant = await platform.cliJ<{ mchId: string; apiKey: string }>(['merchant', 'create', '--name', 'Kedai Kopi']);
    const client = new MicroPayClient({ baseUrl: platform.server.url, mchId: merchant.mchId, apiKey: merchant.apiKey });
    const freshCode = async (): Promise<string> => {
      const res = await fetch(`${platform.server.url}/api/wallet/paycode`, {
        method: 'POST', headers: { 'Content-Type': 'application/json', Authorization: `Bearer ${token}` }, body: '{}',
      });
      return ((await res.json()) as { data: { payCode: string } }).data.payCode;
    };
    return {
      pay: async (mchOrderId: string, amount: string, payCode?: string) =>
        client.micropay({ mchOrderId, amount, goodsInfo: 'Kopi', payCode: payCode ?? (await freshCode()) }),
      refund: (mchOrderId: string, refundAmount: string) => client.refund({ mchOrderId, mchRefundId: `R-${mchOrderId}`, refundAmount }),
    };
  }

  it('shows the balances and the history with the refund, pages to older entries, and freezes the wallet after a confirmation', { timeout: 60_000 }, async () => {
    const wallet = await createWallet(platform.cliJ);
    const till = await shop(wallet.token);
    // 10 payments of 1.01 … 1.10, then a refund of 1.50 of the fifth: 12 movements with the opening top-up.
    for (let i = 1; i <= 10; i++) await till.pay(`K-${i}`, `1.${String(i).padStart(2, '0')}`);
    await till.refund('K-5', '0.50');

    const { page, problems } = await openCodeScreen(chromium.browser, await platform.walletLink(wallet.walletId));
    const account = page.getByRole('region', { name: 'Your wallet' });
    await account.getByRole('list', { name: 'Payments and refunds' }).getByRole('listitem').first().waitFor();
    // 50.00 − (1.01 + … + 1.10 = 10.55) + 0.50
    expect(await page.locator('#available').textContent()).toBe('39.95');
    expect(await page.locator('#held').textContent()).toBe('0.00');

    const rows = account.getByRole('list', { name: 'Payments and refunds' }).getByRole('listitem');
    expect(await rows.count()).toBe(10);
    const first = await rows.first().innerText();
    expect(first).toMatch(/^Kedai Kopi\s+\+0\.50\s+Refund · Completed · \d{1,2} [A-Z][a-z]{2} \d{4}, \d\d:\d\d$/);
    expect(await rows.nth(1).innerText()).toMatch(/^Kedai Kopi\s+-1\.10\s+Payment · Paid · /);
    // The refunded payment shows it was partly refunded by its state, and its time for people, in the platform's zone.
    expect(await rows.nth(6).innerText()).toMatch(/^Kedai Kopi\s+-1\.05\s+Payment · Partly refunded \(0\.50 back\) · /);
    expect(await rows.first().locator('time').getAttribute('datetime')).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\+08:00$/);
    expect(await page.locator('#history-zone').textContent()).toBe('Times in Asia/Kuala_Lumpur.');
    expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(PHONE.viewport.width);

    // Older: the next page is added below, and the focus moves to its first entry.
    await page.getByRole('button', { name: 'Older' }).click();
    await expect.poll(() => rows.count()).toBe(12);
    expect(await rows.nth(10).innerText()).toMatch(/^Kedai Kopi\s+-1\.01\s+Payment · Paid · /);
    expect(await rows.nth(11).innerText()).toMatch(/^Top-up\s+\+50\.00\s+Top-up · Completed · /);
    expect(await page.evaluate(() => document.activeElement?.textContent)).toContain('-1.01');
    expect(await page.getByRole('button', { name: 'Older' }).isHidden()).toBe(true);
    const texts = await rows.allInnerTexts();
    expect(new Set(texts).size).toBe(12);
    await page.screenshot({ path: screenshotPath('wallet-account-page'), fullPage: true });
    await docsScreenshot(page.locator('#account'), 'wallet-account');

    // Freezing asks first; Cancel changes nothing.
    const code = await revealDigits(page);
    await page.getByRole('button', { name: 'Freeze this wallet' }).click();
    const question = page.getByRole('group', { name: /Freeze this wallet now\?/ });
    await question.waitFor();
    await docsScreenshot(page.locator('#lost-phone'), 'wallet-freeze-confirm');
    await page.getByRole('button', { name: 'Cancel' }).click();
    await question.waitFor({ state: 'hidden' });
    expect(await page.evaluate(() => document.activeElement?.id)).toBe('freeze');
    expect((await platform.cliJ<{ status: string }>(['wallet', 'show', wallet.walletId])).status).toBe('active');
    // Escape is Cancel too, and the focus goes back to the button that asked.
    await page.keyboard.press('Enter');
    await question.waitFor();
    await page.keyboard.press('Escape');
    await question.waitFor({ state: 'hidden' });
    expect(await page.evaluate(() => document.activeElement?.id)).toBe('freeze');

    // By keyboard: the button, then "Yes, freeze it".
    await page.getByRole('button', { name: 'Freeze this wallet' }).focus();
    await page.keyboard.press('Enter');
    await page.getByRole('button', { name: 'Yes, freeze it' }).focus();
    await page.keyboard.press('Enter');
    await expect.poll(() => page.locator('#wallet-state').textContent())
      .toBe('This wallet is frozen: it cannot pay. Only the operator can unfreeze it.');
    // The button pressed is gone: the keyboard lands on what happened.
    expect(await page.evaluate(() => document.activeElement?.id)).toBe('wallet-state');
    await expect.poll(() => page.locator('#code-status').textContent()).toBe('This wallet is frozen: it cannot pay. Ask the operator to unfreeze it.');
    // Nothing is to be shown to a cashier: the screen's heading says what is so.
    expect(await page.locator('#code-heading').textContent()).toBe('This wallet is frozen');
    // No "New code" to press: a frozen wallet's every request for one is refused.
    await expect.poll(() => page.locator('#renew').isVisible()).toBe(false);
    // Nothing of the code stays on screen: no symbols, no digits, no countdown.
    expect(await page.locator('#qr svg').count()).toBe(0);
    expect(await page.locator('#digits').isHidden()).toBe(true);
    expect(await page.locator('#countdown').textContent()).toBe('');
    expect(await page.getByRole('button', { name: 'Freeze this wallet' }).isHidden()).toBe(true);
    await page.screenshot({ path: screenshotPath('wallet-frozen-page'), fullPage: true });
    await page.evaluate(() => window.scrollTo(0, 0));
    await docsScreenshot(page, 'wallet-frozen');

    // The code the page showed before no longer pays: the wallet is frozen (9001).
    const refused = await till.pay('after-freeze', '1.00', code).then(() => null, (error: { code: number; message: string }) => error);
    expect(refused?.code).toBe(9001);
    const shown = await platform.cliJ<{ status: string; balance: string }>(['wallet', 'show', wallet.walletId]);
    expect(shown).toMatchObject({ status: 'frozen', balance: '39.95' });
    // A reload still says so, and the balances stay readable.
    await page.reload();
    await expect.poll(() => page.locator('#wallet-state').textContent()).toContain('This wallet is frozen');
    expect(await page.locator('#available').textContent()).toBe('39.95');
    // The line above the code follows the balance the account reads, not only the one at sign-in.
    expect(await page.locator('#wallet-line').textContent()).toMatch(/ · available 39\.95$/);
    await platform.cliJ(['wallet', 'topup', wallet.walletId, '0.05']);
    await page.getByRole('button', { name: 'Refresh' }).click();
    await expect.poll(() => page.locator('#wallet-line').textContent()).toMatch(/ · available 40\.00$/);
    expect(problems).toEqual([]);
  });

  it('shows a top-up an operator reversed: the reversal as money out, the top-up marked Reversed', { timeout: 30_000 }, async () => {
    const wallet = await createWallet(platform.cliJ, '10.00');
    await platform.cliJ(['wallet', 'topup', wallet.walletId, '200.00']);
    const history = await platform.cliJ<{ movements: { entryId: string }[] }>(['wallet', 'history', wallet.walletId]);
    await platform.cliJ(['wallet', 'reverse-topup', wallet.walletId, history.movements[0]!.entryId, '--reason', 'typed 200 for 20']);

    const { page, problems } = await openCodeScreen(chromium.browser, await platform.walletLink(wallet.walletId));
    const rows = page.getByRole('region', { name: 'Your wallet' }).getByRole('list', { name: 'Payments and refunds' }).getByRole('listitem');
    await expect.poll(() => rows.count()).toBe(3);
    expect(await page.locator('#available').textContent()).toBe('10.00');
    expect(await rows.nth(0).innerText()).toMatch(/^Top-up reversed\s+-200\.00\s+Top-up reversed · Completed · /);
    expect(await rows.nth(1).innerText()).toMatch(/^Top-up\s+\+200\.00\s+Top-up · Reversed · /);
    expect(await rows.nth(2).innerText()).toMatch(/^Top-up\s+\+10\.00\s+Top-up · Completed · /);
    await page.screenshot({ path: screenshotPath('wallet-account-reversed-top-up'), fullPage: true });
    expect(problems).toEqual([]);
  });

  it('fits a phone held upright: the largest balance a wallet may hold, and text at 200 %, never scroll sideways', { timeout: 30_000 }, async () => {
    const wallet = await createWallet(platform.cliJ, '99999999999.99');
    const { page, problems } = await openCodeScreen(chromium.browser, await platform.walletLink(wallet.walletId));
    await expect.poll(() => page.locator('#available').textContent()).toBe('99999999999.99');
    const sideways = () => page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
    expect(await sideways()).toBe(0);
    await page.screenshot({ path: screenshotPath('wallet-account-largest-balance'), fullPage: true });
    await page.evaluate(() => { document.documentElement.style.fontSize = '200%'; });
    expect(await sideways()).toBe(0);
    // Each box its own line, whole: the number is not cut at the screen's edge.
    const [available, held] = await Promise.all(['#available', '#held'].map((id) => page.locator(id).locator('..').boundingBox()));
    expect(held!.y).toBeGreaterThan(available!.y);
    expect(available!.x + available!.width).toBeLessThanOrEqual(PHONE.viewport.width);
    await page.locator('#account').screenshot({ path: screenshotPath('wallet-account-text-200') });
    expect(problems).toEqual([]);
  });
});
