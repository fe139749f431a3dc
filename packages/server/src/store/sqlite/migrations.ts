/**
 * Versioned schema for the SQLite store. Append new migrations; never edit an applied one.
 * Amounts are INTEGER sen; times are INTEGER milliseconds since the epoch.
 */
export interface Migration {
  readonly version: number;
  readonly name: string;
  readonly sql: string;
}

export const SQLITE_MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    name: 'core: merchants, wallets, payment codes, orders, ledger',
    sql: `
CREATE TABLE merchants (
  mch_id        TEXT PRIMARY KEY,
  name          TEXT NOT NULL,
  api_key       TEXT NOT NULL,
  status        TEXT NOT NULL CHECK (status IN ('active', 'disabled')),
  created_at_ms INTEGER NOT NULL
) STRICT;

-- The balance of every ledger account, cached: it changes only together with a posting.
CREATE TABLE accounts (
  id          TEXT PRIMARY KEY,
  kind        TEXT NOT NULL CHECK (kind IN ('platform', 'wallet', 'merchant')),
  balance_sen INTEGER NOT NULL DEFAULT 0,
  held_sen    INTEGER NOT NULL DEFAULT 0,
  CHECK (kind = 'platform' OR (balance_sen >= 0 AND held_sen >= 0 AND held_sen <= balance_sen))
) STRICT;
INSERT INTO accounts (id, kind) VALUES ('platform:float', 'platform');

CREATE TABLE wallets (
  wallet_id     TEXT PRIMARY KEY,
  name          TEXT NOT NULL,
  status        TEXT NOT NULL CHECK (status IN ('active', 'frozen')),
  account_id    TEXT NOT NULL UNIQUE REFERENCES accounts (id),
  created_at_ms INTEGER NOT NULL
) STRICT;

CREATE TABLE pay_codes (
  code          TEXT PRIMARY KEY,
  wallet_id     TEXT NOT NULL REFERENCES wallets (wallet_id),
  status        TEXT NOT NULL CHECK (status IN ('active', 'used', 'retired')),
  issued_at_ms  INTEGER NOT NULL,
  expires_at_ms INTEGER NOT NULL
) STRICT;
CREATE INDEX pay_codes_active_by_wallet ON pay_codes (wallet_id) WHERE status = 'active';

CREATE TABLE orders (
  order_id      TEXT PRIMARY KEY,
  mch_id        TEXT NOT NULL REFERENCES merchants (mch_id),
  mch_order_id  TEXT NOT NULL,
  amount_sen    INTEGER NOT NULL CHECK (amount_sen > 0),
  goods_info    TEXT NOT NULL,
  discount_sen  INTEGER,
  point         INTEGER,
  pay_code      TEXT NOT NULL,
  wallet_id     TEXT NOT NULL REFERENCES wallets (wallet_id),
  status        TEXT NOT NULL CHECK (status IN
                  ('NEW', 'PAID', 'PENDING', 'FAILED', 'REFUND_IN_PROCESS', 'REFUNDED', 'REFUND_FAILED')),
  fail_reason   TEXT,
  fingerprint   TEXT NOT NULL,
  trade_time_ms INTEGER NOT NULL,
  pay_time_ms   INTEGER,
  UNIQUE (mch_id, mch_order_id)
) STRICT;
-- One code pays one order, enforced by the database as well as by the code's status.
CREATE UNIQUE INDEX orders_one_payment_per_code ON orders (pay_code) WHERE status <> 'FAILED';

CREATE TABLE journal_entries (
  entry_id      INTEGER PRIMARY KEY,
  kind          TEXT NOT NULL,
  order_id      TEXT REFERENCES orders (order_id),
  created_at_ms INTEGER NOT NULL
) STRICT;
CREATE INDEX journal_entries_by_order ON journal_entries (order_id) WHERE order_id IS NOT NULL;

CREATE TABLE postings (
  posting_id INTEGER PRIMARY KEY,
  entry_id   INTEGER NOT NULL REFERENCES journal_entries (entry_id),
  account_id TEXT NOT NULL REFERENCES accounts (id),
  amount_sen INTEGER NOT NULL CHECK (amount_sen <> 0)
) STRICT;
CREATE INDEX postings_by_entry ON postings (entry_id);
CREATE INDEX postings_by_account ON postings (account_id);

CREATE TABLE settings (
  name  TEXT PRIMARY KEY,
  value TEXT NOT NULL
) STRICT;
`,
  },
];
