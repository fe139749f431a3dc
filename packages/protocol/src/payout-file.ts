/**
 * The payout file's summary (docs/operations.md, "The payout file"): the headers the operator
 * console's download carries it in, and the words finance is told it in, by the console and by
 * `micropay payout export` alike. No Node.js imports.
 */
export const PAYOUT_FILE_HEADERS = { count: 'X-Payout-Count', total: 'X-Payout-Total', newAccounts: 'X-Payout-New-Accounts' } as const;

export interface PayoutFileSummary {
  readonly count: number;
  /** A decimal string, like every amount. */
  readonly total: string;
  /** REQUESTED payouts to an account set under a day before them. */
  readonly newAccounts: number;
  /** Whether the file holds only REQUESTED payouts: the transfers still to make. */
  readonly requested: boolean;
}

export function payoutFileWords(f: PayoutFileSummary): string {
  const words = [`${f.count} payout${f.count === 1 ? '' : 's'}, ${f.total} in all`];
  if (f.newAccounts > 0) {
    words.push(`${f.newAccounts} to a NEW ACCOUNT (newAccount yes): check ${f.newAccounts === 1 ? 'it' : 'them'} with the merchant before transferring`);
  }
  const sentence = `${words.join('; ')}.`;
  // A file does not change a payout: the same transfers are in tomorrow's file until recorded.
  return f.requested && f.count > 0 ? `${sentence} They stay REQUESTED, and in the next file, until each is confirmed or failed.` : sentence;
}
