import type { Browser, BrowserContextOptions, Page } from 'playwright-core';
import { expect } from 'vitest';
import { watchForProblems } from './browser.js';
import type { ServedPlatform, TestCashier } from './platform.js';

/** Signs the cashier in on the sign-in form, as a person at the till does, and waits for the till. */
export async function signInCashier(page: Page, url: string, cashier: TestCashier): Promise<void> {
  await page.goto(`${url}/cashier`);
  await page.getByLabel('Merchant id').fill(cashier.mchId);
  await page.getByLabel('Cashier').fill(cashier.name);
  await page.getByLabel('Password').fill(cashier.password);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.locator('#till').waitFor();
}

/**
 * A till as it stands all day: signed in, then (re)opened, so the page comes up on its session
 * with the code field focused and nothing clicked since.
 */
export async function openTill(page: Page, url: string, cashier: TestCashier): Promise<void> {
  await signInCashier(page, url, cashier);
  await page.goto(`${url}/cashier`);
  await page.locator('#till').waitFor();
}

/** The till's screen: a counter's monitor. */
export const TILL_SCREEN = { viewport: { width: 800, height: 900 } } as const;

export interface Till {
  readonly page: Page;
  readonly problems: string[];
  readonly cashier: TestCashier;
}

/** A new merchant's cashier at an open till, in a browser context of its own. */
export async function tillFor(platform: ServedPlatform, browser: Browser, screen: BrowserContextOptions = TILL_SCREEN): Promise<Till> {
  const page = await browser.newPage(screen);
  const problems = watchForProblems(page);
  const cashier = await platform.cashier();
  await openTill(page, platform.server.url, cashier);
  return { page, problems, cashier };
}

/** A USB or Bluetooth scanner is a keyboard that types fast: the text, then Enter, into the focused field. */
export async function scan(page: Page, text: string): Promise<void> {
  await page.keyboard.type(text, { delay: 5 });
  await page.keyboard.press('Enter');
}

/** The sale as a cashier rings it up: amount, goods, Enter, then the scanner; waits for the outcome. */
export async function chargeByScanner(till: Page, amount: string, goods: string, digits: string): Promise<void> {
  await till.getByLabel('Amount').fill(amount);
  await till.getByLabel('Goods').fill(goods);
  await till.keyboard.press('Enter');
  await scan(till, digits);
  await expect.poll(() => till.locator('#charge-outcome').textContent(), { timeout: 15_000 }).toBe(`PAID ${amount}`);
}

/**
 * Refunds the newest charge in the till's list: `amount`, or all that is left when null; the
 * dialog's status must come to `expected`.
 */
export async function refundNewest(till: Page, amount: string | null, expected: string): Promise<void> {
  await till.locator('#recent-list li').first().getByRole('button', { name: /^Refund/ }).click();
  const dialog = till.locator('#refund-dialog');
  await dialog.waitFor();
  if (amount !== null) await dialog.getByLabel('How much to refund').fill(amount);
  // A double click sends one refund attempt: one mchRefundId, refunded once.
  await dialog.getByRole('button', { name: 'Refund', exact: true }).dblclick();
  await expect.poll(() => till.locator('#refund-status').textContent(), { timeout: 10_000 }).toBe(expected);
}
