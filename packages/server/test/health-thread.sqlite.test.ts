import { copyFileSync, mkdtempSync, renameSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { READY_TIMEOUT_MS } from '../src/ops/health.js';
import { PaymentThread } from '../src/store/sqlite/payment-thread-client.js';
import { SqliteStore } from '../src/store/sqlite/sqlite-store.js';
import { WriteTurns } from '../src/store/sqlite/write-turns.js';
import { StoreFile } from '../src/store/sqlite/store-file.js';
import { systemClock } from '../src/domain/clock.js';
import { createLogger } from '../src/log.js';
import { createMerchant, createWalletWithCode, micropayParams, postSigned, startTestPlatform, type TestPlatform, testMerchantKeys } from './helpers.js';

/**
 * Readiness and the SQLite payment thread (SQLite only: PostgreSQL has no such thread). The probe
 * asks the thread itself: a thread stuck in a batch is not ready; a thread that died is started
 * again by the probe, as the next payment would start it.
 */
let p: TestPlatform | null = null;
afterEach(async () => {
  await p?.stop();
  p = null;
});

const options = { timeZone: 'Asia/Kuala_Lumpur', policy: { confirmLimitSen: 250_00, confirmTimeoutMs: 60_000 }, newOrderTimeoutMs: 5_000 };

describe('the payment thread seen by the readiness probe', () => {
  it('answers the ping; a killed thread is started again by the next ping; a closed one is stopped', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'micropay-ping-'));
    const store = new SqliteStore(join(dir, 'micropay.db'), { ...options, clock: systemClock, merchantKeys: testMerchantKeys() });
    const thread = new PaymentThread(join(dir, 'micropay.db'), options, new WriteTurns(), () => new StoreFile(join(dir, 'micropay.db')).identity);
    try {
      expect(await thread.ping(5_000)).toBe('alive');
      await thread.terminate();
      expect(await thread.ping(5_000)).toBe('alive');
      await thread.close();
      expect(await thread.ping(5_000)).toBe('stopped');
    } finally {
      await thread.close();
      await store.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('a thread stuck in a batch (another process holds the write lock) is not ready until the batch is written', async () => {
    p = await startTestPlatform();
    const merchant = await createMerchant(p);
    const { payCode } = await createWalletWithCode(p, 100_00);
    // Another process takes SQLite's write lock: the payment's batch waits for it (up to 5 s).
    const other = new Database(p.dbPath);
    other.prepare('BEGIN IMMEDIATE').run();
    try {
      const payment = postSigned(p.url, 'micropay', micropayParams(merchant, 'stuck-1', '1.00', payCode), merchant.key);
      // The payment reaches the thread after its HTTP parse and the merchant's check: on a busy
      // machine that can take longer than any fixed pause, so probe until the thread is stuck.
      let res: Response;
      let elapsedMs: number;
      let tries = 0;
      do {
        if (tries++ > 0) await new Promise((r) => setTimeout(r, 100));
        const started = Date.now();
        res = await fetch(`${p.url}/health/ready`);
        elapsedMs = Date.now() - started;
      } while (res.status === 200 && tries < 30);
      expect(res.status).toBe(503);
      expect(elapsedMs).toBeGreaterThanOrEqual(READY_TIMEOUT_MS - 50);
      const body = (await res.json()) as { failing: string[]; checks: Record<string, { detail?: string }> };
      expect(body.failing).toEqual(['paymentThread']);
      expect(body.checks.paymentThread!.detail).toContain(`no answer within ${READY_TIMEOUT_MS} ms`);
      other.prepare('COMMIT').run();
      expect((await payment).body.code).toBe(0);
      expect((await fetch(`${p.url}/health/ready`)).status).toBe(200);
    } finally {
      if (other.inTransaction) other.prepare('ROLLBACK').run();
      other.close();
    }
  });

  it('a write lock held by another process makes the process not ready with no payment waiting, and ready again once it is let go', async () => {
    const lines: string[] = [];
    p = await startTestPlatform({}, undefined, { logger: createLogger('warn', (line) => void lines.push(line)) });
    expect((await fetch(`${p.url}/health/ready`)).status).toBe(200);
    const other = new Database(p.dbPath);
    other.prepare('BEGIN IMMEDIATE').run();
    try {
      const res = await fetch(`${p.url}/health/ready`);
      expect(res.status).toBe(503);
      const body = (await res.json()) as { failing: string[]; checks: Record<string, { detail?: string }> };
      expect(body.failing).toEqual(['paymentThread']);
      expect(body.checks.paymentThread!.detail).toBe(`no answer within ${READY_TIMEOUT_MS} ms: the payment thread waits for the write lock (another process holding it?)`);
      // The log says why too, as for every not-ready answer.
      const said = lines.map((l) => JSON.parse(l) as { msg: string; errors?: string[] }).find((l) => l.msg === 'not ready');
      expect(said?.errors).toEqual([`paymentThread: ${body.checks.paymentThread!.detail}`]);
    } finally {
      other.prepare('ROLLBACK').run();
      other.close();
    }
    // The probe let go of nothing it held: the next one finds the lock free and the thread answering.
    await expect.poll(async () => (await fetch(`${p!.url}/health/ready`)).status, { timeout: 10_000 }).toBe(200);
  });

  it('the database file deleted or replaced under the server: not ready, nothing written, and the log names the file', async () => {
    const lines: string[] = [];
    p = await startTestPlatform({}, undefined, { logger: createLogger('warn', (line) => void lines.push(line)) });
    const merchant = await createMerchant(p);
    const { walletId, payCode } = await createWalletWithCode(p, 100_00);
    const ready = async () => {
      const res = await fetch(`${p!.url}/health/ready`);
      return { status: res.status, body: (await res.json()) as { failing: string[]; checks: Record<string, { detail?: string }> } };
    };
    const moved = `${p.dbPath}.moved`;
    renameSync(p.dbPath, moved);
    let seen = await ready();
    expect(seen.status).toBe(503);
    expect(seen.body.failing).toEqual(['paymentThread']);
    expect(seen.body.checks.paymentThread!.detail).toBe('a file of the store this process writes (the database, its -wal or -shm) was deleted or replaced: payments are refused; see the log and docs/operations.md#restore');
    // Nothing is written where no restart would read it: the payment is refused, and so is a top-up.
    const lost = await postSigned(p.url, 'micropay', micropayParams(merchant, 'while-moved', '1.00', payCode), merchant.key);
    expect(lost.body.code).toBe(500);
    await expect(p.store.topUp(walletId, 1_00)).rejects.toThrow(
      `the database file ${p.dbPath} is gone: this process still has the file it opened, which no restart would read, so nothing was written.`);
    // The file back where it was is the file the process opened: ready again.
    renameSync(moved, p.dbPath);
    expect((await ready()).status).toBe(200);
    expect((await postSigned(p.url, 'micropay', micropayParams(merchant, 'after-move', '1.00', payCode), merchant.key)).body.code).toBe(0);
    expect((await postSigned(p.url, 'queryBill', { mchId: merchant.mchId, mchOrderId: 'while-moved' }, merchant.key)).body.code).toBe(1031);
    // A copy put in its place (a restore under a running server) is another file.
    copyFileSync(p.dbPath, moved);
    renameSync(moved, p.dbPath);
    seen = await ready();
    expect(seen.status).toBe(503);
    expect(seen.body.failing).toEqual(['paymentThread']);
    const logged = lines.map((l) => JSON.parse(l) as { msg: string; errors?: string[] }).filter((l) => l.msg === 'not ready');
    expect(logged.map((l) => l.errors)).toEqual([
      [`paymentThread: the database file ${p.dbPath} is gone: this process still writes the file it opened, which was deleted or replaced`],
      [`paymentThread: the database file ${p.dbPath} is another file: this process still writes the file it opened, which was deleted or replaced`],
    ]);
  });
});
