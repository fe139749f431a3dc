import Database from 'better-sqlite3';
import { createOwnerOnly } from './owner-only.js';
import { isOfflineCode, type MicropayCommand } from '@micropay/protocol';
import { OrderIdSource } from '../../domain/ids.js';
import type { PaymentPolicy } from '../../domain/model.js';
import { decidePayment, faultEffects, orderAfterFault, paymentEffects, paymentFingerprint, type PaymentDecision, type PaymentView } from '../../domain/payment.js';
import { strikeSandboxFault, type PayOptions } from '../store.js';
import { toOrder, toPayCode, toWallet, type Row } from '../rows.js';
import { SqliteEffects } from './effects.js';
import { WALLET_COLUMNS } from './rows.js';
import { checkOfflineCode, OfflineCodeKey, type OfflineCheck } from '../../domain/offline-code.js';
import { deviceWithWalletSql, toDevice } from '../offline-device-sql.js';

/**
 * Opens a connection to the store's file the way every connection must be opened: WAL, with
 * synchronous=FULL so a commit is on disk before its answer is sent.
 */
export function openConnection(path: string, { mustExist = false } = {}): Database.Database {
  if (path !== ':memory:' && !mustExist) createOwnerOnly(path);
  const db = new Database(path, { fileMustExist: mustExist });
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = FULL');
  // Admin commands write from other processes; wait for their short transactions instead of failing.
  db.pragma('busy_timeout = 5000');
  db.pragma('foreign_keys = ON');
  // 64 MiB of page cache instead of SQLite's 2 MiB: a payment reads its code, wallet and account
  // at random places in the file, and every miss is a read from the OS. Durability is untouched.
  db.pragma('cache_size = -65536');
  return db;
}

export interface PaymentJob {
  readonly cmd: MicropayCommand;
  readonly options: PayOptions;
  /** The platform's clock when the payment arrived (the writer may run on another thread). */
  readonly nowMs: number;
}

/** What one payment of a batch came to: its decision, or the error that undid it alone. */
export type PaymentOutcome =
  | { readonly ok: true; readonly decision: PaymentDecision }
  | { readonly ok: false; readonly error: { readonly name: string; readonly message: string } };

export interface PaymentWriterOptions {
  readonly timeZone: string;
  readonly policy: PaymentPolicy;
  /** How long a NEW order (its payment hit a fault) waits before the sweeper fails it. */
  readonly newOrderTimeoutMs: number;
  /** The offline-code key's bytes in hex, for the payment thread (null: offline codes are off). */
  readonly offlineKeyHex?: string | null;
}

/** What a payment read about its code: an issued code's row, or an offline code's check; and the wallet. */
interface CodeRead {
  readonly payCode: PaymentView['payCode'];
  readonly offline: OfflineCheck | null;
  readonly wallet: PaymentView['wallet'];
  /** The code row's rowid (its use is written by rowid); -1: no row. */
  readonly rowid: number;
}

const NOTHING_READ: CodeRead = { payCode: null, offline: null, wallet: null, rowid: -1 };

interface MerchantForPayment {
  readonly active: boolean;
  readonly notifyUrl: string | null;
}

/**
 * Decides and writes payments, a batch per transaction made durable by one commit; each payment
 * stays all-or-nothing (a batch in which one throws is written again with a savepoint each). The
 * only writer of orders, so the only source of order ids. It runs on the payment thread
 * (./payment-thread.ts) or, for an in-memory store, on the caller's.
 */
export class PaymentWriter {
  readonly #db: Database.Database;
  readonly #effects: SqliteEffects;
  readonly #orderIds: OrderIdSource;
  readonly #options: PaymentWriterOptions;
  readonly #merchants = new Map<string, MerchantForPayment | null>();
  readonly #s;

  /** Checks offline codes; null: none can pay (no master key). */
  readonly #offlineKey: () => OfflineCodeKey | null;

