import { formatSen } from '@micropay/protocol';
import type { Effect } from './effects.js';
import { ENTRY_KIND_WORDS, journalEntry, PLATFORM_FLOAT, walletAccount, type EntryKind, type JournalEntry } from './ledger.js';
import { availableSen, type Wallet } from './model.js';

/**
 * Taking a top-up back (docs/operations.md, "A top-up made by mistake"). The ledger is append-only:
 * the top-up stays, and a correction entry moves its whole amount from the wallet back to the
 * platform float. At most one per top-up (a unique index holds it too), and only while the wallet
 * has the whole amount available: it never takes a wallet below zero, nor money held for a payment
 * awaiting confirmation. (Spent and topped up again since, the later money would be taken: the
 * operator reads the history first, docs/operations.md.)
 */

/** A wallet's journal entry as a reversal reads it: its kind, what it moved to the wallet, and its reversal if any. */
export interface EntryToReverse {
  readonly entryId: number;
  readonly kind: EntryKind;
  /** What the entry moved to (positive) or from (negative) the wallet. */
  readonly amountSen: number;
  /** The entry that reversed this one, or null. */
  readonly reversedBy: number | null;
}

/** A reversal refused for the wallet's or the entry's state; nothing was written (9060). */
export class TopUpReversalRefused extends Error {
  override name = 'TopUpReversalRefused';
}

/** The reversal's effects, the wallet after it and the amount taken back; throws TopUpReversalRefused when it may not be made. */
export function reverseTopUp(
  wallet: Wallet, entry: EntryToReverse | null, entryId: number, nowMs: number,
): { wallet: Wallet; effects: Effect[]; amountSen: number } {
  const refuse = (why: string): never => {
    throw new TopUpReversalRefused(`entry ${entryId} of wallet ${wallet.walletId} was not reversed: ${why}`);
  };
  if (entry === null) return refuse(`the wallet has no journal entry ${entryId}`);
  if (entry.kind !== 'topup') return refuse(`entry ${entryId} is a ${ENTRY_KIND_WORDS[entry.kind]}, not a top-up${entry.kind === 'payment' ? ' (a payment is taken back by a refund)' : ''}`);
  if (entry.reversedBy !== null) return refuse(`it was reversed already, by entry ${entry.reversedBy}`);
  if (wallet.status === 'closed') return refuse('the wallet is closed, and what it held was paid out when it closed');
  const available = availableSen(wallet);
  if (available < entry.amountSen) {
    return refuse(`the wallet has ${formatSen(available)} available, less than the top-up's ${formatSen(entry.amountSen)}: the holder has spent part of it, or it is held for a payment awaiting confirmation`);
  }
  return {
    wallet: { ...wallet, balanceSen: wallet.balanceSen - entry.amountSen },
    effects: [{ kind: 'book', entry: reversalEntry(wallet.walletId, entry, nowMs) }],
    amountSen: entry.amountSen,
  };
}

/** The correction: the top-up's amount from the wallet back to the float, naming the top-up. */
function reversalEntry(walletId: string, topUp: EntryToReverse, nowMs: number): JournalEntry {
  const postings = [
    { accountId: walletAccount(walletId), amountSen: -topUp.amountSen },
    { accountId: PLATFORM_FLOAT, amountSen: topUp.amountSen },
  ];
  return journalEntry('topup_reversal', { reversesEntryId: topUp.entryId }, postings, nowMs);
}
