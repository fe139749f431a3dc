import pg from 'pg';
import { offlineStep } from '@micropay/protocol';
import { offlineCodeSync } from '../src/domain/offline-code.js';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { hashPin, hashWalletToken, newWalletToken } from '../src/domain/credentials.js';
import { merchantAccount } from '../src/domain/ledger.js';
import { sql } from './db-access.js';
import {
  createMerchant,
  micropayParams,
  postRaw,
  postSigned,
  startTestPlatform,
  type TestMerchant,
  type TestPlatform,
} from './helpers.js';
import { startServerProcess, stopAllChildren, type ServerProcess } from './process-helpers.js';

/**
 * The concurrency proofs of the PostgreSQL store: two real `micropay serve` processes share one
 * database, and requests are spread over both. (PostgreSQL run only; see vitest.config.ts.)
 */
let p: TestPlatform;
let m: TestMerchant;
let servers: ServerProcess[];

const SERVER_ENV = { MICROPAY_CONFIRM_LIMIT: '250.00', MICROPAY_PG_POOL_SIZE: '10', MICROPAY_SWEEP_INTERVAL_MS: '200' };

beforeAll(async () => {
  // The in-process platform only prepares data; the two child processes serve the requests.
  p = await startTestPlatform(SERVER_ENV);
  m = await createMerchant(p, 'Car Park, fifty lanes');
  servers = await Promise.all(
    [0, 1].map(() => startServerProcess(['--db', p.dbPath, '--port', '0'], { env: SERVER_ENV, lifetimeMs: 120_000 })),
  );
});
afterAll(async () => {
  await stopAllChildren();
  await p.stop();
});

/** Request i goes to process i mod 2. */
const url = (i: number) => servers[i % 2]!.url;

async function wallet(balanceSen: number) {
  const w = await p.store.createWallet({ name: 'w', openingSen: balanceSen });
  const code = await p.store.issuePayCode(w.walletId, 120_000);
  if (typeof code === 'string') throw new Error(code);
  return { walletId: w.walletId, payCode: code.code };
}

async function balance(walletId: string) {
  return (await p.store.findWallet(walletId))!;
}

async function expectCleanAudit() {
  const report = await p.store.audit();
  expect(report.checks.filter((c) => c.violations.length > 0)).toEqual([]);
}

