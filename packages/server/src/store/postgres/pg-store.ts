import type pg from 'pg';
import type { MicropayCommand } from '@micropay/protocol';
import type { Clock } from '../../domain/clock.js';
import type { Decided, Effect } from '../../domain/effects.js';
import { OrderIdSource } from '../../domain/ids.js';
import { merchantAccount, walletAccount } from '../../domain/ledger.js';
import type { Merchant, Order, PaymentPolicy, Wallet } from '../../domain/model.js';
import type { AttemptRecord, Notification, NotificationAttempt } from '../../domain/notification.js';
import type { NotificationActivity } from '../notification-attempts-sql.js';
import type { PaymentDecision } from '../../domain/payment.js';
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
import type { ViewFor, ViewName, ViewOf } from '../port.js';
import { toCashier, toMerchant, toOrder, toPayout, toPayoutAccount, toRefund, toWallet, toWalletTransaction, type Row } from '../rows.js';
import { LAST_PAYOUT_FILE, PAYOUT_ACCOUNT_SELECT } from '../payout-schema.js';
import { PAYMENTS_PAID_SINCE_SEN, PAYMENTS_PAID_WITHIN, paymentsPaidSinceValues, paymentsPaidWithinValues } from '../statement-sql.js';
import type { ProcessMinute } from '../../domain/payment-minutes.js';
import { DELETE_OLD_PAYMENT_MINUTES, paymentMinuteValues, SELECT_PAYMENT_MINUTES, toProcessMinute, UPSERT_PAYMENT_MINUTE } from '../payment-minutes-sql.js';
import { auditLogEntryOf, auditLogQuery, type AuditLogFilter, type AuditLogRow } from '../audit-log-sql.js';
import type { ActingAs, AuditLogEntry } from '../../domain/audit-log.js';
import { payCodeOutcomesSql, toPayCodeOutcome, type PayCodeOutcome } from '../pay-code-outcomes.js';
import { CASHIER_CHARGES_PAGE, CASHIER_CHARGE_WITH_ORDER, chargesPageValues, REFUNDS_OF_ORDER, toCashierChargeRecord } from '../cashier-charge-sql.js';
import type { CashierChargeRecord, ChargeCursor } from '../../domain/cashier-charge.js';
import { PLATFORM_COUNTS_SQL, PLATFORM_MONEY_SQL, toPlatformCounts, toPlatformMoney, type PlatformCounts, type PlatformMoney } from '../dashboard-sql.js';
import { MASTER_KEY_IDS_IN_USE, MERCHANT_USERS, OPERATOR_SUMMARIES, toOperatorSummary } from '../operator-sql.js';
import type { OperatorSummary } from '../../domain/operator.js';
import type { Cashier } from '../../domain/page-access.js';
import type { Refund } from '../../domain/model.js';
import {
  auditReport,
  balancesByMerchant,
  checkedLimit,
  containsPattern,
  type AppliedMigration,
  type AuditReport,
  type BatchObserver,
  type BatchStats,
  type DeadLetterCursor,
  type FailedAttemptRecord,
  type NotificationBacklog,
  type NotificationFilter,
  type PaymentThreadState,
  type PayoutFilter,
  type PoolUsage,
  type NotificationRetryResult,
  type PayOptions,
  type RefundRecord,
  type Store,
  type MerchantPage,
  type WalletFilter,
  type WalletTransaction,
} from '../store.js';
import { PgEffects, SET_SETTING } from './effects.js';
import { NOTIFICATION_BACKLOG_SQL, toBacklog } from '../notification-backlog.js';
import { migratePostgres, POSTGRES_MIGRATIONS } from './migrations.js';
import type { SchemaUpgrade } from '../schema-version.js';
import { createPool, isRetryable } from './pool.js';
import { PgOrderLookups } from './order-lookups.js';
import { PgNotifications } from './notifications.js';
import { PgPaymentBatches } from './payment-batch.js';
import { PgOrderReads } from './order-reads.js';
import type { OrderSearch } from '../../domain/order-search.js';
import type { OrderHistory } from '../../domain/order-timeline.js';
import { first, orderById, readView, refundWithOrder, walletById, WALLET_SELECT } from './views.js';
import type { MerchantKeyVault } from '../../secrets/merchant-key-vault.js';
import type { OfflineCodeKey, WalletDevice } from '../../domain/offline-code.js';
import { openOfflineKey } from '../../secrets/offline-code-key.js';
import { DEVICE_BY_INDEX, OFFLINE_KEY_SETTING, toDevice, WALLET_DEVICES } from '../offline-device-sql.js';
import { TRANSACTION_STATUS_COLUMNS } from '../top-up-reversal-sql.js';

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
  /** false: a store of an older schema is refused, not upgraded (schema-version.ts). Default true. */
  readonly upgrade?: boolean;
  /** Payments held waiting to be written before more are turned away (tests set it small). */
  readonly maxWaitingPayments?: number;
  /** Seals and opens merchant keys (secrets/merchant-key-vault.ts). */
  readonly merchantKeys: MerchantKeyVault;
}

