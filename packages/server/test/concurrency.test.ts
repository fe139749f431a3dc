import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { formatSen, parseAmountSen } from '@micropay/protocol';
import type { SqliteStore } from '../src/store/sqlite/sqlite-store.js';
import {
  createMerchant,
  createWalletWithCode,
  micropayParams,
  postSigned,
  startTestPlatform,
  type PostResult,
  type TestMerchant,
  type TestPlatform,
} from './helpers.js';
import { runCli, stopAllChildren, type CliResult } from './process-helpers.js';

/**
 * Many payments at the same moment, over real HTTP on 127.0.0.1, against a real SQLite file:
 * each payment is decided once, answered truthfully, and the ledger stays balanced.
 * The checks that read the SQLite file directly (or run the CLI on it) are skipped on other stores.
 */
const SQLITE_RUN = (process.env.MICROPAY_TEST_STORE ?? 'sqlite') === 'sqlite';

let p: TestPlatform;
let m: TestMerchant;

beforeEach(async () => {
  p = await startTestPlatform();
  m = await createMerchant(p, 'Fifty Lane Car Park');
});
afterEach(async () => {
  await stopAllChildren();
  await p?.stop();
  p = undefined as unknown as TestPlatform;
});

function pay(mchOrderId: string, amount: string, payCode: string): Promise<PostResult> {
  return postSigned(p.url, 'micropay', micropayParams(m, mchOrderId, amount, payCode), m.key);
}

function query(mchOrderId: string): Promise<PostResult> {
  return postSigned(p.url, 'queryBill', { mchId: m.mchId, mchOrderId }, m.key);
}

async function balanceOf(walletId: string): Promise<number> {
  return (await p.store.findWallet(walletId))!.balanceSen;
}

/** Reads the file the server writes, through a second, read-only connection (SQLite only). */
function readDb<T>(fn: (db: Database.Database) => T): T {
  const db = new Database(p.dbPath, { readonly: true, fileMustExist: true });
  try {
    return fn(db);
  } finally {
    db.close();
  }
}

function accountBalance(accountId: string): number {
  return readDb((db) => (db.prepare('SELECT balance_sen FROM accounts WHERE id = ?').get(accountId) as { balance_sen: number }).balance_sen);
}

async function expectCleanAudit(): Promise<void> {
  const report = await p.store.audit();
  expect(report.checks.filter((c) => c.violations.length > 0)).toEqual([]);
  expect(report.ok).toBe(true);
}

function shuffled<T>(items: readonly T[]): T[] {
  const out = [...items];
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(Math.random() * (i + 1));
    [out[i], out[j]] = [out[j]!, out[i]!];
  }
  return out;
}

describe('200 payments at the same moment, each from its own wallet', () => {
  it('pays exactly the 150 wallets that can afford it, fails the 50 that cannot, and queryBill agrees with every answer', async () => {
    const wallets = shuffled([
      ...(await Promise.all(Array.from({ length: 150 }, () => createWalletWithCode(p, 10_00)))).map((w) => ({ ...w, canPay: true })),
      ...(await Promise.all(Array.from({ length: 50 }, () => createWalletWithCode(p, 9_99, 'Short')))).map((w) => ({ ...w, canPay: false })),
    ]);

    const answers = await Promise.all(wallets.map((w, i) => pay(`burst-${i}`, '10.00', w.payCode)));

    const paid = answers.filter((a) => a.body.code === 0);
    const refused = answers.filter((a) => a.body.code === 1028);
    expect(paid).toHaveLength(150);
    expect(refused).toHaveLength(50);
    wallets.forEach((w, i) => {
      const a = answers[i]!;
      expect(a.status).toBe(200);
      expect(a.body.data!.merchantOrderId).toBe(`burst-${i}`);
      if (w.canPay) {
        expect(a.body.code).toBe(0);
        expect(a.body.data!.tradeStatus).toBe('PAID');
      } else {
        expect(a.body.code).toBe(1028);
        expect(a.body.data!.tradeStatus).toBe('FAILED');
        expect(a.body.data!.payTime).toBeNull();
      }
    });
    // Every order has its own wavpayOrderId.
    expect(new Set(answers.map((a) => a.body.data!.wavpayOrderId)).size).toBe(200);

    const queried = await Promise.all(wallets.map((_, i) => query(`burst-${i}`)));
    queried.forEach((q, i) => {
      expect(q.body.code).toBe(0);
      expect(q.body.data!.tradeStatus).toBe(answers[i]!.body.data!.tradeStatus);
      expect(q.body.data!.wavpayOrderId).toBe(answers[i]!.body.data!.wavpayOrderId);
    });

    for (const w of wallets) {
      const balance = await balanceOf(w.walletId);
      expect(balance).toBeGreaterThanOrEqual(0);
      expect(balance).toBe(w.canPay ? 0 : 9_99);
    }
    await expectCleanAudit();
    if (p.store.kind === 'sqlite') {
      expect(accountBalance(`merchant:${m.mchId}`)).toBe(150 * 10_00);
      // Every payment went through the store's group-commit queue exactly once. (How many shared a
      // commit depends on how the requests happen to arrive, so it is not asserted.)
      expect((p.store as SqliteStore).batchStats.payments).toBe(200);
    }
  });
});

