import { readFileSync } from 'node:fs';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { sign } from '@micropay/protocol';
import { runCli } from '../../server/test/process-helpers.js';
import { Receiver } from '../../server/test/notify-receiver.js';
import { docsScreenshot, useChromium, watchForProblems } from './browser.js';
import { signInToMerchantConsole } from './console-page.js';
import { chargeByScanner, tillFor } from './cashier-page.js';
import { createWallet, useServedPlatform } from './platform.js';

/** Today in the platform's zone (the server's default, Asia/Kuala_Lumpur), as `yyyy-MM-dd`. */
function platformToday(): string {
  return new Intl.DateTimeFormat('en-CA', { timeZone: 'Asia/Kuala_Lumpur', year: 'numeric', month: '2-digit', day: '2-digit' }).format(Date.now());
}

// The merchant console's Orders, Order detail and Statements in real Chromium against `micropay
// serve`; every access rule is proven on both stores over HTTP in
// packages/server/test/console-orders-api.test.ts.
describe("the merchant console's orders and statements", () => {
  const platform = useServedPlatform({ MICROPAY_NOTIFY_INTERVAL_MS: '200' });
  const chromium = useChromium();
  let receiver: Receiver;
  beforeEach(async () => {
    receiver = await new Receiver().start();
  });
  afterEach(async () => {
    await receiver.stop();
  });

  it('the owner finds an order, refunds part of it, sees the refund and the notifications, and downloads the day', async () => {
    const merchant = await platform.cliJ<{ mchId: string; apiKey: string }>(['merchant', 'create', '--name', 'Corner Shop', '--notify-url', receiver.url]);
    const owner = await platform.cliJ<{ password: string }>(['merchant-user', 'create', '--mch-id', merchant.mchId, '--name', 'boss', '--role', 'owner']);
    const wallet = await createWallet(platform.cliJ, '100.00');
    for (const [order, amount] of [['ORD-1001', '4.50'], ['ORD-1002', '12.00'], ['ORD-1003', '7.25'], ['OTHER-1', '1.00']]) {
      const { payCode } = await platform.cliJ<{ payCode: string }>(['paycode', wallet.walletId]);
      const paid = await runCli(['pay', '--url', platform.server.url, '--mch-id', merchant.mchId, '--order', order!, '--amount', amount!, '--code', payCode], { env: { MICROPAY_KEY: merchant.apiKey } });
      expect(paid.code, paid.stderr).toBe(0);
    }

    const page = await chromium.browser.newPage({ viewport: { width: 1100, height: 900 }, timezoneId: 'America/New_York' });
    const problems = watchForProblems(page);
    await signInToMerchantConsole(page, `${platform.server.url}/merchant#orders`, { mchId: merchant.mchId, name: 'boss', password: owner.password });
    expect(await page.getByRole('navigation', { name: 'Sections' }).getByRole('link').allTextContents()).toEqual(['Users', 'Orders', 'Statements', 'API key', 'Notifications', 'Balance & payouts', 'Activity', 'Your password']);

    // Filters: the prefix and an amount range; then a bad amount is told in words.
    const rows = page.locator('#orders-table tbody tr');
    await expect.poll(() => rows.count()).toBe(4);
    await page.getByLabel("Order id: yours (or its start*) or MicroPay's").fill('ORD-*');
    await page.getByLabel('Amount from').fill('5.00');
    await page.getByRole('button', { name: 'Search' }).click();
    await expect.poll(() => rows.locator('td:first-child').allTextContents()).toEqual(['ORD-1003', 'ORD-1002']);
    // The wallet is seen as "•••• 1234" and read out as "ending 1234", not as four bullets.
    expect(await rows.first().locator('td').allTextContents()).toEqual(['ORD-1003', expect.stringMatching(/^\d{1,2} [A-Z][a-z]{2} \d{4}, \d{2}:\d{2}:\d{2}$/), '7.25', '0.00', 'Paid', expect.stringMatching(/^•••• ending \d{4}$/), 'Your system (API)']);
    expect(await rows.first().locator('td').nth(5).ariaSnapshot()).toMatch(/^- cell "ending \d{4}"$/);
    await docsScreenshot(page, 'merchant-orders');
    await page.getByLabel('Amount to').fill('abc');
    await page.getByRole('button', { name: 'Search' }).click();
    await expect.poll(() => page.locator('#orders-status').textContent()).toBe('Amount to must be a decimal with at most two places, e.g. "1.00"');
    // … at the field too: marked, described by the status line, and focused.
    const refusedField = () => page.evaluate(() => [document.activeElement?.id, document.activeElement?.getAttribute('aria-invalid'), document.activeElement?.getAttribute('aria-describedby')]);
    expect(await refusedField()).toEqual(['filter-maxAmount', 'true', 'orders-status']);
    await page.getByLabel('Amount to').fill('');
    expect(await page.getByLabel('Amount to').getAttribute('aria-invalid')).toBeNull();
    // A date range the wrong way round names From.
    await page.getByLabel('From (date)').fill('2026-02-02');
    await page.getByLabel('To (date)').fill('2026-01-01');
    await page.getByRole('button', { name: 'Search' }).click();
    await expect.poll(() => page.locator('#orders-status').textContent()).toBe('From (date) must not be after to (2026-01-01)');
    expect(await refusedField()).toEqual(['filter-from', 'true', 'orders-status']);
    await page.getByLabel('From (date)').fill('');
    await page.getByLabel('To (date)').fill('');
    // The status is chosen among the order states the table shows, not typed.
    const status = page.getByLabel('Status');
    // In the words the till uses, not the API's names.
    expect(await status.locator('option').allTextContents()).toEqual(['Any', 'Paid, refunded or not', 'In progress', 'Paid', 'Waiting for the customer', 'Failed', 'Refund in process', 'Refunded', 'Paid (a refund failed)']);
    await status.selectOption({ label: 'Failed' });
    await page.getByRole('button', { name: 'Search' }).click();
    await expect.poll(() => page.locator('#orders-status').textContent()).toBe('No orders match these filters.');
    await status.selectOption({ label: 'Paid, refunded or not' });
    await page.getByRole('button', { name: 'Search' }).click();
    await expect.poll(() => page.locator('#orders-status').textContent()).toBe('2 orders.');
    await expect.poll(() => rows.locator('td:first-child').allTextContents()).toEqual(['ORD-1003', 'ORD-1002']);
    await page.getByRole('link', { name: 'ORD-1002' }).click();

    // The detail: refund 2.00 of 12.00 with a reason; the timeline shows it, then the notifications.
    await page.getByLabel('Reason (required)').waitFor();
    // The heading and the tab name the order, not the list.
    expect(await page.getByRole('heading', { level: 2 }).textContent()).toBe('Order ORD-1002');
    expect(await page.title()).toBe('Order ORD-1002 · MicroPay merchant console');
    expect(await page.getByLabel(/^Amount \(up to/).inputValue()).toBe('12.00');
    // A refused field is said in the words of its label beside it (an alert, tied to it, in view
    // where the focus is on a phone's screen), marked, and focused; said once: not in the status too.
    await page.getByRole('button', { name: 'Refund' }).click();
    await expect.poll(() => page.locator('#refund-problem').textContent()).toBe('The reason is required');
    expect(await page.locator('#order-status').textContent()).toBe('');
    expect(await page.evaluate(() => [document.activeElement?.id, document.activeElement?.getAttribute('aria-invalid')])).toEqual(['refund-reason', 'true']);
    await page.getByLabel(/^Amount \(up to/).fill('0');
    await page.getByLabel('Reason (required)').fill('One cup returned');
    await page.getByRole('button', { name: 'Refund' }).click();
    await expect.poll(() => page.locator('#refund-problem').textContent()).toBe('The amount must be greater than 0');
    expect(await page.locator('#order-status').textContent()).toBe('');
    expect(await page.evaluate(() => [document.activeElement?.id, document.activeElement?.getAttribute('aria-invalid')])).toEqual(['refund-amount', 'true']);
    expect(await page.getByLabel(/^Amount \(up to/).getAttribute('aria-describedby')).toBe('refund-problem');
    await page.getByLabel(/^Amount \(up to/).fill('2.00');
    // A reason as long as the API takes (128) is kept whole, not cut by the field.
    const reason = `One cup returned: ${'the lid was cracked and the customer asked for the money back; '.repeat(3)}`.slice(0, 128);
    await page.getByLabel('Reason (required)').fill(`${reason}and more`);
    expect(await page.getByLabel('Reason (required)').inputValue()).toBe(reason);
    await page.getByRole('button', { name: 'Refund' }).click();
    await expect.poll(() => page.locator('#order-status').textContent()).toBe('Refunded 2.00.');
    // The form was drawn again: the keyboard goes on from what was done, not from the page's top.
    expect(await page.evaluate(() => document.activeElement?.id)).toBe('order-status');
    await expect.poll(() => page.locator('#order-timeline li[data-kind="refunded"]').textContent()).toMatch(/Refund \w+ of 2\.00 done\.$/);
    expect(await page.locator('#order-timeline li[data-kind="refundRequested"]').textContent()).toContain(`: ${reason.trim()}`);
    await expect.poll(async () => {
      await page.reload();
      await page.locator('#order-timeline').waitFor();
      return page.locator('#order-timeline li[data-kind="sourced"]').allTextContents();
    }, { timeout: 15_000, interval: 500 }).toEqual([expect.stringMatching(/Notification PAID, attempt 1: delivered \(HTTP 200\)/), expect.stringMatching(/Notification REFUNDED, attempt 1: delivered \(HTTP 200\)/)]);
    expect(await page.locator('.order-fields').textContent()).toContain('Refundable10.00');
    // The customer's wallet id is masked everywhere on the page, postings included.
    expect(await page.locator('#order-timeline').textContent()).not.toContain(wallet.walletId);
    await docsScreenshot(page, 'merchant-order-detail', { fullPage: true });

    // Statements: today's totals, and the CSV is downloadBill's for the day.
    await page.getByRole('navigation', { name: 'Sections' }).getByRole('link', { name: 'Statements' }).click();
    const today = platformToday();
    expect(await page.getByLabel(/^Day/).inputValue()).toBe(today);
    await expect.poll(() => page.locator('#statement-totals tbody tr').allTextContents()).toEqual([
      'Opening balance0.00', 'Payments (4)24.75', 'Refunds (1)−2.00', 'Net22.75', 'Payouts0.00', 'Closing balance22.75',
    ]);
    const [download] = await Promise.all([page.waitForEvent('download'), page.getByRole('button', { name: 'Download CSV' }).click()]);
    expect(download.suggestedFilename()).toBe(`statement-${merchant.mchId}-${today}.csv`);
    const csv = readFileSync((await download.path())!, 'utf8');
    const params: Record<string, string> = { mchId: merchant.mchId, billDate: today, timestamp: String(Date.now()) };
    params.secureHash = sign(params, merchant.apiKey);
    const bill = await (await fetch(`${platform.server.url}/api/micropay/downloadBill`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(params) })).json() as { data: { csv: string } };
    expect(csv).toBe(bill.data.csv);
    expect(csv.split('\n').filter((l) => l.includes('ORD-1002'))).toHaveLength(2);
    await expect.poll(() => page.locator('#statement-status').textContent()).toBe(`Downloaded statement-${merchant.mchId}-${today}.csv.`);
    await docsScreenshot(page, 'merchant-statements');
    expect(problems).toEqual([]);
  }, 150_000);

  it('the owner sees which till charged each order and picks one till; a cashier sees only its own, with no till to pick', async () => {
    const till = await tillFor(platform, chromium.browser);
    const { mchId, apiKey } = till.cashier;
    await platform.cliJ(['cashier', 'create', '--mch-id', mchId, '--name', 'lane-2']);
    const owner = await platform.cliJ<{ password: string }>(['merchant-user', 'create', '--mch-id', mchId, '--name', 'boss', '--role', 'owner']);
    const wallet = await createWallet(platform.cliJ, '100.00');
    const code = async () => (await platform.cliJ<{ payCode: string }>(['paycode', wallet.walletId])).payCode;
    await chargeByScanner(till.page, '3.20', 'Tea', await code());
    const paid = await runCli(['pay', '--url', platform.server.url, '--mch-id', mchId, '--order', 'WEB-7', '--amount', '8.00', '--code', await code()], { env: { MICROPAY_KEY: apiKey } });
    expect(paid.code, paid.stderr).toBe(0);

    const page = await chromium.browser.newPage({ viewport: { width: 1100, height: 700 } });
    const problems = watchForProblems(page);
    await signInToMerchantConsole(page, `${platform.server.url}/merchant#orders`, { mchId, name: 'boss', password: owner.password });
    const rows = page.locator('#orders-table tbody tr');
    await expect.poll(() => rows.count()).toBe(2);
    expect(await page.locator('#orders-table thead th').allTextContents()).toEqual(['Order', 'Time', 'Amount', 'Refunded', 'Status', 'Wallet', 'Till']);
    expect(await rows.locator('td:last-child').allTextContents()).toEqual(['Your system (API)', 'lane-1']);
    // The till is picked by its user's name, among the merchant's users.
    const pick = page.getByLabel('Till');
    await expect.poll(() => pick.locator('option').allTextContents()).toEqual(['Any', 'Your system (API)', 'boss', 'lane-1', 'lane-2']);
    // The merchant's own system's orders alone.
    await pick.selectOption({ label: 'Your system (API)' });
    await page.getByRole('button', { name: 'Search' }).click();
    await expect.poll(() => rows.locator('td:first-child').allTextContents()).toEqual(['WEB-7']);
    await pick.selectOption('lane-1');
    await page.getByRole('button', { name: 'Search' }).click();
    // The list before said "1 order." too: the rows tell when this search's list is drawn.
    await expect.poll(() => rows.first().locator('td').allTextContents())
      .toEqual([expect.any(String), expect.any(String), '3.20', '0.00', 'Paid', expect.stringMatching(/^•••• ending \d{4}$/), 'lane-1']);
    expect(await page.locator('#orders-status').textContent()).toBe('1 order.');
    await docsScreenshot(page, 'merchant-orders-till');
    await pick.selectOption('lane-2');
    await page.getByRole('button', { name: 'Search' }).click();
    await expect.poll(() => page.locator('#orders-status').textContent()).toBe('No orders match these filters.');
    // The detail says who charged it, in the fields and in the timeline.
    await pick.selectOption('');
    await page.getByRole('button', { name: 'Search' }).click();
    await rows.nth(1).getByRole('link').click();
    await expect.poll(() => page.locator('#order-timeline li[data-kind="tillCharge"]').textContent()).toMatch(/ Charged at the till by lane-1\.$/);
    expect(await page.locator('.order-fields').textContent()).toContain('Tilllane-1');
    expect(problems).toEqual([]);

    // The cashier's own console: its till's orders only, no column or filter naming tills.
    const cashierPage = await chromium.browser.newPage({ viewport: { width: 1100, height: 700 } });
    await signInToMerchantConsole(cashierPage, `${platform.server.url}/merchant#orders`, { mchId, name: 'lane-1', password: till.cashier.password });
    const own = cashierPage.locator('#orders-table tbody tr');
    await expect.poll(() => own.count()).toBe(1);
    expect(await cashierPage.locator('#orders-table thead th').allTextContents()).toEqual(['Order', 'Time', 'Amount', 'Refunded', 'Status', 'Wallet']);
    expect(await cashierPage.getByLabel('Till').count()).toBe(0);
    expect(till.problems).toEqual([]);
  }, 120_000);
});