/** How many times a transaction is retried after a deadlock or serialization failure. */
const MAX_ATTEMPTS = 8;

/**
 * The PostgreSQL store, for several stateless `micropay serve` processes sharing one database: an
 * adapter under the services (src/services), which decide; it reads their views (views.ts),
 * applies their effects (effects.ts) and group-commits payments (payment-batch.ts).
 *
 * Isolation is READ COMMITTED with explicit locks. Every transaction takes those it needs in this
 * one order (docs/architecture.md lists what takes which), to keep deadlocks rare:
 *   order id (advisory, order-id-locks.ts) → wallet row (status, codes, PIN) → payment code
 *   → order or payout → wallet balance (account and shard rows) → merchant shards
 *   → the merchant's payout account → the payouts clearing account.
 * A transaction that still meets a deadlock or serialization failure is retried whole, up to
 * MAX_ATTEMPTS times.
 */
/** Connections a store opens before the server listens (warmUp). */
const WARM_CONNECTIONS = 4;

export class PgStore extends ServiceStore implements Store {
  readonly kind = 'postgres' as const;
  readonly pool: pg.Pool;
  readonly #clock: Clock;
  readonly #effects: PgEffects;
  readonly #notifications: PgNotifications;
  readonly #batches: PgPaymentBatches;
  readonly #keys: MerchantKeyVault;
  #offlineKey: Promise<OfflineCodeKey | null> | undefined;
  readonly #orderReads: PgOrderReads;
  readonly #poolSize: number;
  /** queryBill's lookups, several to a statement (./order-lookups.ts). */
  readonly #orderLookups: PgOrderLookups;

