import { mkdtempSync, realpathSync, rmSync, symlinkSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import Database from 'better-sqlite3';
import { silentLogger } from '../src/log.js';
import { startPlatform } from '../src/platform.js';
import { SqliteServeLock, StoreInUseError } from '../src/store/sqlite/serve-lock.js';
import { postSigned, startTestPlatform, TEST_STORE, type TestPlatform, testConfig } from './helpers.js';
import { cliJson, runCli, startServerProcess, stopAllChildren } from './process-helpers.js';

/** One server per SQLite file (issue 11, item 10), with real `micropay serve` processes. */

function inUse(store: string, pid: number): string {
  return (
    `another MicroPay server (process ${pid} on ${hostname()}) is serving the SQLite store ${store}: ` +
    'a SQLite store takes one server at a time. Stop that server first (admin commands may run beside it), ' +
    'or use PostgreSQL to run several servers'
  );
}

describe.runIf(TEST_STORE === 'sqlite')('one server per SQLite file', () => {
  let dir: string;
  let db: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'micropay-writer-'));
    db = join(dir, 'micropay.db');
  });
  afterEach(async () => {
    await stopAllChildren();
    rmSync(dir, { recursive: true, force: true });
  });

  it('a second serve on the file is refused, naming the file and the server that holds it; the first serves on', async () => {
    const first = await startServerProcess(['--db', db, '--port', '0']);
    const second = await runCli(['serve', '--db', db, '--port', '0']);
    expect(second.code).toBe(1);
    expect(second.stdout).toBe('');
    expect(second.stderr).toContain(inUse(realpathSync(db), first.child.pid!));
    expect(second.stderr.trim().split('\n')).toHaveLength(1);

    // Another spelling of the same file (through a symbolic link to its directory) is the same file.
    const link = join(dir, 'link');
    symlinkSync(dir, link);
    const third = await runCli(['serve', '--db', join(link, 'micropay.db'), '--port', '0']);
    expect(third.code).toBe(1);
    expect(third.stderr).toContain(inUse(realpathSync(db), first.child.pid!));

    // Admin commands still open the store beside the server, and the server sees their work.
    const merchant = await cliJson<{ mchId: string; apiKey: string }>(['merchant', 'create', '--name', 'Beside', '--db', db]);
    expect((await runCli(['merchant', 'list', '--db', db])).code).toBe(0);
    const asked = await postSigned(first.url, 'queryBill', { mchId: merchant.mchId, mchOrderId: 'none-1' }, merchant.apiKey);
    expect(asked.body).toEqual({ code: 1031, msg: 'no merchant related records: no such order for this merchant', data: null });
  });

  it('migrate refuses to upgrade a file a server serves, changing nothing, and lists one that needs nothing; once the server stops, it runs', async () => {
    const serving = await startServerProcess(['--db', db, '--port', '0']);
    // Nothing to upgrade: migrate lists the migrations beside the server.
    expect((await runCli(['migrate', '--db', db])).stdout).toMatch(/^The SQLite schema is at version \d+: nothing to apply\. Applied:/);
    // As a store of the version before: its newest migration not recorded (its work stays, so that
    // the upgrade below can record it without running it again).
    const file = new Database(db);
    const newest = file.prepare('SELECT version, name, applied_at_ms FROM schema_migrations ORDER BY version DESC LIMIT 1').get() as { version: number; name: string; applied_at_ms: number };
    file.prepare('DELETE FROM schema_migrations WHERE version = ?').run(newest.version);
    const refused = await runCli(['migrate', '--db', db]);
    expect([refused.code, refused.stdout]).toEqual([1, '']);
    expect(refused.stderr).toBe(`micropay: a MicroPay server (process ${serving.child.pid!} on ${hostname()}) is serving the SQLite store ${realpathSync(db)}: `
      + 'stop it before upgrading the store, then run micropay migrate again, or start the new server, which upgrades it (docs/operations.md#migrations)\n');
    expect(file.prepare('SELECT MAX(version) AS v FROM schema_migrations').get()).toEqual({ v: newest.version - 1 });
    serving.child.kill('SIGTERM');
    expect(await serving.exited).toEqual({ code: 0, signal: null });
    file.prepare('INSERT INTO schema_migrations (version, name, applied_at_ms) VALUES (?, ?, ?)').run(newest.version, newest.name, newest.applied_at_ms);
    file.close();
    const upgraded = await runCli(['migrate', '--db', db]);
    expect([upgraded.code, upgraded.stderr]).toEqual([0, '']);
    // Its lock went with it: a server starts after it.
    expect((await startServerProcess(['--db', db, '--port', '0'])).url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
  });

  it('the lock goes with its process, even killed with SIGKILL: the next server starts', async () => {
    const first = await startServerProcess(['--db', db, '--port', '0']);
    first.child.kill('SIGKILL');
    expect((await first.exited).signal).toBe('SIGKILL');

    const next = await startServerProcess(['--db', db, '--port', '0']);
    const refused = await runCli(['serve', '--db', db, '--port', '0']);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain(inUse(realpathSync(db), next.child.pid!));

    next.child.kill('SIGTERM');
    expect(await next.exited).toEqual({ code: 0, signal: null });
    const after = await startServerProcess(['--db', db, '--port', '0']);
    expect(after.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
  });

  it('a server started while micropay migrate upgrades the file is told to wait for the upgrade; a lock file of an older version is taken', async () => {
    // The lock as `migrate` holds it for an upgrade (cli/main.ts), in this process.
    const store = join(realpathSync(dir), 'micropay.db');
    const upgrading = SqliteServeLock.acquire(db, 'upgrading');
    const refused = await runCli(['serve', '--db', db, '--port', '0']);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain(`micropay migrate (process ${process.pid} on ${hostname()}) is upgrading the SQLite store ${store}: start the server when it has finished`);
    upgrading.release();
    // An older version wrote its holder without saying what it held the lock for: a server.
    const old = new Database(`${store}-serve.lock`);
    old.exec('DROP TABLE holder; CREATE TABLE holder (pid INTEGER NOT NULL, host TEXT NOT NULL); INSERT INTO holder VALUES (4242, \'old-host\'); BEGIN IMMEDIATE');
    const beside = await runCli(['serve', '--db', db, '--port', '0']);
    expect(beside.stderr).toContain(inUse(store, 4242).replace(hostname(), 'old-host'));
    old.exec('ROLLBACK');
    old.close();
    const taken = SqliteServeLock.acquire(db);
    taken.release();
    // Rolled back to the older version: it writes its holder as it always did, pid and host alone.
    const rolledBack = new Database(`${store}-serve.lock`);
    rolledBack.exec("DELETE FROM holder; INSERT INTO holder (pid, host) VALUES (4243, 'old-host')");
    expect(rolledBack.prepare('SELECT holding FROM holder').get()).toEqual({ holding: 'serving' });
    rolledBack.close();
  });

  it('a platform started in this process holds the file until it closes', async () => {
    const config = testConfig({ db, port: '0', host: '127.0.0.1' }, {});
    const first = await startPlatform(config, silentLogger);
    const refused = startPlatform(config, silentLogger);
    await expect(refused).rejects.toBeInstanceOf(StoreInUseError);
    await expect(refused).rejects.toThrow(inUse(realpathSync(db), process.pid));
    await first.close();
    const next = await startPlatform(config, silentLogger);
    await next.close();
  });
});

describe.runIf(TEST_STORE === 'postgres')('several servers on one PostgreSQL database', () => {
  let p: TestPlatform | null = null;
  afterEach(async () => {
    await p?.stop();
    p = null;
  });

  it('are all allowed', async () => {
    p = await startTestPlatform();
    const second = await startPlatform(testConfig({ db: p.dbPath, port: '0', host: '127.0.0.1' }, {}), silentLogger);
    expect(second.url).not.toBe(p.url);
    await second.close();
  });
});
