import type pg from 'pg';
import type { MicropayCommand, Secret } from '@micropay/protocol';
import type { RefundCommand } from '@micropay/protocol';
import type { Clock } from '../../domain/clock.js';
import type { Notification } from '../../domain/notification.js';
import type { RefundRequestDecision } from '../../domain/refund.js';
import type { StatementMovements } from '../../domain/statement.js';
import { rollKeys } from '../../domain/merchant-keys.js';
import { merchantIdCandidates, merchantIdPrefix, newPayCode, newWalletId, OrderIdSource } from '../../domain/ids.js';
import { assert, merchantAccount, walletAccount } from '../../domain/ledger.js';
import type { Merchant, MerchantStatus, Order, PayCode, PaymentPolicy, Wallet, WalletStatus } from '../../domain/model.js';
import { decidePayment, orderAfterFault, paymentFingerprint, type PaymentDecision } from '../../domain/payment.js';
import { decideClose, decideConfirm, decideDecline, decideSweep, type Settlement } from '../../domain/settlement.js';
import { checkMerchantName } from '../../domain/merchant.js';
import { canChangeWalletStatus, checkTopUp, checkWalletOpen, payCodeRefusal, topUpEntry } from '../../domain/wallet.js';
import { AUDIT_QUERIES } from '../audit.js';
import { MerchantCache } from '../merchant-cache.js';
import { toMerchant, toOrder, toPayCode, toWallet, type Row } from '../rows.js';
import {
  auditReport,
  balancesByMerchant,
  checkedLimit,
  containsPattern,
  importedMerchantId,
  MerchantIdTakenError,
  type AppliedMigration,
  type AuditReport,
  type BatchStats,
  type NewMerchant,
  type NewWallet,
  type NotificationFilter,
  type NotificationRetryResult,
  type PayCodeRefusal,
  type PayOptions,
  type RefundRecord,
  type SettleResult,
  type Store,
  type WalletFilter,
  type WalletSecurityChanges,
  type WalletTransaction,
} from '../store.js';
import { POSTGRES_MIGRATIONS } from './migrations.js';
import { createPool, isRetryable, isUniqueViolation } from './pool.js';
import { PgNotifications } from './notifications.js';
import { PgPaymentBatches } from './payment-batch.js';
import { LOCK_ORDER_ID, LOCK_ORDER_IDS_SHARED } from './order-id-locks.js';
import { PgRefunds } from './refunds.js';
import { PgWrites, type Db } from './writes.js';

export interface PgStoreOptions {
  readonly url: string;
  readonly poolSize: number;
  readonly statementTimeoutMs: number;
  readonly clock: Clock;
  readonly timeZone: string;
  readonly policy: PaymentPolicy;
  readonly newOrderTimeoutMs: number;
  /** Shards of each merchant's balance (see migrations.ts). */
  readonly merchantShards?: number;
  /** Payments held waiting to be written before more are turned away (tests set it small). */
  readonly maxWaitingPayments?: number;
}

/** How many times a transaction is retried after a deadlock or serialization failure. */
const MAX_ATTEMPTS = 8;
const WALLET_SELECT = `SELECT w.*, s.balance_sen, a.held_sen
  FROM wallets w JOIN accounts a ON a.id = w.account_id JOIN account_shards s ON s.account_id = a.id AND s.shard = 0`;

class SandboxFault extends Error {
  override name = 'SandboxFault';
}

/**
 * The PostgreSQL store, for several stateless `micropay serve` processes sharing one database.
 *
 * Isolation is READ COMMITTED with explicit locks. Every transaction takes those it needs in this
 * one order (docs/architecture.md lists what takes which), to keep deadlocks rare:
 *   order id (advisory, order-id-locks.ts) → wallet row (status, codes, PIN) → payment code
 *   → order → wallet balance (account and shard rows) → merchant shards.
 * A transaction that still meets a deadlock or serialization failure is retried whole, up to
 * MAX_ATTEMPTS times; a payment that loses the race to insert the same (mchId, mchOrderId) is
 * retried once more and then answers as a repeat.
 *
 * Payments are group-committed: those that arrive together are decided and written in one
 * transaction of a few set-based statements (payment-batch.ts), and fall back to one transaction
 * per payment (#payAlone, described above) when a batch meets any error.
 */
export class PgStore implements Store {
  readonly kind = 'postgres' as const;
  readonly pool: pg.Pool;
  readonly writes = new PgWrites();
  readonly #clock: Clock;
  readonly #timeZone: string;
  readonly #policy: PaymentPolicy;
  readonly #newOrderTimeoutMs: number;
  readonly #orderIds: OrderIdSource;
  readonly #merchantShards: number;
  readonly #refunds: PgRefunds;
  readonly #notifications: PgNotifications;
  readonly #batches: PgPaymentBatches;

