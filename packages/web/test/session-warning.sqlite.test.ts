import Database from 'better-sqlite3';
import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { docsScreenshot, useChromium, watchForProblems } from './browser.js';
import { openTill, scan, TILL_SCREEN } from './cashier-page.js';
import { signInToMerchantConsole, signInToOperatorConsole } from './console-page.js';
import { useServedPlatform, type ServedPlatform } from './platform.js';
import { walletShowingCode } from './wallet-page.js';

const MINUTE = 60_000;

/**
 * The warning before a session ends unused (WCAG 2.2.1), in real Chromium against `micropay
 * serve`. The page's clock is Playwright's (moved by the test); the server's is real, so the
 * session's stored times are moved back in the database by as much, as if that time had passed there too.
 */
function movePast(platform: ServedPlatform, kind: 'cashier' | 'merchant' | 'operator', column: 'last_seen_at_ms' | 'created_at_ms', ms: number): void {
  const db = new Database(platform.dbPath);
  try {
    db.prepare(`UPDATE page_sessions SET ${column} = ${column} - ? WHERE kind = ?`).run(ms, kind);
  } finally {
    db.close();
  }
}

function lastSeen(platform: ServedPlatform, kind: string): number {
  const db = new Database(platform.dbPath, { readonly: true });
  try {
    return (db.prepare('SELECT last_seen_at_ms AS t FROM page_sessions WHERE kind = ?').get(kind) as { t: number }).t;
  } finally {
    db.close();
  }
}

/** What a person (and a screen reader) is told: the alertdialog's name and words, and what has the focus. */
async function warning(page: Page): Promise<{ name: string; text: string; focused: string }> {
  const dialog = page.getByRole('alertdialog');
  await dialog.waitFor();
  return {
    name: (await dialog.locator('h2').textContent()) ?? '',
    text: (await dialog.locator('#session-warning-text').textContent()) ?? '',
    focused: await page.evaluate(() => document.activeElement?.textContent ?? ''),
  };
}

async function idleUntilWarned(page: Page, platform: ServedPlatform, kind: 'cashier' | 'merchant' | 'operator'): Promise<void> {
  // 27 minutes unused: no warning yet.
  await page.clock.fastForward(27 * MINUTE);
  expect(await page.getByRole('alertdialog').count()).toBe(0);
  movePast(platform, kind, 'last_seen_at_ms', 28 * MINUTE);
  await page.clock.fastForward(MINUTE + 1_000);
}

