import { afterEach, describe, expect, it } from 'vitest';
import { loadConfig } from '../src/config.js';
import { openStore } from '../src/platform.js';
import { execute } from './db-access.js';
import { startTestPlatform, TEST_STORE, type TestPlatform } from './helpers.js';
import { runCli } from './process-helpers.js';

/** Opening a store: migrations, refusing a newer schema, failing fast on an unreachable database. */
let p: TestPlatform | null = null;
afterEach(async () => {
  await p?.stop();
  p = null;
});

describe('opening a store', () => {
  it('applies the migrations once and records them', async () => {
    p = await startTestPlatform();
    expect(await p.store.schemaVersion()).toBe(1);
    // Several processes opening one database at once: each migration is applied exactly once.
    const config = loadConfig({ db: p.dbPath }, {});
    const stores = await Promise.all([1, 2, 3, 4].map(() => openStore(config)));
    expect(await Promise.all(stores.map((s) => s.schemaVersion()))).toEqual([1, 1, 1, 1]);
    await Promise.all(stores.map((s) => s.close()));
  });

  it('refuses a database whose schema is newer than this code', async () => {
    p = await startTestPlatform();
    await execute(p.store, 'INSERT INTO schema_migrations (version, name, applied_at_ms) VALUES (?, ?, ?)', [99, 'from the future', 0]);
    await expect(openStore(loadConfig({ db: p.dbPath }, {}))).rejects.toThrow(/schema \(version 99\) is newer than this MicroPay \(version 1\)/);
    const cli = await runCli(['merchant', 'list', '--db', p.dbPath]);
    expect(cli.code).toBe(1);
    expect(cli.stderr).toMatch(/newer than this MicroPay/);
  });

  it.runIf(TEST_STORE === 'postgres')('an unreachable PostgreSQL stops the command at once, naming the URL without its password', async () => {
    const started = Date.now();
    const cli = await runCli(['merchant', 'list', '--db', 'postgres://micropay:s3cret@127.0.0.1:1/micropay']);
    expect(cli.code).toBe(1);
    expect(cli.stderr).toMatch(/cannot open the PostgreSQL database postgres:\/\/micropay:\*\*\*\*@127\.0\.0\.1:1\/micropay/);
    expect(cli.stderr).not.toContain('s3cret');
    expect(Date.now() - started).toBeLessThan(10_000);
  });
});
