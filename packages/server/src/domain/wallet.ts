import { journalEntry, PLATFORM_FLOAT, walletAccount, type JournalEntry } from './ledger.js';

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
