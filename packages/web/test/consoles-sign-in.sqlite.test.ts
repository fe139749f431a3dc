import { describe, expect, it } from 'vitest';
import { base32Decode, totpCode, totpStepAt } from '../../server/src/domain/totp.js';
import { signInToOperatorConsole } from './console-page.js';
import { docsScreenshot, useChromium, watchForProblems } from './browser.js';
import { useServedPlatform } from './platform.js';

// The consoles' side of sign-in and their first sections, in real Chromium against `micropay
// serve`; every access rule is proven on both stores over HTTP in
// packages/server/test/console-access.test.ts.
describe('the consoles', () => {
  const platform = useServedPlatform();
  const chromium = useChromium();

  it('a merchant owner signs in, sees Users, creates a cashier and sees its password once', async () => {
    const merchant = await platform.cliJ<{ mchId: string }>(['merchant', 'create', '--name', 'Corner Shop']);
    const owner = await platform.cliJ<{ password: string }>(['merchant-user', 'create', '--mch-id', merchant.mchId, '--name', 'boss', '--role', 'owner']);
    const page = await chromium.browser.newPage({ viewport: { width: 1100, height: 760 } });
    const problems = watchForProblems(page);
    await page.goto(`${platform.server.url}/merchant`);
    // Nothing typed: the first empty field is named in words and focused, not the server's "mchId is required".
    await page.getByRole('button', { name: 'Sign in' }).click();
    expect(await page.locator('#sign-in-error').textContent()).toBe('Type the merchant id first.');
    expect(await page.evaluate(() => [document.activeElement?.id, document.activeElement?.getAttribute('aria-invalid')])).toEqual(['mch-id', 'true']);
    await page.getByLabel('Merchant id').fill(merchant.mchId);
    await page.getByRole('button', { name: 'Sign in' }).click();
    expect(await page.locator('#sign-in-error').textContent()).toBe('Type your user name first.');
    await page.getByLabel('User').fill('boss');
    await page.getByLabel('Password').fill(owner.password);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.locator('#console').waitFor();
    expect(await page.locator('#console-who').textContent()).toBe('Corner Shop · boss (owner)');
    expect(await page.getByRole('navigation', { name: 'Sections' }).getByRole('link').allTextContents()).toContain('Users');
    // A name that would look like another in every list: refused at its field, in its words.
    await page.getByLabel('Name', { exact: true }).fill('lane  1');
    await page.getByRole('button', { name: 'Create cashier' }).click();
    await expect.poll(() => page.locator('#users-status').textContent()).toBe('The name must not end with a space or hold two spaces in a row');
    expect(await page.evaluate(() => ['id', 'aria-invalid', 'aria-describedby'].map((a) => (a === 'id' ? document.activeElement?.id : document.activeElement?.getAttribute(a)))))
      .toEqual(['new-name', 'true', 'users-status']);
    await page.getByLabel('Name', { exact: true }).fill('lane-1');
    expect(await page.getByLabel('Name', { exact: true }).getAttribute('aria-invalid')).toBeNull();
    await page.getByLabel('Refund limit (optional)').fill('20.00');
    await page.getByRole('button', { name: 'Create cashier' }).click();
    const shown = page.locator('.shown-once code');
    await shown.waitFor();
    const password = (await shown.textContent())!;
    expect(password).toMatch(/^[a-z2-9]{4}(-[a-z2-9]{4}){3}$/);
    // The password shown once has the focus, as after New password, and the form is emptied.
    await expect.poll(() => page.evaluate(() => document.activeElement?.className)).toBe('shown-once');
    expect(await page.locator('#users-status').textContent()).toBe('Cashier lane-1 created.');
    expect(await page.getByLabel('Name', { exact: true }).inputValue()).toBe('');
    await expect.poll(() => page.locator('table tbody tr').count()).toBe(2);
    expect(await page.locator('table tbody tr').nth(1).locator('td').allTextContents()).toEqual(['lane-1', 'cashier', '20.00', 'Active', 'New passwordRefund limit…Disable']);
    await docsScreenshot(page, 'merchant-users');
    // Shown once: the list after a reload does not have it.
    await page.reload();
    await page.locator('table tbody tr').nth(1).waitFor();
    expect(await page.content()).not.toContain(password);
    expect(problems).toEqual([]);
  });

  it('an operator with TOTP signs in with the code computed from the secret the CLI printed', async () => {
    const created = await platform.cliJ<{ password: string; totpSecret: string }>(['admin', 'create', '--name', 'ops', '--totp']);
    const page = await chromium.browser.newPage({ viewport: { width: 1100, height: 700 } });
    const problems = watchForProblems(page);
    await page.goto(`${platform.server.url}/admin#operators`);
    await page.getByLabel('Operator').fill('ops');
    await page.getByLabel('Password').fill(created.password);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await expect.poll(() => page.getByRole('alert').textContent()).toBe('The name, password and authenticator code do not match.');
    await page.getByLabel('Password').fill(created.password);
    await page.getByLabel('Authenticator code').fill('123456');
    await docsScreenshot(page, 'admin-sign-in');
    await page.getByLabel('Authenticator code').fill(totpCode(base32Decode(created.totpSecret)!, totpStepAt(Date.now())));
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.locator('#console').waitFor();
    expect(await page.locator('#console-who').textContent()).toBe('Operator ops · admin');
    await expect.poll(() => page.locator('table tbody tr td').allTextContents()).toEqual(['ops', 'admin', 'On', 'Active']);
    const cookies = await page.context().cookies();
    expect(cookies.map((c) => [c.name, c.httpOnly, c.sameSite])).toEqual([['micropay_admin', true, 'Strict']]);
    expect(problems).toEqual([]);
  });

  it('an operator disabled from the CLI is signed out, its right password says so at the sign-in, and the list shows since when', async () => {
    const ops = await platform.cliJ<{ password: string }>(['admin', 'create', '--name', 'ops']);
    const leaver = await platform.cliJ<{ password: string }>(['admin', 'create', '--name', 'leaver', '--role', 'support']);
    const open = await chromium.browser.newPage({ viewport: { width: 1100, height: 700 } });
    await signInToOperatorConsole(open, `${platform.server.url}/admin#operators`, { name: 'leaver', password: leaver.password });
    expect((await platform.cliJ<{ status: string }>(['admin', 'disable', '--name', 'leaver'])).status).toBe('disabled');
    // Its open console finds its session ended at its next call, and says so.
    await open.getByRole('link', { name: 'Wallets' }).click();
    await open.locator('#sign-in').waitFor();
    const page = await chromium.browser.newPage({ viewport: { width: 1100, height: 700 } });
    const problems = watchForProblems(page);
    await page.goto(`${platform.server.url}/admin#operators`);
    await page.getByLabel('Operator').fill('leaver');
    await page.getByLabel('Password').fill(leaver.password);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await expect.poll(() => page.getByRole('alert').textContent()).toBe('This operator is disabled: whoever runs the platform can enable it again (micropay admin enable).');
    await signInToOperatorConsole(page, `${platform.server.url}/admin#operators`, { name: 'ops', password: ops.password });
    const leaverRow = page.locator('table tbody tr', { hasText: 'leaver' });
    await expect.poll(() => leaverRow.locator('td').nth(3).textContent()).toMatch(/^Disabled since \d{1,2} [A-Z][a-z]{2} \d{4}, \d{2}:\d{2}:\d{2} \(micropay admin enable\)$/);
    await docsScreenshot(page, 'admin-operators-disabled');
    expect(problems).toEqual([]);
  });
});
