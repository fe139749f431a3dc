import type Database from 'better-sqlite3';
import type { MicropayCommand, Secret } from '@micropay/protocol';
import type { Clock } from '../../domain/clock.js';
import { rollKeys } from '../../domain/merchant-keys.js';
import { merchantIdCandidates, merchantIdPrefix, newPayCode, newWalletId } from '../../domain/ids.js';
import { merchantAccount, walletAccount } from '../../domain/ledger.js';
import type { Merchant, MerchantStatus, Order, PayCode, PaymentPolicy, Wallet, WalletStatus } from '../../domain/model.js';
import type { PaymentDecision } from '../../domain/payment.js';
import {
  decideClose,
  decideConfirm,
  decideDecline,
  decideSweep,
  type Settlement,
} from '../../domain/settlement.js';
import { checkMerchantName } from '../../domain/merchant.js';
import { canChangeWalletStatus, checkTopUp, checkWalletOpen, payCodeRefusal, topUpEntry } from '../../domain/wallet.js';
import { AUDIT_QUERIES } from '../audit.js';
import { MerchantCache } from '../merchant-cache.js';
import { PLATFORM_BUSY, WaitingPayments } from '../waiting-payments.js';
import {
  auditReport,
  balancesByMerchant,
  checkedLimit,
  containsPattern,
  importedMerchantId,
  MerchantIdTakenError,
  type AuditReport,
  type NewMerchant,
  type NewWallet,
  type PayCodeRefusal,
  type PayOptions,
  type SettleResult,
  type Store,
  type WalletFilter,
  type WalletSecurityChanges,
  type WalletTransaction,
} from '../store.js';
import { SQLITE_AUDIT_QUERIES } from './audit.js';
import { SQLITE_MIGRATIONS } from './migrations.js';
import { openConnection, PaymentWriter, type PaymentJob, type PaymentOutcome } from './payment-writer.js';
import { PaymentThread } from './payment-thread-client.js';
import { WriteTurns, type MainWrite } from './write-turns.js';
import { toMerchant, toOrder, toPayCode, toWallet, type Row } from '../rows.js';
import { WALLET_COLUMNS } from './rows.js';
import { SqliteWrites } from './writes.js';
import type { Notification } from '../../domain/notification.js';
import type { AppliedMigration, NotificationFilter, NotificationRetryResult } from '../store.js';
import { SqliteNotifications } from './notifications.js';
import type { RefundCommand } from '@micropay/protocol';
import type { RefundRequestDecision } from '../../domain/refund.js';
import type { StatementMovements } from '../../domain/statement.js';
import type { RefundRecord } from '../store.js';
import { SqliteRefunds } from './refunds.js';

export interface SqliteStoreOptions {
  readonly clock: Clock;
  readonly timeZone: string;
  readonly policy: PaymentPolicy;
  /** How long a NEW order (its payment hit a fault) waits before the sweeper fails it. */
  readonly newOrderTimeoutMs: number;
  /** Most payments sent to the writer at once; the rest wait for the next turn. */
  readonly maxBatch?: number;
  /** Write payments on their own thread and connection (ignored for ':memory:'). */
  readonly paymentThread?: boolean;
  /** Payments held waiting to be written before more are turned away (tests set it small). */
  readonly maxWaitingPayments?: number;
}

interface QueuedPayment {
  readonly job: PaymentJob;
  readonly resolve: (decision: PaymentDecision) => void;
  readonly reject: (error: unknown) => void;
}

/**
 * The embedded store: one SQLite file in WAL mode with synchronous=FULL, so a commit is on disk
 * before its answer is sent. Payments are group-committed: every payment that arrives during one
 * turn of the event loop goes to the payment writer together, which decides and writes them inside
 * one transaction (each in its own savepoint, so each stays all-or-nothing), made durable by one
 * fsync. When serving, the writer runs on its own thread (./payment-thread.ts).
 */