  private constructor(options: PgStoreOptions) {
    this.pool = createPool({ url: options.url, max: options.poolSize, statementTimeoutMs: options.statementTimeoutMs });
    this.#clock = options.clock;
    this.#timeZone = options.timeZone;
    this.#policy = options.policy;
    this.#newOrderTimeoutMs = options.newOrderTimeoutMs;
    this.#orderIds = new OrderIdSource(options.timeZone);
    this.#merchantShards = options.merchantShards ?? 16;
    this.#refunds = new PgRefunds(this.pool, (fn) => this.transaction(fn), this.writes, options.clock, options.timeZone);
    this.#notifications = new PgNotifications(this.pool, options.clock);
    this.#batches = new PgPaymentBatches({
      pool: this.pool, writes: this.writes, clock: options.clock, policy: options.policy, orderIds: this.#orderIds,
      payOne: (cmd, payOptions) => this.#payAlone(cmd, payOptions),
      maxWaitingPayments: options.maxWaitingPayments,
    });
  }

  /** Group commit's counters (payment-batch.ts). */
  get batchStats(): BatchStats {
    return this.#batches.stats;
  }

  /** Connects, applies pending migrations (one process at a time) and refuses a newer schema. */
  static async open(options: PgStoreOptions): Promise<PgStore> {
    const store = new PgStore(options);
    try {
      await migratePostgres(store.pool);
    } catch (error) {
      await store.pool.end();
      throw error;
    }
    return store;
  }

  nowMs(): number {
    return this.#clock.nowMs();
  }

  /** Runs `fn` in one transaction, retried whole on deadlock or serialization failure. */
  async transaction<T>(fn: (c: pg.PoolClient) => Promise<T>): Promise<T> {
    for (let attempt = 1; ; attempt++) {
      const client = await this.pool.connect();
      try {
        // Stated, not inherited: a server default of another level would change the locking rules.
        await client.query('BEGIN ISOLATION LEVEL READ COMMITTED');
        const result = await fn(client);
        await client.query('COMMIT');
        return result;
      } catch (error) {
        await client.query('ROLLBACK').catch(() => undefined);
        if (!isRetryable(error) || attempt >= MAX_ATTEMPTS) throw error;
        await new Promise((r) => setTimeout(r, Math.random() * 5 * attempt));
      } finally {
        client.release();
      }
    }
  }

  // --- merchants -------------------------------------------------------------------------------

  async createMerchant(input: NewMerchant): Promise<Merchant> {
    return this.transaction((c) => this.#insertMerchant(c, input));
  }

  async createSandbox(input: { merchant: NewMerchant; wallet: NewWallet; setting: string }): Promise<{ merchant: Merchant; wallet: Wallet }> {
    return this.transaction(async (c) => {
      const merchant = await this.#insertMerchant(c, input.merchant);
      const wallet = await this.#insertWallet(c, input.wallet);
      await c.query('INSERT INTO settings (name, value) VALUES ($1, $2)', [
        input.setting, JSON.stringify({ mchId: merchant.mchId, walletId: wallet.walletId }),
      ]);
      return { merchant, wallet };
    });
  }

  async #insertMerchant(c: pg.PoolClient, input: NewMerchant): Promise<Merchant> {
    checkMerchantName(input.name);
    const now = this.#clock.nowMs();
    // One merchant creation at a time: the free id found below stays free until this commits.
    await c.query(`SELECT pg_advisory_xact_lock(hashtext('micropay:create-merchant'))`);
    const mchId = input.mchId === undefined ? await this.#freeMerchantId(c, now) : importedMerchantId(input.mchId);
    const inserted = await c.query(
      `INSERT INTO merchants (mch_id, name, api_key, status, notify_url, created_at_ms) VALUES ($1, $2, $3, 'active', $4, $5)
       ON CONFLICT (mch_id) DO NOTHING`,
      [mchId, input.name, input.apiKey.expose(), input.notifyUrl ?? null, now],
    );
    if (inserted.rowCount === 0) throw new MerchantIdTakenError(mchId);
    await this.#createAccount(c, merchantAccount(mchId), 'merchant', this.#merchantShards);
    return toMerchant((await c.query('SELECT * FROM merchants WHERE mch_id = $1', [mchId])).rows[0] as Row);
  }

  /** The first free candidate (ids.ts), under the creation lock. */
  async #freeMerchantId(c: pg.PoolClient, nowMs: number): Promise<string> {
    const prefix = merchantIdPrefix(nowMs, this.#timeZone);
    const { rows } = await c.query('SELECT COUNT(*)::int AS n FROM merchants WHERE mch_id LIKE $1', [`${prefix}%`]);
    for (const mchId of merchantIdCandidates(nowMs, this.#timeZone, (rows[0] as { n: number }).n)) {
      if (!(await c.query('SELECT 1 FROM merchants WHERE mch_id = $1', [mchId])).rowCount) return mchId;
    }
    throw new Error('unreachable: merchant id candidates never end');
  }

  async #createAccount(c: Db, id: string, kind: 'wallet' | 'merchant', shards: number): Promise<void> {
    await c.query('INSERT INTO accounts (id, kind, shards) VALUES ($1, $2, $3)', [id, kind, shards]);
    await c.query(
      `INSERT INTO account_shards (account_id, shard, may_go_negative) SELECT $1, s, FALSE FROM generate_series(0, $2::int - 1) AS s`,
      [id, shards],
    );
  }

  async findMerchant(mchId: string): Promise<Merchant | null> {
    const { rows } = await this.pool.query('SELECT * FROM merchants WHERE mch_id = $1', [mchId]);
    return rows[0] === undefined ? null : toMerchant(rows[0] as Row);
  }

  readonly #merchantCache = new MerchantCache();

  findMerchantForAuth(mchId: string): Promise<Merchant | null> {
    return this.#merchantCache.get(mchId, Date.now(), (id) => this.findMerchant(id));
  }

  async listMerchants(): Promise<Merchant[]> {
    return (await this.pool.query('SELECT * FROM merchants ORDER BY mch_id')).rows.map((r) => toMerchant(r as Row));
  }

  async merchantBalances(mchIds?: readonly string[]): Promise<Map<string, number>> {
    const ids = mchIds ?? ((await this.pool.query('SELECT mch_id FROM merchants')).rows as { mch_id: string }[]).map((r) => r.mch_id);
    // A merchant's balance is spread over its shards (migrations.ts): the sum is the balance.
    const { rows } = await this.pool.query(
      'SELECT account_id, SUM(balance_sen) AS balance_sen FROM account_shards WHERE account_id = ANY($1) GROUP BY account_id',
      [ids.map(merchantAccount)],
    );
    return balancesByMerchant(ids, new Map((rows as { account_id: string; balance_sen: number }[]).map((r) => [r.account_id, r.balance_sen])));
  }

  async setMerchantStatus(mchId: string, status: MerchantStatus): Promise<Merchant | null> {
    const { rows } = await this.pool.query('UPDATE merchants SET status = $1 WHERE mch_id = $2 RETURNING *', [status, mchId]);
    this.#merchantCache.forget(mchId);
    return rows[0] === undefined ? null : toMerchant(rows[0] as Row);
  }

  async rollMerchantKey(mchId: string, newKey: Secret, overlapMs: number): Promise<Merchant | null> {
    const merchant = await this.transaction(async (c) => {
      const { rows } = await c.query('SELECT * FROM merchants WHERE mch_id = $1 FOR UPDATE', [mchId]);
      if (rows[0] === undefined) return null;
      const keys = rollKeys(toMerchant(rows[0] as Row), newKey, overlapMs, this.#clock.nowMs());
      const updated = await c.query(
        `UPDATE merchants SET api_key = $1, previous_api_key = $2, previous_key_until_ms = $3, key_rolled_at_ms = $4,
                              key_first_used_at_ms = NULL
          WHERE mch_id = $5 RETURNING *`,
        [keys.apiKey.expose(), keys.previousKey.key.expose(), keys.previousKey.untilMs, keys.keyRolledAtMs, mchId],
      );
      return toMerchant(updated.rows[0] as Row);
    });
    this.#merchantCache.forget(mchId);
    return merchant;
  }

  async recordKeyFirstUse(mchId: string, key: Secret): Promise<void> {
    await this.pool.query(
      'UPDATE merchants SET key_first_used_at_ms = $1 WHERE mch_id = $2 AND api_key = $3 AND key_first_used_at_ms IS NULL',
      [this.#clock.nowMs(), mchId, key.expose()],
    );
    this.#merchantCache.forget(mchId);
  }

  async updateMerchant(mchId: string, changes: { name?: string; notifyUrl?: string | null }): Promise<Merchant | null> {
    if (changes.name !== undefined) checkMerchantName(changes.name);
    const { rows } = await this.pool.query(
      `UPDATE merchants SET name = CASE WHEN $1::boolean THEN $2 ELSE name END,
                            notify_url = CASE WHEN $3::boolean THEN $4 ELSE notify_url END
        WHERE mch_id = $5 RETURNING *`,
      [changes.name !== undefined, changes.name ?? null, changes.notifyUrl !== undefined, changes.notifyUrl ?? null, mchId],
    );
    this.#merchantCache.forget(mchId);
    return rows[0] === undefined ? null : toMerchant(rows[0] as Row);
  }

  // --- wallets and payment codes ---------------------------------------------------------------

  async createWallet(input: NewWallet): Promise<Wallet> {
    return this.transaction((c) => this.#insertWallet(c, input));
  }

  async #insertWallet(c: pg.PoolClient, input: NewWallet): Promise<Wallet> {
    const now = this.#clock.nowMs();
    let walletId = newWalletId();
    while ((await c.query('SELECT 1 FROM wallets WHERE wallet_id = $1', [walletId])).rowCount) walletId = newWalletId();
    await this.#createAccount(c, walletAccount(walletId), 'wallet', 1);
    await c.query(
      `INSERT INTO wallets (wallet_id, name, status, account_id, token_hash, pin_hash, confirm_limit_sen, created_at_ms)
       VALUES ($1, $2, 'active', $3, $4, $5, $6, $7)`,
      [walletId, input.name, walletAccount(walletId), input.tokenHash ?? null, input.pinHash ?? null, input.confirmLimitSen ?? null, now],
    );
    if (input.openingSen > 0) {
      checkTopUp((await this.#wallet(c, walletId))!, input.openingSen);
      await this.writes.applyEntry(c, topUpEntry(walletId, input.openingSen, now));
    }
    return (await this.#wallet(c, walletId))!;
  }

  async #wallet(c: Db, walletId: string, forUpdate = false): Promise<Wallet | null> {
    const { rows } = await c.query(`${WALLET_SELECT} WHERE w.wallet_id = $1${forUpdate ? ' FOR UPDATE OF a, s' : ''}`, [walletId]);
    return rows[0] === undefined ? null : toWallet(rows[0] as Row);
  }

  async findWallet(walletId: string): Promise<Wallet | null> {
    return this.#wallet(this.pool, walletId);
  }

  async findWalletByTokenHash(tokenHash: string): Promise<Wallet | null> {
    const { rows } = await this.pool.query(`${WALLET_SELECT} WHERE w.token_hash = $1`, [tokenHash]);
    return rows[0] === undefined ? null : toWallet(rows[0] as Row);
  }

  async listWallets(filter: WalletFilter): Promise<Wallet[]> {
    const { rows } = await this.pool.query(
      `${WALLET_SELECT}
        WHERE ($1::text IS NULL OR w.status = $1)
          AND ($2::text IS NULL OR w.name ILIKE $2 ESCAPE '\\')
          AND ($3::text IS NULL OR w.wallet_id > $3)
        ORDER BY w.wallet_id LIMIT $4`,
      [filter.status ?? null, filter.nameContains === undefined ? null : containsPattern(filter.nameContains),
        filter.afterWalletId ?? null, checkedLimit(filter.limit)],
    );
    return (rows as Row[]).map(toWallet);
  }

  async setWalletStatus(walletId: string, status: WalletStatus): Promise<Wallet | null> {
    return this.transaction(async (c) => {
      // The wallet row alone is locked, so the status decided on is the one changed.
      const { rows } = await c.query('SELECT status FROM wallets WHERE wallet_id = $1 FOR UPDATE', [walletId]);
      if (rows[0] === undefined) return null;
      if (canChangeWalletStatus(rows[0].status as WalletStatus, status)) {
        await c.query('UPDATE wallets SET status = $1 WHERE wallet_id = $2', [status, walletId]);
      }
      return this.#wallet(c, walletId);
    });
  }

  async updateWalletSecurity(walletId: string, changes: WalletSecurityChanges): Promise<Wallet | null> {
    return this.transaction(async (c) => {
      const wallet = await this.#wallet(c, walletId, true);
      if (wallet === null) return null;
      checkWalletOpen(wallet, 'new token, PIN or limit');
      if (changes.tokenHash !== undefined) await c.query('UPDATE wallets SET token_hash = $1 WHERE wallet_id = $2', [changes.tokenHash, walletId]);
      if (changes.pinHash !== undefined) {
        await c.query('UPDATE wallets SET pin_hash = $1, pin_failures = 0 WHERE wallet_id = $2', [changes.pinHash, walletId]);
      }
      if (changes.pinFailures !== undefined) {
        await c.query('UPDATE wallets SET pin_failures = $1 WHERE wallet_id = $2', [changes.pinFailures, walletId]);
      }
      if (changes.confirmLimitSen !== undefined) {
        await c.query('UPDATE wallets SET confirm_limit_sen = $1 WHERE wallet_id = $2', [changes.confirmLimitSen, walletId]);
      }
      return this.#wallet(c, walletId);
    });
  }

  async walletPinHash(walletId: string): Promise<string | null> {
    const { rows } = await this.pool.query('SELECT pin_hash FROM wallets WHERE wallet_id = $1', [walletId]);
    return (rows[0] as { pin_hash: string | null } | undefined)?.pin_hash ?? null;
  }

  async takePinTry(walletId: string, maxTries: number): Promise<number | null> {
    const { rows } = await this.pool.query(
      'UPDATE wallets SET pin_failures = pin_failures + 1 WHERE wallet_id = $1 AND pin_failures < $2 RETURNING pin_failures',
      [walletId, maxTries],
    );
    return (rows[0] as { pin_failures: number } | undefined)?.pin_failures ?? null;
  }

  async clearPinTries(walletId: string, countAfterTaking: number): Promise<void> {
    await this.pool.query('UPDATE wallets SET pin_failures = 0 WHERE wallet_id = $1 AND pin_failures = $2', [walletId, countAfterTaking]);
  }

  async topUp(walletId: string, amountSen: number): Promise<Wallet | null> {
    const now = this.#clock.nowMs();
    return this.transaction(async (c) => {
      const wallet = await this.#wallet(c, walletId, true);
      if (wallet === null) return null;
      checkTopUp(wallet, amountSen);
      await this.writes.applyEntry(c, topUpEntry(walletId, amountSen, now));
      return this.#wallet(c, walletId);
    });
  }

  async issuePayCode(walletId: string, ttlMs: number): Promise<PayCode | PayCodeRefusal> {
    const now = this.#clock.nowMs();
    return this.transaction(async (c) => {
      // The wallet row lock makes "retire the old codes, issue one new" atomic per wallet.
      const { rows } = await c.query('SELECT status FROM wallets WHERE wallet_id = $1 FOR UPDATE', [walletId]);
      const wallet = rows[0] as { status: WalletStatus } | undefined;
      if (wallet === undefined) return 'NO_WALLET';
      const refusal = payCodeRefusal(wallet.status);
      if (refusal !== null) return refusal;
      await c.query(`UPDATE pay_codes SET status = 'retired' WHERE wallet_id = $1 AND status = 'active'`, [walletId]);
      for (;;) {
        const code = newPayCode();
        const inserted = await c.query(
          `INSERT INTO pay_codes (code, wallet_id, status, issued_at_ms, expires_at_ms) VALUES ($1, $2, 'active', $3, $4)
           ON CONFLICT (code) DO NOTHING RETURNING *`,
          [code, walletId, now, now + ttlMs],
        );
        if (inserted.rows[0] !== undefined) return toPayCode(inserted.rows[0] as Row);
      }
    });
  }

  async recentTransactions(walletId: string, limit: number): Promise<WalletTransaction[]> {
    const { rows } = await this.pool.query(
      `SELECT e.entry_id, e.kind, p.amount_sen, e.order_id, e.refund_id, e.created_at_ms, m.name AS merchant_name
         FROM postings p
         JOIN journal_entries e ON e.entry_id = p.entry_id
         LEFT JOIN refunds r ON r.refund_id = e.refund_id
         LEFT JOIN orders o ON o.order_id = COALESCE(e.order_id, r.order_id)
         LEFT JOIN merchants m ON m.mch_id = o.mch_id
        WHERE p.account_id = $1
        ORDER BY e.entry_id DESC LIMIT $2`,
      [walletAccount(walletId), limit],
    );
    return (rows as Row[]).map((r) => ({
      entryId: r.entry_id as number,
      kind: r.kind as WalletTransaction['kind'],
      amountSen: r.amount_sen as number,
      orderId: r.order_id as string | null,
      refundId: r.refund_id as string | null,
      merchantName: r.merchant_name as string | null,
      createdAtMs: r.created_at_ms as number,
    }));
  }

  async listPendingOrders(walletId: string): Promise<Order[]> {
    const { rows } = await this.pool.query(
      `SELECT * FROM orders WHERE wallet_id = $1 AND status = 'PENDING' ORDER BY trade_time_ms`,
      [walletId],
    );
    return (rows as Row[]).map(toOrder);
  }

  // --- payments --------------------------------------------------------------------------------

  /** Payments arriving together are decided and committed in one transaction (payment-batch.ts). */
  pay(cmd: MicropayCommand, options: PayOptions = {}): Promise<PaymentDecision> {
    return this.#batches.pay(cmd, options);
  }

  /** One payment in its own transaction: sandbox rehearsals, and the fallback of a failed batch. */
  async #payAlone(cmd: MicropayCommand, options: PayOptions): Promise<PaymentDecision> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.transaction((c) => this.#payOne(c, cmd, options));
      } catch (error) {
        // Another process recorded the same (mchId, mchOrderId) first, or drew the same order id:
        // run again; in the first case the payment now answers as a repeat.
        const raced = isUniqueViolation(error, 'orders_mch_id_mch_order_id_key') || isUniqueViolation(error, 'orders_pkey');
        if (raced && attempt < 3) continue;
        await this.#recordNewAfterFault(cmd);
        throw error;
      }
    }
  }

  async #payOne(c: pg.PoolClient, cmd: MicropayCommand, options: PayOptions): Promise<PaymentDecision> {
    const now = this.#clock.nowMs();
    // Lock the code first: requests racing with one code queue here, and the order check below
    // then sees whatever the winner committed.
    await c.query(LOCK_ORDER_IDS_SHARED, [[cmd.mchId], [cmd.mchOrderId]]);
    const codeRows = (await c.query('SELECT * FROM pay_codes WHERE code = $1 FOR UPDATE', [cmd.payCode])).rows;
    const existingRows = (await c.query('SELECT * FROM orders WHERE mch_id = $1 AND mch_order_id = $2', [cmd.mchId, cmd.mchOrderId])).rows;
    const payCode = codeRows[0] === undefined ? null : toPayCode(codeRows[0] as Row);
    const existing = existingRows[0] === undefined ? null : toOrder(existingRows[0] as Row);
    const closedUnused = existing === null && (await this.#isClosedOrderId(c, cmd.mchId, cmd.mchOrderId));
    const merchantRows = (await c.query('SELECT status FROM merchants WHERE mch_id = $1', [cmd.mchId])).rows as { status: string }[];
    const merchantActive = merchantRows[0]?.status === 'active';
    const wallet = existing === null && !closedUnused && payCode !== null ? await this.#wallet(c, payCode.walletId, true) : null;
    const policy = options.forceConfirmation ? { ...this.#policy, forceConfirmation: true } : this.#policy;
    const decision = decidePayment(cmd, { existing, payCode, wallet, closedUnused, merchantActive }, policy, now, this.#orderIds.next(now), paymentFingerprint(cmd));
    const w = this.writes;
    switch (decision.kind) {
      case 'repeat':
      case 'rejected':
        return decision;
      case 'failed':
        await w.insertOrder(c, decision.order, cmd.payCode);
        await w.enqueueNotification(c, cmd.mchId, 'FAILED', decision.order.orderId, decision.order, now);
        return decision;
      case 'pending':
        await w.insertOrder(c, decision.order, cmd.payCode);
        await this.#usePayCode(c, cmd.payCode, decision.order.orderId);
        await w.changeHold(c, decision.order.walletId, decision.order.amountSen);
        return decision;
      case 'paid':
        await w.insertOrder(c, decision.order, cmd.payCode);
        await this.#usePayCode(c, cmd.payCode, decision.order.orderId);
        if (options.sandboxFault) throw new SandboxFault('sandbox: fault injected into the payment step');
        await w.applyEntry(c, decision.entry);
        await w.enqueueNotification(c, cmd.mchId, 'PAID', decision.order.orderId, decision.order, now);
        return decision;
    }
  }

  async #isClosedOrderId(c: Db, mchId: string, mchOrderId: string): Promise<boolean> {
    const { rows } = await c.query('SELECT 1 FROM closed_order_ids WHERE mch_id = $1 AND mch_order_id = $2', [mchId, mchOrderId]);
    return rows.length > 0;
  }

  /** The code records the one order it pays (or holds for confirmation), in the row itself. */
  async #usePayCode(c: Db, code: string, orderId: string): Promise<void> {
    const used = await c.query(`UPDATE pay_codes SET status = 'used', order_id = $2 WHERE code = $1 AND status = 'active'`, [code, orderId]);
    assert(used.rowCount === 1, 'a payment uses an active code exactly once');
  }

  /** See SqliteStore: a payment whose step failed is left NEW, so queryBill finds it in progress. */
  async #recordNewAfterFault(cmd: MicropayCommand): Promise<void> {
    const now = this.#clock.nowMs();
    try {
      await this.transaction(async (c) => {
        const code = (await c.query('SELECT wallet_id FROM pay_codes WHERE code = $1', [cmd.payCode])).rows[0] as { wallet_id: string } | undefined;
        if (code === undefined) return;
        await c.query('SAVEPOINT new_order');
        try {
          const order = orderAfterFault(cmd, code.wallet_id, this.#orderIds.next(now), now, this.#newOrderTimeoutMs);
          await this.writes.insertOrder(c, order, cmd.payCode);
        } catch {
          // The order exists after all (or the code is taken): then queryBill already tells the truth.
          await c.query('ROLLBACK TO SAVEPOINT new_order');
        }
      });
    } catch {
      // If even that fails, nothing is recorded and queryBill answers "no such order": also true.
    }
  }

  async findOrder(mchId: string, mchOrderId: string): Promise<Order | null> {
    const { rows } = await this.pool.query('SELECT * FROM orders WHERE mch_id = $1 AND mch_order_id = $2', [mchId, mchOrderId]);
    return rows[0] === undefined ? null : toOrder(rows[0] as Row);
  }

  async findOrderById(orderId: string): Promise<Order | null> {
    return this.writes.findOrderById(this.pool, orderId);
  }

  // --- settling NEW and PENDING orders ---------------------------------------------------------

  async confirmPending(walletId: string, orderId: string): Promise<SettleResult> {
    return this.#settle(
      (c) => this.#walletOrder(c, walletId, orderId),
      async (c, order, now) => decideConfirm(order, (await this.#wallet(c, walletId, true))!, now),
    );
  }

  async declinePending(walletId: string, orderId: string): Promise<SettleResult> {
    return this.#settle((c) => this.#walletOrder(c, walletId, orderId), async (_c, order) => decideDecline(order));
  }

  async closeOrder(mchId: string, mchOrderId: string): Promise<SettleResult> {
    return this.#settle(async (c) => {
      // Exclusive on the id: a payment under it either committed before (its order is found
      // below) or waits and then finds the id closed (order-id-locks.ts).
      await c.query(LOCK_ORDER_ID, [mchId, mchOrderId]);
      const { rows } = await c.query('SELECT * FROM orders WHERE mch_id = $1 AND mch_order_id = $2 FOR UPDATE', [mchId, mchOrderId]);
      if (rows[0] !== undefined) return toOrder(rows[0] as Row);
      await c.query(
        'INSERT INTO closed_order_ids (mch_id, mch_order_id, closed_at_ms) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING',
        [mchId, mchOrderId, this.#clock.nowMs()],
      );
      return null;
    }, async (_c, order) => decideClose(order));
  }

  async sweep(): Promise<number> {
    const now = this.#clock.nowMs();
    const { rows } = await this.pool.query(
      `SELECT order_id FROM orders WHERE status IN ('NEW', 'PENDING') AND deadline_ms <= $1 ORDER BY deadline_ms LIMIT 500`,
      [now],
    );
    let settled = 0;
    for (const { order_id } of rows as { order_id: string }[]) {
      const result = await this.#settle((c) => this.writes.findOrderById(c, order_id, true), async (_c, order, at) => decideSweep(order, at));
      if (result.kind === 'settled') settled += 1;
    }
    return settled;
  }

  async #walletOrder(c: Db, walletId: string, orderId: string): Promise<Order | null> {
    const order = await this.writes.findOrderById(c, orderId, true);
    return order !== null && order.walletId === walletId ? order : null;
  }

  /** Locks the order row, decides, applies: racing settlements of one order serialise on the lock. */
  async #settle(
    load: (c: pg.PoolClient) => Promise<Order | null>,
    decide: (c: pg.PoolClient, order: Order, nowMs: number) => Promise<Settlement>,
  ): Promise<SettleResult> {
    return this.transaction(async (c): Promise<SettleResult> => {
      const order = await load(c);
      if (order === null) return { kind: 'not_found' };
      const now = this.#clock.nowMs();
      const settlement = await decide(c, order, now);
      const w = this.writes;
      switch (settlement.kind) {
        case 'none':
          return { kind: 'unchanged', order };
        case 'pay': {
          await this.#wallet(c, order.walletId, true);
          await w.changeHold(c, order.walletId, -order.amountSen);
          await w.applyEntry(c, settlement.entry);
          const paid = await w.moveOrder(c, order, 'PAID', now, { payTimeMs: now });
          await w.enqueueNotification(c, order.mchId, 'PAID', paid.orderId, paid, now);
          return { kind: 'settled', order: paid };
        }
        case 'fail': {
          if (order.status === 'PENDING') {
            await this.#wallet(c, order.walletId, true);
            await w.changeHold(c, order.walletId, -order.amountSen);
          }
          const failed = await w.moveOrder(c, order, 'FAILED', now, { failReason: settlement.reason });
          await w.enqueueNotification(c, order.mchId, 'FAILED', failed.orderId, failed, now);
          return { kind: 'settled', order: failed };
        }
      }
    });
  }

  // --- refunds and statements (refunds.ts) -----------------------------------------------------

  refund(cmd: RefundCommand): Promise<RefundRequestDecision> {
    return this.#refunds.refund(cmd);
  }

  requestRefund(cmd: RefundCommand): Promise<RefundRequestDecision> {
    return this.#refunds.request(cmd);
  }

  finishRefund(refundId: string): Promise<RefundRecord | null> {
    return this.#refunds.finish(refundId);
  }

  findRefund(mchId: string, mchRefundId: string): Promise<RefundRecord | null> {
    return this.#refunds.find(mchId, mchRefundId);
  }

  finishStaleRefunds(olderThanMs: number): Promise<number> {
    return this.#refunds.finishStale(olderThanMs);
  }

  statementMovements(mchId: string, fromMs: number, toMs: number): Promise<StatementMovements> {
    return this.#refunds.movements(mchId, fromMs, toMs);
  }

  // --- notification outbox (notifications.ts) --------------------------------------------------

  claimDueNotifications(owner: string, leaseMs: number, limit: number): Promise<Notification[]> {
    return this.#notifications.claimDue(owner, leaseMs, limit);
  }

  recordDelivery(notificationId: string, owner: string): Promise<boolean> {
    return this.#notifications.recordDelivery(notificationId, owner);
  }

  recordFailedAttempt(notificationId: string, owner: string, error: string, nextAttemptAtMs: number | null): Promise<boolean> {
    return this.#notifications.recordFailedAttempt(notificationId, owner, error, nextAttemptAtMs);
  }

  listNotifications(filter: NotificationFilter): Promise<Notification[]> {
    return this.#notifications.list(filter);
  }

  retryNotification(notificationId: string): Promise<NotificationRetryResult> {
    return this.#notifications.retry(notificationId);
  }

  // --- operations ------------------------------------------------------------------------------

  async audit(): Promise<AuditReport> {
    const checks = [];
    for (const q of AUDIT_QUERIES) {
      const { rows } = await this.pool.query(q.sql);
      checks.push({ name: q.name, violations: (rows as { detail: string }[]).map((r) => r.detail) });
    }
    const count = async (table: string) => ((await this.pool.query(`SELECT COUNT(*) AS n FROM ${table}`)).rows[0] as { n: number }).n;
    return auditReport(checks, { entries: await count('journal_entries'), postings: await count('postings'), orders: await count('orders') });
  }

  async schemaVersion(): Promise<number> {
    return ((await this.pool.query('SELECT MAX(version) AS v FROM schema_migrations')).rows[0] as { v: number }).v;
  }

  async appliedMigrations(): Promise<AppliedMigration[]> {
    const { rows } = await this.pool.query('SELECT version, name, applied_at_ms FROM schema_migrations ORDER BY version');
    return (rows as Row[]).map((r) => ({ version: Number(r.version), name: r.name as string, appliedAtMs: Number(r.applied_at_ms) }));
  }

  async getSetting(name: string): Promise<string | null> {
    const { rows } = await this.pool.query('SELECT value FROM settings WHERE name = $1', [name]);
    return (rows[0] as { value: string } | undefined)?.value ?? null;
  }

  async setSetting(name: string, value: string): Promise<void> {
    await this.pool.query(
      'INSERT INTO settings (name, value) VALUES ($1, $2) ON CONFLICT (name) DO UPDATE SET value = excluded.value',
      [name, value],
    );
  }

  async close(): Promise<void> {
    await this.#batches.drain();
    await this.pool.end();
  }
}

