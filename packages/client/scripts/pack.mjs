/**
 * Makes the packed @micropay/client self-contained. npm runs `node scripts/pack.mjs prepack`
 * before `npm pack` / `npm publish`, and `node scripts/pack.mjs postpack` after.
 *
 * @micropay/protocol is not published, so the tarball carries its built code in dist/protocol/
 * and the client's dist imports it by a relative path. (bundleDependencies cannot do this: npm
 * leaves a workspace's symlinked dependency out of the tarball.)
 *
 *   prepack   a clean build, protocol's dist copied to dist/protocol/, every import of
 *             '@micropay/protocol' in dist and in the shipped src/ rewritten to it; the guide
 *             (docs/client.md) and the error catalogue it leans on (docs/errors.md) copied to
 *             docs/, and the README's and their links pointed at the copies (a link to a document
 *             not carried names it in the MicroPay repository instead of breaking).
 *   postpack  src/ and the README as they were, docs/ removed, and a clean build again, so the
 *             workspace's dist imports the workspace's protocol and never a copy that would go
 *             stale when protocol changes.
 */
import { execFileSync } from 'node:child_process';
import { copyFileSync, cpSync, existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, posix, relative, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

const clientDir = fileURLToPath(new URL('..', import.meta.url));
const protocolDir = join(clientDir, '..', 'protocol');
const dist = join(clientDir, 'dist');
const vendored = join(dist, 'protocol');
const repoDocs = join(clientDir, '..', '..', 'docs');
/** The documents the tarball carries, in docs/: the guide, and the catalogue its error table leans on. */
const CARRIED_DOCS = ['client.md', 'errors.md'];
/** What packing changes in the package's own files, kept here until postpack puts them back. */
const originals = join(clientDir, '.prepack-originals');
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

/**
 * Points every import of '@micropay/protocol' under `dir` at `entry` (dist/protocol/index.js for
 * the built files; the vendored sources' index for src/, whose .js TypeScript reads as .ts). Only
 * the specifier changes, on its own line, so the maps' lines still match the shipped sources.
 */
function rewriteImports(dir, entry, extensions) {
  for (const item of readdirSync(dir, { withFileTypes: true })) {
    const file = join(dir, item.name);
    if (item.isDirectory()) {
      if (file !== vendored) rewriteImports(file, entry, extensions);
      continue;
    }
    if (!extensions.some((extension) => item.name.endsWith(extension))) continue;
    let target = relative(dirname(file), entry).split(sep).join('/');
    if (!target.startsWith('.')) target = `./${target}`;
    const text = readFileSync(file, 'utf8');
    const rewritten = text.replace(PROTOCOL_IMPORT, (_match, keyword, quote) => `${keyword}${quote}${target}${quote}`);
    // Any other mention (a require, an odd spacing) would fail at the user's install: stop here.
    if (/['"]@micropay\/protocol['"]/.test(rewritten)) throw new Error(`${file} still refers to '@micropay/protocol'`);
    if (rewritten !== text) writeFileSync(file, rewritten);
  }
}

/** Keeps the package's own README and src/ as they are, for postpack to put back. */
function keepOriginals() {
  mkdirSync(originals);
  copyFileSync(join(clientDir, 'README.md'), join(originals, 'README.md'));
  cpSync(join(clientDir, 'src'), join(originals, 'src'), { recursive: true });
}

function restoreOriginals() {
  if (existsSync(originals)) {
    renameSync(join(originals, 'README.md'), join(clientDir, 'README.md'));
    rmSync(join(clientDir, 'src'), { recursive: true, force: true });
    renameSync(join(originals, 'src'), join(clientDir, 'src'));
    rmSync(originals, { recursive: true, force: true });
  }
  rmSync(join(clientDir, 'docs'), { recursive: true, force: true });
}

/** The carried documents into docs/, and the README's and their links pointed at what the tarball holds. */
function carryDocs() {
  mkdirSync(join(clientDir, 'docs'));
  for (const name of CARRIED_DOCS) {
    writeFileSync(join(clientDir, 'docs', name), packedLinks(readFileSync(join(repoDocs, name), 'utf8'), `docs/${name}`, `docs/${name}`));
  }
  const readme = join(clientDir, 'README.md');
  writeFileSync(readme, packedLinks(readFileSync(readme, 'utf8'), 'packages/client/README.md', 'README.md'));
}

/**
 * A Markdown file's relative links as the tarball needs them: `repoPath` is where the file is in
 * the repository, `packedPath` where it is in the package. A link to a carried document points at
 * its copy; a link to anything else names its place in the MicroPay repository, as text.
 */
function packedLinks(text, repoPath, packedPath) {
  return text.replace(/\[([^\]\n]*)\]\(([^)\s]+)\)/g, (link, label, target) => {
    if (/^([a-z]+:|#)/i.test(target)) return link;
    const [path, anchor] = target.split('#');
    const inRepo = posix.normalize(posix.join(posix.dirname(repoPath), path));
    const carried = inRepo.startsWith('docs/') && CARRIED_DOCS.includes(inRepo.slice('docs/'.length));
    if (!carried) return `${label} (\`${inRepo}${anchor === undefined ? '' : `#${anchor}`}\` in the MicroPay repository)`;
    const packedTarget = posix.relative(posix.dirname(packedPath), inRepo) || posix.basename(inRepo);
    return `[${label}](${packedTarget}${anchor === undefined ? '' : `#${anchor}`})`;
  });
}

const step = process.argv[2];
if (step === 'prepack') {
  // A pack whose prepack ended but whose postpack never ran left the rewritten files in place and
  // the originals aside: put them back before anything is built from them.
  restoreOriginals();
  cleanBuild();
  vendorProtocol();
  // The package's own files are set aside only now, once the build stood, and put back if the
  // rewrite fails: a snapshot taken before a failed build would later be restored over edits made
  // to fix it.
  keepOriginals();
  try {
    rewriteImports(dist, join(vendored, 'index.js'), ['.js', '.d.ts']);
    rewriteImports(join(clientDir, 'src'), join(vendored, 'src', 'index.js'), ['.ts']);
    carryDocs();
  } catch (error) {
    restoreOriginals();
    throw error;
  }
} else if (step === 'postpack') {
  restoreOriginals();
  cleanBuild();
} else {
  throw new Error(`usage: node scripts/pack.mjs prepack|postpack (got ${String(step)})`);
}
