import { existsSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createServer, type AddressInfo } from 'node:net';
import Database from 'better-sqlite3';
import pg from 'pg';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { openStore } from '../src/platform.js';
import { SQLITE_MIGRATIONS } from '../src/store/sqlite/migrations.js';
import type { Store } from '../src/store/store.js';
import { execute, sql } from './db-access.js';
import {
  createMerchant,
  createWalletWithCode,
  emptyTestDatabase,
  micropayParams,
  postSigned,
  TEST_STORE,
  type TestMerchant,
  testConfig,
} from './helpers.js';
import { cliJson, runCli, startServerProcess, stopAllChildren, usePlatformWithCli, type ServerProcess } from './process-helpers.js';

/**
 * The `micropay` command as an operator uses it: real child processes of the built CLI on the store
 * of this test run (a SQLite file, or a PostgreSQL schema given to --db as a URL), next to a
 * running server (in-process here, sharing the store; `serve` runs as its own process in the last
 * group). Commands are checked as text and as --json.
 */

/** The first line of `serve`, which names the kind of store. */
function listeningLine(mode: 'sandbox mode' | 'production mode'): RegExp {
  const store = TEST_STORE === 'sqlite' ? 'SQLite' : 'PostgreSQL';
  return new RegExp(`^MicroPay is listening on http://127\\.0\\.0\\.1:\\d+ \\(${store} .+, ${mode}\\)\n`);
}

interface MerchantJson {
  mchId: string;
  apiKey: string;
  name: string;
  status: string;
}
interface WalletJson {
  walletId: string;
  name: string;
  balance: string;
  held: string;
  status: string;
}
interface PayCodeJson {
  payCode: string;
  walletId: string;
  expiresAt: string;
  expiresAtMs: string;
}

function asMerchant(m: MerchantJson): TestMerchant {
  return { mchId: m.mchId, key: m.apiKey, name: m.name };
}

/**
 * An empty store per test (a SQLite file not yet created, or an empty PostgreSQL schema), what
 * `--db` takes; dropped afterwards, once every process the test started is gone.
 */
function useEmptyStore(): { readonly db: string } {
  let empty: Awaited<ReturnType<typeof emptyTestDatabase>> | undefined;
  beforeEach(async () => {
    empty = await emptyTestDatabase();
  });
  afterEach(async () => {
    await stopAllChildren();
    await empty?.drop();
    empty = undefined;
  });
  return {
    get db() {
      return empty!.dbPath;
    },
  };
}

/** Opens the store at `db` in this process, as `micropay` opens it, for reads and writes behind its back. */
async function withStore<T>(db: string, fn: (store: Store) => Promise<T>): Promise<T> {
  const store = await openStore(testConfig({ db }, {}));
  try {
    return await fn(store);
  } finally {
    await store.close();
  }
}

describe('merchant', () => {
  const t = usePlatformWithCli();

  it('merchant create prints the new mchId and API key, and the key signs payments', async () => {
    const [text, json] = await Promise.all([
      t.cli(['merchant', 'create', '--name', 'LPR Parking System']),
      t.cliJ<MerchantJson>(['merchant', 'create', '--name', 'Campus Canteen']),
    ]);
    expect(text.code).toBe(0);
    expect(text.stderr).toBe('');
    const match = /^Merchant (\d{9}) "LPR Parking System" created\.\nAPI key: ([A-Za-z0-9]{32}) /.exec(text.stdout);
    expect(match, text.stdout).not.toBeNull();
    expect(json).toMatchObject({
      mchId: expect.stringMatching(/^\d{9}$/),
      apiKey: expect.stringMatching(/^[A-Za-z0-9]{32}$/),
      name: 'Campus Canteen',
      status: 'active',
    });
    expect(json.mchId).not.toBe(match![1]);

    // Both merchants can take a payment with the key they were shown.
    for (const m of [{ mchId: match![1]!, key: match![2]!, name: 'LPR Parking System' }, asMerchant(json)]) {
      const w = await createWalletWithCode(t.p, 10_00);
      const res = await postSigned(t.p.url, 'micropay', micropayParams(m, 'first-sale', '1.00', w.payCode), m.key);
      expect(res.body.code).toBe(0);
      expect(res.body.data!.merchantName).toBe(m.name);
    }
  });

  it('merchant list shows every merchant with its status, and never its key', async () => {
    const [emptyText, emptyJson] = await Promise.all([t.cli(['merchant', 'list']), t.cliJ(['merchant', 'list'])]);
    expect(emptyText.code).toBe(0);
    expect(emptyText.stdout).toBe('No merchants.\n');
    expect(emptyJson).toEqual({ merchants: [] });

    const a = await t.cliJ<MerchantJson>(['merchant', 'create', '--name', 'Alpha Mart']);
    const b = await t.cliJ<MerchantJson>(['merchant', 'create', '--name', 'Beta Books']);
    expect(await t.cliJ(['merchant', 'disable', b.mchId])).toMatchObject({ mchId: b.mchId, name: 'Beta Books', status: 'disabled' });

    const [text, json] = await Promise.all([
      t.cli(['merchant', 'list']),
      t.cliJ<{ merchants: Record<string, unknown>[] }>(['merchant', 'list']),
    ]);
    expect(text.code).toBe(0);
    expect(text.stdout).toContain(`${a.mchId}  active    Alpha Mart`);
    expect(text.stdout).toContain(`${b.mchId}  disabled  Beta Books`);
    expect(text.stdout).not.toContain(a.apiKey);
    expect(json.merchants).toMatchObject([
      { mchId: a.mchId, name: 'Alpha Mart', status: 'active' },
      { mchId: b.mchId, name: 'Beta Books', status: 'disabled' },
    ]);
    for (const listed of json.merchants) expect(listed).not.toHaveProperty('apiKey');
    expect(JSON.stringify(json)).not.toContain(a.apiKey);
  });

  it('merchant disable locks the merchant out (micropay answers 1022, nothing recorded) and enable lets it pay again', async () => {
    const m = asMerchant(await t.cliJ<MerchantJson>(['merchant', 'create', '--name', 'Night Market']));
    const w = await createWalletWithCode(t.p, 10_00);

    const disabled = await t.cli(['merchant', 'disable', m.mchId]);
    expect(disabled.code).toBe(0);
    expect(disabled.stdout).toBe(`Merchant ${m.mchId} is disabled.\n`);

    const locked = await postSigned(t.p.url, 'micropay', micropayParams(m, 'locked-1', '1.00', w.payCode), m.key);
    expect(locked.body).toEqual({ code: 1022, msg: 'merchant locked', data: null });
    expect(await t.p.store.findOrder(m.mchId, 'locked-1')).toBeNull();
    expect((await t.p.store.findWallet(w.walletId))!.balanceSen).toBe(10_00);

    expect(await t.cliJ(['merchant', 'enable', m.mchId])).toMatchObject({ status: 'active' });
    const paid = await postSigned(t.p.url, 'micropay', micropayParams(m, 'locked-1', '1.00', w.payCode), m.key);
    expect(paid.body.code).toBe(0);
  });
});