describe('two server processes on one PostgreSQL database', () => {
  it('500 payments at once, 400 affordable: exactly 400 PAID while refunds and top-ups credit the same wallets', async () => {
    // 400 wallets can afford 10.00; 50 of them paid 5.00 earlier, and that payment is refunded
    // during the burst; 50 others are topped up during it. 100 wallets have 9.99: they must fail.
    const affordable = await Promise.all(Array.from({ length: 400 }, () => wallet(20_00)));
    const poor = await Promise.all(Array.from({ length: 100 }, () => wallet(9_99)));
    const refunded = affordable.slice(0, 50);
    const toppedUp = affordable.slice(50, 100);
    for (const [i, w] of refunded.entries()) {
      const res = await postSigned(url(i), 'micropay', micropayParams(m, `early-${i}`, '5.00', w.payCode), m.key);
      expect(res.body.code).toBe(0);
      const fresh = await p.store.issuePayCode(w.walletId, 120_000);
      (w as { payCode: string }).payCode = typeof fresh === 'string' ? '' : fresh.code;
    }

    const all = [...affordable, ...poor];
    const payments = all.map((w, i) => postSigned(url(i), 'micropay', micropayParams(m, `burst-${i}`, '10.00', w.payCode), m.key));
    const refunds = refunded.map((_, i) =>
      postSigned(url(i + 1), 'refund', { mchId: m.mchId, mchOrderId: `early-${i}`, mchRefundId: `rf-${i}`, refundAmount: '5.00' }, m.key),
    );
    const topUps = toppedUp.map((w) => p.store.topUp(w.walletId, 1_00));
    const [paid, back] = await Promise.all([Promise.all(payments), Promise.all(refunds), Promise.all(topUps)]);

    const codes = paid.map((r) => r.body.code);
    expect(codes.filter((c) => c === 0)).toHaveLength(400);
    expect(codes.filter((c) => c === 1028)).toHaveLength(100);
    expect(codes.slice(0, 400).every((c) => c === 0)).toBe(true);
    expect(back.every((r) => r.body.code === 0 && (r.body.data as { refundStatus: string }).refundStatus === 'REFUNDED')).toBe(true);

    for (const w of refunded) expect((await balance(w.walletId)).balanceSen).toBe(20_00 - 5_00 - 10_00 + 5_00);
    for (const w of toppedUp) expect((await balance(w.walletId)).balanceSen).toBe(20_00 - 10_00 + 1_00);
    for (const w of affordable.slice(100)) expect((await balance(w.walletId)).balanceSen).toBe(10_00);
    for (const w of poor) expect((await balance(w.walletId)).balanceSen).toBe(9_99);
    await expectCleanAudit();
  });

  it('one payment code sent in 50 simultaneous requests over both processes is PAID once', async () => {
    const w = await wallet(100_00);
    const answers = await Promise.all(
      Array.from({ length: 50 }, (_, i) => postSigned(url(i), 'micropay', micropayParams(m, `one-code-${i}`, '1.00', w.payCode), m.key)),
    );
    const codes = answers.map((r) => r.body.code);
    expect(codes.filter((c) => c === 0)).toHaveLength(1);
    expect(codes.filter((c) => c === 1036)).toHaveLength(49);
    expect((await balance(w.walletId)).balanceSen).toBe(99_00);
    await expectCleanAudit();
  });

  it('one (mchId, mchOrderId) sent 20 times at once: one order, one debit', async () => {
    const w = await wallet(100_00);
    const params = micropayParams(m, 'same-order', '7.00', w.payCode);
    const answers = await Promise.all(Array.from({ length: 20 }, (_, i) => postSigned(url(i), 'micropay', params, m.key)));
    const codes = answers.map((r) => r.body.code);
    expect(codes.filter((c) => c === 0)).toHaveLength(1);
    expect(codes.filter((c) => c === 1023)).toHaveLength(19);
    expect(new Set(answers.map((r) => r.body.data!.wavpayOrderId)).size).toBe(1);
    expect((await balance(w.walletId)).balanceSen).toBe(93_00);
  });

  it('concurrent refunds adding up to more than was paid never refund beyond the paid amount', async () => {
    const w = await wallet(100_00);
    expect((await postSigned(url(0), 'micropay', micropayParams(m, 'refund-race', '10.00', w.payCode), m.key)).body.code).toBe(0);
    const answers = await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        postSigned(url(i), 'refund', { mchId: m.mchId, mchOrderId: 'refund-race', mchRefundId: `race-${i}`, refundAmount: '1.00' }, m.key),
      ),
    );
    const codes = answers.map((r) => r.body.code);
    expect(codes.filter((c) => c === 0)).toHaveLength(10);
    expect(codes.filter((c) => c === 9006)).toHaveLength(10);
    expect((await balance(w.walletId)).balanceSen).toBe(100_00);
    expect((await p.store.findOrder(m.mchId, 'refund-race'))!).toMatchObject({ status: 'REFUNDED', refundedSen: 10_00 });
    await expectCleanAudit();
  });

  it('a confirm and a close racing on one PENDING order from different processes: exactly one wins', async () => {
    // The confirm checks the PIN (scrypt, tens of ms) before it settles, so an undelayed close
    // wins; the close is sent later and later, so both sides of the race are run.
    const winners = new Set<string>();
    for (let i = 0; i < 16; i++) {
      const token = newWalletToken();
      const created = await p.store.createWallet({ name: 'Alice', openingSen: 1_000_00, tokenHash: hashWalletToken(token), pinHash: await hashPin('1234') });
      const code = await p.store.issuePayCode(created.walletId, 60_000);
      const payCode = typeof code === 'string' ? '' : code.code;
      const pending = await postSigned(url(i), 'micropay', micropayParams(m, `pend-${i}`, '300.00', payCode), m.key);
      expect(pending.body.code).toBe(1024);
      const orderId = pending.body.data!.wavpayOrderId;
      const [confirm, close] = await Promise.all([
        postRaw(url(i), '/api/wallet/confirm', { wavpayOrderId: orderId, pin: '1234' }, { Authorization: `Bearer ${token}` }),
        new Promise((r) => setTimeout(r, i * 12)).then(() =>
          postSigned(url(i + 1), 'closeBill', { mchId: m.mchId, mchOrderId: `pend-${i}`, operation: 'CLOSE' }, m.key),
        ),
      ]);
      const order = (await p.store.findOrder(m.mchId, `pend-${i}`))!;
      winners.add(order.status);
      const after = await balance(created.walletId);
      expect(after.heldSen).toBe(0);
      if (order.status === 'PAID') {
        expect([confirm.body.code, close.body.code]).toEqual([0, 1023]);
        expect(after.balanceSen).toBe(700_00);
      } else {
        expect(order.status).toBe('FAILED');
        expect([confirm.body.code, close.body.code]).toEqual([1025, 0]);
        expect(after.balanceSen).toBe(1_000_00);
      }
    }
    expect([...winners].sort()).toEqual(['FAILED', 'PAID']);
    await expectCleanAudit();
  });
});

