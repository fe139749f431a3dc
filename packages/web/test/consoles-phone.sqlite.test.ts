import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { signInToMerchantConsole, signInToOperatorConsole } from './console-page.js';
import { runCli } from '../../server/test/process-helpers.js';
import { docsScreenshot, PHONE, screenshotPath, useChromium, watchForProblems } from './browser.js';
import { createWallet, useServedPlatform } from './platform.js';

// The consoles are desk-first, but an owner or operator away from the desk opens them on a phone:
// every section must fit its width, and a table's rows become cards, each cell under its column's name.
describe('the consoles on a phone', () => {
  const platform = useServedPlatform();
  const chromium = useChromium();

  // Every section of both consoles, one after another: past vitest's 30 s when the machine is busy.
  it('every section of the merchant console and of the operator console fits a phone held upright', async () => {
    const shop = await platform.cliJ<{ mchId: string; apiKey: string }>(['merchant', 'create', '--name', 'Corner Shop', '--notify-url', 'http://127.0.0.1:9/notify']);
    const owner = await platform.cliJ<{ password: string }>(['merchant-user', 'create', '--mch-id', shop.mchId, '--name', 'boss', '--role', 'owner']);
    const ops = await platform.cliJ<{ password: string }>(['admin', 'create', '--name', 'ops']);
    const paying: string[] = [];
    // The second as the till names its charges: 32 letters and digits, the longest id a card shows.
    for (const order of ['phone-1', '51d0b37e29c74f76996bddbf1a6b790c']) {
      const { walletId } = await createWallet(platform.cliJ, '5.00');
      paying.push(walletId);
      const { payCode } = await platform.cliJ<{ payCode: string }>(['paycode', walletId]);
      const flags = ['--url', platform.server.url, '--mch-id', shop.mchId, '--order', order, '--amount', '1.25', '--code', payCode];
      expect((await runCli(['pay', ...flags], { env: { MICROPAY_KEY: shop.apiKey } })).code).toBe(0);
    }
    // A payout to the shop's account: both consoles' payout lists show where it goes, and must fit too.
    await platform.cliJ(['merchant', 'payout-account', shop.mchId, '--holder', 'Corner Shop Sdn Bhd', '--bank', 'Westminster Bank', '--account', 'GB82WEST12345698765432']);
    await platform.cliJ(['payout', 'create', '--mch-id', shop.mchId, '--amount', '1.00']);

    const merchant = await chromium.browser.newPage(PHONE);
    const merchantProblems = watchForProblems(merchant);
    await signInToMerchantConsole(merchant, `${platform.server.url}/merchant`, { mchId: shop.mchId, name: 'boss', password: owner.password });
    const wide = await overflowingSections(merchant);
    await merchant.getByRole('link', { name: 'Orders' }).click();
    await merchant.locator('table tbody tr').first().waitFor();
    await docsScreenshot(merchant, 'merchant-orders-phone', { fullPage: true });
    // An order's detail: its 22-digit MicroPay order id on one line, and the page no wider than the phone.
    await merchant.locator('table tbody tr a').first().click();
    const orderId = merchant.locator('.order-fields dd').nth(1);
    await expect.poll(() => orderId.textContent()).toMatch(/^\d{22}$/);
    expect(await orderId.evaluate((dd) => { const r = document.createRange(); r.selectNodeContents(dd); return new Set([...r.getClientRects()].map((b) => Math.round(b.top))).size; })).toBe(1);
    // … and all of it in view, not scrolled out of its box.
    expect(await orderId.evaluate((dd) => dd.scrollWidth <= dd.clientWidth)).toBe(true);
    expect(await merchant.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(PHONE.viewport.width);
    await merchant.screenshot({ path: screenshotPath('merchant-order-detail-phone'), fullPage: true });
    // Users: each user a card with its state and its button; the owner's own says "You".
    await platform.cliJ(['merchant-user', 'create', '--mch-id', shop.mchId, '--name', 'lane-1', '--role', 'cashier']);
    await merchant.getByRole('link', { name: 'Users' }).click();
    await expect.poll(() => merchant.locator('table tbody tr').count()).toBe(2);
    expect(await merchant.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(PHONE.viewport.width);
    await merchant.screenshot({ path: screenshotPath('merchant-users-phone'), fullPage: true });
    expect(merchantProblems).toEqual([]);

    const admin = await chromium.browser.newPage(PHONE);
    const adminProblems = watchForProblems(admin);
    await signInToOperatorConsole(admin, `${platform.server.url}/admin`, { name: 'ops', password: ops.password });
    wide.push(...(await overflowingSections(admin)));
    expect(wide).toEqual([]);
    await admin.getByRole('link', { name: 'Payouts' }).click();
    await admin.locator('.payout-list tbody tr').first().waitFor();
    // The id checked whole above is there to check: a payout's 22 digits.
    expect(await admin.locator('.payout-list td[data-label="Payout"]').first().textContent()).toMatch(/^\d{22}$/);
    await admin.screenshot({ path: screenshotPath('admin-payouts-phone'), fullPage: true });
    // On a 320 px phone the id goes under its name and is shown whole, not scrolled in its own box.
    await admin.setViewportSize({ width: 320, height: 700 });
    const payoutId = admin.locator('.payout-list td[data-label="Payout"] .code').first();
    expect(await payoutId.evaluate((c) => [c.scrollWidth <= c.clientWidth, c.getBoundingClientRect().right <= 320])).toEqual([true, true]);
    expect(await admin.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(320);
    await admin.screenshot({ path: screenshotPath('admin-payouts-320'), fullPage: true });
    await admin.setViewportSize(PHONE.viewport);
    await admin.getByRole('link', { name: 'Merchants' }).click();
    await admin.locator('table tbody tr').first().waitFor();
    await docsScreenshot(admin, 'admin-merchants-phone', { fullPage: true });
    await admin.getByRole('button', { name: `Users of ${shop.mchId}` }).click();
    await expect.poll(() => admin.locator('.merchant-users table tbody tr').count()).toBe(2);
    expect(await admin.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(PHONE.viewport.width);
    await admin.locator('.merchant-users').screenshot({ path: screenshotPath('admin-merchant-users-phone') });
    // A holder's name with no space to break at still fits: it breaks anywhere rather than widening the page.
    const unbroken = await platform.cliJ<{ mchId: string }>(['merchant', 'create', '--name', 'Long Name Shop']);
    await platform.cliJ(['merchant', 'payout-account', unbroken.mchId, '--holder', 'W'.repeat(100), '--bank', 'B'.repeat(60), '--account', 'MT84 MALT 0110 0001 2345 MTLC AST0 01S']);
    await admin.reload();
    await admin.getByRole('button', { name: `Payout account of ${unbroken.mchId}` }).click();
    await admin.locator('.merchant-account dd').first().waitFor();
    expect(await admin.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(PHONE.viewport.width);
    // A wallet opened whole: its actions, the holder's access and its transactions with their order ids.
    await admin.getByRole('link', { name: 'Wallets' }).click();
    await admin.getByRole('button', { name: `Open ${paying[0]}` }).click();
    await admin.getByRole('button', { name: 'Show transactions' }).click();
    await expect.poll(() => admin.locator('.wallet-history tbody tr').count()).toBe(2);
    expect(await admin.locator('.holder-access').count()).toBe(1);
    expect(await admin.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(PHONE.viewport.width);
    await admin.locator('#wallet-detail').screenshot({ path: screenshotPath('admin-wallet-phone') });
    expect(adminProblems).toEqual([]);
  }, 90_000);
});

/**
 * Opens every section from the console's navigation and names those wider than the screen, with
 * their width: the page itself may never scroll sideways.
 */
async function overflowingSections(page: Page): Promise<string[]> {
  const nav = page.getByRole('navigation', { name: 'Sections' });
  const names = await nav.getByRole('link').allTextContents();
  expect(names.length).toBeGreaterThan(3);
  const wide: string[] = [];
  for (const name of names) {
    await nav.getByRole('link', { name, exact: true }).click();
    await expect.poll(() => page.getByRole('heading', { level: 2 }).first().textContent()).toBe(name);
    // The section's answer has arrived when its busy state is gone (tables, lists, charts).
    await page.waitForLoadState('networkidle');
    const width = await page.evaluate(() => document.documentElement.scrollWidth);
    if (width > PHONE.viewport.width) wide.push(`${name}: ${width} px, past the edge: ${await pastTheEdge(page)}`);
    wide.push(...(await hiddenColumns(page)).map((table) => `${name}: ${table}`));
    wide.push(...(await cutIds(page)).map((id) => `${name}: ${id}`));
  }
  return wide;
}

/**
 * The tables whose rows a phone cannot show whole: wider than their box (a column hidden until
 * scrolled sideways), or with a cell that does not say its column (a card of bare values).
 */
function hiddenColumns(page: Page): Promise<string[]> {
  // A chart's table is for screen readers only (shared/charts.ts), in a box of its own off screen.
  return page.evaluate(() => [...document.querySelectorAll<HTMLTableElement>('.console-body table:not(.chart-table)')].flatMap((t) => {
    const box = t.parentElement!;
    const cells = [...t.querySelectorAll<HTMLTableCellElement>('tbody td:not(.row-actions)')];
    const unnamed = cells.filter((td) => getComputedStyle(td, '::before').content.replace(/^"|"$/g, '') === '' && t.tHead !== null);
    // What a cell shows sits beside its column's name, never under it in the name's place; a long
    // id (console.css .long-id) has the line under its name to itself, below the name, not over it.
    const misplaced = cells.filter((td) => td.classList.contains('long-id')
      ? [...td.children].some((e) => e.getBoundingClientRect().top < td.getBoundingClientRect().top + 10)
      : [...td.children].some((e) => e.getBoundingClientRect().left < td.getBoundingClientRect().left + 40));
    const name = t.caption?.textContent ?? t.id;
    return [
      ...(t.scrollWidth > box.clientWidth + 1 ? [`table "${name}" is ${t.scrollWidth} px in a box of ${box.clientWidth}`] : []),
      ...(unnamed.length > 0 ? [`table "${name}" has ${unnamed.length} cells without their column's name`] : []),
      ...(misplaced.length > 0 ? [`table "${name}" has ${misplaced.length} cells whose content is under their column's name`] : []),
    ];
  }));
}

/** The columns whose values are ids: a payout's 22 digits, an order id, what an entry is about. */
const ID_COLUMNS = ['Payout', 'Order', 'Subject'];

/**
 * The ids a card shows cut: broken to another line anywhere but after a hyphen (never inside a
 * number), or reaching past their cell's edge (hidden until scrolled). An id is read, and typed
 * into a bank's or a merchant's system, whole.
 */
function cutIds(page: Page): Promise<string[]> {
  return page.evaluate((columns) => [...document.querySelectorAll<HTMLTableCellElement>('.console-body table.stacks td')]
    .filter((td) => columns.includes(td.dataset.label ?? '') && (td.textContent ?? '') !== '')
    .flatMap((td) => {
      // Each character's box, and so its line: the lines as the reader sees them.
      const lines = new Map<number, string>();
      let right = 0;
      const texts = document.createTreeWalker(td, NodeFilter.SHOW_TEXT);
      for (let text = texts.nextNode(); text !== null; text = texts.nextNode()) {
        for (let i = 0; i < text.textContent!.length; i++) {
          const range = document.createRange();
          range.setStart(text, i);
          range.setEnd(text, i + 1);
          const box = range.getBoundingClientRect();
          lines.set(Math.round(box.bottom), (lines.get(Math.round(box.bottom)) ?? '') + text.textContent![i]);
          right = Math.max(right, box.right);
        }
      }
      const shown = [...lines.values()];
      const past = Math.round(right - td.getBoundingClientRect().right);
      return [
        ...(shown.slice(0, -1).some((line) => !line.endsWith('-')) ? [`id ${td.textContent} is cut: ${shown.map((l) => `"${l}"`).join(' / ')}`] : []),
        ...(past > 1 ? [`id ${td.textContent} reaches ${past} px past its card`] : []),
      ];
    }), ID_COLUMNS);
}

/** The first elements that reach past the screen's right edge, to say what to fix. */
function pastTheEdge(page: Page): Promise<string> {
  return page.evaluate((edge) => [...document.querySelectorAll('body *')]
    .filter((e) => e.getBoundingClientRect().right > edge)
    .slice(0, 4)
    .map((e) => `${e.tagName.toLowerCase()}${e.className === '' ? '' : `.${e.className}`}`)
    .join(', '), PHONE.viewport.width);
}
