import { formatSen, isCalendarDate } from '@micropay/protocol';
import { dayWindow } from '../domain/statement.js';
import { PAYOUT_FILE_MAX_ROWS, payoutFileCsv, payoutFileName, payoutTotalSen, type PayoutSelection } from '../domain/payout-file.js';
import { newAccountAgeMs, type Payout, type PayoutStatus } from '../domain/payout.js';
import type { ActingAs } from '../domain/audit-log.js';
import type { PayoutFilter, Store } from '../store/store.js';
import type { PayoutCursor } from '../domain/console-pages.js';
import type { Invalid } from './merchant-console.js';

/**
 * Which payouts, as the operator console's Payouts section, `payout list` and the payout file ask:
 * a status or `all`, and the days they were requested, in the platform's time zone, both ends
 * included. The one reading of those fields, so the list shown and the file saved hold the same.
 */
export interface PayoutQuery {
  /** Absent: REQUESTED, what waits for the bank (the console's first choice, the export's default). */
  readonly status?: string | undefined;
  readonly from?: string | undefined;
  readonly to?: string | undefined;
}

export const PAYOUT_STATUSES: readonly PayoutStatus[] = ['REQUESTED', 'PAID_OUT', 'FAILED'];

export function payoutSelectionOf(q: PayoutQuery, timeZone: string): PayoutSelection | Invalid {
  const status = q.status ?? 'REQUESTED';
  if (status !== 'all' && !(PAYOUT_STATUSES as readonly string[]).includes(status)) {
    return { kind: 'invalid', problem: `status must be one of ${PAYOUT_STATUSES.join(', ')} or all` };
  }
  const from = q.from === undefined || q.from === '' ? null : q.from;
  const to = q.to === undefined || q.to === '' ? null : q.to;
  for (const [name, date] of [['from', from], ['to', to]] as const) {
    if (date !== null && !isCalendarDate(date)) return { kind: 'invalid', problem: `${name} must be a date as yyyy-MM-dd, e.g. "2026-12-01"` };
  }
  if (from !== null && to !== null && from > to) return { kind: 'invalid', problem: `from (${from}) is after to (${to})` };
  return {
    status: status === 'all' ? null : status as PayoutStatus,
    fromMs: from === null ? null : dayWindow(from, timeZone).fromMs,
    toMs: to === null ? null : dayWindow(to, timeZone).toMs,
    from, to,
  };
}

/**
 * The store's filter for a selection's page after `after` (none: its newest). The last day's end
 * bounds every page, whatever cursor is sent with the choice: a page starts at the earlier of the two.
 */
export function payoutFilterOf(s: PayoutSelection, after: PayoutCursor | undefined, limit: number): PayoutFilter {
  const lastDayEnd = s.toMs === null ? undefined : { requestedAtMs: s.toMs, payoutId: '' };
  const before = after === undefined || (lastDayEnd !== undefined && after.requestedAtMs >= lastDayEnd.requestedAtMs) ? lastDayEnd : after;
  return { status: s.status ?? undefined, requestedFromMs: s.fromMs ?? undefined, before, limit };
}

export interface PayoutFile {
  readonly fileName: string;
  readonly csv: string;
  readonly count: number;
  readonly totalSen: number;
  /** REQUESTED payouts to an account set under a day before them: to check with the merchant first. */
  readonly newAccounts: number;
}

/** How the file is read: a page at a time, and refused past `maxRows` (a test makes both small). */
export const PAYOUT_FILE_READS: Readonly<{ page: number; maxRows: number }> = Object.freeze({ page: 1000, maxRows: PAYOUT_FILE_MAX_ROWS });

/**
 * The payout file of a selection, newest first, read a page at a time; refused past
 * PAYOUT_FILE_MAX_ROWS. Its reading is recorded in the audit log (payout.download): the file holds
 * every account number whole.
 */
export async function payoutFile(
  store: Store, s: PayoutSelection, timeZone: string, acting: ActingAs, reads = PAYOUT_FILE_READS,
): Promise<PayoutFile | Invalid> {
  const payouts: Payout[] = [];
  let after: PayoutCursor | undefined;
  for (;;) {
    const page = await store.listPayouts(payoutFilterOf(s, after, reads.page));
    payouts.push(...page);
    if (payouts.length > reads.maxRows) {
      return { kind: 'invalid', problem: `more than ${reads.maxRows} payouts are chosen, more than one file holds: choose fewer days (from, to)` };
    }
    const last = page[page.length - 1];
    if (page.length < reads.page || last === undefined) break;
    after = { requestedAtMs: last.requestedAtMs, payoutId: last.payoutId };
  }
  const file = {
    fileName: payoutFileName(s), csv: payoutFileCsv(payouts, timeZone), count: payouts.length, totalSen: payoutTotalSen(payouts),
    newAccounts: payouts.filter((p) => newAccountAgeMs(p) !== null).length,
  };
  await store.recordAction(acting, {
    action: 'payout.download', mchId: null, subjectId: null,
    detail: { status: s.status ?? 'all', from: s.from, to: s.to, count: file.count, total: formatSen(file.totalSen), newAccounts: file.newAccounts },
  });
  return file;
}
