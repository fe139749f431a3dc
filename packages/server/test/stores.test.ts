import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import pg from 'pg';
import { afterEach, describe, expect, it } from 'vitest';
import { openStore } from '../src/platform.js';
import { POSTGRES_MIGRATIONS } from '../src/store/postgres/migrations.js';
import { SQLITE_MIGRATIONS } from '../src/store/sqlite/migrations.js';
import type { SqliteStore } from '../src/store/sqlite/sqlite-store.js';
import type { Store } from '../src/store/store.js';
import { execute, sql } from './db-access.js';
import { emptyTestDatabase, startTestPlatform, TEST_STORE, type TestPlatform, testConfig } from './helpers.js';
import { runCli } from './process-helpers.js';

/** Opening a store: migrations, refusing a newer schema, failing fast on an unreachable database. */
let p: TestPlatform | null = null;
/** The newest schema version this code knows for the store under test. */
const MIGRATIONS = TEST_STORE === 'postgres' ? POSTGRES_MIGRATIONS : SQLITE_MIGRATIONS;
const LATEST = Math.max(...MIGRATIONS.map((m) => m.version));
/** What schema_migrations must list after a migration: each known migration once, in order. */
const EXPECTED_MIGRATIONS = [...MIGRATIONS].sort((a, b) => a.version - b.version).map((m) => [m.version, m.name]);
afterEach(async () => {
  await p?.stop();
  p = null;
});