/**
 * Applies pending migrations under an advisory lock, so several processes starting at once apply
 * each migration exactly once; refuses to run against a schema newer than this code knows.
 */
export async function migratePostgres(pool: pg.Pool): Promise<{ applied: number[] }> {
  const client = await pool.connect();
  try {
    // Waiting for another process's migration, or running a long one, is not a stuck statement.
    await client.query('SET statement_timeout = 0');
    await client.query(`SELECT pg_advisory_lock(hashtext('micropay:migrate'))`);
    await client.query(`CREATE TABLE IF NOT EXISTS schema_migrations (
      version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at_ms BIGINT NOT NULL)`);
    const known = Math.max(...POSTGRES_MIGRATIONS.map((m) => m.version));
    const { rows } = await client.query('SELECT version FROM schema_migrations');
    const done = new Set((rows as { version: number }[]).map((r) => r.version));
    const newest = Math.max(0, ...done);
    if (newest > known) {
      throw new Error(`the database schema (version ${newest}) is newer than this MicroPay (version ${known}); upgrade MicroPay`);
    }
    const applied: number[] = [];
    for (const m of POSTGRES_MIGRATIONS) {
      if (done.has(m.version)) continue;
      await client.query('BEGIN');
      try {
        await client.query(m.sql);
        await client.query('INSERT INTO schema_migrations (version, name, applied_at_ms) VALUES ($1, $2, $3)', [m.version, m.name, Date.now()]);
        await client.query('COMMIT');
      } catch (error) {
        await client.query('ROLLBACK');
        throw error;
      }
      applied.push(m.version);
    }
    return { applied };
  } finally {
    await client.query(`SELECT pg_advisory_unlock(hashtext('micropay:migrate'))`).catch(() => undefined);
    await client.query('RESET statement_timeout').catch(() => undefined);
    client.release();
  }
}