describe('one payment code presented many times at once', () => {
  it('pays one order only: of 20 simultaneous payments under different mchOrderIds, one answers 0 and 19 answer 1036', async () => {
    const w = await createWalletWithCode(p, 100_00);
    const answers = await Promise.all(Array.from({ length: 20 }, (_, i) => pay(`code-reuse-${i}`, '1.00', w.payCode)));

    const codes = answers.map((a) => a.body.code);
    expect(codes.filter((c) => c === 0)).toHaveLength(1);
    expect(codes.filter((c) => c === 1036)).toHaveLength(19);
    for (const a of answers.filter((x) => x.body.code === 1036)) {
      expect(a.body).toEqual({ code: 1036, msg: 'QR code expired', data: null });
    }

    // Nothing was recorded for the refused ones: queryBill says so, and the merchant may pay them again.
    const queried = await Promise.all(answers.map((_, i) => query(`code-reuse-${i}`)));
    queried.forEach((q, i) => {
      if (answers[i]!.body.code === 0) {
        expect(q.body.code).toBe(0);
        expect(q.body.data!.tradeStatus).toBe('PAID');
      } else {
        expect(q.body.code).toBe(1031);
      }
    });

    expect(await balanceOf(w.walletId)).toBe(99_00);
    if (p.store.kind === 'sqlite') {
      expect(readDb((db) => db.prepare(`SELECT COUNT(*) AS n FROM journal_entries WHERE kind = 'payment'`).get())).toEqual({ n: 1 });
    }
    await expectCleanAudit();
  });
});

describe('one merchant order sent many times at once', () => {
  it('creates one order and debits once: of 20 identical simultaneous requests one answers 0 and 19 answer 1023 with the same order', async () => {
    const w = await createWalletWithCode(p, 100_00);
    const params = micropayParams(m, 'lane-7-ticket-4411', '12.50', w.payCode);
    const answers = await Promise.all(Array.from({ length: 20 }, () => postSigned(p.url, 'micropay', params, m.key)));

    const codes = answers.map((a) => a.body.code);
    expect(codes.filter((c) => c === 0)).toHaveLength(1);
    expect(codes.filter((c) => c === 1023)).toHaveLength(19);
    const orderIds = new Set(answers.map((a) => a.body.data?.wavpayOrderId));
    expect(orderIds.size).toBe(1);
    for (const a of answers) expect(a.body.data!.tradeStatus).toBe('PAID');

    expect(await balanceOf(w.walletId)).toBe(87_50);
    const [orderId] = [...orderIds];
    if (p.store.kind === 'sqlite') {
      readDb((db) => {
        expect(db.prepare('SELECT COUNT(*) AS n FROM orders WHERE mch_id = ? AND mch_order_id = ?').get(m.mchId, 'lane-7-ticket-4411')).toEqual({ n: 1 });
        expect(db.prepare(`SELECT COUNT(*) AS n FROM journal_entries WHERE kind = 'payment' AND order_id = ?`).get(orderId)).toEqual({ n: 1 });
      });
    }
    await expectCleanAudit();
  });

  it('records one FAILED order: of 20 identical simultaneous requests a wallet cannot afford, one answers 1028 and 19 answer 1025', async () => {
    const w = await createWalletWithCode(p, 5_00);
    const params = micropayParams(m, 'lane-8-ticket-9', '12.50', w.payCode);
    const answers = await Promise.all(Array.from({ length: 20 }, () => postSigned(p.url, 'micropay', params, m.key)));

    const codes = answers.map((a) => a.body.code);
    expect(codes.filter((c) => c === 1028)).toHaveLength(1);
    expect(codes.filter((c) => c === 1025)).toHaveLength(19);
    expect(new Set(answers.map((a) => a.body.data?.wavpayOrderId)).size).toBe(1);
    for (const a of answers) expect(a.body.data!.tradeStatus).toBe('FAILED');
    expect(await balanceOf(w.walletId)).toBe(5_00);
    await expectCleanAudit();
  });
});

