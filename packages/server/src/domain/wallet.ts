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

/** A change refused because the wallet is closed: closing is final. */
export class WalletClosedError extends Error {
  override name = 'WalletClosedError';
}

/**
 * Throws (so the transaction rolls back) when the wallet is closed. A closed wallet can never pay
 * again, so money topped up into it would be stranded, and a new token, PIN or limit is pointless.
 */
export function checkWalletOpen(wallet: Wallet, change: 'top-ups' | 'new token, PIN or limit'): void {
  if (wallet.status === 'closed') throw new WalletClosedError(`wallet ${wallet.walletId} is closed (closing is final): it takes no ${change}`);
}

/** Throws (so the transaction rolls back) when the wallet is closed or the top-up would take it over the cap. */
export function checkTopUp(wallet: Wallet, amountSen: number): void {
  checkWalletOpen(wallet, 'top-ups');
  if (wallet.balanceSen + amountSen > MAX_WALLET_BALANCE_SEN) {
    throw new WalletBalanceLimitError(
      `top-up refused: wallet ${wallet.walletId} would hold ${formatSen(wallet.balanceSen + amountSen)}, above the limit of ${formatSen(MAX_WALLET_BALANCE_SEN)}`,
    );
  }
}

/** Why a wallet with this status may not be issued a payment code, or null when it may. */
export function payCodeRefusal(status: WalletStatus): 'WALLET_FROZEN' | 'WALLET_CLOSED' | null {
  if (status === 'active') return null;
  return status === 'closed' ? 'WALLET_CLOSED' : 'WALLET_FROZEN';
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