describe('an order id closed before any payment, racing the payment from the other process', () => {
  it('60 ids, each paid on one process and closed on the other at once: never both closed and charged', async () => {
    const wallets = await Promise.all(Array.from({ length: 60 }, () => wallet(10_00)));
    const outcomes = await Promise.all(
      wallets.map(async (w, i) => {
        const id = `close-race-${i}`;
        const [pay, close] = await Promise.all([
          postSigned(url(i), 'micropay', micropayParams(m, id, '1.00', w.payCode), m.key),
          postSigned(url(i + 1), 'closeBill', { mchId: m.mchId, mchOrderId: id, operation: 'CLOSE' }, m.key),
        ]);
        return { pay: pay.body.code, close: close.body.code, balance: (await balance(w.walletId)).balanceSen };
      }),
    );
    for (const o of outcomes) {
      // Paid and the close saw the order (1023), or the id was closed first and nothing moved.
      if (o.pay === 0) expect(o).toEqual({ pay: 0, close: 1023, balance: 9_00 });
      else expect(o).toEqual({ pay: 1025, close: 1031, balance: 10_00 });
    }
    await expectCleanAudit();
  });
});

describe('no hot row: payments to one merchant do not queue behind one balance row', () => {
  let blocker: pg.Client | null = null;
  afterEach(async () => {
    await blocker?.query('ROLLBACK').catch(() => undefined);
    await blocker?.end();
    blocker = null;
  });

  /** Opens a transaction that holds row locks on `count` of the merchant's balance shards. */
  async function holdShards(count: number) {
    blocker = new pg.Client({ connectionString: p.dbPath });
    await blocker.connect();
    await blocker.query('BEGIN');
    await blocker.query('SELECT shard FROM account_shards WHERE account_id = $1 AND shard < $2 FOR UPDATE', [merchantAccount(m.mchId), count]);
  }

  /** The merchant's balance on each of its shards, in sen, by shard number (read outside the holder). */
  async function shardBalances(): Promise<number[]> {
    const rows = await sql<{ shard: number; balance_sen: string }>(p.store, 'SELECT shard, balance_sen FROM account_shards WHERE account_id = ? ORDER BY shard', [
      merchantAccount(m.mchId),
    ]);
    expect(rows.map((r) => r.shard)).toEqual(rows.map((_, i) => i));
    return rows.map((r) => Number(r.balance_sen));
  }

  async function payFromBothProcesses(prefix: string, n: number) {
    const wallets = await Promise.all(Array.from({ length: n }, () => wallet(10_00)));
    return wallets.map((w, i) => postSigned(url(i), 'micropay', micropayParams(m, `${prefix}-${i}`, '1.00', w.payCode), m.key));
  }

  it('two processes\' payment transactions credit the merchant at the same time', async () => {
    // Every credit to this merchant's balance rows sleeps inside its transaction and records when
    // it held its row. If credits queued behind one row (or one per-merchant lock), the second
    // transaction could only start its credit after the first committed: the intervals would not overlap.
    const account = merchantAccount(m.mchId);
    const admin = new pg.Client({ connectionString: p.dbPath });
    await admin.connect();
    try {
      await admin.query(`
        CREATE TABLE credit_probe (txid BIGINT NOT NULL, phase TEXT NOT NULL, at TIMESTAMPTZ NOT NULL DEFAULT clock_timestamp());
        CREATE FUNCTION credit_probe() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
          INSERT INTO credit_probe (txid, phase) VALUES (txid_current(), 'holds');
          PERFORM pg_sleep(0.8);
          INSERT INTO credit_probe (txid, phase) VALUES (txid_current(), 'commits');
          RETURN NULL;
        END $$;
        CREATE TRIGGER credit_probe AFTER UPDATE ON account_shards FOR EACH ROW
          WHEN (NEW.account_id = ${admin.escapeLiteral(account)}) EXECUTE FUNCTION credit_probe();`);
      const wallets = await Promise.all([wallet(10_00), wallet(10_00)]);
      // One payment to each process, sent together: each process commits its own batch.
      const answers = await Promise.all(
        wallets.map((w, i) => postSigned(url(i), 'micropay', micropayParams(m, `overlap-${i}`, '1.00', w.payCode), m.key)),
      );
      expect(answers.map((a) => a.body.code)).toEqual([0, 0]);
      const { rows } = await admin.query(
        `SELECT txid, MIN(at) FILTER (WHERE phase = 'holds') AS held, MAX(at) FILTER (WHERE phase = 'commits') AS done
           FROM credit_probe GROUP BY txid ORDER BY held`,
      );
      const spans = rows as { held: Date; done: Date }[];
      expect(spans).toHaveLength(2);
      expect(spans[1]!.held.getTime()).toBeLessThan(spans[0]!.done.getTime());
    } finally {
      await admin.query('DROP TRIGGER IF EXISTS credit_probe ON account_shards; DROP FUNCTION IF EXISTS credit_probe(); DROP TABLE IF EXISTS credit_probe');
      await admin.end();
    }
    await expectCleanAudit();
  });

  it('while a transaction holds 15 of the merchant\'s 16 balance shards, 40 payments from two processes still complete', async () => {
    const before = await shardBalances();
    expect(before).toHaveLength(16);
    await holdShards(15);
    const started = Date.now();
    const answers = await Promise.all(await payFromBothProcesses('hot', 40));
    expect(answers.every((r) => r.body.code === 0)).toBe(true);
    // They did not wait for the lock holder, which still holds its locks now.
    expect(Date.now() - started).toBeLessThan(5_000);
    // All 40.00 went to the one free shard (15); the held ones are as they were.
    expect(await shardBalances()).toEqual(before.map((sen, shard) => (shard === 15 ? sen + 40_00 : sen)));
  });

  it('with every shard held, payments wait; they complete as soon as the holder lets go (the contrast)', async () => {
    await holdShards(16);
    const pending = await payFromBothProcesses('all-held', 4);
    const settled = await Promise.race([Promise.all(pending).then(() => 'completed'), new Promise((r) => setTimeout(() => r('waiting'), 1_500))]);
    expect(settled).toBe('waiting');
    await blocker!.query('ROLLBACK');
    const answers = await Promise.all(pending);
    expect(answers.every((r) => r.body.code === 0)).toBe(true);
    await expectCleanAudit();
  });
});

