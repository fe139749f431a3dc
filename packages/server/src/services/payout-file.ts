import { formatSen, isCalendarDate, ResultCode } from '@micropay/protocol';
import type { FileConfirmationSummary } from '@micropay/protocol/payout-file';
import { dayWindow } from '../domain/statement.js';
import {
  decideFileConfirmation, decidePayoutFiling, type FileConfirmation, PAYOUT_FILE_MAX_ROWS, payoutFileCsv, payoutFileName, payoutTotalSen, type PayoutFiling, type PayoutSelection,
} from '../domain/payout-file.js';
import { newAccountAgeMs, type Payout, type PayoutStatus } from '../domain/payout.js';
import { audited, auditLogAppend, type ActingAs, type AuditRecord } from '../domain/audit-log.js';
import type { StorePort } from '../store/port.js';
import { payoutFinishedRecord } from './payouts.js';
import type { PayoutFilter, Store } from '../store/store.js';
import type { PayoutCursor } from '../domain/console-pages.js';
import type { Invalid } from './merchant-console.js';

/**
 * Which payouts, as the operator console's Payouts section, `payout list` and the payout file ask:
 * `new` (in no file yet), a status or `all`; a file's number; and the days they were requested, in
 * the platform's time zone, both ends included. The one reading of those fields, so the list shown
 * and the file saved hold the same.
 */
export interface PayoutQuery {
  /** `new` (the default: REQUESTED and in no file yet), a status, or `all`; with `file`, REQUESTED by default. */
  readonly status?: string | undefined;
  readonly from?: string | undefined;
  readonly to?: string | undefined;
  /** A payout file's number: only its payouts. */
  readonly file?: string | undefined;
}

/** A payout file's number as typed: 1, 2, … */
export const PAYOUT_FILE_NO = /^[1-9][0-9]{0,8}$/;
export const PAYOUT_FILE_NO_PROBLEM = 'must be a payout file\'s number, e.g. "12"';

export const PAYOUT_STATUSES: readonly PayoutStatus[] = ['REQUESTED', 'PAID_OUT', 'FAILED'];

/** What a choice's status may be: `new`, a payout's status, or `all`. */
export const PAYOUT_CHOICES: readonly string[] = ['new', ...PAYOUT_STATUSES, 'all'];

