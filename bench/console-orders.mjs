#!/usr/bin/env node
/**
 * The merchant console's order search on 1,000,000 orders (docs/consoles.md, "Orders"). Fills a fresh
 * store with --orders orders of one merchant (plus 4 other merchants with --others each) by bulk
 * SQL — a recursive CTE in one transaction on SQLite, generate_series on PostgreSQL — then runs each
 * query shape for its first page and a deep page (reached by following --deep cursors), printing
 * the plan and the median of --runs runs of each. The store is made by the store itself (its
 * migrations, merchants, wallet and cashier); only the orders and till charges are bulk rows. The
 * SQLite file or the PostgreSQL database is deleted at the end, also after a failure.
 *
 *   npm run build && node bench/console-orders.mjs --store sqlite|postgres [--orders 1000000] [--runs 9] [--deep 40]
 *   --fill-only keeps the filled store (and prints where it is) for looking at plans by hand; delete it after.
 *   --statements measures downloadBill's statement and the console's day report of one day (33,333
 *   orders) instead of the search; --tree DIR runs another worktree's build on the same fill
 *   (before/after: docs/benchmarks.md, "Offline codes: issue 16").
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { createHash } from 'node:crypto';
import { parseArgs } from 'node:util';
import pg from 'pg';
import { Secret } from '@micropay/protocol';
const { values: args } = parseArgs({
  options: {
    store: { type: 'string', default: 'sqlite' }, orders: { type: 'string', default: '1000000' }, others: { type: 'string', default: '20000' },
    runs: { type: 'string', default: '9' }, 'fill-only': { type: 'boolean', default: false }, deep: { type: 'string', default: '40' }, 'pg-url': { type: 'string', default: process.env.MICROPAY_TEST_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres' },
    statements: { type: 'boolean', default: false }, tree: { type: 'string' },
  },
});
// --tree DIR: the build of another worktree (before/after runs; the fill is this script's).
const dist = new URL(args.tree === undefined ? '../packages/server/dist/' : `file://${resolve(args.tree)}/packages/server/dist/`, import.meta.url);
const load = (path) => import(new URL(path, dist).href);
const { SqliteStore } = await load('store/sqlite/sqlite-store.js');
const { PgStore } = await load('store/postgres/pg-store.js');
const { MasterKey } = await load('secrets/master-key.js');
const { MerchantKeyVault } = await load('secrets/merchant-key-vault.js');
const { newApiKey } = await load('domain/ids.js');
const { startOfLocalDay } = await load('domain/statement.js');
const { parseOrderSearch } = await load('domain/order-search.js');
const { orderSearchSql } = await load('store/order-search-sql.js');
const { sqliteSql } = await load('store/page-access-sql.js');
const { searchOrders } = await load('services/console-orders.js');
const { loadStatement, merchantDay } = await load('services/statements.js');
const ORDERS = Number(args.orders);
const OTHERS = Number(args.others);
const RUNS = Number(args.runs);
const DEEP = Number(args.deep);
const TIME_ZONE = 'Asia/Kuala_Lumpur';
const START_MS = startOfLocalDay('2026-01-01', TIME_ZONE);
/** One order every 2.592 s: 1,000,000 orders span 30 days. */
const STEP_MS = 2592;
const options = { timeZone: TIME_ZONE, policy: { confirmLimitSen: 250_00, confirmTimeoutMs: 60_000 }, newOrderTimeoutMs: 5_000, clock: { nowMs: () => Date.now() },
  merchantKeys: new MerchantKeyVault(MasterKey.parse(MasterKey.generate())) };

/**
 * Order i (1-based) of a merchant, the same on both stores: 0.1 % FAILED (the rare state), 1 %
 * REFUNDED, the rest PAID at once; amounts spread over 0.01–1000.00; ids ORD + 7 digits (ID_EXPR); every
 * hundredth order charged at a till. `n` is the row number, `tag` the merchant's digit.
 */
/** The order's number in its id: i × 7919 mod the prime 1000003, so ids are unique and scattered in time, as a POS's are. */
const ID_EXPR = '(i * 7919) % 1000003';
const ORDER_EXPR = {
  status: (n) => `CASE WHEN ${n} % 1000 = 0 THEN 'FAILED' WHEN ${n} % 100 = 1 THEN 'REFUNDED' ELSE 'PAID' END`,
  amount: (n) => `((${n} * 7919) % 100000) + 1`,
};

