/**
 * Makes the packed @micropay/client self-contained. npm runs `node scripts/pack.mjs prepack`
 * before `npm pack` / `npm publish`, and `node scripts/pack.mjs postpack` after.
 *
 * @micropay/protocol is not published, so the tarball carries its built code in dist/protocol/
 * and the client's dist imports it by a relative path. (bundleDependencies cannot do this: npm
 * leaves a workspace's symlinked dependency out of the tarball.)
 *
 *   prepack   a clean build, protocol's dist copied to dist/protocol/, every import of
 *             '@micropay/protocol' in dist rewritten to it.
 *   postpack  a clean build again, so the workspace's dist imports the workspace's protocol and
 *             never a copy that would go stale when protocol changes.
 */
import { execFileSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, relative, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

const clientDir = fileURLToPath(new URL('..', import.meta.url));
const protocolDir = join(clientDir, '..', 'protocol');
const dist = join(clientDir, 'dist');
const vendored = join(dist, 'protocol');
/** `from '@micropay/protocol'` and `import('@micropay/protocol')`, in JS and declarations. */
const PROTOCOL_IMPORT = /(\bfrom\s*|\bimport\s*\(\s*)(['"])@micropay\/protocol\2/g;

/** A build from nothing: no stale file of a deleted source, no missing file. */
function cleanBuild() {
  // tsc -b trusts its build info: with dist deleted but the build info kept it emits nothing.
  rmSync(dist, { recursive: true, force: true });
  rmSync(join(clientDir, 'tsconfig.tsbuildinfo'), { force: true });
  const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
  // -b also rebuilds protocol first if its sources changed.
  execFileSync(process.execPath, [tsc, '-b', clientDir], { stdio: 'inherit' });
}

/**
 * Copies protocol's built files (one set per source file) into dist/protocol/, and its sources
 * into dist/protocol/src/ with the maps pointed at them, so an editor's "go to definition" and a
 * stack trace's source map reach the code (the client's own maps reach the shipped src/).
 */
function vendorProtocol() {
  mkdirSync(join(vendored, 'src'), { recursive: true });
  const sources = readdirSync(join(protocolDir, 'src')).filter((name) => name.endsWith('.ts'));
  for (const source of sources) {
    const base = source.slice(0, -'.ts'.length);
    copyFileSync(join(protocolDir, 'src', source), join(vendored, 'src', source));
    for (const built of [`${base}.js`, `${base}.js.map`, `${base}.d.ts`, `${base}.d.ts.map`]) {
      const from = join(protocolDir, 'dist', built);
      // tsc -b trusts protocol's build info too, so a deleted output would go unnoticed.
      if (!existsSync(from)) throw new Error(`${from} is missing: rebuild protocol (npx tsc -b packages/protocol --force)`);
      if (!built.endsWith('.map')) copyFileSync(from, join(vendored, built));
      else writeFileSync(join(vendored, built), besideSources(readFileSync(from, 'utf8')));
    }
  }
}

/** A map of protocol's, its sources moved from ../src/ to src/ beside it. */
function besideSources(map) {
  const parsed = JSON.parse(map);
  parsed.sources = parsed.sources.map((source) => source.replace(/^\.\.\/src\//, 'src/'));
  return JSON.stringify(parsed);
}

/** Points every import of '@micropay/protocol' under `dir` at dist/protocol/index.js. */
function rewriteImports(dir) {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const file = join(dir, entry.name);
    if (entry.isDirectory()) {
      if (file !== vendored) rewriteImports(file);
      continue;
    }
    if (!entry.name.endsWith('.js') && !entry.name.endsWith('.d.ts')) continue;
    let target = relative(dirname(file), join(vendored, 'index.js')).split(sep).join('/');
    if (!target.startsWith('.')) target = `./${target}`;
    const text = readFileSync(file, 'utf8');
    const rewritten = text.replace(PROTOCOL_IMPORT, (_match, keyword, quote) => `${keyword}${quote}${target}${quote}`);
    // Any other mention (a require, an odd spacing) would fail at the user's install: stop here.
    if (/['"]@micropay\/protocol['"]/.test(rewritten)) throw new Error(`${file} still refers to '@micropay/protocol'`);
    if (rewritten !== text) writeFileSync(file, rewritten);
  }
}

const step = process.argv[2];
if (step === 'prepack') {
  cleanBuild();
  vendorProtocol();
  rewriteImports(dist);
} else if (step === 'postpack') {
  cleanBuild();
} else {
  throw new Error(`usage: node scripts/pack.mjs prepack|postpack (got ${String(step)})`);
}