describe('wallet', () => {
  const t = usePlatformWithCli();

  it('a wallet holds at most 100,000,000,000.00: a top-up beyond it is refused whole, and the ledger stays exact', async () => {
    const w = await t.cliJ<WalletJson>(['wallet', 'create', '--name', 'Rich', '--balance', '99999999999.99']);
    expect(w.balance).toBe('99999999999.99');
    const over = await t.cli(['wallet', 'topup', w.walletId, '0.02']);
    expect(over.code).toBe(1);
    expect(over.stderr).toBe(`micropay: top-up refused: wallet ${w.walletId} would hold 100000000000.01, above the limit of 100000000000.00\n`);
    expect(await t.cliJ(['wallet', 'topup', w.walletId, '0.01'])).toMatchObject({ balance: '100000000000.00' });
    // An opening balance above it is a field's mistake, said before any wallet is made (none is named).
    const created = await t.cli(['wallet', 'create', '--name', 'Richer', '--balance', '999999999999.99']);
    expect(created.code).toBe(2);
    expect(created.stderr).toBe('micropay wallet create: --balance must not exceed what a wallet may hold, 100000000000.00 (see micropay wallet create --help)\n');
    expect((await t.p.store.audit()).ok).toBe(true);
  });

  it('wallet unlock lets a wallet locked by five wrong PINs confirm again', async () => {
    const w = await t.cliJ<WalletJson & { hasPin: boolean; pinLocked: boolean }>(['wallet', 'create', '--name', 'Dee', '--pin', '4321']);
    expect(w).toMatchObject({ hasPin: true, pinLocked: false });
    // Five wrong PINs, as the wallet API counts them.
    for (let i = 0; i < 5; i++) expect(await t.p.store.takePinTry(w.walletId, 5)).toBe(i + 1);
    expect(await t.cliJ(['wallet', 'show', w.walletId])).toMatchObject({ pinLocked: true });
    const unlocked = await t.cli(['wallet', 'unlock', w.walletId]);
    expect(unlocked.code).toBe(0);
    expect(unlocked.stdout).toBe(`Wallet ${w.walletId} can confirm payments again.\n`);
    expect((await t.p.store.findWallet(w.walletId))!.pinFailures).toBe(0);
    expect(await t.p.store.takePinTry(w.walletId, 5)).toBe(1);
    expect((await t.cli(['wallet', 'unlock', '601234567890'])).stderr).toBe('micropay: no wallet 601234567890\n');
  });

  it('wallet create, topup and show report the balance with two decimal places', async () => {
    const [created, w] = await Promise.all([
      t.cli(['wallet', 'create', '--name', 'Bob']),
      t.cliJ<WalletJson>(['wallet', 'create', '--name', 'Alice', '--balance', '100.00']),
    ]);
    expect(created.code).toBe(0);
    expect(created.stdout).toMatch(/^Wallet 60\d{10} "Bob" created with balance 0\.00\.\n/);
    expect(w).toMatchObject({ walletId: expect.stringMatching(/^60\d{10}$/), name: 'Alice', balance: '100.00', held: '0.00', status: 'active' });

    expect(await t.cliJ(['wallet', 'topup', w.walletId, '25.5'])).toMatchObject({ walletId: w.walletId, balance: '125.50' });
    const topup = await t.cli(['wallet', 'topup', w.walletId, '0.50']);
    expect(topup.code).toBe(0);
    expect(topup.stdout).toBe(`Wallet ${w.walletId} topped up by 0.50; balance 126.00.\n`);

    const [showJson, show] = await Promise.all([t.cliJ(['wallet', 'show', w.walletId]), t.cli(['wallet', 'show', w.walletId])]);
    expect(showJson).toMatchObject({ walletId: w.walletId, name: 'Alice', balance: '126.00', held: '0.00', status: 'active' });
    expect(show.stdout).toBe(`Wallet ${w.walletId} "Alice": active, balance 126.00 (held 0.00)\n`);

    // The server's store sees the same money.
    expect((await t.p.store.findWallet(w.walletId))!.balanceSen).toBe(126_00);
    expect((await t.p.store.audit()).ok).toBe(true);
  });

  it('wallet freeze stops payments: the code answers 9001, the order is recorded FAILED, and no new code is issued', async () => {
    const m = await createMerchant(t.p);
    const w = await t.cliJ<WalletJson>(['wallet', 'create', '--name', 'Carol', '--balance', '50.00']);
    const code = await t.cliJ<PayCodeJson>(['paycode', w.walletId]);

    const frozen = await t.cli(['wallet', 'freeze', w.walletId]);
    expect(frozen.code).toBe(0);
    expect(frozen.stdout).toBe(`Wallet ${w.walletId} is frozen.\n`);

    const res = await postSigned(t.p.url, 'micropay', micropayParams(m, 'frozen-1', '1.00', code.payCode), m.key);
    expect(res.body.code).toBe(9001);
    expect(res.body.data).toMatchObject({ merchantOrderId: 'frozen-1', tradeStatus: 'FAILED', payTime: null });
    const q = await postSigned(t.p.url, 'queryBill', { mchId: m.mchId, mchOrderId: 'frozen-1' }, m.key);
    expect(q.body.code).toBe(0);
    expect(q.body.data!.tradeStatus).toBe('FAILED');

    const [shown, refused] = await Promise.all([t.cliJ(['wallet', 'show', w.walletId]), t.cli(['paycode', w.walletId])]);
    expect(shown).toMatchObject({ status: 'frozen', balance: '50.00' });
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain(`wallet ${w.walletId} is frozen`);

    expect(await t.cliJ(['wallet', 'unfreeze', w.walletId])).toMatchObject({ status: 'active' });
    const paid = await postSigned(t.p.url, 'micropay', micropayParams(m, 'thawed-1', '1.00', code.payCode), m.key);
    expect(paid.body.code).toBe(0);
    expect((await t.p.store.findWallet(w.walletId))!.balanceSen).toBe(49_00);
  });

  it('paycode issues an 18-digit code starting 39 that expires after MICROPAY_PAYCODE_TTL_S, and a new code retires the old one', async () => {
    const m = await createMerchant(t.p);
    const w = await t.cliJ<WalletJson>(['wallet', 'create', '--name', 'Dan', '--balance', '10.00']);

    const before = Date.now();
    const first = await t.cliJ<PayCodeJson>(['paycode', w.walletId], { MICROPAY_PAYCODE_TTL_S: '120' });
    expect(first).toMatchObject({
      payCode: expect.stringMatching(/^39\d{16}$/),
      walletId: w.walletId,
      expiresAt: expect.stringMatching(/^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d$/),
      expiresAtMs: expect.stringMatching(/^\d+$/),
    });
    expect(Number(first.expiresAtMs)).toBeGreaterThanOrEqual(before + 120_000);
    expect(Number(first.expiresAtMs)).toBeLessThanOrEqual(Date.now() + 120_000);

    const text = await t.cli(['paycode', w.walletId]);
    expect(text.code).toBe(0);
    const match = /^Payment code (39\d{16}) for wallet (60\d{10}), valid until (\d{4}-\d\d-\d\d \d\d:\d\d:\d\d \+08:00) \(one use\)\.\n$/.exec(text.stdout);
    expect(match, text.stdout).not.toBeNull();
    expect(match![2]).toBe(w.walletId);
    expect(match![1]).not.toBe(first.payCode);

    const old = await postSigned(t.p.url, 'micropay', micropayParams(m, 'pc-1', '1.00', first.payCode), m.key);
    expect(old.body.code).toBe(1036);
    const fresh = await postSigned(t.p.url, 'micropay', micropayParams(m, 'pc-1', '1.00', match![1]!), m.key);
    expect(fresh.body.code).toBe(0);
  });
});