export class SqliteStore implements Store {
  readonly kind = 'sqlite' as const;
  readonly db: Database.Database;
  readonly writes: SqliteWrites;
  readonly #clock: Clock;
  readonly #timeZone: string;
  readonly #maxBatch: number;
  readonly #queue: QueuedPayment[] = [];
  /** Payments queued here or in a batch being written: bounded (waiting-payments.ts). */
  readonly #waiting: WaitingPayments;
  #flushScheduled = false;
  /** Writes payments on this thread (in-memory stores) … */
  #writer: PaymentWriter | undefined;
  /** … or on the payment thread, in parallel with HTTP (file stores that serve the API). */
  #thread: PaymentThread | undefined;
  /** Every write on this thread's connection runs through it (./write-turns.ts). */
  #mainWrite: MainWrite = async (write) => write();
  readonly #s: ReturnType<typeof prepare>;
  /** Group commit's counters (store.ts): a payment that throws is retried within its batch, never a fallback. */
  readonly batchStats = { batches: 0, payments: 0, fallbacks: 0 };

  constructor(path: string, options: SqliteStoreOptions) {
    this.db = openConnection(path);
    this.#clock = options.clock;
    this.#timeZone = options.timeZone;
    this.#maxBatch = options.maxBatch ?? 1024;
    this.#waiting = new WaitingPayments(options.maxWaitingPayments);
    migrate(this.db);
    this.#s = prepare(this.db);
    this.writes = new SqliteWrites(this.db);
    const writerOptions = { timeZone: options.timeZone, policy: options.policy, newOrderTimeoutMs: options.newOrderTimeoutMs };
    if (options.paymentThread && path !== ':memory:') {
      const turns = new WriteTurns();
      this.#mainWrite = (write) => turns.main(write);
      this.#thread = new PaymentThread(path, writerOptions, turns);
    } else {
      this.#writer = new PaymentWriter(this.db, writerOptions);
    }
  }

  /** Runs `fn` in one immediate transaction (it waits for the server's batches and other processes). */
  async transaction<T>(fn: () => T): Promise<T> {
    return this.#mainWrite(() => this.db.transaction(fn).immediate());
  }

  nowMs(): number {
    return this.#clock.nowMs();
  }

  // --- merchants -------------------------------------------------------------------------------

