import { formatSen, formatWireTime, wallClock } from '@micropay/protocol';
import { assert } from './ledger.js';
import type { Order, Refund } from './model.js';
import { isPaidOrder } from './order-state.js';
import { csvLine, csvText } from './csv.js';

/**
 * A merchant's statement for one day in the platform's time zone (docs/statements.md): one row per
 * movement of the merchant's money (a payment in, a refund out) and the day's totals. Pure: the
 * store reads the movements of the day's window, this builds the rows and the CSV.
 *
 * The day is [first instant of billDate, first instant of the next day) in the time zone, found
 * with Intl, so a 23- or 25-hour day around a daylight-saving change, or a day whose midnight is
 * skipped, is still exactly that day. All times are whole milliseconds; amounts are whole sen.
 */

export interface DayWindow {
  /** The first millisecond of the day. */
  readonly fromMs: number;
  /** The first millisecond of the next day (exclusive end). */
  readonly toMs: number;
}

const SECOND_MS = 1000;
// No time zone is more than 14 hours from UTC, so the day's first instant is within 15 hours of
// its UTC midnight either way.
const SEARCH_SPAN_S = 15 * 3600;

export function localDate(epochMs: number, timeZone: string): string {
  const t = wallClock(epochMs, timeZone);
  return `${t.year}-${t.month}-${t.day}`;
}

/**
 * Why a day's statement is refused: a day that has not begun in the platform's zone has none yet,
 * and an empty one would read as a day reconciled at zero (docs/statements.md). Null: it has begun.
 */
export function dayNotBegunProblem(date: string, nowMs: number, timeZone: string): string | null {
  const today = localDate(nowMs, timeZone);
  return date > today ? `billDate ${date} has not begun in ${timeZone} (today is ${today}): a day has a statement from its first instant` : null;
}

/**
 * The first instant (in whole seconds: every time zone changes its offset on a whole second) whose
 * local date is `date` or later. A binary search over "local date ≥ date", which only flips once
 * within the search span.
 */
export function startOfLocalDay(date: string, timeZone: string): number {
  const [y, m, d] = date.split('-').map(Number) as [number, number, number];
  const utcMidnightS = Date.UTC(y, m - 1, d) / SECOND_MS;
  let lo = utcMidnightS - SEARCH_SPAN_S; // local date is before `date`
  let hi = utcMidnightS + SEARCH_SPAN_S; // local date is `date` or after
  assert(localDate(lo * SECOND_MS, timeZone) < date && localDate(hi * SECOND_MS, timeZone) >= date, 'the day starts within the search span');
  while (hi - lo > 1) {
    const mid = lo + Math.floor((hi - lo) / 2);
    if (localDate(mid * SECOND_MS, timeZone) >= date) hi = mid;
    else lo = mid;
  }
  return hi * SECOND_MS;
}

/** The next calendar date after `date` (`yyyy-MM-dd`), by the proleptic Gregorian calendar. */
export function nextDate(date: string): string {
  const [y, m, d] = date.split('-').map(Number) as [number, number, number];
  const next = new Date(Date.UTC(y, m - 1, d + 1));
  return next.toISOString().slice(0, 10);
}

export function dayWindow(date: string, timeZone: string): DayWindow {
  return { fromMs: startOfLocalDay(date, timeZone), toMs: startOfLocalDay(nextDate(date), timeZone) };
}

/** What the store reads for a statement: the day's movements of one merchant. */
export interface StatementMovements {
  /** Paid orders (PAID or any refund state) whose pay time falls in the window. */
  readonly payments: readonly Order[];
  /** REFUNDED refunds that finished in the window, with their order's merchant order id. */
  readonly refunds: readonly { readonly refund: Refund; readonly mchOrderId: string }[];
}

export type StatementRowType = 'PAYMENT' | 'REFUND';

export interface StatementRow {
  readonly type: StatementRowType;
  readonly timeMs: number;
  readonly orderId: string;
  readonly mchOrderId: string;
  readonly refundId: string | null;
  readonly mchRefundId: string | null;
  /** The change to the merchant's balance: positive for a payment, negative for a refund. */
  readonly amountSen: number;
  /** The movement's own state, which never changes once it is on a statement: PAID or REFUNDED. */
  readonly status: 'PAID' | 'REFUNDED';
}

