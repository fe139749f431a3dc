import { mergeMinutes, MINUTE_MS, type PaymentMinute } from '../domain/payment-minutes.js';
import type { StoreOps } from '../store/store.js';

/** The longest range one read covers: the retention (7 days), a bound on the answer's size. */
export const MAX_PAYMENT_MINUTES = 7 * 24 * 60;

/**
 * The operator's dashboard figures (docs/operations.md, "Payment statistics"): every minute from
 * the one holding `fromMs` up to the one before `toMs`, each summed over every server process,
 * with its success rate and its median and p99 latency from the summed buckets; a minute with no
 * payments has zeros. Minutes are written when they end, so the current one is not there yet.
 */
export async function paymentMinutes(store: StoreOps, fromMs: number, toMs: number): Promise<PaymentMinute[]> {
  const first = Math.floor(fromMs / MINUTE_MS) * MINUTE_MS;
  if (!Number.isSafeInteger(first) || !Number.isSafeInteger(toMs) || toMs < first || toMs - first > MAX_PAYMENT_MINUTES * MINUTE_MS) {
    throw new RangeError(`payment minutes are read for at most ${MAX_PAYMENT_MINUTES} minutes, not from ${fromMs} to ${toMs}`);
  }
  return mergeMinutes(await store.readPaymentMinutes(first, toMs), first, toMs);
}
