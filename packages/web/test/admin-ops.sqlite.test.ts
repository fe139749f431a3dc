import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { AUDIT_ACTIONS } from '@micropay/protocol/audit-actions';
import { signInToOperatorConsole } from './console-page.js';
import { runCli } from '../../server/test/process-helpers.js';
import { docsScreenshot, useChromium, watchForProblems } from './browser.js';
import { createWallet, useServedPlatform } from './platform.js';

// The operator console's watching sections in real Chromium against `micropay serve`: the
// Dashboard after real payments (one FAILED), the Ledger audit, the Notifications' health with a
// dead letter sent again, and the Audit log filtered to what the operator just did. Every access
// rule is proven on both stores over HTTP in packages/server/test/admin-ops.test.ts.
describe('the operator console', () => {
  // The dashboard waits for the payments' minute to end: up to a minute more than other tests.
  const platform = useServedPlatform({ MICROPAY_SWEEP_INTERVAL_MS: '200' }, 240_000);
  const chromium = useChromium();

  it('shows the dashboard after payments, runs the ledger audit, shows notifications health and filters the audit log', async () => {
    const ops = await platform.cliJ<{ password: string }>(['admin', 'create', '--name', 'ops']);
    const shop = await platform.cliJ<{ mchId: string; apiKey: string }>(['merchant', 'create', '--name', 'Corner Shop', '--notify-url', 'http://127.0.0.1:9/notify']);
    const pay = async (balance: string, order: string) => {
      const { walletId } = await createWallet(platform.cliJ, balance);
      const { payCode } = await platform.cliJ<{ payCode: string }>(['paycode', walletId]);
      const flags = ['--url', platform.server.url, '--mch-id', shop.mchId, '--order', order, '--amount', '1.00', '--code', payCode];
      return runCli(['pay', ...flags], { env: { MICROPAY_KEY: shop.apiKey } });
    };
    for (const i of [1, 2, 3]) expect((await pay('5.00', `dash-${i}`)).code).toBe(0);
    expect((await pay('0.50', 'dash-poor')).code).not.toBe(0);
    // Every attempt at the notify URL failed: here the test ends their retries at once.
    const db = new Database(platform.dbPath);
    const deadCount = db.prepare("UPDATE notifications SET status = 'dead', last_error = 'connection refused'").run().changes;
    expect(deadCount).toBeGreaterThanOrEqual(3);
    db.close();

    const page = await chromium.browser.newPage({ viewport: { width: 1200, height: 900 } });
    const problems = watchForProblems(page);
    await signInToOperatorConsole(page, `${platform.server.url}/admin`, { name: 'ops', password: ops.password });
    // The Dashboard is the landing section; the payments' minute shows once it has ended.
    expect(await page.getByRole('heading', { level: 2 }).textContent()).toBe('Dashboard');
    const paidToday = page.locator('.headline div').first().locator('dd');
    for (let deadline = Date.now() + 110_000; (await paidToday.textContent()) !== '3' && Date.now() < deadline;) {
      await page.waitForTimeout(2_000);
      await page.reload();
      await page.locator('.headline dd').first().waitFor();
    }
    const [counts, money] = [page.locator('.headline').nth(0), page.locator('.headline').nth(1)];
    expect(await counts.locator('dt').allTextContents()).toEqual(['Answered PAID today', 'Merchants', 'Open wallets']);
    expect(await counts.locator('dd').allTextContents()).toEqual(['3', '1', '4']);
    // Where the money is, from the ledger: 15.50 topped up, 3.00 of it paid to the shop.
    expect(await money.locator('dt').allTextContents()).toEqual(['On the platform', 'In wallets', 'Of it, held for confirmation', 'With merchants', 'Being paid out']);
    expect(await money.locator('dd').allTextContents()).toEqual(['15.50', '12.50', '0.00', '3.00', '0.00']);
    await expect.poll(() => page.locator('.payment-charts canvas').count()).toBeGreaterThan(0);
    await docsScreenshot(page, 'admin-dashboard', { fullPage: true });

    await page.getByRole('link', { name: 'Ledger audit' }).click();
    // The tab is named once the section is drawn, not at the click.
    await expect.poll(() => page.title()).toBe('Ledger audit · MicroPay operator console');
    // By the keyboard: the focus stays on Run audit while it runs and after (never dropped to the page's top).
    await page.getByRole('button', { name: 'Run audit' }).focus();
    await page.keyboard.press('Enter');
    await expect.poll(() => page.locator('#section [role=status]').first().textContent()).toMatch(/^Audit clean: all \d+ checks passed/);
    expect(await page.evaluate(() => document.activeElement?.textContent)).toBe('Run audit');
    const results = await page.locator('.checks > li').evaluateAll((items) => items.map((li) => (li as HTMLElement).dataset.result));
    expect(results.length).toBeGreaterThan(5);
    expect(results.every((r) => r === 'ok')).toBe(true);
    await docsScreenshot(page, 'admin-audit', { fullPage: true });

    await page.getByRole('link', { name: 'Notifications' }).click();
    const outbox = page.getByRole('table', { name: 'The notification outbox' });
    await expect.poll(() => outbox.locator('tbody td').nth(1).textContent()).toBe(String(deadCount));
    await page.getByRole('button', { name: `Dead letters of ${shop.mchId}` }).click();
    const dead = page.getByRole('table', { name: `Dead notifications of ${shop.mchId}` });
    await expect.poll(() => dead.locator('tbody tr').count()).toBe(deadCount);
    // Each names the merchant's own order number, which is what the merchant asks about.
    expect((await dead.locator('tbody tr td:nth-child(3)').allTextContents()).sort()).toEqual(expect.arrayContaining(['dash-1', 'dash-2', 'dash-3']));
    await dead.getByRole('button', { name: /Send again: the PAID notification/ }).first().click();
    await expect.poll(() => outbox.locator('tbody td').nth(1).textContent()).toBe(String(deadCount - 1));
    // The button stays pressed ("Queued"); the focus is on what was said, not lost to the page.
    expect(await dead.getByRole('button', { name: /^Queued: the PAID notification/ }).isDisabled()).toBe(true);
    await expect.poll(() => page.evaluate(() => document.activeElement?.textContent)).toMatch(/^The PAID notification of .+ is queued again\.$/);
    // Clicking scrolled the wide table to its button: back to its start for the picture.
    await page.locator('.table-scroll').evaluateAll((boxes) => boxes.forEach((b) => { b.scrollLeft = 0; }));
    await docsScreenshot(page, 'admin-notifications', { fullPage: true });

    await page.getByRole('link', { name: 'Audit log' }).click();
    await page.getByLabel('Who').selectOption('operator');
    await page.getByRole('button', { name: 'Show' }).click();
    await expect.poll(() => page.locator('table tbody tr td:nth-child(4)').allTextContents())
      .toEqual(['notification.retry', 'ledgerAudit.run', 'session.signIn']);
    // The filter offers every action the log records: the one list the server checks rows against.
    expect(await page.getByLabel('Action').locator('option').allTextContents()).toEqual(['Any action', ...AUDIT_ACTIONS]);
    await page.getByLabel('Action').selectOption('ledgerAudit.run');
    await page.getByRole('button', { name: 'Show' }).click();
    await expect.poll(() => page.locator('table tbody tr td:nth-child(4)').allTextContents()).toEqual(['ledgerAudit.run']);
    expect(await page.locator('table tbody tr td:nth-child(2)').allTextContents()).toEqual(['operator ops (admin)']);
    await page.getByLabel('Action').selectOption('');
    await page.getByRole('button', { name: 'Show' }).click();
    await expect.poll(() => page.locator('table tbody tr').count()).toBe(3);
    await docsScreenshot(page, 'admin-audit-log', { fullPage: true });
    expect(problems).toEqual([]);
  }, 230_000);

  it("holds the dashboard's figures still when asked, and never announces its own reads", async () => {
    const ops = await platform.cliJ<{ password: string }>(['admin', 'create', '--name', 'watcher']);
    const page = await chromium.browser.newPage({ viewport: { width: 1200, height: 900 } });
    const problems = watchForProblems(page);
    // The page's timers run when the test says: a read every 30 s is shown without waiting for it.
    await page.clock.install();
    let reads = 0;
    page.on('request', (r) => void (r.url().endsWith('/api/page/admin/dashboard') && reads++));
    await signInToOperatorConsole(page, `${platform.server.url}/admin`, { name: 'watcher', password: ops.password });
    const updates = page.locator('.dashboard-updates');
    await expect.poll(() => updates.textContent()).toMatch(/^Read at .+; reads again every 30 seconds\. Pause updates$/);
    const firstReads = reads;
    await page.clock.runFor(31_000);
    await expect.poll(() => reads).toBe(firstReads + 1);
    // Its own reads are not announced (the status line stays empty), and the statistics' note is said once, as text.
    expect(await page.locator('#section p[role=status]').textContent()).toBe('');
    expect(await page.getByText('The payment figures and charts are statistics, not the ledger').count()).toBe(1);

    // By the keyboard: Pause updates is a toggle; while pressed, nothing is read again.
    const pause = page.getByRole('button', { name: 'Pause updates' });
    await pause.focus();
    await page.keyboard.press('Enter');
    expect(await pause.getAttribute('aria-pressed')).toBe('true');
    await expect.poll(() => updates.textContent()).toMatch(/; updates paused\. Pause updates$/);
    await page.clock.runFor(95_000);
    expect(reads).toBe(firstReads + 1);
    await page.keyboard.press('Enter');
    expect(await pause.getAttribute('aria-pressed')).toBe('false');
    await page.clock.runFor(31_000);
    await expect.poll(() => reads).toBe(firstReads + 2);

    // Left alone, it pauses by itself after 5 minutes with no input: each read is a use of the
    // session, and a console nobody uses must still sign out (the idle warning comes, then the end).
    await page.clock.runFor(5 * 60_000);
    await expect.poll(() => updates.textContent()).toMatch(/; updates paused: no one has used the console for 5 minutes\. Pause updates$/);
    expect(await pause.getAttribute('aria-pressed')).toBe('true');
    const readsLeftAlone = reads;
    await page.clock.runFor(3 * 60_000);
    expect(reads).toBe(readsLeftAlone);
    expect(problems).toEqual([]);
  }, 60_000);
});
