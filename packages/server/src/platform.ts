import { OfflineCodeLimits } from './domain/offline-code-limits.js';
import { perAccount, perAddress, SignInLimits } from './domain/sign-in-limits.js';
import { existsSync } from 'node:fs';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import pg from 'pg';
import { ConfigError, type Config } from './config.js';
import { systemClock, type Clock } from './domain/clock.js';
import { createAdminServer, opsRoutes } from './http/ops.js';
import { HttpDrain } from './http/drain.js';
import { warmUpRequestPath } from './http/warm-up.js';
import { createHttpServer, HTTP_DEADLINES } from './http/server.js';
import { startJob, type Job } from './jobs.js';
import { CodeResultWatch } from './services/code-results.js';
import { startNotificationWorker } from './notify/worker.js';
import type { Logger } from './log.js';
import { PlatformMetrics } from './ops/metrics.js';
import { flushAtShutdown, flushPaymentMinutes, PaymentRecorder } from './ops/payment-recorder.js';
import { requestMeter } from './ops/request-meter.js';
import { PgStore } from './store/postgres/pg-store.js';
import { SqliteServeLock } from './store/sqlite/serve-lock.js';
import { SqliteStore } from './store/sqlite/sqlite-store.js';
import type { Store } from './store/store.js';
import { MASTER_KEY_HOW_TO, MASTER_KEY_MISSING, MasterKey } from './secrets/master-key.js';
import { MerchantKeyVault } from './secrets/merchant-key-vault.js';
import { readSandboxMasterKey, sandboxMasterKey, sandboxMasterKeyPath } from './secrets/sandbox-master-key.js';

/** How often expired page sessions and spent sign-in links are swept: housekeeping, not a rule. */
const PAGE_ACCESS_SWEEP_INTERVAL_MS = 60_000;

export interface Platform {
  readonly url: string;
  /** The admin listener's URL (/health/*, /metrics) with --admin-port; null when they are on `url`. */
  readonly adminUrl: string | null;
  readonly store: Store;
  readonly server: Server;
  /**
   * The graceful stop (docs/operations.md, "Shutdown"): /health/ready answers 503 from now on, the
   * API stops accepting connections and finishes the requests in flight, the background jobs stop,
   * then the admin listener, the current minute's payment statistics are written, and the store
   * closes after its last payment batch is written.
   */
  close(): Promise<void>;
}

export function isPostgresUrl(database: string): boolean {
  return /^postgres(ql)?:\/\//i.test(database);
}

/**
 * Opens the store the configuration names: a postgres:// (or postgresql://) URL selects
 * PostgreSQL, anything else is a SQLite file path. Pending migrations are applied; a database
 * that cannot be reached, or whose schema is newer than this code, stops the start here; so does a
 * master key the merchant keys are not encrypted under. With a master key, keys still in plain text
 * (written before the master-key migration (SQLite 8, PostgreSQL 9)) are encrypted here, in one transaction.
 */
export async function openStore(
  config: Config,
  clock: Clock = systemClock,
  options: { serving?: boolean } = {},
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

async function openStoreOf(config: Config, clock: Clock, options: { serving?: boolean }, merchantKeys: MerchantKeyVault): Promise<Store> {
  const common = {
    merchantKeys,
    clock,
    timeZone: config.timeZone,
    policy: { confirmLimitSen: config.confirmLimitSen, confirmTimeoutMs: config.confirmTimeoutS * 1000 },
    newOrderTimeoutMs: config.newOrderTimeoutS * 1000,
  };
  // A serving SQLite store writes payments on their own thread; admin commands need none.
  if (!isPostgresUrl(config.database)) return new SqliteStore(config.database, { ...common, paymentThread: options.serving === true });
  try {
    return await PgStore.open({
      ...common,
      url: config.database,
      poolSize: config.pgPoolSize,
      statementTimeoutMs: config.pgStatementTimeoutMs,
    });
  } catch (error) {
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
  const client = new pg.Client({ connectionString: database, connectionTimeoutMillis: 10_000 });
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

/** Whether a database URL carries a password: in its user part, or as libpq's `password` parameter. */
export function urlHasPassword(url: string): boolean {
  try {
    const u = new URL(url);
    return u.password !== '' || u.searchParams.has('password');
  } catch {
    return true;
  }
}

/** The URL without its password (either form, see urlHasPassword), for messages and logs. */
export function redactUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.password !== '') u.password = '****';
    if (u.searchParams.has('password')) u.searchParams.set('password', '****');
    return u.toString();
  } catch {
    return 'postgres://…';
  }
}

