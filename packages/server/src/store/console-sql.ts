import type { PayoutCursor, WalletSearch } from '../domain/console-pages.js';
import { containsPattern, type PayoutFilter } from './store.js';

/**
 * The consoles' reads (services/console-money.ts), written once for both stores in PostgreSQL's
 * `$n` placeholders (page-access-sql.ts's sqliteSql turns them into SQLite's `?`), and the index
 * they need (one migration of each store).
 */

/** Newest wallets first, a page at a time: the operator console's wallet search walks it. */
export const CONSOLE_INDEXES = `
CREATE INDEX wallets_newest ON wallets (created_at_ms, wallet_id);
`;

/** No cursor: a page from the newest. Both keys compare below every real one's. */
const NEWEST = { atMs: Number.MAX_SAFE_INTEGER, id: '' };

/**
 * The wallet search as one statement: `select` is the store's wallet select (its balance columns
 * differ), `like` its case-insensitive LIKE (SQLite's LIKE folds ASCII letters; PostgreSQL's ILIKE
 * folds all). An id prefix is a range of the primary key: wallet ids are 12 digits, so the
 * prefix padded with 0s and with 9s bound exactly the ids that start with it, in any collation.
 */
export function walletSearchQuery(select: string, like: 'LIKE' | 'ILIKE', q: WalletSearch): { sql: string; values: unknown[] } {
  const values: unknown[] = [];
  const param = (value: unknown) => `$${values.push(value)}`;
  const where: string[] = [];
  if (q.walletIdPrefix !== undefined) {
    where.push(`w.wallet_id BETWEEN ${param(q.walletIdPrefix.padEnd(12, '0'))} AND ${param(q.walletIdPrefix.padEnd(12, '9'))}`);
  }
  if (q.nameContains !== undefined) where.push(`w.name ${like} ${param(containsPattern(q.nameContains))} ESCAPE '\\'`);
  if (q.status !== undefined) where.push(`w.status = ${param(q.status)}`);
  const before = q.before ?? { createdAtMs: NEWEST.atMs, walletId: NEWEST.id };
  where.push(`(w.created_at_ms, w.wallet_id) < (${param(before.createdAtMs)}, ${param(before.walletId)})`);
  const limit = param(q.limit);
  return { sql: `${select} WHERE ${where.join(' AND ')} ORDER BY w.created_at_ms DESC, w.wallet_id DESC LIMIT ${limit}`, values };
}

/** A merchant's payouts, newest first, after the cursor (index payouts_by_merchant). */
export const MERCHANT_PAYOUTS_PAGE = `SELECT * FROM payouts
  WHERE mch_id = $1 AND (requested_at_ms, payout_id) < ($2, $3)
  ORDER BY requested_at_ms DESC, payout_id DESC LIMIT $4`;

export function merchantPayoutsValues(mchId: string, before: PayoutCursor | null, limit: number): unknown[] {
  return [mchId, before?.requestedAtMs ?? NEWEST.atMs, before?.payoutId ?? NEWEST.id, limit];
}

/**
 * Payouts of every merchant and closed wallet, newest first, after the cursor: `micropay payout
 * list` and the operator console's Payouts section. Each filter is given twice (is it set, and its
 * value), since SQLite's placeholders are used once each.
 */
export const PAYOUTS_PAGE = `SELECT * FROM payouts
  WHERE (CAST($1 AS TEXT) IS NULL OR mch_id = $2) AND (CAST($3 AS TEXT) IS NULL OR wallet_id = $4)
    AND (CAST($5 AS TEXT) IS NULL OR status = $6) AND (requested_at_ms, payout_id) < ($7, $8) AND requested_at_ms >= $9
    AND (CAST($10 AS INTEGER) = 0 OR file_no IS NULL) AND (CAST($11 AS INTEGER) IS NULL OR file_no = $12)
  ORDER BY requested_at_ms DESC, payout_id DESC LIMIT $13`;

export function payoutsPageValues(f: PayoutFilter, limit: number): unknown[] {
  const mch = f.mchId ?? null;
  const wallet = f.walletId ?? null;
  const status = f.status ?? null;
  const fileNo = f.fileNo ?? null;
  return [mch, mch, wallet, wallet, status, status, f.before?.requestedAtMs ?? NEWEST.atMs, f.before?.payoutId ?? NEWEST.id, f.requestedFromMs ?? 0,
    f.unfiled === true ? 1 : 0, fileNo, fileNo, limit];
}

/** What a merchant's payouts still waiting for the bank hold (in the clearing account). */
export const MERCHANT_REQUESTED_PAYOUTS = `SELECT COALESCE(SUM(amount_sen), 0) AS sen FROM payouts WHERE mch_id = $1 AND status = 'REQUESTED'`;

/** Merchants in id order after `afterMchId` ('' : from the first). */
export const MERCHANTS_PAGE = 'SELECT * FROM merchants WHERE mch_id > $1 ORDER BY mch_id LIMIT $2';
