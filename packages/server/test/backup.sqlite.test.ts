import { spawn } from 'node:child_process';
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it, vi } from 'vitest';
import Database from 'better-sqlite3';
import { backupSqlite } from '../src/store/sqlite/backup.js';
import { emptyTestDatabase, micropayParams, postSigned, seedMerchantWithCodes } from './helpers.js';
import { runCli, startServerProcess, stopAllChildren } from './process-helpers.js';

/**
 * `micropay backup --to FILE` (docs/operations.md, "Backups"): a consistent copy of a SQLite store
 * taken by another process while a real server is paying, through SQLite's online backup API. The
 * copy is restored by serving it: the audit is clean and every order acknowledged before the
 * backup started is in it, PAID, with the merchant's key still working (the master key is apart).
 * SQLite only: PostgreSQL's backups are pg_dump and continuous archiving.
 */
const cleanup: (() => Promise<void>)[] = [];
afterEach(async () => {
  await stopAllChildren();
  for (const step of cleanup.splice(0).reverse()) await step();
});

/** Payment codes ready; the load stops a little after the backup is done (or when they run out). */
const PAYMENTS = 500;
const CONCURRENCY = 12;
/** The backup starts once this many payments were acknowledged. */
const BACKUP_AFTER = 100;

const seed = (db: string, wallets: number) => seedMerchantWithCodes(db, { name: 'Backup Car Park', wallets, openingSen: 5_00 });