describe('pay and query against a running server', () => {
  const t = usePlatformWithCli();

  it('pay and query exit 0 on code 0 and print that the response signature verified', async () => {
    const [m, w] = await Promise.all([
      t.cliJ<MerchantJson>(['merchant', 'create', '--name', 'Kiosk']),
      t.cliJ<WalletJson>(['wallet', 'create', '--name', 'Eve', '--balance', '20.00']),
    ]);
    const c1 = await t.cliJ<PayCodeJson>(['paycode', w.walletId]);
    const auth = ['--url', t.p.url, '--mch-id', m.mchId, '--key', m.apiKey];

    const pay = await runCli(['pay', ...auth, '--order', 'cli-pay-1', '--amount', '2.50', '--code', c1.payCode, '--goods', 'Coffee']);
    expect(pay.stderr).toBe('');
    expect(pay.code).toBe(0);
    expect(pay.stdout).toMatch(
      /^code 0: success\norder cli-pay-1 \(4\d{21}\) PAID, amount 2\.50, merchant Kiosk\ntraded .+, paid .+\nresponse signature verified\n$/,
    );

    const [query, c2] = await Promise.all([
      runCli(['query', ...auth, '--order', 'cli-pay-1']),
      t.cliJ<PayCodeJson>(['paycode', w.walletId]),
    ]);
    expect(query.code).toBe(0);
    expect(query.stdout).toContain('code 0: success');
    expect(query.stdout).toContain('PAID, amount 2.50');
    expect(query.stdout).toContain('response signature verified');

    const payJson = await runCli(['pay', ...auth, '--order', 'cli-pay-2', '--amount', '1.00', '--code', c2.payCode, '--json']);
    expect(payJson.code).toBe(0);
    expect(JSON.parse(payJson.stdout)).toMatchObject({
      code: 0,
      msg: 'success',
      data: { merchantOrderId: 'cli-pay-2', tradeStatus: 'PAID', amount: '1.00', goodsInfo: 'MicroPay CLI payment' },
      signatureValid: true,
    });
    const queryJson = await runCli(['query', ...auth, '--order', 'cli-pay-2', '--json']);
    expect(queryJson.code).toBe(0);
    expect(JSON.parse(queryJson.stdout)).toMatchObject({ code: 0, data: { tradeStatus: 'PAID' }, signatureValid: true });

    expect((await t.p.store.findWallet(w.walletId))!.balanceSen).toBe(16_50);
  });

  it('pay and query exit 1 when the answer is not code 0, and print the code', async () => {
    const [m, w] = await Promise.all([
      t.cliJ<MerchantJson>(['merchant', 'create', '--name', 'Kiosk']),
      t.cliJ<WalletJson>(['wallet', 'create', '--name', 'Eve', '--balance', '1.00']),
    ]);
    const c = await t.cliJ<PayCodeJson>(['paycode', w.walletId]);
    const auth = ['--url', t.p.url, '--mch-id', m.mchId, '--key', m.apiKey];

    const [poor, missing, badKey, noServer] = await Promise.all([
      runCli(['pay', ...auth, '--order', 'cli-poor', '--amount', '2.00', '--code', c.payCode]),
      runCli(['query', ...auth, '--order', 'never-sent', '--json']),
      runCli(['pay', '--url', t.p.url, '--mch-id', m.mchId, '--key', 'x'.repeat(32), '--order', 'k-1', '--amount', '1.00', '--code', c.payCode]),
      runCli(['pay', '--url', 'http://127.0.0.1:9', '--mch-id', m.mchId, '--key', m.apiKey, '--order', 'o-1', '--amount', '1.00', '--code', c.payCode]),
    ]);
    expect(poor.code).toBe(1);
    expect(poor.stdout).toContain('code 1028: insufficient balance');
    expect(poor.stdout).toContain('FAILED');
    expect(poor.stdout).toContain('response signature verified');

    expect(missing.code).toBe(1);
    expect(JSON.parse(missing.stdout)).toMatchObject({ code: 1031, data: null, signatureValid: null });

    expect(badKey.code).toBe(1);
    expect(badKey.stdout).toContain('code 1035');

    // No server at the URL: a message, not a stack trace.
    expect(noServer.code).toBe(1);
    expect(noServer.stderr).toMatch(/^micropay: .+\n$/);
  });
});