describe.runIf(SQLITE_RUN)('operators top up wallets from the CLI while payments are in flight', () => {
  it('applies every top-up: final balances are opening + top-ups − paid, and the audit is clean', async () => {
    const POOL = 500;
    const MIN_PAYMENTS = 200;
    const CONCURRENCY = 20;
    const wallets: { walletId: string; payCode: string }[] = [];
    for (let i = 0; i < POOL; i++) wallets.push(await createWalletWithCode(p, 10_00, `Driver ${i}`));

    // Top-ups land on wallets that are being paid at the same time; two pairs hit the same wallet.
    const topups: { walletId: string; amount: string }[] = [
      { walletId: wallets[0]!.walletId, amount: '1.23' },
      { walletId: wallets[1]!.walletId, amount: '5.00' },
      { walletId: wallets[2]!.walletId, amount: '0.01' },
      { walletId: wallets[3]!.walletId, amount: '250.00' },
      { walletId: wallets[3]!.walletId, amount: '0.77' },
      { walletId: wallets[40]!.walletId, amount: '3.30' },
      { walletId: wallets[41]!.walletId, amount: '19.99' },
      { walletId: wallets[41]!.walletId, amount: '0.02' },
    ];

    // Payments stream at CONCURRENCY in flight until at least MIN_PAYMENTS are done and every
    // top-up process has exited, so the two really overlap.
    let cliRunning = topups.length;
    let next = 0;
    let answeredWhileCliRan = 0;
    const answers = new Map<number, PostResult>();
    const cli: Promise<CliResult>[] = topups.map((t) =>
      runCli(['wallet', 'topup', t.walletId, t.amount, '--db', p.dbPath, '--json'], { timeoutMs: 15_000 }).finally(() => {
        cliRunning -= 1;
      }),
    );
    const worker = async () => {
      while (next < POOL && (next < MIN_PAYMENTS || cliRunning > 0)) {
        const i = next++;
        const answer = await pay(`topup-race-${i}`, '10.00', wallets[i]!.payCode);
        answers.set(i, answer);
        if (cliRunning > 0) answeredWhileCliRan += 1;
      }
    };
    // The operator also audits the live store while all this happens.
    const audits = [0, 1].map(() => runCli(['audit', '--db', p.dbPath, '--json'], { timeoutMs: 15_000 }));
    const [results, , auditResults] = await Promise.all([
      Promise.all(cli),
      Promise.all(Array.from({ length: CONCURRENCY }, worker)),
      Promise.all(audits),
    ]);
    for (const a of auditResults) {
      expect(a.code, a.stdout + a.stderr).toBe(0);
      expect(JSON.parse(a.stdout)).toMatchObject({ ok: true });
    }

    for (const [i, r] of results.entries()) {
      expect(r.stderr).toBe('');
      expect(r.code).toBe(0);
      expect(JSON.parse(r.stdout)).toMatchObject({ walletId: topups[i]!.walletId, status: 'active' });
    }
    expect(answers.size).toBeGreaterThanOrEqual(MIN_PAYMENTS);
    expect(answeredWhileCliRan).toBeGreaterThan(0);
    for (const a of answers.values()) expect(a.body.code).toBe(0);

    const toppedUp = new Map<string, number>();
    for (const t of topups) toppedUp.set(t.walletId, (toppedUp.get(t.walletId) ?? 0) + parseAmountSen(t.amount)!);
    for (const [i, w] of wallets.entries()) {
      const expected = 10_00 + (toppedUp.get(w.walletId) ?? 0) - (answers.has(i) ? 10_00 : 0);
      const actual = await balanceOf(w.walletId);
      if (actual !== expected) expect.fail(`wallet ${i} (${w.walletId}): balance ${formatSen(actual)}, expected ${formatSen(expected)}`);
    }
    const totalTopups = [...toppedUp.values()].reduce((a, b) => a + b, 0);
    expect(accountBalance('platform:float')).toBe(-(POOL * 10_00 + totalTopups));
    expect(accountBalance(`merchant:${m.mchId}`)).toBe(answers.size * 10_00);
    await expectCleanAudit();
  });
});