  private constructor(options: PgStoreOptions) {
    super(options.timeZone);
    this.#poolSize = options.poolSize;
    this.pool = createPool({ url: options.url, max: options.poolSize, statementTimeoutMs: options.statementTimeoutMs });
    this.#orderLookups = new PgOrderLookups(this.pool);
    this.#clock = options.clock;
    this.#keys = options.merchantKeys;
    this.#effects = new PgEffects(options.merchantShards ?? 16, options.merchantKeys);
    this.#notifications = new PgNotifications(this.pool, options.clock);
    this.#orderReads = new PgOrderReads(this.pool, (fn) => this.transaction(fn));
    this.#batches = new PgPaymentBatches({
      effects: this.#effects, clock: options.clock, policy: options.policy, orderIds: new OrderIdSource(options.timeZone),
      newOrderTimeoutMs: options.newOrderTimeoutMs, transaction: (fn) => this.transaction(fn), maxWaitingPayments: options.maxWaitingPayments,
      offlineKey: () => this.offlineCodeKey(),
    });
  }

  readonly codeSchemaVersion = Math.max(...POSTGRES_MIGRATIONS.map((m) => m.version));
  /** Set once, by open, before the store is handed out. */
  schemaUpgrade: SchemaUpgrade = { from: 0, applied: [] };

  /** Group commit's counters (payment-batch.ts). */
  get batchStats(): BatchStats {
    return this.#batches.stats;
  }

  /** Connects, applies pending migrations (one process at a time) and refuses a newer schema. */
  static async open(options: PgStoreOptions): Promise<PgStore> {
    const store = new PgStore(options);
    try {
      store.schemaUpgrade = await migratePostgres(store.pool, options.upgrade ?? true);
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
      let broken: Error | undefined;
      try {
        // Stated, not inherited: a server default of another level would change the locking rules.
        await client.query('BEGIN ISOLATION LEVEL READ COMMITTED');
        const result = await fn(client);
        await client.query('COMMIT');
        return result;
      } catch (error) {
        await client.query('ROLLBACK').catch((e: Error) => (broken = e));
        if (!isRetryable(error) || attempt >= MAX_ATTEMPTS) throw error;
        await new Promise((r) => setTimeout(r, Math.random() * 5 * attempt));
      } finally {
        // A connection whose ROLLBACK failed is not given back to the pool.
        client.release(broken);
      }
    }
  }

  /** The port's one transaction (store/port.ts): the view and its locks, the decision, its effects. */
  decide<N extends ViewName, R>(request: ViewFor<N>, decide: (view: ViewOf[N], nowMs: number) => Decided<R>): Promise<R> {
    return this.transaction(async (c) => {
      const view = await readView(c, request, this.#keys);
      const { result, effects } = decide(view, this.#clock.nowMs());
      await this.#effects.apply(c, effects);
      return result;
    });
  }

  /** Applies effects in one transaction, outside any decision: for tests that set up a state by hand. */
  applyEffects(effects: readonly Effect[]): Promise<void> {
    return this.transaction((c) => this.#effects.apply(c, effects));
  }

  async dueUnsettledOrderIds(nowMs: number, limit: number): Promise<string[]> {
    const { rows } = await this.pool.query(
      `SELECT order_id FROM orders WHERE status IN ('NEW', 'PENDING') AND deadline_ms <= $1 ORDER BY deadline_ms LIMIT $2`,
      [nowMs, limit],
    );
    return (rows as { order_id: string }[]).map((r) => r.order_id);
  }

  async staleRefundIds(beforeMs: number, limit: number): Promise<string[]> {
    const { rows } = await this.pool.query(
      `SELECT refund_id FROM refunds WHERE status = 'REFUND_IN_PROCESS' AND requested_at_ms <= $1 ORDER BY requested_at_ms LIMIT $2`,
      [beforeMs, limit],
    );
    return (rows as { refund_id: string }[]).map((r) => r.refund_id);
  }

  // --- merchants -------------------------------------------------------------------------------

  findMerchant(mchId: string): Promise<Merchant | null> {
    return first(this.pool, 'SELECT * FROM merchants WHERE mch_id = $1', [mchId], (r) => toMerchant(r, this.#keys));
  }

  async listMerchants(page?: MerchantPage): Promise<Merchant[]> {
    const limit = page === undefined ? Number.MAX_SAFE_INTEGER : checkedLimit(page.limit);
    return (await this.pool.query(MERCHANTS_PAGE, [page?.afterMchId ?? '', limit])).rows.map((r) => toMerchant(r as Row, this.#keys));
  }

  async masterKeyIdsInUse(): Promise<string[]> {
    const { rows } = await this.pool.query(MASTER_KEY_IDS_IN_USE);
    return (rows as { master_key_id: string }[]).map((r) => r.master_key_id);
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

  // --- wallets ---------------------------------------------------------------------------------

  findWallet(walletId: string): Promise<Wallet | null> {
    return walletById(this.pool, walletId);
  }

  findWalletByTokenHash(tokenHash: string): Promise<Wallet | null> {
    return first(this.pool, `${WALLET_SELECT} WHERE w.token_hash = $1`, [tokenHash], toWallet);
  }

  async searchWallets(search: WalletSearch): Promise<Wallet[]> {
    const { sql, values } = walletSearchQuery(WALLET_SELECT, 'ILIKE', { ...search, limit: checkedLimit(search.limit) });
    return ((await this.pool.query(sql, values)).rows as Row[]).map(toWallet);
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

  async walletPinHash(walletId: string): Promise<string | null> {
    return (await first(this.pool, 'SELECT pin_hash FROM wallets WHERE wallet_id = $1', [walletId], (r) => r.pin_hash as string | null)) ?? null;
  }

  takePinTry(walletId: string, maxTries: number): Promise<number | null> {
    return first(
      this.pool,
      'UPDATE wallets SET pin_failures = pin_failures + 1 WHERE wallet_id = $1 AND pin_failures < $2 RETURNING pin_failures',
      [walletId, maxTries],
      (r) => r.pin_failures as number,
    );
  }

  async clearPinTries(walletId: string, countAfterTaking: number): Promise<void> {
    await this.pool.query('UPDATE wallets SET pin_failures = 0 WHERE wallet_id = $1 AND pin_failures = $2', [walletId, countAfterTaking]);
  }

  async recentTransactions(walletId: string, limit: number, beforePostingId?: number): Promise<WalletTransaction[]> {
    // Keyset paging on postings_by_account_newest (migration 7): older than a posting of this wallet.
    const { rows } = await this.pool.query(
      `SELECT p.posting_id, e.entry_id, e.kind, p.amount_sen, e.order_id, e.refund_id, e.created_at_ms, m.name AS merchant_name,
              ${TRANSACTION_STATUS_COLUMNS}
         FROM postings p
         JOIN journal_entries e ON e.entry_id = p.entry_id
         LEFT JOIN refunds r ON r.refund_id = e.refund_id
         LEFT JOIN orders o ON o.order_id = COALESCE(e.order_id, r.order_id)
         LEFT JOIN merchants m ON m.mch_id = o.mch_id
        WHERE p.account_id = $1
          AND ($3::bigint IS NULL OR p.posting_id < (SELECT b.posting_id FROM postings b WHERE b.posting_id = $3 AND b.account_id = $1))
        ORDER BY p.posting_id DESC LIMIT $2`,
      [walletAccount(walletId), limit, beforePostingId ?? null],
    );
    return (rows as Row[]).map(toWalletTransaction);
  }

  async listPendingOrders(walletId: string): Promise<Order[]> {
    const { rows } = await this.pool.query(`SELECT * FROM orders WHERE wallet_id = $1 AND status = 'PENDING' ORDER BY trade_time_ms`, [walletId]);
    return (rows as Row[]).map(toOrder);
  }

  async payCodeOutcomes(codes: readonly string[]): Promise<PayCodeOutcome[]> {
    const { rows } = await this.pool.query(payCodeOutcomesSql('SELECT unnest($1::text[])'), [codes]);
    return (rows as Row[]).map(toPayCodeOutcome);
  }

  // --- payments, orders, refunds ---------------------------------------------------------------

  /** Every payment is written in a batch, with those arriving together (payment-batch.ts). */
  pay(cmd: MicropayCommand, options: PayOptions = {}): Promise<PaymentDecision> {
    return this.#batches.pay(cmd, options);
  }

  findOrder(mchId: string, mchOrderId: string): Promise<Order | null> {
    return this.#orderLookups.find(mchId, mchOrderId);
  }

  findOrderById(orderId: string): Promise<Order | null> {
    return orderById(this.pool, orderId);
  }

  findRefund(mchId: string, mchRefundId: string): Promise<RefundRecord | null> {
    return refundWithOrder(this.pool, mchId, mchRefundId);
  }

  findCashierCharge(mchId: string, mchOrderId: string): Promise<CashierChargeRecord | null> {
    return first(this.pool, CASHIER_CHARGE_WITH_ORDER, [mchId, mchOrderId], toCashierChargeRecord);
  }

  async listMerchantUsers(mchId: string): Promise<Cashier[]> {
    return ((await this.pool.query(MERCHANT_USERS, [mchId])).rows as Row[]).map(toCashier);
  }

  async listOperators(): Promise<OperatorSummary[]> {
    return ((await this.pool.query(OPERATOR_SUMMARIES)).rows as Row[]).map(toOperatorSummary);
  }

  async listCashierCharges(cashierId: string, before: ChargeCursor | null, limit: number): Promise<CashierChargeRecord[]> {
    const { rows } = await this.pool.query(CASHIER_CHARGES_PAGE, chargesPageValues(cashierId, before, limit));
    return (rows as Row[]).map(toCashierChargeRecord);
  }

  async refundsOfOrder(orderId: string): Promise<Refund[]> {
    const { rows } = await this.pool.query(REFUNDS_OF_ORDER, [orderId]);
    return (rows as Row[]).map(toRefund);
  }

  searchOrders(search: OrderSearch): Promise<Order[]> {
    return this.#orderReads.searchOrders(search);
  }

  tillsOfOrders(mchId: string, mchOrderIds: readonly string[]): Promise<ReadonlyMap<string, string>> {
    return this.#orderReads.tillsOfOrders(mchId, mchOrderIds);
  }

  orderHistory(mchId: string, mchOrderId: string): Promise<OrderHistory | null> {
    return this.#orderReads.orderHistory(mchId, mchOrderId);
  }

  /** Read in one REPEATABLE READ transaction, so payments and refunds are of the same moment. */
  statementMovements(mchId: string, fromMs: number, toMs: number): Promise<StatementMovements> {
    return this.transaction(async (c) => {
      await c.query('SET TRANSACTION ISOLATION LEVEL REPEATABLE READ READ ONLY');
      return statementRows(c, mchId, fromMs, toMs);
    });
  }

  // --- the audit log (domain/audit-log.ts): appended by the services' effects, read here ------

  async platformCounts(): Promise<PlatformCounts> {
    return toPlatformCounts((await this.pool.query(PLATFORM_COUNTS_SQL)).rows[0] as { merchants: string; wallets: string });
  }

  async platformMoney(): Promise<PlatformMoney> {
    return toPlatformMoney((await this.pool.query(PLATFORM_MONEY_SQL)).rows[0] as Parameters<typeof toPlatformMoney>[0]);
  }

  async listAuditLog(filter: AuditLogFilter): Promise<AuditLogEntry[]> {
    const q = auditLogQuery(filter);
    const { rows } = await this.pool.query(q.sql, q.values);
    return (rows as AuditLogRow[]).map(auditLogEntryOf);
  }

  // --- payouts (services/payouts.ts decides; these read) -------------------------------------

  findPayout(payoutId: string): Promise<Payout | null> {
    return first(this.pool, 'SELECT * FROM payouts WHERE payout_id = $1', [payoutId], toPayout);
  }

  findPayoutAccount(mchId: string): Promise<PayoutAccount | null> {
    return first(this.pool, PAYOUT_ACCOUNT_SELECT, [mchId], toPayoutAccount);
  }

  async listPayouts(filter: PayoutFilter): Promise<Payout[]> {
    const { rows } = await this.pool.query(PAYOUTS_PAGE, payoutsPageValues(filter, checkedLimit(filter.limit)));
    return (rows as Row[]).map(toPayout);
  }

  async lastPayoutFileNo(): Promise<number> {
    return Number(((await this.pool.query(LAST_PAYOUT_FILE)).rows[0] as { file_no: string | number }).file_no);
  }

  async merchantPayouts(mchId: string, before: PayoutCursor | null, limit: number): Promise<Payout[]> {
    const { rows } = await this.pool.query(MERCHANT_PAYOUTS_PAGE, merchantPayoutsValues(mchId, before, checkedLimit(limit)));
    return (rows as Row[]).map(toPayout);
  }

  async requestedPayoutsSen(mchId: string): Promise<number> {
    return ((await this.pool.query(MERCHANT_REQUESTED_PAYOUTS, [mchId])).rows[0] as { sen: number }).sen;
  }

  /** One REPEATABLE READ snapshot: the balance and every movement after the day's start, of one moment. */
  dailyReportMovements(mchId: string, window: DayWindow): Promise<DailyReportMovements> {
    return this.transaction(async (c) => {
      await c.query('SET TRANSACTION ISOLATION LEVEL REPEATABLE READ READ ONLY');
      const day = await statementRows(c, mchId, window.fromMs, window.toMs);
      const sen = async (sql: string, values: unknown[]) => ((await c.query(sql, values)).rows[0] as { sen: number }).sen;
      return {
        day,
        balanceNowSen: await sen('SELECT COALESCE(SUM(balance_sen), 0) AS sen FROM account_shards WHERE account_id = $1', [merchantAccount(mchId)]),
        paymentsAfterSen: await sen(PAYMENTS_PAID_SINCE_SEN, paymentsPaidSinceValues(mchId, window.toMs)),
        refundsAfterSen: await sen(
          `SELECT COALESCE(SUM(amount_sen), 0) AS sen FROM refunds WHERE mch_id = $1 AND finished_at_ms >= $2 AND status = 'REFUNDED'`,
          [mchId, window.toMs],
        ),
        payouts: ((await c.query(
          `SELECT * FROM payouts WHERE mch_id = $1 AND (requested_at_ms >= $2 OR (status = 'FAILED' AND finished_at_ms >= $2))`,
          [mchId, window.fromMs],
        )).rows as Row[]).map(toPayout),
      };
    });
  }

  async platformDayRows(window: DayWindow): Promise<PlatformDayRow[]> {
    return ((await this.pool.query(PLATFORM_DAY_SQL, [window.fromMs, window.toMs])).rows as Row[]).map(toPlatformDayRow);
  }

  // --- notification outbox (notifications.ts) --------------------------------------------------

  claimDueNotifications(owner: string, leaseMs: number, limit: number): Promise<Notification[]> {
    return this.#notifications.claimDue(owner, leaseMs, limit);
  }

  recordDelivery(notificationId: string, owner: string, attempt: AttemptRecord): Promise<boolean> {
    return this.#notifications.recordDelivery(notificationId, owner, attempt);
  }

  recordFailedAttempt(notificationId: string, owner: string, attempt: FailedAttemptRecord, nextAttemptAtMs: number | null): Promise<boolean> {
    return this.#notifications.recordFailedAttempt(notificationId, owner, attempt, nextAttemptAtMs);
  }

  listNotifications(filter: NotificationFilter): Promise<Notification[]> {
    return this.#notifications.list(filter);
  }

  retryDeadNotifications(mchId: string, acting?: ActingAs): Promise<number> {
    return this.#notifications.retryDead(mchId, acting);
  }

  listDeadNotifications(mchId: string, after: DeadLetterCursor | null, limit: number): Promise<Notification[]> {
    return this.#notifications.listDead(mchId, after, limit);
  }

  notificationAttemptsFor(mchId: string, subjectIds: readonly string[]): Promise<NotificationAttempt[]> {
    return this.#notifications.attemptsFor(mchId, subjectIds);
  }

  notificationAttempts(notificationId: string): Promise<NotificationAttempt[]> {
    return this.#notifications.attemptsOf(notificationId);
  }

  notificationActivity(sinceMs: number, top: number): Promise<NotificationActivity> {
    return this.#notifications.activity(sinceMs, top);
  }

  retryNotification(notificationId: string, mchId?: string, acting?: ActingAs): Promise<NotificationRetryResult> {
    return this.#notifications.retry(notificationId, mchId, acting);
  }

  // --- operations ------------------------------------------------------------------------------

  async audit(): Promise<AuditReport> {
    const checks = [];
    for (const q of AUDIT_QUERIES) {
      const { rows } = await this.pool.query(q.sql);
      checks.push({ name: q.name, action: q.action, violations: (rows as { detail: string }[]).map((r) => r.detail) });
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

  /**
   * Opened on first need, once per process: made and stored the first time (a process that stored
   * one first wins: INSERT … DO NOTHING, then read again).
   */
  offlineCodeKey(): Promise<OfflineCodeKey | null> {
    this.#offlineKey ??= (async () => {
      let opened = openOfflineKey(this.#keys, await this.getSetting(OFFLINE_KEY_SETTING));
      if (opened?.reseal != null) {
        await this.pool.query('INSERT INTO settings (name, value) VALUES ($1, $2) ON CONFLICT (name) DO NOTHING', [OFFLINE_KEY_SETTING, opened.reseal]);
        opened = openOfflineKey(this.#keys, await this.getSetting(OFFLINE_KEY_SETTING));
      }
      return opened?.key ?? null;
    })();
    // A failure (a lost connection) is not remembered: the next payment tries again.
    this.#offlineKey.catch(() => (this.#offlineKey = undefined));
    return this.#offlineKey;
  }

  async walletDevices(walletId: string): Promise<WalletDevice[]> {
    return (await this.pool.query(WALLET_DEVICES, [walletId])).rows.map((r) => toDevice(r as Row));
  }

  offlineDevice(deviceIndex: number): Promise<WalletDevice | null> {
    return first(this.pool, DEVICE_BY_INDEX, [deviceIndex], toDevice);
  }

  async getSetting(name: string): Promise<string | null> {
    return first(this.pool, 'SELECT value FROM settings WHERE name = $1', [name], (r) => r.value as string);
  }

  async setSetting(name: string, value: string): Promise<void> {
    await this.pool.query(SET_SETTING, [name, value]);
  }

  // --- health and metrics (StoreOps in ../store.ts) --------------------------------------------

  async paymentThread(): Promise<PaymentThreadState> {
    return 'none';
  }

  /**
   * Opens the pool's connections now: otherwise each of the first requests that finds none idle
   * waits for a new one (a TCP connection, authentication and a new server process).
   */
  async warmUp(): Promise<void> {
    // A few connections, not the whole pool: several processes (and test platforms) start at once
    // against one server's max_connections; the rest open on demand, as before.
    const clients = await Promise.all(Array.from({ length: Math.min(this.#poolSize, WARM_CONNECTIONS) }, () => this.pool.connect()));
    for (const client of clients) client.release();
  }

  async notificationBacklog(): Promise<NotificationBacklog> {
    return toBacklog((await this.pool.query(NOTIFICATION_BACKLOG_SQL)).rows[0] as { pending: number; dead: number });
  }

  poolUsage(): PoolUsage {
    return { total: this.pool.totalCount, idle: this.pool.idleCount, waiting: this.pool.waitingCount };
  }

  observeBatches(observer: BatchObserver | null): void {
    this.#batches.observer = observer;
  }

  async writePaymentMinutes(minutes: readonly ProcessMinute[], deleteBeforeMs: number): Promise<void> {
    await this.transaction(async (c) => {
      for (const m of minutes) await c.query(UPSERT_PAYMENT_MINUTE, paymentMinuteValues(m));
      await c.query(DELETE_OLD_PAYMENT_MINUTES, [deleteBeforeMs]);
    });
  }

  async readPaymentMinutes(fromMs: number, toMs: number): Promise<ProcessMinute[]> {
    return ((await this.pool.query(SELECT_PAYMENT_MINUTES, [fromMs, toMs])).rows as Row[]).map(toProcessMinute);
  }

  async close(): Promise<void> {
    await this.#batches.drain();
    await this.pool.end();
  }
}

/** A merchant's paid orders and finished refunds in [fromMs, toMs), for its statement. */
async function statementRows(c: pg.PoolClient, mchId: string, fromMs: number, toMs: number): Promise<StatementMovements> {
  const payments = await c.query(PAYMENTS_PAID_WITHIN, paymentsPaidWithinValues(mchId, fromMs, toMs));
  const refunds = await c.query(
    `SELECT r.*, o.mch_order_id AS order_mch_order_id FROM refunds r JOIN orders o ON o.order_id = r.order_id
      WHERE r.mch_id = $1 AND r.finished_at_ms >= $2 AND r.finished_at_ms < $3 AND r.status = 'REFUNDED'
      ORDER BY r.finished_at_ms, r.refund_id`,
    [mchId, fromMs, toMs],
  );
  return {
    payments: (payments.rows as Row[]).map(toOrder),
    refunds: (refunds.rows as Row[]).map((r) => ({ refund: toRefund(r), mchOrderId: r.order_mch_order_id as string })),
  };
}