/**
 * Starts the API on the configured host and port (port 0 picks a free one). On a SQLite file it
 * first takes the file's serve lock, so a second server on the file is refused (StoreInUseError);
 * a caller that passes its own `store` has opened the store itself and answers for that.
 */
export async function startPlatform(
  config: Config,
  logger: Logger,
  options: { clock?: Clock; store?: Store } = {},
): Promise<Platform> {
  const clock = options.clock ?? systemClock;
  if (options.store === undefined) config = withMasterKey(config, logger);
  const { store, lock } = await storeToServe(config, clock, options.store);
  // Health and metrics: on the API's port, or with --admin-port on their own listener only.
  const metrics = config.metrics ? new PlatformMetrics(store, logger) : null;
  // The payment statistics stay on with MICROPAY_METRICS=off: the operator's dashboard reads them.
  const paymentRecorder = new PaymentRecorder(clock);
  const routes = opsRoutes(store, metrics, logger, () => drain.draining);
  const codeResults = new CodeResultWatch((codes) => store.payCodeOutcomes(codes), () => clock.nowMs());
  const signInLimits = new SignInLimits(perAddress(config.signInPerAddress), perAccount(config.signInPerAccount));
  const ctx = { config, store, clock, logger, codeResults, offlineLimits: new OfflineCodeLimits(), signInLimits };
  const server = createHttpServer(ctx, HTTP_DEADLINES, {
    routes: config.adminPort === null ? routes : new Map(),
    meter: requestMeter(paymentRecorder, metrics),
  });
  const admin = config.adminPort === null ? null : createAdminServer(routes, logger);
  const drain = new HttpDrain(server);
  const adminDrain = admin === null ? null : new HttpDrain(admin);
  try {
    // Before listening: the first requests find the store ready (store.ts, warmUp).
    await store.warmUp();
    if (config.warmUp) await warmUpRequestPath(ctx);
    await listen(server, config.port, config.host, '--port');
    if (admin !== null) await listen(admin, config.adminPort!, config.host, '--admin-port');
  } catch (error) {
    // A store this call opened is closed again: an open PostgreSQL pool would keep the process
    // alive for its idle timeout after the failed start.
    server.close();
    metrics?.detach();
    if (options.store === undefined) await store.close();
    lock?.release();
    throw error;
  }
  const jobs = [
    ...startJobs(config, store, clock, logger),
    // Each finished minute of payment statistics is written soon after it ends, old rows deleted.
    startJob('payment-stats', config.sweepIntervalMs, () => flushPaymentMinutes(paymentRecorder, store, clock), logger),
  ];
  let closing: Promise<void> | undefined;
  return {
    url: urlOf(server, config.host),
    adminUrl: admin === null ? null : urlOf(admin, config.host),
    store,
    server,
    close() {
      closing ??= (async () => {
        // The admin listener stays up while the API drains, so the load balancer sees "not ready".
        // The wallet pages' waits (long polls) answer at once, so the drain is not held for them.
        await Promise.all([codeResults.stop(), drain.close(), ...jobs.map((job) => job.stop())]);
        await adminDrain?.close();
        metrics?.detach();
        // Every request is answered by now: the current minute's statistics are complete.
        await flushAtShutdown(paymentRecorder, store, clock, logger);
        try {
          await store.close();
        } finally {
          lock?.release();
        }
      })();
      return closing;
    },
  };
}

