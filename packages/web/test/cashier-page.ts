import type { Page } from 'playwright-core';
import type { TestCashier } from './platform.js';

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
