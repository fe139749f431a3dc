/**
 * Order ids closed before any payment (`closed_order_ids`) against payments racing to take them.
 * READ COMMITTED alone cannot order "closeBill finds no order and records the id" against "a
 * payment finds no closed id and inserts its order": each could miss the other's uncommitted row.
 * So both first take an advisory lock on the id — payments shared (they never wait for each other),
 * closeBill exclusive — and read after it: whichever comes second sees what the first committed.
 */
const LOCK_CLASS = 1296; // the first key of the two-key form: keeps these apart from other locks

/** Shared locks on every (mch_id, mch_order_id) of a batch: $1 mch ids, $2 order ids. */
export const LOCK_ORDER_IDS_SHARED = `SELECT pg_advisory_xact_lock_shared(${LOCK_CLASS}, hashtext(x.mch_id || '/' || x.mch_order_id))
  FROM unnest($1::text[], $2::text[]) AS x (mch_id, mch_order_id)`;

/** The exclusive lock closeBill takes on one order id: $1 mch id, $2 order id. */
export const LOCK_ORDER_ID = `SELECT pg_advisory_xact_lock(${LOCK_CLASS}, hashtext($1 || '/' || $2))`;
