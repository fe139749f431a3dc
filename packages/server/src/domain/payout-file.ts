import { formatSen, formatWireTime } from '@micropay/protocol';
import { csvLine, csvText } from './csv.js';
import { newAccountAgeMs, type Payout, type PayoutStatus } from './payout.js';

/**
 * The payout file (docs/operations.md, "The payout file"): payouts as finance takes them to the
 * bank, one row each, the account whole. Pure: the service reads the payouts, this writes them.
 */
export const PAYOUT_FILE_COLUMNS = [
  'payoutId', 'status', 'amount', 'merchantId', 'walletId', 'requestId', 'holderName', 'bankName', 'accountNumber',
  'newAccount', 'requestedAt', 'finishedAt', 'failReason',
] as const;

/**
 * More than this in one file is refused, with a word to choose fewer days: the file is built in
 * memory, and no bank takes a batch that large at once.
 */
export const PAYOUT_FILE_MAX_ROWS = 20_000;

/** Which payouts a file or list holds: a status (none: every one) and the days they were requested. */
export interface PayoutSelection {
  readonly status: PayoutStatus | null;
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
    p.failReason ?? '',
  ]));
  return csvText([PAYOUT_FILE_COLUMNS.join(','), ...rows]);
}

/** `payouts-REQUESTED-2026-12-01-to-2026-12-07.csv`; `all` and `start` / `now` where not chosen. */
export function payoutFileName(s: PayoutSelection): string {
  return `payouts-${s.status ?? 'all'}-${s.from ?? 'start'}-to-${s.to ?? 'now'}.csv`;
}

/** The sum a bank batch is checked against. */
export function payoutTotalSen(payouts: readonly Payout[]): number {
  return payouts.reduce((sum, p) => sum + p.amountSen, 0);
}
