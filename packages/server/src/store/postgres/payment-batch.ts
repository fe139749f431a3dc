import { randomUUID } from 'node:crypto';
import type pg from 'pg';
import type { MicropayCommand } from '@micropay/protocol';
import type { Clock } from '../../domain/clock.js';
import type { OrderIdSource } from '../../domain/ids.js';
import { assert, merchantAccount } from '../../domain/ledger.js';
import type { Order, PaymentPolicy } from '../../domain/model.js';
import { assertTransition } from '../../domain/order-state.js';
import { decidePayment, paymentFingerprint, type PaymentDecision } from '../../domain/payment.js';
import { toOrder, toPayCode, toWallet, type Row } from '../rows.js';
import type { PayOptions } from '../store.js';
import { PLATFORM_BUSY, WaitingPayments } from '../waiting-payments.js';
import { LOCK_ORDER_IDS_SHARED } from './order-id-locks.js';
import type { PgWrites } from './writes.js';

/** Most payments decided and written in one transaction. */
const MAX_BATCH = 256;
/** Batches in flight at once, each on its own pool connection. */
const MAX_CONCURRENT_BATCHES = 4;

interface Queued {
  readonly cmd: MicropayCommand;
  readonly options: PayOptions;
  readonly resolve: (decision: PaymentDecision) => void;
  readonly reject: (error: unknown) => void;
}

export interface PaymentBatchOptions {
  readonly pool: pg.Pool;
  readonly writes: PgWrites;
  readonly clock: Clock;
  readonly policy: PaymentPolicy;
  readonly orderIds: OrderIdSource;
  /** The one-payment-per-transaction path: the fallback for a batch that met any error. */
  readonly payOne: (cmd: MicropayCommand, options: PayOptions) => Promise<PaymentDecision>;
  /** Payments held waiting to be written before more are turned away (tests set it small). */
  readonly maxWaitingPayments?: number;
}

/**
 * Group commit on PostgreSQL. A payment costs about a dozen statements when it runs alone, and on
 * a small machine the round trips, not the disk, are the limit (npm run bench; docs/benchmarks.md).
 * So the payments that queue up while earlier batches are in flight are decided together in one
 * transaction of seven round trips, whatever their number:
 *
 *   BEGIN
 *   lock every order id, shared (against closeBill recording it closed meanwhile: order-id-locks.ts)
 *   lock every payment code and its wallet (one SELECT … FOR UPDATE, codes in order)
 *   read every existing order (mchId, mchOrderId), which ids were closed before any payment, and
 *   whether each merchant is still active
 *   — decidePayment for each, in TypeScript, exactly as the single path decides —
 *   write every order, code use, journal entry, posting, wallet debit, hold and outbox row (one statement)
 *   credit each merchant once with the batch's sum, on a balance shard nobody holds (SKIP LOCKED)
 *   COMMIT
 *
 * The locks are taken in the store's one order (pg-store.ts): order ids, then codes with their
 * wallets' balances, then merchant shards. Payments of one batch never share a code, an order id
 * or a wallet: a second payment with any of them waits for the next batch, so each decision sees
 * exactly what the single path would see. Sandbox rehearsals take the single path. If anything
 * in a batch fails — another process inserted the same order first, a deadlock, a lost
 * connection — the whole batch is rolled back and every payment in it runs again on the single
 * path, with its retries and its NEW-after-a-fault record.
 * Nothing is answered before COMMIT returns, so an answered PAID is durable as before.
 */
export class PgPaymentBatches {
  readonly #o: PaymentBatchOptions;
  readonly #queue: Queued[] = [];
  /** Payments queued or in a batch being written: bounded (waiting-payments.ts). */
  readonly #waiting: WaitingPayments;
  #running = 0;
  #scheduled = false;
  /** Batches committed and payments in them, and batches that fell back to the single path. */
  readonly stats = { batches: 0, payments: 0, fallbacks: 0 };

  constructor(options: PaymentBatchOptions) {
    this.#o = options;
    this.#waiting = new WaitingPayments(options.maxWaitingPayments);
  }

  pay(cmd: MicropayCommand, options: PayOptions): Promise<PaymentDecision> {
    if (options.sandboxFault || options.forceConfirmation) return this.#o.payOne(cmd, options);
    const waiting = this.#waiting;
    if (!waiting.admit()) return Promise.resolve(PLATFORM_BUSY);
    // Its place is freed however it is answered: in a batch, on the single path, or by an error.
    const freeing = <A>(answer: (a: A) => void) => (a: A): void => {
      waiting.release();
      answer(a);
    };
    return new Promise((resolve, reject) => {
      this.#queue.push({ cmd, options, resolve: freeing(resolve), reject: freeing(reject) });
      this.#schedule();
    });
  }

