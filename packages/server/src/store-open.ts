import { existsSync } from 'node:fs';
import type { Config } from './config.js';
import { systemClock, type Clock } from './domain/clock.js';
import { SchemaVersionError } from './store/schema-version.js';
import type { Store } from './store/store.js';
import { MerchantKeyVault } from './secrets/merchant-key-vault.js';
import { readSandboxMasterKey } from './secrets/sandbox-master-key.js';

/**
 * Opening a store, apart from serving one: the CLI's commands need this and not the HTTP server,
 * and load only the store the configuration names (and pg only for PostgreSQL), which keeps each
 * `micropay` command's start short. platform.ts re-exports all of it.
 */

export function isPostgresUrl(database: string): boolean {
  return /^postgres(ql)?:\/\//i.test(database);
}

/** Whether the store is a SQLite file, which one server serves at a time (not PostgreSQL, not an in-memory store). */
export function servesSqliteFile(config: { readonly database: string }): boolean {
  return !isPostgresUrl(config.database) && config.database !== ':memory:';
}

/**
 * Opens the store the configuration names: a postgres:// (or postgresql://) URL selects
 * PostgreSQL, anything else is a SQLite file path. Pending migrations are applied (with
 * `upgrade: false` only to a new store: an older one is refused); a database
 * that cannot be reached, or whose schema is newer than this code, stops the start here; so does a
 * master key the merchant keys are not encrypted under. With a master key, keys still in plain text
 * (written before the master-key migration (SQLite 8, PostgreSQL 9)) are encrypted here, in one transaction.
 */
export async function openStore(
  config: Config,
  clock: Clock = systemClock,
  options: { serving?: boolean; upgrade?: boolean } = {},
): Promise<Store> {
  const merchantKeys = merchantKeyVault(config);
  const store = await openStoreOf(config, clock, options, merchantKeys);
  try {
    merchantKeys.checkCanOpen(await store.masterKeyIdsInUse());
    if (merchantKeys.current !== null) await store.resealMerchantKeys('plain');
    // A server opens the offline-code key now: a master key that does not open it stops the start.
    if (options.serving === true) await store.offlineCodeKey();
  } catch (error) {
    await store.close();
    throw error;
  }
  return store;
}

/**
 * The master keys: the configured ones; without MICROPAY_MASTER_KEY, on a SQLite file, the key
 * `serve --sandbox` left beside it (so admin commands work on a sandbox store).
 */
function merchantKeyVault(config: Config): MerchantKeyVault {
  const sandboxKey = config.masterKey === null && !isPostgresUrl(config.database) ? readSandboxMasterKey(config.database) : null;
  return new MerchantKeyVault(config.masterKey ?? sandboxKey, [config.oldMasterKey, config.nextMasterKey]);
}

async function openStoreOf(config: Config, clock: Clock, options: { serving?: boolean; upgrade?: boolean }, merchantKeys: MerchantKeyVault): Promise<Store> {
  const common = {
    merchantKeys,
    clock,
    timeZone: config.timeZone,
    policy: { confirmLimitSen: config.confirmLimitSen, confirmTimeoutMs: config.confirmTimeoutS * 1000 },
    newOrderTimeoutMs: config.newOrderTimeoutS * 1000,
    upgrade: options.upgrade ?? true,
  };
  // A serving SQLite store writes payments on their own thread; admin commands need none.
  if (!isPostgresUrl(config.database)) {
    const { SqliteStore } = await import('./store/sqlite/sqlite-store.js');
    return new SqliteStore(config.database, { ...common, paymentThread: options.serving === true });
  }
  const { PgStore } = await import('./store/postgres/pg-store.js');
  try {
    return await PgStore.open({
      ...common,
      url: config.database,
      poolSize: config.pgPoolSize,
      statementTimeoutMs: config.pgStatementTimeoutMs,
    });
  } catch (error) {
    // The database was reached: its schema's version is the whole story.
    if (error instanceof SchemaVersionError) throw error;
    throw new StoreUnavailableError(`cannot open the PostgreSQL database ${redactUrl(config.database)}: ${(error as Error).message}`);
  }
}

/**
 * Whether the database already holds a MicroPay store. Only the commands that start a platform or
 * create something may create one: any other on a path with no file, or a PostgreSQL database with
 * no MicroPay tables, is a mistyped --db or DATABASE_URL, and an empty store would answer it
 * wrongly (an audit of nothing is "clean") or leave MicroPay's tables in someone else's database.
 */
export async function storeExists(database: string): Promise<boolean> {
  if (database === ':memory:') return true;
  if (!isPostgresUrl(database)) return existsSync(database);
  const { default: pg } = await import('pg');
  const client = new pg.Client({ connectionString: database, connectionTimeoutMillis: 10_000 });
  // A connection the server ends fails the query; unheard, its 'error' event would end the process.
  client.on('error', () => undefined);
  try {
    await client.connect();
    const { rows } = await client.query("SELECT to_regclass('schema_migrations') IS NOT NULL AS found");
    return (rows[0] as { found: boolean }).found;
  } catch (error) {
    throw new StoreUnavailableError(`cannot open the PostgreSQL database ${redactUrl(database)}: ${(error as Error).message}`);
  } finally {
    await client.end().catch(() => undefined);
  }
}

export class StoreUnavailableError extends Error {
  override name = 'StoreUnavailableError';
}

/** libpq's parameters that carry a secret: `password`, and `sslpassword` (the client key's). */
const SECRET_PARAMETER = /password/i;

/** Whether a database URL carries a password: in its user part, or as a parameter (SECRET_PARAMETER). */
export function urlHasPassword(url: string): boolean {
  try {
    const u = new URL(url);
    return u.password !== '' || [...u.searchParams.keys()].some((name) => SECRET_PARAMETER.test(name));
  } catch {
    return true;
  }
}

/** The URL without its passwords (every form, see urlHasPassword), for messages and logs. */
export function redactUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.password !== '') u.password = '****';
    for (const name of new Set(u.searchParams.keys())) if (SECRET_PARAMETER.test(name)) u.searchParams.set(name, '****');
    return u.toString();
  } catch {
    return 'postgres://…';
  }
}
