import { MAX_WALLET_BALANCE_SEN } from '../src/domain/wallet.js';
import pg from 'pg';
import { afterEach, describe, expect, it } from 'vitest';
import { Secret, type MicropayCommand, type RefundCommand } from '@micropay/protocol';
import { systemClock } from '../src/domain/clock.js';
import { orderMove } from '../src/domain/effects.js';
import { newApiKey } from '../src/domain/ids.js';
import { walletAccount } from '../src/domain/ledger.js';
import { IdClashError } from '../src/store/id-clash.js';
import { PgStore } from '../src/store/postgres/pg-store.js';
import { SandboxFault } from '../src/store/store.js';
import { sql } from './db-access.js';
import { createMerchant, createWalletWithCode, emptyTestDatabase, startTestPlatform, type TestMerchant, type TestPlatform, testConfig, testMerchantKeys } from './helpers.js';

/**
 * The PostgreSQL adapter's own rules (store/postgres): the effects it applies assert what the
 * decision read, drawn ids that clash are IdClashError, the wallet view locks the wallet row only,
 * and sandbox payments queue like any other. (PostgreSQL run only; see vitest.config.ts.)
 */
let p: TestPlatform | undefined;
let cleanup: (() => Promise<void>)[] = [];

afterEach(async () => {
  for (const step of cleanup.reverse()) await step();
  cleanup = [];
  await p?.stop();
  p = undefined;
});

function cmd(m: TestMerchant, mchOrderId: string, amountSen: number, payCode: string): MicropayCommand {
  return { mchId: m.mchId, mchOrderId, amountSen, goodsInfo: 'parking', discountSen: null, point: null, payCode, timestampMs: Date.now() };
}

function refundCmd(m: TestMerchant, mchOrderId: string, mchRefundId: string, amountSen: number): RefundCommand {
  return { mchId: m.mchId, mchOrderId, mchRefundId, refundAmountSen: amountSen, reason: null, timestampMs: Date.now() };
}

/** A second connection, in a transaction that holds what `lockSql` locks until the test ends. */
async function holdLocks(url: string, lockSql: string, values: unknown[]): Promise<void> {
  const other = new pg.Client({ connectionString: url });
  await other.connect();
  await other.query('BEGIN');
  await other.query(lockSql, values);
  cleanup.push(async () => {
    await other.query('ROLLBACK');
    await other.end();
  });
}

/** The promise's value, or 'waiting' when it is still unsettled after `ms`. */
function within<T>(promise: Promise<T>, ms: number): Promise<T | 'waiting'> {
  return Promise.race([promise, new Promise<'waiting'>((r) => setTimeout(() => r('waiting'), ms))]);
}

describe('the effects the PostgreSQL store applies', () => {
  it('move an order only from the refunded amount it was read with, not only its status', async () => {
    p = await startTestPlatform();
    const m = await createMerchant(p, 'CAS Car Park');
    const w = await createWalletWithCode(p, 10_00);
    expect((await p.store.pay(cmd(m, 'cas-1', 5_00, w.payCode))).kind).toBe('paid');
    expect((await p.store.requestRefund(refundCmd(m, 'cas-1', 'R1', 1_00))).kind).toBe('accepted');
    const stale = (await p.store.findOrder(m.mchId, 'cas-1'))!;
    expect(stale).toMatchObject({ status: 'REFUND_IN_PROCESS', refundedSen: 1_00 });
    // Another refund of the order reserves its amount: the status stays, the refunded amount grows.
    expect((await p.store.requestRefund(refundCmd(m, 'cas-1', 'R2', 2_00))).kind).toBe('accepted');
    const store = p.store as PgStore;
    const move = orderMove(stale, 'REFUND_IN_PROCESS', Date.now(), { refundedSen: stale.refundedSen + 4_00 });
    await expect(store.applyEffects([move])).rejects.toThrow(/still REFUND_IN_PROCESS when it moves to REFUND_IN_PROCESS \(100 sen refunded\)/);
    expect((await p.store.findOrder(m.mchId, 'cas-1'))!.refundedSen).toBe(3_00);
  });

  it('answer a drawn id already taken (wallet, payment code, refund) with IdClashError, writing nothing', async () => {
    p = await startTestPlatform();
    const m = await createMerchant(p, 'Clash Car Park');
    const store = p.store as PgStore;
    const a = await createWalletWithCode(p, 10_00);
    const b = await createWalletWithCode(p, 10_00);
    const now = Date.now();
    const wallet = { walletId: a.walletId, name: 'again', tokenHash: null, pinHash: null, confirmLimitSen: null, createdAtMs: now };
    await expect(store.applyEffects([{ kind: 'insertWallet', wallet }])).rejects.toThrow(IdClashError);
    const code = { code: a.payCode, walletId: b.walletId, status: 'active' as const, issuedAtMs: now, expiresAtMs: now + 60_000 };
    await expect(store.applyEffects([{ kind: 'issueCode', code }])).rejects.toThrow(IdClashError);
    // The clash rolled back the retiring of b's code too.
    expect(await sql(p.store, 'SELECT status FROM pay_codes WHERE code = ?', [b.payCode])).toEqual([{ status: 'active' }]);

    expect((await p.store.pay(cmd(m, 'clash-1', 5_00, a.payCode))).kind).toBe('paid');
    const first = await p.store.requestRefund(refundCmd(m, 'clash-1', 'R1', 1_00));
    if (first.kind !== 'accepted') throw new Error(first.kind);
    const sameId = { ...first.refund, mchRefundId: 'R2' };
    await expect(store.applyEffects([{ kind: 'insertRefund', refund: sameId }])).rejects.toThrow(IdClashError);
    const sameNumber = { ...first.refund, refundId: `${first.refund.refundId.slice(0, -1)}X` };
    await expect(store.applyEffects([{ kind: 'insertRefund', refund: sameNumber }])).rejects.toThrow(IdClashError);
    expect(await sql(p.store, 'SELECT COUNT(*)::int AS n FROM refunds')).toEqual([{ n: 1 }]);
  });
});