  constructor(db: Database.Database, options: PaymentWriterOptions, offlineKey?: () => OfflineCodeKey | null) {
    this.#db = db;
    const fromHex = options.offlineKeyHex ? new OfflineCodeKey(Buffer.from(options.offlineKeyHex, 'hex')) : null;
    this.#offlineKey = offlineKey ?? (() => fromHex);
    this.#effects = new SqliteEffects(db);
    this.#orderIds = new OrderIdSource(options.timeZone);
    this.#options = options;
    this.#s = {
      begin: db.prepare('BEGIN IMMEDIATE'),
      commit: db.prepare('COMMIT'),
      rollback: db.prepare('ROLLBACK'),
      savepoint: db.prepare('SAVEPOINT payment'),
      release: db.prepare('RELEASE payment'),
      rollbackToSavepoint: db.prepare('ROLLBACK TO payment'),
      findOrder: db.prepare('SELECT * FROM orders WHERE mch_id = ? AND mch_order_id = ?'),
      findPayCode: db.prepare('SELECT wallet_id FROM pay_codes WHERE code = ?'),
      isClosedOrderId: db.prepare('SELECT 1 FROM closed_order_ids WHERE mch_id = ? AND mch_order_id = ?').pluck(),
      merchant: db.prepare('SELECT status, notify_url FROM merchants WHERE mch_id = ?'),
      // The code and its wallet in one statement (one of the fewer statements a payment costs).
      findPayCodeWithWallet: db.prepare(
        `SELECT c.rowid AS code_rowid, c.code, c.wallet_id AS code_wallet_id, c.status AS code_status, c.issued_at_ms AS code_issued_at_ms,
                c.expires_at_ms AS code_expires_at_ms, ${WALLET_COLUMNS}
           FROM pay_codes c LEFT JOIN wallets w ON w.wallet_id = c.wallet_id LEFT JOIN accounts a ON a.id = w.account_id
          WHERE c.code = ?`,
      ),
      findDevice: db.prepare(deviceWithWalletSql('?')),
    };
  }

  /**
   * Writes a batch in one transaction and returns each payment's outcome, in order. Throws when
   * the transaction itself fails: then nothing of the batch is on disk.
   */
  write(jobs: readonly PaymentJob[], whileLocked: () => void = () => undefined): PaymentOutcome[] {
    // Payments do not throw unless something is wrong (a fault, a sandbox rehearsal), so the batch
    // is first written with no savepoints; if one throws, all of it is undone and written again
    // with each payment in its own savepoint, so only that payment fails. `whileLocked` runs first
    // once the write lock is held (the store's files checked: store-file.ts); if it throws, the
    // whole batch fails.
    if (!jobs.some((j) => j.options.sandboxFault)) {
      const outcomes = this.#inTransaction(() => (whileLocked(), this.#writeAll(jobs)), { retryOnError: true });
      if (outcomes !== null) return outcomes;
    }
    return this.#inTransaction(() => (whileLocked(), this.#writeEach(jobs)), { retryOnError: false })!;
  }

  /** Runs a batch in a write transaction; null (rolled back) if it threw and may be retried. */
  #inTransaction(body: () => PaymentOutcome[], { retryOnError }: { retryOnError: boolean }): PaymentOutcome[] | null {
    const s = this.#s;
    this.#merchants.clear();
    s.begin.run();
    let outcomes: PaymentOutcome[];
    try {
      outcomes = body();
    } catch (error) {
      if (this.#db.inTransaction) s.rollback.run();
      if (retryOnError) return null;
      throw error;
    }
    try {
      s.commit.run();
      return outcomes;
    } catch (error) {
      if (this.#db.inTransaction) s.rollback.run();
      throw error;
    }
  }

  #writeAll(jobs: readonly PaymentJob[]): PaymentOutcome[] {
    return jobs.map((job) => ({ ok: true, decision: this.#payOne(job) }));
  }

  #writeEach(jobs: readonly PaymentJob[]): PaymentOutcome[] {
    const s = this.#s;
    const outcomes: PaymentOutcome[] = [];
    for (const job of jobs) {
      s.savepoint.run();
      try {
        outcomes.push({ ok: true, decision: this.#payOne(job) });
        s.release.run();
      } catch (error) {
        // Only this payment is undone; the others in the batch still commit.
        s.rollbackToSavepoint.run();
        s.release.run();
        this.#recordNewAfterFault(job.cmd, job.nowMs);
        const e = error as Error;
        outcomes.push({ ok: false, error: { name: e.name ?? 'Error', message: e.message ?? String(error) } });
      }
    }
    return outcomes;
  }

  /**
   * The merchant's status and notification URL, read once per batch: inside the write
   * transaction nobody else can change them, so the first read holds for the whole batch.
   */
  #merchant(mchId: string): MerchantForPayment | null {
    let m = this.#merchants.get(mchId);
    if (m === undefined) {
      const row = this.#s.merchant.get(mchId) as { status: string; notify_url: string | null } | undefined;
      m = row === undefined ? null : { active: row.status === 'active', notifyUrl: row.notify_url };
      this.#merchants.set(mchId, m);
    }
    return m;
  }

  #payOne({ cmd, options, nowMs: now }: PaymentJob): PaymentDecision {
    const s = this.#s;
    const existingRow = s.findOrder.get(cmd.mchId, cmd.mchOrderId) as Row | undefined;
    const closedUnused = existingRow === undefined && s.isClosedOrderId.get(cmd.mchId, cmd.mchOrderId) !== undefined;
    const lookUp = existingRow === undefined && !closedUnused;
    const merchant = this.#merchant(cmd.mchId);
    const code = !lookUp ? NOTHING_READ : isOfflineCode(cmd.payCode) ? this.#offlineCode(cmd.payCode, now, options) : this.#payCode(cmd.payCode);
    const view: PaymentView = {
      merchantActive: merchant?.active === true,
      closedUnused,
      existing: existingRow === undefined ? null : toOrder(existingRow),
      payCode: code.payCode,
      offline: code.offline,
      wallet: code.wallet,
    };
    const policy = options.forceConfirmation ? { ...this.#options.policy, forceConfirmation: true } : this.#options.policy;
    const decision = decidePayment(cmd, view, policy, now, this.#orderIds.next(now), paymentFingerprint(cmd));
    const context = { notifyUrl: merchant?.notifyUrl ?? null, codeRowid: code.rowid };
    this.#effects.apply(paymentEffects(decision, cmd.payCode), context);
    strikeSandboxFault(options, decision);
    return decision;
  }

  /** A code the platform issued, with its wallet, in one statement. */
  #payCode(payCode: string): CodeRead {
    const row = this.#s.findPayCodeWithWallet.get(payCode) as Row | undefined;
    if (row === undefined) return NOTHING_READ;
    return {
      payCode: toPayCode({
        code: row.code, wallet_id: row.code_wallet_id, status: row.code_status,
        issued_at_ms: row.code_issued_at_ms, expires_at_ms: row.code_expires_at_ms,
      }),
      offline: null,
      wallet: row.wallet_id === null ? null : toWallet(row),
      rowid: row.code_rowid as number,
    };
  }

  /**
   * An offline code: the device under its tag with its wallet and the wallet's last accepted
   * counter, in one statement, and the check (domain/offline-code.ts). No code row exists.
   */
  #offlineCode(code: string, now: number, options: PayOptions): CodeRead {
    if (options.offlineLimited === true) return { ...NOTHING_READ, offline: { ok: false, reason: 'RATE_LIMITED', deviceIndex: null } };
    const key = this.#offlineKey();
    if (key === null) return { ...NOTHING_READ, offline: { ok: false, reason: 'NO_DEVICE', deviceIndex: null } };
    const row = this.#s.findDevice.get(key.indexOf(code.slice(2, 10))) as Row | undefined;
    const found = { device: row === undefined ? null : toDevice(row), lastCounter: Number(row?.offline_counter ?? 0) };
    return { payCode: null, offline: checkOfflineCode(key, code, found, now), wallet: row === undefined ? null : toWallet(row), rowid: -1 };
  }

  /**
   * A payment whose step failed is recorded NEW (when its code and wallet are known), so the
   * merchant's query after the "system error" finds it in progress; no money moved, and the
   * sweeper fails it at its deadline unless the merchant closes it first.
   */
  #recordNewAfterFault(cmd: MicropayCommand, now: number): void {
    const s = this.#s;
    s.savepoint.run();
    try {
      const code = s.findPayCode.get(cmd.payCode) as { wallet_id: string } | undefined;
      if (code !== undefined && s.findOrder.get(cmd.mchId, cmd.mchOrderId) === undefined) {
        const order = orderAfterFault(cmd, code.wallet_id, this.#orderIds.next(now), now, this.#options.newOrderTimeoutMs);
        this.#effects.apply(faultEffects(order, cmd.payCode));
      }
      s.release.run();
    } catch {
      // If even that fails, nothing is recorded and queryBill answers "no such order": also true.
      s.rollbackToSavepoint.run();
      s.release.run();
    }
  }
}
