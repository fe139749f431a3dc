import type { EntryKind } from '../domain/ledger.js';
import type { PlatformDayRow } from '../domain/platform-day.js';
import type { Row } from './rows.js';

/**
 * The platform's day (domain/platform-day.ts), one statement for both stores (SQLite's through
 * sqliteSql), so one moment: the postings of every entry booked before the day's end (`$2`),
 * summed by whether the entry is of the day (at or after `$1`), its kind, the kind of account, and
 * for a payout's entries whose payout it is. Balances come from the postings, not from the cached
 * balances, so a past day's ends are what the ledger held then.
 *
 * There is no index of entries by time (PostgreSQL migration 3 dropped it: one page less per
 * payment), so this reads the whole journal once: its time grows with the ledger. A report run
 * once a day can afford that; every payment writing one more index page could not.
 */
export const PLATFORM_DAY_SQL = `SELECT
    CASE WHEN e.created_at_ms >= $1 THEN 1 ELSE 0 END AS in_day,
    e.kind,
    CASE WHEN p.account_id LIKE 'wallet:%' THEN 'wallet' WHEN p.account_id LIKE 'merchant:%' THEN 'merchant' ELSE p.account_id END AS account,
    CASE WHEN e.payout_id IS NULL THEN NULL WHEN po.mch_id IS NOT NULL THEN 'merchant' ELSE 'wallet' END AS payout_of,
    SUM(p.amount_sen) AS sen,
    COUNT(*) AS postings
  FROM journal_entries e
  JOIN postings p ON p.entry_id = e.entry_id
  LEFT JOIN payouts po ON po.payout_id = e.payout_id
 WHERE e.created_at_ms < $2
 GROUP BY 1, 2, 3, 4`;

/** PostgreSQL answers BIGINT sums and counts as text. */
export function toPlatformDayRow(r: Row): PlatformDayRow {
  return {
    inDay: Number(r.in_day) === 1,
    kind: r.kind as EntryKind,
    account: r.account as string,
    payoutOf: r.payout_of as PlatformDayRow['payoutOf'],
    sen: Number(r.sen),
    postings: Number(r.postings),
  };
}
