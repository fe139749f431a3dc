import { PAID_ORDER_STATUSES } from '@micropay/protocol';
import { sqlList } from './sql-list.js';

/**
 * The ledger's invariants as queries. Each returns one row per violation with a `detail` column;
 * the same standard SQL runs on SQLite and PostgreSQL. An empty result is a passed check.
 * Balances are read from the view `account_balances` (id, kind, balance_sen, held_sen), which each
 * store defines over its own balance rows (PostgreSQL sums the shards).
 */
export interface AuditQuery {
  readonly name: string;
  readonly sql: string;
  /** Not a broken invariant but money the operator must move: listed apart, the audit stays ok. */
  readonly action?: true;
}

const PAID = sqlList(PAID_ORDER_STATUSES);

/**
 * A non-negative amount in sen as the operator reads money, "5.00", in SQL both stores run: an ACT
 * line tells the operator what to move (the FAIL lines keep sen, as the rows hold it).
 */
export function amountText(sen: string): string {
  // A SUM is NUMERIC on PostgreSQL, where / would not be integer division: cast first.
  const n = `CAST(${sen} AS BIGINT)`;
  return `(${n} / 100) || '.' || CASE WHEN ${n} % 100 < 10 THEN '0' ELSE '' END || (${n} % 100)`;
}

/**
 * Each closed wallet that holds money, with what its FAILED payouts returned since its latest
 * payout was requested (money returned before that was paid out again by that payout).
 */
