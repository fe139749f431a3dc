import { formatSen } from '@micropay/protocol';
import { journalEntry, PLATFORM_FLOAT, walletAccount, type JournalEntry } from './ledger.js';

/**
 * The most a wallet may hold: 100,000,000,000.00. Balances are integers of sen in the database and
 * JavaScript numbers in the code, which are exact only up to 2^53 (about 90,071,992,547,409.91);
 * this cap keeps every wallet, and the platform float that funds them all, far inside that.
 */
export const MAX_WALLET_BALANCE_SEN = 100_000_000_000_00;

export class WalletBalanceLimitError extends Error {
  override name = 'WalletBalanceLimitError';
}

/** Throws (so the transaction rolls back) when the top-up would take the wallet over the cap. */
export function checkTopUp(walletId: string, balanceSen: number, amountSen: number): void {
  if (balanceSen + amountSen > MAX_WALLET_BALANCE_SEN) {
    throw new WalletBalanceLimitError(
      `top-up refused: wallet ${walletId} would hold ${formatSen(balanceSen + amountSen)}, above the limit of ${formatSen(MAX_WALLET_BALANCE_SEN)}`,
    );
  }
}

/** A top-up brings money into a wallet from the platform's float. */
export function topUpEntry(walletId: string, amountSen: number, nowMs: number): JournalEntry {
  return journalEntry(
    'topup',
    {},
    [
      { accountId: PLATFORM_FLOAT, amountSen: -amountSen },
      { accountId: walletAccount(walletId), amountSen },
    ],
    nowMs,
  );
}