export interface StatementTotals {
  readonly paymentCount: number;
  readonly grossSen: number;
  readonly refundCount: number;
  readonly refundSen: number;
  /** grossSen − refundSen: what the day added to the merchant's balance. */
  readonly netSen: number;
}

export interface Statement {
  readonly mchId: string;
  readonly billDate: string;
  readonly window: DayWindow;
  readonly rows: readonly StatementRow[];
  readonly totals: StatementTotals;
}

export function buildStatement(mchId: string, billDate: string, window: DayWindow, movements: StatementMovements): Statement {
  const inWindow = (ms: number) => ms >= window.fromMs && ms < window.toMs;
  const rows: StatementRow[] = [];
  for (const order of movements.payments) {
    assert(order.mchId === mchId && isPaidOrder(order.status), 'a statement lists the merchant\'s paid orders');
    assert(order.payTimeMs !== null && inWindow(order.payTimeMs), 'a payment on the statement was paid that day');
    rows.push({
      type: 'PAYMENT', timeMs: order.payTimeMs, orderId: order.orderId, mchOrderId: order.mchOrderId,
      refundId: null, mchRefundId: null, amountSen: order.amountSen, status: 'PAID',
    });
  }
  for (const { refund, mchOrderId } of movements.refunds) {
    assert(refund.mchId === mchId && refund.status === 'REFUNDED', 'a statement lists the merchant\'s refunds that moved money');
    assert(refund.finishedAtMs !== null && inWindow(refund.finishedAtMs), 'a refund on the statement finished that day');
    rows.push({
      type: 'REFUND', timeMs: refund.finishedAtMs, orderId: refund.orderId, mchOrderId,
      refundId: refund.refundId, mchRefundId: refund.mchRefundId, amountSen: -refund.amountSen, status: 'REFUNDED',
    });
  }
  // Time order; at the same millisecond a payment comes before the refunds of it.
  rows.sort((a, b) =>
    a.timeMs - b.timeMs || (a.type === b.type ? 0 : a.type === 'PAYMENT' ? -1 : 1) || compare(a.refundId ?? a.orderId, b.refundId ?? b.orderId));

  let grossSen = 0;
  let refundSen = 0;
  for (const row of rows) {
    if (row.type === 'PAYMENT') grossSen += row.amountSen;
    else refundSen -= row.amountSen;
  }
  const totals: StatementTotals = {
    paymentCount: movements.payments.length,
    grossSen,
    refundCount: movements.refunds.length,
    refundSen,
    netSen: grossSen - refundSen,
  };
  return { mchId, billDate, window, rows, totals };
}

export const STATEMENT_COLUMNS = [
  'type', 'time', 'wavpayOrderId', 'merchantOrderId', 'refundId', 'merchantRefundId', 'amount', 'status',
] as const;
export const TOTALS_COLUMNS = ['totals', 'paymentCount', 'grossAmount', 'refundCount', 'refundAmount', 'netAmount'] as const;

/**
 * The statement as CSV (RFC 4180: comma-separated, CRLF line ends): a header, one row per
 * movement, then a totals header and the totals row (its first field is `TOTAL`), the layout
 * merchants know from wallet operators' bill downloads. Every value is plain ASCII by the field
 * rules, but each is still quoted when needed, so the format survives any future field.
 */
export function statementCsv(statement: Statement, timeZone: string): string {
  const lines = [STATEMENT_COLUMNS.join(',')];
  for (const r of statement.rows) {
    lines.push(
      csvLine([
        r.type, formatWireTime(r.timeMs, timeZone), r.orderId, r.mchOrderId, r.refundId ?? '', r.mchRefundId ?? '',
        formatSen(r.amountSen), r.status,
      ]),
    );
  }
  const t = statement.totals;
  lines.push(TOTALS_COLUMNS.join(','));
  lines.push(csvLine(['TOTAL', String(t.paymentCount), formatSen(t.grossSen), String(t.refundCount), formatSen(t.refundSen), formatSen(t.netSen)]));
  return csvText(lines);
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
