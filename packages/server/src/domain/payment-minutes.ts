/**
 * Per-minute payment statistics for the operator's dashboard (docs/operations.md, "Payment
 * statistics"): what one minute of payments looked like, as counts by outcome and a latency
 * histogram of fixed, log-spaced buckets. Pure: the recorder (ops/payment-recorder.ts) fills them,
 * the store keeps one row per minute and process, the read (services/payment-minutes.ts) merges.
 */

/** What became of one `micropay` request, as counted. The order is the table's column order. */
export const PAYMENT_OUTCOMES = [
  /** PAID (code 0). */
  'paid',
  /** PENDING: waiting for the wallet holder's confirmation (1024 on a new order). */
  'pending',
  /** FAILED: the wallet's balance could not cover it (1028). */
  'declinedBalance',
  /** FAILED: the wallet is frozen or closed (9001). */
  'declinedWallet',
  /** Refused: the payment code is unknown (1040), expired, used or replaced (1036). */
  'declinedCode',
  /** Refused: the merchant is disabled (1022), or closed this order id before any payment (1025). */
  'refused',
  /** The order id was taken already (1023, 1024 or 1025 for a repeat, 1032): no new payment. */
  'repeated',
  /** The request was refused before any decision: bad input or signature, unknown merchant, bad HTTP. */
  'invalid',
  /** Turned away because the platform holds its limit of payments waiting to be written (9007). */
  'busy',
  /** A fault of the platform (500): the merchant queries the order. */
  'systemError',
] as const;

export type PaymentOutcome = (typeof PAYMENT_OUTCOMES)[number];
export type OutcomeCounts = Record<PaymentOutcome, number>;

/** Index of each outcome in a recorder's counts array. */
export const OUTCOME_INDEX: Readonly<Record<PaymentOutcome, number>> = Object.fromEntries(
  PAYMENT_OUTCOMES.map((outcome, i) => [outcome, i]),
) as Record<PaymentOutcome, number>;

/**
 * The latency buckets' upper bounds in microseconds: 250 µs × 2^(k/3), k = 0…46, so each bucket
 * is 26 % wider than the one below (a value is reported at most 26 % above the truth), from
 * 0.25 ms to 10.3 s; a 48th bucket holds everything slower. Fixed: rows of every process and
 * every version merge bucket by bucket.
 */
export const LATENCY_BOUNDS_US: readonly number[] = Array.from({ length: 47 }, (_, k) => Math.round(250 * 2 ** (k / 3)));
/** Buckets in a histogram: the bounded ones and the overflow. */
export const LATENCY_BUCKETS = LATENCY_BOUNDS_US.length + 1;
const BOUNDS = Float64Array.from(LATENCY_BOUNDS_US, (us) => us / 1000);

/** The bucket of a latency in milliseconds: the first whose upper bound is at least it (binary search, no allocation). */
export function latencyBucket(ms: number): number {
  let low = 0;
  let high = BOUNDS.length;
  while (low < high) {
    const mid = (low + high) >>> 1;
    if (BOUNDS[mid]! < ms) low = mid + 1;
    else high = mid;
  }
  return low;
}

/**
 * The latency below which a `fraction` of the payments fall (0.5: the median, 0.99: p99), as the
 * upper bound of the bucket that holds that payment, in milliseconds; null with no payments. A
 * payment in the overflow bucket is reported as the last bound (10 321 ms): "over 10 s".
 */
export function latencyQuantileMs(buckets: readonly number[], fraction: number): number | null {
  const total = buckets.reduce((sum, n) => sum + n, 0);
  if (total === 0) return null;
  // The rank of the payment at that fraction, counted from 1 (nearest-rank definition).
  const rank = Math.max(1, Math.ceil(fraction * total));
  let seen = 0;
  for (let i = 0; i < buckets.length; i++) {
    seen += buckets[i]!;
    if (seen >= rank) return LATENCY_BOUNDS_US[Math.min(i, LATENCY_BOUNDS_US.length - 1)]! / 1000;
  }
  throw new Error('unreachable: the ranks are within the total');
}

/** Decided payments: PAID, or FAILED or refused because of the customer's wallet or code. */
export function decidedPayments(c: OutcomeCounts): number {
  return c.paid + c.declinedBalance + c.declinedWallet + c.declinedCode;
}

/** PAID ÷ decided payments (decidedPayments), from 0 to 1; null when none was decided. */
export function successRate(c: OutcomeCounts): number | null {
  const decided = decidedPayments(c);
  return decided === 0 ? null : c.paid / decided;
}

/** One process's minute as the store keeps it. */
export interface ProcessMinute {
  readonly minuteStartMs: number;
  readonly processId: string;
  readonly counts: OutcomeCounts;
  /** LATENCY_BUCKETS counts; every answered `micropay` request is in one of them. */
  readonly buckets: readonly number[];
}

/** One minute of the whole platform: every process's rows summed. */
export interface PaymentMinute {
  readonly minuteStartMs: number;
  readonly counts: OutcomeCounts;
  /** Every answered `micropay` request, whatever its outcome. */
  readonly requests: number;
  readonly successRate: number | null;
  readonly p50Ms: number | null;
  readonly p99Ms: number | null;
}

export const MINUTE_MS = 60_000;

export function zeroCounts(): OutcomeCounts {
  return Object.fromEntries(PAYMENT_OUTCOMES.map((o) => [o, 0])) as OutcomeCounts;
}

/**
 * Every minute from the one holding `fromMs` up to the one before `toMs`, each the sum of its
 * rows over every process; a minute without rows is there with zeros, so a chart has no holes.
 */
export function mergeMinutes(rows: readonly ProcessMinute[], fromMs: number, toMs: number): PaymentMinute[] {
  const first = Math.floor(fromMs / MINUTE_MS) * MINUTE_MS;
  const sums = new Map<number, { counts: OutcomeCounts; buckets: number[] }>();
  for (let m = first; m < toMs; m += MINUTE_MS) sums.set(m, { counts: zeroCounts(), buckets: new Array<number>(LATENCY_BUCKETS).fill(0) });
  for (const row of rows) {
    const sum = sums.get(row.minuteStartMs);
    if (sum === undefined) continue;
    for (const o of PAYMENT_OUTCOMES) sum.counts[o] += row.counts[o];
    row.buckets.forEach((n, i) => (sum.buckets[i]! += n));
  }
  return [...sums].map(([minuteStartMs, { counts, buckets }]) => ({
    minuteStartMs,
    counts,
    requests: PAYMENT_OUTCOMES.reduce((n, o) => n + counts[o], 0),
    successRate: successRate(counts),
    p50Ms: latencyQuantileMs(buckets, 0.5),
    p99Ms: latencyQuantileMs(buckets, 0.99),
  }));
}