describe('the wallet view', () => {
  it('locks the wallet row only: codes are issued and statuses change while a payment holds the wallet balance', async () => {
    p = await startTestPlatform();
    const w = await createWalletWithCode(p, 10_00);
    // What a payment batch holds after the codes: the wallet's account and balance shard.
    await holdLocks(p.dbPath, 'SELECT 1 FROM accounts a JOIN account_shards s ON s.account_id = a.id WHERE a.id = $1 FOR UPDATE', [walletAccount(w.walletId)]);
    const issued = await within(p.store.issuePayCode(w.walletId, 60_000), 3_000);
    expect(issued).toMatchObject({ walletId: w.walletId, status: 'active' });
    expect(await within(p.store.setWalletStatus(w.walletId, 'frozen'), 3_000)).toMatchObject({ status: 'frozen' });
    expect(await within(p.store.updateWalletSecurity(w.walletId, { confirmLimitSen: 5_00 }), 3_000)).toMatchObject({ confirmLimitSen: 5_00 });
  });

  it('a top-up locks the balance too: a credit in flight counts against the cap it checks', async () => {
    p = await startTestPlatform();
    const w = await p.store.createWallet({ name: 'Near the cap', openingSen: MAX_WALLET_BALANCE_SEN - 10 });
    // A refund's credit to the wallet, written but not yet committed, holding the balance rows.
    const other = new pg.Client({ connectionString: p.dbPath });
    await other.connect();
    cleanup.push(() => other.end());
    await other.query('BEGIN');
    await other.query('UPDATE account_shards SET balance_sen = balance_sen + 5 WHERE account_id = $1', [walletAccount(w.walletId)]);
    const topUp = p.store.topUp(w.walletId, 10).then(() => 'topped up', (e: Error) => e.name);
    await new Promise((r) => setTimeout(r, 300));
    await other.query('COMMIT');
    // It read the balance after the credit, so 10 more would pass the cap: refused, nothing written.
    expect(await within(topUp, 3_000)).toBe('WalletBalanceLimitError');
    expect((await p.store.findWallet(w.walletId))!.balanceSen).toBe(MAX_WALLET_BALANCE_SEN - 5);
  });
});

describe('row locks that payments meet', () => {
  /** What inserting an order or an outbox row takes on its wallet's and merchant's rows (foreign keys). */
  const KEY_SHARE = (table: string, column: string) => `SELECT 1 FROM ${table} WHERE ${column} = $1 FOR KEY SHARE`;

  it('a code issue, a top-up or a status change does not wait for a payment holding the wallet row KEY SHARE', async () => {
    p = await startTestPlatform();
    const w = await createWalletWithCode(p, 10_00);
    await holdLocks(p.dbPath, KEY_SHARE('wallets', 'wallet_id'), [w.walletId]);
    expect(await within(p.store.issuePayCode(w.walletId, 60_000), 3_000)).toMatchObject({ status: 'active' });
    expect(await within(p.store.topUp(w.walletId, 1_00), 3_000)).toMatchObject({ balanceSen: 11_00 });
    expect(await within(p.store.setWalletStatus(w.walletId, 'frozen'), 3_000)).toMatchObject({ status: 'frozen' });
  });

  it("a merchant's status, name or key changes without waiting for its payments' KEY SHARE on its row", async () => {
    p = await startTestPlatform();
    const m = await createMerchant(p, 'Busy Car Park');
    await holdLocks(p.dbPath, KEY_SHARE('merchants', 'mch_id'), [m.mchId]);
    expect(await within(p.store.setMerchantStatus(m.mchId, 'disabled'), 3_000)).toMatchObject({ status: 'disabled' });
    expect(await within(p.store.updateMerchant(m.mchId, { name: 'Busier Car Park' }), 3_000)).toMatchObject({ name: 'Busier Car Park' });
  });
});

