import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { createRequire } from 'node:module';
import { dirname, extname, join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { openApiDocument } from './openapi/document.js';

/**
 * The web pages (`/`, `/wallet`, `/cashier`, the consoles, `/docs`) and their assets, as @micropay/web's build left them in
 * its dist/ (packages/web/build.mjs). They are read once, when the server is created, and served
 * from memory: a page request is one map lookup and one write, and touches neither the store nor
 * the payment path. The browser code is built at install, never fetched from another origin.
 */
export interface PageFile {
  readonly body: Buffer;
  /** The body gzipped once at load; null when that would not make it smaller. */
  readonly gzipped: Buffer | null;
  readonly headers: Readonly<Record<string, string>>;
}

/** What a page may ask the browser for: only the cashier's needs the camera (for codes). */
const PAGES = [
  // The front page: links to the others.
  { path: '/', file: 'home.html', permissions: 'camera=(), microphone=(), geolocation=()' },
  { path: '/wallet', file: 'wallet.html', permissions: 'camera=(), microphone=(), geolocation=()' },
  { path: '/cashier', file: 'cashier.html', permissions: 'camera=(self), microphone=(), geolocation=()' },
  { path: '/merchant', file: 'merchant.html', permissions: 'camera=(), microphone=(), geolocation=()' },
  { path: '/admin', file: 'admin.html', permissions: 'camera=(), microphone=(), geolocation=()' },
  // The API reference (Swagger UI): its stylesheet draws its icons as data: SVG images.
  { path: '/docs', file: 'docs.html', permissions: 'camera=(), microphone=(), geolocation=()', images: "img-src 'self' data:" },
] as const;

// Only our own scripts, styles and API; no inline script or style, no frames, no plugins. A page
// that shows a payment code must not be framed (clickjacking) or leak its URL (Referer).
const CONTENT_SECURITY_POLICY_PARTS = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self'",
  "connect-src 'self'",
  "media-src 'self'",
  // The wallet page's service worker (/wallet-sw.js); said outright for browsers that do not fall back to script-src.
  "worker-src 'self'",
  "base-uri 'none'",
  "form-action 'self'",
  "frame-ancestors 'none'",
];
const CONTENT_SECURITY_POLICY = CONTENT_SECURITY_POLICY_PARTS.join('; ');

/** The policy with its img-src replaced (the one relaxation a page may ask for). */
function withImages(imgSrc: string): string {
  return CONTENT_SECURITY_POLICY_PARTS.map((part) => (part.startsWith('img-src ') ? imgSrc : part)).join('; ');
}

const SECURITY_HEADERS: Readonly<Record<string, string>> = {
  'Content-Security-Policy': CONTENT_SECURITY_POLICY,
  'X-Content-Type-Options': 'nosniff',
  'Referrer-Policy': 'no-referrer',
  'X-Frame-Options': 'DENY',
  'Cross-Origin-Opener-Policy': 'same-origin',
  'Cross-Origin-Resource-Policy': 'same-origin',
  Vary: 'Accept-Encoding',
};

const CONTENT_TYPES: Readonly<Record<string, string>> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
};

// Shells are small and name the current assets: always revalidated. Assets are named by their
// content's hash, so a name never changes meaning and may be kept for a year.
const SHELL_CACHE = 'no-cache';
const ASSET_CACHE = 'public, max-age=31536000, immutable';

/** The web package's dist/ (a workspace link in development, a dependency when installed). */
export function webDist(): string {
  const manifest = createRequire(import.meta.url).resolve('@micropay/web/package.json');
  return join(dirname(manifest), 'dist');
}

/**
 * The pages read and compressed once per process: a second listener (the warm-up's, a test's)
 * shares them instead of compressing them again, which takes about half a second.
 */
const loaded = new Map<string, Pages>();

/** Every page and asset by its URL path, and the page a browser gets at an address that is none of them. */
export interface Pages {
  readonly files: ReadonlyMap<string, PageFile>;
  readonly notFound: PageFile;
}

/** The pages, read once per process (see `loaded`). Fails when they were never built. */
export function loadPages(dist: string = webDist()): Pages {
  if (!existsSync(join(dist, 'pages')) || !existsSync(join(dist, 'assets'))) {
    throw new Error(`the web pages are not built (no ${dist}): run \`npm run build\``);
  }
  let files = loaded.get(dist);
  if (files === undefined) loaded.set(dist, (files = readPages(dist)));
  return files;
}

