import { MAX_PIN_FAILURES } from '../domain/credentials.js';

/**
 * The consoles' access (docs/consoles.md), one migration per store (SQLite 15, PostgreSQL 16):
 * merchant users get a role and a refund limit, operators get their table, and page sessions two
 * more kinds. The parts both stores share are written once here; only how a CHECK is relaxed differs
 * (SQLite rebuilds the table, PostgreSQL swaps constraints).
 */
function usersAndOperators(ms: 'INTEGER' | 'BIGINT', strict: ' STRICT' | ''): string {
  return `
-- The cashier accounts become the merchant's users: each existing one is a cashier.
ALTER TABLE cashiers ADD COLUMN role TEXT NOT NULL DEFAULT 'cashier' CHECK (role IN ('owner', 'cashier'));
-- Most one refund by this user may be, in sen; NULL: no limit (domain/merchant-users.ts).
ALTER TABLE cashiers ADD COLUMN refund_limit_sen ${ms} CHECK (refund_limit_sen IS NULL OR refund_limit_sen > 0);

CREATE TABLE operators (
  operator_id     TEXT PRIMARY KEY,
  name            TEXT NOT NULL UNIQUE,
  password_hash   TEXT NOT NULL,
  -- Wrong passwords or codes in a row; at 5 the operator is locked until \`micropay admin reset\`.
  failures        INTEGER NOT NULL DEFAULT 0,
  -- AES-256-GCM of the base32 TOTP secret under the master key named beside it; NULL: no TOTP.
  totp_secret     TEXT,
  master_key_id   TEXT,
  -- The last 30-second step a code signed in with: a code works once.
  last_totp_step  ${ms},
  created_at_ms   ${ms} NOT NULL,
  CHECK ((totp_secret IS NULL) = (master_key_id IS NULL))
)${strict};
`;
}

/** page_sessions as it is from this migration on: the subject columns each kind fills. */
function pageSessionsTable(name: string, ms: 'INTEGER' | 'BIGINT', strict: ' STRICT' | ''): string {
  return `
CREATE TABLE ${name} (
  session_hash    TEXT PRIMARY KEY,
  kind            TEXT NOT NULL,
  wallet_id       TEXT REFERENCES wallets (wallet_id),
  cashier_id      TEXT REFERENCES cashiers (cashier_id),
  mch_id          TEXT REFERENCES merchants (mch_id),
  operator_id     TEXT REFERENCES operators (operator_id),
  created_at_ms   ${ms} NOT NULL,
  last_seen_at_ms ${ms} NOT NULL,
  ${SESSION_KIND_CHECK}
)${strict};
`;
}

const SESSION_KIND_CHECK = `CONSTRAINT page_sessions_subject CHECK (
       (kind = 'wallet' AND wallet_id IS NOT NULL AND cashier_id IS NULL AND mch_id IS NULL AND operator_id IS NULL)
    OR (kind IN ('cashier', 'merchant') AND wallet_id IS NULL AND cashier_id IS NOT NULL AND mch_id IS NOT NULL AND operator_id IS NULL)
    OR (kind = 'operator' AND wallet_id IS NULL AND cashier_id IS NULL AND mch_id IS NULL AND operator_id IS NOT NULL))`;

export function sqliteConsoleAccessMigration(): string {
  // SQLite cannot change a CHECK: the table is rebuilt under its name (no table refers to it).
  return usersAndOperators('INTEGER', ' STRICT') + pageSessionsTable('page_sessions_new', 'INTEGER', ' STRICT') + `
INSERT INTO page_sessions_new (session_hash, kind, wallet_id, cashier_id, mch_id, created_at_ms, last_seen_at_ms)
  SELECT session_hash, kind, wallet_id, cashier_id, mch_id, created_at_ms, last_seen_at_ms FROM page_sessions;
DROP TABLE page_sessions;
ALTER TABLE page_sessions_new RENAME TO page_sessions;
`;
}

export function postgresConsoleAccessMigration(): string {
  return usersAndOperators('BIGINT', '') + `
ALTER TABLE page_sessions ADD COLUMN operator_id TEXT REFERENCES operators (operator_id);
ALTER TABLE page_sessions DROP CONSTRAINT page_sessions_kind_check, DROP CONSTRAINT page_sessions_check,
  ADD ${SESSION_KIND_CHECK};
`;
}

/**
 * Operator roles (docs/consoles.md, "Operator roles"; SQLite migration 24, PostgreSQL 25): what an operator
 * may change at /admin. Every operator made before is an admin, as they could do everything.
 */
export const OPERATOR_ROLE_MIGRATION = `
ALTER TABLE operators ADD COLUMN role TEXT NOT NULL DEFAULT 'admin' CHECK (role IN ('admin', 'finance', 'support'));
`;

/**
 * A lock that ends by itself (docs/consoles.md, "Sign-in limits"; SQLite 21, PostgreSQL 22): when a
 * merchant user's or operator's wrong tries in a row made its lock. One already locked when this
 * runs is taken as locked now, so its 15 minutes start at the upgrade.
 */
export function accountLockMigration(ms: 'INTEGER' | 'BIGINT', nowMs: string): string {
  return `
ALTER TABLE cashiers ADD COLUMN locked_at_ms ${ms};
ALTER TABLE operators ADD COLUMN locked_at_ms ${ms};
UPDATE cashiers SET locked_at_ms = ${nowMs} WHERE failures >= ${MAX_PIN_FAILURES};
UPDATE operators SET locked_at_ms = ${nowMs} WHERE failures >= ${MAX_PIN_FAILURES};
`;
}

/**
 * Merchant users that can be disabled (docs/consoles.md, "Disabling a user"; SQLite 27, PostgreSQL
 * 28): when the owner or an operator disabled one; NULL, every existing user, signs in as before.
 */
export function userDisableMigration(ms: 'INTEGER' | 'BIGINT'): string {
  return `ALTER TABLE cashiers ADD COLUMN disabled_at_ms ${ms};\n`;
}

/** Operators can be disabled too (SQLite 29, PostgreSQL 30): someone who left signs in nowhere, their log rows stay. */
export function operatorDisableMigration(ms: 'INTEGER' | 'BIGINT'): string {
  return `ALTER TABLE operators ADD COLUMN disabled_at_ms ${ms};\n`;
}