describe('a payment alone whose batch failed', () => {
  it('runs again afresh, as any payment of a failed batch does, and pays', async () => {
    p = await startTestPlatform();
    const m = await createMerchant(p, 'Flaky Car Park');
    const w = await createWalletWithCode(p, 10_00);
    // The first order insert fails once (a sequence is not rolled back with the failed transaction).
    await sql(p.store, `CREATE SEQUENCE fail_once`);
    await sql(p.store, `CREATE FUNCTION fail_once() RETURNS trigger AS $$ BEGIN
      IF nextval('fail_once') = 1 THEN RAISE EXCEPTION 'a transient fault'; END IF; RETURN NEW; END $$ LANGUAGE plpgsql`);
    await sql(p.store, 'CREATE TRIGGER fail_once BEFORE INSERT ON orders FOR EACH ROW EXECUTE FUNCTION fail_once()');
    const before = p.store.batchStats.fallbacks;
    expect((await p.store.pay(cmd(m, 'once-1', 1_00, w.payCode))).kind).toBe('paid');
    expect(p.store.batchStats.fallbacks).toBe(before + 1);
  });
});

describe('sandbox payments', () => {
  it('take a place in the bounded queue like any other', async () => {
    const db = await emptyTestDatabase();
    cleanup.push(db.drop);
    const config = testConfig({ db: db.dbPath, port: '0', host: '127.0.0.1', sandbox: true }, {});
    const store = await PgStore.open({
      url: config.database, poolSize: 4, statementTimeoutMs: 30_000, clock: systemClock, timeZone: config.timeZone,
      policy: { confirmLimitSen: config.confirmLimitSen, confirmTimeoutMs: 60_000 }, newOrderTimeoutMs: 60_000, maxWaitingPayments: 1,
      merchantKeys: testMerchantKeys(),
    });
    cleanup.push(() => store.close());
    const m = await store.createMerchant({ name: 'Sandbox Car Park', apiKey: new Secret(newApiKey()) });
    const tm = { mchId: m.mchId, key: '', name: m.name };
    const [code, free] = await Promise.all([1, 2].map(async () => {
      const issued = await store.issuePayCode((await store.createWallet({ name: 'w', openingSen: 10_00 })).walletId, 60_000);
      if (typeof issued === 'string') throw new Error(issued);
      return issued.code;
    }));
    await holdLocks(db.dbPath, 'SELECT 1 FROM pay_codes WHERE code = $1 FOR UPDATE', [code]);
    const stuck = store.pay(cmd(tm, 'stuck', 1_00, code!));
    // With another code, which nothing holds: only a full queue keeps them from being written.
    for (const options of [{ sandboxFault: true }, { forceConfirmation: true }]) {
      expect(await store.pay(cmd(tm, 'sandbox', 1_00, free!), options)).toEqual({ kind: 'rejected', reason: 'PLATFORM_BUSY' });
    }
    await cleanup.pop()!();
    expect((await stuck).kind).toBe('paid');
  });

  it('a sandbox fault rides alone in its batch: it is recorded NEW, and the payments queued with it pay in theirs', async () => {
    p = await startTestPlatform({}, undefined, { sandbox: true });
    const m = await createMerchant(p, 'Fault Car Park');
    const wallets = await Promise.all(Array.from({ length: 10 }, () => createWalletWithCode(p!, 10_00)));
    const before = { ...p.store.batchStats };
    const answers = await Promise.allSettled(wallets.map((w, i) => p!.store.pay(cmd(m, `f-${i}`, 1_00, w.payCode), { sandboxFault: i === 4 })));
    expect(answers.map((a) => (a.status === 'fulfilled' ? a.value.kind : (a.reason as Error).name))).toEqual(
      [0, 1, 2, 3, 4, 5, 6, 7, 8, 9].map((i) => (i === 4 ? new SandboxFault().name : 'paid')),
    );
    expect((await p.store.findOrder(m.mchId, 'f-4'))!.status).toBe('NEW');
    expect(await sql(p.store, 'SELECT status FROM pay_codes WHERE code = ?', [wallets[4]!.payCode])).toEqual([{ status: 'active' }]);
    expect(p.store.batchStats.fallbacks).toBe(before.fallbacks);
  });
});
