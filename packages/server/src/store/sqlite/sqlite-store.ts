import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import Database from 'better-sqlite3';
import { compactWireTime, Secret, type MicropayCommand, type OrderStatus } from '@micropay/protocol';
import type { Clock } from '../../domain/clock.js';
import { newPayCode, newWalletId, OrderIdSource } from '../../domain/ids.js';
import { assert, walletAccount, merchantAccount, type JournalEntry } from '../../domain/ledger.js';
import type {
  FailReason,
  Merchant,
  MerchantStatus,
  Order,
  PayCode,
  PayCodeStatus,
  Wallet,
  WalletStatus,
} from '../../domain/model.js';
import { decidePayment, paymentFingerprint, type PaymentDecision } from '../../domain/payment.js';
import { topUpEntry } from '../../domain/wallet.js';
import { AUDIT_QUERIES } from '../audit.js';
import { auditReport, type AuditReport, type Store } from '../store.js';
import { SQLITE_MIGRATIONS } from './migrations.js';

export interface SqliteStoreOptions {
  readonly clock: Clock;
  readonly timeZone: string;
  /** Most payments committed in one transaction; the rest wait for the next turn. */
  readonly maxBatch?: number;
}

interface QueuedPayment {
  readonly cmd: MicropayCommand;
  readonly resolve: (decision: PaymentDecision) => void;
  readonly reject: (error: unknown) => void;
}

type Row = Record<string, unknown>;

/**
 * The embedded store: one SQLite file in WAL mode with synchronous=FULL, so a commit is on disk
 * before its answer is sent. Payments are group-committed: every payment that arrives during one
 * turn of the event loop is decided and written inside one transaction (each in its own savepoint,
 * so each stays all-or-nothing) and made durable by one fsync.
 */
export class SqliteStore implements Store {
  readonly kind = 'sqlite' as const;
  readonly #db: Database.Database;
  readonly #clock: Clock;
  readonly #timeZone: string;
  readonly #orderIds: OrderIdSource;
  readonly #maxBatch: number;
  readonly #queue: QueuedPayment[] = [];
  #flushScheduled = false;
  #stmts: ReturnType<typeof prepare>;
  /** Batches committed so far, and payments in them: lets operators and tests see group commit work. */
  readonly stats = { batches: 0, payments: 0 };

  constructor(path: string, options: SqliteStoreOptions) {
    if (path !== ':memory:') mkdirSync(dirname(path), { recursive: true });
    this.#db = new Database(path);
    this.#db.pragma('journal_mode = WAL');
    this.#db.pragma('synchronous = FULL');
    // Admin commands write from other processes; wait for their short transactions instead of failing.
    this.#db.pragma('busy_timeout = 5000');
    this.#db.pragma('foreign_keys = ON');
    this.#clock = options.clock;
    this.#timeZone = options.timeZone;
    this.#orderIds = new OrderIdSource(options.timeZone);
    this.#maxBatch = options.maxBatch ?? 1024;
    migrate(this.#db);
    this.#stmts = prepare(this.#db);
  }

  // --- merchants -------------------------------------------------------------------------------

  async createMerchant(input: { name: string; apiKey: Secret }): Promise<Merchant> {
    const now = this.#clock.nowMs();
    // Merchant ids read like the spec's example (202006001): the month they joined and a sequence.
    const prefix = compactWireTime(now, this.#timeZone).slice(0, 6);
    return this.#write(() => {
      let seq = (this.#stmts.countMerchantsWithPrefix.get(`${prefix}%`) as { n: number }).n + 1;
      let mchId = `${prefix}${String(seq).padStart(3, '0')}`;
      while (this.#stmts.findMerchant.get(mchId) !== undefined) mchId = `${prefix}${String(++seq).padStart(3, '0')}`;
      this.#stmts.insertMerchant.run(mchId, input.name, input.apiKey.expose(), now);
      this.#stmts.insertAccount.run(merchantAccount(mchId), 'merchant');
      return toMerchant(this.#stmts.findMerchant.get(mchId) as Row);
    });
  }

  async findMerchant(mchId: string): Promise<Merchant | null> {
    const row = this.#stmts.findMerchant.get(mchId) as Row | undefined;
    return row === undefined ? null : toMerchant(row);
  }

  async listMerchants(): Promise<Merchant[]> {
    return (this.#stmts.listMerchants.all() as Row[]).map(toMerchant);
  }

  async setMerchantStatus(mchId: string, status: MerchantStatus): Promise<Merchant | null> {
    return this.#write(() => {
      this.#stmts.setMerchantStatus.run(status, mchId);
      const row = this.#stmts.findMerchant.get(mchId) as Row | undefined;
      return row === undefined ? null : toMerchant(row);
    });
  }

  // --- wallets and payment codes ---------------------------------------------------------------

  async createWallet(input: { name: string; openingSen: number }): Promise<Wallet> {
    const now = this.#clock.nowMs();
    return this.#write(() => {
      let walletId = newWalletId();
      while (this.#stmts.findWallet.get(walletId) !== undefined) walletId = newWalletId();
      this.#stmts.insertAccount.run(walletAccount(walletId), 'wallet');
      this.#stmts.insertWallet.run(walletId, input.name, walletAccount(walletId), now);
      if (input.openingSen > 0) this.#applyEntry(topUpEntry(walletId, input.openingSen, now));
      return toWallet(this.#stmts.findWallet.get(walletId) as Row);
    });
  }

  async findWallet(walletId: string): Promise<Wallet | null> {
    const row = this.#stmts.findWallet.get(walletId) as Row | undefined;
    return row === undefined ? null : toWallet(row);
  }

  async setWalletStatus(walletId: string, status: WalletStatus): Promise<Wallet | null> {
    return this.#write(() => {
      this.#stmts.setWalletStatus.run(status, walletId);
      const row = this.#stmts.findWallet.get(walletId) as Row | undefined;
      return row === undefined ? null : toWallet(row);
    });
  }

