import type { Browser, Page } from 'playwright-core';
import { PHONE, watchForProblems } from './browser.js';
import { createWallet, type ServedPlatform } from './platform.js';

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

/**
 * A holder at the counter: a new wallet (`createWallet`'s balance and flags), signed in on the
 * wallet page by its link in a browser context of its own, showing its code, whose digits it reads.
 */
export async function walletShowingCode(
  platform: ServedPlatform,
  browser: Browser,
  balance = '50.00',
  extra: readonly string[] = [],
): Promise<CodeScreenPage & { wallet: { walletId: string; token: string }; digits: string }> {
  const wallet = await createWallet(platform.cliJ, balance, extra);
  const screen = await openCodeScreen(browser, await platform.walletLink(wallet.walletId));
  return { ...screen, wallet, digits: await revealDigits(screen.page) };
}

/** The code's digits as the holder sees them after a tap: the groups, joined. */
export async function revealDigits(page: Page): Promise<string> {
  const digits = page.locator('#digits');
  if ((await digits.getAttribute('aria-pressed')) !== 'true') await digits.click();
  return (await digits.locator('span').allTextContents()).join('');
}

/**
 * The holder asks for offline codes on this browser ("Pay offline on this phone", under the
 * account's devices): never made by a sign-in alone, so a shared browser makes none.
 */
export async function payOfflineHere(page: Page, walletId: string): Promise<void> {
  await page.getByRole('button', { name: 'Pay offline on this phone' }).click();
  await page.waitForFunction((id) => localStorage.getItem(`micropay.offline.${id}`) !== null, walletId);
}
