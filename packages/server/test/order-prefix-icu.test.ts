import pg from 'pg';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { startOfLocalDay } from '../src/domain/statement.js';
import { searchOrders } from '../src/services/console-orders.js';
import { orderSearchSql } from '../src/store/order-search-sql.js';
import { parseOrderSearch } from '../src/domain/order-search.js';
import { sql } from './db-access.js';
import { createMerchant, ManualClock, startTestPlatform, TEST_STORE, type TestPlatform } from './helpers.js';
import { withDatabase } from './postgres-setup.js';

/**
 * The order id prefix search on a PostgreSQL database whose default collation is ICU's 'en' while
 * datcollate says C.UTF-8: the range compares in "C" (order-search-sql.ts), so it finds every id
 * whatever the collation sorts "-", "_", digits and case as, and the "C" index serves it.
 */
const TZ = 'Asia/Kuala_Lumpur';
const IDS = ['INV0001', 'INVa', 'INV-7', 'INV_9', 'INVZ2'];
const runDb = process.env.MICROPAY_TEST_PG_DATABASE!;
const icuDb = `${runDb}_icu`;

async function admin(text: string): Promise<void> {
  const c = new pg.Client({ connectionString: process.env.MICROPAY_TEST_PG_URL! });
  await c.connect();
  try {
    await c.query(text);
  } finally {
    await c.end();
  }
}

let p: TestPlatform;
let mchId: string;
beforeAll(async () => {
  if (TEST_STORE !== 'postgres') return;
  await admin(`DROP DATABASE IF EXISTS ${icuDb} WITH (FORCE)`);
  await admin(`CREATE DATABASE ${icuDb} TEMPLATE template0 LOCALE_PROVIDER icu ICU_LOCALE 'en' LC_COLLATE 'C.UTF-8' LC_CTYPE 'C.UTF-8'`);
  // The test platform's schema goes into the ICU database (helpers.ts reads this at each start).
  process.env.MICROPAY_TEST_PG_DATABASE = icuDb;
  const clock = new ManualClock(startOfLocalDay('2026-03-10', TZ) + 9 * 3600_000);
  p = await startTestPlatform({ MICROPAY_TIMEZONE: TZ }, clock);
  mchId = (await createMerchant(p, 'Prefix Mart')).mchId;
  const w = await p.store.createWallet({ name: 'H', openingSen: 1000_00, tokenHash: 'x'.repeat(64), pinHash: null, confirmLimitSen: null });
  for (const id of [...IDS, 'INU9', 'INW1', 'IN']) {
    const code = await p.store.issuePayCode(w.walletId, 3_600_000);
    if (typeof code === 'string') throw new Error(code);
    await p.store.pay({ mchId, mchOrderId: id, amountSen: 1_00, goodsInfo: 't', discountSen: null, point: null, payCode: code.code, timestampMs: clock.now });
    clock.advance(1000);
  }
}, 60_000);
afterAll(async () => {
  if (TEST_STORE !== 'postgres') return;
  await p?.stop();
  process.env.MICROPAY_TEST_PG_DATABASE = runDb;
  await admin(`DROP DATABASE IF EXISTS ${icuDb} WITH (FORCE)`);
});

it.runIf(TEST_STORE === 'postgres')('an ICU-collated database: the prefix finds every id that starts with it, and no other', async () => {
  const [db] = await sql<{ datlocprovider: string; datcollate: string }>(p.store, 'SELECT datlocprovider, datcollate FROM pg_database WHERE datname = current_database()');
  expect(db).toEqual({ datlocprovider: 'i', datcollate: 'C.UTF-8' });
  for (const [prefix, expected] of [['INV', IDS], ['INV_', ['INV_9']], ['INV-', ['INV-7']], ['IN', [...IDS, 'INU9', 'INW1', 'IN']], ['INVZ', ['INVZ2']]] as const) {
    const r = await searchOrders(p.store, { mchId, cashierId: null }, { mchOrderIdPrefix: prefix }, TZ);
    if (!r.ok) throw new Error(r.msg);
    expect(r.value.orders.map((o) => o.mchOrderId).sort(), prefix).toEqual([...expected].sort());
  }
});

it.runIf(TEST_STORE === 'postgres')('the "C" index serves the prefix range (the plan, without the time indexes a tiny table prefers)', async () => {
  const search = parseOrderSearch({ mchOrderIdPrefix: 'INV', limit: '20' }, { mchId, cashierId: null }, TZ);
  if (!search.ok) throw new Error(search.msg);
  const { sql: text, values } = orderSearchSql(search.value, 'postgres');
  // On 8 orders the planner walks the time index and filters; here the time indexes are dropped in a
  // transaction rolled back, so the plan shows which index can serve the range itself.
  const pool = (p.store as unknown as { pool: pg.Pool }).pool;
  const c = await pool.connect();
  let rows: { 'QUERY PLAN': string }[];
  try {
    await c.query('BEGIN');
    await c.query('SET LOCAL enable_seqscan = off; SET LOCAL enable_bitmapscan = off');
    await c.query('DROP INDEX orders_by_merchant_trade_time; DROP INDEX orders_not_paid_by_merchant');
    rows = (await c.query(`EXPLAIN ${text}`, [...values])).rows as { 'QUERY PLAN': string }[];
  } finally {
    await c.query('ROLLBACK');
    c.release();
  }
  const shown = rows.map((r) => r['QUERY PLAN']).join('\n');
  expect(shown).toMatch(/orders_by_merchant_order_id_c/);
  expect(shown).toMatch(/Index Scan.* using orders_by_merchant_order_id_c .*\n.*Index Cond: .*mch_order_id.* >= 'INV'.*< 'INV~'/);
});
