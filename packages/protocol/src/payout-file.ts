/**
 * The payout file's summary (docs/operations.md, "The payout file"): the headers the operator
 * console's download carries it in, and the words finance is told it in, by the console and by
 * `micropay payout export` alike. No Node.js imports.
 */
export const PAYOUT_FILE_HEADERS = {
  count: 'X-Payout-Count', total: 'X-Payout-Total', newAccounts: 'X-Payout-New-Accounts',
  /** The file's number: a file made now of the payouts in none, or one made before, saved again. */
  fileNo: 'X-Payout-File',
  /** Payouts in a file made before this one (or the file chosen): finance may have sent them. */
  inEarlierFiles: 'X-Payout-In-Earlier-Files',
  /** Payouts PAID_OUT or FAILED already, in a file saved again. */
  finished: 'X-Payout-Finished',
} as const;

export interface PayoutFileSummary {
  readonly count: number;
  /** A decimal string, like every amount. */
  readonly total: string;
  /** REQUESTED payouts to an account set under a day before them. */
  readonly newAccounts: number;
  /** The file's number; null: the choice was not one file's (or nothing waited outside a file). */
  readonly fileNo: number | null;
  /** Whether the choice was the payouts in no file yet: a file was made of them, if there were any. */
  readonly made: boolean;
  readonly inEarlierFiles: number;
  /** Payouts PAID_OUT or FAILED already. */
  readonly finished: number;
}

export function payoutFileWords(f: PayoutFileSummary): string {
  if (f.made && f.fileNo === null) return 'No payouts wait outside a payout file: no file was numbered, and this one holds its header alone.';
  const what = [`${f.count} payout${f.count === 1 ? '' : 's'}, ${f.total} in all`];
  if (f.newAccounts > 0) {
    what.push(`${f.newAccounts} to a NEW ACCOUNT (newAccount yes): check ${f.newAccounts === 1 ? 'it' : 'them'} with the merchant before transferring`);
  }
  const them = f.count === 1 ? 'It is' : 'They are';
  if (f.made) {
    return `Payout file ${f.fileNo}: ${what.join('; ')}. ${them} marked as in file ${f.fileNo}, and no new file will hold ${f.count === 1 ? 'it' : 'them'} again; ` +
      'confirm or fail each when the bank answers.';
  }
  const head = f.fileNo === null ? '' : `Payout file ${f.fileNo} again, as its payouts are now: `;
  // A file saved again to resend: what the bank answered already must not go again.
  const done = f.fileNo === null || f.finished === 0 ? '' : ` ${f.finished} of them ${f.finished === 1 ? 'is' : 'are'} PAID_OUT or FAILED already: do not transfer ${f.finished === 1 ? 'it' : 'them'} again.`;
  // A chosen status is not a file: what an earlier file held may be at the bank already.
  const earlier = f.inEarlierFiles === 0 ? '' : ` ${f.inEarlierFiles} of them ${f.inEarlierFiles === 1 ? 'is' : 'are'} in a payout file made before (column file): ` +
    'the bank may have been sent them already; do not transfer them again.';
  return `${head}${what.join('; ')}.${earlier}${done}`;
}

/** What confirming the rest of a payout file did (`payout confirm-file`, the console): the wire of its answer. */
export interface FileConfirmationSummary {
  readonly file: number;
  /** How many became PAID_OUT; 0: none waited (a repeat). */
  readonly confirmed: number;
  readonly total: string;
}

export function fileConfirmationWords(c: FileConfirmationSummary): string {
  if (c.confirmed === 0) return `No payout of file ${c.file} is still REQUESTED: each has its outcome already. Nothing moved.`;
  return `Payout file ${c.file}: ${c.confirmed} payout${c.confirmed === 1 ? ' is' : 's are'} PAID_OUT, ${c.total} in all: the money has left the platform.`;
}
