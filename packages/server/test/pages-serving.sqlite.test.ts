import { request } from 'node:http';
import { gunzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestPlatform, type TestPlatform } from './helpers.js';

/**
 * The web pages over real HTTP: served by the platform's own server, with the headers a page
 * that shows payment codes needs. The store plays no part, so one run (SQLite) is enough.
 */
let platform: TestPlatform;
beforeAll(async () => {
  platform = await startTestPlatform();
});
afterAll(async () => {
  await platform?.stop();
});

interface Answer {
  readonly status: number;
  readonly headers: Record<string, string | string[] | undefined>;
  readonly body: Buffer;
}

/** One request with exactly these headers (fetch would add Accept-Encoding and decompress). */
function send(method: string, path: string, headers: Record<string, string> = {}): Promise<Answer> {
  const url = new URL(platform.url);
  return new Promise((resolve, reject) => {
    const req = request({ host: url.hostname, port: url.port, method, path, headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers, body: Buffer.concat(chunks) }));
    });
    req.on('error', reject);
    req.end();
  });
}

/** The URLs a shell loads, in its <script src> and <link href> (not its links to other pages). */
function assetUrls(html: string): string[] {
  return [...html.matchAll(/<(?:script|link)\b[^>]*\b(?:src|href)="([^"]+)"/g)].map((m) => m[1]!);
}

