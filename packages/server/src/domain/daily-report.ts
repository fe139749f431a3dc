import { assert } from './ledger.js';
import type { Payout } from './payout.js';
import { buildStatement, type DayWindow, type Statement, type StatementMovements } from './statement.js';

/**
 * A merchant's daily settlement report (docs/operations.md): its balance at the day's start and
 * end in the platform's time zone, and what moved it in between:
 *
 *   opening + payments − refunds − payouts = closing        (exact, in sen)
 *
 * Payments and refunds are the day's statement (the same rows downloadBill lists, so its totals
 * match the bill's). Payouts are net: those requested that day less those that failed that day
 * and gave their money back. The closing balance is worked back from the balance now, less what
 * moved after the day; the store reads all of it at one moment, so nothing moving meanwhile can
 * make the two ends disagree. Reading forward from the start of time would cost the merchant's
 * whole history; a recent day costs only what came after it.
 */
export interface DailyReportMovements {
  readonly day: StatementMovements;
  /** The merchant's balance at the moment of the read. */
  readonly balanceNowSen: number;
  /** Payments paid, and refunds finished, from the day's end to the moment of the read. */
  readonly paymentsAfterSen: number;
  readonly refundsAfterSen: number;
  /** The merchant's payouts requested, or failed, at or after the day's start. */
  readonly payouts: readonly Payout[];
}

export interface DailyReport {
  readonly mchId: string;
  readonly date: string;
  readonly window: DayWindow;
  readonly openingSen: number;
  readonly paymentCount: number;
  readonly paymentsSen: number;
  readonly refundCount: number;
  readonly refundsSen: number;
  readonly payoutsRequestedSen: number;
  /** Payouts that failed this day: their money came back to the merchant. */
  readonly payoutsReturnedSen: number;
  /** payoutsRequestedSen − payoutsReturnedSen. */
  readonly payoutsSen: number;
  readonly closingSen: number;
}

export function buildDailyReport(mchId: string, date: string, window: DayWindow, m: DailyReportMovements): DailyReport {
  return dailyReportOf(buildStatement(mchId, date, window, m.day), m);
}

/**
 * The report of a day whose statement is built already (from `m.day`): the merchant console shows
 * both, and builds the statement once for its totals, its CSV and this report.
 */
export function dailyReportOf(statement: Statement, m: DailyReportMovements): DailyReport {
  const { mchId, billDate: date, window, totals } = statement;
  const during = { requested: 0, returned: 0 };
  const after = { requested: 0, returned: 0 };
  for (const p of m.payouts) {
    assert(p.mchId === mchId, "a merchant's report counts its own payouts");
    if (p.requestedAtMs >= window.toMs) after.requested += p.amountSen;
    else if (p.requestedAtMs >= window.fromMs) during.requested += p.amountSen;
    if (p.status !== 'FAILED') continue;
    assert(p.finishedAtMs !== null, 'a failed payout has its finish time');
    if (p.finishedAtMs >= window.toMs) after.returned += p.amountSen;
    else if (p.finishedAtMs >= window.fromMs) during.returned += p.amountSen;
  }
  const closingSen = m.balanceNowSen - m.paymentsAfterSen + m.refundsAfterSen + after.requested - after.returned;
  const payoutsSen = during.requested - during.returned;
  // Walked back from the closing balance, so opening + payments − refunds − payouts = closing holds
  // by construction (daily-report.test.ts checks the opening against the balance at that moment).
  const openingSen = closingSen - totals.grossSen + totals.refundSen + payoutsSen;
  return {
    mchId, date, window, openingSen,
    paymentCount: totals.paymentCount, paymentsSen: totals.grossSen,
    refundCount: totals.refundCount, refundsSen: totals.refundSen,
    payoutsRequestedSen: during.requested, payoutsReturnedSen: during.returned, payoutsSen,
    closingSen,
  };
}
