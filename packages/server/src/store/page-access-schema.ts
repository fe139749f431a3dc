/**
 * The web pages' sign-in tables (migration 5 of both stores, docs/pages.md), written once: the two
 * stores differ only in the type of a millisecond time and SQLite's STRICT. Only hashes of the
 * secrets are stored: SHA-256 of a session id or a link's token (long and random), scrypt of a
 * cashier's password (chosen by a person, so slow to test). Append-only history, like migrations.
 */
export function pageAccessSchema(ms: 'INTEGER' | 'BIGINT', strict: ' STRICT' | ''): string {
  return `
CREATE TABLE cashiers (
  cashier_id    TEXT PRIMARY KEY,
  mch_id        TEXT NOT NULL REFERENCES merchants (mch_id),
  name          TEXT NOT NULL,
  password_hash TEXT NOT NULL,
  -- Wrong passwords in a row; at 5 the account locks until \`micropay cashier reset\`.
  failures      INTEGER NOT NULL DEFAULT 0,
  created_at_ms ${ms} NOT NULL,
  UNIQUE (mch_id, name)
)${strict};

-- A session's subject is a wallet, or a cashier with the merchant it acts for.
CREATE TABLE page_sessions (
  session_hash    TEXT PRIMARY KEY,
  kind            TEXT NOT NULL CHECK (kind IN ('wallet', 'cashier')),
  wallet_id       TEXT REFERENCES wallets (wallet_id),
  cashier_id      TEXT REFERENCES cashiers (cashier_id),
  mch_id          TEXT REFERENCES merchants (mch_id),
  created_at_ms   ${ms} NOT NULL,
  last_seen_at_ms ${ms} NOT NULL,
  CHECK ((kind = 'wallet' AND wallet_id IS NOT NULL AND cashier_id IS NULL AND mch_id IS NULL)
      OR (kind = 'cashier' AND wallet_id IS NULL AND cashier_id IS NOT NULL AND mch_id IS NOT NULL))
)${strict};

CREATE TABLE wallet_sign_in_links (
  link_hash     TEXT PRIMARY KEY,
  wallet_id     TEXT NOT NULL REFERENCES wallets (wallet_id),
  created_at_ms ${ms} NOT NULL,
  expires_at_ms ${ms} NOT NULL,
  used_at_ms    ${ms}
)${strict};
`;
}

/**
 * A password reset, an operator's lockout or \`admin sign-out\` ends every session of one user or operator
 * (endUserPageSessions, endOperatorPageSessions): found by these, not by reading the whole table.
 * The same on both stores (SQLite 17, PostgreSQL 18).
 */
export const SESSION_OWNER_INDEXES = `
CREATE INDEX page_sessions_by_cashier ON page_sessions (cashier_id) WHERE cashier_id IS NOT NULL;
CREATE INDEX page_sessions_by_operator ON page_sessions (operator_id) WHERE operator_id IS NOT NULL;
`;
