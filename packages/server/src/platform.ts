import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { ConfigError, type Config } from './config.js';
import { systemClock, type Clock } from './domain/clock.js';
import { createHttpServer } from './http/server.js';
import { startJob, type Job } from './jobs.js';
import type { Logger } from './log.js';
import { SqliteStore } from './store/sqlite/sqlite-store.js';
import type { Store } from './store/store.js';

export interface Platform {
  readonly url: string;
  readonly store: Store;
  readonly server: Server;
  close(): Promise<void>;
}

export function isPostgresUrl(database: string): boolean {
  return /^postgres(ql)?:\/\//i.test(database);
}

/** Opens the store the configuration names: a postgres:// URL or a SQLite file path. */
export function openStore(config: Config, clock: Clock = systemClock): Store {
  if (isPostgresUrl(config.database)) {
    throw new ConfigError('DATABASE_URL: this version stores data in SQLite only; give a file path');
  }
  return new SqliteStore(config.database, {
    clock,
    timeZone: config.timeZone,
    policy: { confirmLimitSen: config.confirmLimitSen, confirmTimeoutMs: config.confirmTimeoutS * 1000 },
    newOrderTimeoutMs: config.newOrderTimeoutS * 1000,
  });
}

/** Starts the API on the configured host and port (port 0 picks a free one). */
export async function startPlatform(
  config: Config,
  logger: Logger,
  options: { clock?: Clock; store?: Store } = {},
): Promise<Platform> {
  const clock = options.clock ?? systemClock;
  const store = options.store ?? openStore(config, clock);
  const server = createHttpServer({ config, store, clock, logger });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(config.port, config.host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const jobs: Job[] = [
    // NEW and PENDING orders never wait forever: past their deadline they fail and holds are released.
    startJob('sweeper', config.sweepIntervalMs, () => store.sweep(), logger),
  ];
  const { port } = server.address() as AddressInfo;
  const host = config.host.includes(':') ? `[${config.host}]` : config.host;
  return {
    url: `http://${host}:${port}`,
    store,
    server,
    async close() {
      await Promise.all(jobs.map((job) => job.stop()));
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeIdleConnections();
      });
      await store.close();
    },
  };
}
