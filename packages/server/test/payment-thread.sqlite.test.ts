import { mkdtempSync, renameSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Secret } from '@micropay/protocol';
import { systemClock } from '../src/domain/clock.js';
import { PaymentThread } from '../src/store/sqlite/payment-thread-client.js';
import { SqliteStore } from '../src/store/sqlite/sqlite-store.js';
import type { PaymentJob, PaymentOutcome } from '../src/store/sqlite/payment-writer.js';
import { WriteTurns } from '../src/store/sqlite/write-turns.js';
import { StoreFile } from '../src/store/sqlite/store-file.js';
import { testMerchantKeys } from './helpers.js';

/**
 * The SQLite payment thread (payment-thread.ts): batches written on their own thread and
 * connection. If the thread dies, no payment is lost or invented: each one it was given is either
 * committed whole (queryBill finds it PAID) or not at all, and the next batch starts a new thread.
 * SQLite only (*.sqlite.test.ts: the PostgreSQL run leaves it out; see vitest.config.ts).
 */
const options = {
  timeZone: 'Asia/Kuala_Lumpur', policy: { confirmLimitSen: 250_00, confirmTimeoutMs: 60_000 }, newOrderTimeoutMs: 5_000, merchantKeys: testMerchantKeys(),
};
let dir: string;
let store: SqliteStore;

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'micropay-thread-'));
  store = new SqliteStore(join(dir, 'micropay.db'), { ...options, clock: systemClock });
});
afterEach(async () => {
  await store.close();
  rmSync(dir, { recursive: true, force: true });
});

async function walletsWithCodes(count: number, openingSen: number): Promise<{ walletId: string; code: string }[]> {
  const out = [];
  for (let i = 0; i < count; i++) {
    const w = await store.createWallet({ name: `W${i}`, openingSen });
    const c = await store.issuePayCode(w.walletId, 600_000);
    if (typeof c === 'string') throw new Error(c);
    out.push({ walletId: w.walletId, code: c.code });
  }
  return out;
}