function readPages(dist: string): Pages {
  const files = new Map<string, PageFile>();
  for (const page of PAGES) {
    const extra: Record<string, string> = { 'Cache-Control': SHELL_CACHE, 'Permissions-Policy': page.permissions };
    if ('images' in page) extra['Content-Security-Policy'] = withImages(page.images);
    files.set(page.path, pageFile(join(dist, 'pages', page.file), extra));
  }
  files.set('/favicon.svg', pageFile(join(dist, 'pages', 'favicon.svg'), { 'Cache-Control': SHELL_CACHE }));
  // The wallet page's service worker, which keeps its shell for a start with no network (docs/offline-codes.md).
  files.set('/wallet-sw.js', pageFile(join(dist, 'pages', 'wallet-sw.js'), { 'Cache-Control': SHELL_CACHE }));
  // The API's own description, made once at start from the code that answers (http/openapi).
  const document = Buffer.from(JSON.stringify(openApiDocument(), null, 2));
  files.set('/openapi.json', memoryFile(document, 'application/json; charset=utf-8', { 'Cache-Control': SHELL_CACHE }));
  for (const name of readdirSync(join(dist, 'assets'))) {
    files.set(`/assets/${name}`, pageFile(join(dist, 'assets', name), { 'Cache-Control': ASSET_CACHE }));
  }
  const notFound = pageFile(join(dist, 'pages', 'not-found.html'), { 'Cache-Control': SHELL_CACHE, 'Permissions-Policy': PAGES[0].permissions, Vary: 'Accept, Accept-Encoding' });
  return { files, notFound };
}

function pageFile(path: string, extra: Record<string, string>): PageFile {
  const type = CONTENT_TYPES[extname(path)];
  // A file the build made that we cannot type would be served wrong: refuse it at start.
  if (type === undefined) throw new Error(`the web build has a file of unknown type: ${path}`);
  return memoryFile(readFileSync(path), type, extra);
}

function memoryFile(body: Buffer, type: string, extra: Record<string, string>): PageFile {
  const gzipped = gzipSync(body, { level: 9 });
  const etag = `W/"${createHash('sha256').update(body).digest('base64url').slice(0, 22)}"`;
  return {
    body,
    gzipped: gzipped.length < body.length ? gzipped : null,
    headers: { ...SECURITY_HEADERS, 'Content-Type': type, ETag: etag, ...extra },
  };
}

/**
 * Answers GET or HEAD for a page file: 304 when the browser has it, gzip when it takes gzip.
 * `status` 404: the not-found page, never answered 304 (the browser's copy is of another address).
 */
export function sendPageFile(req: IncomingMessage, res: ServerResponse, file: PageFile, status: 200 | 404 = 200): void {
  if (status === 200 && matchesEtag(req.headers['if-none-match'], file.headers.ETag!)) {
    res.writeHead(304, file.headers);
    res.end();
  } else {
    const gzip = file.gzipped !== null && acceptsGzip(req.headers['accept-encoding']);
    const body = gzip ? file.gzipped! : file.body;
    res.writeHead(status, { ...file.headers, 'Content-Length': body.length, ...(gzip ? { 'Content-Encoding': 'gzip' } : {}) });
    res.end(req.method === 'HEAD' ? undefined : body);
  }
  // A GET with a body: drain it, so it is not read as the next request on this connection.
  if (!req.complete) req.resume();
}

/**
 * A person's browser asking for a page at an address that is none (mistyped, a stale bookmark): it
 * gets a page saying so, with the links to the real ones. An API caller (no text/html in Accept:
 * fetch and curl send *\/*) and anything under /api/ get the envelope's 9101 as before.
 */
export function wantsPage(req: IncomingMessage, path: string): boolean {
  return mayBePage(req, path) && (req.headers.accept ?? '').includes('text/html');
}

/**
 * A request whose 404 depends on its Accept (the page or the envelope): both answers say so
 * (`Vary: Accept`), so a cache between never gives one caller the other's.
 */
export function mayBePage(req: IncomingMessage, path: string): boolean {
  return (req.method === 'GET' || req.method === 'HEAD') && !path.startsWith('/api/');
}

function matchesEtag(ifNoneMatch: string | undefined, etag: string): boolean {
  if (ifNoneMatch === undefined) return false;
  const weak = (tag: string) => tag.trim().replace(/^W\//, '');
  return ifNoneMatch.trim() === '*' || ifNoneMatch.split(',').some((tag) => weak(tag) === weak(etag));
}

/** Whether Accept-Encoding lists gzip without refusing it (`gzip;q=0`). */
function acceptsGzip(acceptEncoding: string | undefined): boolean {
  return (acceptEncoding ?? '').split(',').some((coding) => {
    const [name = '', ...params] = coding.split(';').map((part) => part.trim().toLowerCase());
    return name === 'gzip' && !params.some((p) => /^q=0(\.0*)?$/.test(p));
  });
}
