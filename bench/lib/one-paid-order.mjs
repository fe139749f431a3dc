import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createMerchants, createWalletsWithCodes } from './seed.mjs';

/**
 * A served SQLite store (payment thread on) of the build in `tree`, with one merchant and one paid
 * order `q1`: what the lookup benches (find-order.mjs, query-path.mjs) query.
 */
export async function storeWithOnePaidOrder(tree) {
  const { openStore } = await import(join(tree, 'packages/server/dist/platform.js'));
  const { loadConfig } = await import(join(tree, 'packages/server/dist/config.js'));
  const dir = mkdtempSync(join(tmpdir(), 'micropay-one-order-'));
  const config = loadConfig({ db: join(dir, 'micropay.db') }, { MICROPAY_MASTER_KEY: randomBytes(32).toString('base64') });
  const store = await openStore(config, undefined, { serving: true });
  const [merchant] = await createMerchants(store, 1);
  const [payCode] = await createWalletsWithCodes(store, 1, { openingSen: 10_00, ttlMs: 3_600_000 });
  const cmd = { mchId: merchant.mchId, mchOrderId: 'q1', amountSen: 1_00, goodsInfo: 'Parking', discountSen: null, point: null, payCode, timestampMs: Date.now() };
  if ((await store.pay(cmd)).kind !== 'paid') throw new Error('the order was not paid');
  return {
    store,
    config,
    merchant,
    async close() {
      await store.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/**
 * Prints the median of 5 rounds of `calls` calls' CPU µs per call (process.cpuUsage: other load on
 * the machine moves it little). `call` makes `perCall` calls at once (several in one turn).
 */
export async function reportCpu(label, call, { calls, perCall = 1, unit = 'call', width = 52 }) {
  const rounds = [];
  for (let r = 0; r < 5; r++) {
    const start = process.cpuUsage();
    for (let i = 0; i < calls; i += perCall) await call();
    const used = process.cpuUsage(start);
    rounds.push((used.user + used.system) / calls);
  }
  rounds.sort((a, b) => a - b);
  console.log(`${label.padEnd(width)} ${rounds[2].toFixed(2).padStart(6)} µs CPU per ${unit} (rounds ${rounds.map((x) => x.toFixed(2)).join(', ')})`);
}
