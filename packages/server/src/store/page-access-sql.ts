import type { Effect } from '../domain/effects.js';
import { INSERT_PAGE_SESSION_COLUMNS, pageSessionValues } from './rows.js';
import { operatorWrite } from './operator-sql.js';
import type { MerchantKeyVault } from '../secrets/merchant-key-vault.js';

/**
 * The web pages' sign-in effects (domain/page-access.ts) as SQL, written once for both stores:
 * plain single-row statements in PostgreSQL's `$n` placeholders, which sqliteSql turns into
 * SQLite's `?`. `invariant` names what a statement that must change exactly one row asserts.
 */
export interface PageAccessWrite {
  readonly sql: string;
  readonly values: readonly unknown[];
  readonly invariant: string | null;
}

export type PageAccessEffect = Extract<Effect, {
  kind: 'insertPageSession' | 'touchPageSession' | 'endPageSession' | 'insertSignInLink' | 'useSignInLink' | 'insertCashier' | 'setCashierSecurity'
    | 'insertCashierCharge' | 'setMerchantUserRefundLimit' | 'setMerchantUserDisabled' | 'insertOperator' | 'setOperatorSecurity' | 'setOperatorRole' | 'setOperatorDisabled' | 'resealOperatorTotp'
    | 'sweepPageSessions' | 'sweepSignInLinks' | 'endWalletPageSessions' | 'dropWalletSignInLinks'
    | 'endUserPageSessions' | 'endOperatorPageSessions';
}>;

const PAGE_ACCESS_KINDS: ReadonlySet<string> = new Set<PageAccessEffect['kind']>([
  'insertPageSession', 'touchPageSession', 'endPageSession', 'insertSignInLink', 'useSignInLink', 'insertCashier', 'setCashierSecurity',
  'insertCashierCharge', 'setMerchantUserRefundLimit', 'setMerchantUserDisabled', 'insertOperator', 'setOperatorSecurity', 'setOperatorRole', 'setOperatorDisabled', 'resealOperatorTotp',
  'sweepPageSessions', 'sweepSignInLinks', 'endWalletPageSessions', 'dropWalletSignInLinks',
  'endUserPageSessions', 'endOperatorPageSessions',
]);

export function isPageAccessEffect(e: Effect): e is PageAccessEffect {
  return PAGE_ACCESS_KINDS.has(e.kind);
}

