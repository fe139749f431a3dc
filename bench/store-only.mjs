/**
 * The SQLite store without HTTP: how much of one core a payment costs in the payment writer.
 * Seeds 100 merchants and one funded wallet with one code per payment, then pays in batches of
 * --batch (what group commit would hand the writer), the wallets in a random order, and prints µs
 * per payment. --statements also times every SQL statement (per payment, largest first), which is
 * how the indexes that cost a random page per payment were found (docs/benchmarks.md);
 * --in-order pays in the order the wallets were created (their rows page after page, which real
 * traffic never does); --page-size creates the file with other pages than the store's default;
 * --offline pays with offline codes (docs/offline-codes.md) instead of the platform's own;
 * --wal-frames turns the automatic checkpoint off and counts the WAL frames the writer's commits
 * wrote: the pages a payment dirties (each dirty page is one frame per commit).
 *
 *   node bench/store-only.mjs [--payments 40000] [--batch 100] [--statements] [--in-order] [--page-size 4096] [--offline] [--wal-frames]
 */
import { statSync } from 'node:fs';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import Database from 'better-sqlite3';
import { PaymentWriter } from '../packages/server/dist/store/sqlite/payment-writer.js';
import { SqliteStore } from '../packages/server/dist/store/sqlite/sqlite-store.js';
import { MasterKey } from '../packages/server/dist/secrets/master-key.js';
import { MerchantKeyVault } from '../packages/server/dist/secrets/merchant-key-vault.js';
import { createMerchants, createWalletsWithCodes, createWalletsWithDevices, shuffle } from './lib/seed.mjs';
import { offlineStep } from '@micropay/protocol';

const { values: args } = parseArgs({
  options: { payments: { type: 'string', default: '40000' }, batch: { type: 'string', default: '100' }, statements: { type: 'boolean', default: false }, 'in-order': { type: 'boolean', default: false }, 'page-size': { type: 'string' }, offline: { type: 'boolean', default: false }, 'wal-frames': { type: 'boolean', default: false } },
});
const count = Number(args.payments);
const batchSize = Number(args.batch);
const dir = mkdtempSync(join(tmpdir(), 'micropay-store-only-'));
const options = { timeZone: 'Asia/Kuala_Lumpur', policy: { confirmLimitSen: 250_00, confirmTimeoutMs: 60_000 }, newOrderTimeoutMs: 5_000,
  merchantKeys: new MerchantKeyVault(MasterKey.parse(MasterKey.generate())) };
const file = join(dir, 'micropay.db');
if (args['page-size'] !== undefined) {
  // The page size is fixed when the first table is written; the store keeps whatever it finds.
  const db = new Database(file);
  db.pragma(`page_size = ${Number(args['page-size'])}`);
  db.exec('CREATE TABLE page_size_probe (x); DROP TABLE page_size_probe;');
  db.close();
}
const store = new SqliteStore(file, { ...options, clock: { nowMs: () => Date.now() } });
try {
  const merchants = await createMerchants(store, 100);
  const seedOptions = { openingSen: 10_00, ttlMs: 3_600_000 };
  // Offline codes: computed now, for the current step (they pay within ±40 s of it).
  const codes = args.offline
    ? (await createWalletsWithDevices(store, count, seedOptions))(offlineStep(Date.now()))
    : args['in-order'] ? await createWalletsWithCodes(store, count, seedOptions) : shuffle(await createWalletsWithCodes(store, count, seedOptions));
  const timings = args.statements ? timeStatements() : null;
  const offlineKey = await store.offlineCodeKey();
  const writer = new PaymentWriter(store.db, options, () => offlineKey);
  const pageSize = store.db.pragma('page_size', { simple: true });
  if (args['wal-frames']) {
    store.db.pragma('wal_checkpoint(TRUNCATE)');
    store.db.pragma('wal_autocheckpoint = 0');
  }
  const walBefore = walBytes(file);
  let paid = 0;
  const batchMs = [];
  const started = performance.now();
  for (let from = 0; from < count; from += batchSize) {
    const jobs = [];
    for (let i = from; i < Math.min(count, from + batchSize); i++) {
      const m = merchants[i % merchants.length];
      const cmd = { mchId: m.mchId, mchOrderId: `S${i}`, amountSen: 1_00, goodsInfo: 'parking', discountSen: null, point: null, payCode: codes[i], timestampMs: Date.now() };
      jobs.push({ cmd, options: {}, nowMs: Date.now() });
    }
    const t0 = performance.now();
    for (const outcome of writer.write(jobs)) if (outcome.ok && outcome.decision.kind === 'paid') paid++;
    batchMs.push(performance.now() - t0);
  }
  const ms = performance.now() - started;
  if (paid !== count) throw new Error(`${paid} of ${count} payments were paid`);
  if (timings) {
    for (const [sql, t] of [...timings.entries()].sort((a, b) => b[1].ns - a[1].ns)) {
      console.log(`${(t.ns / 1000 / count).toFixed(1).padStart(7)} µs/payment ${String(t.calls).padStart(8)} calls  ${sql}`);
    }
  }
  const frames = args['wal-frames'] ? (walBytes(file) - walBefore) / (pageSize + 24) : null;
  const walFrames = frames === null ? {} : { walFramesPerPayment: +(frames / count).toFixed(2), walFramesPerCommit: +(frames / Math.ceil(count / batchSize)).toFixed(1) };
  console.log(JSON.stringify({ codes: args.offline ? 'offline' : 'online', ...walFrames, payments: count, batch: batchSize, pageSize: store.db.pragma('page_size', { simple: true }), inOrder: args['in-order'], ms: Math.round(ms), paymentsPerSecond: Math.round((count / ms) * 1000), usPerPayment: +((ms * 1000) / count).toFixed(1), batchMs: percentiles(batchMs) }));
} finally {
  await store.close();
  rmSync(dir, { recursive: true, force: true });
}

function walBytes(dbFile) {
  try {
    return statSync(`${dbFile}-wal`).size;
  } catch {
    return 0;
  }
}

/** p50, p99 and max of a batch's time in ms (the checkpoints show in the tail). */
function percentiles(values) {
  const sorted = [...values].sort((a, b) => a - b);
  const at = (q) => +sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))].toFixed(2);
  return { p50: at(0.5), p99: at(0.99), max: +sorted[sorted.length - 1].toFixed(2) };
}

/** Wraps better-sqlite3's statement methods to add up the time of each SQL text. */
function timeStatements() {
  const timings = new Map();
  const probe = new Database(':memory:');
  const proto = Object.getPrototypeOf(probe.prepare('SELECT 1'));
  probe.close();
  for (const method of ['run', 'get', 'all']) {
    const original = proto[method];
    proto[method] = function (...params) {
      const t0 = process.hrtime.bigint();
      try {
        return original.apply(this, params);
      } finally {
        const key = this.source.replace(/\s+/g, ' ').slice(0, 80);
        const t = timings.get(key) ?? { calls: 0, ns: 0 };
        t.calls += 1;
        t.ns += Number(process.hrtime.bigint() - t0);
        timings.set(key, t);
      }
    };
  }
  return timings;
}
