import { Secret } from '@micropay/protocol';
import { afterEach, describe, expect, it } from 'vitest';
import { newApiKey } from '../src/domain/ids.js';
import { STORE_READ_LIMIT_MS } from '../src/ops/metrics.js';
import { execute } from './db-access.js';
import {
  createMerchant,
  createWalletWithCode,
  micropayParams,
  postSigned,
  startTestPlatform,
  TEST_STORE,
  type TestMerchant,
  type TestPlatform,
} from './helpers.js';

/**
 * `GET /metrics` (Prometheus text, prom-client): scraped after real payments, its figures must
 * be what happened. docs/operations.md lists every metric.
 */
let p: TestPlatform | null = null;
afterEach(async () => {
  await p?.stop();
  p = null;
});

/** One sample of the exposition: `name{a="x",b="y"} value`, matched on the labels given. */
function sample(text: string, name: string, labels: Record<string, string> = {}): number | undefined {
  for (const line of text.split('\n')) {
    const m = /^([a-z_:]+)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (m === null || m[1] !== name) continue;
    const have = Object.fromEntries([...(m[2] ?? '').matchAll(/(\w+)="([^"]*)"/g)].map((l) => [l[1]!, l[2]!]));
    if (Object.entries(labels).every(([k, v]) => have[k] === v)) return Number(m[3]);
  }
  return undefined;
}

async function scrape(url: string): Promise<string> {
  const res = await fetch(`${url}/metrics`);
  expect(res.status).toBe(200);
  expect(res.headers.get('content-type')).toBe('text/plain; version=0.0.4; charset=utf-8');
  return res.text();
}

async function payOnce(platform: TestPlatform, m: TestMerchant, order: string, amount: string, balanceSen = 100_00) {
  const { payCode } = await createWalletWithCode(platform, balanceSen);
  return postSigned(platform.url, 'micropay', micropayParams(m, order, amount, payCode), m.key);
}

describe('GET /metrics', () => {
  it('counts requests by endpoint and result code, times payments, and sizes and times group commits', async () => {
    // No notification is attempted during the test: the worker's first run finds nothing due.
    p = await startTestPlatform({ MICROPAY_NOTIFY_INTERVAL_MS: '600000' });
    const m = await createMerchant(p);
    const paid = await Promise.all([1, 2, 3, 4, 5].map((i) => payOnce(p!, m, `paid-${i}`, '1.00')));
    expect(paid.map((r) => r.body.code)).toEqual([0, 0, 0, 0, 0]);
    expect((await payOnce(p, m, 'poor-1', '5.00', 1_00)).body.code).toBe(1028);
    expect((await postSigned(p.url, 'micropay', micropayParams(m, 'bad-sig', '1.00', '391234567890123456'), 'x'.repeat(32))).body.code).toBe(1035);
    expect((await postSigned(p.url, 'queryBill', { mchId: m.mchId, mchOrderId: 'paid-1' }, m.key)).body.code).toBe(0);
    expect((await fetch(`${p.url}/no/such/path`)).status).toBe(404);

    const text = await scrape(p.url);
    const requests = (endpoint: string, code: string) => sample(text, 'micropay_http_requests_total', { endpoint, code });
    expect(requests('/api/micropay/micropay', '0')).toBe(5);
    expect(requests('/api/micropay/micropay', '1028')).toBe(1);
    expect(requests('/api/micropay/micropay', '1035')).toBe(1);
    expect(requests('/api/micropay/queryBill', '0')).toBe(1);
    // Unknown paths share one name, so a scanner cannot blow up the number of series.
    expect(requests('other', '9101')).toBe(1);
    expect(text).not.toContain('/no/such/path');

    // Every payment request is timed, refusals included; nothing else is.
    expect(sample(text, 'micropay_payment_duration_seconds_count')).toBe(7);
    expect(sample(text, 'micropay_payment_duration_seconds_sum')).toBeGreaterThan(0);
    expect(sample(text, 'micropay_payment_duration_seconds_bucket', { le: '+Inf' })).toBe(7);

    // The six payments that reached the store (the bad signature did not) were group-committed.
    const batches = sample(text, 'micropay_group_commit_payments_count')!;
    expect(sample(text, 'micropay_group_commit_payments_sum')).toBe(6);
    expect(batches).toBeGreaterThanOrEqual(1);
    expect(batches).toBeLessThanOrEqual(6);
    expect(sample(text, 'micropay_group_commit_duration_seconds_count')).toBe(batches);
    expect(sample(text, 'micropay_group_commit_duration_seconds_sum')).toBeGreaterThan(0);

    // The process's own metrics. CPU time is counted from the registry's start in ticks of the
    // kernel's clock, so a short, busy stretch may still read 0: it is there, not necessarily above 0.
    expect(sample(text, 'process_cpu_user_seconds_total')).toBeGreaterThanOrEqual(0);
    expect(sample(text, 'nodejs_eventloop_lag_seconds')).toBeGreaterThanOrEqual(0);
    expect(sample(text, 'process_resident_memory_bytes')).toBeGreaterThan(0);

    // The next scrape counts the first one.
    expect(sample(await scrape(p.url), 'micropay_http_requests_total', { endpoint: '/metrics', code: '200' })).toBe(1);
  });

  it('reads the notification backlog from the store at each scrape: pending and dead', async () => {
    p = await startTestPlatform({ MICROPAY_NOTIFY_INTERVAL_MS: '600000' });
    expect(sample(await scrape(p.url), 'micropay_notifications', { status: 'pending' })).toBe(0);
    const key = newApiKey();
    const created = await p.store.createMerchant({ name: 'Notified', apiKey: new Secret(key), notifyUrl: 'http://127.0.0.1:9/notify' });
    const m = { mchId: created.mchId, key, name: created.name };
    for (const i of [1, 2, 3]) expect((await payOnce(p, m, `n-${i}`, '1.00')).body.code).toBe(0);
    let text = await scrape(p.url);
    expect(sample(text, 'micropay_notifications', { status: 'pending' })).toBe(3);
    expect(sample(text, 'micropay_notifications', { status: 'dead' })).toBe(0);
    // One gives up (as after its last attempt): it is counted dead, no longer pending.
    await execute(p.store, `UPDATE notifications SET status = 'dead' WHERE notification_id = (SELECT MIN(notification_id) FROM notifications)`);
    text = await scrape(p.url);
    expect(sample(text, 'micropay_notifications', { status: 'pending' })).toBe(2);
    expect(sample(text, 'micropay_notifications', { status: 'dead' })).toBe(1);
    expect(sample(text, 'micropay_store_up')).toBe(1);
    // The store does not answer the read (its table gone for a while): the outage is a figure of
    // its own, and the backlog has none rather than a stale one.
    await execute(p.store, 'ALTER TABLE notifications RENAME TO notifications_away');
    text = await scrape(p.url);
    expect([sample(text, 'micropay_store_up'), sample(text, 'micropay_notifications', { status: 'dead' })]).toEqual([0, undefined]);
    await execute(p.store, 'ALTER TABLE notifications_away RENAME TO notifications');
    text = await scrape(p.url);
    expect([sample(text, 'micropay_store_up'), sample(text, 'micropay_notifications', { status: 'dead' })]).toEqual([1, 1]);
  });

  it.runIf(TEST_STORE === 'postgres')('answers micropay_store_up 0 within its limit when PostgreSQL does not answer the read (a lock held), then 1', async () => {
    p = await startTestPlatform();
    const pool = (p.store as unknown as { pool: { connect(): Promise<{ query(sql: string): Promise<unknown>; release(): void }> } }).pool;
    const holder = await pool.connect();
    try {
      await holder.query('BEGIN');
      await holder.query('LOCK TABLE notifications IN ACCESS EXCLUSIVE MODE');
      const started = performance.now();
      const text = await scrape(p.url);
      // The scrape answered, at the limit (2 s), long before PostgreSQL's own statement timeout.
      expect(performance.now() - started).toBeLessThan(STORE_READ_LIMIT_MS + 3_000);
      expect([sample(text, 'micropay_store_up'), sample(text, 'micropay_notifications', { status: 'pending' })]).toEqual([0, undefined]);
    } finally {
      await holder.query('ROLLBACK');
      holder.release();
    }
    expect(sample(await scrape(p.url), 'micropay_store_up')).toBe(1);
  });

  it('shows the PostgreSQL pool of the process (PostgreSQL only; SQLite has none)', async () => {
    p = await startTestPlatform();
    const text = await scrape(p.url);
    if (TEST_STORE === 'sqlite') {
      expect(text).not.toContain('micropay_pg_pool');
      return;
    }
    expect(sample(text, 'micropay_pg_pool_connections', { state: 'idle' })).toBeGreaterThanOrEqual(1);
    expect(sample(text, 'micropay_pg_pool_waiting')).toBe(0);
    // Three connections taken from the process's pool show as in use while they are held.
    const pool = (p.store as unknown as { pool: { connect(): Promise<{ release(): void }> } }).pool;
    const held = await Promise.all([1, 2, 3].map(() => pool.connect()));
    try {
      expect(sample(await scrape(p.url), 'micropay_pg_pool_connections', { state: 'in_use' })).toBeGreaterThanOrEqual(3);
    } finally {
      for (const c of held) c.release();
    }
  });

  it('MICROPAY_METRICS=off serves no /metrics (an unknown path) and keeps health', async () => {
    p = await startTestPlatform({ MICROPAY_METRICS: 'off' });
    const m = await createMerchant(p);
    expect((await payOnce(p, m, 'off-1', '1.00')).body.code).toBe(0);
    const res = await fetch(`${p.url}/metrics`);
    expect(res.status).toBe(404);
    expect(await res.json()).toMatchObject({ code: 9101 });
    expect((await fetch(`${p.url}/health/ready`)).status).toBe(200);
  });
});