describe('opening a store', () => {
  it('applies the migrations once and records them; opening the store again applies nothing more', async () => {
    p = await startTestPlatform();
    expect(await p.store.schemaVersion()).toBe(LATEST);
    const applied = await p.store.appliedMigrations();
    expect(applied.map((m) => [m.version, m.name])).toEqual(EXPECTED_MIGRATIONS);
    // Four more stores on the migrated database (in this process): each finds the schema current.
    const config = testConfig({ db: p.dbPath }, {});
    const stores = await Promise.all([1, 2, 3, 4].map(() => openStore(config)));
    expect(await Promise.all(stores.map((s) => s.schemaVersion()))).toEqual([LATEST, LATEST, LATEST, LATEST]);
    await Promise.all(stores.map((s) => s.close()));
    expect(await p.store.appliedMigrations()).toEqual(applied);
  });

  it('several `micropay migrate` processes started at once on one empty database migrate it once, as one process would', async () => {
    const [empty, alone] = await Promise.all([emptyTestDatabase(), emptyTestDatabase()]);
    try {
      const runs = await Promise.all([1, 2, 3, 4].map(() => runCli(['migrate', '--db', empty.dbPath, '--json'], { timeoutMs: 30_000 })));
      // Every one of them succeeds (a supervisor starting two servers at once must not see one
      // fail) and reports the whole schema, whichever of them applied it.
      for (const run of runs) {
        // Each found no store when it began, as one process alone would, and may say it made one
        // (cli/main.ts); nothing else is said.
        expect(run.code).toBe(0);
        expect(run.stderr).toMatch(/^(micropay: no store was there, so a new one was made .+; check --db or DATABASE_URL if you meant another\n)?$/);
        const out = JSON.parse(run.stdout) as { schemaVersion: number; migrations: { version: number; name: string }[] };
        expect(out.schemaVersion).toBe(LATEST);
        expect(out.migrations.map((m) => [m.version, m.name])).toEqual(EXPECTED_MIGRATIONS);
      }
      // The schema they left is the one a single process makes, and every migration is recorded once.
      expect((await runCli(['migrate', '--db', alone.dbPath])).code).toBe(0);
      const [raced, single] = await Promise.all([openStore(testConfig({ db: empty.dbPath }, {})), openStore(testConfig({ db: alone.dbPath }, {}))]);
      try {
        expect((await raced.appliedMigrations()).map((m) => [m.version, m.name])).toEqual(EXPECTED_MIGRATIONS);
        expect(await schemaShape(raced)).toEqual(await schemaShape(single));
        expect((await raced.audit()).ok).toBe(true);
      } finally {
        await Promise.all([raced.close(), single.close()]);
      }
    } finally {
      await Promise.all([empty.drop(), alone.drop()]);
    }
  });

  // Debian's socket directory; the socket's name carries the port of the test URL.
  const socketDir = '/var/run/postgresql';
  const testPort = TEST_STORE === 'postgres' ? new URL(process.env.MICROPAY_TEST_PG_URL!).port || '5432' : '';
  it.runIf(TEST_STORE === 'postgres' && existsSync(`${socketDir}/.s.PGSQL.${testPort}`))('opens a local PostgreSQL through its Unix socket', async () => {
    const empty = await emptyTestDatabase();
    try {
      // The host part of the URL is the socket's directory, percent-encoded (as libpq reads it too);
      // the port stays, and names the socket.
      const url = new URL(empty.dbPath);
      url.hostname = encodeURIComponent(socketDir);
      const store = await openStore(testConfig({}, { DATABASE_URL: url.toString() }));
      try {
        expect(await store.schemaVersion()).toBe(LATEST);
        // No server address: the connection is not TCP.
        expect(await sql(store, 'SELECT inet_server_addr() AS address')).toEqual([{ address: null }]);
      } finally {
        await store.close();
      }
    } finally {
      await empty.drop();
    }
  });

  it.runIf(TEST_STORE === 'postgres')('a process waiting for another one\'s migration is not cut off by the statement timeout', async () => {
    const empty = await emptyTestDatabase();
    // Another process holds the migration lock for longer than this one's statement timeout.
    const other = new pg.Client({ connectionString: empty.dbPath });
    await other.connect();
    try {
      await other.query(`SELECT pg_advisory_lock(hashtext('micropay:migrate'))`);
      const opening = openStore(testConfig({ db: empty.dbPath }, { MICROPAY_PG_STATEMENT_TIMEOUT_MS: '300' }));
      await new Promise((r) => setTimeout(r, 1_000));
      await other.query(`SELECT pg_advisory_unlock(hashtext('micropay:migrate'))`);
      const store = await opening;
      expect(await store.schemaVersion()).toBe(LATEST);
      // The session's own statement timeout is back for everything else.
      await expect(sql(store, 'SELECT pg_sleep(1)')).rejects.toThrow(/statement timeout/);
      await store.close();
    } finally {
      await other.end();
      await empty.drop();
    }
  });

  it('refuses a database whose schema is newer than this code', async () => {
    p = await startTestPlatform();
    await execute(p.store, 'INSERT INTO schema_migrations (version, name, applied_at_ms) VALUES (?, ?, ?)', [99, 'from the future', 0]);
    await expect(openStore(testConfig({ db: p.dbPath }, {}))).rejects.toThrow(new RegExp(`schema \\(version 99\\) is newer than this MicroPay \\(version ${LATEST}\\)`));
    const cli = await runCli(['merchant', 'list', '--db', p.dbPath]);
    expect(cli.code).toBe(1);
    expect(cli.stderr).toMatch(/newer than this MicroPay/);
  });

  it('a store of an older version is upgraded by migrate and serve only: any other command refuses it and changes nothing', async () => {
    p = await startTestPlatform();
    // As the previous version left it (the latest migration not applied): a server of that version may be running on it.
    await execute(p.store, 'DELETE FROM schema_migrations WHERE version = ?', [LATEST]);
    const older = `the database schema (version ${LATEST - 1}) is older than this MicroPay (version ${LATEST}): upgrade it with \`micropay migrate\`, or by starting the new server (docs/operations.md#migrations); no other command upgrades it`;
    for (const args of [['audit'], ['merchant', 'list'], ['merchant', 'create', '--name', 'Bookshop'], ['wallet', 'create', '--name', 'Ann']]) {
      const cli = await runCli([...args, '--db', p.dbPath]);
      expect({ args, code: cli.code, stderr: cli.stderr }).toEqual({ args, code: 1, stderr: `micropay: ${older}\n` });
    }
    await expect(openStore(testConfig({ db: p.dbPath }, {}), undefined, { upgrade: false })).rejects.toThrow(older);
    expect(await sql(p.store, 'SELECT MAX(version) AS v FROM schema_migrations')).toEqual([{ v: LATEST - 1 }]);
    expect(await sql(p.store, 'SELECT COUNT(*) AS n FROM merchants WHERE name = ?', ['Bookshop'])).toEqual([{ n: 0 }]);
  });

  it.runIf(TEST_STORE === 'postgres')('an unreachable PostgreSQL stops the command at once, naming the URL without its password', async () => {
    const started = Date.now();
    const cli = await runCli(['merchant', 'list', '--db', 'postgres://micropay:s3cret@127.0.0.1:1/micropay']);
    expect(cli.code).toBe(1);
    expect(cli.stderr).toMatch(/cannot open the PostgreSQL database postgres:\/\/micropay:\*\*\*\*@127\.0\.0\.1:1\/micropay/);
    expect(cli.stderr).not.toContain('s3cret');
    expect(Date.now() - started).toBeLessThan(10_000);
  });
});

