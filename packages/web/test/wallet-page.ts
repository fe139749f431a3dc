import type { Browser, Page } from 'playwright-core';
import { PHONE, watchForProblems } from './browser.js';

export interface CodeScreenPage {
  readonly page: Page;
  readonly problems: string[];
}

/** Opens /wallet at phone size, signs in with the wallet's token and waits for the code screen. */
export async function openCodeScreen(browser: Browser, url: string, token: string): Promise<CodeScreenPage> {
  const page = await browser.newPage(PHONE);
  const problems = watchForProblems(page);
  await page.goto(`${url}/wallet`);
  await page.getByLabel('Wallet app token').fill(token);
  await page.getByRole('button', { name: 'Show my payment code' }).click();
  await page.locator('#qr svg').waitFor();
  await page.locator('#barcode svg').waitFor();
  return { page, problems };
}

/** The code's digits as the holder sees them after a tap: the groups, joined. */
export async function revealDigits(page: Page): Promise<string> {
  const digits = page.locator('#digits');
  if ((await digits.getAttribute('aria-pressed')) !== 'true') await digits.click();
  return (await digits.locator('span').allTextContents()).join('');
}
