import { randomUUID } from 'node:crypto';
import type { Clock } from '../domain/clock.js';
import { describeError, type Logger } from '../log.js';
import type { StoreOps } from '../store/store.js';
import {
  LATENCY_BUCKETS,
  latencyBucket,
  MINUTE_MS,
  OUTCOME_INDEX,
  PAYMENT_OUTCOMES,
  type OutcomeCounts,
  type PaymentOutcome,
  type ProcessMinute,
} from '../domain/payment-minutes.js';

/** Rows older than this are deleted by the flush (docs/operations.md, "Payment statistics"). */
export const PAYMENT_MINUTES_RETENTION_MS = 7 * 24 * 60 * MINUTE_MS;
/** Finished minutes kept while the database cannot take them (a day); older ones are dropped. */
const MAX_UNWRITTEN_MINUTES = 24 * 60;

/**
 * This process's payment statistics of the current minute (payment-minutes.ts). `record` is on
 * the payment path: two integer increments into fixed arrays and a binary search, no allocation
 * and nothing awaited. When a minute ends its figures are set aside for the flush job, which
 * writes them as this process's row of that minute (PaymentStatsJob).
 */
export class PaymentRecorder {
  /** Unique per process start: a restarted process never overwrites its predecessor's minute. */
  readonly processId: string;
  readonly #clock: Clock;
  #minuteStartMs: number;
  #counts = new Uint32Array(PAYMENT_OUTCOMES.length);
  #buckets = new Uint32Array(LATENCY_BUCKETS);
  #finished: ProcessMinute[] = [];

  constructor(clock: Clock, processId: string = randomUUID()) {
    this.#clock = clock;
    this.processId = processId;
    this.#minuteStartMs = minuteOf(clock.nowMs());
  }

  /** One answered `micropay` request: its outcome and the milliseconds from its arrival to its answer. */
  record(outcome: PaymentOutcome, latencyMs: number): void {
    const now = this.#clock.nowMs();
    if (now - this.#minuteStartMs >= MINUTE_MS) this.#startMinute(now);
    this.#counts[OUTCOME_INDEX[outcome]]! += 1;
    this.#buckets[latencyBucket(latencyMs)]! += 1;
  }

  /** The finished minutes not yet written (the current one too with `partial`), handed over once. */
  take(partial: boolean): ProcessMinute[] {
    const now = this.#clock.nowMs();
    if (partial || now - this.#minuteStartMs >= MINUTE_MS) this.#startMinute(now);
    const taken = this.#finished;
    this.#finished = [];
    return taken;
  }

  /** Minutes a failed write took: kept for the next flush (their rows are written whole, so a retry is safe). */
  giveBack(minutes: readonly ProcessMinute[]): void {
    this.#finished = [...minutes, ...this.#finished].slice(-MAX_UNWRITTEN_MINUTES);
  }

  /** Sets the current minute's figures aside (when it had any) and starts the minute of `nowMs`. */
  #startMinute(nowMs: number): void {
    if (this.#counts.some((n) => n > 0)) {
      this.#finished.push({ minuteStartMs: this.#minuteStartMs, processId: this.processId, counts: toCounts(this.#counts), buckets: [...this.#buckets] });
      if (this.#finished.length > MAX_UNWRITTEN_MINUTES) this.#finished.shift();
      this.#counts = new Uint32Array(PAYMENT_OUTCOMES.length);
      this.#buckets = new Uint32Array(LATENCY_BUCKETS);
    }
    this.#minuteStartMs = minuteOf(nowMs);
  }
}

function minuteOf(ms: number): number {
  return Math.floor(ms / MINUTE_MS) * MINUTE_MS;
}

function toCounts(counts: Uint32Array): OutcomeCounts {
  return Object.fromEntries(PAYMENT_OUTCOMES.map((o, i) => [o, counts[i]!])) as OutcomeCounts;
}

/**
 * Writes the recorder's finished minutes (`partial`: the current one too, at shutdown) as this
 * process's rows, and deletes rows past the retention, in one transaction. A failed write keeps
 * the minutes for the next run.
 */
export async function flushPaymentMinutes(recorder: PaymentRecorder, store: StoreOps, clock: Clock, partial = false): Promise<number> {
  const minutes = recorder.take(partial);
  if (minutes.length === 0) return 0;
  try {
    await store.writePaymentMinutes(minutes, clock.nowMs() - PAYMENT_MINUTES_RETENTION_MS);
  } catch (error) {
    recorder.giveBack(minutes);
    throw error;
  }
  return minutes.length;
}

/** The last flush at shutdown: a failure is logged, never in the way of the stop. */
export async function flushAtShutdown(recorder: PaymentRecorder, store: StoreOps, clock: Clock, logger: Logger): Promise<void> {
  try {
    await flushPaymentMinutes(recorder, store, clock, true);
  } catch (error) {
    logger.error({ error: describeError(error) }, 'payment statistics: the last minute could not be written');
  }
}
