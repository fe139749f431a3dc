import { formatSen, formatWireTime } from '@micropay/protocol';
import { csvLine, csvText } from './csv.js';
import { unchanged, type Decided } from './effects.js';
import { assert } from './ledger.js';
import { decidePayoutFinish, newAccountAgeMs, type Payout, type PayoutStatus } from './payout.js';

/**
 * The payout file (docs/operations.md, "The payout file"): payouts as finance takes them to the
 * bank, one row each, the account whole. Pure: the service reads the payouts, this writes them.
 *
 * A file of the REQUESTED payouts in no file yet is numbered, and its payouts marked as in it, in
 * the transaction that reads them (decidePayoutFiling): the next such file cannot hold them again,
 * so finance is never handed the same transfer twice. Any other choice only reads, and its rows
 * say which file each payout was put in (`file`).
 */
export const PAYOUT_FILE_COLUMNS = [
  'payoutId', 'status', 'amount', 'merchantId', 'walletId', 'requestId', 'holderName', 'bankName', 'accountNumber',
  'newAccount', 'requestedAt', 'finishedAt', 'failReason', 'file',
] as const;

/**
 * More than this in one file is refused, with a word to choose fewer days: the file is built in
 * memory, and no bank takes a batch that large at once.
 */
export const PAYOUT_FILE_MAX_ROWS = 20_000;

/**
 * Which payouts a file or list holds: a status (none: every one), the days they were requested,
 * and a file: `new` (REQUESTED and in no file yet: downloading them makes a new file) or one file's.
 */
export interface PayoutSelection {
  readonly status: PayoutStatus | null;
  /** 'new': only payouts in no file yet (status REQUESTED); a number: only that file's; null: any. */
  readonly file: 'new' | number | null;
  /** The first day's first millisecond, in the platform's time zone; null: from the first payout. */
  readonly fromMs: number | null;
  /** The first millisecond after the last day; null: to now. */
  readonly toMs: number | null;
  /** The dates as asked (`yyyy-MM-dd`), for the file's name. */
  readonly from: string | null;
  readonly to: string | null;
}

/**
 * The file: a header, then one row per payout in the order given (newest first). Times are the
 * platform's wall clock, as in statements. `newAccount` is `yes` on a REQUESTED payout to an
 * account set under a day before it (domain/payout.ts): check it with the merchant first.
 */
export function payoutFileCsv(payouts: readonly Payout[], timeZone: string): string {
  const rows = payouts.map((p) => csvLine([
    p.payoutId, p.status, formatSen(p.amountSen), p.mchId ?? '', p.walletId ?? '', p.requestId ?? '',
    p.destination?.holderName ?? '', p.destination?.bankName ?? '', p.destination?.accountNumber ?? '',
    newAccountAgeMs(p) === null ? '' : 'yes',
    formatWireTime(p.requestedAtMs, timeZone), p.finishedAtMs === null ? '' : formatWireTime(p.finishedAtMs, timeZone),
    p.failReason ?? '', p.fileNo === null ? '' : String(p.fileNo),
  ]));
  return csvText([PAYOUT_FILE_COLUMNS.join(','), ...rows]);
}

/**
 * A numbered file's `payout-file-12.csv`, whenever it is saved; else what was chosen,
 * `payouts-REQUESTED-2026-12-01-to-2026-12-07.csv`, with `all` and `start` / `now` where not chosen.
 */
export function payoutFileName(s: PayoutSelection, fileNo: number | null): string {
  if (fileNo !== null) return `payout-file-${fileNo}.csv`;
  return `payouts-${s.file === 'new' ? 'new' : s.status ?? 'all'}-${s.from ?? 'start'}-to-${s.to ?? 'now'}.csv`;
}

/** The sum a bank batch is checked against. */
export function payoutTotalSen(payouts: readonly Payout[]): number {
  return payouts.reduce((sum, p) => sum + p.amountSen, 0);
}

