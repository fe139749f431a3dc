import { describe, expect, it } from 'vitest';
import { docsScreenshot, useChromium, watchForProblems } from './browser.js';
import { scan, signInCashier } from './cashier-page.js';
import { signInToMerchantConsole, signInToOperatorConsole } from './console-page.js';
import { useServedPlatform } from './platform.js';

// The owner's Users section beyond creating a cashier (consoles-sign-in.sqlite.test.ts): disabling a
// cashier who is at an open till, what the till and its sign-in then show, enabling it again, and a
// new password that asks first. The rules are proven on both stores over HTTP in
// packages/server/test/merchant-user-disable.test.ts.
describe("the owner's Users section", () => {
  const platform = useServedPlatform();
  const chromium = useChromium();

  it('disables a cashier at an open till, asking first: the till is signed out and its sign-in says why; Enable lets it back in', async () => {
    const cashier = await platform.cashier('lane-1');
    const owner = await platform.cliJ<{ password: string }>(['merchant-user', 'create', '--mch-id', cashier.mchId, '--name', 'boss', '--role', 'owner']);
    const till = await chromium.browser.newPage({ viewport: { width: 800, height: 900 } });
    const tillProblems = watchForProblems(till);
    await signInCashier(till, platform.server.url, cashier);
    const cashiersConsole = await chromium.browser.newPage({ viewport: { width: 1100, height: 800 } });
    await signInToMerchantConsole(cashiersConsole, `${platform.server.url}/merchant#orders`, cashier);
    const desk = await chromium.browser.newPage({ viewport: { width: 1100, height: 800 } });
    const problems = watchForProblems(desk);
    await signInToMerchantConsole(desk, `${platform.server.url}/merchant#users`, { mchId: cashier.mchId, name: 'boss', password: owner.password });

    const rows = desk.locator('table tbody tr');
    await expect.poll(() => rows.count()).toBe(2);
    expect(await rows.nth(0).locator('td').allTextContents()).toEqual(['boss', 'owner', '—', 'Active', 'This is you']);
    expect(await rows.nth(1).locator('td').allTextContents()).toEqual(['lane-1', 'cashier', 'No limit', 'Active', 'New passwordRefund limit…Disable']);

    // Asked first, with the way out focused: a second Enter keeps the cashier active.
    await desk.getByRole('button', { name: 'Disable lane-1' }).click();
    expect(await desk.locator('.confirm-step p').textContent()).toBe(
      'Disable cashier lane-1? They are signed out at the till and here at once, and cannot sign in until you enable them again. Their charges and refunds stay.');
    expect(await desk.evaluate(() => document.activeElement?.textContent)).toBe('Keep them active');
    await desk.keyboard.press('Enter');
    expect(await desk.locator('.confirm-step').count()).toBe(0);
    expect(await desk.evaluate(() => document.activeElement?.getAttribute('aria-label'))).toBe('Disable lane-1');
    // Escape answers the same way, as it closes a dialog.
    await desk.keyboard.press('Enter');
    await desk.locator('.confirm-step').waitFor();
    await desk.keyboard.press('Escape');
    expect(await desk.locator('.confirm-step').count()).toBe(0);
    expect(await desk.evaluate(() => document.activeElement?.getAttribute('aria-label'))).toBe('Disable lane-1');
    await desk.getByRole('button', { name: 'Disable lane-1' }).click();
    await desk.getByRole('button', { name: 'Disable lane-1 now' }).click();
    await expect.poll(() => desk.getByRole('status').first().textContent())
      .toBe('lane-1 is disabled: signed out everywhere, and cannot sign in until enabled again.');
    await expect.poll(() => rows.nth(1).locator('td').nth(3).textContent()).toMatch(/^Disabled since \d{1,2} [A-Z][a-z]{2} \d{4}, \d{2}:\d{2}:\d{2}$/);
    // A disabled user gets no new password (the server refuses it): its row offers Enable first.
    expect(await rows.nth(1).locator('td').nth(4).textContent()).toBe('EnableRefund limit…');
    await docsScreenshot(desk, 'merchant-users-disabled');

    // The till's session ended with the disable: its next charge finds it gone, and the till comes
    // back to its sign-in and says why, charging nothing. The cashier's console does the same.
    await till.getByLabel('Amount').fill('1.00');
    await till.keyboard.press('Enter');
    await scan(till, '281234567890123456');
    const ended = 'Your session has ended: unused for 30 minutes, signed out elsewhere, given a new password, or your user was disabled. Sign in again.';
    await expect.poll(() => till.locator('#sign-in-error').textContent())
      .toBe(`${ended} The last charge: FAILED. The till was signed out, so MicroPay took no charge. Nothing was charged: sign in again and charge it.`);
    expect(await till.locator('#till').isHidden()).toBe(true);
    await cashiersConsole.getByRole('link', { name: 'Balance & payouts' }).click();
    await expect.poll(() => cashiersConsole.locator('#sign-in-error').textContent()).toBe(ended);
    await till.getByLabel('Password').fill(cashier.password);
    await till.getByRole('button', { name: 'Sign in' }).click();
    await expect.poll(() => till.locator('#sign-in-error').textContent()).toBe("This cashier is disabled. Ask the merchant's owner to enable it again.");
    await docsScreenshot(till, 'cashier-sign-in-disabled');

    await desk.getByRole('button', { name: 'Enable lane-1' }).click();
    await expect.poll(() => desk.getByRole('status').first().textContent()).toBe('lane-1 is enabled: it signs in with the password it had.');
    await signInCashier(till, platform.server.url, cashier);
    expect(problems).toEqual([]);
    // The till's only complaints are the refusals of the session that ended (9120 is HTTP 401).
    expect(tillProblems).toContain('HTTP 401 for /api/page/cashier/charge');
    expect(tillProblems.filter((p) => !p.includes('401'))).toEqual([]);
  });

  it('a new password asks first; "Keep the old password" changes nothing, the confirmed one is shown once and the list is refreshed', async () => {
    const cashier = await platform.cashier('lane-1');
    const owner = await platform.cliJ<{ password: string }>(['merchant-user', 'create', '--mch-id', cashier.mchId, '--name', 'boss', '--role', 'owner']);
    const desk = await chromium.browser.newPage({ viewport: { width: 1100, height: 800 } });
    const problems = watchForProblems(desk);
    await signInToMerchantConsole(desk, `${platform.server.url}/merchant#users`, { mchId: cashier.mchId, name: 'boss', password: owner.password });
    await desk.getByRole('button', { name: 'New password for lane-1' }).click();
    expect(await desk.locator('.confirm-step p').textContent()).toBe(
      'Give lane-1 a new password? The old one stops working and lane-1 is signed out at the till and here. Tell it only to lane-1, by a way you trust.');
    await desk.getByRole('button', { name: 'Keep the old password' }).click();
    expect(await desk.locator('.shown-once').count()).toBe(0);
    expect(await desk.evaluate(() => document.activeElement?.getAttribute('aria-label'))).toBe('New password for lane-1');
    const till = await chromium.browser.newPage();
    await signInCashier(till, platform.server.url, cashier);

    await desk.getByRole('button', { name: 'New password for lane-1' }).click();
    await desk.getByRole('button', { name: 'Give lane-1 a new password now' }).click();
    const shown = desk.locator('.shown-once code');
    await shown.waitFor();
    expect(await shown.textContent()).toMatch(/^[a-z2-9]{4}(-[a-z2-9]{4}){3}$/);
    expect(await shown.textContent()).not.toBe(cashier.password);
    // Focused where it is shown, so a screen reader reads it out.
    expect(await desk.evaluate(() => document.activeElement?.classList.contains('shown-once'))).toBe(true);
    expect(problems).toEqual([]);
  });

  it("sets a cashier's refund limit on its row: filled with the limit as it is, Enter sets it, a refusal in words, empty for none", async () => {
    const cashier = await platform.cashier('lane-1');
    const owner = await platform.cliJ<{ password: string }>(['merchant-user', 'create', '--mch-id', cashier.mchId, '--name', 'boss', '--role', 'owner']);
    const desk = await chromium.browser.newPage({ viewport: { width: 1100, height: 800 } });
    const problems = watchForProblems(desk);
    await signInToMerchantConsole(desk, `${platform.server.url}/merchant#users`, { mchId: cashier.mchId, name: 'boss', password: owner.password });
    const limitCell = desk.locator('table tbody tr').nth(1).locator('td').nth(2);
    await expect.poll(() => limitCell.textContent()).toBe('No limit');
    await desk.getByRole('button', { name: 'Refund limit of lane-1' }).click();
    const amount = desk.getByLabel('Most lane-1 may refund of one sale (empty: no limit)');
    expect([await amount.inputValue(), await desk.evaluate(() => document.activeElement?.id)]).toEqual(['', 'limit-amount']);
    await amount.fill('12.50');
    await docsScreenshot(desk, 'merchant-users-limit');
    await desk.keyboard.press('Enter');
    await expect.poll(() => desk.getByRole('status').first().textContent()).toBe('lane-1: refund limit 12.50.');
    // The status is said before the list is read again.
    await expect.poll(() => limitCell.textContent()).toBe('12.50');
    expect(await platform.cliJ<{ users: { name: string; refundLimit: string | null }[] }>(['merchant-user', 'list', '--mch-id', cashier.mchId]))
      .toMatchObject({ users: expect.arrayContaining([expect.objectContaining({ name: 'lane-1', refundLimit: '12.50' })]) });

    // Opened again: the limit as it is; a bad amount is refused in the server's words and nothing changes.
    await desk.getByRole('button', { name: 'Refund limit of lane-1' }).click();
    expect(await amount.inputValue()).toBe('12.50');
    await amount.fill('abc');
    await desk.getByRole('button', { name: 'Set the limit of lane-1' }).click();
    // The question stays open with what was typed, the refusal under the field, tied to it, and the focus on it.
    await expect.poll(() => desk.locator('#limit-problem').textContent()).toMatch(/^The refund limit must be /);
    expect(await amount.inputValue()).toBe('abc');
    expect(await desk.evaluate(() => [document.activeElement?.id, document.activeElement?.getAttribute('aria-invalid'), document.activeElement?.getAttribute('aria-describedby')]))
      .toEqual(['limit-amount', 'true', 'limit-problem']);
    await desk.keyboard.press('Escape');
    expect(await limitCell.textContent()).toBe('12.50');
    // Escape keeps it; empty is no limit.
    await desk.getByRole('button', { name: 'Refund limit of lane-1' }).click();
    await desk.keyboard.press('Escape');
    expect(await desk.locator('.confirm-step').count()).toBe(0);
    await desk.getByRole('button', { name: 'Refund limit of lane-1' }).click();
    await amount.fill('');
    await desk.keyboard.press('Enter');
    await expect.poll(() => desk.getByRole('status').first().textContent()).toBe('lane-1: no refund limit.');
    await expect.poll(() => limitCell.textContent()).toBe('No limit');
    // The owner's own row has none of these.
    expect(await desk.locator('table tbody tr').first().locator('td').last().textContent()).toBe('This is you');
    expect(problems).toEqual([]);
  });

  it('a cashier gets a new password of its own in Your password: the wrong current one is said in words, the new one is shown once and signs in', async () => {
    const cashier = await platform.cashier('lane-1');
    const page = await chromium.browser.newPage({ viewport: { width: 1100, height: 700 } });
    const problems = watchForProblems(page);
    await signInToMerchantConsole(page, `${platform.server.url}/merchant#password`, cashier);
    expect(await page.getByRole('navigation', { name: 'Sections' }).getByRole('link').allTextContents()).toContain('Your password');
    await page.getByLabel('Current password').fill('not-my-password');
    await page.keyboard.press('Enter');
    await expect.poll(() => page.getByRole('status').first().textContent()).toBe('The current password is not right: your password was not changed.');
    expect(await page.getByLabel('Current password').inputValue()).toBe('');

    await page.getByLabel('Current password').fill(cashier.password);
    await page.getByRole('button', { name: 'Get a new password' }).click();
    const shown = page.locator('.shown-once code');
    await shown.waitFor();
    const password = (await shown.textContent())!;
    expect(password).toMatch(/^[a-z2-9]{4}(-[a-z2-9]{4}){3}$/);
    expect(await page.getByRole('status').first().textContent())
      .toBe('Your password is changed. Write the new one down now: it is not shown again. Your other sessions have ended.');
    await docsScreenshot(page, 'merchant-own-password');
    // The focus left the emptied field: a second Enter, or the button pressed on nothing, keeps the password shown.
    expect(await page.evaluate(() => document.activeElement?.getAttribute('role'))).toBe('status');
    await page.keyboard.press('Enter');
    await page.getByRole('button', { name: 'Get a new password' }).click();
    expect(await page.getByRole('status').first().textContent()).toBe('Type your current password first.');
    expect(await shown.textContent()).toBe(password);

    // Copy puts the password on the clipboard, and says so.
    await page.context().grantPermissions(['clipboard-read', 'clipboard-write'], { origin: platform.server.url });
    await page.getByRole('button', { name: 'Copy your new password' }).click();
    await expect.poll(() => page.locator('.copy-note').textContent()).toBe('Copied.');
    expect(await page.evaluate(() => navigator.clipboard.readText())).toBe(password);

    const till = await chromium.browser.newPage();
    await signInCashier(till, platform.server.url, { ...cashier, password });
    expect(problems).toEqual([]);
  });

  it('where the browser allows no copying (a console on plain HTTP), Copy selects the password for the keyboard, and says so', async () => {
    const cashier = await platform.cashier('lane-1');
    const page = await chromium.browser.newPage({ viewport: { width: 1100, height: 700 } });
    // What a page served over plain HTTP from another machine has: no clipboard API at all.
    await page.addInitScript(() => Object.defineProperty(Navigator.prototype, 'clipboard', { get: () => undefined }));
    const problems = watchForProblems(page);
    await signInToMerchantConsole(page, `${platform.server.url}/merchant#password`, cashier);
    await page.getByLabel('Current password').fill(cashier.password);
    await page.getByRole('button', { name: 'Get a new password' }).click();
    const shown = page.locator('.shown-once code');
    await shown.waitFor();
    await page.getByRole('button', { name: 'Copy your new password' }).click();
    await expect.poll(() => page.locator('.copy-note').textContent())
      .toBe('This browser does not allow copying here: the text is selected, press Ctrl+C (⌘C on a Mac).');
    expect(await page.evaluate(() => getSelection()?.toString())).toBe(await shown.textContent());
    await docsScreenshot(page, 'merchant-own-password-copy');
    expect(problems).toEqual([]);
  });

  it("an operator sees a merchant's users in Merchants; an admin disables its owner and gives its cashier a new password, shown once", async () => {
    const cashier = await platform.cashier('lane-1');
    await platform.cliJ(['merchant-user', 'create', '--mch-id', cashier.mchId, '--name', 'boss', '--role', 'owner']);
    const ops = await platform.cliJ<{ password: string }>(['admin', 'create', '--name', 'ops']);
    const page = await chromium.browser.newPage({ viewport: { width: 1100, height: 900 } });
    const problems = watchForProblems(page);
    await signInToOperatorConsole(page, `${platform.server.url}/admin#merchants`, { name: 'ops', password: ops.password });
    await page.getByRole('button', { name: `Users of ${cashier.mchId}` }).click();
    const panel = page.getByRole('region', { name: 'Merchant users' });
    await expect.poll(() => panel.locator('h3').textContent()).toBe(`Users of merchant ${cashier.mchId}`);
    expect(await page.evaluate(() => document.activeElement?.textContent)).toBe(`Users of merchant ${cashier.mchId}`);
    const rows = panel.locator('table tbody tr');
    expect(await rows.nth(0).locator('td').allTextContents()).toEqual(['boss', 'owner', '—', 'Active', 'DisableNew password']);

    await panel.getByRole('button', { name: 'Disable boss' }).click();
    expect(await panel.locator('.confirm-step p').textContent()).toBe(`Disable owner boss of merchant ${cashier.mchId}? They are signed out at once and cannot sign in until enabled again.`);
    await panel.getByRole('button', { name: 'Disable boss now' }).click();
    await expect.poll(() => rows.nth(0).locator('td').nth(3).textContent()).toMatch(/^Disabled since /);
    expect(await page.getByRole('status').first().textContent()).toBe(`boss of merchant ${cashier.mchId} is disabled: signed out everywhere.`);

    await panel.getByRole('button', { name: 'New password for lane-1' }).click();
    await panel.getByRole('button', { name: 'Give lane-1 a new password now' }).click();
    const shown = panel.locator('.shown-once code');
    await shown.waitFor();
    const password = (await shown.textContent())!;
    expect(password).toMatch(/^[a-z2-9]{4}(-[a-z2-9]{4}){3}$/);
    expect(await page.evaluate(() => document.activeElement?.className)).toBe('shown-once');
    // The disabled owner's row offers Enable alone: it gets no new password until then.
    expect(await rows.nth(0).getByRole('button').allTextContents()).toEqual(['Enable']);
    await docsScreenshot(page, 'admin-merchant-users');
    const till = await chromium.browser.newPage();
    await signInCashier(till, platform.server.url, { ...cashier, password });
    expect(problems).toEqual([]);
  });

  it("an admin gives a merchant with no users its owner from the console; the password shown once signs in to the merchant console", async () => {
    const shop = await platform.cliJ<{ mchId: string }>(['merchant', 'create', '--name', 'Campus Laundry']);
    const ops = await platform.cliJ<{ password: string }>(['admin', 'create', '--name', 'ops']);
    const page = await chromium.browser.newPage({ viewport: { width: 1100, height: 900 } });
    const problems = watchForProblems(page);
    await signInToOperatorConsole(page, `${platform.server.url}/admin#merchants`, { name: 'ops', password: ops.password });
    await page.getByRole('button', { name: `Users of ${shop.mchId}` }).click();
    const panel = page.getByRole('region', { name: 'Merchant users' });
    await expect.poll(() => panel.locator('table').textContent()).toContain('No users yet: add its owner below');
    // With no users the role offered first is the owner's.
    expect(await panel.getByLabel('Role').inputValue()).toBe('owner');
    await panel.getByLabel("New user's name").fill('Laundry Boss');
    await panel.getByRole('button', { name: 'Add user' }).click();
    const shown = panel.locator('.shown-once code');
    await shown.waitFor();
    const password = (await shown.textContent())!;
    expect(await panel.locator('table tbody tr').nth(0).locator('td').allTextContents()).toEqual(['Laundry Boss', 'owner', '—', 'Active', 'DisableNew password']);
    expect(await page.getByRole('status').first().textContent())
      .toBe(`Owner Laundry Boss of merchant ${shop.mchId} added: they sign in at /merchant with the password shown once.`);
    // Now a cashier is offered first; an owner's refund limit is refused in the server's words.
    expect(await panel.getByLabel('Role').inputValue()).toBe('cashier');
    await docsScreenshot(page, 'admin-merchant-new-user', { fullPage: true });
    await panel.getByLabel("New user's name").fill('Boss Two');
    await panel.getByLabel('Role').selectOption('owner');
    await panel.getByLabel('Refund limit (cashier; optional)').fill('5.00');
    await panel.getByRole('button', { name: 'Add user' }).click();
    await expect.poll(() => page.getByRole('status').first().textContent()).toBe('The refund limit is for cashiers: an owner has no refund limit');
    const desk = await chromium.browser.newPage();
    await signInToMerchantConsole(desk, `${platform.server.url}/merchant`, { mchId: shop.mchId, name: 'Laundry Boss', password });
    expect(problems).toEqual([]);
  });

  it('a console tab whose cookie another tab replaced by signing in as someone else shows its sign-in at its next change, and says why: it never acts as the other', async () => {
    const cashier = await platform.cashier('lane-1');
    const owner = await platform.cliJ<{ password: string }>(['merchant-user', 'create', '--mch-id', cashier.mchId, '--name', 'boss', '--role', 'owner']);
    const context = await chromium.browser.newContext({ viewport: { width: 1100, height: 700 } });
    const first = await context.newPage();
    const problems = watchForProblems(first);
    await signInToMerchantConsole(first, `${platform.server.url}/merchant#password`, { mchId: cashier.mchId, name: 'boss', password: owner.password });
    const second = await context.newPage();
    await second.goto(`${platform.server.url}/merchant`);
    await second.getByRole('button', { name: 'Sign out' }).click();
    const signIn = second.locator('#sign-in');
    await signIn.getByLabel('Merchant id').fill(cashier.mchId);
    await signIn.getByLabel('User').fill('lane-1');
    await signIn.getByLabel('Password').fill(cashier.password);
    await signIn.getByRole('button', { name: 'Sign in' }).click();
    await second.locator('#console').waitFor();

    await first.getByLabel('Current password').fill(owner.password);
    await first.getByRole('button', { name: 'Get a new password' }).click();
    await first.locator('#sign-in').waitFor();
    expect(await first.locator('#sign-in-error').textContent()).toBe('This browser signed in again in another tab, so this page was signed out. Sign in again to go on here.');
    expect(await first.locator('#console').isHidden()).toBe(true);
    expect(await first.locator('.shown-once').count()).toBe(0);
    expect(problems.filter((p) => !p.includes('403'))).toEqual([]);
    await context.close();
  });
});
