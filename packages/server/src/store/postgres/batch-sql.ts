import { randomUUID } from 'node:crypto';
import type pg from 'pg';
import { isOfflineCode, type MicropayCommand } from '@micropay/protocol';
import { checkEffect, subjectIdOf, type Effect } from '../../domain/effects.js';
import { assert, merchantAccount, walletAccount, type JournalEntry, type Posting } from '../../domain/ledger.js';
import type { Order, PayCode, Wallet } from '../../domain/model.js';
import type { PaymentView } from '../../domain/payment.js';
import { toOrder, toPayCode, toWallet, type Row } from '../rows.js';
import { orderValues, type PgEffects } from './effects.js';
import { LOCK_ORDER_IDS_SHARED } from './order-id-locks.js';
import { checkOfflineCode, type OfflineCodeKey, type WalletDevice } from '../../domain/offline-code.js';
import { DEVICE_COLUMNS, toDevice } from '../offline-device-sql.js';

/**
 * The statements of a payment batch (payment-batch.ts): seven round trips whatever its size,
 *
 *   BEGIN
 *   lock every order id, shared (against closeBill recording it closed meanwhile: order-id-locks.ts)
 *   lock every payment code and its wallet's balance (one SELECT … FOR UPDATE, codes in order)
 *   (only when the batch has offline codes) lock their devices' wallets' balances, in account order
 *   read every existing order, which ids were closed before any payment, and each merchant's status
 *   — decidePayment for each, in TypeScript —
 *   write every order, code use, journal entry, posting, wallet debit, hold and outbox row (one statement)
 *   credit each merchant once with the batch's sum, on a balance shard nobody holds (SKIP LOCKED)
 *   COMMIT
 *
 * in the store's one lock order (pg-store.ts): order ids, codes with their wallets' balances,
 * then merchant shards. The statements are named, so each connection prepares them once.
 */
export async function readBatch(c: pg.PoolClient, cmds: readonly MicropayCommand[], offlineKey: OfflineCodeKey | null): Promise<BatchView> {
  const mchIds = cmds.map((x) => x.mchId);
  const mchOrderIds = cmds.map((x) => x.mchOrderId);
  await c.query({ name: 'micropay_batch_lock_order_ids', text: LOCK_ORDER_IDS_SHARED, values: [mchIds, mchOrderIds] });
  const online = cmds.filter((x) => !isOfflineCode(x.payCode)).map((x) => x.payCode);
  const codes = await c.query({ name: 'micropay_batch_lock_codes', text: LOCK_CODES, values: [online] });
  // Offline codes name their device through the tag; their one-time state is on the wallet's
  // account row, locked here like a code's. A batch of online codes only skips this statement.
  const indexes = offlineKey === null ? [] : cmds.filter((x) => isOfflineCode(x.payCode)).map((x) => offlineKey.indexOf(x.payCode.slice(2, 10)));
  const devices = indexes.length === 0 ? [] : (await c.query({ name: 'micropay_batch_lock_devices', text: LOCK_DEVICES, values: [indexes] })).rows as Row[];
  // Read after the codes are locked, so a payment that raced for the same code sees the order its
  // winner committed (READ COMMITTED: each statement sees what was committed before it).
  const found = await c.query({ name: 'micropay_batch_find_orders', text: FIND_ORDERS, values: [mchIds, mchOrderIds] });
  return new BatchView(codes.rows as Row[], found.rows as Row[], devices, offlineKey);
}

const key = (mchId: string, mchOrderId: string): string => `${mchId}\u0000${mchOrderId}`;

/** What a batch read, as each payment's PaymentView. */
export class BatchView {
  readonly #codes = new Map<string, { readonly payCode: PayCode; readonly wallet: Wallet }>();
  readonly #orders = new Map<string, Order>();
  readonly #closed = new Set<string>();
  readonly #active = new Set<string>();
  readonly #notifying = new Set<string>();
  readonly #devices = new Map<number, { readonly device: WalletDevice; readonly wallet: Wallet; readonly lastCounter: number }>();

