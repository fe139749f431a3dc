import { describe, expect, it } from 'vitest';
import type { BrowserContext, Page } from 'playwright-core';
import { screenshotPath, useChromium, watchForProblems } from './browser.js';
import { signInToMerchantConsole, signInToOperatorConsole } from './console-page.js';
import { useServedPlatform } from './platform.js';

// Two tabs of one browser share its cookie: when the second signs out and in as someone else, the
// first's next read (not only its next change) is refused (9121) and the first tab shows its sign-in
// and why, never the other person's data under its own name. The server side, every route:
// packages/server/test/page-csrf.test.ts.
const REPLACED = 'This browser signed in again in another tab, so this page was signed out. Sign in again to go on here.';

describe("a tab whose session another tab's sign-in replaced", () => {
  const platform = useServedPlatform();
  const chromium = useChromium();

  /** The second tab of the same browser: it opens signed in as the first tab's person, signs out, and signs in as `signIn` does. */
  async function secondTabSignsIn(context: BrowserContext, url: string, signIn: (page: Page) => Promise<void>): Promise<Page> {
    const second = await context.newPage();
    await second.goto(url);
    await second.getByRole('button', { name: 'Sign out' }).click();
    await signIn(second);
    await second.locator('#console').waitFor();
    return second;
  }

  it("in the merchant console: the first tab's next read shows the sign-in and the reason, not the other user's orders", async () => {
    const cashier = await platform.cashier('lane-1');
    const owner = await platform.cliJ<{ password: string }>(['merchant-user', 'create', '--mch-id', cashier.mchId, '--name', 'boss', '--role', 'owner']);
    const context = await chromium.browser.newContext({ viewport: { width: 1100, height: 700 } });
    const first = await context.newPage();
    const problems = watchForProblems(first);
    await signInToMerchantConsole(first, `${platform.server.url}/merchant#password`, { mchId: cashier.mchId, name: 'boss', password: owner.password });
    expect(await first.locator('#console-who').textContent()).toBe('Corner Shop · boss (owner)');
    await secondTabSignsIn(context, `${platform.server.url}/merchant`, async (second) => {
      await second.locator('#sign-in').getByLabel('Merchant id').fill(cashier.mchId);
      await second.locator('#sign-in').getByLabel('User').fill('lane-1');
      await second.locator('#sign-in').getByLabel('Password').fill(cashier.password);
      await second.getByRole('button', { name: 'Sign in' }).click();
    });

    // A read: the Orders section searches as it opens.
    await first.getByRole('link', { name: 'Orders' }).click();
    await first.locator('#sign-in').waitFor();
    expect(await first.locator('#sign-in-error').textContent()).toBe(REPLACED);
    expect(await first.locator('#console').isHidden()).toBe(true);
    await first.screenshot({ path: screenshotPath('merchant-console-session-replaced') });
    expect(problems.filter((p) => !p.includes('403'))).toEqual([]);
    await context.close();
  });

  it("in the operator console: the first tab's next read shows the sign-in and the reason, not the other operator's console", async () => {
    const ops = await platform.cliJ<{ password: string }>(['admin', 'create', '--name', 'ops']);
    const other = await platform.cliJ<{ password: string }>(['admin', 'create', '--name', 'ops-2', '--role', 'support']);
    const context = await chromium.browser.newContext({ viewport: { width: 1100, height: 700 } });
    const first = await context.newPage();
    const problems = watchForProblems(first);
    await signInToOperatorConsole(first, `${platform.server.url}/admin#operators`, { name: 'ops', password: ops.password });
    await secondTabSignsIn(context, `${platform.server.url}/admin`, async (second) => {
      await second.locator('#sign-in').getByLabel('Operator', { exact: true }).fill('ops-2');
      await second.locator('#sign-in').getByLabel('Password').fill(other.password);
      await second.getByRole('button', { name: 'Sign in' }).click();
    });

    await first.getByRole('link', { name: 'Wallets' }).click();
    await first.locator('#sign-in').waitFor();
    expect(await first.locator('#sign-in-error').textContent()).toBe(REPLACED);
    expect(await first.locator('#console').isHidden()).toBe(true);
    await first.screenshot({ path: screenshotPath('operator-console-session-replaced') });
    expect(problems.filter((p) => !p.includes('403'))).toEqual([]);
    await context.close();
  });
});
