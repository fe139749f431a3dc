import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { READY_TIMEOUT_MS } from '../src/ops/health.js';
import { PaymentThread } from '../src/store/sqlite/payment-thread-client.js';
import { SqliteStore } from '../src/store/sqlite/sqlite-store.js';
import { WriteTurns } from '../src/store/sqlite/write-turns.js';
import { systemClock } from '../src/domain/clock.js';
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
    const thread = new PaymentThread(join(dir, 'micropay.db'), options, new WriteTurns());
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
});
