import type Database from 'better-sqlite3';
import type { MicropayCommand } from '@micropay/protocol';
import type { Clock } from '../../domain/clock.js';
import type { Decided } from '../../domain/effects.js';
import { merchantAccount, walletAccount } from '../../domain/ledger.js';
import type { Merchant, Order, PaymentPolicy, Wallet } from '../../domain/model.js';
import type { AttemptRecord, Notification, NotificationAttempt } from '../../domain/notification.js';
import type { NotificationActivity } from '../notification-attempts-sql.js';
import type { PaymentDecision } from '../../domain/payment.js';
import type { RefundRecord } from '../../domain/refund.js';
import type { DayWindow, StatementMovements } from '../../domain/statement.js';
import type { DailyReportMovements } from '../../domain/daily-report.js';
import type { PlatformDayRow } from '../../domain/platform-day.js';
import { PLATFORM_DAY_SQL, toPlatformDayRow } from '../platform-day-sql.js';
import type { Payout } from '../../domain/payout.js';
import type { PayoutAccount } from '../../domain/payout-account.js';
import type { PayoutCursor, WalletSearch } from '../../domain/console-pages.js';
import { MERCHANT_PAYOUTS_PAGE, MERCHANT_REQUESTED_PAYOUTS, MERCHANTS_PAGE, merchantPayoutsValues, PAYOUTS_PAGE, payoutsPageValues, walletSearchQuery } from '../console-sql.js';
import { ServiceStore } from '../../services/service-store.js';
import { AUDIT_QUERIES } from '../audit.js';
import type { Effect, ViewFor, ViewName, ViewOf } from '../port.js';
import { toCashier, toMerchant, toOrder, toPayout, toRefund, toWallet, toWalletTransaction, type Row } from '../rows.js';
import {
  auditReport,
  balancesByMerchant,
  checkedLimit,
  containsPattern,
  type AppliedMigration,
  type AuditReport,
  type BatchObserver,
  type DeadLetterCursor,
  type FailedAttemptRecord,
  type NotificationBacklog,
  type NotificationFilter,
  type PaymentThreadState,
  type PayoutFilter,
  type PoolUsage,
  type NotificationRetryResult,
  type PayOptions,
  type Store,
  type MerchantPage,
  type WalletFilter,
  type WalletTransaction,
} from '../store.js';
import { checkSchemaVersion, type SchemaUpgrade } from '../schema-version.js';
import { NOTIFICATION_BACKLOG_SQL, toBacklog } from '../notification-backlog.js';
import { PLATFORM_BUSY, WaitingPayments } from '../waiting-payments.js';
import { SQLITE_AUDIT_QUERIES } from './audit.js';
import { SqliteEffects } from './effects.js';
import { sqliteSql } from '../page-access-sql.js';
import { PAYMENTS_PAID_SINCE_SEN, PAYMENTS_PAID_WITHIN, paymentsPaidSinceValues, paymentsPaidWithinValues } from '../statement-sql.js';
import { auditLogEntryOf, auditLogQuery, type AuditLogFilter, type AuditLogRow } from '../audit-log-sql.js';
import type { ActingAs, AuditLogEntry } from '../../domain/audit-log.js';
import { CASHIER_CHARGES_PAGE, CASHIER_CHARGE_WITH_ORDER, chargesPageValues, REFUNDS_OF_ORDER, toCashierChargeRecord } from '../cashier-charge-sql.js';
import type { CashierChargeRecord, ChargeCursor } from '../../domain/cashier-charge.js';
import { MASTER_KEY_IDS_IN_USE, MERCHANT_USERS, OPERATOR_SUMMARIES, toOperatorSummary } from '../operator-sql.js';
import type { Resealed } from '../../services/merchants.js';
import { PLATFORM_COUNTS_SQL, PLATFORM_MONEY_SQL, toPlatformCounts, toPlatformMoney, type PlatformCounts, type PlatformMoney } from '../dashboard-sql.js';
import type { OperatorSummary } from '../../domain/operator.js';
import type { Cashier } from '../../domain/page-access.js';
import type { Refund } from '../../domain/model.js';
import { SQLITE_MIGRATIONS } from './migrations.js';
import { SqliteNotifications } from './notifications.js';
import { openConnection, PaymentWriter, type PaymentJob, type PaymentOutcome } from './payment-writer.js';
import { PaymentThread } from './payment-thread-client.js';
import type { ProcessMinute } from '../../domain/payment-minutes.js';
import { DELETE_OLD_PAYMENT_MINUTES, paymentMinuteValues, SELECT_PAYMENT_MINUTES, toProcessMinute, UPSERT_PAYMENT_MINUTE } from '../payment-minutes-sql.js';
import { payCodeOutcomesSql, toPayCodeOutcome, type PayCodeOutcome } from '../pay-code-outcomes.js';
import { WALLET_COLUMNS } from './rows.js';
import { ReadTurns } from './read-turns.js';
import { SqliteViews } from './views.js';
import { SqliteOrderReads } from './order-reads.js';
import type { OrderSearch } from '../../domain/order-search.js';
import type { OrderHistory } from '../../domain/order-timeline.js';
import { WriteTurns, type MainWrite } from './write-turns.js';
import { refuseOrphanedLog, StoreFile } from './store-file.js';
import { MasterKeyError, type MerchantKeyVault } from '../../secrets/merchant-key-vault.js';
import type { OfflineCodeKey, WalletDevice } from '../../domain/offline-code.js';
import { openOfflineKey } from '../../secrets/offline-code-key.js';
import { DEVICE_BY_INDEX, OFFLINE_KEY_SETTING, toDevice, WALLET_DEVICES } from '../offline-device-sql.js';
import { TRANSACTION_STATUS_COLUMNS } from '../top-up-reversal-sql.js';

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
  /** Seals and opens merchant keys (secrets/merchant-key-vault.ts). */
  readonly merchantKeys: MerchantKeyVault;
  /** false: a store of an older schema is refused, not upgraded (schema-version.ts). Default true. */
  readonly upgrade?: boolean;
}

