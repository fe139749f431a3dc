import { execFile, execFileSync } from 'node:child_process';
import { promisify } from 'node:util';
import { cpSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, posix } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { appWallet, createMerchant, FAST_ENV, payCode, startTestPlatform, type TestPlatform } from './support.js';

/**
 * docs/client.md's install, as a POS developer does it: `npm pack` of the client, the tarball
 * installed alone into a new project (offline: it needs no other package), and a payment made with
 * it against the real platform. Packed from a copy of the two packages, so the workspace's own
 * builds, which the rest of the suite runs on, are never rebuilt under it.
 */
const repo = fileURLToPath(new URL('../../../', import.meta.url));
let tmp: string;
let p: TestPlatform;

beforeAll(async () => {
  tmp = mkdtempSync(join(tmpdir(), 'micropay-packed-'));
  for (const [pkg, parts] of [['client', ['package.json', 'README.md', 'tsconfig.json', 'src', 'scripts']], ['protocol', ['package.json', 'tsconfig.json', 'src']]] as const) {
    for (const part of parts) cpSync(join(repo, 'packages', pkg, part), join(tmp, 'packages', pkg, part), { recursive: true });
  }
  cpSync(join(repo, 'tsconfig.base.json'), join(tmp, 'tsconfig.base.json'));
  cpSync(join(repo, 'docs'), join(tmp, 'docs'), { recursive: true });
  // TypeScript and Node's types for the build; the copy's own protocol is built beside it.
  symlinkSync(join(repo, 'node_modules'), join(tmp, 'node_modules'), 'dir');
  p = await startTestPlatform(FAST_ENV);
}, 60_000);

afterAll(async () => {
  await p?.stop();
  rmSync(tmp, { recursive: true, force: true });
});

const npm = (args: string[], cwd: string): string => execFileSync('npm', [...args, '--no-audit', '--no-fund', '--offline'], { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });

