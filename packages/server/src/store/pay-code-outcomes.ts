import type { Order, PayCodeStatus } from '../domain/model.js';
import { toOrder, type Row } from './rows.js';

/**
 * What became of payment codes, for the wallet page's live result (services/code-results.ts), read
 * in one statement for every code being watched, written once for both stores. A code's order is
 * the one it paid or holds (`pay_codes.order_id`, written by the payment anyway); a payment refused
 * for the wallet's balance or status leaves its code unused and its order FAILED, found by the
 * partial index `orders_failed_by_code` (SQLite migration 10, PostgreSQL 11), which no PAID or PENDING order enters.
 */
export interface PayCodeOutcome {
  readonly code: string;
  readonly walletId: string;
  readonly status: PayCodeStatus;
  readonly expiresAtMs: number;
  /** The order the code paid or holds, else its latest FAILED one, else null. */
  readonly order: Order | null;
  readonly merchantName: string | null;
}

/** `codeList` is the store's subquery of the codes (one bound parameter). */
export function payCodeOutcomesSql(codeList: string): string {
  return `SELECT c.code AS watched_code, c.wallet_id AS code_wallet_id, c.status AS code_status,
       c.expires_at_ms AS code_expires_at_ms, o.*, m.name AS merchant_name
  FROM pay_codes c
  LEFT JOIN orders o ON o.order_id = COALESCE(c.order_id,
       (SELECT f.order_id FROM orders f WHERE f.pay_code = c.code AND f.status = 'FAILED'
         ORDER BY f.trade_time_ms DESC, f.order_id DESC LIMIT 1))
  LEFT JOIN merchants m ON m.mch_id = o.mch_id
 WHERE c.code IN (${codeList})`;
}

/** The migration (SQLite 10, PostgreSQL 11) that lets the statement above find a refused payment's order. */
export const FAILED_BY_CODE_INDEX = `
-- The wallet page's live result (docs/pages.md) finds a payment refused for the wallet's balance or
-- status by its code: such a payment leaves its code unused. Only FAILED orders enter this index, so
-- a payment that is PAID or held PENDING writes nothing more than before.
CREATE INDEX orders_failed_by_code ON orders (pay_code) WHERE status = 'FAILED';
`;

export function toPayCodeOutcome(r: Row): PayCodeOutcome {
  return {
    code: r.watched_code as string,
    walletId: r.code_wallet_id as string,
    status: r.code_status as PayCodeStatus,
    expiresAtMs: r.code_expires_at_ms as number,
    order: r.order_id === null || r.order_id === undefined ? null : toOrder(r),
    merchantName: (r.merchant_name as string | null | undefined) ?? null,
  };
}