/** `keys` seals an operator's TOTP secret (operator-sql.ts). */
export function pageAccessWrite(e: PageAccessEffect, keys: MerchantKeyVault): PageAccessWrite {
  switch (e.kind) {
    case 'insertPageSession':
      return write(`INSERT INTO page_sessions (${INSERT_PAGE_SESSION_COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`, pageSessionValues(e.session));
    case 'insertOperator':
    case 'setOperatorSecurity':
    case 'setOperatorRole':
    case 'setOperatorDisabled':
    case 'resealOperatorTotp':
      return operatorWrite(e, keys);
    case 'setMerchantUserRefundLimit':
      return write('UPDATE cashiers SET refund_limit_sen = $1 WHERE cashier_id = $2', [e.refundLimitSen, e.cashierId], `an existing merchant user (${e.cashierId})`);
    case 'setMerchantUserDisabled':
      return write('UPDATE cashiers SET disabled_at_ms = $1 WHERE cashier_id = $2', [e.disabledAtMs, e.cashierId], `an existing merchant user (${e.cashierId})`);
    case 'touchPageSession':
      return write('UPDATE page_sessions SET last_seen_at_ms = $1 WHERE session_hash = $2', [e.lastSeenAtMs, e.sessionHash], 'a session is touched while it exists');
    case 'endPageSession':
      // Ending a session that another request ended meanwhile is the same end.
      return write('DELETE FROM page_sessions WHERE session_hash = $1', [e.sessionHash]);
    case 'insertSignInLink': {
      const l = e.link;
      return write(
        'INSERT INTO wallet_sign_in_links (link_hash, wallet_id, created_at_ms, expires_at_ms, used_at_ms) VALUES ($1, $2, $3, $4, NULL)',
        [l.linkHash, l.walletId, l.createdAtMs, l.expiresAtMs],
      );
    }
    case 'useSignInLink':
      return write('UPDATE wallet_sign_in_links SET used_at_ms = $1 WHERE link_hash = $2 AND used_at_ms IS NULL', [e.usedAtMs, e.linkHash], 'a sign-in link is used once');
    case 'insertCashier': {
      const c = e.cashier;
      return write(
        'INSERT INTO cashiers (cashier_id, mch_id, name, role, refund_limit_sen, password_hash, failures, created_at_ms) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)',
        [c.cashierId, c.mchId, c.name, c.role, c.refundLimitSen, c.passwordHash, c.failures, c.createdAtMs],
      );
    }
    case 'setCashierSecurity':
      return write(
        'UPDATE cashiers SET password_hash = COALESCE($1, password_hash), failures = $2, locked_at_ms = $3 WHERE cashier_id = $4',
        [e.passwordHash ?? null, e.failures, e.lockedAtMs, e.cashierId],
        `an existing cashier (${e.cashierId})`,
      );
    case 'insertCashierCharge': {
      const c = e.charge;
      return write(
        'INSERT INTO cashier_charges (mch_id, mch_order_id, cashier_id, charged_at_ms, pay_code) VALUES ($1, $2, $3, $4, $5)',
        [c.mchId, c.mchOrderId, c.cashierId, c.chargedAtMs, c.payCode],
      );
    }
    // The sweeps delete by key through a bounded subquery: neither store has DELETE … LIMIT in common.
    case 'sweepPageSessions':
      return write(
        `DELETE FROM page_sessions WHERE session_hash IN (
           SELECT session_hash FROM page_sessions WHERE last_seen_at_ms <= $1 OR created_at_ms <= $2 LIMIT $3)`,
        [e.lastSeenAtOrBeforeMs, e.createdAtOrBeforeMs, e.limit],
      );
    case 'sweepSignInLinks':
      return write(
        `DELETE FROM wallet_sign_in_links WHERE link_hash IN (
           SELECT link_hash FROM wallet_sign_in_links WHERE used_at_ms IS NOT NULL OR expires_at_ms <= $1 LIMIT $2)`,
        [e.expiresAtOrBeforeMs, e.limit],
      );
    case 'endWalletPageSessions':
      return write('DELETE FROM page_sessions WHERE wallet_id = $1', [e.walletId]);
    // Both by the index of SESSION_OWNER_INDEXES (page-access-schema.ts).
    case 'endUserPageSessions':
      return e.keepSessionHash === undefined
        ? write('DELETE FROM page_sessions WHERE cashier_id = $1', [e.cashierId])
        : write('DELETE FROM page_sessions WHERE cashier_id = $1 AND session_hash <> $2', [e.cashierId, e.keepSessionHash]);
    case 'endOperatorPageSessions':
      return write('DELETE FROM page_sessions WHERE operator_id = $1', [e.operatorId]);
    case 'dropWalletSignInLinks':
      return write('DELETE FROM wallet_sign_in_links WHERE wallet_id = $1 AND used_at_ms IS NULL', [e.walletId]);
  }
}

function write(sql: string, values: readonly unknown[], invariant: string | null = null): PageAccessWrite {
  return { sql, values, invariant };
}

/**
 * The same statement with SQLite's placeholders. better-sqlite3 binds `?` in order only, so each
 * `$n` must come once and in order ($1, $2, ...), as every statement here has them.
 */
export function sqliteSql(sql: string): string {
  let next = 1;
  return sql.replace(/\$(\d+)/g, (_p, n: string) => {
    if (Number(n) !== next++) throw new Error(`placeholders out of order in: ${sql}`);
    return '?';
  });
}
