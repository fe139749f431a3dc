// Bundles the pages into dist/: dist/assets/ holds the scripts and styles under content-hashed
// names (served as immutable), dist/pages/ the HTML shells that name them. `micropay serve` serves
// exactly these files (packages/server/src/http/pages.ts); nothing is fetched from elsewhere.
import { createHash } from 'node:crypto';
import { build } from 'esbuild';
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { basename, dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = dirname(fileURLToPath(import.meta.url));
const target = join(root, 'dist');
// Built beside dist/ and swapped in whole at the end (two renames), so a rebuild (npm start's
// prestart) leaves a server starting meanwhile without its pages for an instant at most, and
// never with half of them. What a build that failed left beside it goes first.
const dist = join(root, `dist.building-${process.pid}`);
for (const left of readdirSync(root)) if (/^dist\.(building-\d+|building-\d+\.previous)$/.test(left)) rmSync(join(root, left), { recursive: true, force: true });
/** Each page: its HTML shell and its script, which imports its styles. */
const PAGES = {
  wallet: { shell: 'src/wallet/wallet.html', entry: 'src/wallet/main.ts' },
  cashier: { shell: 'src/cashier/cashier.html', entry: 'src/cashier/main.ts' },
  // The consoles (docs/consoles.md): one shell (src/console/shell.ts), their own sections.
  merchant: { shell: 'src/merchant/merchant.html', entry: 'src/merchant/main.ts' },
  admin: { shell: 'src/admin/admin.html', entry: 'src/admin/main.ts' },
  // The API reference: Swagger UI (swagger-ui-dist) rendering /openapi.json.
  docs: { shell: 'src/docs/docs.html', entry: 'src/docs/main.ts' },
  // The front page at `/`: links to the others.
  home: { shell: 'src/home/home.html', entry: 'src/home/main.ts' },
};
/** Every shell names the platform's icon, so no browser asks for a /favicon.ico that is not there. */
const ICON = '<link rel="icon" href="/favicon.svg" type="image/svg+xml">';

rmSync(dist, { recursive: true, force: true });
const result = await build({
  absWorkingDir: root,
  entryPoints: Object.fromEntries(Object.entries(PAGES).map(([name, page]) => [name, page.entry])),
  outdir: join(dist, 'assets'),
  entryNames: '[name]-[hash]',
  chunkNames: 'chunk-[hash]',
  bundle: true,
  // ES modules with splitting: the camera decoder is a chunk of its own, loaded on first use.
  format: 'esm',
  splitting: true,
  platform: 'browser',
  // Browsers of the last few years on phones and tills; nothing here needs a polyfill.
  target: ['chrome100', 'firefox100', 'safari15'],
  minify: true,
  metafile: true,
  logLevel: 'warning',
});

mkdirSync(join(dist, 'pages'));
writeFileSync(join(dist, 'pages', 'favicon.svg'), readFileSync(join(root, 'src/shared/favicon.svg')));
for (const [name, page] of Object.entries(PAGES)) {
  const tags = assetTags(result.metafile, page.entry);
  const shell = readFileSync(join(root, page.shell), 'utf8');
  if (!shell.includes('<!--assets-->')) throw new Error(`${page.shell} has no <!--assets--> marker`);
  writeFileSync(join(dist, 'pages', `${name}.html`), shell.replace('<!--assets-->', `${ICON}\n  ${tags}`));
}

// What a browser gets at an address that is no page (a mistyped one): the front page's links, under
// a title and words that say so. Served with 404 (packages/server/src/http/pages.ts).
const NOT_FOUND_WORDS = [
  ['<title>MicroPay</title>', '<title>Page not found · MicroPay</title>'],
  ['<h1>MicroPay</h1>', '<h1>Page not found</h1>'],
  ['<p>This server runs a MicroPay payment platform. Pick the page that is yours.</p>',
    '<p>There is no page at this address on this MicroPay platform. Check the address, or pick the page that is yours.</p>'],
];
let notFound = readFileSync(join(dist, 'pages', 'home.html'), 'utf8');
for (const [from, to] of NOT_FOUND_WORDS) {
  if (!notFound.includes(from)) throw new Error(`src/home/home.html no longer has ${from}: the not-found page is made from it`);
  notFound = notFound.replace(from, to);
}
writeFileSync(join(dist, 'pages', 'not-found.html'), notFound);

// The wallet page's service worker, with the files of its shell named (src/wallet/shell-worker.js).
const walletFiles = ['/wallet', '/favicon.svg', ...bundleFiles(result.metafile, PAGES.wallet.entry)];
// The version follows the files' contents, the shell's and the icon's too (their names never change).
const shellVersion = createHash('sha256')
  .update(['wallet.html', 'favicon.svg'].map((name) => readFileSync(join(dist, 'pages', name), 'utf8')).join('\n'))
  .update(walletFiles.join('\n'))
  .digest('hex').slice(0, 16);
writeFileSync(join(dist, 'pages', 'wallet-sw.js'),
  `const SHELL = ${JSON.stringify({ version: shellVersion, files: walletFiles })};\n${readFileSync(join(root, 'src/wallet/shell-worker.js'), 'utf8')}`);

const previous = `${dist}.previous`;
if (existsSync(target)) renameSync(target, previous);
renameSync(dist, target);
rmSync(previous, { recursive: true, force: true });

/** The URL paths of one entry's script, the chunks it imports and its styles. */
function bundleFiles(metafile, entry) {
  const url = (file) => `/assets/${basename(file)}`;
  const [output, info] = entryOutput(metafile, entry);
  const files = new Set([url(output)]);
  if (info.cssBundle !== undefined) files.add(url(info.cssBundle));
  // Static imports only: a chunk loaded on first use (the camera's decoder) is not the wallet's.
  const pending = info.imports.filter((i) => i.kind === 'import-statement').map((i) => i.path);
  while (pending.length > 0) {
    const next = pending.pop();
    if (files.has(url(next))) continue;
    files.add(url(next));
    pending.push(...metafile.outputs[next].imports.filter((i) => i.kind === 'import-statement').map((i) => i.path));
  }
  return [...files];
}

/** The <link> and <script> tags of one entry's bundle, by their hashed names. */
function assetTags(metafile, entry) {
  const [output, info] = entryOutput(metafile, entry);
  const url = (file) => `/assets/${basename(relative(root, file))}`;
  const css = info.cssBundle === undefined ? '' : `<link rel="stylesheet" href="${url(info.cssBundle)}">\n  `;
  return `${css}<script type="module" src="${url(output)}"></script>`;
}

/** One entry's output file and its metadata, as esbuild's metafile names them. */
function entryOutput(metafile, entry) {
  const found = Object.entries(metafile.outputs).find(([, o]) => o.entryPoint === entry);
  if (found === undefined) throw new Error(`esbuild produced no bundle for ${entry}`);
  return found;
}