async function main() {
  const store = args.store === 'postgres' ? await openPostgres() : openSqlite();
  try {
    const setup = await seedAccounts(store.store);
    const t0 = performance.now();
    await store.fill(setup);
    console.log(`filled ${ORDERS} orders (+${4 * OTHERS} of other merchants) in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
    if (args['fill-only']) {
      // For looking at plans by hand: the store is kept and its location printed.
      console.log(`kept: ${store.location} merchant ${setup.mchId} cashier ${setup.cashierId}`);
      await store.keep();
      return;
    }
    if (args.statements) await measureStatements(store, setup.mchId);
    else for (const shape of shapes(setup)) await measure(store, setup.mchId, shape);
  } catch (error) {
    await store.drop();
    throw error;
  }
  await store.drop();
}

/** The merchants, one wallet and one cashier, through the store itself. */
async function seedAccounts(store) {
  const merchants = [];
  for (let i = 0; i < 5; i++) merchants.push((await store.createMerchant({ name: `Console bench ${i}`, apiKey: new Secret(newApiKey()) })).mchId);
  const wallet = await store.createWallet({ name: 'Bench customer', openingSen: 0 });
  const cashier = await store.createCashier(merchants[0], 'bench-till', 'not-a-real-hash');
  return { store, mchId: merchants[0], others: merchants.slice(1), walletId: wallet.walletId, cashierId: cashier.cashierId };
}

function shapes(s) {
  return [
    ['no filter', {}],
    ['date range (3 days)', { from: '2026-01-10', to: '2026-01-12' }],
    ['status=FAILED (0.1 %), all 30 days', { status: 'FAILED' }],
    ['amount 500.00–500.99 (0.1 %)', { minAmount: '500.00', maxAmount: '500.99' }],
    ['amount 100.00–200.00 (10 %)', { minAmount: '100.00', maxAmount: '200.00' }],
    ['order id prefix ORD00123 (100 ids)', { mchOrderIdPrefix: 'ORD00123' }],
    ['order id exact', { mchOrderId: 'ORD' + String((Math.floor(ORDERS / 2) * 7919) % 1000003).padStart(7, '0') }],
    ['cashierId (1 % of orders)', { cashierId: s.cashierId }],
    ['origin till (1 % of orders)', { origin: 'till' }],
    ['origin system (99 % of orders)', { origin: 'system' }],
  ];
}

/** The plan, then the median time of the first page and of page DEEP+1 reached through the cursors. */
async function measure(store, mchId, [name, filters]) {
  const scope = { mchId, cashierId: null };
  const first = { ...filters, limit: '50' };
  let cursor = null;
  let deepPage = 1;
  for (let i = 0; i < DEEP; i++) {
    const r = await searchOrders(store.store, scope, cursor === null ? first : { ...first, cursor }, TIME_ZONE);
    if (!r.ok) throw new Error(`${name}: ${r.msg}`);
    if (r.value.next === null) break;
    cursor = r.value.next;
    deepPage += 1;
  }
  const deep = cursor === null ? null : { ...first, cursor };
  console.log(`\n## ${name}  filters ${JSON.stringify(filters).replace(/"cashierId":"[^"]+"/, '"cashierId":"…"')}`);
  for (const [label, input] of [['first page', first], [`page ${deepPage}`, deep]]) {
    if (input === null) {
      console.log(`${label}: (fewer pages)`);
      continue;
    }
    const search = parseOrderSearch(input, scope, TIME_ZONE).value;
    console.log(`${label}: ${await store.plan(search)}`);
    const times = [];
    let rows = 0;
    for (let i = 0; i < RUNS; i++) {
      const t = performance.now();
      rows = (await searchOrders(store.store, scope, input, TIME_ZONE)).value.orders.length;
      times.push(performance.now() - t);
    }
    times.sort((a, b) => a - b);
    console.log(`${label}: ${rows} rows, median ${times[Math.floor(times.length / 2)].toFixed(2)} ms of ${RUNS} runs (min ${times[0].toFixed(2)}, max ${times[times.length - 1].toFixed(2)})`);
  }
}

/**
 * One day of the big merchant (2026-01-15, mid-month: 33,333 orders): the plans of the store's
 * statement queries, then the median time of downloadBill's statement (store read and CSV) and of
 * the console's day (statement and settlement report), with a hash of the CSV to compare builds.
 */
async function measureStatements(store, mchId) {
  const day = '2026-01-15';
  const from = startOfLocalDay(day, TIME_ZONE);
  for (const sql of await store.statementSql()) console.log(`plan: ${await store.explain(sql.text, sql.values(mchId, from))}`);
  const to = startOfLocalDay('2026-01-16', TIME_ZONE);
  for (const [name, run] of [
    ['store read (statementMovements)', async () => { const m = await store.store.statementMovements(mchId, from, to); return `${m.payments.length} payments\r\n${m.refunds.length} refunds`; }],
    ['downloadBill statement', async () => (await loadStatement(store.store, mchId, day, TIME_ZONE)).csv],
    ['console day (statement + report)', async () => { const d = await merchantDay(store.store, mchId, day, TIME_ZONE); return d.csv + JSON.stringify(d.report); }],
  ]) {
    const times = [];
    let out = '';
    for (let i = 0; i < RUNS; i++) {
      const t = performance.now();
      out = await run();
      times.push(performance.now() - t);
    }
    times.sort((a, b) => a - b);
    const hash = createHash('sha256').update(out).digest('hex').slice(0, 16);
    console.log(`${name}: ${out.split('\r\n').length} lines, sha256 ${hash}, median ${times[Math.floor(times.length / 2)].toFixed(1)} ms of ${RUNS} runs (min ${times[0].toFixed(1)}, max ${times[times.length - 1].toFixed(1)})`);
  }
}

/**
 * The statement queries of the build under test: the index by pay time if it has one (before),
 * else the walk by trade time (store/statement-sql.ts).
 */
function statementQueries(hasPayTimeIndex) {
  const paid = "('PAID', 'REFUND_IN_PROCESS', 'REFUNDED', 'REFUND_FAILED')";
  const DAY = 86_400_000;
  if (hasPayTimeIndex) {
    return [
      { text: `SELECT * FROM orders WHERE mch_id = $1 AND pay_time_ms >= $2 AND pay_time_ms < $3 AND status IN ${paid} ORDER BY pay_time_ms, order_id`, values: (m, f) => [m, f, f + DAY] },
      { text: `SELECT COALESCE(SUM(amount_sen), 0) AS sen FROM orders WHERE mch_id = $1 AND pay_time_ms >= $2 AND status IN ${paid}`, values: (m, f) => [m, f + DAY] },
    ];
  }
  return load('store/statement-sql.js').then((q) => [
    { text: q.PAYMENTS_PAID_WITHIN, values: (m, f) => q.paymentsPaidWithinValues(m, f, f + DAY) },
    { text: q.PAYMENTS_PAID_SINCE_SEN, values: (m, f) => q.paymentsPaidSinceValues(m, f + DAY) },
  ]);
}

function openSqlite() {
  const dir = mkdtempSync(join(tmpdir(), 'micropay-console-orders-'));
  const store = new SqliteStore(join(dir, 'micropay.db'), { ...options, paymentThread: false });
  return {
    store,
    location: join(dir, 'micropay.db'),
    async fill(s) {
      store.db.transaction(() => {
        insertSqlite(store.db, s.mchId, 'ORD', ORDERS, s);
        s.others.forEach((other, k) => insertSqlite(store.db, other, `OTH${k}`, OTHERS, s));
        store.db.prepare(`WITH RECURSIVE n(i) AS (SELECT 7 UNION ALL SELECT i + 100 FROM n WHERE i + 100 <= ?)
          INSERT INTO cashier_charges (mch_id, mch_order_id, cashier_id, charged_at_ms, pay_code)
          SELECT ?, 'ORD' || printf('%07d', ${ID_EXPR}), ?, ? + i * ${STEP_MS} - 5, '39' || printf('%016d', i) FROM n`).run(ORDERS, s.mchId, s.cashierId, START_MS);
      })();
    },
    async plan(search) {
      const { sql, values } = orderSearchSql(search, 'range');
      const rows = store.db.prepare('EXPLAIN QUERY PLAN ' + sqliteSql(sql)).all(...values);
      return rows.map((r) => r.detail).join(' | ');
    },
    async statementSql() {
      return statementQueries(store.db.prepare("SELECT 1 FROM sqlite_master WHERE name = 'orders_by_merchant_pay_time'").get() !== undefined);
    },
    async explain(sql, values) {
      return store.db.prepare('EXPLAIN QUERY PLAN ' + sqliteSql(sql)).all(...values).map((r) => r.detail).join(' | ');
    },
    async drop() {
      await store.close();
      rmSync(dir, { recursive: true, force: true });
    },
    keep: () => store.close(),
  };
}

function insertSqlite(db, mchId, prefix, count, s) {
  db.prepare(`WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < ?)
    INSERT INTO orders (order_id, mch_id, mch_order_id, amount_sen, goods_info, pay_code, wallet_id, status, fail_reason, fingerprint,
                        trade_time_ms, pay_time_ms, refunded_sen, updated_at_ms)
    SELECT '4' || substr(?, 1, 1) || printf('%020d', i), ?, ? || printf('%07d', ${ID_EXPR}), ${ORDER_EXPR.amount('i')}, 'bench', '39' || printf('%016d', i), ?,
           ${ORDER_EXPR.status('i')}, CASE WHEN i % 1000 = 0 THEN 'INSUFFICIENT_BALANCE' END, 'bench',
           ? + i * ${STEP_MS}, CASE WHEN i % 1000 = 0 THEN NULL ELSE ? + i * ${STEP_MS} END,
           CASE WHEN i % 1000 <> 0 AND i % 100 = 1 THEN ${ORDER_EXPR.amount('i')} ELSE 0 END, ? + i * ${STEP_MS}
      FROM n`).run(count, String(s.others.indexOf(mchId) + 1), mchId, prefix, s.walletId, START_MS, START_MS, START_MS);
}

async function openPostgres() {
  const database = `micropay_bench_orders_${process.pid}`;
  const admin = new pg.Client({ connectionString: args['pg-url'] });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${database}`);
  const url = new URL(args['pg-url']);
  url.pathname = `/${database}`;
  let store;
  try {
    store = await PgStore.open({ ...options, url: url.toString(), poolSize: 4, statementTimeoutMs: 600_000 });
  } catch (error) {
    await admin.query(`DROP DATABASE ${database}`);
    await admin.end();
    throw error;
  }
  return {
    store,
    location: url.toString(),
    async fill(s) {
      await store.transaction(async (c) => {
        await insertPostgres(c, s.mchId, 'ORD', ORDERS, s);
        for (const [k, other] of s.others.entries()) await insertPostgres(c, other, `OTH${k}`, OTHERS, s);
        await c.query(`INSERT INTO cashier_charges (mch_id, mch_order_id, cashier_id, charged_at_ms, pay_code)
          SELECT $1, 'ORD' || lpad((${ID_EXPR})::text, 7, '0'), $2, $3::bigint + i * ${STEP_MS} - 5, '39' || lpad(i::text, 16, '0')
            FROM generate_series(7, $4::bigint, 100) AS i`, [s.mchId, s.cashierId, START_MS, ORDERS]);
      });
      // What autovacuum does soon after a bulk load; the bench does not wait for it.
      await store.pool.query('VACUUM ANALYZE orders');
      await store.pool.query('VACUUM ANALYZE cashier_charges');
    },
    async plan(search) {
      const { sql, values } = orderSearchSql(search, 'range');
      return this.explain(sql, values);
    },
    async statementSql() {
      return statementQueries((await store.pool.query("SELECT 1 FROM pg_indexes WHERE indexname = 'orders_by_merchant_pay_time'")).rows.length > 0);
    },
    async explain(sql, values) {
      const { rows } = await store.pool.query('EXPLAIN (ANALYZE, BUFFERS) ' + sql, values);
      return '\n    ' + rows.map((r) => r['QUERY PLAN']).join('\n    ');
    },
    async drop() {
      await store.close();
      await admin.query(`DROP DATABASE IF EXISTS ${database}`);
      await admin.end();
    },
    async keep() {
      await store.close();
      await admin.end();
    },
  };
}

async function insertPostgres(c, mchId, prefix, count, s) {
  await c.query(`INSERT INTO orders (order_id, mch_id, mch_order_id, amount_sen, goods_info, pay_code, wallet_id, status, fail_reason, fingerprint,
                        trade_time_ms, pay_time_ms, refunded_sen, updated_at_ms)
    SELECT '4' || $1 || lpad(i::text, 20, '0'), $2, $3 || lpad((${ID_EXPR})::text, 7, '0'), ${ORDER_EXPR.amount('i')}, 'bench', '39' || lpad(i::text, 16, '0'), $4,
           ${ORDER_EXPR.status('i')}, CASE WHEN i % 1000 = 0 THEN 'INSUFFICIENT_BALANCE' END, 'bench',
           $5 + i * ${STEP_MS}, CASE WHEN i % 1000 = 0 THEN NULL ELSE $5 + i * ${STEP_MS} END,
           CASE WHEN i % 1000 <> 0 AND i % 100 = 1 THEN ${ORDER_EXPR.amount('i')} ELSE 0 END, $5 + i * ${STEP_MS}
      FROM generate_series(1, $6::bigint) AS i`, [String(s.others.indexOf(mchId) + 1), mchId, prefix, s.walletId, START_MS, count]);
}

await main();
