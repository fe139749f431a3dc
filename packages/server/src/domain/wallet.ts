import { formatSen } from '@micropay/protocol';
import { journalEntry, PLATFORM_FLOAT, walletAccount, type JournalEntry } from './ledger.js';
import type { Wallet, WalletStatus } from './model.js';

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

/**
 * Wallet status changes: an active or frozen wallet may be frozen, unfrozen or closed; closing is
 * final, so a closed wallet is never frozen or reopened. Setting the status it has already is
 * allowed and changes nothing.
 */
export function canChangeWalletStatus(from: WalletStatus, to: WalletStatus): boolean {
  return from !== 'closed' || to === 'closed';
}

/** Why the wallet's status may not become `to`, or null when it may. */
export function walletStatusProblem(wallet: Wallet, to: WalletStatus): string | null {
  return canChangeWalletStatus(wallet.status, to) ? null : `wallet ${wallet.walletId} is closed; closing is final`;
}