/** A payment thread slower than this to start is left to start on its own (health tells). */
const WARM_UP_TIMEOUT_MS = 30_000;

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
export class SqliteStore extends ServiceStore implements Store {
  readonly kind = 'sqlite' as const;
  readonly db: Database.Database;
  readonly #effects: SqliteEffects;
  readonly #views: SqliteViews;
  readonly #orderReads: SqliteOrderReads;
  readonly #clock: Clock;
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
  /** The store's files as opened; null in memory. */
  readonly #file: StoreFile | null;
  readonly #s: ReturnType<typeof prepare>;
  /** The API's point reads: one read transaction per event-loop turn (./read-turns.ts). */
  readonly #reads: ReadTurns;
  readonly #keys: MerchantKeyVault;
  /** The offline-code key once opened; null: offline codes are off (no master key). */
  #offlineKey: OfflineCodeKey | null | undefined;
  #offlineKeyError: MasterKeyError | null = null;
  /** The audit log's reads, one statement per combination of filters. */
  readonly #auditLogReads = new Map<string, Database.Statement>();
  /** Group commit's counters (store.ts): a payment that throws is retried within its batch, never a fallback. */
  readonly batchStats = { batches: 0, payments: 0, fallbacks: 0 };
  readonly codeSchemaVersion = Math.max(...SQLITE_MIGRATIONS.map((m) => m.version));
  readonly schemaUpgrade: SchemaUpgrade;
  /** Told of each group commit written on this thread (the payment thread tells its own). */
  #batchObserver: BatchObserver | null = null;