describe('the pages', () => {
  it("answers a browser at an address that is no page with a page that says so (404), and an API caller with the envelope", async () => {
    const browser = { Accept: 'text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8' };
    for (const path of ['/wallet/', '/admin/', '/cashier.html', '/nothing?x=1']) {
      const a = await send('GET', path, browser);
      expect(a.status, path).toBe(404);
      expect(a.headers['content-type']).toBe('text/html; charset=utf-8');
      expect(String(a.headers['content-security-policy'])).toContain("default-src 'none'");
      expect(a.headers['x-request-id']).toMatch(/^[0-9a-f-]{36}$/);
      // The same address answers JSON to an API caller: a cache between must tell the two apart.
      expect(a.headers.vary).toBe('Accept, Accept-Encoding');
      const html = a.body.toString('utf8');
      expect(html).toContain('<html lang="en">');
      expect(html).toContain('<title>Page not found · MicroPay</title>');
      expect(html).toContain('<a href="/wallet">');
    }
    expect((await send('HEAD', '/wallet/', browser)).status).toBe(404);
    // Not a page's address, or not a browser's navigation: the API's own answer, as before.
    for (const [method, path, headers] of [['GET', '/api/nothing', browser], ['GET', '/wallet/', { Accept: '*/*' }], ['GET', '/wallet/', {}], ['POST', '/wallet/', browser]] as const) {
      const a = await send(method, path, headers);
      expect(a.headers['content-type'], `${method} ${path}`).toBe('application/json; charset=utf-8');
      expect(JSON.parse(a.body.toString('utf8')).code).toBe(9101);
      expect(a.headers.vary, `${method} ${path}`).toBe(method === 'GET' && path === '/wallet/' ? 'Accept' : undefined);
    }
  });

  it.each(['/', '/wallet', '/cashier'])('GET %s answers the HTML shell with a strict CSP and no inline script', async (path) => {
    const a = await send('GET', path);
    expect(a.status).toBe(200);
    expect(a.headers['content-type']).toBe('text/html; charset=utf-8');
    const csp = String(a.headers['content-security-policy']);
    expect(csp.split('; ')).toEqual(expect.arrayContaining(["default-src 'none'", "script-src 'self'", "style-src 'self'", "frame-ancestors 'none'"]));
    expect(csp).not.toContain('unsafe');
    expect(a.headers['x-content-type-options']).toBe('nosniff');
    expect(a.headers['referrer-policy']).toBe('no-referrer');
    expect(a.headers['cache-control']).toBe('no-cache');
    const html = a.body.toString('utf8');
    // Every script is a file of ours: no inline code, no other origin.
    expect([...html.matchAll(/<script\b[^>]*>/g)].every((m) => /src="\/assets\/[^"]+\.js"/.test(m[0]))).toBe(true);
    expect(html).not.toMatch(/<style|\son[a-z]+=|style="/);
    expect(assetUrls(html).every((u) => u.startsWith('/assets/') || u === '/favicon.svg')).toBe(true);
  });

  it('the front page links to every page and console and to the API reference, each of which answers', async () => {
    const html = (await send('GET', '/')).body.toString('utf8');
    const links = [...html.matchAll(/<a href="([^"]+)"/g)].map((m) => m[1]!);
    expect(links).toEqual(['/wallet', '/cashier', '/merchant', '/admin', '/docs']);
    for (const link of links) expect((await send('GET', link)).status, link).toBe(200);
    // Every page names the icon, which is served as an image of the platform's own.
    for (const page of ['/', ...links]) expect((await send('GET', page)).body.toString('utf8'), page).toContain('<link rel="icon" href="/favicon.svg" type="image/svg+xml">');
    const icon = await send('GET', '/favicon.svg');
    expect([icon.status, icon.headers['content-type']]).toEqual([200, 'image/svg+xml']);
    expect(icon.body.toString('utf8')).toMatch(/^<svg xmlns="http:\/\/www.w3.org\/2000\/svg"/);
  });

  it('only /docs may show data: images; the wallet and cashier pages take images from the platform only', async () => {
    const imgSrc = async (path: string) => String((await send('GET', path)).headers['content-security-policy']).split('; ').find((p) => p.startsWith('img-src '));
    expect(await imgSrc('/wallet')).toBe("img-src 'self'");
    expect(await imgSrc('/cashier')).toBe("img-src 'self'");
    expect(await imgSrc('/docs')).toBe("img-src 'self' data:");
  });

  it('only the cashier page may use the camera', async () => {
    expect((await send('GET', '/cashier')).headers['permissions-policy']).toContain('camera=(self)');
    expect((await send('GET', '/wallet')).headers['permissions-policy']).toContain('camera=()');
  });

  it('the assets a shell names are served with their type, immutable, gzipped when asked', async () => {
    const urls = assetUrls((await send('GET', '/wallet')).body.toString('utf8')).filter((u) => u.startsWith('/assets/'));
    expect(urls.some((u) => u.endsWith('.js')) && urls.some((u) => u.endsWith('.css'))).toBe(true);
    for (const url of urls) {
      const plain = await send('GET', url);
      expect(plain.status).toBe(200);
      expect(plain.headers['content-type']).toBe(url.endsWith('.js') ? 'text/javascript; charset=utf-8' : 'text/css; charset=utf-8');
      expect(plain.headers['cache-control']).toBe('public, max-age=31536000, immutable');
      expect(plain.headers['content-encoding']).toBeUndefined();
      const zipped = await send('GET', url, { 'Accept-Encoding': 'gzip, deflate, br' });
      expect(zipped.headers['content-encoding']).toBe('gzip');
      expect(gunzipSync(zipped.body).equals(plain.body)).toBe(true);
      expect((await send('GET', url, { 'Accept-Encoding': 'gzip;q=0' })).headers['content-encoding']).toBeUndefined();
    }
  });

  it('HEAD answers the headers without a body, and a known ETag answers 304', async () => {
    const head = await send('HEAD', '/cashier');
    const get = await send('GET', '/cashier');
    expect(head.status).toBe(200);
    expect(head.body.length).toBe(0);
    expect(head.headers['content-length']).toBe(String(get.body.length));
    const again = await send('GET', '/cashier', { 'If-None-Match': String(get.headers.etag) });
    expect(again.status).toBe(304);
    expect(again.body.length).toBe(0);
    // The request id is on every answer, a page file's and its 304 too.
    for (const a of [head, get, again]) expect(a.headers['x-request-id']).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('a page takes GET and HEAD only: anything else is 405 with the envelope', async () => {
    for (const method of ['POST', 'PUT', 'DELETE']) {
      const a = await send(method, '/wallet');
      expect(a.status).toBe(405);
      expect(a.headers.allow).toBe('GET, HEAD');
      expect(JSON.parse(a.body.toString('utf8'))).toEqual({ code: 9102, msg: 'method not allowed', data: null });
    }
  });

  it('a query string does not change the page; other paths keep their 404', async () => {
    expect((await send('GET', '/wallet?from=link')).status).toBe(200);
    for (const path of ['/index.html', '/wallet/', '/assets/', '/assets/nope.js', '/assets/../pages/wallet.html', '/WALLET']) {
      const a = await send('GET', path);
      expect(a.status, path).toBe(404);
      expect(JSON.parse(a.body.toString('utf8')).code).toBe(9101);
    }
  });
});