export function payoutSelectionOf(q: PayoutQuery, timeZone: string): PayoutSelection | Invalid {
  const fileNo = q.file === undefined || q.file === '' ? null : q.file;
  if (fileNo !== null && !PAYOUT_FILE_NO.test(fileNo)) return { kind: 'invalid', problem: `file ${PAYOUT_FILE_NO_PROBLEM}` };
  // A file saved again holds, unless asked otherwise, only what still waits: the transfers to resend.
  const status = q.status ?? (fileNo === null ? 'new' : 'REQUESTED');
  if (!PAYOUT_CHOICES.includes(status)) return { kind: 'invalid', problem: `status must be one of ${PAYOUT_CHOICES.join(', ')}` };
  if (status === 'new' && fileNo !== null) return { kind: 'invalid', problem: `status new is the payouts in no file yet, not file ${fileNo}'s: choose a status for a file` };
  const from = q.from === undefined || q.from === '' ? null : q.from;
  const to = q.to === undefined || q.to === '' ? null : q.to;
  for (const [name, date] of [['from', from], ['to', to]] as const) {
    if (date !== null && !isCalendarDate(date)) return { kind: 'invalid', problem: `${name} must be a date as yyyy-MM-dd, e.g. "2026-12-01"` };
  }
  if (from !== null && to !== null && from > to) return { kind: 'invalid', problem: `from (${from}) is after to (${to})` };
  return {
    status: status === 'all' ? null : status === 'new' ? 'REQUESTED' : status as PayoutStatus,
    file: status === 'new' ? 'new' : fileNo === null ? null : Number(fileNo),
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
  return {
    status: s.status ?? undefined, requestedFromMs: s.fromMs ?? undefined, before, limit,
    unfiled: s.file === 'new' || undefined, fileNo: typeof s.file === 'number' ? s.file : undefined,
  };
}

export interface PayoutFile {
  readonly fileName: string;
  readonly csv: string;
  /** The file's number when it is a numbered file: made now of the payouts in none, or one made before. */
  readonly fileNo: number | null;
  readonly count: number;
  readonly totalSen: number;
  /** REQUESTED payouts to an account set under a day before them: to check with the merchant first. */
  readonly newAccounts: number;
  /** Payouts of a file made before (not `fileNo`'s): finance may have transferred them already. */
  readonly inEarlierFiles: number;
  /** Payouts PAID_OUT or FAILED already: never to transfer again. */
  readonly finished: number;
}

/** How the file is read: a page at a time, and refused past `maxRows` (a test makes both small). */
export const PAYOUT_FILE_READS: Readonly<{ page: number; maxRows: number }> = Object.freeze({ page: 1000, maxRows: PAYOUT_FILE_MAX_ROWS });

const TOO_MANY = (maxRows: number) => `more than ${maxRows} payouts are chosen, more than one file holds: choose fewer days (from, to)`;

/**
 * The payout file of a selection, newest first; refused past PAYOUT_FILE_MAX_ROWS. A choice of the
 * payouts in no file yet (`new`) makes a new numbered file of them (filePayouts); any other only
 * reads. Either is recorded in the audit log (payout.download): the file holds every account
 * number whole.
 */
export async function payoutFile(
  store: Store, s: PayoutSelection, timeZone: string, acting: ActingAs, reads = PAYOUT_FILE_READS,
): Promise<PayoutFile | Invalid> {
  if (s.file === 'new') {
    const filing = await store.filePayouts(s, reads.maxRows, acting);
    if (filing.kind === 'tooMany') return { kind: 'invalid', problem: TOO_MANY(filing.maxRows) };
    if (filing.kind === 'filed') return fileOf(s, filing.payouts, filing.fileNo, timeZone);
    // No file was made, so its transaction wrote nothing: the look is recorded here.
    const none = fileOf(s, [], null, timeZone);
    await store.recordAction(acting, downloadRecord(s, none));
    return none;
  }
  const unmade = await unmadeFileProblem(store, s);
  if (unmade !== null) return unmade;
  const payouts = await readPayouts(store, s, reads);
  if (payouts === null) return { kind: 'invalid', problem: TOO_MANY(reads.maxRows) };
  const file = fileOf(s, payouts, typeof s.file === 'number' ? s.file : null, timeZone);
  await store.recordAction(acting, downloadRecord(s, file));
  return file;
}

/** A file chosen that was never made (a mistyped number) is named, not answered as one with no payouts. */
export async function unmadeFileProblem(store: Store, s: PayoutSelection): Promise<Invalid | null> {
  if (typeof s.file !== 'number') return null;
  const last = await store.lastPayoutFileNo();
  if (s.file <= last) return null;
  return { kind: 'invalid', problem: unmadeFileWords(s.file, last) };
}

/** Every page of the selection; null past `maxRows`. */
async function readPayouts(store: Store, s: PayoutSelection, reads: typeof PAYOUT_FILE_READS): Promise<Payout[] | null> {
  const payouts: Payout[] = [];
  let after: PayoutCursor | undefined;
  for (;;) {
    const page = await store.listPayouts(payoutFilterOf(s, after, reads.page));
    payouts.push(...page);
    if (payouts.length > reads.maxRows) return null;
    const last = page[page.length - 1];
    if (page.length < reads.page || last === undefined) return payouts;
    after = { requestedAtMs: last.requestedAtMs, payoutId: last.payoutId };
  }
}

type PayoutFileSums = Omit<PayoutFile, 'fileName' | 'csv'>;

function sumsOf(payouts: readonly Payout[], fileNo: number | null): PayoutFileSums {
  return {
    fileNo, count: payouts.length, totalSen: payoutTotalSen(payouts),
    newAccounts: payouts.filter((p) => newAccountAgeMs(p) !== null).length,
    inEarlierFiles: payouts.filter((p) => p.fileNo !== null && p.fileNo !== fileNo).length,
    finished: payouts.filter((p) => p.status !== 'REQUESTED').length,
  };
}

function fileOf(s: PayoutSelection, payouts: readonly Payout[], fileNo: number | null, timeZone: string): PayoutFile {
  return { fileName: payoutFileName(s, fileNo), csv: payoutFileCsv(payouts, timeZone), ...sumsOf(payouts, fileNo) };
}

/** The audit row of a download: what was chosen, the file's number, and what it holds. */
function downloadRecord(s: PayoutSelection, f: PayoutFileSums): AuditRecord {
  return {
    action: 'payout.download', mchId: null, subjectId: null,
    detail: {
      status: s.file === 'new' ? 'new' : s.status ?? 'all', file: f.fileNo, from: s.from, to: s.to,
      count: f.count, total: formatSen(f.totalSen), newAccounts: f.newAccounts,
    },
  };
}

/**
 * A new payout file of the REQUESTED payouts in no file yet, within the selection's days, in one
 * transaction that numbers the file, marks each payout as in it and records the download: two
 * downloads at once share no payout, and a file whose record failed marks nothing. Nothing waiting
 * outside a file makes no file, and writes nothing (payoutFile records the look).
 */
export function filePayouts(port: StorePort, s: PayoutSelection, maxRows: number, acting: ActingAs): Promise<PayoutFiling> {
  const window = { fromMs: s.fromMs ?? 0, toMs: s.toMs ?? Number.MAX_SAFE_INTEGER, limit: maxRows + 1 };
  return port.decide({ view: 'payoutsToFile', ...window }, (view, nowMs) =>
    audited(decidePayoutFiling(view, maxRows, nowMs), acting, nowMs, (d) => (d.kind !== 'filed' ? null : downloadRecord(s, sumsOf(d.payouts, d.fileNo)))));
}

/** A file number never made, named with the last one made. */
export function unmadeFileWords(fileNo: number, lastFileNo: number): string {
  return `file ${fileNo} was never made: ${lastFileNo === 0 ? 'no payout file is made yet' : `the last payout file is ${lastFileNo}`}`;
}

/**
 * The bank paid the rest of payout file `fileNo`: its payouts still REQUESTED become PAID_OUT in
 * one transaction, when they sum to `controlTotalSen` (domain/payout-file.ts), each with the
 * `payout.confirm` row one confirmation writes, naming the file. A total that differs moves no
 * payout, and is itself an audit row: finance sees who reported which total against what waited.
 */
export function confirmPayoutFile(port: StorePort, fileNo: number, controlTotalSen: number, acting: ActingAs): Promise<FileConfirmation> {
  return port.decide({ view: 'payoutsOfFile', fileNo }, (view, nowMs) => {
    const decided = decideFileConfirmation(fileNo, controlTotalSen, view, nowMs);
    const r = decided.result;
    if (r.kind === 'totalDiffers') return { result: r, effects: [auditLogAppend(acting, refusedFileRecord(fileNo, controlTotalSen, r), nowMs)] };
    if (r.kind !== 'confirmed') return decided;
    const rows = r.payouts.map((p) => auditLogAppend(acting, payoutFinishedRecord(p, fileNo), nowMs));
    return { result: r, effects: [...decided.effects, ...rows] };
  });
}

function refusedFileRecord(fileNo: number, reportedSen: number, r: Extract<FileConfirmation, { kind: 'totalDiffers' }>): AuditRecord {
  return {
    action: 'payout.confirmFileRefused', mchId: null, subjectId: null,
    detail: { file: fileNo, total: formatSen(reportedSen), waiting: r.count, waitingTotal: formatSen(r.totalSen) },
  };
}

/** Why a file's confirmation moved nothing, with its code, as `payout confirm-file` and the console say it; null: it did not refuse. */
export function fileConfirmationRefusal(c: FileConfirmation, fileNo: number, totalSen: number): { readonly code: number; readonly detail: string } | null {
  if (c.kind === 'unmade') return { code: ResultCode.PARAM_ERROR, detail: unmadeFileWords(fileNo, c.lastFileNo) };
  if (c.kind !== 'totalDiffers') return null;
  return {
    code: ResultCode.PAYOUT_FILE_TOTAL_DIFFERS,
    detail: `${c.count === 1 ? 'the 1 payout' : `the ${c.count} payouts`} of file ${fileNo} still REQUESTED ${c.count === 1 ? 'comes' : 'come'} to ${formatSen(c.totalSen)}, not ${formatSen(totalSen)}: no payout was confirmed. ` +
      "Record the bank's refusals first, then confirm the rest",
  };
}

/** A file's confirmation as the CLI's JSON and the console's answer give it: the payouts it moved (none: a repeat). */
export function fileConfirmationWire(c: FileConfirmation, fileNo: number): FileConfirmationSummary & { payoutIds: string[]; repeat: boolean } {
  const payouts = c.kind === 'confirmed' ? c.payouts : [];
  return {
    file: fileNo, confirmed: payouts.length, total: formatSen(payoutTotalSen(payouts)), payoutIds: payouts.map((p) => p.payoutId), repeat: c.kind !== 'confirmed',
  };
}
