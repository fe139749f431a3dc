import { afterEach, describe, expect, it } from 'vitest';
import { silentLogger } from '../src/log.js';
import { openStore, startPlatform, type Platform } from '../src/platform.js';
import { execute } from './db-access.js';
import { startTestPlatform, TEST_STORE, type TestPlatform, testConfig } from './helpers.js';

/**
 * `GET /health/live` and `GET /health/ready`, what a load balancer and an orchestrator probe
 * (docs/operations.md, "Health"). Ready: the store answers, the SQLite payment thread answers, and
 * the schema is the one this code was written for; otherwise 503 naming the failing checks.
 */
let p: TestPlatform | null = null;
afterEach(async () => {
  await p?.stop();
  p = null;
});

interface ReadyBody {
  status: string;
  failing: string[];
  checks: Record<string, { status: string; detail?: string }>;
}

async function ready(url: string): Promise<{ status: number; body: ReadyBody }> {
  const res = await fetch(`${url}/health/ready`);
  return { status: res.status, body: (await res.json()) as ReadyBody };
}

describe('health', () => {
  it('live answers 200 as long as the process answers, to GET and HEAD; other methods get 405', async () => {
    p = await startTestPlatform();
    const res = await fetch(`${p.url}/health/live`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('application/json; charset=utf-8');
    expect(res.headers.get('cache-control')).toBe('no-store');
    expect(await res.json()).toEqual({ status: 'live' });
    expect((await fetch(`${p.url}/health/live`, { method: 'HEAD' })).status).toBe(200);
    const post = await fetch(`${p.url}/health/ready`, { method: 'POST', body: '{}' });
    expect(post.status).toBe(405);
    expect(post.headers.get('allow')).toBe('GET, HEAD');
    expect(await post.json()).toMatchObject({ code: 9102 });
  });

  it('a fresh platform is ready: the store answers, the payment thread answers (SQLite), the schema is current', async () => {
    p = await startTestPlatform();
    const { status, body } = await ready(p.url);
    expect(status).toBe(200);
    const version = await p.store.schemaVersion();
    expect(version).toBe(p.store.codeSchemaVersion);
    expect(body).toEqual({
      status: 'ready',
      failing: [],
      checks: {
        store: { status: 'ok' },
        ...(TEST_STORE === 'sqlite' ? { paymentThread: { status: 'ok' } } : {}),
        migrations: { status: 'ok', detail: `schema version ${version}` },
      },
    });
  });

  it('a schema newer than the code (a newer MicroPay migrated the database) is not ready, naming migrations', async () => {
    p = await startTestPlatform();
    const newer = p.store.codeSchemaVersion + 1;
    await execute(p.store, 'INSERT INTO schema_migrations (version, name, applied_at_ms) VALUES (?, ?, ?)', [newer, 'from the future', Date.now()]);
    const { status, body } = await ready(p.url);
    expect(status).toBe(503);
    expect(body.status).toBe('not ready');
    expect(body.failing).toEqual(['migrations']);
    expect(body.checks.migrations!.detail).toContain(`schema version ${newer}, newer than this MicroPay (${newer - 1})`);
    // Rolled back to the code's schema: ready again.
    await execute(p.store, 'DELETE FROM schema_migrations WHERE version = ?', [newer]);
    expect((await ready(p.url)).status).toBe(200);
  });

  it('a closed store is not ready, naming the store (and the stopped payment thread on SQLite); live still answers', async () => {
    p = await startTestPlatform();
    // A second platform on the same database with a store of its own, which the test closes
    // under it. The store is opened as a server opens it (on SQLite: with its payment thread).
    const store = await openStore(testConfig({ db: p.dbPath }, {}), undefined, { serving: true });
    const other: Platform = await startPlatform(testConfig({ db: p.dbPath, port: '0', host: '127.0.0.1' }, {}), silentLogger, { store });
    try {
      expect((await ready(other.url)).status).toBe(200);
      await store.close();
      const { status, body } = await ready(other.url);
      expect(status).toBe(503);
      expect(body.failing).toEqual(TEST_STORE === 'sqlite' ? ['store', 'paymentThread'] : ['store']);
      expect(body.checks.store).toEqual({ status: 'failed', detail: 'the query failed (the log has the error)' });
      expect(body.checks.migrations).toEqual({ status: 'skipped', detail: 'the store did not answer' });
      if (TEST_STORE === 'sqlite') expect(body.checks.paymentThread!.detail).toMatch(/^stopped/);
      // No error text reaches the answer: the port may be public.
      expect(JSON.stringify(body)).not.toMatch(/pool|connection|database is|not open/i);
      expect((await fetch(`${other.url}/health/live`)).status).toBe(200);
    } finally {
      // The store is closed already: closing it again may throw on PostgreSQL.
      await other.close().catch(() => undefined);
    }
  });
});