  constructor(codes: Row[], found: Row[], devices: Row[], private readonly offlineKey: OfflineCodeKey | null) {
    for (const r of devices) this.#devices.set(Number(r.device_index), { device: toDevice(r), wallet: toWallet(r), lastCounter: Number(r.offline_counter) });
    for (const r of codes) {
      const payCode = toPayCode({ code: r.code, wallet_id: r.code_wallet_id, status: r.code_status, issued_at_ms: r.code_issued_at_ms, expires_at_ms: r.code_expires_at_ms });
      this.#codes.set(payCode.code, { payCode, wallet: toWallet(r) });
    }
    for (const r of found) {
      const k = key(r.req_mch_id as string, r.req_mch_order_id as string);
      if (r.order_id !== null) this.#orders.set(k, toOrder(r));
      if (r.closed_unused === true) this.#closed.add(k);
      if (r.merchant_active === true) this.#active.add(r.req_mch_id as string);
      if (r.merchant_notifies === true) this.#notifying.add(r.req_mch_id as string);
    }
  }

  /** `offlineLimited`: an offline code over its failed-code limit, refused unchecked (PayOptions). */
  of(cmd: MicropayCommand, nowMs: number, offlineLimited = false): PaymentView {
    const k = key(cmd.mchId, cmd.mchOrderId);
    const existing = this.#orders.get(k) ?? null;
    const closedUnused = this.#closed.has(k);
    if (isOfflineCode(cmd.payCode)) return { existing, closedUnused, merchantActive: this.#active.has(cmd.mchId), payCode: null, ...this.#offline(cmd.payCode, nowMs, offlineLimited) };
    const code = this.#codes.get(cmd.payCode);
    const wallet = existing === null && !closedUnused && code !== undefined ? code.wallet : null;
    return { existing, closedUnused, payCode: code?.payCode ?? null, wallet, merchantActive: this.#active.has(cmd.mchId) };
  }

  /** An offline code's check (domain/offline-code.ts) and its device's wallet. */
  #offline(code: string, nowMs: number, limited: boolean): Pick<PaymentView, 'offline' | 'wallet'> {
    if (limited) return { offline: { ok: false, reason: 'RATE_LIMITED', deviceIndex: null }, wallet: null };
    const key = this.offlineKey;
    if (key === null) return { offline: { ok: false, reason: 'NO_DEVICE', deviceIndex: null }, wallet: null };
    const seen = this.#devices.get(key.indexOf(code.slice(2, 10)));
    const offline = checkOfflineCode(key, code, { device: seen?.device ?? null, lastCounter: seen?.lastCounter ?? 0 }, nowMs);
    return { offline, wallet: seen?.wallet ?? null };
  }

  /** Only merchants with a notify URL get outbox rows: no payload is built for the others. */
  notifies(mchId: string): boolean {
    return this.#notifying.has(mchId);
  }
}

/** The effects of a batch's payments, as column arrays for unnest. */
export class BatchWrites {
  /** One array per column, in orderValues' order. */
  readonly orders: unknown[][] = Array.from({ length: 17 }, () => []);
  /** Each used code with the order it paid or holds: one code, one order, in the code's row. */
  readonly usedCodes = { code: [] as string[], order_id: [] as string[] };
  readonly entries = { order_id: [] as string[], debit: [] as string[], credit: [] as string[], amount: [] as number[] };
  /**
   * Each wallet account row a payment writes besides its balance: a hold, an offline code's
   * counter, or both (a PENDING offline payment), as one row: one UPDATE per account row.
   */
  readonly holds = { account: [] as string[], amount: [] as number[], counter: [] as (number | null)[] };
  readonly notes = { id: [] as string[], mch_id: [] as string[], event: [] as string[], subject: [] as string[], payload: [] as string[] };
  /** The sum credited to each merchant account. */
  readonly credits = new Map<string, number>();

