import type { AuditQuery } from '../audit.js';

/**
 * Invariants of the rows only the SQLite store keeps (migration 2), checked with the shared ones:
 * the per-account posting chains a wallet's history is read from.
 */
export const SQLITE_AUDIT_QUERIES: readonly AuditQuery[] = [
  {
    name: "every account's posting chain links each posting to the account's posting before it",
    sql: `SELECT 'posting ' || posting_id || ' (' || account_id || ') links to ' || COALESCE(prev_posting_id, 'nothing')
                 || ' but the posting before it is ' || COALESCE(expected, 'none') AS detail
            FROM (SELECT posting_id, account_id, prev_posting_id,
                         LAG(posting_id) OVER (PARTITION BY account_id ORDER BY posting_id) AS expected
                    FROM postings)
           WHERE prev_posting_id IS NOT expected
          UNION ALL
          SELECT 'account ' || a.id || ' points at posting ' || COALESCE(a.last_posting_id, 'none')
                 || ' but its latest is ' || COALESCE(m.latest, 'none') AS detail
            FROM accounts a LEFT JOIN (SELECT account_id, MAX(posting_id) AS latest FROM postings GROUP BY account_id) m
                 ON m.account_id = a.id
           WHERE a.last_posting_id IS NOT m.latest`,
  },
];
