import type { EntryToReverse } from '../domain/top-up-reversal.js';
import type { Row } from './rows.js';

/**
 * Top-up reversals (domain/top-up-reversal.ts), the same SQL on both stores. A reversal names the
 * top-up it takes back; the unique index lets each top-up be reversed at most once, whatever races.
 */
export function topUpReversalMigration(id: 'INTEGER' | 'BIGINT'): string {
  return `ALTER TABLE journal_entries ADD COLUMN reverses_entry_id ${id} REFERENCES journal_entries (entry_id);
CREATE UNIQUE INDEX journal_entries_one_reversal ON journal_entries (reverses_entry_id) WHERE reverses_entry_id IS NOT NULL;
`;
}

/** The entry that reversed the journal entry `e`, or NULL: one lookup in the unique index. */
const REVERSAL_OF_E = '(SELECT r.entry_id FROM journal_entries r WHERE r.reverses_entry_id = e.entry_id)';

/** One journal entry as it touched this wallet (`$1` the entry, `$2` the wallet's account), and the entry that reversed it. */
export const ENTRY_TO_REVERSE = `SELECT e.entry_id, e.kind, p.amount_sen, ${REVERSAL_OF_E} AS reversed_by
  FROM journal_entries e JOIN postings p ON p.entry_id = e.entry_id
 WHERE e.entry_id = $1 AND p.account_id = $2`;

export function toEntryToReverse(r: Row): EntryToReverse {
  return {
    entryId: Number(r.entry_id),
    kind: r.kind as EntryToReverse['kind'],
    amountSen: Number(r.amount_sen),
    reversedBy: r.reversed_by === null ? null : Number(r.reversed_by),
  };
}

/**
 * A wallet history row's status (recentTransactions, both stores): the refund's or the paid order's
 * status, and REVERSED for a top-up taken back (its reversal is a row of its own); and for a
 * payment, how much of it was refunded so far (a part refunded leaves the order PAID).
 */
export const TRANSACTION_STATUS = `CASE WHEN e.refund_id IS NOT NULL THEN r.status
            WHEN e.kind = 'topup' AND ${REVERSAL_OF_E} IS NOT NULL THEN 'REVERSED'
            ELSE o.status END AS status,
       CASE WHEN e.kind = 'payment' THEN o.refunded_sen END AS refunded_sen`;