describe('the packed client', () => {
  it('packs self-contained, installs alone into a new project, and pays', async () => {
    const out = join(tmp, 'out');
    mkdirSync(out);
    const packed = JSON.parse(npm(['pack', '--json', '--pack-destination', out], join(tmp, 'packages', 'client'))) as { filename: string; files: { path: string }[] }[];
    const files = packed[0]!.files.map((f) => f.path);
    expect(files).toEqual(expect.arrayContaining(['package.json', 'README.md', 'dist/index.js', 'dist/index.d.ts', 'dist/protocol/index.js', 'src/index.ts', 'dist/protocol/src/money.ts', 'docs/client.md', 'docs/errors.md']));
    expect(files.filter((f) => !f.startsWith('dist/') && !f.startsWith('src/') && !['package.json', 'README.md', 'docs/client.md', 'docs/errors.md'].includes(f))).toEqual([]);
    // Packing leaves the package as it was: its README and sources, and no docs/ of its own.
    const client = join(tmp, 'packages', 'client');
    expect(readdirSync(client).sort()).toEqual(['README.md', 'dist', 'package.json', 'scripts', 'src', 'tsconfig.json', 'tsconfig.tsbuildinfo']);
    expect(readFileSync(join(client, 'README.md'), 'utf8')).toBe(readFileSync(join(repo, 'packages', 'client', 'README.md'), 'utf8'));
    for (const source of readdirSync(join(client, 'src'))) {
      expect(readFileSync(join(client, 'src', source), 'utf8')).toBe(readFileSync(join(repo, 'packages', 'client', 'src', source), 'utf8'));
    }
    // Every map's sources are in the tarball: "go to definition" and stack traces reach the code.
    const unpacked = join(tmp, 'unpacked');
    mkdirSync(unpacked);
    execFileSync('tar', ['xzf', join(out, packed[0]!.filename), '-C', unpacked]);
    for (const map of files.filter((f) => f.endsWith('.map'))) {
      const { sources } = JSON.parse(readFileSync(join(unpacked, 'package', map), 'utf8')) as { sources: string[] };
      for (const source of sources) expect(files, `${map} → ${source}`).toContain(posix.join(posix.dirname(map), source));
    }
    const shipped = (file: string) => readFileSync(join(unpacked, 'package', file), 'utf8');
    // Nothing imports @micropay/protocol, which an integrator's project does not have; the shipped
    // sources' relative imports reach sources in the tarball, and keep their lines, so the maps match.
    for (const file of files.filter((f) => /\.(js|ts)$/.test(f))) {
      expect(shipped(file), file).not.toMatch(/['"]@micropay\/protocol['"]/);
      if (!file.endsWith('.ts') || file.endsWith('.d.ts')) continue;
      for (const [, specifier] of shipped(file).matchAll(/\bfrom\s*'(\.{1,2}\/[^']+)\.js'/g)) {
        expect(files, `${file} imports ${specifier}.js`).toContain(posix.join(posix.dirname(file), `${specifier!}.ts`));
      }
    }
    for (const file of files.filter((f) => f.startsWith('src/'))) {
      expect(shipped(file).split('\n').length, file).toBe(readFileSync(join(repo, 'packages', 'client', file), 'utf8').split('\n').length);
    }
    // The guide and the README link only to what the tarball holds (the rest is named in the repository).
    for (const doc of files.filter((f) => f.endsWith('.md'))) {
      for (const [, target] of shipped(doc).matchAll(/\]\(([^)\s]+)\)/g)) {
        if (/^([a-z]+:|#)/i.test(target!)) continue;
        expect(files, `${doc} links to ${target}`).toContain(posix.join(posix.dirname(doc), target!.split('#')[0]!));
      }
    }
    expect(shipped('README.md')).toContain('[docs/client.md](docs/client.md)');
    expect(shipped('docs/client.md')).toContain('[errors.md](errors.md)');
    expect(shipped('docs/client.md')).toContain('\nMicroPay Payment API (`docs/api.md` in the MicroPay repository) that gets');

    const app = join(tmp, 'app');
    mkdirSync(app);
    writeFileSync(join(app, 'package.json'), JSON.stringify({ name: 'pay-station', private: true, type: 'module' }));
    npm(['install', join(out, readdirSync(out)[0]!)], app);
    // Nothing else came with it.
    expect(readdirSync(join(app, 'node_modules')).filter((n) => !n.startsWith('.'))).toEqual(['@micropay']);
    expect(readdirSync(join(app, 'node_modules', '@micropay'))).toEqual(['client']);

    const m = await createMerchant(p);
    const code = await payCode(p, await appWallet(p, 100_00));
    writeFileSync(join(app, 'pay.mjs'), `
      import { MicroPayClient, parseAmountSen } from '@micropay/client';
      const client = new MicroPayClient({ baseUrl: process.argv[2], mchId: process.argv[3], apiKey: process.argv[4] });
      const outcome = await client.pay({ mchOrderId: 'packed-1', amount: '2.5', payCode: process.argv[5], goodsInfo: 'Parking 1h' });
      console.log(JSON.stringify({ status: outcome.status, amount: outcome.order?.amount, sen: parseAmountSen(outcome.order?.amount ?? '') }));
    `);
    // Not synchronously: the platform answers from this process.
    const printed = (await promisify(execFile)(process.execPath, ['pay.mjs', p.url, m.mchId, m.key, code], { cwd: app, encoding: 'utf8' })).stdout;
    expect(JSON.parse(printed)).toEqual({ status: 'PAID', amount: '2.50', sen: 250 });
    expect((await p.store.findOrder(m.mchId, 'packed-1'))?.status).toBe('PAID');
    // docs/client.md: CommonJS may require() it on Node 20.19 or later (this one is).
    writeFileSync(join(app, 'require.cjs'), `console.log(typeof require('@micropay/client').MicroPayClient);`);
    expect((await promisify(execFile)(process.execPath, ['require.cjs'], { cwd: app, encoding: 'utf8' })).stdout.trim()).toBe('function');
  }, 180_000);

  it("a pack whose build fails keeps the package's sources as they are: edits made to fix it survive the next pack", () => {
    const clientDir = join(tmp, 'packages', 'client');
    const errors = join(clientDir, 'src', 'errors.ts');
    const original = readFileSync(errors, 'utf8');
    const pack = (step: string) => execFileSync(process.execPath, ['scripts/pack.mjs', step], { cwd: clientDir, stdio: ['ignore', 'pipe', 'pipe'] });
    try {
      writeFileSync(errors, `${original}\nexport const broken: number = 'not a number';\n`);
      expect(() => pack('prepack')).toThrow();
      // The mistake fixed, and another edit made: the next pack must not bring the broken file back.
      writeFileSync(errors, `${original}\nexport const fixed = 1;\n`);
      pack('prepack');
      pack('postpack');
      expect(readFileSync(errors, 'utf8')).toBe(`${original}\nexport const fixed = 1;\n`);
    } finally {
      writeFileSync(errors, original);
      pack('postpack');
    }
  }, 120_000);
});