  /** Resolves when no payment is queued or in flight (before the pool closes). */
  async drain(): Promise<void> {
    while (this.#queue.length > 0 || this.#running > 0 || this.#scheduled) await new Promise((r) => setTimeout(r, 5));
  }

  /** Starts a batch on the next turn, so the payments arriving in this one go together. */
  #schedule(): void {
    if (this.#scheduled || this.#running >= MAX_CONCURRENT_BATCHES || this.#queue.length === 0) return;
    this.#scheduled = true;
    setImmediate(() => {
      this.#scheduled = false;
      while (this.#running < MAX_CONCURRENT_BATCHES && this.#queue.length > 0) {
        const batch = this.#take();
        this.#running++;
        void this.#run(batch).finally(() => {
          this.#running--;
          this.#schedule();
        });
      }
    });
  }

  /** Up to MAX_BATCH queued payments with distinct codes and order ids; the others stay queued. */
  #take(): Queued[] {
    const batch: Queued[] = [];
    const left: Queued[] = [];
    const codes = new Set<string>();
    const orders = new Set<string>();
    for (const item of this.#queue) {
      const orderKey = `${item.cmd.mchId}\u0000${item.cmd.mchOrderId}`;
      if (batch.length >= MAX_BATCH || codes.has(item.cmd.payCode) || orders.has(orderKey)) left.push(item);
      else {
        batch.push(item);
        codes.add(item.cmd.payCode);
        orders.add(orderKey);
      }
    }
    this.#queue.length = 0;
    this.#queue.push(...left);
    return batch;
  }

  async #run(batch: Queued[]): Promise<void> {
    let outcome: { decided: Map<Queued, PaymentDecision>; deferred: Queued[] };
    try {
      outcome = await this.#transaction(batch);
    } catch {
      // The batch left nothing behind: each payment runs again on its own.
      this.stats.fallbacks += 1;
      await Promise.all(batch.map((item) => this.#o.payOne(item.cmd, item.options).then(item.resolve, item.reject)));
      return;
    }
    this.stats.batches += 1;
    this.stats.payments += outcome.decided.size;
    for (const [item, decision] of outcome.decided) item.resolve(decision);
    if (outcome.deferred.length > 0) {
      this.#queue.unshift(...outcome.deferred);
      this.#schedule();
    }
  }

  async #transaction(batch: Queued[]): Promise<{ decided: Map<Queued, PaymentDecision>; deferred: Queued[] }> {
    const c = await this.#o.pool.connect();
    let broken: Error | undefined;
    try {
      await c.query('BEGIN ISOLATION LEVEL READ COMMITTED');
      try {
        const result = await this.#decideAndWrite(c, batch);
        await c.query('COMMIT');
        return result;
      } catch (error) {
        await c.query('ROLLBACK').catch((e: Error) => (broken = e));
        throw error;
      }
    } finally {
      // A connection whose ROLLBACK failed is not given back to the pool.
      c.release(broken);
    }
  }

  async #decideAndWrite(c: pg.PoolClient, batch: Queued[]): Promise<{ decided: Map<Queued, PaymentDecision>; deferred: Queued[] }> {
    const now = this.#o.clock.nowMs();
    const mchIds = batch.map((i) => i.cmd.mchId);
    const mchOrderIds = batch.map((i) => i.cmd.mchOrderId);
    await c.query({ name: 'micropay_batch_lock_order_ids', text: LOCK_ORDER_IDS_SHARED, values: [mchIds, mchOrderIds] });
    // Codes (and with them their wallets) are locked in code order, the same in every batch.
    const locked = await c.query({
      name: 'micropay_batch_lock_codes',
      text: `SELECT c.code, c.wallet_id AS code_wallet_id, c.status AS code_status, c.issued_at_ms AS code_issued_at_ms,
                    c.expires_at_ms AS code_expires_at_ms, w.*, s.balance_sen, a.held_sen
               FROM pay_codes c
               JOIN wallets w ON w.wallet_id = c.wallet_id
               JOIN accounts a ON a.id = w.account_id
               JOIN account_shards s ON s.account_id = a.id AND s.shard = 0
              WHERE c.code = ANY($1::text[])
              ORDER BY c.code
                FOR UPDATE OF c, a, s`,
      values: [batch.map((i) => i.cmd.payCode)],
    });
    const byCode = new Map((locked.rows as Row[]).map((r) => [r.code as string, r]));
    // Read after the codes are locked, so a payment that raced for the same code sees the order
    // its winner committed (READ COMMITTED: each statement sees what was committed before it).
    // Per payment: the existing order, whether the id was closed before any payment (both read
    // after the id's lock), and the merchant's status as of now (the API's check may be cached).
    const existing = await c.query({
      name: 'micropay_batch_find_orders',
      text: `SELECT x.mch_id AS req_mch_id, x.mch_order_id AS req_mch_order_id, c.mch_id IS NOT NULL AS closed_unused,
                    m.status = 'active' AS merchant_active, m.notify_url IS NOT NULL AS merchant_notifies, o.*
               FROM unnest($1::text[], $2::text[]) AS x (mch_id, mch_order_id)
               LEFT JOIN merchants m ON m.mch_id = x.mch_id
               LEFT JOIN orders o ON o.mch_id = x.mch_id AND o.mch_order_id = x.mch_order_id
               LEFT JOIN closed_order_ids c ON c.mch_id = x.mch_id AND c.mch_order_id = x.mch_order_id`,
      values: [mchIds, mchOrderIds],
    });
    const key = (mchId: string, mchOrderId: string) => `${mchId}\u0000${mchOrderId}`;
    const found = existing.rows as Row[];
    const keyOf = (r: Row) => key(r.req_mch_id as string, r.req_mch_order_id as string);
    const byOrder = new Map(found.filter((r) => r.order_id !== null).map((r) => [keyOf(r), toOrder(r)]));
    const closedIds = new Set(found.filter((r) => r.closed_unused === true).map(keyOf));
    const activeMerchants = new Set(found.filter((r) => r.merchant_active === true).map((r) => r.req_mch_id as string));
    // Only merchants with a notify URL get outbox rows: no payload is built or sent for the others.
    const notifying = new Set(found.filter((r) => r.merchant_notifies === true).map((r) => r.req_mch_id as string));

    const decided = new Map<Queued, PaymentDecision>();
    const deferred: Queued[] = [];
    const wallets = new Set<string>();
    const w = new BatchWrites();
    for (const item of batch) {
      const { cmd } = item;
      const order = byOrder.get(key(cmd.mchId, cmd.mchOrderId)) ?? null;
      const closedUnused = closedIds.has(key(cmd.mchId, cmd.mchOrderId));
      const row = byCode.get(cmd.payCode);
      const payCode =
        row === undefined
          ? null
          : toPayCode({ code: row.code, wallet_id: row.code_wallet_id, status: row.code_status, issued_at_ms: row.code_issued_at_ms, expires_at_ms: row.code_expires_at_ms });
      const wallet = order === null && !closedUnused && row !== undefined ? toWallet(row) : null;
      if (wallet !== null) {
        // One payment per wallet per batch: the next one must see this one's debit or hold.
        if (wallets.has(wallet.walletId)) {
          deferred.push(item);
          continue;
        }
        wallets.add(wallet.walletId);
      }
      const merchantActive = activeMerchants.has(cmd.mchId);
      const decision = decidePayment(cmd, { existing: order, payCode, wallet, closedUnused, merchantActive }, this.#o.policy, now, this.#o.orderIds.next(now), paymentFingerprint(cmd));
      decided.set(item, decision);
      switch (decision.kind) {
        case 'repeat':
        case 'rejected':
          break;
        case 'failed':
          w.order(decision.order, cmd.payCode);
          if (notifying.has(cmd.mchId)) w.notification(cmd.mchId, 'FAILED', decision.order);
          break;
        case 'pending':
          w.order(decision.order, cmd.payCode);
          w.useCode(cmd.payCode, decision.order.orderId);
          w.hold(row!.account_id as string, decision.order.amountSen);
          break;
        case 'paid': {
          w.order(decision.order, cmd.payCode);
          w.useCode(cmd.payCode, decision.order.orderId);
          const [debit, credit] = decision.entry.postings;
          assert(
            decision.entry.postings.length === 2 && debit!.accountId === row!.account_id && debit!.amountSen === -decision.order.amountSen
              && credit!.accountId === merchantAccount(cmd.mchId) && credit!.amountSen === decision.order.amountSen,
            'a payment entry moves its amount from the wallet to the merchant',
          );
          w.payment(decision.order.orderId, debit!.accountId, credit!.accountId, decision.order.amountSen);
          if (notifying.has(cmd.mchId)) w.notification(cmd.mchId, 'PAID', decision.order);
          break;
        }
      }
    }
    if (w.orders.order_id.length > 0) await this.#write(c, w, now);
    await this.#creditMerchants(c, w.credits);
    return { decided, deferred };
  }

  /** Every row the batch's decisions name, in one statement; the counts prove each was written. */
  async #write(c: pg.PoolClient, w: BatchWrites, now: number): Promise<void> {
    const o = w.orders;
    const { rows } = await c.query({
      name: 'micropay_batch_write',
      text: `WITH
        o AS (INSERT INTO orders (order_id, mch_id, mch_order_id, amount_sen, goods_info, discount_sen, point, pay_code,
                                  wallet_id, status, fail_reason, fingerprint, trade_time_ms, pay_time_ms, deadline_ms,
                                  refunded_sen, updated_at_ms)
              SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::bigint[], $5::text[], $6::bigint[], $7::bigint[],
                                   $8::text[], $9::text[], $10::text[], $11::text[], $12::text[], $13::bigint[], $14::bigint[],
                                   $15::bigint[], $16::bigint[], $17::bigint[])
              RETURNING 1),
        u AS (UPDATE pay_codes c SET status = 'used', order_id = x.order_id FROM unnest($18::text[], $31::text[]) AS x (code, order_id)
               WHERE c.code = x.code AND c.status = 'active' RETURNING 1),
        src AS MATERIALIZED (
              SELECT x.*, nextval(pg_get_serial_sequence('journal_entries', 'entry_id')) AS entry_id
                FROM unnest($19::text[], $20::text[], $21::text[], $22::bigint[]) AS x (order_id, debit_account, credit_account, amount_sen)),
        e AS (INSERT INTO journal_entries (entry_id, kind, order_id, created_at_ms)
              SELECT entry_id, 'payment', order_id, $23::bigint FROM src RETURNING 1),
        p AS (INSERT INTO postings (entry_id, account_id, amount_sen)
              SELECT entry_id, debit_account, -amount_sen FROM src UNION ALL SELECT entry_id, credit_account, amount_sen FROM src
              RETURNING 1),
        d AS (UPDATE account_shards s SET balance_sen = s.balance_sen - src.amount_sen FROM src
               WHERE s.account_id = src.debit_account AND s.shard = 0 RETURNING 1),
        h AS (UPDATE accounts a SET held_sen = a.held_sen + x.amount_sen FROM unnest($24::text[], $25::bigint[]) AS x (account_id, amount_sen)
               WHERE a.id = x.account_id RETURNING 1),
        n AS (INSERT INTO notifications (notification_id, mch_id, event_type, subject_id, url, payload, status, attempts,
                                         next_attempt_at_ms, created_at_ms)
              SELECT x.notification_id, m.mch_id, x.event_type, x.subject_id, m.notify_url, x.payload, 'pending', 0, $23::bigint, $23::bigint
                FROM unnest($26::text[], $27::text[], $28::text[], $29::text[], $30::text[]) AS x (notification_id, mch_id, event_type, subject_id, payload)
                JOIN merchants m ON m.mch_id = x.mch_id AND m.notify_url IS NOT NULL
              RETURNING 1)
      SELECT (SELECT COUNT(*) FROM o)::int AS orders, (SELECT COUNT(*) FROM u)::int AS codes, (SELECT COUNT(*) FROM e)::int AS entries,
             (SELECT COUNT(*) FROM p)::int AS postings, (SELECT COUNT(*) FROM d)::int AS debits, (SELECT COUNT(*) FROM h)::int AS holds`,
      values: [
        o.order_id, o.mch_id, o.mch_order_id, o.amount_sen, o.goods_info, o.discount_sen, o.point, o.pay_code, o.wallet_id, o.status,
        o.fail_reason, o.fingerprint, o.trade_time_ms, o.pay_time_ms, o.deadline_ms, o.refunded_sen, o.updated_at_ms,
        w.usedCodes.code,
        w.entries.order_id, w.entries.debit, w.entries.credit, w.entries.amount, now,
        w.holds.account, w.holds.amount,
        w.notes.id, w.notes.mch_id, w.notes.event, w.notes.subject, w.notes.payload,
        w.usedCodes.order_id,
      ],
    });
    const n = rows[0] as { orders: number; codes: number; entries: number; postings: number; debits: number; holds: number };
    assert(n.orders === o.order_id.length, 'every order of the batch is written');
    assert(n.codes === w.usedCodes.code.length, 'a payment uses an active code exactly once');
    assert(n.entries === w.entries.order_id.length && n.postings === 2 * n.entries, 'every posting of an entry is written');
    assert(n.debits === n.entries, 'every debit reaches an existing wallet');
    assert(n.holds === w.holds.account.length, 'hold on an existing wallet');
  }

  /**
   * Each merchant is credited once with the batch's sum, on a shard that no other transaction
   * holds (SKIP LOCKED); a merchant whose shards are all held right now takes the single path's
   * credit, which looks again and then waits.
   */
  async #creditMerchants(c: pg.PoolClient, credits: Map<string, number>): Promise<void> {
    if (credits.size === 0) return;
    const accounts = [...credits.keys()].sort();
    const { rows } = await c.query({
      name: 'micropay_batch_credit',
      // The shards are picked first, once per merchant (a MATERIALIZED CTE runs once), so each
      // merchant's sum lands on exactly one shard.
      text: `WITH pick AS MATERIALIZED (
               SELECT x.account_id, x.amount_sen,
                      (SELECT t.shard FROM account_shards t WHERE t.account_id = x.account_id
                        ORDER BY random() LIMIT 1 FOR UPDATE SKIP LOCKED) AS shard
                 FROM unnest($1::text[], $2::bigint[]) AS x (account_id, amount_sen))
             UPDATE account_shards s SET balance_sen = s.balance_sen + pick.amount_sen FROM pick
              WHERE s.account_id = pick.account_id AND s.shard = pick.shard
             RETURNING s.account_id`,
      values: [accounts, accounts.map((a) => credits.get(a)!)],
    });
    const done = new Set((rows as { account_id: string }[]).map((r) => r.account_id));
    assert(done.size === rows.length && rows.length <= accounts.length, 'each merchant of the batch is credited once');
    for (const account of accounts) if (!done.has(account)) await this.#o.writes.addToBalance(c, account, credits.get(account)!);
  }
}