describe.runIf(TEST_STORE === 'sqlite')('upgrading a SQLite file written by schema version 1', () => {
  it('keeps every balance, rebuilds the posting chains, and the old active code still pays once', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'micropay-upgrade-'));
    const path = join(dir, 'v1.db');
    // A version 1 file as the version 1 store left it: a wallet topped up twice, one paid order,
    // one active code, one used code.
    const v1 = new Database(path);
    v1.exec(`CREATE TABLE schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at_ms INTEGER NOT NULL) STRICT`);
    v1.exec(SQLITE_MIGRATIONS.find((m) => m.version === 1)!.sql);
    v1.exec(`
      INSERT INTO schema_migrations VALUES (1, 'v1', 0);
      INSERT INTO merchants VALUES ('202611001', 'Car park', 'k', 'active', NULL, 0);
      INSERT INTO accounts (id, kind, balance_sen) VALUES ('merchant:202611001', 'merchant', 300), ('wallet:600000000001', 'wallet', 1200);
      UPDATE accounts SET balance_sen = -1500 WHERE id = 'platform:float';
      INSERT INTO wallets (wallet_id, name, status, account_id, created_at_ms) VALUES ('600000000001', 'Alice', 'active', 'wallet:600000000001', 0);
      INSERT INTO orders (order_id, mch_id, mch_order_id, amount_sen, goods_info, pay_code, wallet_id, status, fingerprint,
                          trade_time_ms, pay_time_ms, updated_at_ms)
           VALUES ('420261101000000000001', '202611001', 'A1', 300, 'parking', '391111111111111111', '600000000001', 'PAID', 'f', 3, 3, 3);
      INSERT INTO journal_entries (entry_id, kind, order_id, created_at_ms) VALUES (1, 'topup', NULL, 1), (2, 'topup', NULL, 2), (3, 'payment', '420261101000000000001', 3);
      INSERT INTO postings (entry_id, account_id, amount_sen) VALUES
        (1, 'platform:float', -1000), (1, 'wallet:600000000001', 1000),
        (2, 'platform:float', -500), (2, 'wallet:600000000001', 500),
        (3, 'wallet:600000000001', -300), (3, 'merchant:202611001', 300);
      INSERT INTO pay_codes VALUES ('391111111111111111', '600000000001', 'used', 3, 60003),
                                   ('392222222222222222', '600000000001', 'active', 4, 9999999999999);
    `);
    v1.close();
    // Not by a command that reads (the old server may still be running on it); by migrate.
    expect((await runCli(['audit', '--db', path])).stderr).toMatch(/schema \(version 1\) is older than this MicroPay/);
    const migrated = await runCli(['migrate', '--db', path]);
    expect(migrated.code).toBe(0);
    // What this run did, first: every migration after the first.
    const applied = Array.from({ length: LATEST - 1 }, (_, i) => i + 2).join(', ');
    expect(migrated.stdout.split('\n')[0]).toBe(`The SQLite schema is at version ${LATEST}: this run applied ${applied} (it was at version 1). Applied:`);

    const config = testConfig({ db: path }, {});
    const store = await openStore(config);
    try {
      expect(await store.schemaVersion()).toBe(LATEST);
      expect((await store.audit()).checks.filter((c) => c.violations.length > 0)).toEqual([]);
      const history = await store.recentTransactions('600000000001', 10);
      expect(history.map((t) => [t.entryId, t.kind, t.amountSen, t.merchantName])).toEqual([
        [3, 'payment', -300, 'Car park'],
        [2, 'topup', 500, null],
        [1, 'topup', 1000, null],
      ]);
      expect(await store.recentTransactions('600000000001', 2)).toHaveLength(2);
      // The code that was active before the upgrade pays, once; the wallet's next code retires it.
      const pay = (mchOrderId: string, payCode: string) =>
        store.pay({ mchId: '202611001', mchOrderId, amountSen: 100, goodsInfo: 'x', discountSen: null, point: null, payCode, timestampMs: Date.now() });
      expect((await pay('A2', '392222222222222222')).kind).toBe('paid');
      expect((await pay('A3', '392222222222222222')).kind).toBe('rejected');
      const next = await store.issuePayCode('600000000001', 60_000);
      if (typeof next === 'string') throw new Error(next);
      expect((await pay('A4', next.code)).kind).toBe('paid');
      expect((await store.findWallet('600000000001'))!.balanceSen).toBe(1000);
      expect((await store.audit()).ok).toBe(true);
      // A broken link is an audit failure, not a silently shorter history.
      (store as SqliteStore).db.prepare('UPDATE postings SET prev_posting_id = NULL WHERE posting_id = 5').run();
      const broken = (await store.audit()).checks.find((c) => c.violations.length > 0);
      expect(broken?.name).toMatch(/posting chain/);
      expect(broken?.violations).toEqual(['posting 5 (wallet:600000000001) links to nothing but the posting before it is 4']);
    } finally {
      await store.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

/**
 * Every table, column, index, constraint, view and trigger of a store, as text: two stores
 * migrated the same way give equal shapes. On PostgreSQL the schema's own name is left out.
 */
async function schemaShape(store: Store): Promise<string[]> {
  if (store.kind === 'sqlite') {
    const rows = await sql<{ type: string; name: string; sql: string | null }>(store, 'SELECT type, name, sql FROM sqlite_master ORDER BY type, name');
    return rows.map((r) => `${r.type} ${r.name}: ${r.sql ?? ''}`);
  }
  const rows = await sql<{ line: string }>(store, `
    SELECT 'column ' || table_name || '.' || column_name || ' ' || data_type || ' ' || is_nullable || ' ' || COALESCE(column_default, '') AS line
      FROM information_schema.columns WHERE table_schema = current_schema()
    UNION ALL
    SELECT 'index ' || indexname || ': ' || replace(indexdef, current_schema() || '.', '') FROM pg_indexes WHERE schemaname = current_schema()
    UNION ALL
    SELECT 'constraint ' || conrelid::regclass::text || ' ' || conname || ': ' || pg_get_constraintdef(oid)
      FROM pg_constraint WHERE connamespace = current_schema()::regnamespace
    UNION ALL
    SELECT 'view ' || viewname || ': ' || definition FROM pg_views WHERE schemaname = current_schema()
    UNION ALL
    SELECT 'trigger ' || event_object_table || ' ' || trigger_name || ' ' || event_manipulation || ': ' || action_statement
      FROM information_schema.triggers WHERE trigger_schema = current_schema()
    ORDER BY 1`);
  return rows.map((r) => r.line);
}
