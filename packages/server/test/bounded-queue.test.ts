import Database from 'better-sqlite3';
import pg from 'pg';
import { afterEach, describe, expect, it } from 'vitest';
import { MicroPayClient } from '@micropay/client';
import { ResultCode, type MicropayCommand } from '@micropay/protocol';
import { loadConfig, type Config } from '../src/config.js';
import { systemClock } from '../src/domain/clock.js';
import { silentLogger } from '../src/log.js';
import { startPlatform, type Platform } from '../src/platform.js';
import { PgStore } from '../src/store/postgres/pg-store.js';
import { SqliteStore } from '../src/store/sqlite/sqlite-store.js';
import type { Store } from '../src/store/store.js';
import { MAX_WAITING_PAYMENTS } from '../src/store/waiting-payments.js';
import { accountBalanceSen, execute } from './db-access.js';
import {
  createMerchant,
  createWalletWithCode,
  emptyTestDatabase,
  micropayParams,
  postSigned,
  TEST_STORE,
  type TestMerchant,
  testConfig,
  testMerchantKeys,
} from './helpers.js';

/**
 * Each store holds at most so many payments waiting to be written (store/waiting-payments.ts); one
 * more is turned away at once with 9007 "platform busy", before anything is recorded, so the
 * merchant may send it again under the same mchOrderId. The bound is set tiny here.
 */
let platform: Platform & { config: Config } | undefined;
let drop: (() => Promise<void>) | undefined;
let release: (() => Promise<void>) | undefined;

afterEach(async () => {
  await release?.();
  await platform?.close();
  await drop?.();
  platform = undefined;
  drop = undefined;
  release = undefined;
});

/** A platform on a fresh database whose store holds at most `maxWaitingPayments` payments. */
async function startBounded(maxWaitingPayments: number): Promise<Platform & { config: Config }> {
  const db = await emptyTestDatabase();
  drop = db.drop;
  // No background job writes while a test stalls the database.
  const quiet = { MICROPAY_SWEEP_INTERVAL_MS: '600000', MICROPAY_NOTIFY_INTERVAL_MS: '600000' };
  const config = testConfig({ db: db.dbPath, port: '0', host: '127.0.0.1', sandbox: false }, quiet);
  const common = {
    clock: systemClock,
    timeZone: config.timeZone,
    policy: { confirmLimitSen: config.confirmLimitSen, confirmTimeoutMs: config.confirmTimeoutS * 1000 },
    newOrderTimeoutMs: config.newOrderTimeoutS * 1000,
    maxWaitingPayments,
    merchantKeys: testMerchantKeys(),
  };
  const store: Store = TEST_STORE === 'sqlite'
    ? new SqliteStore(config.database, { ...common, paymentThread: true })
    : await PgStore.open({ ...common, url: config.database, poolSize: config.pgPoolSize, statementTimeoutMs: config.pgStatementTimeoutMs });
  platform = { ...(await startPlatform(config, silentLogger, { store })), config };
  return platform;
}

/**
 * Stalls the store's payment writes, as a stuck database would: another connection holds SQLite's
 * write lock, or PostgreSQL's lock on the payment code. Resolves once the stall is in place.
 */
async function stallPayments(database: string, payCode: string): Promise<void> {
  if (TEST_STORE === 'sqlite') {
    const other = new Database(database);
    other.exec('BEGIN IMMEDIATE');
    release = async () => {
      other.exec('ROLLBACK');
      other.close();
    };
    return;
  }
  const other = new pg.Client({ connectionString: database });
  await other.connect();
  await other.query('BEGIN');
  await other.query('SELECT code FROM pay_codes WHERE code = $1 FOR UPDATE', [payCode]);
  release = async () => {
    await other.query('ROLLBACK');
    await other.end();
  };
}

function command(m: TestMerchant, mchOrderId: string, amountSen: number, payCode: string): MicropayCommand {
  return { mchId: m.mchId, mchOrderId, amountSen, goodsInfo: 'parking', discountSen: null, point: null, payCode, timestampMs: Date.now() };
}

