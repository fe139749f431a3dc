import type pg from 'pg';
import type { MicropayCommand } from '@micropay/protocol';
import type { Clock } from '../../domain/clock.js';
import type { OrderIdSource } from '../../domain/ids.js';
import type { PaymentPolicy } from '../../domain/model.js';
import { decidePayment, faultEffects, orderAfterFault, paymentEffects, type PaymentDecision } from '../../domain/payment.js';
import { SandboxFault, strikeSandboxFault, type BatchObserver, type PayOptions } from '../store.js';
import { PLATFORM_BUSY, WaitingPayments } from '../waiting-payments.js';
import { BatchWrites, readBatch, writeBatch } from './batch-sql.js';
import type { PgEffects } from './effects.js';
import { isUniqueViolation } from './pool.js';
import type { OfflineCodeKey } from '../../domain/offline-code.js';

/** Most payments decided and written in one transaction. */
const MAX_BATCH = 256;
/** Batches in flight at once, each on its own pool connection. */
const MAX_CONCURRENT_BATCHES = 4;
/** Runs of one payment alone that lose the race to insert its order before it answers the error. */
const PAY_ATTEMPTS = 3;

interface Queued {
  readonly cmd: MicropayCommand;
  readonly options: PayOptions;
  readonly resolve: (decision: PaymentDecision) => void;
  readonly reject: (error: unknown) => void;
}

interface Outcome {
  readonly decided: Map<Queued, PaymentDecision>;
  /** Payments whose wallet already pays in this batch: they wait for the next one. */
  readonly deferred: Queued[];
}

export interface PaymentBatchOptions {
  readonly effects: PgEffects;
  readonly clock: Clock;
  readonly policy: PaymentPolicy;
  readonly orderIds: OrderIdSource;
  readonly newOrderTimeoutMs: number;
  /** The store's transaction: retried whole on a deadlock. */
  readonly transaction: <T>(fn: (c: pg.PoolClient) => Promise<T>) => Promise<T>;
  /** Payments held waiting to be written before more are turned away (tests set it small). */
  readonly maxWaitingPayments?: number;
  /** The offline-code key (store's offlineCodeKey), opened once. */
  readonly offlineKey: () => Promise<OfflineCodeKey | null>;
}

/**
 * Group commit on PostgreSQL: every payment is written in a batch, the payments that queue up
 * while earlier batches are in flight together, in one transaction of a few set-based statements
 * whatever their number (batch-sql.ts). A payment costs about a dozen statements alone, and on a
 * small machine the round trips, not the disk, are the limit (docs/benchmarks.md).
 *
 * Payments of one batch never share a code, an order id or a wallet: a second payment with any of
 * them waits for the next batch, so each decision sees what it would see alone. A sandbox fault
 * rides alone in its batch, which it rolls back. If anything in a batch fails — another process
 * inserted the same order first, a lost connection — it is rolled back whole and each of its
 * payments runs again as a batch of one (#alone). Nothing is answered before COMMIT returns.
 */
export class PgPaymentBatches {
  readonly #o: PaymentBatchOptions;
  readonly #queue: Queued[] = [];
  /** Payments queued or in a batch being written: bounded (waiting-payments.ts). */
  readonly #waiting: WaitingPayments;
  #running = 0;
  #scheduled = false;
  /** Batches committed and payments in them, and batches that fell back to one payment at a time. */
  readonly stats = { batches: 0, payments: 0, fallbacks: 0 };
  /** Told of every batch committed (metrics). */
  observer: BatchObserver | null = null;

  constructor(options: PaymentBatchOptions) {
    this.#o = options;
    this.#waiting = new WaitingPayments(options.maxWaitingPayments);
  }