describe('audit', () => {
  const t = usePlatformWithCli();
  const fresh = useEmptyStore();

  it('exits 0 on a clean store and lists every check as ok', async () => {
    const m = await createMerchant(t.p);
    const w = await createWalletWithCode(t.p, 10_00);
    expect((await postSigned(t.p.url, 'micropay', micropayParams(m, 'a-1', '4.00', w.payCode), m.key)).body.code).toBe(0);

    const [text, json] = await Promise.all([
      t.cli(['audit']),
      t.cliJ<{ ok: boolean; checks: { name: string; violations: string[] }[]; totals: unknown }>(['audit']),
    ]);
    expect(text.code).toBe(0);
    expect(text.stdout).toContain('ok    every cached balance equals the sum of its postings');
    expect(text.stdout).not.toContain('FAIL');
    expect(text.stdout).toMatch(/Audit clean: 2 journal entries, 4 postings, 1 order\./);

    expect(json.ok).toBe(true);
    expect(json.checks.length).toBeGreaterThan(0);
    for (const c of json.checks) expect(c.violations).toEqual([]);
    expect(json.totals).toMatchObject({ entries: 2, postings: 4, orders: 1 });
  });

  it('exits 1 and names the violation after the ledger is changed behind its back', async () => {
    // A store of its own, written only by the CLI, then corrupted directly in the database: the
    // cached balance row (PostgreSQL keeps it in the wallet's one balance shard).
    const db = fresh.db;
    const w = await cliJson<WalletJson>(['wallet', 'create', '--name', 'Frank', '--balance', '100.00', '--db', db]);
    expect((await runCli(['audit', '--db', db])).code).toBe(0);

    await withStore(db, (store) =>
      execute(
        store,
        store.kind === 'sqlite'
          ? `UPDATE accounts SET balance_sen = balance_sen + 1 WHERE kind = 'wallet'`
          : `UPDATE account_shards SET balance_sen = balance_sen + 1 WHERE account_id IN (SELECT id FROM accounts WHERE kind = 'wallet')`,
      ),
    );

    const [text, json, shown] = await Promise.all([
      runCli(['audit', '--db', db]),
      runCli(['audit', '--db', db, '--json']),
      cliJson(['wallet', 'show', w.walletId, '--db', db]),
    ]);
    const violation = `account wallet:${w.walletId}: balance 10001 but postings sum to 10000`;
    expect(text.code).toBe(1);
    expect(text.stdout).toContain('FAIL  every cached balance equals the sum of its postings');
    expect(text.stdout).toContain(violation);
    expect(text.stdout).toContain('Audit FAILED');

    expect(json.code).toBe(1);
    const report = JSON.parse(json.stdout) as { ok: boolean; checks: { name: string; violations: string[] }[] };
    expect(report.ok).toBe(false);
    expect(report.checks.filter((c) => c.violations.length > 0)).toEqual([
      { name: 'every cached balance equals the sum of its postings', violations: [violation] },
      { name: 'the balances of all accounts sum to zero', violations: ['all balances sum to 1 sen'] },
    ]);
    // The wallet shows what the corrupted row says: the audit is how the operator finds out.
    expect(shown).toMatchObject({ balance: '100.01' });
  });
});

