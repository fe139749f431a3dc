import pg from 'pg';
import { afterEach, describe, expect, it } from 'vitest';
import type { PgStore } from '../src/store/postgres/pg-store.js';
import { sql } from './db-access.js';
import { createMerchant, createWalletWithCode, micropayParams, postSigned, startTestPlatform, type TestPlatform } from './helpers.js';
import { startServerProcess, stopAllChildren } from './process-helpers.js';

/**
 * PostgreSQL ends a connection (a restart, a failover, an operator's pg_terminate_backend) while
 * the server uses it: the statement or transaction on it fails, the process goes on, and the pool
 * opens another. A connection ended between two statements of a transaction told its error to no
 * listener, and Node ended the process: under traffic, every server of the platform at once.
 * (PostgreSQL run only.)
 */
let p: TestPlatform | null = null;
afterEach(async () => {
  await stopAllChildren();
  await p?.stop();
  p = null;
});

/**
 * Ends the connections of one program (its `application_name`), or one backend, as
 * `pg_terminate_backend` from psql would: only the test's own, since the other test files share
 * the database (a schema each) and run beside it.
 */
async function endConnections(url: string, which: { applicationName: string } | { pid: number }): Promise<number> {
  const admin = new pg.Client({ connectionString: url });
  await admin.connect();
  try {
    const { rows } = 'pid' in which
      ? await admin.query('SELECT pg_terminate_backend($1) AS ended', [which.pid])
      : await admin.query('SELECT pg_terminate_backend(pid) AS ended FROM pg_stat_activity WHERE application_name = $1', [which.applicationName]);
    return rows.length;
  } finally {
    await admin.end();
  }
}

/** The database's URL, its connections named `name`. */
function named(url: string, name: string): string {
  return `${url}${url.includes('?') ? '&' : '?'}application_name=${name}`;
}

describe('a connection PostgreSQL ends while the server uses it', () => {
  it('between two statements of a transaction: the transaction fails, the process goes on, the next one runs', async () => {
    p = await startTestPlatform();
    const store = p.store as unknown as PgStore;
    const failed = await store
      .transaction(async (c) => {
        const { rows } = await c.query<{ pid: number }>('SELECT pg_backend_pid() AS pid');
        await endConnections(p!.dbPath, { pid: rows[0]!.pid });
        // The error arrives while the connection is checked out and idle in the transaction.
        await new Promise((r) => setTimeout(r, 300));
        await c.query('SELECT 1');
      })
      .catch((e: Error) => e);
    expect(failed).toBeInstanceOf(Error);
    expect(await store.transaction(async (c) => (await c.query('SELECT 1 AS one')).rows[0])).toEqual({ one: 1 });
  });

  it('under traffic on a served process: it keeps serving, and nothing answered PAID is missing', async () => {
    p = await startTestPlatform();
    const m = await createMerchant(p);
    const applicationName = `micropay-drop-${process.pid}`;
    const server = await startServerProcess(['--db', named(p.dbPath, applicationName), '--port', '0'], { env: { MICROPAY_PG_POOL_SIZE: '4' }, lifetimeMs: 60_000 });
    const codes = await Promise.all(Array.from({ length: 4 * 80 }, (_, i) => createWalletWithCode(p!, 10_00, `W${i}`)));
    const answers = new Map<string, number>();
    let running = true;
    const lane = async (lane: number) => {
      for (let i = 0; running && i < 80; i++) {
        const id = `drop-${lane}-${i}`;
        const res = await postSigned(server.url, 'micropay', micropayParams(m, id, '1.00', codes[lane * 80 + i]!.payCode), m.key).catch(() => null);
        answers.set(id, res?.body.code ?? -1);
      }
    };
    const lanes = [0, 1, 2, 3].map(lane);
    for (let round = 0; round < 3; round++) {
      await new Promise((r) => setTimeout(r, 400));
      expect(await endConnections(p.dbPath, { applicationName })).toBeGreaterThan(0);
    }
    await new Promise((r) => setTimeout(r, 400));
    running = false;
    await Promise.all(lanes);
    expect(server.child.exitCode, server.stderr()).toBeNull();
    // Still serving: a payment after the drops is PAID.
    const { payCode } = await createWalletWithCode(p, 10_00, 'After');
    expect((await postSigned(server.url, 'micropay', micropayParams(m, 'after-drops', '1.00', payCode), m.key)).body.code).toBe(0);
    const paid = [...answers].filter(([, code]) => code === 0).map(([id]) => id);
    expect(paid.length).toBeGreaterThan(0);
    const rows = await sql<{ mch_order_id: string }>(p.store, "SELECT mch_order_id FROM orders WHERE status = 'PAID'");
    const inStore = new Set(rows.map((r) => r.mch_order_id));
    expect(paid.filter((id) => !inStore.has(id))).toEqual([]);
    expect((await p.store.audit()).ok).toBe(true);
  });
});