describe('the SQLite payment thread', () => {
  it('a thread killed with batches in flight loses and invents nothing; the next batch starts a new one', async () => {
    const m = await store.createMerchant({ name: 'Car park', apiKey: new Secret('k'.repeat(32)) });
    const perBatch = 25;
    const wallets = await walletsWithCodes(1, 10_00);
    const job = (i: number): PaymentJob => ({
      cmd: { mchId: m.mchId, mchOrderId: `T${i}`, amountSen: 10_00, goodsInfo: 'parking', discountSen: null, point: null, payCode: wallets[i]!.code, timestampMs: Date.now() },
      options: {},
      nowMs: Date.now(),
    });
    const turns = new WriteTurns();
    const thread = new PaymentThread(join(dir, 'micropay.db'), options, turns, () => new StoreFile(join(dir, 'micropay.db')).identity);
    const first = await thread.write([job(0)]);
    expect(first[0]).toMatchObject({ ok: true, decision: { kind: 'paid' } });

    // Twenty batches, and the thread is killed the moment it says it is writing them: the loop
    // spins on the flag the thread sets, so nothing runs between seeing it and the kill. Only a
    // main thread the machine paused for the whole write (tens of ms) misses it, and the thread
    // then answers every batch: that round proves nothing, and another one runs.
    const settled: PromiseSettledResult<PaymentOutcome[]>[] = [];
    let lost: PromiseRejectedResult[] = [];
    for (let round = 1; lost.length === 0; round++) {
      expect(round, 'the kill never came while the thread was writing').toBeLessThanOrEqual(3);
      const from = wallets.length;
      wallets.push(...(await walletsWithCodes(20 * perBatch, 10_00)));
      const batches = Array.from({ length: 20 }, (_, b) => thread.write(Array.from({ length: perBatch }, (_, k) => job(from + b * perBatch + k))));
      const giveUpAt = Date.now() + 2_000;
      while (!turns.batchRunning && Date.now() < giveUpAt);
      await thread.terminate();
      const answers = await Promise.allSettled(batches);
      settled.push(...answers);
      lost = answers.filter((r): r is PromiseRejectedResult => r.status === 'rejected');
    }
    for (const s of lost) expect(s.reason.message).toMatch(/payment thread stopped/);

    // Every payment is whole or absent, and an answered PAID is in the store.
    let paid = 1;
    for (let i = 1; i < wallets.length; i++) {
      const order = await store.findOrder(m.mchId, `T${i}`);
      const balance = (await store.findWallet(wallets[i]!.walletId))!.balanceSen;
      if (order === null) expect(balance).toBe(10_00);
      else {
        expect(order.status).toBe('PAID');
        expect(balance).toBe(0);
        paid += 1;
      }
    }
    for (const s of settled) {
      if (s.status === 'fulfilled') for (const o of s.value) expect(o).toMatchObject({ ok: true, decision: { kind: 'paid' } });
    }

    // A new thread takes the next batch; the ledger balances throughout.
    const next = wallets.length;
    wallets.push(...(await walletsWithCodes(2, 10_00)));
    const after = await thread.write([job(next), job(next + 1)]);
    expect(after.map((o) => o.ok && o.decision.kind)).toEqual(['paid', 'paid']);
    paid += 2;
    const audit = await store.audit();
    expect(audit.checks.filter((c) => c.violations.length > 0)).toEqual([]);
    expect(audit.totals.orders).toBe(paid);
    await thread.close();
  });

  it("a batch sent to the next thread is not failed by the end of the one before (a thread's exit follows its error)", async () => {
    const m = await store.createMerchant({ name: 'Car park', apiKey: new Secret('k'.repeat(32)) });
    const [w] = await walletsWithCodes(1, 10_00);
    const cmd = { mchId: m.mchId, mchOrderId: 'after-the-error', amountSen: 1_00, goodsInfo: 'parking', discountSen: null, point: null, payCode: w!.code, timestampMs: Date.now() };
    const db = join(dir, 'micropay.db');
    const known = new StoreFile(db).identity;
    const thread = new PaymentThread(db, options, new WriteTurns(), () => known);
    try {
      renameSync(db, `${db}.moved`);
      await thread.terminate();
      // The thread started for this batch refuses the moved file: an error, then its exit.
      const refused = await thread.write([{ cmd, options: {}, nowMs: Date.now() }]).catch((e: Error) => e);
      expect(String(refused)).toMatch(/is gone/);
      // Sent at once, before the refused thread's exit is told: a new thread writes it.
      renameSync(`${db}.moved`, db);
      const next = await thread.write([{ cmd, options: {}, nowMs: Date.now() }]);
      expect(next[0]).toMatchObject({ ok: true, decision: { kind: 'paid' } });
    } finally {
      await thread.close();
    }
  });

  it('main-thread writes (top-ups, codes, closes) interleave with payment batches without waiting errors', async () => {
    await store.close();
    store = new SqliteStore(join(dir, 'micropay.db'), { ...options, clock: systemClock, paymentThread: true });
    const m = await store.createMerchant({ name: 'Canteen', apiKey: new Secret('k'.repeat(32)) });
    const payers = await walletsWithCodes(300, 10_00);
    const others = await walletsWithCodes(50, 0);
    const pay = (i: number) =>
      store.pay({ mchId: m.mchId, mchOrderId: `C${i}`, amountSen: 4_00, goodsInfo: 'lunch', discountSen: null, point: null, payCode: payers[i]!.code, timestampMs: Date.now() });
    const results = await Promise.all([
      ...payers.map((_, i) => pay(i)),
      ...others.map((w) => store.topUp(w.walletId, 5_00)),
      ...others.map((w) => store.issuePayCode(w.walletId, 60_000)),
      // Closing ids no payment reached records them closed: a main-thread write as well.
      ...payers.slice(0, 50).map((_, i) => store.closeOrder(m.mchId, `X${i}`)),
    ]);
    const decisions = results.slice(0, 300) as { kind: string }[];
    expect(decisions.every((d) => d.kind === 'paid')).toBe(true);
    expect((results.slice(400) as { kind: string }[]).every((r) => r.kind === 'not_found')).toBe(true);
    for (const w of others) expect((await store.findWallet(w.walletId))!.balanceSen).toBe(5_00);
    expect((await store.findWallet(payers[299]!.walletId))!.balanceSen).toBe(6_00);
    expect(store.batchStats.payments).toBe(300);
    expect((await store.audit()).ok).toBe(true);
  });
});