  constructor(path: string, options: SqliteStoreOptions) {
    super(options.timeZone);
    refuseOrphanedLog(path);
    this.db = openConnection(path);
    this.#clock = options.clock;
    this.#maxBatch = options.maxBatch ?? 1024;
    this.#waiting = new WaitingPayments(options.maxWaitingPayments);
    try {
      this.schemaUpgrade = migrate(this.db, options.upgrade ?? true);
    } catch (error) {
      // A store refused (a schema too new, or too old for this command) keeps no connection open.
      this.db.close();
      throw error;
    }
    this.#s = prepare(this.db);
    this.#reads = new ReadTurns(this.db);
    this.#keys = options.merchantKeys;
    this.#effects = new SqliteEffects(this.db, options.merchantKeys);
    this.#views = new SqliteViews(this.db, options.merchantKeys);
    this.#orderReads = new SqliteOrderReads(this.db);
    const writerOptions = { timeZone: options.timeZone, policy: options.policy, newOrderTimeoutMs: options.newOrderTimeoutMs };
    // Every write of a file's store checks first that the file is still the store's (store-file.ts).
    this.#file = path === ':memory:' ? null : new StoreFile(path);
    const file = this.#file;
    if (file !== null) this.#mainWrite = async (write) => (file.check(), write());
    if (options.paymentThread && path !== ':memory:') {
      const turns = new WriteTurns();
      this.#mainWrite = (write) => turns.main(() => (file!.check(), write()));
      // The thread gets the offline-code key when it starts (opened here, before it runs). A key
      // the master keys do not open is told by offlineCodeKey(), which openStore asks after its
      // check of the merchant keys, so the start fails with the merchant keys' message first.
      let offlineKeyHex: string | null = null;
      try {
        offlineKeyHex = this.#offlineCodeKey()?.expose().toString('hex') ?? null;
      } catch (error) {
        if (!(error instanceof MasterKeyError)) throw error;
        this.#offlineKeyError = error;
      }
      this.#thread = new PaymentThread(path, { ...writerOptions, offlineKeyHex }, turns, () => file!.identity);
    } else {
      this.#writer = new PaymentWriter(this.db, writerOptions, () => this.#offlineCodeKey());
    }
  }

  /** Runs `fn` in one immediate transaction (it waits for the server's batches and other processes). */
  async transaction<T>(fn: () => T): Promise<T> {
    // Checked again once the write lock is held: the files may have been replaced while it was waited for.
    return this.#mainWrite(() => this.db.transaction(() => (this.#file?.check(), fn())).immediate());
  }

  nowMs(): number {
    return this.#clock.nowMs();
  }

