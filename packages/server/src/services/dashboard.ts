import type { PaymentMinute } from '../domain/payment-minutes.js';
import { MINUTE_MS } from '../domain/payment-minutes.js';
import { localDate, startOfLocalDay } from '../domain/statement.js';
import type { PlatformMoney } from '../store/dashboard-sql.js';
import type { Store } from '../store/store.js';
import { paymentMinutes } from './payment-minutes.js';

/** The ranges the operator dashboard draws: the last hour (its default) or the last day. */
export const DASHBOARD_RANGES = { '60m': 60 * MINUTE_MS, '24h': 24 * 60 * MINUTE_MS } as const;
export type DashboardRange = keyof typeof DASHBOARD_RANGES;

export interface Dashboard {
  readonly range: DashboardRange;
  readonly minutes: readonly PaymentMinute[];
  /** Payments answered PAID (outcome `paid`) in the finished minutes since the start of today in the platform's time zone. */
  readonly paidToday: number;
  readonly merchants: number;
  readonly wallets: number;
  /** Where the platform's money is, from the ledger (not the statistics), as of `moneyAtMs`. */
  readonly money: PlatformMoney;
  readonly moneyAtMs: number;
}

/**
 * How long one read of where the money is serves every dashboard of this process: the read sums
 * every account (one scan), and on SQLite it runs on the thread that answers payments, so open
 * tabs share one read a refresh period rather than each making its own. The answer says when it was read.
 */
export const MONEY_READ_MAX_AGE_MS = 30_000;
const moneyRead = new WeakMap<Store, { atMs: number; money: Promise<PlatformMoney> }>();

function platformMoneyOf(store: Store, nowMs: number): { atMs: number; money: Promise<PlatformMoney> } {
  const last = moneyRead.get(store);
  if (last !== undefined && nowMs >= last.atMs && nowMs - last.atMs < MONEY_READ_MAX_AGE_MS) return last;
  const read = { atMs: nowMs, money: store.platformMoney() };
  moneyRead.set(store, read);
  // A failed read is not kept: the next refresh reads again.
  read.money.catch(() => moneyRead.get(store) === read && moneyRead.delete(store));
  return read;
}

/**
 * The operator console's landing figures: the finished minutes of the range (the current minute
 * is written when it ends), today's PAID payments summed from the same minutes, and how many
 * merchants and open wallets there are. One read of the minutes covers both when today is shorter
 * than the range; else a second read covers today.
 */
export async function dashboard(store: Store, nowMs: number, range: DashboardRange, timeZone: string): Promise<Dashboard> {
  const toMs = Math.floor(nowMs / MINUTE_MS) * MINUTE_MS;
  const fromMs = toMs - DASHBOARD_RANGES[range];
  const todayFromMs = startOfLocalDay(localDate(nowMs, timeZone), timeZone);
  const moneyNow = platformMoneyOf(store, nowMs);
  const [minutes, counts, money] = await Promise.all([paymentMinutes(store, fromMs, toMs), store.platformCounts(), moneyNow.money]);
  const today = todayFromMs >= fromMs ? minutes : await paymentMinutes(store, todayFromMs, toMs);
  const paidToday = today.filter((m) => m.minuteStartMs >= todayFromMs).reduce((n, m) => n + m.counts.paid, 0);
  return { range, minutes, paidToday, merchants: counts.merchants, wallets: counts.wallets, money, moneyAtMs: moneyNow.atMs };
}
