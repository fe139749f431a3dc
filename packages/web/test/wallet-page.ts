import type { Browser, Page } from 'playwright-core';
import { PHONE, watchForProblems } from './browser.js';

export interface CodeScreenPage {
  readonly page: Page;
  readonly problems: string[];
}

/** Opens the wallet's one-time sign-in link at phone size and waits for the code screen. */
export async function openCodeScreen(browser: Browser, link: string): Promise<CodeScreenPage> {
  const page = await browser.newPage(PHONE);
  const problems = watchForProblems(page);
  await page.goto(link);
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
