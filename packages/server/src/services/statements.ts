import { dailyReportOf, type DailyReport } from '../domain/daily-report.js';
import { buildStatement, dayWindow, statementCsv, type DayWindow, type Statement, type StatementMovements } from '../domain/statement.js';
import type { Store } from '../store/store.js';

/**
 * A merchant's day (docs/statements.md): the statement downloadBill and `micropay bill` answer,
 * and the merchant console's day, which adds the daily settlement report. The CSV is made by one
 * function, statementOf, so the console's download is byte for byte downloadBill's `data.csv`.
 */
export interface StatementOfDay {
  readonly statement: Statement;
  readonly csv: string;
}

/** The statement and its CSV from the day's movements, however they were read. */
function statementOf(mchId: string, billDate: string, window: DayWindow, movements: StatementMovements, timeZone: string): StatementOfDay {
  const statement = buildStatement(mchId, billDate, window, movements);
  return { statement, csv: statementCsv(statement, timeZone) };
}

/** One merchant's statement for `billDate` in `timeZone`: downloadBill and `micropay bill` share it. */
export async function loadStatement(store: Store, mchId: string, billDate: string, timeZone: string): Promise<StatementOfDay> {
  const window = dayWindow(billDate, timeZone);
  return statementOf(mchId, billDate, window, await store.statementMovements(mchId, window.fromMs, window.toMs), timeZone);
}

/** The console's day: the statement (totals and CSV) and the settlement report, from one read. */
export interface MerchantDay extends StatementOfDay {
  readonly report: DailyReport;
}

/**
 * The merchant console's "Statements" section for one day in the platform's zone. The store reads
 * the day's movements with the balance and payouts at one moment (dailyReportMovements); the
 * statement is built once from them, and the report from that statement, so its payments and
 * refunds are the CSV's totals by construction.
 */
export async function merchantDay(store: Store, mchId: string, date: string, timeZone: string): Promise<MerchantDay> {
  const window = dayWindow(date, timeZone);
  const movements = await store.dailyReportMovements(mchId, window);
  const day = statementOf(mchId, date, window, movements.day, timeZone);
  return { ...day, report: dailyReportOf(day.statement, movements) };
}