describe('the warning before a session ends unused', () => {
  const platform = useServedPlatform();
  const chromium = useChromium();

  it('at the till: warned 2 minutes ahead, Enter stays signed in (the server counts it a use) and the next charge needs no sign-in; ignored, the till signs out and keeps the sale typed for the same cashier', async () => {
    const { page: walletPage, digits } = await walletShowingCode(platform, chromium.browser);
    const page = await chromium.browser.newPage(TILL_SCREEN);
    const problems = watchForProblems(page);
    await page.clock.install();
    const cashier = await platform.cashier();
    await openTill(page, platform.server.url, cashier);
    await page.getByLabel('Amount').fill('4.20');
    await page.getByLabel('Goods').fill('Tea');
    await page.keyboard.press('Enter');
    expect(await page.evaluate(() => document.activeElement?.id)).toBe('code');

    await idleUntilWarned(page, platform, 'cashier');
    const shown = await warning(page);
    expect(shown.name).toBe('You will be signed out soon');
    expect(shown.text).toMatch(/^This page has not been used for a while, and a session unused for 30 minutes ends\. You will be signed out at \d\d:\d\d:\d\d unless you stay signed in\.$/);
    expect(shown.focused).toBe('Stay signed in');
    expect(await page.getByRole('alertdialog').locator('.session-warning-left').textContent()).toMatch(/^Time left: 1:[45]\d$/);
    await docsScreenshot(page, 'session-warning-till');

    // Keyboard only: Enter on the focused button. The server's last use moves; the focus is back for the scanner.
    const before = lastSeen(platform, 'cashier');
    await page.keyboard.press('Enter');
    await expect.poll(() => page.getByRole('alertdialog').count()).toBe(0);
    expect(lastSeen(platform, 'cashier')).toBeGreaterThan(before + 27 * MINUTE);
    expect(await page.evaluate(() => document.activeElement?.id)).toBe('code');
    expect([await page.getByLabel('Amount').inputValue(), await page.getByLabel('Goods').inputValue()]).toEqual(['4.20', 'Tea']);

    // Two more minutes pass: the session is the server's new one, so nothing ends; the charge goes through.
    await page.clock.fastForward(2 * MINUTE);
    expect(await page.getByRole('alertdialog').count()).toBe(0);
    await scan(page, digits);
    await expect.poll(() => page.locator('#charge-outcome').textContent(), { timeout: 15_000 }).toBe('PAID 4.20');
    await walletPage.close();

    // The next sale begun, then left: ignored, the warning gives way to the sign-in at the end.
    // The session's token, as the till sends it: the server is asked below with it, after the end.
    const token = (await page.evaluate(() => fetch('/api/page/cashier/session', { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: '{}' }).then((r) => r.json())) as { data: { csrfToken: string } }).data.csrfToken;
    await page.getByLabel('Amount').fill('3.10');
    await page.getByLabel('Goods').fill('Cake');
    await idleUntilWarned(page, platform, 'cashier');
    movePast(platform, 'cashier', 'last_seen_at_ms', 3 * MINUTE);
    await page.clock.fastForward(2 * MINUTE);
    await page.getByLabel('Password').waitFor();
    expect(await page.getByRole('alert').first().textContent()).toBe(
      'Your session has ended: unused for 30 minutes. Sign in again. The amount and goods you typed come back when you do.');
    expect(await page.getByRole('alertdialog').count()).toBe(0);
    expect(await page.evaluate(() => document.activeElement?.id)).toBe('password');
    // The server ended it too, by its own rule: the old cookie opens nothing.
    expect(await page.evaluate((t) => fetch('/api/page/cashier/recent-charges', { method: 'POST', headers: { 'Content-Type': 'application/json', 'X-CSRF-Token': t }, body: '{}' }).then((r) => r.json()), token)).toMatchObject({ code: 9120 });
    await page.getByLabel('Password').fill(cashier.password);
    await page.keyboard.press('Enter');
    await page.locator('#till').waitFor();
    expect([await page.getByLabel('Amount').inputValue(), await page.getByLabel('Goods').inputValue(), await page.locator('#code').inputValue()]).toEqual(['3.10', 'Cake', '']);
    // The test's own call with the ended session above was refused (401): nothing else was.
    expect(problems).toEqual(['HTTP 401 for /api/page/cashier/recent-charges', 'console: Failed to load resource: the server responded with a status of 401 (Unauthorized)']);
  });

  it('in the merchant console: Escape stays signed in and gives the focus back; a session that ended on the server meanwhile is not kept by the page', async () => {
    const page = await chromium.browser.newPage({ viewport: { width: 1000, height: 700 } });
    const problems = watchForProblems(page);
    await page.clock.install();
    const user = await platform.cashier();
    await signInToMerchantConsole(page, `${platform.server.url}/merchant`, user);
    const focusedBefore = await page.evaluate(() => document.activeElement?.outerHTML);

    await idleUntilWarned(page, platform, 'merchant');
    expect((await warning(page)).focused).toBe('Stay signed in');
    const before = lastSeen(platform, 'merchant');
    await page.keyboard.press('Escape');
    await expect.poll(() => page.getByRole('alertdialog').count()).toBe(0);
    expect(lastSeen(platform, 'merchant')).toBeGreaterThan(before + 27 * MINUTE);
    expect(await page.evaluate(() => document.activeElement?.outerHTML)).toBe(focusedBefore);

    // Warned again, but the server's 30 minutes passed meanwhile (a laptop asleep): Stay signed in
    // finds no session, and the console shows its sign-in. The page cannot keep what the server ended.
    await idleUntilWarned(page, platform, 'merchant');
    movePast(platform, 'merchant', 'last_seen_at_ms', 3 * MINUTE);
    await page.getByRole('button', { name: 'Stay signed in' }).click();
    await page.getByLabel('Password').waitFor();
    expect(await page.locator('#sign-in-error').textContent()).toMatch(/^Your session has ended: unused for 30 minutes, signed out elsewhere/);
    expect(await page.getByRole('alertdialog').count()).toBe(0);
    expect(problems).toEqual([]);
  });

  it("in two tabs of the merchant console: staying signed in in one takes the warning away in the other (one session)", async () => {
    const context = await chromium.browser.newContext({ viewport: { width: 1000, height: 700 } });
    const [first, second] = [await context.newPage(), await context.newPage()];
    const problems = [...watchForProblems(first), ...watchForProblems(second)];
    // One clock for the context: both tabs' time moves together.
    await context.clock.install();
    const user = await platform.cashier();
    await signInToMerchantConsole(first, `${platform.server.url}/merchant`, user);
    // The second tab opens the console with the same cookie: signed in already.
    await second.goto(`${platform.server.url}/merchant`);
    await second.locator('#console').waitFor();

    await idleUntilWarned(first, platform, 'merchant');
    for (const page of [first, second]) await page.getByRole('alertdialog').waitFor();
    await second.getByRole('button', { name: 'Stay signed in' }).click();
    await expect.poll(() => second.getByRole('alertdialog').count()).toBe(0);
    await expect.poll(() => first.getByRole('alertdialog').count()).toBe(0);
    // The first tab's idle end moved with the second's use: past the old end it is still signed in.
    await context.clock.fastForward(2 * MINUTE);
    expect(await first.locator('#console').isVisible()).toBe(true);
    expect(await first.getByRole('alertdialog').count()).toBe(0);
    expect(problems).toEqual([]);
    await context.close();
  });

  it("Stay signed in, in a tab whose session another tab's sign-in (as someone else) replaced, signs that tab out: it never takes the other's over", async () => {
    const context = await chromium.browser.newContext({ viewport: { width: 1000, height: 700 } });
    const [first, second] = [await context.newPage(), await context.newPage()];
    await context.clock.install();
    const [someone, someoneElse] = [await platform.cashier(), await platform.cashier()];
    await signInToMerchantConsole(first, `${platform.server.url}/merchant`, someone);
    // The same browser, another tab: it opens signed in as the first user, who is signed out there,
    // and another user signs in. The cookie now holds that user's session.
    await second.goto(`${platform.server.url}/merchant`);
    await second.getByRole('button', { name: 'Sign out' }).click();
    await second.getByLabel('Merchant id').fill(someoneElse.mchId);
    await second.getByLabel('User').fill(someoneElse.name);
    await second.getByLabel('Password').fill(someoneElse.password);
    await second.getByRole('button', { name: 'Sign in' }).click();
    await second.locator('#console').waitFor();

    await idleUntilWarned(first, platform, 'merchant');
    await first.getByRole('alertdialog').waitFor();
    await first.getByRole('button', { name: 'Stay signed in' }).click();
    await first.getByLabel('Password').waitFor();
    expect(await first.locator('#sign-in-error').textContent())
      .toBe('This browser signed in again in another tab, so this page was signed out. Sign in again to go on here.');
    // It holds no token of the other's session: a change sent from it now is refused (9121), not made as them.
    const sent = await first.evaluate(() => fetch('/api/page/merchant/sign-out', { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: '{}' }).then((r) => r.json()));
    expect(sent).toMatchObject({ code: 9121 });
    expect(await second.locator('#console').isVisible()).toBe(true);
    await context.close();
  });

  it('in the operator console: the 12-hour end is told ahead, cannot be extended, and ends the session', async () => {
    const page = await chromium.browser.newPage({ viewport: { width: 1000, height: 700 } });
    const problems = watchForProblems(page);
    await page.clock.install();
    const ops = await platform.cliJ<{ password: string }>(['admin', 'create', '--name', 'ops']);
    await signInToOperatorConsole(page, `${platform.server.url}/admin`, { name: 'ops', password: ops.password });
    // Eleven hours and 55 minutes after sign-in (on the server): the next answer says 5 minutes are left.
    movePast(platform, 'operator', 'created_at_ms', 12 * 60 * MINUTE - 5 * MINUTE);
    await page.getByRole('link', { name: 'Merchants' }).click();
    const shown = await warning(page);
    expect(shown.name).toBe('Your session ends soon');
    expect(shown.text).toMatch(/^Sessions have a time limit, and yours ends at \d\d:\d\d:\d\d, however busy the page is\. Finish what you are doing: you will need to sign in again then\.$/);
    expect(shown.focused).toBe('Close');
    await docsScreenshot(page, 'session-warning-final');
    await page.keyboard.press('Enter');
    await expect.poll(() => page.getByRole('alertdialog').count()).toBe(0);
    expect(await page.evaluate(() => document.activeElement?.tagName)).toBe('H2');
    // Closed is closed for this session: the next section's calls do not bring it back.
    await page.getByRole('link', { name: 'Wallets' }).click();
    await expect.poll(() => page.title()).toBe('Wallets · MicroPay operator console');
    await page.clock.fastForward(2_000);
    expect(await page.getByRole('alertdialog').count()).toBe(0);
    await page.clock.fastForward(5 * MINUTE + 1_000);
    await page.getByLabel('Password').waitFor();
    expect(await page.locator('#sign-in-error').textContent()).toBe('Your session has ended: it reached its time limit. Sign in again.');
    expect(problems).toEqual([]);
  });
});