describe('offline codes on two server processes (docs/offline-codes.md)', () => {
  async function enrolled(balanceSen: number) {
    const w = await p.store.createWallet({ name: 'offline', openingSen: balanceSen });
    const device = await p.store.enrolOfflineDevice(w.walletId, 'phone', { lifetimeMs: 86_400_000, sessionHash: null });
    if (typeof device === 'string') throw new Error(device);
    return { walletId: w.walletId, deviceIndex: device.deviceIndex, credentials: (await p.store.offlineCodeKey())!.deviceCredentials(device) };
  }

  it('the same offline code sent to both processes at once pays exactly once, for 30 wallets', async () => {
    const wallets = await Promise.all(Array.from({ length: 30 }, () => enrolled(10_00)));
    const step = offlineStep(Date.now());
    const answers = await Promise.all(wallets.flatMap((w, i) => {
      const code = offlineCodeSync(w.credentials, step);
      return [0, 1].map((side) => postSigned(servers[side]!.url, 'micropay', micropayParams(m, `race-off-${i}-${side}`, '4.00', code), m.key));
    }));
    const codes = answers.map((a) => a.body.code);
    // Per wallet: one 0 and one 1036, whichever process won.
    for (let i = 0; i < wallets.length; i++) expect([codes[2 * i], codes[2 * i + 1]].sort()).toEqual([0, 1036]);
    for (const w of wallets) expect((await balance(w.walletId)).balanceSen).toBe(6_00);
    await expectCleanAudit();
  });

  it('a device revoked by one process is refused by the other at its next payment', async () => {
    const w = await enrolled(10_00);
    const step = offlineStep(Date.now());
    expect((await postSigned(url(0), 'micropay', micropayParams(m, 'rev-1', '1.00', offlineCodeSync(w.credentials, step)), m.key)).body.code).toBe(0);
    expect(await p.store.revokeOfflineDevices(w.walletId, w.deviceIndex)).toBe(1);
    const next = offlineCodeSync(w.credentials, step + 1);
    expect((await postSigned(url(1), 'micropay', micropayParams(m, 'rev-2', '1.00', next), m.key)).body.code).toBe(1036);
    expect((await postSigned(url(0), 'micropay', micropayParams(m, 'rev-3', '1.00', next), m.key)).body.code).toBe(1036);
    expect((await balance(w.walletId)).balanceSen).toBe(9_00);
  });
});
