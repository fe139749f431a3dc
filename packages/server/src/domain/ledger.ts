/**
 * Double-entry ledger. Every movement of money is one journal entry whose postings sum to zero.
 * A posting adds `amountSen` to its account's balance: the wallet pays (−), the merchant is paid
 * (+). The platform's float account is where topped-up money comes from, so it is the one account
 * allowed below zero: its negative balance is the money the operator owes its wallet holders.
 */
export type AccountId = string;

/** A journal entry's or a posting's id as text hands it out: a positive whole number, as digits. */
export const LEDGER_ID = /^[1-9][0-9]{0,14}$/;

export const PLATFORM_FLOAT: AccountId = 'platform:float';

/**
 * Where a payout's money waits between its request and its outcome (domain/payout.ts): it holds
 * exactly the REQUESTED payouts. When the bank confirms, the money leaves the platform the way
 * top-ups brought it in, back through the float.
 */
export const PLATFORM_PAYOUTS: AccountId = 'platform:payouts';

export function walletAccount(walletId: string): AccountId {
  return `wallet:${walletId}`;
}

export function merchantAccount(mchId: string): AccountId {
  return `merchant:${mchId}`;
}

/**
 * payout: an account → the payouts clearing account; payout_paid: clearing → float; payout_returned:
 * clearing → the account. topup_reversal: a top-up's amount from its wallet back to the float.
 */
export type EntryKind = 'topup' | 'topup_reversal' | 'payment' | 'refund' | 'payout' | 'payout_paid' | 'payout_returned';

/** Each kind of entry in words, as a history line or a refusal names it. */
export const ENTRY_KIND_WORDS: Readonly<Record<EntryKind, string>> = {
  topup: 'top-up', topup_reversal: 'top-up reversal', payment: 'payment', refund: 'refund',
  payout: 'payout', payout_paid: 'payout paid out', payout_returned: 'payout returned',
};

/** What an entry belongs to: the order it pays, the refund it returns, the payout it moves, or the top-up it reverses. */
export interface EntryRefs {
  readonly orderId?: string;
  readonly refundId?: string;
  readonly payoutId?: string;
  readonly reversesEntryId?: number;
}

export interface Posting {
  readonly accountId: AccountId;
  readonly amountSen: number;
}

export interface JournalEntry {
  readonly kind: EntryKind;
  readonly orderId: string | null;
  readonly refundId: string | null;
  readonly payoutId?: string | null;
  readonly reversesEntryId?: number | null;
  readonly postings: readonly Posting[];
  readonly createdAtMs: number;
}

export function journalEntry(
  kind: EntryKind,
  refs: EntryRefs,
  postings: readonly Posting[],
  createdAtMs: number,
): JournalEntry {
  let sum = 0;
  for (const p of postings) {
    assert(Number.isSafeInteger(p.amountSen) && p.amountSen !== 0, 'a posting moves a whole, non-zero number of sen');
    sum += p.amountSen;
  }
  assert(postings.length >= 2, 'an entry has at least two postings');
  assert(sum === 0, 'the postings of an entry sum to zero');
  const entry = { kind, orderId: refs.orderId ?? null, refundId: refs.refundId ?? null, postings, createdAtMs };
  if (refs.reversesEntryId !== undefined) return { ...entry, reversesEntryId: refs.reversesEntryId };
  return refs.payoutId === undefined ? entry : { ...entry, payoutId: refs.payoutId };
}

/** A fired assertion is a bug in MicroPay, not a user error: it aborts the transaction. */
export function assert(condition: boolean, invariant: string): asserts condition {
  if (!condition) throw new Error(`invariant violated: ${invariant}`);
}