describe('micropay backup', () => {
  it('copies the live store mid-load; the restored copy audits clean and holds every order acknowledged before it started', async () => {
    const db = await emptyTestDatabase();
    cleanup.push(db.drop);
    const { merchant, codes } = await seed(db.dbPath, PAYMENTS);
    const server = await startServerProcess(['--port', '0', '--db', db.dbPath], { lifetimeMs: 60_000 });
    const backupFile = join(db.dbPath, '..', 'backup.db');
    // A long reader (a report, say) keeps its snapshot through the load, so the server's checkpoints
    // cannot move the new commits into the main file: they are in the WAL only, where a plain copy
    // of the file would miss every one of them.
    const reader = new Database(db.dbPath, { readonly: true });
    cleanup.push(async () => reader.close());
    reader.prepare('BEGIN').run();
    expect(reader.prepare('SELECT COUNT(*) AS n FROM orders').get()).toEqual({ n: 0 });

    /** Each acknowledged (PAID) payment's order id and when its answer arrived. */
    const acknowledged: { orderId: string; atMs: number }[] = [];
    let ackedBeforeBackup: string[] | null = null;
    let backup: ReturnType<typeof runCli> | null = null;
    let ackedWhenBackupDone = 0;
    let next = 0;
    const worker = async () => {
      while (next < codes.length && !(ackedWhenBackupDone > 0 && acknowledged.length >= ackedWhenBackupDone + 30)) {
        const i = next++;
        const orderId = `bk-${i}`;
        const r = await postSigned(server.url, 'micropay', micropayParams(merchant, orderId, '1.00', codes[i]!), merchant.key);
        expect(r.body.code).toBe(0);
        acknowledged.push({ orderId, atMs: Date.now() });
        if (acknowledged.length === BACKUP_AFTER && backup === null) {
          // Every order acknowledged so far; the backup process starts after this line.
          ackedBeforeBackup = acknowledged.map((a) => a.orderId);
          backup = runCli(['backup', '--to', backupFile, '--db', db.dbPath, '--json'], { timeoutMs: 30_000 });
          void backup.then(() => (ackedWhenBackupDone = acknowledged.length));
        }
      }
    };
    await Promise.all(Array.from({ length: CONCURRENCY }, worker));
    const done = await backup!;
    reader.prepare('COMMIT').run();
    expect(done.code, done.stderr).toBe(0);
    const report = JSON.parse(done.stdout) as { file: string; schemaVersion: number; pages: number; startedAtMs: string };
    expect(report).toMatchObject({ file: backupFile, schemaVersion: expect.any(Number) });
    expect(existsSync(`${backupFile}.partial`)).toBe(false);
    expect(ackedBeforeBackup).toHaveLength(BACKUP_AFTER);
    // The server went on paying while the copy was taken, and after.
    expect(ackedWhenBackupDone).toBeGreaterThan(BACKUP_AFTER);
    expect(acknowledged.length).toBeGreaterThan(ackedWhenBackupDone);
    server.child.kill('SIGTERM');
    await server.exited;
    expect(server.stderr()).not.toContain('"level":"error"');

    // Restore: serve the copy, as an operator who lost the original would.
    const audit = await runCli(['audit', '--db', backupFile]);
    expect(audit.code, audit.stdout + audit.stderr).toBe(0);
    expect(audit.stdout).toMatch(/Audit clean: \d+ journal entries/);
    const restored = await startServerProcess(['--port', '0', '--db', backupFile]);
    // Every order acknowledged before the backup process began its copy (its clock, this machine's)
    // is there: a plain copy of the file would miss those still in the WAL.
    const beforeCopy = acknowledged.filter((a) => a.atMs < Number(report.startedAtMs)).map((a) => a.orderId);
    expect(beforeCopy).toEqual(expect.arrayContaining(ackedBeforeBackup!));
    for (const mchOrderId of beforeCopy) {
      const q = await postSigned(restored.url, 'queryBill', { mchId: merchant.mchId, mchOrderId }, merchant.key);
      expect([mchOrderId, q.body.code, q.body.data?.tradeStatus, q.body.data?.amount]).toEqual([mchOrderId, 0, 'PAID', '1.00']);
    }
    // The copy is of one moment: orders after it are simply absent, never half there.
    const inCopy = await runCli(['audit', '--db', backupFile, '--json']);
    const totals = (JSON.parse(inCopy.stdout) as { totals: { orders: number } }).totals;
    expect(totals.orders).toBeGreaterThanOrEqual(BACKUP_AFTER);
    expect(totals.orders).toBeLessThanOrEqual(ackedWhenBackupDone + CONCURRENCY);
    console.log(`backup: started after ${BACKUP_AFTER} acknowledged payments, done after ${ackedWhenBackupDone}, load stopped at ${acknowledged.length}; ${beforeCopy.length} before the copy began; the copy holds ${totals.orders} orders`);
  }, 90_000);

  it('finishes in one step while another process grows the store without pause', async () => {
    const db = await emptyTestDatabase();
    cleanup.push(db.drop);
    await seed(db.dbPath, 0);
    // Another connection commits a few new pages every millisecond or so, for at most 8 s: a copy
    // taken in steps restarts after each of its commits and would end only when it stops.
    const script = `
      const db = new (require('better-sqlite3'))(process.argv[1]);
      db.pragma('busy_timeout = 5000');
      db.exec('CREATE TABLE IF NOT EXISTS growth (blob BLOB)');
      const insert = db.prepare('INSERT INTO growth VALUES (?)');
      const until = Date.now() + 8000;
      let n = 0;
      while (Date.now() < until) {
        insert.run(Buffer.alloc(9000, n % 251));
        if (++n === 50) process.stdout.write('writing\\n');
        Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 1);
      }`;
    const writer = spawn(process.execPath, ['-e', script, db.dbPath], { cwd: fileURLToPath(new URL('..', import.meta.url)), stdio: ['ignore', 'pipe', 'inherit'] });
    const exited = new Promise<number | null>((r) => writer.once('exit', (code) => r(code)));
    cleanup.push(async () => {
      writer.kill();
      await exited;
    });
    await new Promise<void>((resolve, reject) => {
      writer.stdout.once('data', () => resolve());
      writer.once('exit', () => reject(new Error('the writer stopped before writing')));
    });
    // What the backup asks of each step, seen from better-sqlite3's side.
    const asked: number[] = [];
    const backupOf = Database.prototype.backup;
    const spy = vi.spyOn(Database.prototype, 'backup').mockImplementation(function (this: Database.Database, file, options) {
      const progress = options?.progress;
      return backupOf.call(this, file, { ...options, progress: (info) => { const n = progress!(info); asked.push(n); return n; } });
    });
    cleanup.push(async () => spy.mockRestore());
    const to = join(db.dbPath, '..', 'under-growth.db');
    const backup = await backupSqlite(db.dbPath, to, () => Date.now());
    // Done while the writer still writes: it did not wait for a quiet moment.
    expect(writer.exitCode).toBeNull();
    // One step after the first (which copies nothing), asking for more pages than the store has even
    // now: a step that asked for the count seen before would fall short of a growing store.
    const now = new Database(db.dbPath, { readonly: true });
    const pagesNow = now.pragma('page_count', { simple: true }) as number;
    now.close();
    expect(asked).toHaveLength(1);
    expect(asked[0]).toBeGreaterThan(pagesNow);
    expect(existsSync(`${to}.partial`)).toBe(false);
    const copy = new Database(to, { readonly: true });
    try {
      expect((copy.prepare('SELECT COUNT(*) AS n FROM growth').get() as { n: number }).n).toBeGreaterThanOrEqual(50);
    } finally {
      copy.close();
    }
    expect(backup.pages).toBeGreaterThan(0);
  });

  it('refuses a FILE.partial that exists (another backup may be writing it), and leaves it', async () => {
    const db = await emptyTestDatabase();
    cleanup.push(db.drop);
    await seed(db.dbPath, 0);
    const to = join(db.dbPath, '..', 'busy.db');
    writeFileSync(`${to}.partial`, 'another backup under way');
    const run = await runCli(['backup', '--to', to, '--db', db.dbPath]);
    expect([run.code, run.stderr]).toEqual([1, `micropay: ${to}.partial exists: another backup may be writing it (remove it if none is)\n`]);
    expect(existsSync(to)).toBe(false);
    expect(existsSync(`${to}.partial`)).toBe(true);
  });

  it('refuses to overwrite a file, a missing store, and PostgreSQL (pointing to pg_dump)', async () => {
    const db = await emptyTestDatabase();
    cleanup.push(db.drop);
    await seed(db.dbPath, 0);
    const taken = join(db.dbPath, '..', 'taken.db');
    writeFileSync(taken, 'not a backup');
    const overwrite = await runCli(['backup', '--to', taken, '--db', db.dbPath]);
    expect([overwrite.code, overwrite.stderr]).toEqual([1, `micropay: ${taken} exists already: back up to a new file\n`]);
    const nowhere = join(db.dbPath, '..', 'no-such-folder', 'sub');
    const missingFolder = await runCli(['backup', '--to', join(nowhere, 'b.db'), '--db', db.dbPath]);
    expect([missingFolder.code, missingFolder.stderr]).toEqual([1, `micropay: ${nowhere} does not exist: create the folder first, or back up elsewhere\n`]);
    const none = await runCli(['backup', '--to', join(db.dbPath, '..', 'x.db'), '--db', join(db.dbPath, '..', 'nothing.db')]);
    expect(none.code).toBe(1);
    expect(none.stderr).toMatch(/^micropay: no store at .*nothing\.db: check --db or DATABASE_URL\n$/);
    const postgres = await runCli(['backup', '--to', 'x.dump', '--db', 'postgres://postgres@127.0.0.1:5432/micropay']);
    expect([postgres.code, postgres.stderr]).toEqual([
      1,
      'micropay: backup copies a SQLite store; for PostgreSQL use pg_dump, or continuous archiving for point-in-time recovery (docs/operations.md#backups)\n',
    ]);
  });
});