  /** One payment's effects (paymentEffects); `notifies`: its merchant has a notify URL. */
  add(effects: readonly Effect[], notifies: boolean): void {
    let order: Order | null = null;
    for (const e of effects) {
      checkEffect(e);
      switch (e.kind) {
        case 'insertOrder':
          order = e.order;
          orderValues(e.order, e.payCode).forEach((value, column) => this.orders[column]!.push(value));
          break;
        case 'useCode':
          this.usedCodes.code.push(e.code);
          this.usedCodes.order_id.push(e.orderId);
          break;
        case 'hold':
          this.#accountRow(walletAccount(e.walletId), e.deltaSen, null);
          break;
        case 'advanceOfflineCounter':
          this.#accountRow(walletAccount(e.walletId), 0, e.counter);
          break;
        case 'book':
          this.#payment(e.entry, order);
          break;
        case 'notify':
          if (!notifies) break;
          this.notes.id.push(randomUUID());
          this.notes.mch_id.push(e.mchId);
          this.notes.event.push(e.event);
          this.notes.subject.push(subjectIdOf(e.subject));
          this.notes.payload.push(JSON.stringify(e.subject));
          break;
        default:
          throw new Error(`a payment batch does not write ${e.kind}`);
      }
    }
  }

  /** Adds to the account's row of this batch (one per wallet: a batch has one payment per wallet). */
  #accountRow(account: string, amount: number, counter: number | null): void {
    const at = this.holds.account.lastIndexOf(account);
    if (at === -1) {
      this.holds.account.push(account);
      this.holds.amount.push(amount);
      this.holds.counter.push(counter);
      return;
    }
    this.holds.amount[at]! += amount;
    this.holds.counter[at] = counter ?? this.holds.counter[at]!;
  }

  /** The one entry a payment books, in the shape the set-based write assumes: the wallet pays the merchant. */
  #payment(entry: JournalEntry, order: Order | null): void {
    const [debit, credit] = entry.postings as [Posting, Posting];
    assert(
      order !== null && entry.kind === 'payment' && entry.orderId === order.orderId && entry.postings.length === 2
        && debit.accountId === walletAccount(order.walletId) && debit.amountSen === -order.amountSen
        && credit.accountId === merchantAccount(order.mchId) && credit.amountSen === order.amountSen,
      'a payment entry moves its amount from the wallet to the merchant',
    );
    this.entries.order_id.push(order.orderId);
    this.entries.debit.push(debit.accountId);
    this.entries.credit.push(credit.accountId);
    this.entries.amount.push(order.amountSen);
    this.credits.set(credit.accountId, (this.credits.get(credit.accountId) ?? 0) + order.amountSen);
  }
}

/** Writes a batch's rows, then credits its merchants. */
export async function writeBatch(c: pg.PoolClient, w: BatchWrites, now: number, effects: PgEffects): Promise<void> {
  if (w.orders[0]!.length > 0) await writeRows(c, w, now);
  await creditMerchants(c, w.credits, effects);
}

/** Every row the batch's decisions name, in one statement; the counts prove each was written. */
async function writeRows(c: pg.PoolClient, w: BatchWrites, now: number): Promise<void> {
  const { rows } = await c.query({
    name: 'micropay_batch_write',
    text: WRITE,
    values: [
      ...w.orders, w.usedCodes.code, w.usedCodes.order_id, w.entries.order_id, w.entries.debit, w.entries.credit, w.entries.amount, now,
      w.holds.account, w.holds.amount, w.notes.id, w.notes.mch_id, w.notes.event, w.notes.subject, w.notes.payload, w.holds.counter,
    ],
  });
  const n = rows[0] as { orders: number; codes: number; entries: number; postings: number; debits: number; holds: number };
  assert(n.orders === w.orders[0]!.length, 'every order of the batch is written');
  assert(n.codes === w.usedCodes.code.length, 'a payment uses an active code exactly once');
  assert(n.entries === w.entries.order_id.length && n.postings === 2 * n.entries, 'every posting of an entry is written');
  assert(n.debits === n.entries, 'every debit reaches an existing wallet');
  assert(n.holds === w.holds.account.length, 'hold on an existing wallet; an offline counter above the last accepted one');
}

