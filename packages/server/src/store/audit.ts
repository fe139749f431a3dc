/**
 * The ledger's invariants as queries. Each returns one row per violation with a `detail` column;
 * the same standard SQL runs on SQLite and PostgreSQL. An empty result is a passed check.
 */
export interface AuditQuery {
  readonly name: string;
  readonly sql: string;
}

export const AUDIT_QUERIES: readonly AuditQuery[] = [
  {
    name: 'every journal entry sums to zero and has at least two postings',
    sql: `SELECT 'entry ' || e.entry_id || ' (' || e.kind || '): postings sum to ' || COALESCE(SUM(p.amount_sen), 0)
                 || ' over ' || COUNT(p.posting_id) || ' postings' AS detail
            FROM journal_entries e LEFT JOIN postings p ON p.entry_id = e.entry_id
           GROUP BY e.entry_id, e.kind
          HAVING COALESCE(SUM(p.amount_sen), 0) <> 0 OR COUNT(p.posting_id) < 2`,
  },
  {
    name: 'every cached balance equals the sum of its postings',
    sql: `SELECT 'account ' || a.id || ': balance ' || a.balance_sen || ' but postings sum to ' || COALESCE(s.total, 0) AS detail
            FROM accounts a
            LEFT JOIN (SELECT account_id, SUM(amount_sen) AS total FROM postings GROUP BY account_id) s
                   ON s.account_id = a.id
           WHERE a.balance_sen <> COALESCE(s.total, 0)`,
  },
  {
    name: 'no wallet or merchant balance is negative, and holds are covered',
    sql: `SELECT 'account ' || id || ': balance ' || balance_sen || ', held ' || held_sen AS detail
            FROM accounts
           WHERE kind <> 'platform' AND (balance_sen < 0 OR held_sen < 0 OR held_sen > balance_sen)`,
  },
  {
    name: "every wallet's held amount equals its PENDING orders",
    sql: `SELECT 'wallet ' || w.wallet_id || ': held ' || a.held_sen || ' but PENDING orders total ' || COALESCE(p.total, 0) AS detail
            FROM wallets w
            JOIN accounts a ON a.id = w.account_id
            LEFT JOIN (SELECT wallet_id, SUM(amount_sen) AS total FROM orders WHERE status = 'PENDING' GROUP BY wallet_id) p
                   ON p.wallet_id = w.wallet_id
           WHERE a.held_sen <> COALESCE(p.total, 0)`,
  },
  {
    name: 'every paid order (PAID or refunded since) has exactly one payment entry of its amount, from its wallet to its merchant',
    sql: `SELECT 'order ' || o.order_id || ' (' || o.mch_id || '/' || o.mch_order_id || ', ' || o.amount_sen
                 || ' sen, ' || o.status || '): ' || COUNT(e.entry_id) || ' payment entries, ' || COALESCE(SUM(m.amount_sen), 0)
                 || ' sen to the merchant, ' || COALESCE(SUM(w.amount_sen), 0) || ' sen from the wallet' AS detail
            FROM orders o
            LEFT JOIN journal_entries e ON e.order_id = o.order_id AND e.kind = 'payment'
            LEFT JOIN postings m ON m.entry_id = e.entry_id AND m.account_id = 'merchant:' || o.mch_id
            LEFT JOIN postings w ON w.entry_id = e.entry_id AND w.account_id = 'wallet:' || o.wallet_id
           WHERE o.status IN ('PAID', 'REFUND_IN_PROCESS', 'REFUNDED', 'REFUND_FAILED')
           GROUP BY o.order_id, o.mch_id, o.mch_order_id, o.amount_sen, o.status
          HAVING COUNT(e.entry_id) <> 1 OR COALESCE(SUM(m.amount_sen), 0) <> o.amount_sen
              OR COALESCE(SUM(w.amount_sen), 0) <> -o.amount_sen`,
  },
  {
    name: 'orders that never completed moved no money',
    sql: `SELECT 'order ' || o.order_id || ' (' || o.status || ') has payment entry ' || e.entry_id AS detail
            FROM orders o JOIN journal_entries e ON e.order_id = o.order_id AND e.kind = 'payment'
           WHERE o.status IN ('NEW', 'PENDING', 'FAILED')`,
  },
  {
    name: 'a payment code pays at most one order',
    sql: `SELECT 'payment code ending ' || substr(pay_code, 15) || ' paid ' || COUNT(*) || ' orders' AS detail
            FROM orders WHERE status NOT IN ('NEW', 'PENDING', 'FAILED')
           GROUP BY pay_code HAVING COUNT(*) > 1`,
  },
];