describe.concurrent('mistakes an operator can make', () => {
  let empty: Awaited<ReturnType<typeof emptyTestDatabase>>;
  let db: string;
  beforeAll(async () => {
    empty = await emptyTestDatabase();
    db = empty.dbPath;
    // An empty, migrated store: the commands below must find one (see the missing-store test).
    await (await openStore(testConfig({ db }, {}))).close();
  });
  afterAll(async () => {
    await stopAllChildren();
    await empty.drop();
  });

  it.runIf(TEST_STORE === 'sqlite')('a --db path with no store behind it is refused, not created, except by the commands that create', async () => {
    const missing = `${db}.typo`;
    for (const args of [['audit'], ['merchant', 'list'], ['wallet', 'topup', '601234567890', '1.00']]) {
      const r = await runCli([...args, '--db', missing]);
      expect(r.code).toBe(1);
      expect(r.stderr).toContain(`no store at ${missing}`);
      expect(existsSync(missing)).toBe(false);
    }
    const json = await runCli(['audit', '--db', missing, '--json']);
    expect(JSON.parse(json.stdout)).toEqual({ error: { kind: 'failed', message: expect.stringContaining(`no store at ${missing}`) } });
    const created = await runCli(['migrate', '--db', missing]);
    expect(created.code).toBe(0);
    expect(created.stdout).toMatch(/^The SQLite schema is at version (\d+): this run created it \(migrations 1 to \1\)\. Applied:\n {2}1 {2}\d{4}-\d\d-\d\d \d\d:\d\d:\d\d \+08:00 {2}merchants, wallets/);
    expect(existsSync(missing)).toBe(true);
    // Made where none was (a shell without DATABASE_URL makes the default): said, on stderr, once.
    expect(created.stderr).toBe(`micropay: no store was there, so a new one was made at ${missing}; check --db or DATABASE_URL if you meant another\n`);
    const again = await runCli(['migrate', '--db', missing, '--json']);
    expect([again.stderr, JSON.parse(again.stdout).thisRun]).toEqual(['', { from: SQLITE_MIGRATIONS.length, applied: [] }]);
    expect((await runCli(['migrate', '--db', missing])).stdout).toMatch(/^The SQLite schema is at version \d+: nothing to apply\. Applied:\n/);
    rmSync(missing, { force: true });
  });

  it.runIf(TEST_STORE === 'sqlite')("a new store, its folder and its backups are readable by their owner only: they hold password hashes and bank accounts", async () => {
    const dir = mkdtempSync(join(tmpdir(), 'micropay-modes-'));
    try {
      const store = join(dir, 'data', 'micropay.db');
      expect((await runCli(['merchant', 'create', '--name', 'Canteen', '--db', store])).code).toBe(0);
      expect((await runCli(['backup', '--to', join(dir, 'copy.db'), '--db', store])).code).toBe(0);
      // The -wal and -shm files live while a connection is open (as a server's is).
      const open = new Database(store);
      try {
        open.prepare('SELECT COUNT(*) FROM merchants').get();
        const mode = (path: string) => (statSync(path).mode & 0o777).toString(8);
        expect([join(dir, 'data'), store, `${store}-wal`, `${store}-shm`, join(dir, 'copy.db')].map(mode)).toEqual(['700', '600', '600', '600', '600']);
      } finally {
        open.close();
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it.runIf(TEST_STORE === 'postgres')('a PostgreSQL database with no MicroPay store is refused and left without tables, except by the commands that create', async () => {
    const blank = await emptyTestDatabase();
    const tables = async (): Promise<number> => {
      const client = new pg.Client({ connectionString: blank.dbPath });
      await client.connect();
      try {
        const { rows } = await client.query('SELECT count(*)::int AS n FROM information_schema.tables WHERE table_schema = current_schema()');
        return (rows[0] as { n: number }).n;
      } finally {
        await client.end();
      }
    };
    try {
      for (const args of [['audit'], ['merchant', 'list'], ['wallet', 'list'], ['wallet', 'topup', '601234567890', '1.00']]) {
        const r = await runCli([...args, '--db', blank.dbPath]);
        expect(r.code).toBe(1);
        expect(r.stderr).toMatch(/^micropay: no store in the PostgreSQL database postgres:\/\/\S+: check --db or DATABASE_URL/);
        expect(await tables()).toBe(0);
      }
      const created = await runCli(['migrate', '--db', blank.dbPath]);
      expect(created.code).toBe(0);
      expect(created.stderr).toMatch(/^micropay: no store was there, so a new one was made in the PostgreSQL database postgres:\/\/\S+; check --db or DATABASE_URL if you meant another\n$/);
      expect(await tables()).toBeGreaterThan(0);
      expect((await runCli(['audit', '--db', blank.dbPath])).code).toBe(0);
    } finally {
      await blank.drop();
    }
  });

  it('with --json a failing command still prints one JSON object, with the exit code', async () => {
    const notFound = await runCli(['wallet', 'show', '601234567890', '--db', db, '--json']);
    expect(notFound.code).toBe(1);
    expect(JSON.parse(notFound.stdout)).toEqual({ error: { kind: 'failed', message: 'no wallet 601234567890' } });
    const usage = await runCli(['paycode', '--db', db, '--json']);
    expect(usage.code).toBe(2);
    expect(JSON.parse(usage.stdout)).toEqual({ error: { kind: 'usage', message: 'give either WALLETID or --offline DEVICE-FILE (see micropay paycode --help)' } });
    const config = await runCli(['merchant', 'list', '--db', 'mysql://x/y', '--json']);
    expect(config.code).toBe(2);
    expect(JSON.parse(config.stdout)).toMatchObject({ error: { kind: 'config', message: expect.stringMatching(/^--db: /) } });
    const noAnswer = await runCli(['query', '--url', 'http://127.0.0.1:9', '--mch-id', '202001001', '--key', 'k'.repeat(32), '--order', 'o', '--json']);
    expect(noAnswer.code).toBe(1);
    expect(JSON.parse(noAnswer.stdout)).toMatchObject({ error: { kind: 'failed', message: expect.stringContaining('connection failed') } });
  });

  // One line saying what is wrong and where the help is; only no command at all gets the whole usage.
  const usageMistakes: { args: string[]; says: string }[] = [
    { args: [], says: 'micropay: no command given (see micropay --help)\n\nUsage: micropay' },
    { args: ['frobnicate'], says: 'micropay: unknown command: frobnicate (see micropay --help)\n' },
    { args: ['merchant', 'rename', 'x'], says: 'micropay merchant: unknown command: merchant rename (see micropay merchant --help)\n' },
    { args: ['merchant', 'create'], says: 'micropay merchant create: --name is required (see micropay merchant create --help)\n' },
    { args: ['merchant', 'disable'], says: 'micropay merchant disable: MCHID is required (see micropay merchant disable --help)\n' },
    {
      args: ['wallet', 'create', '--name', 'X', '--balance', 'ten'],
      says: 'micropay wallet create: --balance must be an amount like 100.00, or 0 (see micropay wallet create --help)\n',
    },
    { args: ['wallet', 'topup', '601234567890'], says: 'micropay wallet topup: AMOUNT is required (see micropay wallet topup --help)\n' },
    {
      args: ['wallet', 'topup', '601234567890', '1.234'],
      says: 'micropay wallet topup: AMOUNT must be a decimal with at most two places, e.g. "1.00" (see micropay wallet topup --help)\n',
    },
    { args: ['paycode'], says: 'micropay paycode: give either WALLETID or --offline DEVICE-FILE (see micropay paycode --help)\n' },
    { args: ['merchant', 'list', '--bogus'], says: 'micropay merchant list: unknown option --bogus (see micropay merchant list --help)\n' },
    {
      args: ['pay', '--url', 'http://127.0.0.1:9', '--mch-id', '202001001', '--order', 'o', '--amount', '1.00', '--code', '395714874945038155'],
      says: 'micropay pay: --key is required (or set MICROPAY_KEY) (see micropay pay --help)\n',
    },
  ];
  for (const { args, says } of usageMistakes) {
    it(`\`${['micropay', ...args].join(' ')}\` is a usage mistake: exits 2 and says "${says.split('\n')[0]}"`, async () => {
      // pay talks HTTP and takes no --db.
      const r = await runCli(args[0] === 'pay' ? args : [...args, '--db', db]);
      expect(r.code).toBe(2);
      expect(r.stdout).toBe('');
      expect(args.length === 0 ? r.stderr.slice(0, says.length) : r.stderr).toBe(says);
    });
  }

  it('a usage mistake is reported on stderr, not stdout', async () => {
    const r = await runCli(['merchant', 'create', '--db', db]);
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).toBe('micropay merchant create: --name is required (see micropay merchant create --help)\n');
  });

  it('commands on an unknown merchant or wallet exit 1 and name it', async () => {
    const cases = [
      { args: ['merchant', 'disable', '209901999'], says: 'no merchant 209901999' },
      { args: ['wallet', 'topup', '601234567890', '1.00'], says: 'no wallet 601234567890' },
      { args: ['wallet', 'show', '601234567890'], says: 'no wallet 601234567890' },
      { args: ['paycode', '601234567890'], says: 'no wallet 601234567890' },
    ];
    const results = await Promise.all(cases.map((c) => runCli([...c.args, '--db', db])));
    results.forEach((r, i) => {
      expect(r.code, cases[i]!.args.join(' ')).toBe(1);
      expect(r.stderr).toContain(cases[i]!.says);
    });
  });

  it('a bad configuration value exits 2 with a message naming the setting', async () => {
    const [ttl, ttlServe, tz, port, logLevel] = await Promise.all([
      runCli(['merchant', 'list', '--db', db], { env: { MICROPAY_PAYCODE_TTL_S: 'abc' } }),
      runCli(['serve', '--port', '0', '--db', db], { env: { MICROPAY_PAYCODE_TTL_S: 'abc' } }),
      runCli(['merchant', 'list', '--db', db], { env: { MICROPAY_TIMEZONE: 'Mars/Olympus_Mons' } }),
      runCli(['serve', '--port', '99999', '--db', db]),
      runCli(['merchant', 'list', '--db', db], { env: { MICROPAY_LOG_LEVEL: 'loud' } }),
    ]);
    for (const r of [ttl, ttlServe]) {
      expect(r.code).toBe(2);
      expect(r.stderr).toContain('MICROPAY_PAYCODE_TTL_S');
      expect(r.stderr).toContain('"abc"');
    }
    expect(ttlServe.stdout).not.toContain('listening');
    expect(tz.code).toBe(2);
    expect(tz.stderr).toContain('MICROPAY_TIMEZONE');
    expect(port.code).toBe(2);
    expect(port.stderr).toContain('--port');
    expect(logLevel.code).toBe(2);
    expect(logLevel.stderr).toContain('MICROPAY_LOG_LEVEL');
  });

  it('serve on a port that is already taken exits 1 with a message', async () => {
    const blocker = createServer();
    await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
    try {
      const taken = String((blocker.address() as AddressInfo).port);
      const r = await runCli(['serve', '--port', taken, '--db', db]);
      expect(r.code).toBe(1);
      expect(r.stderr).toContain('EADDRINUSE');
      // ...at once: it does not linger after the message (e.g. on a database pool it left open).
      expect(r.exitAfterStderrMs).toBeLessThan(3_000);
    } finally {
      blocker.close();
    }
  });
});

describe('serve', () => {
  const fresh = useEmptyStore();

  it('serve --sandbox on an empty store prints a sandbox merchant, wallet and code, and the printed pay command pays', async () => {
    const db = fresh.db;
    const server = await startServerProcess(['--sandbox', '--db', db, '--port', '0']);
    expect(server.stdout()).toMatch(listeningLine('sandbox mode'));
    const [payLine] = await server.waitForStdout(/npx micropay pay .+\n/);
    const out = server.stdout();
    const merchant = /Sandbox merchant\s+mchId (\d{9})\s+key ([A-Za-z0-9]{32})/.exec(out);
    const wallet = /Sandbox wallet\s+walletId (60\d{10})\s+balance 1000\.00/.exec(out);
    const code = /Payment code\s+(39\d{16})/.exec(out);
    expect(merchant, out).not.toBeNull();
    expect(wallet, out).not.toBeNull();
    expect(code, out).not.toBeNull();
    expect(payLine).toContain(`--url ${server.url}`);
    expect(payLine).toContain(`--mch-id ${merchant![1]}`);
    expect(payLine).toContain(`--key ${merchant![2]}`);
    expect(payLine).toContain(`--code ${code![1]}`);

    const args = payLine.trim().split(/\s+/).slice(2); // the printed command without "npx micropay"
    expect(args[0]).toBe('pay');
    const pay = await runCli(args);
    expect(pay.stderr).toBe('');
    expect(pay.code).toBe(0);
    expect(pay.stdout).toContain('code 0: success');
    expect(pay.stdout).toContain('PAID, amount 1.00, merchant Sandbox Merchant');
    expect(pay.stdout).toContain('response signature verified');

    const [shown, listed] = await Promise.all([
      cliJson(['wallet', 'show', wallet![1]!, '--db', db]),
      cliJson(['merchant', 'list', '--db', db]),
    ]);
    expect(shown).toMatchObject({ balance: '999.00' });
    expect(listed).toEqual({ merchants: [expect.objectContaining({ mchId: merchant![1], name: 'Sandbox Merchant', status: 'active' })] });
  });

  it('serve --sandbox again on the same store shows the same sandbox merchant with a fresh payment code', async () => {
    const db = fresh.db;
    const first = await startServerProcess(['--sandbox', '--db', db, '--port', '0']);
    await first.waitForStdout(/npx micropay pay .+\n/);
    first.child.kill('SIGKILL');
    await first.exited;

    const second = await startServerProcess(['--sandbox', '--db', db, '--port', '0']);
    await second.waitForStdout(/npx micropay pay .+\n/);
    const ids = (out: string) => /mchId (\d{9})\s+key (\S+)/.exec(out)!.slice(1);
    const codeOf = (out: string) => /Payment code\s+(39\d{16})/.exec(out)![1];
    expect(ids(second.stdout())).toEqual(ids(first.stdout()));
    expect(codeOf(second.stdout())).not.toBe(codeOf(first.stdout()));
    expect((await cliJson<{ merchants: unknown[] }>(['merchant', 'list', '--db', db])).merchants).toHaveLength(1);
  });

  it('serve --sandbox prints a wallet page sign-in link and a cashier sign-in that work, fresh on every start', async () => {
    const db = fresh.db;
    const signIns = async (server: ServerProcess) => {
      await server.waitForStdout(/npx micropay pay .+\n/);
      const out = server.stdout();
      const link = /Wallet page\s+(http:\/\/\S+\/wallet#link=([A-Za-z0-9_-]{43}))\s/.exec(out);
      const till = /Cashier page\s+(http:\/\/\S+\/cashier)\s+merchant id (\d{9}), cashier (sandbox-till), password (\S+)\n/.exec(out);
      expect(link, out).not.toBeNull();
      expect(till, out).not.toBeNull();
      expect(link![1]).toBe(`${server.url}/wallet#link=${link![2]}`);
      expect(till![1]).toBe(`${server.url}/cashier`);
      const owner = /Merchant console\s+(http:\/\/\S+\/merchant)\s+merchant id (\d{9}), owner (sandbox-owner), password (\S+)\n/.exec(out);
      const ops = /Operator console\s+(http:\/\/\S+\/admin)\s+operator (sandbox-ops), password (\S+)\n/.exec(out);
      expect([owner?.[1], owner?.[2], ops?.[1]], out).toEqual([`${server.url}/merchant`, till![2], `${server.url}/admin`]);
      return { token: link![2]!, mchId: till![2]!, name: till![3]!, password: till![4]!, owner: owner![4]!, ops: ops![3]! };
    };
    const post = async (url: string, path: string, body: Record<string, string>) => {
      const res = await fetch(`${url}/api/page/${path}`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(body) });
      return ((await res.json()) as { code: number }).code;
    };
    const first = await startServerProcess(['--sandbox', '--db', db, '--port', '0']);
    const one = await signIns(first);
    // The sample output in the README and docs/cli.md has the same lines, in the same order.
    for (const doc of ['../../../README.md', '../../../docs/cli.md']) {
      expect(sandboxLabels(readFileSync(new URL(doc, import.meta.url), 'utf8')), doc).toEqual(sandboxLabels(first.stdout()));
    }
    expect(await post(first.url, 'wallet/sign-in-link', { token: one.token })).toBe(0);
    expect(await post(first.url, 'cashier/sign-in', { mchId: one.mchId, name: one.name, password: one.password })).toBe(0);
    expect(await post(first.url, 'merchant/sign-in', { mchId: one.mchId, name: 'sandbox-owner', password: one.owner })).toBe(0);
    expect(await post(first.url, 'admin/sign-in', { name: 'sandbox-ops', password: one.ops })).toBe(0);
    first.child.kill('SIGKILL');
    await first.exited;

    const second = await startServerProcess(['--sandbox', '--db', db, '--port', '0']);
    const two = await signIns(second);
    expect(two.token).not.toBe(one.token);
    expect(await post(second.url, 'wallet/sign-in-link', { token: two.token })).toBe(0);
    // Each start gives the till a new password; the last one no longer opens it.
    expect(await post(second.url, 'cashier/sign-in', { mchId: two.mchId, name: two.name, password: one.password })).toBe(9020);
    expect(await post(second.url, 'cashier/sign-in', { mchId: two.mchId, name: two.name, password: two.password })).toBe(0);
  });

  it('serve --sandbox on a store that has merchants of its own creates no sandbox merchant', async () => {
    const db = fresh.db;
    const own = await cliJson<MerchantJson>(['merchant', 'create', '--name', 'Real Shop', '--db', db]);
    const server = await startServerProcess(['--sandbox', '--db', db, '--port', '0']);
    await server.waitForStdout(/no sandbox merchant was created/);
    expect(server.stdout()).not.toContain('npx micropay pay');
    // Its rehearsed faults are on over those merchants' payments: the log says so, as a warning.
    await expect.poll(() => server.stderr()).toMatch(/"level":"warn".*"msg":"sandbox mode over a store with merchants of its own: any caller can rehearse faults/);
    expect(await cliJson(['merchant', 'list', '--db', db])).toEqual({
      merchants: [expect.objectContaining({ mchId: own.mchId, name: 'Real Shop', status: 'active' })],
    });
  });

  it('serve --sandbox says so, and warns, when merchants were made beside the sandbox merchant: their payments rehearse faults too', async () => {
    const db = fresh.db;
    const first = await startServerProcess(['--sandbox', '--db', db, '--port', '0']);
    await first.waitForStdout(/npx micropay pay/);
    // Everything the start says is said before its "listening" line.
    await expect.poll(() => first.stderr()).toMatch(/"msg":"listening"/);
    expect(first.stdout()).not.toContain('besides the sandbox');
    first.child.kill('SIGKILL');
    await first.exited;
    // The README's path: a merchant of one's own, made on the sandbox's store.
    await cliJson<MerchantJson>(['merchant', 'create', '--name', 'Real Shop', '--db', db]);
    const second = await startServerProcess(['--sandbox', '--db', db, '--port', '0']);
    await second.waitForStdout(/besides the sandbox's/);
    expect(second.stdout()).toContain('npx micropay pay');
    expect(second.stdout()).toContain("Sandbox: this store also has 1 merchant besides the sandbox's: X-MicroPay-Sandbox rehearses faults on their payments too.\n");
    await expect.poll(() => second.stderr()).toMatch(/"level":"warn".*"msg":"sandbox mode over a store with merchants of its own: any caller can rehearse faults/);
  });

  it('serve --sandbox stops cleanly on SIGTERM even while it is still preparing the sandbox', async () => {
    // An operator's supervisor may stop the server at any moment after it says it is listening.
    const server = await startServerProcess(['--sandbox', '--db', fresh.db, '--port', '0']);
    server.child.kill('SIGTERM');
    expect(await server.exited).toEqual({ code: 0, signal: null });
  });

  it('a sandbox start killed (SIGKILL) in the middle of creating the sandbox leaves nothing; the next start creates it whole', async () => {
    const db = fresh.db;
    expect((await runCli(['migrate', '--db', db])).code).toBe(0);
    // A server stores its offline-code key in the settings on its first start; made here first, so
    // the hold below stops the sandbox's own write and not that one.
    await withStore(db, (store) => store.offlineCodeKey());
    // The sandbox's last write (its setting) is held up, so the kill lands after the merchant,
    // its account and the wallet were written and before the transaction commits.
    const stall = await stallSandboxSetting(db);
    try {
      const server = await startServerProcess(['--sandbox', '--db', db, '--port', '0']);
      await stall.reached();
      server.child.kill('SIGKILL');
      expect(await server.exited).toEqual({ code: null, signal: 'SIGKILL' });
      expect(server.stdout()).not.toContain('Sandbox merchant');
    } finally {
      await stall.release();
    }
    // Nothing of it is in the store: no merchant that would make the next start say "merchants of
    // its own", no wallet without its merchant. (The two accounts are the platform's: its float
    // and its payouts clearing account.)
    expect(await sandboxRows(db)).toEqual({ merchants: 0, accounts: 2, wallets: 0, settings: 0 });

    const again = await startServerProcess(['--sandbox', '--db', db, '--port', '0']);
    await again.waitForStdout(/npx micropay pay .+\n/);
    const merchant = /Sandbox merchant\s+mchId (\d{9})/.exec(again.stdout())![1];
    const wallet = /Sandbox wallet\s+walletId (60\d{10})\s+balance 1000\.00/.exec(again.stdout())![1];
    expect(await sandboxRows(db)).toEqual({ merchants: 1, accounts: 4, wallets: 1, settings: 1 });
    await withStore(db, async (store) => {
      expect(JSON.parse((await store.getSetting('sandbox'))!)).toEqual({ mchId: merchant, walletId: wallet });
      expect((await store.audit()).ok).toBe(true);
    });
  });

  it('serve without --sandbox on an empty store creates nothing, and stops cleanly on SIGTERM', async () => {
    const db = fresh.db;
    const server = await startServerProcess(['--db', db, '--port', '0']);
    expect(server.stdout()).toMatch(listeningLine('production mode'));
    // The server answers while it runs.
    const res = await fetch(`${server.url}/api/micropay/queryBill`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ mchId: '202001001', mchOrderId: 'x', timestamp: String(Date.now()), secureHash: 'A'.repeat(64) }),
      signal: AbortSignal.timeout(5_000),
    });
    expect(((await res.json()) as { code: number }).code).toBe(1031);

    server.child.kill('SIGTERM');
    expect(await server.exited).toEqual({ code: 0, signal: null });
    expect(server.stdout()).not.toContain('Sandbox');

    const [text, json, audit] = await Promise.all([
      runCli(['merchant', 'list', '--db', db]),
      cliJson(['merchant', 'list', '--db', db]),
      cliJson<{ ok: boolean; totals: unknown }>(['audit', '--db', db]),
    ]);
    expect(text.stdout).toBe('No merchants.\n');
    expect(json).toEqual({ merchants: [] });
    expect(audit).toMatchObject({ ok: true, totals: { entries: 0, postings: 0, orders: 0 } });
  });
});

/** How many rows of each kind the sandbox writes are in the store (the platform's float is one account). */
async function sandboxRows(db: string): Promise<{ merchants: number; accounts: number; wallets: number; settings: number }> {
  return withStore(db, async (store) => {
    const count = async (table: string) => Number((await sql<{ n: number | string }>(store, `SELECT COUNT(*) AS n FROM ${table}`))[0]!.n);
    // The sandbox's own setting: a server also stores its offline-code key there (docs/offline-codes.md).
    return { merchants: await count('merchants'), accounts: await count('accounts'), wallets: await count('wallets'), settings: await count("settings WHERE name = 'sandbox'") };
  });
}

/**
 * Holds up the insert of the sandbox's setting, the last write of its transaction. `reached`
 * resolves once the server is stuck there; `release` lets it go and removes every trace of the hold.
 * PostgreSQL: a lock on the settings table, and the server's insert is seen waiting for it.
 * SQLite: a trigger that computes for seconds before the insert, and the server is seen holding
 * the write lock for far longer than any other write of an empty store takes.
 */
async function stallSandboxSetting(db: string): Promise<{ reached(): Promise<void>; release(): Promise<void> }> {
  const deadline = () => Date.now() + 10_000;
  if (TEST_STORE === 'postgres') {
    const holder = new pg.Client({ connectionString: db });
    await holder.connect();
    await holder.query('BEGIN');
    await holder.query('LOCK TABLE settings IN SHARE MODE');
    return {
      async reached() {
        for (const until = deadline(); ; ) {
          const { rows } = await holder.query(`SELECT 1 FROM pg_locks WHERE relation = 'settings'::regclass AND NOT granted`);
          if (rows.length > 0) return;
          if (Date.now() > until) throw new Error('the server never reached the insert of the sandbox setting');
          await new Promise((r) => setTimeout(r, 10));
        }
      },
      async release() {
        await holder.query('ROLLBACK');
        await holder.end();
      },
    };
  }
  const admin = new Database(db);
  admin.exec(`CREATE TABLE sandbox_stall (n INTEGER);
    WITH RECURSIVE c(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM c WHERE n < 400) INSERT INTO sandbox_stall SELECT n FROM c;
    CREATE TRIGGER sandbox_stall BEFORE INSERT ON settings BEGIN SELECT COUNT(*) FROM sandbox_stall a, sandbox_stall b, sandbox_stall c; END;`);
  admin.pragma('busy_timeout = 0');
  const writeLocked = () => {
    try {
      admin.exec('BEGIN IMMEDIATE; ROLLBACK');
      return false;
    } catch (error) {
      if ((error as { code?: string }).code === 'SQLITE_BUSY') return true;
      throw error;
    }
  };
  return {
    async reached() {
      let since: number | null = null;
      for (const until = deadline(); ; ) {
        since = writeLocked() ? (since ?? Date.now()) : null;
        if (since !== null && Date.now() - since >= 300) return;
        if (Date.now() > until) throw new Error('the server never held the write lock inside the sandbox transaction');
        await new Promise((r) => setTimeout(r, 10));
      }
    },
    async release() {
      admin.pragma('busy_timeout = 5000');
      admin.exec('DROP TRIGGER sandbox_stall; DROP TABLE sandbox_stall');
      admin.close();
    },
  };
}

/** The labels of `serve --sandbox`'s lines ("Sandbox merchant", "Wallet page", …), in order. */
function sandboxLabels(text: string): string[] {
  return [...text.matchAll(/^([A-Z][a-z]+ [a-z]+) {2,}\S/gm)].map((m) => m[1]!);
}
