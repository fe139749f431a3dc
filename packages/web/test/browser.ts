import { copyFileSync, existsSync, mkdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser, type Locator, type Page } from 'playwright-core';
import { afterAll, beforeAll } from 'vitest';

/**
 * Real Chromium for the page tests: Debian's (`apt-get install chromium`, which .ci/run does),
 * driven by playwright-core. Playwright's own browser download cannot run here, and a missing
 * browser fails the test rather than skipping it: a skipped browser test proves nothing.
 */
export const CHROMIUM = process.env.MICROPAY_CHROMIUM ?? '/usr/bin/chromium';

/** Screenshots the tests take, to look at (gitignored). */
export const SCREENSHOTS = fileURLToPath(new URL('../test-output/screenshots/', import.meta.url));

export async function launchChromium(args: readonly string[] = []): Promise<Browser> {
  if (!existsSync(CHROMIUM)) {
    throw new Error(`Chromium is missing at ${CHROMIUM}: install it (apt-get install chromium) or set MICROPAY_CHROMIUM`);
  }
  return chromium.launch({ executablePath: CHROMIUM, args: [...args], timeout: 20_000 });
}

/** One Chromium for a describe block: launched before its tests, closed after them. */
export function useChromium(args: readonly string[] = []): { readonly browser: Browser } {
  const held = {} as { browser: Browser };
  beforeAll(async () => {
    held.browser = await launchChromium(args);
  });
  afterAll(async () => {
    await held.browser?.close();
  });
  return held;
}

export function screenshotPath(name: string): string {
  mkdirSync(SCREENSHOTS, { recursive: true });
  return `${SCREENSHOTS}${name}.png`;
}

/** Screenshots docs/pages.md shows. */
const DOCS_IMAGES = fileURLToPath(new URL('../../../docs/images/', import.meta.url));

/** A screenshot for the docs: taken as the test's own, then copied to docs/images/NAME.png. */
export async function docsScreenshot(target: Page | Locator, name: string, options: { fullPage?: boolean } = {}): Promise<void> {
  const path = screenshotPath(name);
  // A page, whole or its viewport; or one element of it.
  await ('goto' in target ? target.screenshot({ path, ...options }) : target.screenshot({ path }));
  mkdirSync(DOCS_IMAGES, { recursive: true });
  copyFileSync(screenshotPath(name), `${DOCS_IMAGES}${name}.png`);
}

/** A phone held upright: the width the pages are designed for first. */
export const PHONE = { viewport: { width: 360, height: 740 }, deviceScaleFactor: 2, isMobile: true, hasTouch: true } as const;

/**
 * Collects what the page complains about: script errors, console errors and CSP violations
 * (Chromium logs a refused inline script or style as a console error). A test ends by expecting
 * the list to be empty. The browser's own request for /favicon.ico is no fault of the page.
 */
export function watchForProblems(page: Page): string[] {
  const problems: string[] = [];
  page.on('pageerror', (error) => problems.push(`page error: ${error.message}`));
  page.on('console', (message) => {
    if (message.type() === 'error' && !message.location().url.endsWith('/favicon.ico')) problems.push(`console: ${message.text()}`);
  });
  page.on('response', (response) => {
    const url = new URL(response.url());
    if (response.status() >= 400 && url.pathname !== '/favicon.ico') problems.push(`HTTP ${response.status()} for ${url.pathname}`);
  });
  return problems;
}
