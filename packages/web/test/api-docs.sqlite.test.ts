import { copyFileSync, mkdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { ROUTES } from '../../server/src/http/routes.js';
import { screenshotPath, useChromium, watchForProblems } from './browser.js';
import { useServedPlatform } from './platform.js';

const DOCS_IMAGES = fileURLToPath(new URL('../../../docs/images/', import.meta.url));

// /docs renders the server's own /openapi.json with the bundled Swagger UI, under the page CSP
// (which allows data: images on this page only), with nothing fetched from another origin.
describe('the API reference page', () => {
  const platform = useServedPlatform();
  const chromium = useChromium();

  it('shows every endpoint of the document, from this server only, with no CSP violation', async () => {
    const page = await chromium.browser.newPage({ viewport: { width: 1280, height: 900 } });
    const problems = watchForProblems(page);
    const origins = new Set<string>();
    page.on('request', (request) => origins.add(new URL(request.url()).origin));
    const response = await page.goto(`${platform.server.url}/docs`);
    expect(response?.headers()['content-security-policy']).toContain("img-src 'self' data:");
    expect(response?.headers()['content-security-policy']).toContain("style-src 'self'");
    await page.locator('.opblock-post').first().waitFor({ timeout: 15_000 });
    expect(await page.locator('.info .title').textContent()).toMatch(/^MicroPay API/);

    // Every JSON endpoint of the router is listed, under its path and method.
    const listed = await page.locator('.opblock-summary-path').allTextContents();
    const paths = listed.map((text) => text.replace(/\u200b/g, '').trim());
    for (const route of ROUTES.keys()) expect(paths, route).toContain(route);
    for (const path of ['/health/live', '/health/ready', '/metrics', '/openapi.json']) expect(paths).toContain(path);
    expect(await page.locator('.opblock-post').count()).toBe(ROUTES.size);

    // Opening the payment shows its result codes, with the catalogue's messages.
    await page.locator('#operations-Merchant_API-micropay .opblock-summary-control').click();
    const micropay = page.locator('#operations-Merchant_API-micropay');
    await expect.poll(() => micropay.textContent()).toContain('1028 insufficient balance');
    await page.screenshot({ path: screenshotPath('api-docs'), fullPage: false });
    // The payment's answers: each HTTP status with its result codes, and the order it carries.
    const responses = micropay.locator('.responses-wrapper');
    await responses.scrollIntoViewIfNeeded();
    await responses.screenshot({ path: screenshotPath('api-docs-micropay') });
    mkdirSync(DOCS_IMAGES, { recursive: true });
    copyFileSync(screenshotPath('api-docs'), `${DOCS_IMAGES}api-docs.png`);
    copyFileSync(screenshotPath('api-docs-micropay'), `${DOCS_IMAGES}api-docs-micropay.png`);

    expect([...origins]).toEqual([platform.server.url]);
    expect(problems).toEqual([]);
  }, 60_000);
});
