import pg from 'pg';

/**
 * Global setup of the PostgreSQL test run: one database for the run, dropped at the end; every
 * test platform creates its own schema in it (see helpers.ts) and migrates it at start, so each
 * test sees an empty, fully migrated store.
 */
export async function setup(): Promise<() => Promise<void>> {
  const base = process.env.MICROPAY_TEST_PG_URL!;
  const database = process.env.MICROPAY_TEST_PG_DATABASE!;
  await run(base, `DROP DATABASE IF EXISTS ${database} WITH (FORCE)`);
  await run(base, `CREATE DATABASE ${database}`);
  return () => run(base, `DROP DATABASE IF EXISTS ${database} WITH (FORCE)`);
}

async function run(url: string, sql: string): Promise<void> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    await client.query(sql);
  } finally {
    await client.end();
  }
}

export function withDatabase(url: string, database: string): string {
  const u = new URL(url);
  u.pathname = `/${database}`;
  return u.toString();
}
