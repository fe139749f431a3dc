// The operator console's wallet search on 100,000 wallets (docs/operations.md, "Consoles"): how
// long each kind of search takes for one page of 20, on SQLite or PostgreSQL.
//
//   npm run build && node bench/wallet-search.mjs --store sqlite
//   node bench/wallet-search.mjs --store postgres --pg postgres://postgres@127.0.0.1:5432/postgres
//
// The wallets are written straight through the store's effects (domain/wallet.ts openWallet), in
// transactions of 10,000, one per second of creation time; names are "Holder N". The search then
// runs each case 21 times and prints the median.
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import pg from 'pg';
import { loadConfig } from '../packages/server/dist/config.js';
import { openStore } from '../packages/server/dist/platform.js';
import { openWallet } from '../packages/server/dist/domain/wallet.js';
import { searchWallets } from '../packages/server/dist/services/operator-console.js';

const { values: opt } = parseArgs({ options: {
  store: { type: 'string', default: 'sqlite' },
  pg: { type: 'string', default: 'postgres://postgres@127.0.0.1:5432/postgres' },
  wallets: { type: 'string', default: '100000' },
} });
const COUNT = Number(opt.wallets);

let db;
let cleanup;
if (opt.store === 'postgres') {
  const name = `micropay_bench_search_${process.pid}`;
  const admin = new pg.Client({ connectionString: opt.pg });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${name}`);
  const url = new URL(opt.pg);
  url.pathname = `/${name}`;
  db = url.toString();
  cleanup = async () => {
    await admin.query(`DROP DATABASE ${name} WITH (FORCE)`);
    await admin.end();
  };
} else {
  const dir = mkdtempSync(join(tmpdir(), 'micropay-search-'));
  db = join(dir, 'micropay.db');
  cleanup = async () => rmSync(dir, { recursive: true, force: true });
}

const store = await openStore(loadConfig({ db }, { MICROPAY_MASTER_KEY: randomBytes(32).toString('base64') }));
try {
  const start = Date.UTC(2026, 0, 1);
  const ids = [];
  for (let done = 0; done < COUNT; done += 10_000) {
    const effects = [];
    for (let i = done; i < Math.min(COUNT, done + 10_000); i += 1) {
      const walletId = '60' + String(i * 7919 % 10_000_000_000).padStart(10, '0');
      ids.push(walletId);
      effects.push(...openWallet({ name: `Holder ${i}`, openingSen: 0 }, walletId, start + i * 1000).effects);
    }
    await store.applyEffects(effects);
  }
  const cases = {
    'newest 20, no filter': { limit: 20 },
    'whole id': { walletId: ids[COUNT / 2], limit: 20 },
    'id prefix, 6 digits': { walletId: ids[COUNT / 2].slice(0, 6), limit: 20 },
    'name part, many match ("holder 9")': { name: 'holder 9', limit: 20 },
    'name part, one match (the oldest)': { name: 'Holder 0', limit: 20 },
    'name part, none match (whole scan)': { name: 'nobody', limit: 20 },
    'status frozen, none (whole scan)': { status: 'frozen', limit: 20 },
  };
  console.log(`${opt.store}, ${COUNT} wallets: median of 21 searches, one page of 20`);
  for (const [label, input] of Object.entries(cases)) {
    const times = [];
    for (let i = 0; i < 21; i += 1) {
      const t0 = performance.now();
      const page = await searchWallets(store, input);
      times.push(performance.now() - t0);
      if ('kind' in page) throw new Error(page.problem);
    }
    times.sort((a, b) => a - b);
    console.log(`  ${label.padEnd(40)} ${times[10].toFixed(2).padStart(8)} ms`);
  }
} finally {
  await store.close();
  await cleanup();
}
