import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { runCli } from '../../server/test/process-helpers.js';
import { useChromium, watchForProblems } from './browser.js';
import { signInToMerchantConsole, signInToOperatorConsole } from './console-page.js';
import { createWallet, useServedPlatform } from './platform.js';
import { copyAuditRows, copyOrder, copyWallet } from './seed.js';

/** What has the keyboard's focus: its tag, and a row's first cell, so a test names the row it expects. */
function focused(page: Page): Promise<{ tag: string; firstCell: string | null }> {
  return page.evaluate(() => {
    const el = document.activeElement;
    return { tag: el?.tagName ?? '', firstCell: el instanceof HTMLTableRowElement ? el.cells[0]?.textContent ?? null : null };
  });
}

/** A paging button pressed as a keyboard user does: focused, then Enter. */
async function pressByKeyboard(page: Page, name: string): Promise<void> {
  await page.getByRole('button', { name, exact: true }).focus();
  await page.keyboard.press('Enter');
}

// The consoles' paging buttons hide or go with the page they draw: the keyboard's focus must land
// on the new page, never on <body> (where the next Tab starts at the page's top).
describe("the consoles' paging keeps the keyboard's place", () => {
  const platform = useServedPlatform();
  const chromium = useChromium();

  it('Orders: Next page to the last page and First page back each land on the first row of the page drawn', async () => {
    const shop = await platform.cliJ<{ mchId: string; apiKey: string }>(['merchant', 'create', '--name', 'Corner Shop']);
    const owner = await platform.cliJ<{ password: string }>(['merchant-user', 'create', '--mch-id', shop.mchId, '--name', 'boss', '--role', 'owner']);
    const { walletId } = await createWallet(platform.cliJ, '5.00');
    const { payCode } = await platform.cliJ<{ payCode: string }>(['paycode', walletId]);
    const paid = await runCli(['pay', '--url', platform.server.url, '--mch-id', shop.mchId, '--order', 'T-1000', '--amount', '1.00', '--code', payCode], { env: { MICROPAY_KEY: shop.apiKey } });
    expect(paid.code, paid.stderr).toBe(0);
    // 26 orders: a page of 25 and a last page of one.
    const copies = copyOrder(platform.dbPath, shop.mchId, 'T-1000', 25);

    const page = await chromium.browser.newPage({ viewport: { width: 1100, height: 900 } });
    const problems = watchForProblems(page);
    await signInToMerchantConsole(page, `${platform.server.url}/merchant#orders`, { mchId: shop.mchId, name: 'boss', password: owner.password });
    const rows = page.locator('#orders-table tbody tr');
    await expect.poll(() => rows.count()).toBe(25);
    await pressByKeyboard(page, 'Next page');
    await expect.poll(() => page.locator('#orders-status').textContent()).toBe('1 order.');
    expect(await page.getByRole('button', { name: 'Next page' }).isHidden()).toBe(true);
    expect(await focused(page)).toEqual({ tag: 'TR', firstCell: copies[24] });
    // Tab goes on from the row: to its order's link, not to the console's top.
    await page.keyboard.press('Tab');
    expect(await page.evaluate(() => document.activeElement?.textContent)).toBe(copies[24]);

    await pressByKeyboard(page, 'First page');
    await expect.poll(() => page.locator('#orders-status').textContent()).toBe('25 orders, more on the next page.');
    expect(await page.getByRole('button', { name: 'First page' }).isHidden()).toBe(true);
    expect(await focused(page)).toEqual({ tag: 'TR', firstCell: 'T-1000' });
    expect(problems).toEqual([]);
  }, 90_000);

  it('Audit log: Older entries lands on the first entry it added and says how many; Wallets: Next page on the next page', async () => {
    const ops = await platform.cliJ<{ password: string }>(['admin', 'create', '--name', 'ops']);
    const { walletId } = await createWallet(platform.cliJ, '5.00');
    // 21 wallets: a page of 20 and one more.
    const wallets = copyWallet(platform.dbPath, walletId, 20);
    const page = await chromium.browser.newPage({ viewport: { width: 1200, height: 900 } });
    const problems = watchForProblems(page);
    await signInToOperatorConsole(page, `${platform.server.url}/admin#audit-log`, { name: 'ops', password: ops.password });
    // The log's page holds 50: 50 copies of its newest row push what it held (the sign-in and the
    // CLI's rows) to the second page.
    copyAuditRows(platform.dbPath, 50);
    await page.getByRole('button', { name: 'Show' }).click();
    const entries = page.locator('#section tbody tr');
    await expect.poll(() => entries.count()).toBe(50);
    await pressByKeyboard(page, 'Older entries');
    const said = page.locator('#section [role=status]').first();
    await expect.poll(() => said.textContent()).toMatch(/^\d+ older entr(y|ies) shown\.$/);
    expect(await entries.count()).toBe(50 + Number.parseInt((await said.textContent())!, 10));
    expect(await page.getByRole('button', { name: 'Older entries' }).isHidden()).toBe(true);
    expect(await page.evaluate(() => document.activeElement === document.querySelectorAll('#section tbody tr')[50])).toBe(true);

    await page.getByRole('navigation', { name: 'Sections' }).getByRole('link', { name: 'Wallets' }).click();
    const found = page.locator('#section tbody tr');
    await expect.poll(() => found.count()).toBe(20);
    await pressByKeyboard(page, 'Next page');
    await expect.poll(() => page.locator('#section [role=status]').first().textContent()).toBe('Next page: 1 wallet shown.');
    expect(await found.count()).toBe(1);
    expect(await focused(page)).toEqual({ tag: 'TR', firstCell: wallets[19] });
    expect(problems).toEqual([]);
  }, 90_000);

  it('Payouts: a next page refused says why, and the focus goes to what says it (never "0 payouts shown")', async () => {
    const ops = await platform.cliJ<{ password: string }>(['admin', 'create', '--name', 'payout-ops']);
    const page = await chromium.browser.newPage({ viewport: { width: 1200, height: 900 } });
    // The first list is told it has a next page; the next page's read is refused (as a cursor gone stale would be).
    await page.route('**/api/page/admin/payouts/list', async (route) => {
      const asked = JSON.parse(route.request().postData() ?? '{}') as { cursor?: string };
      if (asked.cursor === undefined) {
        const real = await route.fetch();
        const body = (await real.json()) as { data: { next: string | null } };
        return route.fulfill({ response: real, json: { ...body, data: { ...body.data, next: 'later' } } });
      }
      return route.fulfill({ json: { code: 1021, msg: 'param error: cursor is not one this list gave', data: null } });
    });
    await signInToOperatorConsole(page, `${platform.server.url}/admin#payouts`, { name: 'payout-ops', password: ops.password });
    await pressByKeyboard(page, 'Next page');
    const status = page.locator('#payouts-status');
    await expect.poll(() => status.textContent()).toBe('param error: cursor is not one this list gave');
    expect(await page.evaluate(() => document.activeElement?.id)).toBe('payouts-status');
  });
});
