/**
 * Main-thread writes while the SQLite payment thread is saturated: a top-up every 50 ms while
 * 200 payments are kept in flight, the store without HTTP. Prints the top-ups' latency and the
 * main event loop's delay over the same time — the delay is what every HTTP request on the
 * server would wait on top of its own work (docs/benchmarks.md, "write turns").
 *
 *   node bench/main-writes.mjs [--top-ups 60]
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import { SqliteStore } from '../packages/server/dist/store/sqlite/sqlite-store.js';
import { MasterKey } from '../packages/server/dist/secrets/master-key.js';
import { MerchantKeyVault } from '../packages/server/dist/secrets/merchant-key-vault.js';
import { createMerchants, createWalletsWithCodes } from './lib/seed.mjs';

const { values: args } = parseArgs({ options: { 'top-ups': { type: 'string', default: '60' } } });
const topUps = Number(args['top-ups']);
const IN_FLIGHT = 200;
const WALLETS = 120_000;
const dir = mkdtempSync(join(tmpdir(), 'micropay-main-writes-'));
const options = { timeZone: 'Asia/Kuala_Lumpur', policy: { confirmLimitSen: 250_00, confirmTimeoutMs: 60_000 }, newOrderTimeoutMs: 5_000,
  merchantKeys: new MerchantKeyVault(MasterKey.parse(MasterKey.generate())) };
const store = new SqliteStore(join(dir, 'micropay.db'), { ...options, clock: { nowMs: () => Date.now() }, paymentThread: true });
try {
  const merchants = await createMerchants(store, 100);
  const codes = await createWalletsWithCodes(store, WALLETS, { openingSen: 10_00, ttlMs: 3_600_000 });
  const target = await store.createWallet({ name: 'top-up target', openingSen: 0 });

  let next = 0;
  let paid = 0;
  let stopped = false;
  const payNext = () => {
    if (stopped || next >= WALLETS) return;
    const i = next++;
    const m = merchants[i % merchants.length];
    store
      .pay({ mchId: m.mchId, mchOrderId: `W${i}`, amountSen: 1_00, goodsInfo: 'parking', discountSen: null, point: null, payCode: codes[i], timestampMs: Date.now() })
      .then((d) => {
        if (d.kind === 'paid') paid++;
        payNext();
      });
  };
  for (let k = 0; k < IN_FLIGHT; k++) payNext();
  await new Promise((r) => setTimeout(r, 1_000));

  const loop = monitorEventLoopDelay({ resolution: 1 });
  loop.enable();
  const startedAt = performance.now();
  const paidBefore = paid;
  const latencies = [];
  for (let k = 0; k < topUps; k++) {
    const t0 = performance.now();
    await store.topUp(target.walletId, 1);
    latencies.push(performance.now() - t0);
    await new Promise((r) => setTimeout(r, 50));
  }
  loop.disable();
  const seconds = (performance.now() - startedAt) / 1000;
  stopped = true;
  latencies.sort((a, b) => a - b);
  const at = (q) => +latencies[Math.min(latencies.length - 1, Math.floor(q * latencies.length))].toFixed(1);
  const ms = (ns) => +(ns / 1e6).toFixed(1);
  console.log(
    JSON.stringify({
      paymentsPerSecond: Math.round((paid - paidBefore) / seconds),
      topUpMs: { p50: at(0.5), p90: at(0.9), max: at(1) },
      eventLoopDelayMs: { p50: ms(loop.percentile(50)), p99: ms(loop.percentile(99)), max: ms(loop.max) },
    }),
  );
  if ((await store.findWallet(target.walletId)).balanceSen !== topUps) throw new Error('a top-up is missing');
} finally {
  await new Promise((r) => setTimeout(r, 500));
  await store.close();
  rmSync(dir, { recursive: true, force: true });
}
