import { configDefaults, defineConfig } from 'vitest/config';
import { availableParallelism } from 'node:os';
import { fileURLToPath } from 'node:url';
import pg from 'pg';

const PG_URL = process.env.MICROPAY_TEST_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';

/** Proofs of the PostgreSQL store with several server processes on one database. */
const POSTGRES_ONLY = ['packages/server/test/**/*.pg.test.ts'];
/** Tests of SQLite's own machinery (its payment thread). Every other file runs on both stores: CI checks it. */
const SQLITE_ONLY = ['packages/*/test/**/*.sqlite.test.ts'];

async function postgresReachable(): Promise<string | null> {
  const client = new pg.Client({ connectionString: PG_URL, connectionTimeoutMillis: 2_000 });
  try {
    await client.connect();
    await client.query('SELECT 1');
    return null;
  } catch (error) {
    return error instanceof Error ? error.message : String(error);
  } finally {
    await client.end().catch(() => undefined);
  }
}

/**
 * One suite, two stores: every test file runs against SQLite, and again against PostgreSQL when
 * it is reachable. Without PostgreSQL the second run is skipped with one line, unless
 * MICROPAY_REQUIRE_POSTGRES=1 (as in CI), which makes it a failure.
 */
export default defineConfig(async () => {
  const unreachable = await postgresReachable();
  if (unreachable !== null) {
    if (process.env.MICROPAY_REQUIRE_POSTGRES === '1') {
      throw new Error(`PostgreSQL is required (MICROPAY_REQUIRE_POSTGRES=1) but ${PG_URL} is not reachable: ${unreachable}`);
    }
    console.log(`PostgreSQL not reachable at ${PG_URL} (${unreachable}): the PostgreSQL run is skipped; set MICROPAY_TEST_PG_URL to run it.`);
  }
  const database = `micropay_test_${process.pid}`;
  // The global setup runs in this process, the tests in workers: both read these.
  process.env.MICROPAY_TEST_PG_URL = PG_URL;
  process.env.MICROPAY_TEST_PG_DATABASE = database;
  return {
    resolve: {
      // Tests run against the TypeScript sources; the built dist is for `npx micropay`. Exact
      // matches: protocol's subpaths (the pages import `@micropay/protocol/fields`) map to their files.
      alias: [
        { find: /^@micropay\/protocol$/, replacement: fileURLToPath(new URL('./packages/protocol/src/index.ts', import.meta.url)) },
        { find: /^@micropay\/protocol\/(audit-actions|errors|fields|offline-code|order-status)$/, replacement: fileURLToPath(new URL('./packages/protocol/src/', import.meta.url)) + '$1.ts' },
        { find: /^@micropay\/client$/, replacement: fileURLToPath(new URL('./packages/client/src/index.ts', import.meta.url)) },
      ],
    },
    test: {
      include: ['packages/*/test/**/*.test.ts'],
      testTimeout: 30_000,
      hookTimeout: 30_000,
      pool: 'forks',
      // The tests mostly wait (on child processes, Chromium, sleeps of the platform's timers), so
      // two files at a time pay even on two cores, where vitest's default (cores - 1) runs one:
      // 109 s -> 88 s on a sample of eight files. More than two on two cores gained little more
      // and loads the machine under the tests that time a few seconds' window.
      maxWorkers: Math.max(2, availableParallelism() - 1),
      projects: [
        {
          extends: true,
          test: {
            name: 'sqlite',
            exclude: [...configDefaults.exclude, ...POSTGRES_ONLY],
            env: { MICROPAY_TEST_STORE: 'sqlite' },
          },
        },
        ...(unreachable === null
          ? [
              {
                extends: true,
                test: {
                  name: 'postgres',
                  include: ['packages/server/test/**/*.test.ts', 'packages/client/test/**/*.test.ts'],
                  exclude: [...configDefaults.exclude, ...SQLITE_ONLY],
                  globalSetup: ['packages/server/test/postgres-setup.ts'],
                  env: { MICROPAY_TEST_STORE: 'postgres', MICROPAY_TEST_PG_URL: PG_URL, MICROPAY_TEST_PG_DATABASE: database },
                },
              },
            ]
          : []),
      ],
    },
  };
});