  async createMerchant(input: NewMerchant): Promise<Merchant> {
    return this.transaction(() => this.#insertMerchant(input));
  }

  async createSandbox(input: { merchant: NewMerchant; wallet: NewWallet; setting: string }): Promise<{ merchant: Merchant; wallet: Wallet }> {
    return this.transaction(() => {
      const merchant = this.#insertMerchant(input.merchant);
      const wallet = this.#insertWallet(input.wallet);
      this.#s.setSetting.run(input.setting, JSON.stringify({ mchId: merchant.mchId, walletId: wallet.walletId }));
      return { merchant, wallet };
    });
  }

  #insertMerchant(input: NewMerchant): Merchant {
    checkMerchantName(input.name);
    const now = this.#clock.nowMs();
    const mchId = input.mchId === undefined ? this.#freeMerchantId(now) : importedMerchantId(input.mchId);
    if (input.mchId !== undefined && this.#s.findMerchant.get(mchId) !== undefined) throw new MerchantIdTakenError(mchId);
    this.#s.insertMerchant.run(mchId, input.name, input.apiKey.expose(), input.notifyUrl ?? null, now);
    this.#s.insertAccount.run(merchantAccount(mchId), 'merchant');
    return toMerchant(this.#s.findMerchant.get(mchId) as Row);
  }

  /** The first free candidate (ids.ts); runs inside the creating transaction, which holds the write lock. */
  #freeMerchantId(nowMs: number): string {
    const prefix = merchantIdPrefix(nowMs, this.#timeZone);
    const taken = (this.#s.countMerchantsWithPrefix.get(`${prefix}%`) as { n: number }).n;
    for (const mchId of merchantIdCandidates(nowMs, this.#timeZone, taken)) {
      if (this.#s.findMerchant.get(mchId) === undefined) return mchId;
    }
    throw new Error('unreachable: merchant id candidates never end');
  }

  async findMerchant(mchId: string): Promise<Merchant | null> {
    const row = this.#s.findMerchant.get(mchId) as Row | undefined;
    return row === undefined ? null : toMerchant(row);
  }

  readonly #merchantCache = new MerchantCache();

  findMerchantForAuth(mchId: string): Promise<Merchant | null> {
    return this.#merchantCache.get(mchId, Date.now(), (id) => this.findMerchant(id));
  }

  async listMerchants(): Promise<Merchant[]> {
    return (this.#s.listMerchants.all() as Row[]).map(toMerchant);
  }

  async merchantBalances(mchIds?: readonly string[]): Promise<Map<string, number>> {
    const ids = mchIds ?? (this.#s.listMerchantIds.all() as { mch_id: string }[]).map((r) => r.mch_id);
    const rows = this.#s.accountBalances.all(JSON.stringify(ids.map(merchantAccount))) as { id: string; balance_sen: number }[];
    return balancesByMerchant(ids, new Map(rows.map((r) => [r.id, r.balance_sen])));
  }

  async setMerchantStatus(mchId: string, status: MerchantStatus): Promise<Merchant | null> {
    return this.#updateMerchant(mchId, () => this.#s.setMerchantStatus.run(status, mchId));
  }

  async rollMerchantKey(mchId: string, newKey: Secret, overlapMs: number): Promise<Merchant | null> {
    return this.#updateMerchant(mchId, () => {
      const row = this.#s.findMerchant.get(mchId) as Row | undefined;
      if (row === undefined) return;
      const keys = rollKeys(toMerchant(row), newKey, overlapMs, this.#clock.nowMs());
      this.#s.rollKey.run(keys.apiKey.expose(), keys.previousKey.key.expose(), keys.previousKey.untilMs, keys.keyRolledAtMs, mchId);
    });
  }

  async recordKeyFirstUse(mchId: string, key: Secret): Promise<void> {
    const now = this.#clock.nowMs();
    await this.#mainWrite(() => this.#s.recordKeyFirstUse.run(now, mchId, key.expose()));
    this.#merchantCache.forget(mchId);
  }

  async updateMerchant(mchId: string, changes: { name?: string; notifyUrl?: string | null }): Promise<Merchant | null> {
    if (changes.name !== undefined) checkMerchantName(changes.name);
    return this.#updateMerchant(mchId, () => {
      if (changes.name !== undefined) this.#s.setMerchantName.run(changes.name, mchId);
      if (changes.notifyUrl !== undefined) this.#s.setMerchantNotifyUrl.run(changes.notifyUrl, mchId);
    });
  }

  async #updateMerchant(mchId: string, change: () => void): Promise<Merchant | null> {
    const merchant = await this.transaction(() => {
      change();
      const row = this.#s.findMerchant.get(mchId) as Row | undefined;
      return row === undefined ? null : toMerchant(row);
    });
    this.#merchantCache.forget(mchId);
    return merchant;
  }

  // --- wallets and payment codes ---------------------------------------------------------------

  async createWallet(input: NewWallet): Promise<Wallet> {
    return this.transaction(() => this.#insertWallet(input));
  }

  #insertWallet(input: NewWallet): Wallet {
    const now = this.#clock.nowMs();
    let walletId = newWalletId();
    while (this.#s.findWallet.get(walletId) !== undefined) walletId = newWalletId();
    this.#s.insertAccount.run(walletAccount(walletId), 'wallet');
    this.#s.insertWallet.run(
      walletId, input.name, walletAccount(walletId), input.tokenHash ?? null, input.pinHash ?? null,
      input.confirmLimitSen ?? null, now,
    );
    if (input.openingSen > 0) {
      checkTopUp(this.#wallet(walletId)!, input.openingSen);
      this.writes.applyEntry(topUpEntry(walletId, input.openingSen, now));
    }
    return this.#wallet(walletId)!;
  }

  async findWallet(walletId: string): Promise<Wallet | null> {
    return this.#wallet(walletId);
  }

  async findWalletByTokenHash(tokenHash: string): Promise<Wallet | null> {
    const row = this.#s.findWalletByToken.get(tokenHash) as Row | undefined;
    return row === undefined ? null : toWallet(row);
  }

  async listWallets(filter: WalletFilter): Promise<Wallet[]> {
    const rows = this.#s.listWallets.all({
      status: filter.status ?? null,
      name: filter.nameContains === undefined ? null : containsPattern(filter.nameContains),
      after: filter.afterWalletId ?? null,
      limit: checkedLimit(filter.limit),
    }) as Row[];
    return rows.map(toWallet);
  }

  #wallet(walletId: string): Wallet | null {
    const row = this.#s.findWallet.get(walletId) as Row | undefined;
    return row === undefined ? null : toWallet(row);
  }

  async setWalletStatus(walletId: string, status: WalletStatus): Promise<Wallet | null> {
    return this.transaction(() => {
      const wallet = this.#wallet(walletId);
      // The immediate transaction holds the write lock: the status read is the one changed.
      if (wallet === null || !canChangeWalletStatus(wallet.status, status)) return wallet;
      this.#s.setWalletStatus.run(status, walletId);
      return this.#wallet(walletId);
    });
  }

  async updateWalletSecurity(walletId: string, changes: WalletSecurityChanges): Promise<Wallet | null> {
    return this.transaction(() => {
      const wallet = this.#wallet(walletId);
      if (wallet === null) return null;
      checkWalletOpen(wallet, 'new token, PIN or limit');
      if (changes.tokenHash !== undefined) this.#s.setWalletToken.run(changes.tokenHash, walletId);
      if (changes.pinHash !== undefined) this.#s.setWalletPin.run(changes.pinHash, walletId);
      if (changes.pinFailures !== undefined) this.#s.setPinFailures.run(changes.pinFailures, walletId);
      if (changes.confirmLimitSen !== undefined) this.#s.setConfirmLimit.run(changes.confirmLimitSen, walletId);
      return this.#wallet(walletId);
    });
  }

  async walletPinHash(walletId: string): Promise<string | null> {
    const row = this.#s.walletPinHash.get(walletId) as { pin_hash: string | null } | undefined;
    return row?.pin_hash ?? null;
  }

  async takePinTry(walletId: string, maxTries: number): Promise<number | null> {
    return this.transaction(() => {
      const row = this.#s.takePinTry.get(walletId, maxTries) as { pin_failures: number } | undefined;
      return row?.pin_failures ?? null;
    });
  }

  async clearPinTries(walletId: string, countAfterTaking: number): Promise<void> {
    await this.transaction(() => this.#s.clearPinTries.run(walletId, countAfterTaking));
  }

  async topUp(walletId: string, amountSen: number): Promise<Wallet | null> {
    const now = this.#clock.nowMs();
    return this.transaction(() => {
      const wallet = this.#wallet(walletId);
      if (wallet === null) return null;
      checkTopUp(wallet, amountSen);
      this.writes.applyEntry(topUpEntry(walletId, amountSen, now));
      return this.#wallet(walletId);
    });
  }

  async issuePayCode(walletId: string, ttlMs: number): Promise<PayCode | PayCodeRefusal> {
    const now = this.#clock.nowMs();
    return this.transaction(() => {
      const wallet = this.#wallet(walletId);
      if (wallet === null) return 'NO_WALLET';
      const refusal = payCodeRefusal(wallet.status);
      if (refusal !== null) return refusal;
      this.#s.retireActiveCode.run(walletId);
      let code = newPayCode();
      while (this.#s.findPayCode.get(code) !== undefined) code = newPayCode();
      this.#s.insertPayCode.run(code, walletId, now, now + ttlMs);
      this.#s.setActiveCode.run(code, walletId);
      return toPayCode(this.#s.findPayCode.get(code) as Row);
    });
  }

  async recentTransactions(walletId: string, limit: number): Promise<WalletTransaction[]> {
    return (this.#s.recentTransactions.all(walletAccount(walletId), limit) as Row[]).map((r) => ({
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
    return (this.#s.pendingOrdersOfWallet.all(walletId) as Row[]).map(toOrder);
  }

  // --- payments --------------------------------------------------------------------------------

  pay(cmd: MicropayCommand, options: PayOptions = {}): Promise<PaymentDecision> {
    if (!this.#waiting.admit()) return Promise.resolve(PLATFORM_BUSY);
    return new Promise((resolve, reject) => {
      this.#queue.push({ job: { cmd, options, nowMs: this.#clock.nowMs() }, resolve, reject });
      if (!this.#flushScheduled) {
        this.#flushScheduled = true;
        setImmediate(() => this.#flush());
      }
    });
  }

  #flush(): void {
    this.#flushScheduled = false;
    const batch = this.#queue.splice(0, this.#maxBatch);
    if (this.#queue.length > 0) {
      this.#flushScheduled = true;
      setImmediate(() => this.#flush());
    }
    const jobs = batch.map((q) => q.job);
    const settle = (outcomes: PaymentOutcome[]) => {
      this.#waiting.release(batch.length);
      this.batchStats.batches += 1;
      this.batchStats.payments += batch.length;
      batch.forEach((q, i) => {
        const outcome = outcomes[i]!;
        if (outcome.ok) q.resolve(outcome.decision);
        else q.reject(Object.assign(new Error(outcome.error.message), { name: outcome.error.name }));
      });
    };
    // Nothing of a failed batch is on disk: every payment answers "system error", and queryBill
    // truthfully finds no order, so the merchant may pay again.
    const fail = (error: unknown) => {
      this.#waiting.release(batch.length);
      batch.forEach((q) => q.reject(error));
    };
    if (this.#thread !== undefined) {
      this.#thread.write(jobs).then(settle, fail);
      return;
    }
    let outcomes: PaymentOutcome[];
    try {
      outcomes = this.#writer!.write(jobs);
    } catch (error) {
      fail(error);
      return;
    }
    settle(outcomes);
  }

  async findOrder(mchId: string, mchOrderId: string): Promise<Order | null> {
    const row = this.#s.findOrder.get(mchId, mchOrderId) as Row | undefined;
    return row === undefined ? null : toOrder(row);
  }

  async findOrderById(orderId: string): Promise<Order | null> {
    return this.writes.findOrderById(orderId);
  }

  // --- settling NEW and PENDING orders ---------------------------------------------------------

  async confirmPending(walletId: string, orderId: string): Promise<SettleResult> {
    return this.#settle(() => this.#walletOrder(walletId, orderId), (order, now) => {
      const wallet = this.#wallet(walletId)!;
      return decideConfirm(order, wallet, now);
    });
  }

  async declinePending(walletId: string, orderId: string): Promise<SettleResult> {
    return this.#settle(() => this.#walletOrder(walletId, orderId), (order) => decideDecline(order));
  }

  async closeOrder(mchId: string, mchOrderId: string): Promise<SettleResult> {
    return this.#settle(() => {
      const row = this.#s.findOrder.get(mchId, mchOrderId) as Row | undefined;
      // No order: the id is closed in this same transaction, so no payment can take it later.
      if (row === undefined) this.#s.closeOrderId.run(mchId, mchOrderId, this.#clock.nowMs());
      return row === undefined ? null : toOrder(row);
    }, (order) => decideClose(order));
  }

  async sweep(): Promise<number> {
    const now = this.#clock.nowMs();
    const due = (this.#s.dueUnsettled.all(now, 500) as Row[]).map((r) => r.order_id as string);
    let settled = 0;
    for (const orderId of due) {
      const result = await this.#settle(() => this.writes.findOrderById(orderId), (order, at) => decideSweep(order, at));
      if (result.kind === 'settled') settled += 1;
    }
    return settled;
  }

  #walletOrder(walletId: string, orderId: string): Order | null {
    const order = this.writes.findOrderById(orderId);
    return order !== null && order.walletId === walletId ? order : null;
  }

  /** Reads the order and applies the settlement in one transaction, so racing settlements serialise. */
  #settle(load: () => Order | null, decide: (order: Order, nowMs: number) => Settlement): Promise<SettleResult> {
    return this.transaction((): SettleResult => {
      const now = this.#clock.nowMs();
      const order = load();
      if (order === null) return { kind: 'not_found' };
      const settlement = decide(order, now);
      const w = this.writes;
      switch (settlement.kind) {
        case 'none':
          return { kind: 'unchanged', order };
        case 'pay': {
          w.changeHold(order.walletId, -order.amountSen);
          w.applyEntry(settlement.entry);
          const paid = w.moveOrder(order, 'PAID', now, { payTimeMs: now });
          w.enqueueNotification(order.mchId, 'PAID', paid.orderId, paid, now);
          return { kind: 'settled', order: paid };
        }
        case 'fail': {
          if (order.status === 'PENDING') w.changeHold(order.walletId, -order.amountSen);
          const failed = w.moveOrder(order, 'FAILED', now, { failReason: settlement.reason });
          w.enqueueNotification(order.mchId, 'FAILED', failed.orderId, failed, now);
          return { kind: 'settled', order: failed };
        }
      }
    });
  }

  // --- operations ------------------------------------------------------------------------------

  async audit(): Promise<AuditReport> {
    const checks = [...AUDIT_QUERIES, ...SQLITE_AUDIT_QUERIES].map((q) => ({
      name: q.name,
      violations: (this.db.prepare(q.sql).all() as { detail: string }[]).map((r) => r.detail),
    }));
    const count = (table: string) => (this.db.prepare(`SELECT COUNT(*) AS n FROM ${table}`).get() as { n: number }).n;
    return auditReport(checks, { entries: count('journal_entries'), postings: count('postings'), orders: count('orders') });
  }

  async schemaVersion(): Promise<number> {
    return (this.db.prepare('SELECT MAX(version) AS v FROM schema_migrations').get() as { v: number }).v;
  }

  async appliedMigrations(): Promise<AppliedMigration[]> {
    const rows = this.db.prepare('SELECT version, name, applied_at_ms FROM schema_migrations ORDER BY version').all() as Row[];
    return rows.map((r) => ({ version: r.version as number, name: r.name as string, appliedAtMs: r.applied_at_ms as number }));
  }

  async getSetting(name: string): Promise<string | null> {
    const row = this.#s.getSetting.get(name) as { value: string } | undefined;
    return row?.value ?? null;
  }

  async setSetting(name: string, value: string): Promise<void> {
    await this.#mainWrite(() => this.#s.setSetting.run(name, value));
  }

  async close(): Promise<void> {
    // Let queued payments finish before the file closes.
    while (this.#queue.length > 0 || this.#flushScheduled) await new Promise((r) => setImmediate(r));
    await this.#thread?.close();
    this.db.close();
  }

  // --- notification outbox (delivery side: ./notifications.ts) ----------------------------------

  #outboxInstance: SqliteNotifications | undefined;
  get #outbox(): SqliteNotifications {
    return (this.#outboxInstance ??= new SqliteNotifications(this.db, this.#clock, this.#mainWrite));
  }

  async claimDueNotifications(owner: string, leaseMs: number, limit: number): Promise<Notification[]> {
    return this.#outbox.claimDue(owner, leaseMs, limit);
  }

  async recordDelivery(notificationId: string, owner: string): Promise<boolean> {
    return this.#outbox.recordDelivery(notificationId, owner);
  }

  async recordFailedAttempt(notificationId: string, owner: string, error: string, nextAttemptAtMs: number | null): Promise<boolean> {
    return this.#outbox.recordFailedAttempt(notificationId, owner, error, nextAttemptAtMs);
  }

  async listNotifications(filter: NotificationFilter): Promise<Notification[]> {
    return this.#outbox.list(filter);
  }

  async retryNotification(notificationId: string): Promise<NotificationRetryResult> {
    return this.#outbox.retry(notificationId);
  }

  // --- refunds and statements (SQL and transactions: ./refunds.ts) --------------------------------

  #refundsInstance: SqliteRefunds | undefined;
  get #refunds(): SqliteRefunds {
    return (this.#refundsInstance ??= new SqliteRefunds(this.db, this.writes, this.#clock, this.#timeZone, this.#mainWrite));
  }

  async refund(cmd: RefundCommand): Promise<RefundRequestDecision> {
    return this.#refunds.refund(cmd);
  }

  async requestRefund(cmd: RefundCommand): Promise<RefundRequestDecision> {
    return this.#refunds.request(cmd);
  }

  async finishRefund(refundId: string): Promise<RefundRecord | null> {
    return this.#refunds.finish(refundId);
  }

  async findRefund(mchId: string, mchRefundId: string): Promise<RefundRecord | null> {
    return this.#refunds.find(mchId, mchRefundId);
  }

  async finishStaleRefunds(olderThanMs: number): Promise<number> {
    return this.#refunds.finishStale(olderThanMs);
  }

  async statementMovements(mchId: string, fromMs: number, toMs: number): Promise<StatementMovements> {
    return this.#refunds.movements(mchId, fromMs, toMs);
  }
}

function migrate(db: Database.Database): void {
  db.exec(`CREATE TABLE IF NOT EXISTS schema_migrations (
    version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at_ms INTEGER NOT NULL) STRICT`);
  const apply = db.transaction(() => {
    const applied = new Set(
      (db.prepare('SELECT version FROM schema_migrations').all() as { version: number }[]).map((r) => r.version),
    );
    const newest = Math.max(0, ...applied);
    const known = Math.max(...SQLITE_MIGRATIONS.map((m) => m.version));
    if (newest > known) {
      throw new Error(`the database schema (version ${newest}) is newer than this MicroPay (version ${known}); upgrade MicroPay`);
    }
    for (const m of SQLITE_MIGRATIONS) {
      if (applied.has(m.version)) continue;
      db.exec(m.sql);
      db.prepare('INSERT INTO schema_migrations (version, name, applied_at_ms) VALUES (?, ?, ?)').run(m.version, m.name, Date.now());
    }
  });
  apply.immediate();
}

function prepare(db: Database.Database) {
  return {
    findMerchant: db.prepare('SELECT * FROM merchants WHERE mch_id = ?'),
    listMerchants: db.prepare('SELECT * FROM merchants ORDER BY mch_id'),
    listMerchantIds: db.prepare('SELECT mch_id FROM merchants'),
    accountBalances: db.prepare('SELECT id, balance_sen FROM accounts WHERE id IN (SELECT value FROM json_each(?))'),
    countMerchantsWithPrefix: db.prepare('SELECT COUNT(*) AS n FROM merchants WHERE mch_id LIKE ?'),
    insertMerchant: db.prepare(
      `INSERT INTO merchants (mch_id, name, api_key, status, notify_url, created_at_ms) VALUES (?, ?, ?, 'active', ?, ?)`,
    ),
    setMerchantStatus: db.prepare('UPDATE merchants SET status = ? WHERE mch_id = ?'),
    rollKey: db.prepare(
      `UPDATE merchants SET api_key = ?, previous_api_key = ?, previous_key_until_ms = ?, key_rolled_at_ms = ?,
                            key_first_used_at_ms = NULL
        WHERE mch_id = ?`,
    ),
    recordKeyFirstUse: db.prepare(
      'UPDATE merchants SET key_first_used_at_ms = ? WHERE mch_id = ? AND api_key = ? AND key_first_used_at_ms IS NULL',
    ),
    setMerchantName: db.prepare('UPDATE merchants SET name = ? WHERE mch_id = ?'),
    setMerchantNotifyUrl: db.prepare('UPDATE merchants SET notify_url = ? WHERE mch_id = ?'),
    insertAccount: db.prepare('INSERT INTO accounts (id, kind) VALUES (?, ?)'),

    findWallet: db.prepare(`SELECT ${WALLET_COLUMNS} FROM wallets w JOIN accounts a ON a.id = w.account_id WHERE w.wallet_id = ?`),
    findWalletByToken: db.prepare(
      `SELECT ${WALLET_COLUMNS} FROM wallets w JOIN accounts a ON a.id = w.account_id WHERE w.token_hash = ?`,
    ),
    // LIKE ignores the case of ASCII letters (SQLite without ICU folds no others).
    listWallets: db.prepare(
      `SELECT ${WALLET_COLUMNS} FROM wallets w JOIN accounts a ON a.id = w.account_id
        WHERE (@status IS NULL OR w.status = @status)
          AND (@name IS NULL OR w.name LIKE @name ESCAPE '\\')
          AND (@after IS NULL OR w.wallet_id > @after)
        ORDER BY w.wallet_id LIMIT @limit`,
    ),
    insertWallet: db.prepare(
      `INSERT INTO wallets (wallet_id, name, status, account_id, token_hash, pin_hash, confirm_limit_sen, created_at_ms)
       VALUES (?, ?, 'active', ?, ?, ?, ?, ?)`,
    ),
    setWalletStatus: db.prepare('UPDATE wallets SET status = ? WHERE wallet_id = ?'),
    setWalletToken: db.prepare('UPDATE wallets SET token_hash = ? WHERE wallet_id = ?'),
    setWalletPin: db.prepare('UPDATE wallets SET pin_hash = ?, pin_failures = 0 WHERE wallet_id = ?'),
    setPinFailures: db.prepare('UPDATE wallets SET pin_failures = ? WHERE wallet_id = ?'),
    takePinTry: db.prepare('UPDATE wallets SET pin_failures = pin_failures + 1 WHERE wallet_id = ? AND pin_failures < ? RETURNING pin_failures'),
    clearPinTries: db.prepare('UPDATE wallets SET pin_failures = 0 WHERE wallet_id = ? AND pin_failures = ?'),
    setConfirmLimit: db.prepare('UPDATE wallets SET confirm_limit_sen = ? WHERE wallet_id = ?'),
    walletPinHash: db.prepare('SELECT pin_hash FROM wallets WHERE wallet_id = ?'),
    recentTransactions: db.prepare(
      // Walks the account's posting chain from its latest posting, newest first (see migration 2).
      `WITH RECURSIVE chain (posting_id, n) AS (
         SELECT last_posting_id, 1 FROM accounts WHERE id = ? AND last_posting_id IS NOT NULL
         UNION ALL
         SELECT p.prev_posting_id, c.n + 1 FROM chain c JOIN postings p ON p.posting_id = c.posting_id
          WHERE p.prev_posting_id IS NOT NULL AND c.n < ?)
       SELECT e.entry_id, e.kind, p.amount_sen, e.order_id, e.refund_id, e.created_at_ms, m.name AS merchant_name
         FROM chain c
         JOIN postings p ON p.posting_id = c.posting_id
         JOIN journal_entries e ON e.entry_id = p.entry_id
         LEFT JOIN orders o ON o.order_id = COALESCE(e.order_id, (SELECT r.order_id FROM refunds r WHERE r.refund_id = e.refund_id))
         LEFT JOIN merchants m ON m.mch_id = o.mch_id
        ORDER BY p.posting_id DESC`,
    ),
    pendingOrdersOfWallet: db.prepare(`SELECT * FROM orders WHERE wallet_id = ? AND status = 'PENDING' ORDER BY trade_time_ms`),

    findPayCode: db.prepare('SELECT * FROM pay_codes WHERE code = ?'),
    retireActiveCode: db.prepare(
      `UPDATE pay_codes SET status = 'retired'
        WHERE code = (SELECT active_code FROM wallets WHERE wallet_id = ?) AND status = 'active'`,
    ),
    setActiveCode: db.prepare('UPDATE wallets SET active_code = ? WHERE wallet_id = ?'),
    insertPayCode: db.prepare(
      `INSERT INTO pay_codes (code, wallet_id, status, issued_at_ms, expires_at_ms) VALUES (?, ?, 'active', ?, ?)`,
    ),

    findOrder: db.prepare('SELECT * FROM orders WHERE mch_id = ? AND mch_order_id = ?'),
    closeOrderId: db.prepare('INSERT OR IGNORE INTO closed_order_ids (mch_id, mch_order_id, closed_at_ms) VALUES (?, ?, ?)'),
    dueUnsettled: db.prepare(
      `SELECT order_id FROM orders WHERE status IN ('NEW', 'PENDING') AND deadline_ms <= ? ORDER BY deadline_ms LIMIT ?`,
    ),

    getSetting: db.prepare('SELECT value FROM settings WHERE name = ?'),
    setSetting: db.prepare(
      'INSERT INTO settings (name, value) VALUES (?, ?) ON CONFLICT (name) DO UPDATE SET value = excluded.value',
    ),
  };
}