  async topUp(walletId: string, amountSen: number): Promise<Wallet | null> {
    const now = this.#clock.nowMs();
    return this.#write(() => {
      if (this.#stmts.findWallet.get(walletId) === undefined) return null;
      this.#applyEntry(topUpEntry(walletId, amountSen, now));
      return toWallet(this.#stmts.findWallet.get(walletId) as Row);
    });
  }

  async issuePayCode(walletId: string, ttlMs: number): Promise<PayCode | 'NO_WALLET' | 'WALLET_FROZEN'> {
    const now = this.#clock.nowMs();
    return this.#write(() => {
      const wallet = this.#stmts.findWallet.get(walletId) as Row | undefined;
      if (wallet === undefined) return 'NO_WALLET';
      if (wallet.status !== 'active') return 'WALLET_FROZEN';
      this.#stmts.retirePayCodes.run(walletId);
      let code = newPayCode();
      while (this.#stmts.findPayCode.get(code) !== undefined) code = newPayCode();
      this.#stmts.insertPayCode.run(code, walletId, now, now + ttlMs);
      return toPayCode(this.#stmts.findPayCode.get(code) as Row);
    });
  }

  // --- payments --------------------------------------------------------------------------------

  pay(cmd: MicropayCommand): Promise<PaymentDecision> {
    return new Promise((resolve, reject) => {
      this.#queue.push({ cmd, resolve, reject });
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
    const outcomes: ({ ok: true; decision: PaymentDecision } | { ok: false; error: unknown })[] = [];
    try {
      this.#stmts.begin.run();
      for (const item of batch) {
        this.#stmts.savepoint.run();
        try {
          outcomes.push({ ok: true, decision: this.#payOne(item.cmd) });
          this.#stmts.release.run();
        } catch (error) {
          // Only this payment is undone; the others in the batch still commit.
          this.#stmts.rollbackToSavepoint.run();
          this.#stmts.release.run();
          outcomes.push({ ok: false, error });
        }
      }
      this.#stmts.commit.run();
    } catch (error) {
      // Nothing of the batch is on disk: every payment answers "system error", and queryBill
      // truthfully finds no order, so the merchant may pay again.
      if (this.#db.inTransaction) this.#stmts.rollback.run();
      for (const item of batch) item.reject(error);
      return;
    }
    this.stats.batches += 1;
    this.stats.payments += batch.length;
    batch.forEach((item, i) => {
      const outcome = outcomes[i]!;
      if (outcome.ok) item.resolve(outcome.decision);
      else item.reject(outcome.error);
    });
  }

  #payOne(cmd: MicropayCommand): PaymentDecision {
    const s = this.#stmts;
    const now = this.#clock.nowMs();
    const existingRow = s.findOrder.get(cmd.mchId, cmd.mchOrderId) as Row | undefined;
    const payCodeRow = existingRow === undefined ? (s.findPayCode.get(cmd.payCode) as Row | undefined) : undefined;
    const walletRow = payCodeRow === undefined ? undefined : (s.findWallet.get(payCodeRow.wallet_id) as Row | undefined);
    const view = {
      existing: existingRow === undefined ? null : toOrder(existingRow),
      payCode: payCodeRow === undefined ? null : toPayCode(payCodeRow),
      wallet: walletRow === undefined ? null : toWallet(walletRow),
    };
    const decision = decidePayment(cmd, view, now, this.#orderIds.next(now), paymentFingerprint(cmd));
    switch (decision.kind) {
      case 'repeat':
      case 'rejected':
        break;
      case 'failed':
        this.#insertOrder(decision.order, cmd.payCode);
        break;
      case 'paid': {
        this.#insertOrder(decision.order, cmd.payCode);
        const used = s.usePayCode.run(cmd.payCode);
        assert(used.changes === 1, 'a payment uses an active code exactly once');
        this.#applyEntry(decision.entry);
        break;
      }
    }
    return decision;
  }

  #insertOrder(o: Order, payCode: string): void {
    this.#stmts.insertOrder.run(
      o.orderId, o.mchId, o.mchOrderId, o.amountSen, o.goodsInfo, o.discountSen, o.point, payCode,
      o.walletId, o.status, o.failReason, o.fingerprint, o.tradeTimeMs, o.payTimeMs,
    );
  }

  #applyEntry(entry: JournalEntry): void {
    const entryId = this.#stmts.insertEntry.run(entry.kind, entry.orderId, entry.createdAtMs).lastInsertRowid;
    for (const p of entry.postings) {
      this.#stmts.insertPosting.run(entryId, p.accountId, p.amountSen);
      const changed = this.#stmts.addToBalance.run(p.amountSen, p.accountId);
      assert(changed.changes === 1, `posting to an existing account (${p.accountId})`);
    }
  }

  async findOrder(mchId: string, mchOrderId: string): Promise<Order | null> {
    const row = this.#stmts.findOrder.get(mchId, mchOrderId) as Row | undefined;
    return row === undefined ? null : toOrder(row);
  }

  // --- operations ------------------------------------------------------------------------------

  async audit(): Promise<AuditReport> {
    const checks = AUDIT_QUERIES.map((q) => ({
      name: q.name,
      violations: (this.#db.prepare(q.sql).all() as { detail: string }[]).map((r) => r.detail),
    }));
    const count = (table: string) => (this.#db.prepare(`SELECT COUNT(*) AS n FROM ${table}`).get() as { n: number }).n;
    return auditReport(checks, { entries: count('journal_entries'), postings: count('postings'), orders: count('orders') });
  }

  async getSetting(name: string): Promise<string | null> {
    const row = this.#stmts.getSetting.get(name) as { value: string } | undefined;
    return row?.value ?? null;
  }

  async setSetting(name: string, value: string): Promise<void> {
    this.#stmts.setSetting.run(name, value);
  }

  async close(): Promise<void> {
    // Let queued payments finish before the file closes.
    while (this.#queue.length > 0 || this.#flushScheduled) await new Promise((r) => setImmediate(r));
    this.#db.close();
  }

  /** Runs an admin write in its own immediate transaction (it waits for the server's batches). */
  #write<T>(fn: () => T): Promise<T> {
    return Promise.resolve(this.#db.transaction(fn).immediate());
  }

  /** For tests that must break the ledger on purpose to prove the audit notices. */
  unsafeExecForTests(sql: string): void {
    this.#db.exec(sql);
  }
}

function migrate(db: Database.Database): void {
  db.exec(`CREATE TABLE IF NOT EXISTS schema_migrations (
    version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at_ms INTEGER NOT NULL) STRICT`);
  const apply = db.transaction(() => {
    const applied = new Set((db.prepare('SELECT version FROM schema_migrations').all() as { version: number }[]).map((r) => r.version));
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
    begin: db.prepare('BEGIN IMMEDIATE'),
    commit: db.prepare('COMMIT'),
    rollback: db.prepare('ROLLBACK'),
    savepoint: db.prepare('SAVEPOINT payment'),
    release: db.prepare('RELEASE payment'),
    rollbackToSavepoint: db.prepare('ROLLBACK TO payment'),

    findMerchant: db.prepare('SELECT * FROM merchants WHERE mch_id = ?'),
    listMerchants: db.prepare('SELECT * FROM merchants ORDER BY mch_id'),
    countMerchantsWithPrefix: db.prepare('SELECT COUNT(*) AS n FROM merchants WHERE mch_id LIKE ?'),
    insertMerchant: db.prepare(
      `INSERT INTO merchants (mch_id, name, api_key, status, created_at_ms) VALUES (?, ?, ?, 'active', ?)`,
    ),
    setMerchantStatus: db.prepare('UPDATE merchants SET status = ? WHERE mch_id = ?'),
    insertAccount: db.prepare('INSERT INTO accounts (id, kind) VALUES (?, ?)'),

    findWallet: db.prepare(
      `SELECT w.*, a.balance_sen, a.held_sen FROM wallets w JOIN accounts a ON a.id = w.account_id WHERE w.wallet_id = ?`,
    ),
    insertWallet: db.prepare(
      `INSERT INTO wallets (wallet_id, name, status, account_id, created_at_ms) VALUES (?, ?, 'active', ?, ?)`,
    ),
    setWalletStatus: db.prepare('UPDATE wallets SET status = ? WHERE wallet_id = ?'),

    findPayCode: db.prepare('SELECT * FROM pay_codes WHERE code = ?'),
    retirePayCodes: db.prepare(`UPDATE pay_codes SET status = 'retired' WHERE wallet_id = ? AND status = 'active'`),
    insertPayCode: db.prepare(
      `INSERT INTO pay_codes (code, wallet_id, status, issued_at_ms, expires_at_ms) VALUES (?, ?, 'active', ?, ?)`,
    ),
    usePayCode: db.prepare(`UPDATE pay_codes SET status = 'used' WHERE code = ? AND status = 'active'`),

    findOrder: db.prepare('SELECT * FROM orders WHERE mch_id = ? AND mch_order_id = ?'),
    insertOrder: db.prepare(
      `INSERT INTO orders (order_id, mch_id, mch_order_id, amount_sen, goods_info, discount_sen, point, pay_code,
                           wallet_id, status, fail_reason, fingerprint, trade_time_ms, pay_time_ms)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    ),
    insertEntry: db.prepare('INSERT INTO journal_entries (kind, order_id, created_at_ms) VALUES (?, ?, ?)'),
    insertPosting: db.prepare('INSERT INTO postings (entry_id, account_id, amount_sen) VALUES (?, ?, ?)'),
    addToBalance: db.prepare('UPDATE accounts SET balance_sen = balance_sen + ? WHERE id = ?'),

    getSetting: db.prepare('SELECT value FROM settings WHERE name = ?'),
    setSetting: db.prepare(
      'INSERT INTO settings (name, value) VALUES (?, ?) ON CONFLICT (name) DO UPDATE SET value = excluded.value',
    ),
  };
}

function toMerchant(r: Row): Merchant {
  return {
    mchId: r.mch_id as string,
    name: r.name as string,
    apiKey: new Secret(r.api_key as string),
    status: r.status as MerchantStatus,
    createdAtMs: r.created_at_ms as number,
  };
}

function toWallet(r: Row): Wallet {
  return {
    walletId: r.wallet_id as string,
    name: r.name as string,
    status: r.status as WalletStatus,
    balanceSen: r.balance_sen as number,
    heldSen: r.held_sen as number,
    createdAtMs: r.created_at_ms as number,
  };
}

function toPayCode(r: Row): PayCode {
  return {
    code: r.code as string,
    walletId: r.wallet_id as string,
    status: r.status as PayCodeStatus,
    issuedAtMs: r.issued_at_ms as number,
    expiresAtMs: r.expires_at_ms as number,
  };
}

function toOrder(r: Row): Order {
  return {
    orderId: r.order_id as string,
    mchId: r.mch_id as string,
    mchOrderId: r.mch_order_id as string,
    amountSen: r.amount_sen as number,
    goodsInfo: r.goods_info as string,
    discountSen: r.discount_sen as number | null,
    point: r.point as number | null,
    walletId: r.wallet_id as string,
    status: r.status as OrderStatus,
    failReason: r.fail_reason as FailReason | null,
    fingerprint: r.fingerprint as string,
    tradeTimeMs: r.trade_time_ms as number,
    payTimeMs: r.pay_time_ms as number | null,
  };
}
