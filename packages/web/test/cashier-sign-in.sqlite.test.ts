import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { screenshotPath, useChromium, watchForProblems } from './browser.js';
import { useServedPlatform } from './platform.js';

/** Every body the page received, to search for what must never reach a browser. */
function recordBodies(page: Page): string[] {
  const bodies: string[] = [];
  page.on('response', (response) => void response.text().then((t) => bodies.push(t), () => undefined));
  return bodies;
}

// The page's side of cashier sign-in, in real Chromium; lockout and access rules are proven on
// both stores over HTTP in packages/server/test/page-sessions.test.ts.
describe('signing in to the cashier page', () => {
  const platform = useServedPlatform({ MICROPAY_LOG_LEVEL: 'debug' });
  const chromium = useChromium();

  it('a wrong password is refused in plain words; the right one opens the till, without the merchant key', async () => {
    const cashier = await platform.cashier();
    const page = await chromium.browser.newPage({ viewport: { width: 800, height: 700 } });
    const problems = watchForProblems(page);
    const bodies = recordBodies(page);
    await page.goto(`${platform.server.url}/cashier`);
    await page.getByLabel('Merchant id').fill(cashier.mchId);
    await page.getByLabel('Cashier').fill(cashier.name);
    // An empty field is said in words at once, tied to the field and focused, and nothing is sent.
    const sent: string[] = [];
    page.on('request', (r) => void sent.push(r.url()));
    await page.keyboard.press('Enter');
    expect(await page.getByRole('alert').textContent()).toBe('Type your password first.');
    expect(await page.evaluate(() => [document.activeElement?.id, document.activeElement?.getAttribute('aria-invalid'), document.activeElement?.getAttribute('aria-describedby')]))
      .toEqual(['password', 'true', 'sign-in-error']);
    expect(sent.filter((url) => url.includes('/sign-in'))).toEqual([]);
    await page.getByLabel('Password').fill('not-the-password');
    await page.keyboard.press('Enter');
    await expect.poll(() => page.getByRole('alert').textContent()).toBe('The merchant id, cashier and password do not match.');
    expect(await page.getByLabel('Password').getAttribute('aria-invalid')).toBeNull();
    await page.screenshot({ path: screenshotPath('cashier-sign-in-wrong-password') });

    await page.getByLabel('Password').fill(cashier.password);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.locator('#till').waitFor();
    expect(await page.locator('#till-who').textContent()).toBe(`${cashier.merchantName} · ${cashier.name}`);
    expect(await page.evaluate(() => document.activeElement?.id)).toBe('code');
    const cookies = await page.context().cookies();
    expect(cookies.map((c) => ({ name: c.name, httpOnly: c.httpOnly, sameSite: c.sameSite, path: c.path }))).toEqual([
      { name: 'micropay_cashier', httpOnly: true, sameSite: 'Strict', path: '/' },
    ]);
    await page.screenshot({ path: screenshotPath('cashier-signed-in') });

    // A sale begun and left: signing out drops it, and what the till said of it, so the next
    // cashier does not start from it.
    await page.locator('#code').fill('391234567890123456');
    await page.locator('#code').press('Enter');
    await expect.poll(() => page.locator('#charge-outcome').textContent()).toBe('Enter the amount and press Enter to charge the code taken.');
    await page.getByLabel('Amount').fill('3.20');
    await page.getByLabel('Goods').fill('Coffee');
    await page.getByRole('button', { name: 'Sign out' }).click();
    await expect.poll(() => page.getByRole('alert').textContent()).toBe('You are signed out.');
    expect([await page.getByLabel('Amount').inputValue(), await page.getByLabel('Goods').inputValue(), await page.locator('#code').inputValue()]).toEqual(['', 'Sale', '']);
    expect([await page.locator('#charge').isHidden(), await page.locator('#code-status').textContent()]).toEqual([true, '']);
    expect(await page.context().cookies()).toEqual([]);
    await page.reload();
    await page.getByLabel('Merchant id').waitFor();
    expect(await page.locator('#till').isHidden()).toBe(true);

    expect(bodies.length).toBeGreaterThan(3);
    for (const body of bodies) expect(body).not.toContain(cashier.apiKey);
    const log = platform.server.stderr() + platform.server.stdout();
    expect(log).not.toContain(cashier.password);
    expect(log).not.toContain(cookies[0]!.value);
    expect(problems).toEqual([]);
  });
});
