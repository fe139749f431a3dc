import { LATENCY_BUCKETS, PAYMENT_OUTCOMES, type OutcomeCounts, type ProcessMinute } from '../domain/payment-minutes.js';
import type { Row } from './rows.js';

/** An outcome's column: declinedBalance → declined_balance. */
const column = (outcome: string): string => outcome.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);
const COUNT_COLUMNS = PAYMENT_OUTCOMES.map(column);

/**
 * The payment statistics' table (one migration per store, docs/operations.md "Payment
 * statistics"), written once: the stores differ in the type of a millisecond time and SQLite's
 * STRICT. One row per minute and server process; the latency buckets are a JSON array of
 * LATENCY_BUCKETS counts (ops/payment-minutes.ts), summed by the read, never by SQL.
 */
export function paymentMinutesSchema(ms: 'INTEGER' | 'BIGINT', strict: ' STRICT' | ''): string {
  return `
CREATE TABLE payment_minutes (
  minute_start_ms ${ms} NOT NULL,
  process_id      TEXT NOT NULL,
${COUNT_COLUMNS.map((c) => `  ${c} ${ms} NOT NULL,`).join('\n')}
  latency_buckets TEXT NOT NULL,
  PRIMARY KEY (minute_start_ms, process_id)
)${strict};
`;
}

/** A process's minute, whole: a second write of the same minute (a retried flush) replaces it. */
export const UPSERT_PAYMENT_MINUTE = `INSERT INTO payment_minutes (minute_start_ms, process_id, ${COUNT_COLUMNS.join(', ')}, latency_buckets)
  VALUES (${Array.from({ length: COUNT_COLUMNS.length + 3 }, (_, i) => `$${i + 1}`).join(', ')})
  ON CONFLICT (minute_start_ms, process_id) DO UPDATE SET
  ${[...COUNT_COLUMNS, 'latency_buckets'].map((c) => `${c} = excluded.${c}`).join(', ')}`;

export function paymentMinuteValues(m: ProcessMinute): unknown[] {
  return [m.minuteStartMs, m.processId, ...PAYMENT_OUTCOMES.map((o) => m.counts[o]), JSON.stringify(m.buckets)];
}

/** Retention: by the primary key's leading column, so the delete never scans the table. */
export const DELETE_OLD_PAYMENT_MINUTES = 'DELETE FROM payment_minutes WHERE minute_start_ms < $1';

export const SELECT_PAYMENT_MINUTES = `SELECT * FROM payment_minutes WHERE minute_start_ms >= $1 AND minute_start_ms < $2
  ORDER BY minute_start_ms, process_id`;

export function toProcessMinute(r: Row): ProcessMinute {
  const counts = Object.fromEntries(PAYMENT_OUTCOMES.map((o) => [o, Number(r[column(o)])])) as OutcomeCounts;
  const buckets = JSON.parse(r.latency_buckets as string) as unknown;
  if (!Array.isArray(buckets) || buckets.length !== LATENCY_BUCKETS || !buckets.every((n) => Number.isSafeInteger(n) && n >= 0)) {
    throw new Error(`payment_minutes row ${String(r.minute_start_ms)}/${String(r.process_id)}: latency_buckets is not ${LATENCY_BUCKETS} counts`);
  }
  return { minuteStartMs: Number(r.minute_start_ms), processId: r.process_id as string, counts, buckets: buckets as number[] };
}
