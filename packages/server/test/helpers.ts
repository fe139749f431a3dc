import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import pg from 'pg';
import { Secret, sign, type Envelope, type OrderData } from '@micropay/protocol';
import { loadConfig, type Config, type ConfigFlags } from '../src/config.js';
import { newApiKey } from '../src/domain/ids.js';
import type { Clock } from '../src/domain/clock.js';
import { silentLogger, type Logger } from '../src/log.js';
import { openStore, startPlatform, type Platform } from '../src/platform.js';
import { withDatabase } from './postgres-setup.js';
import { MasterKey } from '../src/secrets/master-key.js';
import { MerchantKeyVault } from '../src/secrets/merchant-key-vault.js';

/**
 * A platform on a free 127.0.0.1 port, on the store this test run is for (MICROPAY_TEST_STORE):
 * a real SQLite file in a fresh temp directory, or a fresh schema in the run's PostgreSQL
 * database (see postgres-setup.ts), migrated when the platform opens it.
 */
export interface TestPlatform extends Platform {
  readonly config: Config;
  readonly dir: string;
  /** The SQLite file, or the PostgreSQL URL: what `--db` takes. */
  readonly dbPath: string;
  /** Stops the server and deletes its directory and database. */
  stop(): Promise<void>;
}

export const TEST_STORE: 'sqlite' | 'postgres' = process.env.MICROPAY_TEST_STORE === 'postgres' ? 'postgres' : 'sqlite';

/**
 * The master key the tests' stores encrypt merchant keys under (docs/operations.md, "Secrets at
 * rest"): every test platform, test config and CLI child process gets it unless the test says
 * otherwise (an empty MICROPAY_MASTER_KEY counts as unset).
 */
export const TEST_MASTER_KEY = 'ZE3/J1UHJTKMLA0pkbW/56/rtBg+9jkxNp/4sSQ5rT8=';

/** A vault under the tests' master key, for tests that open a store class themselves. */
export function testMerchantKeys(): MerchantKeyVault {
  return new MerchantKeyVault(MasterKey.parse(TEST_MASTER_KEY));
}

/** The tests' notification receivers listen on loopback, which production refuses unless allowed. */
export const TEST_RECEIVERS = '127.0.0.0/8,::1/128';

/**
 * loadConfig with the tests' master key, unless `env` sets its own. Sign-ins are not paced unless
 * `env` says so (test/sign-in-limits.test.ts does): a test signs in from 127.0.0.1 many times quickly.
 * Notifications may go to loopback (TEST_RECEIVERS).
 */
export function testConfig(flags: ConfigFlags, env: Record<string, string> = {}): Config {
  // No warm-up before listening (half a second per server): warm-up.test.ts turns it on. No
  // copies of the listening socket (a child process per server): accept-copies.test.ts makes them,
  // and the servers the CLI tests start make them as in production.
  return loadConfig(flags, {
    MICROPAY_MASTER_KEY: TEST_MASTER_KEY, MICROPAY_WARM_UP: 'off', MICROPAY_ACCEPTS_PER_TURN: '1', MICROPAY_SIGN_IN_PER_ADDRESS: '100000', MICROPAY_SIGN_IN_PER_ACCOUNT: '100000',
    MICROPAY_NOTIFY_PRIVATE_NETWORKS: TEST_RECEIVERS, ...env,
  });
}

/**
 * The database of a test directory: created on first use, found again on a restart. On
 * PostgreSQL each test platform gets its own schema in the run's database (a schema is much
 * cheaper to create than a database); the URL selects it with `options=-c search_path=...`.
 */
async function testDatabase(dir: string, create: boolean): Promise<string> {
  if (TEST_STORE === 'sqlite') return join(dir, 'micropay.db');
  const runDb = process.env.MICROPAY_TEST_PG_DATABASE!;
  const schema = `t_${basename(dir).replace(/[^A-Za-z0-9]/g, '').toLowerCase()}`;
  if (create) await adminQuery(`CREATE SCHEMA ${schema}`);
  const url = new URL(withDatabase(process.env.MICROPAY_TEST_PG_URL!, runDb));
  // The tests never crash PostgreSQL itself, so they need not wait for its WAL flush.
  url.searchParams.set('options', `-c search_path=${schema} -c synchronous_commit=off`);
  return url.toString();
}

