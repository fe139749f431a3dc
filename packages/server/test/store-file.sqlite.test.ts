import { copyFileSync, existsSync, mkdtempSync, renameSync, rmSync, unlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { createLogger } from '../src/log.js';
import { OrphanedLogError, StoreFile } from '../src/store/sqlite/store-file.js';
import { PaymentThread } from '../src/store/sqlite/payment-thread-client.js';
import { WriteTurns } from '../src/store/sqlite/write-turns.js';
import { SqliteStore } from '../src/store/sqlite/sqlite-store.js';
import { systemClock } from '../src/domain/clock.js';
import { createMerchant, createWalletWithCode, micropayParams, postSigned, startTestPlatform, testMerchantKeys, type TestPlatform } from './helpers.js';
import { cliJson, runCli } from './process-helpers.js';

/**
 * The store's files under a running server (SQLite only, store/sqlite/store-file.ts): a write-ahead
 * log deleted, a log left without its database file, and an admin command that meets a held lock.
 */
let p: TestPlatform | null = null;
const dirs: string[] = [];
afterEach(async () => {
  await p?.stop();
  p = null;
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

const options = { timeZone: 'Asia/Kuala_Lumpur', policy: { confirmLimitSen: 250_00, confirmTimeoutMs: 60_000 }, newOrderTimeoutMs: 5_000 };

describe("the store's files under a running server", () => {
  it.each([['-wal', 'write-ahead log'], ['-shm', 'shared-memory index']])('its %s deleted under the server: not ready, and a payment is refused, not answered PAID where it would be lost', async (suffix, what) => {
    const lines: string[] = [];
    p = await startTestPlatform({}, undefined, { logger: createLogger('warn', (line) => void lines.push(line)) });
    const merchant = await createMerchant(p);
    const { payCode } = await createWalletWithCode(p, 100_00);
    expect((await fetch(`${p.url}/health/ready`)).status).toBe(200);
    unlinkSync(`${p.dbPath}${suffix}`);
    const res = await fetch(`${p.url}/health/ready`);
    expect(res.status).toBe(503);
    expect(((await res.json()) as { failing: string[] }).failing).toEqual(['paymentThread']);
    const paid = await postSigned(p.url, 'micropay', micropayParams(merchant, 'no-log', '1.00', payCode), merchant.key);
    expect(paid.body.code).toBe(500);
    const said = lines.map((l) => JSON.parse(l) as { msg: string; errors?: string[] }).find((l) => l.msg === 'not ready');
    expect(said?.errors).toEqual([`paymentThread: its ${what} ${p.dbPath}${suffix} is gone: this process still writes the file it opened, which was deleted or replaced`]);
  });

  it('a file moved while a payment waits for the write lock: checked again once the lock is held, the payment is refused', async () => {
    p = await startTestPlatform();
    const merchant = await createMerchant(p);
    const { payCode } = await createWalletWithCode(p, 100_00);
    const shell = new Database(p.dbPath);
    shell.prepare('BEGIN IMMEDIATE').run();
    const paying = postSigned(p.url, 'micropay', micropayParams(merchant, 'while-waiting', '1.00', payCode), merchant.key);
    // The payment's batch has passed its first look at the files and waits for the lock.
    await new Promise((r) => setTimeout(r, 500));
    renameSync(p.dbPath, `${p.dbPath}.moved`);
    shell.prepare('ROLLBACK').run();
    shell.close();
    expect((await paying).body.code).toBe(500);
    renameSync(`${p.dbPath}.moved`, p.dbPath);
    expect((await postSigned(p.url, 'queryBill', { mchId: merchant.mchId, mchOrderId: 'while-waiting' }, merchant.key)).body.code).toBe(1031);
  });

  it('a payment thread started again after the file was moved away opens nothing: it makes no new, empty file at the path', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'micropay-restart-'));
    dirs.push(dir);
    const db = join(dir, 'micropay.db');
    const store = new SqliteStore(db, { ...options, clock: systemClock, merchantKeys: testMerchantKeys() });
    const file = new StoreFile(db);
    const thread = new PaymentThread(db, options, new WriteTurns(), () => file.identity);
    try {
      expect(await thread.ping(5_000)).toBe('alive');
      renameSync(db, `${db}.moved`);
      // The thread crashes now: the next ping starts it again, and it refuses to open what is at the path.
      await thread.terminate();
      expect(await thread.ping(5_000)).toBe('stopped');
      expect(existsSync(db)).toBe(false);
      // Another file put there is not the store either.
      copyFileSync(`${db}.moved`, db);
      expect(await thread.ping(5_000)).toBe('stopped');
      renameSync(`${db}.moved`, db);
      expect(await thread.ping(5_000)).toBe('alive');
    } finally {
      await thread.close();
      await store.close();
    }
  });

  it('a log left without its database file is never overwritten by a new store: serve and the store refuse, naming both', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'micropay-orphan-'));
    dirs.push(dir);
    const db = join(dir, 'micropay.db');
    writeFileSync(`${db}-wal`, 'the last commits of a store moved away');
    expect(() => new SqliteStore(db, { ...options, clock: systemClock, merchantKeys: testMerchantKeys() })).toThrow(OrphanedLogError);
    const refused = await runCli(['serve', '--db', db, '--port', '0']);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toBe(`micropay: the SQLite store's write-ahead log ${db}-wal is there but its database file ${db} is not: the store was deleted or moved, `
      + 'and the log may hold its last payments. Put the database file back (docs/operations.md#restore); to start a new, empty store there instead, move the -wal and -shm files away first\n');
  });

  it('an admin command that meets a write lock held for 5 s says that its change was not recorded, and to run it again', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'micropay-busy-'));
    dirs.push(dir);
    const db = join(dir, 'micropay.db');
    const { walletId } = await cliJson<{ walletId: string }>(['wallet', 'create', '--name', 'Alice', '--db', db]);
    const shell = new Database(db);
    shell.prepare('BEGIN IMMEDIATE').run();
    try {
      const busy = await runCli(['wallet', 'topup', walletId, '5.00', '--db', db]);
      expect([busy.code, busy.stderr]).toEqual([1, 'micropay: the store is busy: another process held its write lock for 5 s (a sqlite3 shell left in a transaction, a backup tool?). '
        + 'The change the command was making was not recorded: run it again once the lock is let go\n']);
    } finally {
      shell.prepare('ROLLBACK').run();
      shell.close();
    }
    expect((await cliJson<{ balance: string }>(['wallet', 'show', walletId, '--db', db])).balance).toBe('0.00');
  });
});
