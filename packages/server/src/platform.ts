import { OfflineCodeLimits } from './domain/offline-code-limits.js';
import { setMaxListeners } from 'node:events';
import { perAccount, perAddress, SignInLimits } from './domain/sign-in-limits.js';
import type { Server } from 'node:http';
import { createServer as createNetServer, type AddressInfo, type Server as NetServer } from 'node:net';
import { ConfigError, type Config } from './config.js';
import { systemClock, type Clock } from './domain/clock.js';
import { createAdminServer, opsRoutes } from './http/ops.js';
import { acceptMorePerTurn } from './http/accept-copies.js';
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
import { SqliteServeLock } from './store/sqlite/serve-lock.js';
import type { SchemaUpgrade } from './store/schema-version.js';
import type { Store } from './store/store.js';
import { MASTER_KEY_HOW_TO, MASTER_KEY_MISSING, MasterKey } from './secrets/master-key.js';
import { sandboxMasterKey, sandboxMasterKeyPath } from './secrets/sandbox-master-key.js';
import { isPostgresUrl, openStore, servesSqliteFile } from './store-open.js';

export { isPostgresUrl, openStore, redactUrl, storeExists, StoreUnavailableError, urlHasPassword } from './store-open.js';

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

/**
 * Starts the API on the configured host and port (port 0 picks a free one). On a SQLite file it
 * first takes the file's serve lock, so a second server on the file is refused (StoreInUseError);
 * a caller that passes its own `store` has opened the store itself and answers for that.
 */
export async function startPlatform(config: Config, logger: Logger, options: { clock?: Clock; store?: Store } = {}): Promise<Platform> {
  const clock = options.clock ?? systemClock;
  // A platform that opens its own store looks at its ports first, then finds its master key.
  if (options.store === undefined) config = withMasterKey(await portsAreFree(config), logger);
  const { store, lock } = await storeToServe(config, clock, options.store);
  if (options.store === undefined) logUpgrade(store.schemaUpgrade, logger, config.sandbox);
  // Health and metrics: on the API's port, or with --admin-port on their own listener only.
  const metrics = config.metrics ? new PlatformMetrics(store, logger) : null;
  // The payment statistics stay on with MICROPAY_METRICS=off: the operator's dashboard reads them.
  const paymentRecorder = new PaymentRecorder(clock);
  const routes = opsRoutes(store, metrics, logger, () => drain.draining);
  const codeResults = new CodeResultWatch((codes) => store.payCodeOutcomes(codes), () => clock.nowMs());
  const signInLimits = new SignInLimits(perAddress(config.signInPerAddress), perAccount(config.signInPerAccount));
  const stopping = new AbortController();
  // Every till charge in flight listens to it (up to its confirmation window): more than ten is normal.
  setMaxListeners(0, stopping.signal);
  const ctx = { config, store, clock, logger, codeResults, offlineLimits: new OfflineCodeLimits(), signInLimits, stopping: stopping.signal };
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
    if (config.warmUp) logger.debug({ answers: await warmUpRequestPath(ctx) }, 'request path warmed up');
    await listen(server, config.port, config.host, '--port');
    if (admin !== null) await listen(admin, config.adminPort!, config.host, '--admin-port');
    // Last, as it cannot fail the start: at worst the server accepts as Node.js does alone.
    drain.include(await acceptMorePerTurn(server, config.acceptsPerTurn, logger));
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
        // The wallet pages' waits (long polls) and the tills' charges waiting for the customer answer
        // at once, so the drain is not held for them.
        stopping.abort();
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

/**
 * The migrations this start applied, as the store reports them, in one line of the log: an upgrade
 * is an event the operator looks for. Another process's upgrade, waited for, is not this one's.
 */
function logUpgrade(u: SchemaUpgrade, logger: Logger, sandbox: boolean): void {
  if (u.applied.length === 0) return;
  const fields = { from: u.from, to: Math.max(...u.applied), migrations: u.applied.join(',') };
  if (u.from !== 0) return logger.info(fields, 'schema upgraded');
  // A sandbox's new store is what `npm start` is for.
  if (sandbox) return logger.info(fields, 'schema created');
  // Right at a first start; after that, a store that vanished (an unmounted volume, a mistyped path).
  logger.warn({ ...fields, note: 'a new, empty store: if this server had one before, stop it and check --db or DATABASE_URL' }, 'schema created');
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

function listen(server: NetServer, port: number, host: string, option: '--port' | '--admin-port'): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    const failed = (error: Error) => reject(new ListenError(port, option, host, error));
    server.once('error', failed);
    server.listen(port, host, () => {
      server.off('error', failed);
      resolve();
    });
  });
}

/**
 * A port already taken is refused before the store is opened, so a mistyped or doubled start
 * creates no store, master key or lock file beside the running one. The real listen still decides:
 * the port can be taken between this look and it.
 */
async function portsAreFree(config: Config): Promise<Config> {
  const ports = [[config.port, '--port'], [config.adminPort, '--admin-port']] as const;
  for (const [port, option] of ports) {
    if (port === null || port === 0) continue;
    const probe = createNetServer();
    await listen(probe, port, config.host, option);
    await new Promise<void>((resolve) => probe.close(() => resolve()));
  }
  return config;
}

function urlOf(server: Server, configuredHost: string): string {
  const { port } = server.address() as AddressInfo;
  const host = configuredHost.includes(':') ? `[${configuredHost}]` : configuredHost;
  return `http://${host}:${port}`;
}