/**
 * The store a server serves, with its lock: one server per SQLite file, taken before the store is
 * opened, released when the platform closes or the process dies however it dies
 * (store/sqlite/serve-lock.ts). A store the caller passes is its own, with no lock.
 */
async function storeToServe(config: Config, clock: Clock, given: Store | undefined): Promise<{ store: Store; lock: SqliteServeLock | null }> {
  if (given !== undefined) return { store: given, lock: null };
  const lock = servesSqliteFile(config) ? SqliteServeLock.acquire(config.database) : null;
  try {
    return { store: await openStore(config, clock, { serving: true }), lock };
  } catch (error) {
    lock?.release();
    throw error;
  }
}

/** The server's background jobs. */
function startJobs(config: Config, store: Store, clock: Clock, logger: Logger): Job[] {
  return [
    // NEW and PENDING orders never wait forever: past their deadline they fail and holds are released.
    startJob('sweeper', config.sweepIntervalMs, () => store.sweep(), logger),
    // A refund whose request died between its two transactions is finished here, also after a
    // restart. It waits a few seconds first so it does not race a request that is still running.
    startJob('refunds', config.sweepIntervalMs, () => store.finishStaleRefunds(config.refundStaleS * 1000), logger),
    // Expired page sessions and spent sign-in links are deleted (requests refuse them anyway).
    startJob('page-access', PAGE_ACCESS_SWEEP_INTERVAL_MS, () => store.sweepPageAccess(), logger),
    // Signed notifications to merchants, from the outbox; posted outside any transaction.
    startNotificationWorker(config, store, clock, logger),
  ];
}

/**
 * A server needs the master key. In production it comes from MICROPAY_MASTER_KEY, or the start
 * stops here; in sandbox mode a SQLite store may keep a generated one beside its file, with a
 * warning (secrets/sandbox-master-key.ts).
 */
function withMasterKey(config: Config, logger: Logger): Config {
  if (config.masterKey !== null) return config;
  if (!config.sandbox) {
    throw new ConfigError(`${MASTER_KEY_MISSING}: a production server needs the key merchant keys are encrypted under (${MASTER_KEY_HOW_TO})`);
  }
  if (isPostgresUrl(config.database)) {
    throw new ConfigError(`${MASTER_KEY_MISSING}: serve --sandbox generates one only for a SQLite file (it is kept beside the file); set it for PostgreSQL`);
  }
  // An in-memory store dies with the process, and its key with it.
  if (config.database === ':memory:') return { ...config, masterKey: MasterKey.parse(MasterKey.generate()) };
  const { key, created } = sandboxMasterKey(config.database);
  logger.warn(
    { file: sandboxMasterKeyPath(config.database), masterKeyId: key.id },
    created
      ? 'sandbox: MICROPAY_MASTER_KEY is not set, so a master key was generated and stored beside the database (for development only: set MICROPAY_MASTER_KEY in production)'
      : 'sandbox: MICROPAY_MASTER_KEY is not set, so the master key stored beside the database is used (for development only: set MICROPAY_MASTER_KEY in production)',
  );
  return { ...config, masterKey: key };
}

/** Listening failed: which port (and the option that sets it), the system's error as the cause. */
export class ListenError extends Error {
  override name = 'ListenError';

  constructor(readonly port: number, readonly option: '--port' | '--admin-port', host: string, cause: Error) {
    super(`cannot listen on ${host} port ${port}: ${cause.message}`, { cause });
  }
}

function listen(server: Server, port: number, host: string, option: '--port' | '--admin-port'): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    const failed = (error: Error) => reject(new ListenError(port, option, host, error));
    server.once('error', failed);
    server.listen(port, host, () => {
      server.off('error', failed);
      resolve();
    });
  });
}

function urlOf(server: Server, configuredHost: string): string {
  const { port } = server.address() as AddressInfo;
  const host = configuredHost.includes(':') ? `[${configuredHost}]` : configuredHost;
  return `http://${host}:${port}`;
}

function servesSqliteFile(config: Config): boolean {
  return !isPostgresUrl(config.database) && config.database !== ':memory:';
}