  pay(cmd: MicropayCommand, options: PayOptions): Promise<PaymentDecision> {
    const waiting = this.#waiting;
    if (!waiting.admit()) return Promise.resolve(PLATFORM_BUSY);
    // Its place is freed however it is answered: in a batch, alone, or by an error.
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
    const alone = (item: Queued) => item.options.sandboxFault === true;
    for (const item of this.#queue) {
      const orderKey = `${item.cmd.mchId}\u0000${item.cmd.mchOrderId}`;
      const fits = batch.length === 0
        || (batch.length < MAX_BATCH && !alone(batch[0]!) && !alone(item) && !codes.has(item.cmd.payCode) && !orders.has(orderKey));
      if (!fits) left.push(item);
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
    let outcome: Outcome;
    const started = performance.now();
    try {
      outcome = await this.#o.transaction((c) => this.#decideAndWrite(c, batch));
    } catch (error) {
      // The batch left nothing behind: each payment runs again on its own.
      // A sandbox fault struck as meant: running it again would strike again. Any other failure,
      // a lone payment's too, runs again afresh.
      if (error instanceof SandboxFault) return this.#alone(batch[0]!, error);
      this.stats.fallbacks += 1;
      await Promise.all(batch.map((item) => this.#alone(item)));
      return;
    }
    this.stats.batches += 1;
    this.stats.payments += outcome.decided.size;
    this.observer?.(outcome.decided.size, (performance.now() - started) / 1000);
    for (const [item, decision] of outcome.decided) item.resolve(decision);
    if (outcome.deferred.length > 0) {
      this.#queue.unshift(...outcome.deferred);
      this.#schedule();
    }
  }

  /**
   * One payment as a batch of one. Run again when another process recorded the same (mchId,
   * mchOrderId) first, or drew the same order id (the first then answers as a repeat); any other
   * failure leaves its order NEW and answers the error. `failed`: its first run's error.
   */
  async #alone(item: Queued, failed?: unknown): Promise<void> {
    let error = failed;
    for (let attempt = failed === undefined ? 1 : 2; attempt <= PAY_ATTEMPTS && (attempt === 1 || raced(error)); attempt++) {
      try {
        const { decided } = await this.#o.transaction((c) => this.#decideAndWrite(c, [item]));
        return item.resolve(decided.get(item)!);
      } catch (e) {
        error = e;
      }
    }
    await this.#recordNewAfterFault(item.cmd);
    item.reject(error);
  }

  /**
   * The payment's order is left NEW (orderAfterFault), so the merchant's query after the error
   * finds it in progress. If the order exists after all, or the code is unknown, nothing is
   * written; if even that fails, queryBill answers "no such order": also true.
   */
  async #recordNewAfterFault(cmd: MicropayCommand): Promise<void> {
    await this.#o.transaction(async (c) => {
      const code = (await c.query('SELECT wallet_id FROM pay_codes WHERE code = $1', [cmd.payCode])).rows[0] as { wallet_id: string } | undefined;
      if (code === undefined) return;
      const now = this.#o.clock.nowMs();
      const order = orderAfterFault(cmd, code.wallet_id, this.#o.orderIds.next(now), now, this.#o.newOrderTimeoutMs);
      await c.query('SAVEPOINT new_order');
      await this.#o.effects.apply(c, faultEffects(order, cmd.payCode)).catch(() => c.query('ROLLBACK TO SAVEPOINT new_order'));
    }).catch(() => undefined);
  }

  /** Locks and reads what the batch's decisions need, decides each, and writes their effects. */
  async #decideAndWrite(c: pg.PoolClient, batch: Queued[]): Promise<Outcome> {
    const view = await readBatch(c, batch.map((i) => i.cmd), await this.#o.offlineKey());
    const now = this.#o.clock.nowMs();
    const outcome: Outcome = { decided: new Map(), deferred: [] };
    const wallets = new Set<string>();
    const writes = new BatchWrites();
    for (const item of batch) {
      const { cmd, options } = item;
      const seen = view.of(cmd, now, options.offlineLimited === true);
      // An offline code refused by its check writes nothing, and what it read (the last counter)
      // only grows, so it never waits for the wallet's other payment: a flood of guesses at one
      // wallet stays in the batch instead of making a batch each.
      if (seen.wallet !== null && seen.offline?.ok !== false) {
        // One payment per wallet per batch: the next one must see this one's debit or hold.
        if (wallets.has(seen.wallet.walletId)) {
          outcome.deferred.push(item);
          continue;
        }
        wallets.add(seen.wallet.walletId);
      }
      const policy = options.forceConfirmation ? { ...this.#o.policy, forceConfirmation: true } : this.#o.policy;
      const decision = decidePayment(cmd, seen, policy, now, this.#o.orderIds.next(now));
      outcome.decided.set(item, decision);
      writes.add(paymentEffects(decision, cmd.payCode), view.notifies(cmd.mchId));
    }
    await writeBatch(c, writes, now, this.#o.effects);
    for (const [item, decision] of outcome.decided) strikeSandboxFault(item.options, decision);
    return outcome;
  }
}

function raced(error: unknown): boolean {
  return isUniqueViolation(error, 'orders_mch_id_mch_order_id_key') || isUniqueViolation(error, 'orders_pkey');
}