/**
 * Each merchant is credited once with the batch's sum, on a shard that no other transaction holds
 * (SKIP LOCKED); a merchant whose shards are all held right now takes the one-entry credit
 * (effects.ts), which looks again and then waits.
 */
async function creditMerchants(c: pg.PoolClient, credits: Map<string, number>, effects: PgEffects): Promise<void> {
  if (credits.size === 0) return;
  const accounts = [...credits.keys()].sort();
  const { rows } = await c.query({ name: 'micropay_batch_credit', text: CREDIT, values: [accounts, accounts.map((a) => credits.get(a)!)] });
  const done = new Set((rows as { account_id: string }[]).map((r) => r.account_id));
  assert(done.size === rows.length && rows.length <= accounts.length, 'each merchant of the batch is credited once');
  for (const account of accounts) if (!done.has(account)) await effects.addToBalance(c, account, credits.get(account)!);
}

/**
 * Codes (and with them their wallets' balances) are locked in code order, the same in every batch.
 * The wallet row (w.*) is not locked: a payment that waited here for a close (which holds the
 * balance) gets the fresh balance, 0, but may get the status from before the close, and is then
 * refused INSUFFICIENT_BALANCE instead of as a closed wallet. No money moves either way; re-reading
 * the statuses would cost every batch a statement, so the less precise answer is kept.
 */
const LOCK_CODES = `SELECT c.code, c.wallet_id AS code_wallet_id, c.status AS code_status, c.issued_at_ms AS code_issued_at_ms,
         c.expires_at_ms AS code_expires_at_ms, w.*, s.balance_sen, a.held_sen
    FROM pay_codes c
    JOIN wallets w ON w.wallet_id = c.wallet_id
    JOIN accounts a ON a.id = w.account_id
    JOIN account_shards s ON s.account_id = a.id AND s.shard = 0
   WHERE c.code = ANY($1::text[])
   ORDER BY c.code
     FOR UPDATE OF c, a, s`;

/**
 * Offline codes' devices, and their wallets' balances locked as a code's are (the account row holds
 * the last accepted counter: a second process with the same code waits here, then reads the new one).
 */
const LOCK_DEVICES = `SELECT ${DEVICE_COLUMNS}, w.*, s.balance_sen, a.held_sen, a.offline_counter
    FROM wallet_devices d
    JOIN wallets w ON w.wallet_id = d.wallet_id
    JOIN accounts a ON a.id = w.account_id
    JOIN account_shards s ON s.account_id = a.id AND s.shard = 0
   WHERE d.device_index = ANY($1::bigint[])
   ORDER BY a.id
     FOR UPDATE OF a, s`;

/** Per payment: its existing order, whether its id was closed unused, its merchant's status and notify URL. */
const FIND_ORDERS = `SELECT x.mch_id AS req_mch_id, x.mch_order_id AS req_mch_order_id, c.mch_id IS NOT NULL AS closed_unused,
         m.status = 'active' AS merchant_active, m.notify_url IS NOT NULL AS merchant_notifies, o.*
    FROM unnest($1::text[], $2::text[]) AS x (mch_id, mch_order_id)
    LEFT JOIN merchants m ON m.mch_id = x.mch_id
    LEFT JOIN orders o ON o.mch_id = x.mch_id AND o.mch_order_id = x.mch_order_id
    LEFT JOIN closed_order_ids c ON c.mch_id = x.mch_id AND c.mch_order_id = x.mch_order_id`;

