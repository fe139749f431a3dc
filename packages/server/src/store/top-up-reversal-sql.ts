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

/**
 * Top-ups under a request id (SQLite migration 32, PostgreSQL 33): the operator's or the console's
 * id for one top-up, so a top-up sent again after a lost answer, or a retried script, tops up once
 * (domain/wallet.ts decideTopUp).
 */
export function topUpRequestMigration(int: 'INTEGER' | 'BIGINT', strict: string): string {
  return `CREATE TABLE topup_requests (
  wallet_id     TEXT NOT NULL REFERENCES wallets (wallet_id),
  request_id    TEXT NOT NULL,
  amount_sen    ${int} NOT NULL CHECK (amount_sen > 0),
  created_at_ms ${int} NOT NULL,
  PRIMARY KEY (wallet_id, request_id)
)${strict};
`;
}

/** The top-up made under this request id of the wallet (`$1` the wallet, `$2` the id), if any. */
export const TOP_UP_REQUEST = 'SELECT amount_sen FROM topup_requests WHERE wallet_id = $1 AND request_id = $2';
export const INSERT_TOP_UP_REQUEST = 'INSERT INTO topup_requests (wallet_id, request_id, amount_sen, created_at_ms) VALUES ($1, $2, $3, $4)';

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
export const TRANSACTION_STATUS_COLUMNS = `CASE WHEN e.refund_id IS NOT NULL THEN r.status
            WHEN e.kind = 'topup' AND ${REVERSAL_OF_E} IS NOT NULL THEN 'REVERSED'
            ELSE o.status END AS status,
       CASE WHEN e.kind = 'payment' THEN o.refunded_sen END AS refunded_sen`;