  /** The port's decision (store/port.ts): view, decision and effects in one immediate transaction. */
  decide<N extends ViewName, R>(request: ViewFor<N>, decide: (view: ViewOf[N], nowMs: number) => Decided<R>): Promise<R> {
    return this.transaction(() => {
      const view = this.#views.read(request);
      const decided = decide(view, this.#clock.nowMs());
      this.#effects.apply(decided.effects);
      return decided.result;
    });
  }

  /**
   * The reseal (services/merchants.ts), leaving no copy of the keys' former bytes in the file: the
   * connection zeroes what it frees (secure_delete), VACUUM then rewrites the file without free
   * pages (where an earlier write may have left them), and the WAL, which holds the pages as they
   * were, is checkpointed and truncated. A reader of another process may keep the WAL from being
   * emptied; the next checkpoint overwrites it (docs/operations.md, "Secrets at rest").
   */
  override async resealMerchantKeys(scope: 'plain' | 'all', acting?: ActingAs): Promise<Resealed> {
    this.db.pragma('secure_delete = ON');
    try {
      const resealed = await super.resealMerchantKeys(scope, acting);
      if (resealed.merchants + resealed.operators > 0) {
        await this.#mainWrite(async () => this.db.exec('VACUUM'));
        this.db.pragma('wal_checkpoint(TRUNCATE)');
      }
      return resealed;
    } finally {
      this.db.pragma('secure_delete = OFF');
    }
  }

  /** Applies effects in one transaction, outside any decision: for tests that set up a state by hand. */
  applyEffects(effects: readonly Effect[]): Promise<void> {
    return this.transaction(() => this.#effects.apply(effects));
  }

  async dueUnsettledOrderIds(nowMs: number, limit: number): Promise<string[]> {
    return (this.#s.dueUnsettled.all(nowMs, limit) as { order_id: string }[]).map((r) => r.order_id);
  }

  async staleRefundIds(beforeMs: number, limit: number): Promise<string[]> {
    return (this.#s.staleRefunds.all(beforeMs, limit) as { refund_id: string }[]).map((r) => r.refund_id);
  }

  // --- merchants -------------------------------------------------------------------------------

  async findMerchant(mchId: string): Promise<Merchant | null> {
    return this.#reads.read(() => this.#views.merchant(mchId));
  }

  async listMerchants(page?: MerchantPage): Promise<Merchant[]> {
    const rows = this.#s.merchantsPage.all(page?.afterMchId ?? '', page === undefined ? Number.MAX_SAFE_INTEGER : checkedLimit(page.limit)) as Row[];
    return rows.map((r) => toMerchant(r, this.#keys));
  }

  async masterKeyIdsInUse(): Promise<string[]> {
    return (this.#s.masterKeyIds.all() as { master_key_id: string }[]).map((r) => r.master_key_id);
  }

  async merchantBalances(mchIds?: readonly string[]): Promise<Map<string, number>> {
    const ids = mchIds ?? (this.#s.listMerchantIds.all() as { mch_id: string }[]).map((r) => r.mch_id);
    const rows = this.#s.accountBalances.all(JSON.stringify(ids.map(merchantAccount))) as { id: string; balance_sen: number }[];
    return balancesByMerchant(ids, new Map(rows.map((r) => [r.id, r.balance_sen])));
  }

  // --- wallets and payment codes ---------------------------------------------------------------

  async offlineCodeKey(): Promise<OfflineCodeKey | null> {
    return this.#offlineCodeKey();
  }

  /**
   * Opened on first need, once: made and stored the first time (a second process that stored one
   * first wins: INSERT … DO NOTHING, then read again).
   */
  #offlineCodeKey(): OfflineCodeKey | null {
    if (this.#offlineKeyError !== null) throw this.#offlineKeyError;
    if (this.#offlineKey !== undefined) return this.#offlineKey;
    const stored = () => (this.#s.getSetting.get(OFFLINE_KEY_SETTING) as { value: string } | undefined)?.value ?? null;
    let opened = openOfflineKey(this.#keys, stored());
    if (opened?.reseal != null) {
      this.#s.insertSettingOnce.run(OFFLINE_KEY_SETTING, opened.reseal);
      opened = openOfflineKey(this.#keys, stored());
    }
    this.#offlineKey = opened?.key ?? null;
    return this.#offlineKey;
  }

  async walletDevices(walletId: string): Promise<WalletDevice[]> {
    return (this.#s.walletDevices.all(walletId) as Row[]).map(toDevice);
  }

  async offlineDevice(deviceIndex: number): Promise<WalletDevice | null> {
    const row = this.#s.deviceByIndex.get(deviceIndex) as Row | undefined;
    return row === undefined ? null : toDevice(row);
  }

  async findWallet(walletId: string): Promise<Wallet | null> {
    return this.#reads.read(() => this.#views.wallet(walletId));
  }

  async findWalletByTokenHash(tokenHash: string): Promise<Wallet | null> {
    const row = await this.#reads.read(() => this.#s.findWalletByToken.get(tokenHash) as Row | undefined);
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

  async searchWallets(search: WalletSearch): Promise<Wallet[]> {
    const { sql, values } = walletSearchQuery(`SELECT ${WALLET_COLUMNS} FROM wallets w JOIN accounts a ON a.id = w.account_id`, 'LIKE', {
      ...search, limit: checkedLimit(search.limit),
    });
    return (this.db.prepare(sqliteSql(sql)).all(...values) as Row[]).map(toWallet);
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

  async recentTransactions(walletId: string, limit: number, beforePostingId?: number): Promise<WalletTransaction[]> {
    const rows = this.#s.recentTransactions.all({ account: walletAccount(walletId), limit, before: beforePostingId ?? null }) as Row[];
    return rows.map(toWalletTransaction);
  }

  async listPendingOrders(walletId: string): Promise<Order[]> {
    return (this.#s.pendingOrdersOfWallet.all(walletId) as Row[]).map(toOrder);
  }

  async payCodeOutcomes(codes: readonly string[]): Promise<PayCodeOutcome[]> {
    return (this.#s.payCodeOutcomes.all(JSON.stringify(codes)) as Row[]).map(toPayCodeOutcome);
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
    const started = performance.now();
    try {
      outcomes = this.#writer!.write(jobs, () => this.#file?.check());
    } catch (error) {
      fail(error);
      return;
    }
    this.#batchObserver?.(jobs.length, (performance.now() - started) / 1000);
    settle(outcomes);
  }

  findOrder(mchId: string, mchOrderId: string): Promise<Order | null> {
    return this.#reads.read(() => this.#views.order(mchId, mchOrderId));
  }

  findOrderById(orderId: string): Promise<Order | null> {
    return this.#reads.read(() => this.#views.orderById(orderId));
  }

  // --- operations ------------------------------------------------------------------------------

  async audit(): Promise<AuditReport> {
    const checks = [...AUDIT_QUERIES, ...SQLITE_AUDIT_QUERIES].map((q) => ({
      name: q.name,
      action: q.action,
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

  // --- health and metrics (StoreOps in ../store.ts) --------------------------------------------

  paymentThread(timeoutMs: number): Promise<PaymentThreadState> {
    return this.#thread?.ping(timeoutMs) ?? Promise.resolve('none');
  }

  /** The thread answers once it has loaded its code and opened and prepared its connection. */
  async warmUp(): Promise<void> {
    if (this.#thread === undefined) return;
    // The ping neither holds the process nor lets its thread hold it, and before the server
    // listens nothing else does: this timer keeps the process alive until the thread answers.
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<void>((resolve) => (timer = setTimeout(resolve, WARM_UP_TIMEOUT_MS)));
    try {
      await Promise.race([this.#thread.ping(WARM_UP_TIMEOUT_MS), late]);
    } finally {
      clearTimeout(timer);
    }
  }

  async notificationBacklog(): Promise<NotificationBacklog> {
    return toBacklog(this.#s.notificationBacklog.get() as { pending: number; dead: number });
  }

  async notificationActivity(sinceMs: number, top: number): Promise<NotificationActivity> {
    return this.#outbox.activity(sinceMs, top);
  }

  poolUsage(): PoolUsage | null {
    return null;
  }

  observeBatches(observer: BatchObserver | null): void {
    this.#batchObserver = observer;
    if (this.#thread !== undefined) this.#thread.observer = observer;
  }

  async writePaymentMinutes(minutes: readonly ProcessMinute[], deleteBeforeMs: number): Promise<void> {
    await this.transaction(() => {
      for (const m of minutes) this.#s.upsertPaymentMinute.run(...paymentMinuteValues(m));
      this.#s.deleteOldPaymentMinutes.run(deleteBeforeMs);
    });
  }

  async readPaymentMinutes(fromMs: number, toMs: number): Promise<ProcessMinute[]> {
    return (this.#s.paymentMinutes.all(fromMs, toMs) as Row[]).map(toProcessMinute);
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

  async recordDelivery(notificationId: string, owner: string, attempt: AttemptRecord): Promise<boolean> {
    return this.#outbox.recordDelivery(notificationId, owner, attempt);
  }

  async recordFailedAttempt(notificationId: string, owner: string, attempt: FailedAttemptRecord, nextAttemptAtMs: number | null): Promise<boolean> {
    return this.#outbox.recordFailedAttempt(notificationId, owner, attempt, nextAttemptAtMs);
  }

  async listNotifications(filter: NotificationFilter): Promise<Notification[]> {
    return this.#outbox.list(filter);
  }

  async retryNotification(notificationId: string, mchId?: string, acting?: ActingAs): Promise<NotificationRetryResult> {
    return this.#outbox.retry(notificationId, mchId, acting);
  }

  async retryDeadNotifications(mchId: string, acting?: ActingAs): Promise<number> {
    return this.#outbox.retryDead(mchId, acting);
  }

  async listDeadNotifications(mchId: string, after: DeadLetterCursor | null, limit: number): Promise<Notification[]> {
    return this.#outbox.listDead(mchId, after, limit);
  }

  async notificationAttemptsFor(mchId: string, subjectIds: readonly string[]): Promise<NotificationAttempt[]> {
    return this.#outbox.attemptsFor(mchId, subjectIds);
  }

  async notificationAttempts(notificationId: string): Promise<NotificationAttempt[]> {
    return this.#outbox.attemptsOf(notificationId);
  }

  // --- refunds and statements ----------------------------------------------------------------

  async findRefund(mchId: string, mchRefundId: string): Promise<RefundRecord | null> {
    return this.#reads.read(() => this.#views.refund(mchId, mchRefundId));
  }

  async findCashierCharge(mchId: string, mchOrderId: string): Promise<CashierChargeRecord | null> {
    const row = this.#s.cashierChargeWithOrder.get(mchId, mchOrderId) as Row | undefined;
    return row === undefined ? null : toCashierChargeRecord(row);
  }

  async listCashierCharges(cashierId: string, before: ChargeCursor | null, limit: number): Promise<CashierChargeRecord[]> {
    return (this.#s.cashierChargesPage.all(...chargesPageValues(cashierId, before, limit)) as Row[]).map(toCashierChargeRecord);
  }

  async listMerchantUsers(mchId: string): Promise<Cashier[]> {
    return (this.#s.merchantUsers.all(mchId) as Row[]).map(toCashier);
  }

  async listOperators(): Promise<OperatorSummary[]> {
    return (this.#s.operators.all() as Row[]).map(toOperatorSummary);
  }

  async refundsOfOrder(orderId: string): Promise<Refund[]> {
    return (this.#s.refundsOfOrder.all(orderId) as Row[]).map(toRefund);
  }

  async searchOrders(search: OrderSearch): Promise<Order[]> {
    return this.#orderReads.searchOrders(search);
  }

  async tillsOfOrders(mchId: string, mchOrderIds: readonly string[]): Promise<ReadonlyMap<string, string>> {
    return this.#orderReads.tillsOfOrders(mchId, mchOrderIds);
  }

  async orderHistory(mchId: string, mchOrderId: string): Promise<OrderHistory | null> {
    return this.#orderReads.orderHistory(mchId, mchOrderId);
  }

  /** The day's movements, read in one transaction so payments and refunds are of the same moment. */
  async statementMovements(mchId: string, fromMs: number, toMs: number): Promise<StatementMovements> {
    return this.db.transaction(() => this.#statementMovements(mchId, fromMs, toMs)).deferred();
  }

  // --- the audit log (domain/audit-log.ts): appended by the services' effects, read here ------

  async platformCounts(): Promise<PlatformCounts> {
    return toPlatformCounts(this.#s.platformCounts.get() as { merchants: number; wallets: number });
  }

  async platformMoney(): Promise<PlatformMoney> {
    return toPlatformMoney(this.#s.platformMoney.get() as Parameters<typeof toPlatformMoney>[0]);
  }

  async listAuditLog(filter: AuditLogFilter): Promise<AuditLogEntry[]> {
    const q = auditLogQuery(filter);
    let statement = this.#auditLogReads.get(q.sql);
    if (statement === undefined) this.#auditLogReads.set(q.sql, statement = this.db.prepare(sqliteSql(q.sql)));
    return (statement.all(...q.values) as AuditLogRow[]).map(auditLogEntryOf);
  }

  // --- payouts (services/payouts.ts decides; these read) -------------------------------------

  async findPayout(payoutId: string): Promise<Payout | null> {
    return this.#views.payout(payoutId);
  }

  async findPayoutAccount(mchId: string): Promise<PayoutAccount | null> {
    return this.#views.payoutAccount(mchId);
  }

  async listPayouts(filter: PayoutFilter): Promise<Payout[]> {
    return (this.#s.listPayouts.all(...payoutsPageValues(filter, checkedLimit(filter.limit))) as Row[]).map(toPayout);
  }

  async lastPayoutFileNo(): Promise<number> {
    return this.#views.lastPayoutFileNo();
  }

  async merchantPayouts(mchId: string, before: PayoutCursor | null, limit: number): Promise<Payout[]> {
    return (this.#s.merchantPayoutsPage.all(...merchantPayoutsValues(mchId, before, checkedLimit(limit))) as Row[]).map(toPayout);
  }

  async requestedPayoutsSen(mchId: string): Promise<number> {
    return (this.#s.requestedPayouts.get(mchId) as { sen: number }).sen;
  }

  /** One read transaction: the balance and every movement after the day's start, of one moment. */
  async dailyReportMovements(mchId: string, window: DayWindow): Promise<DailyReportMovements> {
    return this.db.transaction((): DailyReportMovements => ({
      day: this.#statementMovements(mchId, window.fromMs, window.toMs),
      balanceNowSen: (this.#s.accountBalances.get(JSON.stringify([merchantAccount(mchId)])) as { balance_sen: number } | undefined)?.balance_sen ?? 0,
      paymentsAfterSen: (this.#s.paymentsSince.get(...paymentsPaidSinceValues(mchId, window.toMs)) as { sen: number }).sen,
      refundsAfterSen: (this.#s.refundsSince.get(mchId, window.toMs) as { sen: number }).sen,
      payouts: (this.#s.payoutsSince.all(mchId, window.fromMs, window.fromMs) as Row[]).map(toPayout),
    })).deferred();
  }

  async platformDayRows(window: DayWindow): Promise<PlatformDayRow[]> {
    return (this.#s.platformDay.all(window.fromMs, window.toMs) as Row[]).map(toPlatformDayRow);
  }

  #statementMovements(mchId: string, fromMs: number, toMs: number): StatementMovements {
    return {
      payments: (this.#s.paymentsPaidWithin.all(...paymentsPaidWithinValues(mchId, fromMs, toMs)) as Row[]).map(toOrder),
      refunds: (this.#s.refundsFinishedBetween.all(mchId, fromMs, toMs) as Row[]).map((r) => ({
        refund: toRefund(r),
        mchOrderId: r.order_mch_order_id as string,
      })),
    };
  }
}

function migrate(db: Database.Database, upgrade: boolean): SchemaUpgrade {
  db.exec(`CREATE TABLE IF NOT EXISTS schema_migrations (
    version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at_ms INTEGER NOT NULL) STRICT`);
  const apply = db.transaction((): SchemaUpgrade => {
    const done = new Set(
      (db.prepare('SELECT version FROM schema_migrations').all() as { version: number }[]).map((r) => r.version),
    );
    checkSchemaVersion(done, SQLITE_MIGRATIONS, upgrade);
    const applied: number[] = [];
    for (const m of SQLITE_MIGRATIONS) {
      if (done.has(m.version)) continue;
      db.exec(m.sql);
      db.prepare('INSERT INTO schema_migrations (version, name, applied_at_ms) VALUES (?, ?, ?)').run(m.version, m.name, Date.now());
      applied.push(m.version);
    }
    return { from: Math.max(0, ...done), applied };
  });
  return apply.immediate();
}

function prepare(db: Database.Database) {
  return {
    merchantsPage: db.prepare(sqliteSql(MERCHANTS_PAGE)),
    merchantPayoutsPage: db.prepare(sqliteSql(MERCHANT_PAYOUTS_PAGE)),
    requestedPayouts: db.prepare(sqliteSql(MERCHANT_REQUESTED_PAYOUTS)),
    cashierChargeWithOrder: db.prepare(sqliteSql(CASHIER_CHARGE_WITH_ORDER)),
    cashierChargesPage: db.prepare(sqliteSql(CASHIER_CHARGES_PAGE)),
    merchantUsers: db.prepare(sqliteSql(MERCHANT_USERS)),
    operators: db.prepare(OPERATOR_SUMMARIES),
    refundsOfOrder: db.prepare(sqliteSql(REFUNDS_OF_ORDER)),
    listMerchantIds: db.prepare('SELECT mch_id FROM merchants'),
    masterKeyIds: db.prepare(MASTER_KEY_IDS_IN_USE),
    platformCounts: db.prepare(PLATFORM_COUNTS_SQL),
    platformMoney: db.prepare(PLATFORM_MONEY_SQL),
    platformDay: db.prepare(sqliteSql(PLATFORM_DAY_SQL)),
    accountBalances: db.prepare('SELECT id, balance_sen FROM accounts WHERE id IN (SELECT value FROM json_each(?))'),

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
    takePinTry: db.prepare('UPDATE wallets SET pin_failures = pin_failures + 1 WHERE wallet_id = ? AND pin_failures < ? RETURNING pin_failures'),
    clearPinTries: db.prepare('UPDATE wallets SET pin_failures = 0 WHERE wallet_id = ? AND pin_failures = ?'),
    walletPinHash: db.prepare('SELECT pin_hash FROM wallets WHERE wallet_id = ?'),
    recentTransactions: db.prepare(
      // Walks the account's posting chain (see migration 2), newest first: from its latest posting,
      // or from the one before @before when @before is a posting of this account (else from none).
      // Each step is a primary-key lookup, however long the wallet's history.
      `WITH RECURSIVE chain (posting_id, n) AS (
         SELECT start, 1 FROM (
           SELECT CASE WHEN @before IS NULL THEN a.last_posting_id
                       ELSE (SELECT b.prev_posting_id FROM postings b WHERE b.posting_id = @before AND b.account_id = a.id) END AS start
             FROM accounts a WHERE a.id = @account)
          WHERE start IS NOT NULL
         UNION ALL
         SELECT p.prev_posting_id, c.n + 1 FROM chain c JOIN postings p ON p.posting_id = c.posting_id
          WHERE p.prev_posting_id IS NOT NULL AND c.n < @limit)
       SELECT p.posting_id, e.entry_id, e.kind, p.amount_sen, e.order_id, e.refund_id, e.created_at_ms, m.name AS merchant_name,
              ${TRANSACTION_STATUS_COLUMNS}
         FROM chain c
         JOIN postings p ON p.posting_id = c.posting_id
         JOIN journal_entries e ON e.entry_id = p.entry_id
         LEFT JOIN refunds r ON r.refund_id = e.refund_id
         LEFT JOIN orders o ON o.order_id = COALESCE(e.order_id, r.order_id)
         LEFT JOIN merchants m ON m.mch_id = o.mch_id
        ORDER BY p.posting_id DESC`,
    ),
    pendingOrdersOfWallet: db.prepare(`SELECT * FROM orders WHERE wallet_id = ? AND status = 'PENDING' ORDER BY trade_time_ms`),
    payCodeOutcomes: db.prepare(payCodeOutcomesSql('SELECT value FROM json_each(?)')),


    dueUnsettled: db.prepare(
      `SELECT order_id FROM orders WHERE status IN ('NEW', 'PENDING') AND deadline_ms <= ? ORDER BY deadline_ms LIMIT ?`,
    ),

    staleRefunds: db.prepare(
      `SELECT refund_id FROM refunds WHERE status = 'REFUND_IN_PROCESS' AND requested_at_ms <= ? ORDER BY requested_at_ms LIMIT ?`,
    ),
    paymentsPaidWithin: db.prepare(sqliteSql(PAYMENTS_PAID_WITHIN)),
    refundsFinishedBetween: db.prepare(
      `SELECT r.*, o.mch_order_id AS order_mch_order_id FROM refunds r JOIN orders o ON o.order_id = r.order_id
        WHERE r.mch_id = ? AND r.finished_at_ms >= ? AND r.finished_at_ms < ? AND r.status = 'REFUNDED'
        ORDER BY r.finished_at_ms, r.refund_id`,
    ),
    paymentsSince: db.prepare(sqliteSql(PAYMENTS_PAID_SINCE_SEN)),
    refundsSince: db.prepare(`SELECT COALESCE(SUM(amount_sen), 0) AS sen FROM refunds WHERE mch_id = ? AND finished_at_ms >= ? AND status = 'REFUNDED'`),
    payoutsSince: db.prepare(`SELECT * FROM payouts WHERE mch_id = ? AND (requested_at_ms >= ? OR (status = 'FAILED' AND finished_at_ms >= ?))`),
    listPayouts: db.prepare(sqliteSql(PAYOUTS_PAGE)),
    getSetting: db.prepare('SELECT value FROM settings WHERE name = ?'),
    insertSettingOnce: db.prepare('INSERT INTO settings (name, value) VALUES (?, ?) ON CONFLICT (name) DO NOTHING'),
    walletDevices: db.prepare(sqliteSql(WALLET_DEVICES)),
    deviceByIndex: db.prepare(sqliteSql(DEVICE_BY_INDEX)),
    notificationBacklog: db.prepare(NOTIFICATION_BACKLOG_SQL),
    upsertPaymentMinute: db.prepare(sqliteSql(UPSERT_PAYMENT_MINUTE)),
    deleteOldPaymentMinutes: db.prepare(sqliteSql(DELETE_OLD_PAYMENT_MINUTES)),
    paymentMinutes: db.prepare(sqliteSql(SELECT_PAYMENT_MINUTES)),
    setSetting: db.prepare(
      'INSERT INTO settings (name, value) VALUES (?, ?) ON CONFLICT (name) DO UPDATE SET value = excluded.value',
    ),
  };
}