const CLOSED_WALLET_MONEY = `WITH latest AS (SELECT wallet_id, MAX(requested_at_ms) AS at FROM payouts WHERE wallet_id IS NOT NULL GROUP BY wallet_id),
          returned AS (SELECT p.wallet_id, SUM(p.amount_sen) AS sen FROM payouts p JOIN latest l ON l.wallet_id = p.wallet_id
                        WHERE p.status = 'FAILED' AND p.finished_at_ms >= l.at GROUP BY p.wallet_id),
          closed_money AS (SELECT w.wallet_id, a.balance_sen, COALESCE(r.sen, 0) AS returned_sen
                             FROM wallets w JOIN account_balances a ON a.id = w.account_id
                             LEFT JOIN returned r ON r.wallet_id = w.wallet_id
                            WHERE w.status = 'closed' AND a.balance_sen <> 0)`;

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
            FROM account_balances a
            LEFT JOIN (SELECT account_id, SUM(amount_sen) AS total FROM postings GROUP BY account_id) s
                   ON s.account_id = a.id
           WHERE a.balance_sen <> COALESCE(s.total, 0)`,
  },
  {
    name: 'no wallet or merchant balance is negative, and holds are covered',
    sql: `SELECT 'account ' || id || ': balance ' || balance_sen || ', held ' || held_sen AS detail
            FROM account_balances
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
           WHERE o.status IN ${PAID}
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
    name: 'a payment code pays (or holds for confirmation) at most one order',
    sql: `SELECT 'payment code ending ' || substr(pay_code, 15) || ' paid ' || COUNT(*) || ' orders' AS detail
            FROM orders WHERE status NOT IN ('NEW', 'FAILED')
           GROUP BY pay_code HAVING COUNT(*) > 1`,
  },
  {
    // Both stores write the order into the code's row when the code is used (SQLite migration 2,
    // PostgreSQL migration 3); codes used before that keep NULL.
    name: 'every code that paid or holds an order names that order, and only that one',
    sql: `SELECT 'order ' || o.order_id || ' (' || o.status || ') used the code ending ' || substr(o.pay_code, 15)
                 || ', which names ' || COALESCE(c.order_id, 'no order') || ' and is ' || c.status AS detail
            FROM orders o JOIN pay_codes c ON c.code = o.pay_code
           WHERE o.status IN ${sqlList(['PENDING', ...PAID_ORDER_STATUSES])}
             AND (c.status <> 'used' OR (c.order_id IS NOT NULL AND c.order_id <> o.order_id))`,
  },
  // Refunds (docs/refunds.md).
  {
    name: 'every REFUNDED refund has exactly one refund entry of its amount, from its merchant to its order\'s wallet',
    sql: `SELECT 'refund ' || r.refund_id || ' (' || r.mch_id || '/' || r.mch_refund_id || ', REFUNDED ' || r.amount_sen
                 || ' sen): ' || COUNT(e.entry_id) || ' refund entries, ' || COALESCE(SUM(m.amount_sen), 0)
                 || ' sen to the merchant, ' || COALESCE(SUM(w.amount_sen), 0) || ' sen to the wallet' AS detail
            FROM refunds r
            JOIN orders o ON o.order_id = r.order_id
            LEFT JOIN journal_entries e ON e.refund_id = r.refund_id AND e.kind = 'refund'
            LEFT JOIN postings m ON m.entry_id = e.entry_id AND m.account_id = 'merchant:' || r.mch_id
            LEFT JOIN postings w ON w.entry_id = e.entry_id AND w.account_id = 'wallet:' || o.wallet_id
           WHERE r.status = 'REFUNDED'
           GROUP BY r.refund_id, r.mch_id, r.mch_refund_id, r.amount_sen
          HAVING COUNT(e.entry_id) <> 1 OR COALESCE(SUM(m.amount_sen), 0) <> -r.amount_sen
              OR COALESCE(SUM(w.amount_sen), 0) <> r.amount_sen`,
  },
  {
    name: 'refunds that did not complete moved no money, and every refund entry belongs to a refund of its order',
    sql: `SELECT 'refund entry ' || e.entry_id || ' for refund ' || COALESCE(e.refund_id, '(none)') || ' ('
                 || COALESCE(r.status, 'no such refund') || ')' AS detail
            FROM journal_entries e LEFT JOIN refunds r ON r.refund_id = e.refund_id
           WHERE e.kind = 'refund'
             AND (r.refund_id IS NULL OR r.status <> 'REFUNDED' OR e.order_id IS NULL OR e.order_id <> r.order_id)`,
  },
  {
    name: 'refunds never exceed the order amount, and only paid orders are refunded',
    sql: `SELECT 'order ' || o.order_id || ' (' || o.status || ', ' || o.amount_sen || ' sen): refunds in process or done add up to '
                 || SUM(CASE WHEN r.status IN ('REFUND_IN_PROCESS', 'REFUNDED') THEN r.amount_sen ELSE 0 END) || ' sen' AS detail
            FROM orders o JOIN refunds r ON r.order_id = o.order_id
           GROUP BY o.order_id, o.status, o.amount_sen
          HAVING SUM(CASE WHEN r.status IN ('REFUND_IN_PROCESS', 'REFUNDED') THEN r.amount_sen ELSE 0 END) > o.amount_sen
              OR o.status NOT IN ${PAID}`,
  },
  {
    name: 'every order\'s refunded_sen equals the sum of its refunds in process or refunded',
    sql: `SELECT 'order ' || o.order_id || ': refunded_sen ' || o.refunded_sen || ' but its refunds in process or done add up to '
                 || COALESCE(s.total, 0) AS detail
            FROM orders o
            LEFT JOIN (SELECT order_id, SUM(amount_sen) AS total FROM refunds
                        WHERE status IN ('REFUND_IN_PROCESS', 'REFUNDED') GROUP BY order_id) s ON s.order_id = o.order_id
           WHERE o.refunded_sen <> COALESCE(s.total, 0)`,
  },
  {
    name: 'an order is REFUND_IN_PROCESS exactly while one of its refunds is, and REFUNDED exactly when refunded in full',
    sql: `SELECT 'order ' || o.order_id || ' is ' || o.status || ' with ' || o.refunded_sen || ' of ' || o.amount_sen
                 || ' sen refunded and ' || COALESCE(p.n, 0) || ' refunds in process' AS detail
            FROM orders o
            LEFT JOIN (SELECT order_id, COUNT(*) AS n FROM refunds WHERE status = 'REFUND_IN_PROCESS' GROUP BY order_id) p
                   ON p.order_id = o.order_id
           WHERE (CASE WHEN o.status = 'REFUND_IN_PROCESS' THEN 1 ELSE 0 END) <> (CASE WHEN COALESCE(p.n, 0) > 0 THEN 1 ELSE 0 END)
              OR (CASE WHEN o.status = 'REFUNDED' THEN 1 ELSE 0 END)
                 <> (CASE WHEN o.refunded_sen = o.amount_sen AND COALESCE(p.n, 0) = 0 THEN 1 ELSE 0 END)`,
  },
  {
    name: 'no order was recorded under an order id closed before any payment',
    sql: `SELECT 'order ' || o.order_id || ' (' || o.mch_id || '/' || o.mch_order_id || ') was recorded under an id closed before any payment' AS detail
            FROM closed_order_ids c JOIN orders o ON o.mch_id = c.mch_id AND o.mch_order_id = c.mch_order_id`,
  },
  // Payouts (domain/payout.ts, docs/operations.md "Payouts").
  {
    name: 'the balances of all accounts sum to zero',
    sql: `SELECT 'all balances sum to ' || SUM(balance_sen) || ' sen' AS detail FROM account_balances HAVING SUM(balance_sen) <> 0`,
  },
  {
    name: 'the payouts clearing account holds exactly the REQUESTED payouts',
    sql: `SELECT 'platform:payouts holds ' || a.balance_sen || ' sen but the REQUESTED payouts total ' || r.total || ' sen' AS detail
            FROM account_balances a, (SELECT COALESCE(SUM(amount_sen), 0) AS total FROM payouts WHERE status = 'REQUESTED') r
           WHERE a.id = 'platform:payouts' AND a.balance_sen <> r.total`,
  },
  {
    // Request: its account → clearing. PAID_OUT: clearing → float. FAILED: clearing → its account.
    name: 'every payout has its entries: its request, and its outcome once it has one, each of its amount',
    sql: `WITH steps AS (SELECT 'payout' AS kind UNION ALL SELECT 'payout_paid' UNION ALL SELECT 'payout_returned'),
          expected AS (
            SELECT p.payout_id, p.status, p.amount_sen, s.kind, COALESCE('merchant:' || p.mch_id, 'wallet:' || p.wallet_id) AS account,
                   CASE WHEN s.kind = 'payout' OR (s.kind = 'payout_paid' AND p.status = 'PAID_OUT')
                          OR (s.kind = 'payout_returned' AND p.status = 'FAILED') THEN 1 ELSE 0 END AS entries
              FROM payouts p CROSS JOIN steps s),
          actual AS (
            SELECT e.payout_id, e.kind, COUNT(DISTINCT e.entry_id) AS entries,
                   SUM(CASE WHEN q.account_id = x.account THEN q.amount_sen ELSE 0 END) AS owner_sen,
                   SUM(CASE WHEN q.account_id = 'platform:payouts' THEN q.amount_sen ELSE 0 END) AS clearing_sen,
                   SUM(CASE WHEN q.account_id = 'platform:float' THEN q.amount_sen ELSE 0 END) AS float_sen,
                   SUM(CASE WHEN q.account_id NOT IN (x.account, 'platform:payouts', 'platform:float') THEN 1 ELSE 0 END) AS others
              FROM journal_entries e JOIN postings q ON q.entry_id = e.entry_id
              JOIN expected x ON x.payout_id = e.payout_id AND x.kind = e.kind
             GROUP BY e.payout_id, e.kind)
          SELECT 'payout ' || x.payout_id || ' (' || x.status || ', ' || x.amount_sen || ' sen, ' || x.account || '): '
                 || COALESCE(a.entries, 0) || ' ' || x.kind || ' entries moving ' || COALESCE(a.owner_sen, 0) || ' sen to its account, '
                 || COALESCE(a.clearing_sen, 0) || ' to the clearing account, ' || COALESCE(a.float_sen, 0) || ' to the float' AS detail
            FROM expected x LEFT JOIN actual a ON a.payout_id = x.payout_id AND a.kind = x.kind
           WHERE COALESCE(a.entries, 0) <> x.entries OR COALESCE(a.others, 0) <> 0
              OR COALESCE(a.owner_sen, 0) <> x.entries * CASE x.kind WHEN 'payout' THEN -x.amount_sen WHEN 'payout_returned' THEN x.amount_sen ELSE 0 END
              OR COALESCE(a.clearing_sen, 0) <> x.entries * CASE x.kind WHEN 'payout' THEN x.amount_sen ELSE -x.amount_sen END
              OR COALESCE(a.float_sen, 0) <> x.entries * CASE x.kind WHEN 'payout_paid' THEN x.amount_sen ELSE 0 END`,
  },
  {
    // Closing pays the whole balance out, and nothing pays into a closed wallet afterwards, except
    // a failed payout of it returning its money (until the operator closes it again). So a closed
    // wallet holds at most what its failed payouts returned since its latest payout was requested.
    name: 'a closed wallet holds no money, except what a failed payout of it returned',
    sql: `${CLOSED_WALLET_MONEY}
          SELECT 'wallet ' || wallet_id || ' is closed but holds ' || balance_sen || ' sen, of which failed payouts returned '
                 || returned_sen || ' sen since its last payout' AS detail
            FROM closed_money WHERE balance_sen > returned_sen`,
  },
  {
    // Read after "To act on" or "Nothing to do", in the console and the terminal alike: plain words.
    name: 'closed wallets holding money a failed payout returned, each to be paid out again (the operator console\'s Wallets, Pay out again…, or micropay wallet close WALLETID)',
    action: true,
    sql: `${CLOSED_WALLET_MONEY}
          SELECT 'wallet ' || wallet_id || ' holds ' || ${amountText('returned_sen')} || ' returned by a failed payout: pay it out again (Pay out again… in the operator console, or micropay wallet close '
                 || wallet_id || ')' AS detail
            FROM closed_money WHERE returned_sen > 0`,
  },
  {
    name: 'every payout entry names its payout, and only payout entries name one',
    sql: `SELECT 'entry ' || entry_id || ' (' || kind || ') names payout ' || COALESCE(payout_id, '(none)') AS detail
            FROM journal_entries
           WHERE (kind IN ('payout', 'payout_paid', 'payout_returned')) <> (payout_id IS NOT NULL)`,
  },
  // Top-up reversals (domain/top-up-reversal.ts): a correction names the top-up it takes back.
  {
    name: 'every top-up reversal names a top-up, and only reversals name one',
    sql: `SELECT 'entry ' || e.entry_id || ' (' || e.kind || ') reverses ' || COALESCE(CAST(e.reverses_entry_id AS TEXT), 'nothing')
                 || COALESCE(', a ' || t.kind, '') AS detail
            FROM journal_entries e LEFT JOIN journal_entries t ON t.entry_id = e.reverses_entry_id
           WHERE (e.kind = 'topup_reversal') <> (e.reverses_entry_id IS NOT NULL) OR t.kind <> 'topup'`,
  },
  {
    name: 'every top-up reversal moves back exactly what its top-up moved, account by account',
    sql: `SELECT 'reversal ' || x.entry_id || ' of top-up ' || x.topup_id || ' leaves ' || x.net || ' sen on ' || x.account_id AS detail
            FROM (SELECT r.entry_id, r.reverses_entry_id AS topup_id, p.account_id, SUM(p.amount_sen) AS net
                    FROM journal_entries r JOIN postings p ON p.entry_id = r.entry_id OR p.entry_id = r.reverses_entry_id
                   WHERE r.reverses_entry_id IS NOT NULL
                   GROUP BY r.entry_id, r.reverses_entry_id, p.account_id) x
           WHERE x.net <> 0`,
  },
];
