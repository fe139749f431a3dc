import { afterEach, describe, expect, it } from 'vitest';
import { openStore } from '../src/platform.js';
import type { Store } from '../src/store/store.js';
import { createMerchant, createWalletWithCode, startTestPlatform, TEST_STORE, testConfig, type TestMerchant, type TestPlatform } from './helpers.js';

/**
 * queryBill's reads under load (issue 18): on SQLite the lookups that arrive together share read
 * transactions (store/sqlite/read-turns.ts). Whatever the store, each still finds its own order,
 * and every commit made before it, also by another process, with nothing stale between turns.
 */
let p: TestPlatform | null = null;
let other: Store | null = null;
afterEach(async () => {
  await other?.close();
  other = null;
  await p?.stop();
  p = null;
});

async function pay(store: Store, m: TestMerchant, mchOrderId: string, payCode: string) {
  const cmd = { mchId: m.mchId, mchOrderId, amountSen: 1_00, goodsInfo: 'test', discountSen: null, point: null, payCode, timestampMs: Date.now() };
  const decision = await store.pay(cmd);
  expect(decision.kind).toBe('paid');
}

describe('order lookups that arrive together', () => {
  it('each finds its own order, and an unknown one none', async () => {
    p = await startTestPlatform();
    const m = await createMerchant(p);
    for (let i = 0; i < 9; i++) await pay(p.store, m, `o-${i}`, (await createWalletWithCode(p, 10_00, `w${i}`)).payCode);
    // Eleven lookups in one turn: a shared transaction of four, another of four, then three.
    const ids = [...Array.from({ length: 9 }, (_, i) => `o-${i}`), 'unknown', 'o-4'];
    const found = await Promise.all(ids.map((id) => p!.store.findOrder(m.mchId, id)));
    expect(found.map((o) => o && [o.mchOrderId, o.status])).toEqual(ids.map((id) => (id === 'unknown' ? null : [id, 'PAID'])));
  });

  it('each finds its own order when more arrive in one turn than one statement carries', async () => {
    p = await startTestPlatform();
    const m = await createMerchant(p);
    for (let i = 0; i < 3; i++) await pay(p.store, m, `o-${i}`, (await createWalletWithCode(p, 10_00, `w${i}`)).payCode);
    // 150 lookups: more than PostgreSQL's 64 to a statement twice over, and SQLite's 4 to a transaction.
    const ids = Array.from({ length: 150 }, (_, i) => (i % 4 === 3 ? `unknown-${i}` : `o-${i % 3}`));
    const found = await Promise.all(ids.map((id) => p!.store.findOrder(m.mchId, id)));
    expect(found.map((o) => o?.mchOrderId ?? null)).toEqual(ids.map((id) => (id.startsWith('unknown') ? null : id)));
  });

  it('see what another process committed before them, turn after turn', async () => {
    p = await startTestPlatform();
    const m = await createMerchant(p);
    const codes = [];
    for (let i = 0; i < 3; i++) codes.push((await createWalletWithCode(p, 10_00, `w${i}`)).payCode);
    // Another connection to the same database, as another server process or the CLI would have.
    other = await openStore(testConfig({ db: p.dbPath }, {}));
    const lookTogether = () => Promise.all(['a', 'b', 'c', 'a', 'b', 'c'].map((id) => p!.store.findOrder(m.mchId, id)));
    expect((await lookTogether()).every((o) => o === null)).toBe(true);
    for (const [i, id] of ['a', 'b', 'c'].entries()) {
      await pay(other, m, id, codes[i]!);
      const seen = await lookTogether();
      // Every lookup of this turn sees each payment made so far, and none made later.
      expect(seen.map((o) => o?.status ?? null)).toEqual(['a', 'b', 'c', 'a', 'b', 'c'].map((x) => (x <= id ? 'PAID' : null)));
    }
  });
});

describe("a server's start", () => {
  it.runIf(TEST_STORE === 'postgres')('opens a few of the pool’s connections before it listens, so the first requests wait for none', async () => {
    p = await startTestPlatform({ MICROPAY_PG_POOL_SIZE: '6' });
    expect(p.store.poolUsage()).toEqual({ total: 4, idle: 4, waiting: 0 });
  });

  it.runIf(TEST_STORE === 'postgres')('keeps the connections it opened through a quiet spell longer than an idle timeout', async () => {
    p = await startTestPlatform({ MICROPAY_PG_POOL_SIZE: '6' });
    const pool = (p.store as unknown as { pool: { query(sql: string): Promise<unknown> } }).pool;
    // Six at once: the pool opens the two it lacks.
    await Promise.all(Array.from({ length: 6 }, () => pool.query('SELECT pg_sleep(0.2)')));
    // The platform's background jobs borrow a connection now and then: idle again within moments.
    const allIdle = () => expect.poll(() => p!.store.poolUsage(), { timeout: 3_000 }).toEqual({ total: 6, idle: 6, waiting: 0 });
    await allIdle();
    // pg's pool closes a connection idle for 10 s unless told to keep a minimum.
    await new Promise((r) => setTimeout(r, 11_000));
    await allIdle();
  }, 30_000);
});