async function dropTestDatabase(url: string): Promise<void> {
  if (TEST_STORE === 'sqlite') return;
  const schema = /search_path=(\w+)/.exec(new URL(url).searchParams.get('options') ?? '')![1]!;
  await adminQuery(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
}

async function adminQuery(sql: string): Promise<void> {
  const admin = new pg.Client({ connectionString: withDatabase(process.env.MICROPAY_TEST_PG_URL!, process.env.MICROPAY_TEST_PG_DATABASE!) });
  await admin.connect();
  try {
    await admin.query(sql);
  } finally {
    await admin.end();
  }
}

/** An empty store location (nothing migrated yet), for tests of opening stores; `drop` removes it. */
export async function emptyTestDatabase(): Promise<{ dbPath: string; drop(): Promise<void> }> {
  const dir = mkdtempSync(join(tmpdir(), 'micropay-empty-'));
  const dbPath = await testDatabase(dir, true);
  return {
    dbPath,
    async drop() {
      await dropTestDatabase(dbPath);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

export async function startTestPlatform(
  env: Record<string, string> = {},
  clock?: Clock,
  options: { sandbox?: boolean; dir?: string; logger?: Logger } = {},
): Promise<TestPlatform> {
  // A given dir lets a test restart the platform on the same file or database.
  const dir = options.dir ?? mkdtempSync(join(tmpdir(), 'micropay-test-'));
  const dbPath = await testDatabase(dir, options.dir === undefined);
  const config = testConfig({ db: dbPath, port: '0', host: '127.0.0.1', sandbox: options.sandbox ?? false }, env);
  const platform = await startPlatform(config, options.logger ?? silentLogger, clock ? { clock } : {});
  return {
    ...platform,
    config,
    dir,
    dbPath,
    async stop() {
      await platform.close();
      await dropTestDatabase(dbPath);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

export interface TestMerchant {
  readonly mchId: string;
  readonly key: string;
  readonly name: string;
}

export async function createMerchant(p: Platform, name = 'LPR Parking System'): Promise<TestMerchant> {
  const key = newApiKey();
  const m = await p.store.createMerchant({ name, apiKey: new Secret(key) });
  return { mchId: m.mchId, key, name };
}

/** A valid IBAN (its check digits match), as a merchant's payout account in tests. */
export const TEST_IBAN = 'GB82WEST12345698765432';

/** Sets where the merchant's payouts go (domain/payout-account.ts): without it, payouts are refused (9044). */
export async function givePayoutAccount(p: Platform, mchId: string, accountNumber = TEST_IBAN): Promise<void> {
  const set = await p.store.setPayoutAccount(mchId, { holderName: 'Car Park Ltd', bankName: 'West Bank', accountNumber });
  if (set.kind !== 'set' && set.kind !== 'unchanged') throw new Error(`payout account: ${JSON.stringify(set)}`);
}

/** A wallet with `balance` (e.g. "100.00") and a fresh payment code. */
export async function createWalletWithCode(p: Platform & { config: Config }, balanceSen: number, name = 'Alice') {
  const wallet = await p.store.createWallet({ name, openingSen: balanceSen });
  const code = await p.store.issuePayCode(wallet.walletId, p.config.payCodeTtlS * 1000);
  if (typeof code === 'string') throw new Error(code);
  return { walletId: wallet.walletId, payCode: code.code };
}

export interface PostResult {
  readonly status: number;
  readonly body: Envelope<OrderData>;
  readonly text: string;
}

/** POSTs a JSON body as it is (no signing). */
export async function postRaw(url: string, path: string, body: unknown, headers: Record<string, string> = {}): Promise<PostResult> {
  const res = await fetch(url + path, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', ...headers },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
  const text = await res.text();
  return { status: res.status, body: JSON.parse(text) as Envelope<OrderData>, text };
}

/** Adds a current timestamp (unless given) and the secureHash, then POSTs. */
export async function postSigned(
  url: string,
  endpoint: string,
  params: Record<string, string | number | null>,
  key: string,
): Promise<PostResult> {
  const body: Record<string, string | number | null> = { timestamp: String(Date.now()), ...params };
  body.secureHash = sign(body, key);
  return postRaw(url, `/api/micropay/${endpoint}`, body);
}

export function micropayParams(m: TestMerchant, mchOrderId: string, amount: string, payCode: string) {
  return { mchId: m.mchId, mchOrderId, amount, goodsInfo: 'test', discount: '', point: '', payCode };
}

/** A clock tests can move. */
export class ManualClock implements Clock {
  constructor(public now = Date.now()) {}
  nowMs(): number {
    return this.now;
  }
  advance(ms: number): void {
    this.now += ms;
  }
}

/**
 * A merchant with a known key, and `wallets` wallets of `openingSen` each with a live code, written
 * by an admin connection (with `env`, e.g. its master key) that is closed again: for tests that
 * then start a server process on the same store.
 */
export async function seedMerchantWithCodes(
  db: string,
  opts: { name: string; wallets: number; openingSen: number; env?: Record<string, string> },
): Promise<{ merchant: TestMerchant; codes: string[] }> {
  const store = await openStore(testConfig({ db }, opts.env));
  try {
    const key = newApiKey();
    const m = await store.createMerchant({ name: opts.name, apiKey: new Secret(key) });
    const codes: string[] = [];
    for (let i = 0; i < opts.wallets; i++) {
      const w = await store.createWallet({ name: `w${i}`, openingSen: opts.openingSen });
      const code = await store.issuePayCode(w.walletId, 600_000);
      if (typeof code === 'string') throw new Error(code);
      codes.push(code.code);
    }
    return { merchant: { mchId: m.mchId, key, name: m.name }, codes };
  } finally {
    await store.close();
  }
}