/**
 * What a new payout file is decided on, read in its transaction: the REQUESTED payouts in no file
 * yet within the chosen days, newest first, locked against a file made beside this one (at most
 * one more than a file may hold, to tell that there are too many), and the last file's number.
 */
export interface PayoutsToFile {
  readonly payouts: readonly Payout[];
  readonly lastFileNo: number;
}

export type PayoutFiling =
  | { readonly kind: 'filed'; readonly fileNo: number; readonly payouts: readonly Payout[] }
  /** Nothing waits outside a file: no file is numbered, and the download is its header alone. */
  | { readonly kind: 'empty' }
  | { readonly kind: 'tooMany'; readonly maxRows: number };

/** The next file: every payout of the view, marked as in it; refused past `maxRows`. */
export function decidePayoutFiling(view: PayoutsToFile, maxRows: number, nowMs: number): Decided<PayoutFiling> {
  if (view.payouts.length === 0) return unchanged({ kind: 'empty' });
  if (view.payouts.length > maxRows) return unchanged({ kind: 'tooMany', maxRows });
  assert(view.payouts.every((p) => p.status === 'REQUESTED' && p.fileNo === null), 'a new file holds REQUESTED payouts in no file yet');
  const fileNo = view.lastFileNo + 1;
  const payouts = view.payouts.map((p) => ({ ...p, fileNo }));
  return {
    result: { kind: 'filed', fileNo, payouts },
    effects: [{ kind: 'insertPayoutFile', fileNo, madeAtMs: nowMs, count: payouts.length, totalSen: payoutTotalSen(payouts) },
      { kind: 'filePayouts', fileNo, payoutIds: payouts.map((p) => p.payoutId) }],
  };
}

/**
 * What confirming a whole file is decided on, read in its transaction: the file's payouts still
 * REQUESTED, locked as a single confirmation locks one, and the last file's number.
 */
export interface PayoutsOfFile {
  readonly waiting: readonly Payout[];
  readonly lastFileNo: number;
}

export type FileConfirmation =
  | { readonly kind: 'confirmed'; readonly fileNo: number; readonly payouts: readonly Payout[]; readonly totalSen: number }
  | { readonly kind: 'unmade'; readonly lastFileNo: number }
  /** Every payout of the file has its outcome already: nothing moves again. */
  | { readonly kind: 'nothingWaiting' }
  /** The total the bank reported is not the sum of the payouts still waiting: nothing moves. */
  | { readonly kind: 'totalDiffers'; readonly count: number; readonly totalSen: number };

/**
 * The bank paid the rest of file `fileNo`: every payout of it still REQUESTED is PAID_OUT, each as
 * one confirmation would (decidePayoutFinish), together or not at all. `controlTotalSen` is the
 * bank's total for what it paid: the sum of those payouts must be exactly it, so a file read wrong,
 * or a refusal not yet recorded as FAILED, moves nothing.
 */
export function decideFileConfirmation(fileNo: number, controlTotalSen: number, view: PayoutsOfFile, nowMs: number): Decided<FileConfirmation> {
  if (fileNo > view.lastFileNo) return unchanged({ kind: 'unmade', lastFileNo: view.lastFileNo });
  if (view.waiting.length === 0) return unchanged({ kind: 'nothingWaiting' });
  const totalSen = payoutTotalSen(view.waiting);
  if (totalSen !== controlTotalSen) return unchanged({ kind: 'totalDiffers', count: view.waiting.length, totalSen });
  const finished = view.waiting.map((p) => decidePayoutFinish(p, { status: 'PAID_OUT' }, nowMs));
  const payouts = finished.map(({ result }) => {
    assert(result.kind === 'finished', 'a payout still REQUESTED is finished by its confirmation');
    return result.payout;
  });
  return { result: { kind: 'confirmed', fileNo, payouts, totalSen }, effects: finished.flatMap((f) => f.effects) };
}