/** The rows one batch writes, as column arrays for unnest. */
class BatchWrites {
  readonly orders = {
    order_id: [] as string[], mch_id: [] as string[], mch_order_id: [] as string[], amount_sen: [] as number[], goods_info: [] as string[],
    discount_sen: [] as (number | null)[], point: [] as (number | null)[], pay_code: [] as string[], wallet_id: [] as string[],
    status: [] as string[], fail_reason: [] as (string | null)[], fingerprint: [] as string[], trade_time_ms: [] as number[],
    pay_time_ms: [] as (number | null)[], deadline_ms: [] as (number | null)[], refunded_sen: [] as number[], updated_at_ms: [] as number[],
  };
  /** Each used code with the order it paid or holds: one code, one order, in the code's row. */
  readonly usedCodes = { code: [] as string[], order_id: [] as string[] };
  readonly entries = { order_id: [] as string[], debit: [] as string[], credit: [] as string[], amount: [] as number[] };
  readonly holds = { account: [] as string[], amount: [] as number[] };
  readonly notes = { id: [] as string[], mch_id: [] as string[], event: [] as string[], subject: [] as string[], payload: [] as string[] };
  /** The sum credited to each merchant account. */
  readonly credits = new Map<string, number>();

  order(x: Order, payCode: string): void {
    assertTransition(null, x.status);
    const o = this.orders;
    o.order_id.push(x.orderId); o.mch_id.push(x.mchId); o.mch_order_id.push(x.mchOrderId); o.amount_sen.push(x.amountSen);
    o.goods_info.push(x.goodsInfo); o.discount_sen.push(x.discountSen); o.point.push(x.point); o.pay_code.push(payCode);
    o.wallet_id.push(x.walletId); o.status.push(x.status); o.fail_reason.push(x.failReason); o.fingerprint.push(x.fingerprint);
    o.trade_time_ms.push(x.tradeTimeMs); o.pay_time_ms.push(x.payTimeMs); o.deadline_ms.push(x.deadlineMs);
    o.refunded_sen.push(x.refundedSen); o.updated_at_ms.push(x.updatedAtMs);
  }

  useCode(code: string, orderId: string): void {
    this.usedCodes.code.push(code);
    this.usedCodes.order_id.push(orderId);
  }

  hold(accountId: string, amountSen: number): void {
    this.holds.account.push(accountId);
    this.holds.amount.push(amountSen);
  }

  payment(orderId: string, debitAccount: string, creditAccount: string, amountSen: number): void {
    this.entries.order_id.push(orderId);
    this.entries.debit.push(debitAccount);
    this.entries.credit.push(creditAccount);
    this.entries.amount.push(amountSen);
    this.credits.set(creditAccount, (this.credits.get(creditAccount) ?? 0) + amountSen);
  }

  /** The outbox row's payload is the order as written, as the single path's enqueueNotification stores it. */
  notification(mchId: string, event: 'PAID' | 'FAILED', order: Order): void {
    this.notes.id.push(randomUUID());
    this.notes.mch_id.push(mchId);
    this.notes.event.push(event);
    this.notes.subject.push(order.orderId);
    this.notes.payload.push(JSON.stringify(order));
  }
}