const WRITE = `WITH
  o AS (INSERT INTO orders (order_id, mch_id, mch_order_id, amount_sen, goods_info, discount_sen, point, pay_code,
                            wallet_id, status, fail_reason, fingerprint, trade_time_ms, pay_time_ms, deadline_ms,
                            refunded_sen, updated_at_ms)
        SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::bigint[], $5::text[], $6::bigint[], $7::bigint[],
                             $8::text[], $9::text[], $10::text[], $11::text[], $12::text[], $13::bigint[], $14::bigint[],
                             $15::bigint[], $16::bigint[], $17::bigint[])
        RETURNING 1),
  u AS (UPDATE pay_codes c SET status = 'used', order_id = x.order_id FROM unnest($18::text[], $19::text[]) AS x (code, order_id)
         WHERE c.code = x.code AND c.status = 'active' RETURNING 1),
  src AS MATERIALIZED (
        SELECT x.*, nextval(pg_get_serial_sequence('journal_entries', 'entry_id')) AS entry_id
          FROM unnest($20::text[], $21::text[], $22::text[], $23::bigint[]) AS x (order_id, debit_account, credit_account, amount_sen)),
  e AS (INSERT INTO journal_entries (entry_id, kind, order_id, created_at_ms)
        SELECT entry_id, 'payment', order_id, $24::bigint FROM src RETURNING 1),
  p AS (INSERT INTO postings (entry_id, account_id, amount_sen)
        SELECT entry_id, debit_account, -amount_sen FROM src UNION ALL SELECT entry_id, credit_account, amount_sen FROM src
        RETURNING 1),
  d AS (UPDATE account_shards s SET balance_sen = s.balance_sen - src.amount_sen FROM src
         WHERE s.account_id = src.debit_account AND s.shard = 0 RETURNING 1),
  h AS (UPDATE accounts a SET held_sen = a.held_sen + x.amount_sen, offline_counter = COALESCE(x.counter, a.offline_counter)
          FROM unnest($25::text[], $26::bigint[], $32::bigint[]) AS x (account_id, amount_sen, counter)
         WHERE a.id = x.account_id AND (x.counter IS NULL OR a.offline_counter < x.counter) RETURNING 1),
  n AS (INSERT INTO notifications (notification_id, mch_id, event_type, subject_id, url, payload, status, attempts,
                                   next_attempt_at_ms, created_at_ms)
        SELECT x.notification_id, m.mch_id, x.event_type, x.subject_id, m.notify_url, x.payload, 'pending', 0, $24::bigint, $24::bigint
          FROM unnest($27::text[], $28::text[], $29::text[], $30::text[], $31::text[]) AS x (notification_id, mch_id, event_type, subject_id, payload)
          JOIN merchants m ON m.mch_id = x.mch_id AND m.notify_url IS NOT NULL
        RETURNING 1)
SELECT (SELECT COUNT(*) FROM o)::int AS orders, (SELECT COUNT(*) FROM u)::int AS codes, (SELECT COUNT(*) FROM e)::int AS entries,
       (SELECT COUNT(*) FROM p)::int AS postings, (SELECT COUNT(*) FROM d)::int AS debits, (SELECT COUNT(*) FROM h)::int AS holds`;

/**
 * The shards are picked first, once per merchant (a MATERIALIZED CTE runs once), so each merchant's
 * sum lands on exactly one shard.
 */
const CREDIT = `WITH pick AS MATERIALIZED (
    SELECT x.account_id, x.amount_sen,
           (SELECT t.shard FROM account_shards t WHERE t.account_id = x.account_id
             ORDER BY random() LIMIT 1 FOR UPDATE SKIP LOCKED) AS shard
      FROM unnest($1::text[], $2::bigint[]) AS x (account_id, amount_sen))
  UPDATE account_shards s SET balance_sen = s.balance_sen + pick.amount_sen FROM pick
   WHERE s.account_id = pick.account_id AND s.shard = pick.shard
  RETURNING s.account_id`;
