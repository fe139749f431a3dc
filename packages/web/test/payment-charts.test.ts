import { createServer, type Server } from 'node:http';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { docsScreenshot, useChromium, watchForProblems } from './browser.js';

/**
 * The dashboard's chart module (src/shared/charts.ts) in real Chromium before the operator
 * console exists: the test bundles a small page with esbuild, as build.mjs bundles the pages,
 * serves it under the pages' Content-Security-Policy, and draws synthetic minutes.
 */
const CSP = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; connect-src 'self'";
const START = Date.UTC(2026, 11, 5, 9, 0);

/** 30 minutes of a till: traffic rising, one bad minute (success 50 %), latency ms by bucket bounds. */
const MINUTES = Array.from({ length: 30 }, (_, i) => {
  const requests = 40 + i * 4;
  const paid = i === 20 ? requests / 2 : requests - 2;
  return {
    minuteStartMs: START + i * 60_000,
    requests,
    counts: { paid },
    successRate: paid / (i === 20 ? requests : requests - 1),
    p50Ms: i === 20 ? 6.35 : 2,
    p99Ms: i === 20 ? 101.6 : 8,
  };
});
// The last minute, in figures the summary must state exactly.
MINUTES[29] = { minuteStartMs: START + 29 * 60_000, requests: 160, counts: { paid: 156 }, successRate: 156 / 158, p50Ms: 1.587, p99Ms: 12.7 };

let server: Server;
let url: string;
let dir: string;
const chromium = useChromium();

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'micropay-charts-'));
  await build({
    entryPoints: { harness: fileURLToPath(new URL('./chart-harness.ts', import.meta.url)) },
    outdir: dir, bundle: true, format: 'esm', platform: 'browser', target: ['chrome100'], logLevel: 'warning',
  });
  const files: Record<string, [string, string]> = {
    '/': ['text/html', '<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Charts</title>'
      + '<link rel="stylesheet" href="/harness.css"><script type="module" src="/harness.js"></script></head>'
      + '<body><main><h1>Payments</h1></main></body></html>'],
    '/harness.js': ['text/javascript', readFileSync(join(dir, 'harness.js'), 'utf8')],
    '/harness.css': ['text/css', readFileSync(join(dir, 'harness.css'), 'utf8')],
    '/minutes.json': ['application/json', JSON.stringify(MINUTES)],
  };
  server = createServer((req, res) => {
    const file = files[req.url ?? ''];
    if (file === undefined) return void res.writeHead(404).end();
    res.writeHead(200, { 'Content-Type': file[0], 'Content-Security-Policy': CSP }).end(file[1]);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  url = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
});
afterAll(async () => {
  await new Promise((resolve) => server?.close(resolve));
  rmSync(dir, { recursive: true, force: true });
});

describe('the payment charts', () => {
  it('draw payments per minute, success rate and latency under the pages\' CSP, with the latest figures in text', async () => {
    const page = await chromium.browser.newPage({ viewport: { width: 720, height: 900 } });
    const problems = watchForProblems(page);
    await page.goto(url);
    await page.waitForSelector('body[data-drawn="yes"]');

    await expect(page.locator('figcaption').allTextContents()).resolves.toEqual(['Payments per minute (payments)', 'Success rate (%)', 'Latency (ms)']);
    await expect(page.locator('.chart-summary').textContent()).resolves.toBe(
      'Latest minute, 09:29: 160 payments answered, 156 paid, success rate 98.7 %, median 1.59 ms, p99 12.7 ms.',
    );
    // The text table: newest first, the bad minute with its rate.
    const rows = await page.locator('.chart-table tbody tr').evaluateAll((trs) => trs.map((tr) => [...tr.children].map((td) => td.textContent)));
    expect(rows).toHaveLength(10);
    expect(rows[0]).toEqual(['09:29', '160', '156', '98.7 %', '1.59 ms', '12.7 ms']);
    expect(rows[9]).toEqual(['09:20', '120', '60', '50.0 %', '6.35 ms', '102 ms']);

    // Each canvas drew lines: it has pixels of the series' colours, not only a blank background.
    const inked = await page.locator('.payment-charts canvas').evaluateAll((canvases) =>
      canvases.map((c) => {
        const canvas = c as HTMLCanvasElement;
        const pixels = canvas.getContext('2d')!.getImageData(0, 0, canvas.width, canvas.height).data;
        let coloured = 0;
        for (let i = 0; i < pixels.length; i += 4) if (pixels[i + 3]! > 0 && (pixels[i] !== pixels[i + 1] || pixels[i + 1] !== pixels[i + 2])) coloured++;
        return coloured;
      }));
    expect(inked).toHaveLength(3);
    for (const n of inked) expect(n).toBeGreaterThan(200);
    await expect(page.locator('.payment-charts [aria-hidden="true"] canvas').count()).resolves.toBe(3);

    await docsScreenshot(page.locator('main'), 'admin-dashboard-chart');
    expect(problems).toEqual([]);
    await page.close();
  });
});