describe('a full payment queue', () => {
  it('is far above a busy server by default', () => {
    expect(MAX_WAITING_PAYMENTS).toBe(10_000);
  });

  it('turns the next payment away unrecorded; freed places take payments again', async () => {
    const p = await startBounded(2);
    const m = await createMerchant(p, 'Bounded Car Park');
    const [a, b, c] = await Promise.all([1, 2, 3].map(() => createWalletWithCode(p, 10_00)));
    // Asked in one go: the first two wait for their batch, the third finds no place.
    const answers = [p.store.pay(command(m, 'A', 1_00, a!.payCode)), p.store.pay(command(m, 'B', 1_00, b!.payCode)), p.store.pay(command(m, 'C', 1_00, c!.payCode))];
    expect(await answers[2]).toEqual({ kind: 'rejected', reason: 'PLATFORM_BUSY' });
    expect((await answers[0])!.kind).toBe('paid');
    expect((await answers[1])!.kind).toBe('paid');
    expect(await p.store.findOrder(m.mchId, 'C')).toBeNull();
    expect(await accountBalanceSen(p.store, `wallet:${c!.walletId}`)).toBe(10_00);
    // Answered payments free their places: the same payment, sent again, is paid.
    expect((await p.store.pay(command(m, 'C', 1_00, c!.payCode))).kind).toBe('paid');
    expect(await accountBalanceSen(p.store, `wallet:${c!.walletId}`)).toBe(9_00);
  });

  it('answers micropay 9007 "platform busy" with no data; the same mchOrderId pays once the queue drains', async () => {
    const p = await startBounded(1);
    const m = await createMerchant(p, 'Bounded Car Park');
    const [stuck, next] = await Promise.all([createWalletWithCode(p, 10_00), createWalletWithCode(p, 10_00)]);
    await stallPayments(p.config.database, stuck.payCode);
    const waiting = p.store.pay(command(m, 'STUCK', 1_00, stuck.payCode));

    const busy = await postSigned(p.url, 'micropay', micropayParams(m, 'NEXT', '2.00', next.payCode), m.key);
    expect(busy.status).toBe(200);
    expect(busy.text).toBe(JSON.stringify({ code: ResultCode.PLATFORM_BUSY, msg: 'platform busy', data: null }));
    const unrecorded = await postSigned(p.url, 'queryBill', { mchId: m.mchId, mchOrderId: 'NEXT' }, m.key);
    expect(unrecorded.body.code).toBe(ResultCode.NO_RECORD);

    await release!();
    release = undefined;
    expect((await waiting).kind).toBe('paid');
    const again = await postSigned(p.url, 'micropay', micropayParams(m, 'NEXT', '2.00', next.payCode), m.key);
    expect(again.body.code).toBe(ResultCode.SUCCESS);
    expect(await accountBalanceSen(p.store, `wallet:${next.walletId}`)).toBe(8_00);
  });

  it('a payment that fails frees its place too: after faults, the full number of places takes payments again', async () => {
    const p = await startBounded(2);
    const m = await createMerchant(p, 'Bounded Car Park');
    // A fault no request can cause: the database refuses to record these payments as paid.
    if (p.store.kind === 'sqlite') {
      await execute(p.store, `CREATE TRIGGER refuse_boom BEFORE INSERT ON orders
        WHEN NEW.goods_info = 'boom' AND NEW.status = 'PAID' BEGIN SELECT RAISE(ABORT, 'injected fault'); END`);
    } else {
      await execute(p.store, `CREATE FUNCTION refuse_boom() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
          IF NEW.goods_info = 'boom' AND NEW.status = 'PAID' THEN RAISE EXCEPTION 'injected fault'; END IF;
          RETURN NEW;
        END $$`);
      await execute(p.store, 'CREATE TRIGGER refuse_boom BEFORE INSERT ON orders FOR EACH ROW EXECUTE FUNCTION refuse_boom()');
    }
    const wallets = await Promise.all([1, 2, 3, 4].map(() => createWalletWithCode(p, 10_00)));
    for (let round = 0; round < 3; round++) {
      const faults = await Promise.allSettled(
        wallets.slice(0, 2).map((w, i) => p.store.pay({ ...command(m, `BOOM-${round}-${i}`, 1_00, w.payCode), goodsInfo: 'boom' })),
      );
      for (const f of faults) expect(f.status === 'rejected' || f.value.kind !== 'paid').toBe(true);
      expect(faults.some((f) => f.status === 'fulfilled' && f.value.kind === 'rejected' && f.value.reason === 'PLATFORM_BUSY')).toBe(false);
    }
    // Had a failed payment kept its place, these would be turned away as busy.
    const paid = await Promise.all(wallets.slice(2).map((w, i) => p.store.pay(command(m, `OK-${i}`, 1_00, w.payCode))));
    expect(paid.map((d) => d.kind)).toEqual(['paid', 'paid']);
  });

  it("the client's pay() takes 9007 as unrecorded: it queries, finds no record, sends the same order again and ends PAID, charged once", async () => {
    const p = await startBounded(1);
    const m = await createMerchant(p, 'Bounded Car Park');
    const [stuck, next] = await Promise.all([createWalletWithCode(p, 10_00), createWalletWithCode(p, 10_00)]);
    await stallPayments(p.config.database, stuck.payCode);
    const waiting = p.store.pay(command(m, 'STUCK', 1_00, stuck.payCode));

    const client = new MicroPayClient({ baseUrl: p.url, mchId: m.mchId, apiKey: m.key });
    const steps: string[] = [];
    const outcome = await client.pay(
      { mchOrderId: 'NEXT', amount: '2.00', payCode: next.payCode, goodsInfo: 'parking' },
      {
        firstQueryDelayMs: 20,
        queryIntervalMs: 20,
        deadlineMs: 10_000,
        onProgress: (event) => {
          steps.push(event.step === 'outcome-unknown' ? `outcome-unknown ${(event.error as { code?: number }).code}` : event.step);
          // The first answer was 9007: let the stuck payment through, so the queue drains.
          if (event.step === 'outcome-unknown' && release !== undefined) {
            const r = release;
            release = undefined;
            void r();
          }
        },
      },
    );
    expect(outcome.status).toBe('PAID');
    expect((await waiting).kind).toBe('paid');
    expect(steps.slice(0, 5)).toEqual(['sending', 'outcome-unknown 9007', 'querying', 'not-recorded', 'sending']);
    expect(await accountBalanceSen(p.store, `wallet:${next.walletId}`)).toBe(8_00);
  });
});
