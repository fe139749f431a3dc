import { paymentMinutesSchema } from '../payment-minutes-sql.js';
import type pg from 'pg';
import { checkSchemaVersion, type SchemaUpgrade } from '../schema-version.js';
import type { Migration } from '../store.js';
import { pageAccessSchema, SESSION_OWNER_INDEXES } from '../page-access-schema.js';
import { FAILED_BY_CODE_INDEX } from '../pay-code-outcomes.js';
import { cashierChargesSchema } from '../cashier-charge-sql.js';
import { payoutAccountAgeMigration, payoutAccountMigration, payoutFileMigration, payoutSchema, POSTGRES_PAYOUT_ACCOUNT_GUARD, POSTGRES_PAYOUT_ACCOUNT_TIME_GUARD } from '../payout-schema.js';
import { deviceLifetimeMigration, offlineDeviceSchema } from '../offline-device-sql.js';
import { notificationAttemptsSchema } from '../notification-attempts-sql.js';
import { APPEND_ONLY_MESSAGE, auditLogSchema, OPERATOR_ROLE_IN_AUDIT_LOG_MIGRATION, POSTGRES_AUDIT_LOG_WALLET_HOLDER } from '../audit-log-sql.js';
import { CONSOLE_INDEXES } from '../console-sql.js';
import { accountLockMigration, OPERATOR_ROLE_MIGRATION, operatorDisableMigration, userDisableMigration, postgresConsoleAccessMigration } from '../console-access-schema.js';
import { topUpRequestMigration, topUpReversalMigration } from '../top-up-reversal-sql.js';
import { ORDER_ID_C_INDEX, ORDER_SEARCH_INDEXES } from '../order-search-sql.js';

/**
 * Versioned schema for the PostgreSQL store: the same tables as SQLite's, in PostgreSQL's types,
 * plus balance shards. Append new migrations; never edit an applied one.
 *
 * Balance shards: an account's balance is the sum of its rows in account_shards. A wallet has one
 * shard; a merchant (and the platform float) has several, and each credit goes to one of them at
 * random, so fifty lanes paying one car park do not queue behind one row lock. Debits of a sharded
 * account (refunds) lock all of its shards in shard order.
 */
export const POSTGRES_MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    name: 'merchants, wallets, payment codes, orders, refunds, ledger with balance shards, notification outbox',
    sql: `
CREATE TABLE merchants (
  mch_id        TEXT PRIMARY KEY,
  name          TEXT NOT NULL,
  api_key       TEXT NOT NULL,
  status        TEXT NOT NULL CHECK (status IN ('active', 'disabled')),
  notify_url    TEXT,
  created_at_ms BIGINT NOT NULL
);

CREATE TABLE accounts (
  id       TEXT PRIMARY KEY,
  kind     TEXT NOT NULL CHECK (kind IN ('platform', 'wallet', 'merchant')),
  shards   INTEGER NOT NULL CHECK (shards >= 1),
  held_sen BIGINT NOT NULL DEFAULT 0 CHECK (held_sen >= 0)
);

CREATE TABLE account_shards (
  account_id  TEXT NOT NULL REFERENCES accounts (id),
  shard       INTEGER NOT NULL,
  balance_sen BIGINT NOT NULL DEFAULT 0,
  -- Only the platform float may go below zero (it is where topped-up money comes from).
  may_go_negative BOOLEAN NOT NULL,
  PRIMARY KEY (account_id, shard),
  CHECK (may_go_negative OR balance_sen >= 0)
);

-- The same shape as SQLite's accounts table, so the audit's queries serve both stores.
CREATE VIEW account_balances AS
  SELECT a.id, a.kind, COALESCE(SUM(s.balance_sen), 0) AS balance_sen, a.held_sen
    FROM accounts a LEFT JOIN account_shards s ON s.account_id = a.id
   GROUP BY a.id, a.kind, a.held_sen;

INSERT INTO accounts (id, kind, shards) VALUES ('platform:float', 'platform', 16);
INSERT INTO account_shards (account_id, shard, may_go_negative)
  SELECT 'platform:float', s, TRUE FROM generate_series(0, 15) AS s;

CREATE TABLE wallets (
  wallet_id         TEXT PRIMARY KEY,
  name              TEXT NOT NULL,
  status            TEXT NOT NULL CHECK (status IN ('active', 'frozen', 'closed')),
  account_id        TEXT NOT NULL UNIQUE REFERENCES accounts (id),
  token_hash        TEXT UNIQUE,
  pin_hash          TEXT,
  pin_failures      INTEGER NOT NULL DEFAULT 0,
  confirm_limit_sen BIGINT CHECK (confirm_limit_sen IS NULL OR confirm_limit_sen >= 0),
  created_at_ms     BIGINT NOT NULL
);

CREATE TABLE pay_codes (
  code          TEXT PRIMARY KEY,
  wallet_id     TEXT NOT NULL REFERENCES wallets (wallet_id),
  status        TEXT NOT NULL CHECK (status IN ('active', 'used', 'retired')),
  issued_at_ms  BIGINT NOT NULL,
  expires_at_ms BIGINT NOT NULL
);
CREATE INDEX pay_codes_active_by_wallet ON pay_codes (wallet_id) WHERE status = 'active';

CREATE TABLE orders (
  order_id      TEXT PRIMARY KEY,
  mch_id        TEXT NOT NULL REFERENCES merchants (mch_id),
  mch_order_id  TEXT NOT NULL,
  amount_sen    BIGINT NOT NULL CHECK (amount_sen > 0),
  goods_info    TEXT NOT NULL,
  discount_sen  BIGINT,
  point         BIGINT,
  pay_code      TEXT NOT NULL,
  wallet_id     TEXT NOT NULL REFERENCES wallets (wallet_id),
  status        TEXT NOT NULL CHECK (status IN
                  ('NEW', 'PAID', 'PENDING', 'FAILED', 'REFUND_IN_PROCESS', 'REFUNDED', 'REFUND_FAILED')),
  fail_reason   TEXT,
  fingerprint   TEXT NOT NULL,
  trade_time_ms BIGINT NOT NULL,
  pay_time_ms   BIGINT,
  deadline_ms   BIGINT,
  refunded_sen  BIGINT NOT NULL DEFAULT 0,
  updated_at_ms BIGINT NOT NULL,
  UNIQUE (mch_id, mch_order_id),
  CHECK (refunded_sen >= 0 AND refunded_sen <= amount_sen)
);
CREATE INDEX orders_unsettled ON orders (deadline_ms) WHERE status IN ('NEW', 'PENDING');
CREATE INDEX orders_pending_by_wallet ON orders (wallet_id) WHERE status = 'PENDING';
CREATE INDEX orders_by_merchant_pay_time ON orders (mch_id, pay_time_ms);
-- One code pays one order, enforced by the database as well as by the code's status. A NEW order
-- (its payment step failed) and a FAILED one never used their code, so they do not count.
CREATE UNIQUE INDEX orders_one_payment_per_code ON orders (pay_code) WHERE status NOT IN ('NEW', 'FAILED');

CREATE TABLE refunds (
  refund_id       TEXT PRIMARY KEY,
  mch_id          TEXT NOT NULL REFERENCES merchants (mch_id),
  mch_refund_id   TEXT NOT NULL,
  order_id        TEXT NOT NULL REFERENCES orders (order_id),
  amount_sen      BIGINT NOT NULL CHECK (amount_sen > 0),
  reason          TEXT,
  status          TEXT NOT NULL CHECK (status IN ('REFUND_IN_PROCESS', 'REFUNDED', 'REFUND_FAILED')),
  fail_reason     TEXT,
  fingerprint     TEXT NOT NULL,
  requested_at_ms BIGINT NOT NULL,
  finished_at_ms  BIGINT,
  UNIQUE (mch_id, mch_refund_id)
);
CREATE INDEX refunds_by_order ON refunds (order_id);
CREATE INDEX refunds_in_process ON refunds (requested_at_ms) WHERE status = 'REFUND_IN_PROCESS';
CREATE INDEX refunds_by_merchant_finished ON refunds (mch_id, finished_at_ms);

CREATE TABLE journal_entries (
  entry_id      BIGSERIAL PRIMARY KEY,
  kind          TEXT NOT NULL,
  order_id      TEXT REFERENCES orders (order_id),
  refund_id     TEXT REFERENCES refunds (refund_id),
  created_at_ms BIGINT NOT NULL
);
CREATE INDEX journal_entries_by_order ON journal_entries (order_id) WHERE order_id IS NOT NULL;
CREATE UNIQUE INDEX journal_entries_one_per_refund ON journal_entries (refund_id) WHERE refund_id IS NOT NULL;
CREATE INDEX journal_entries_by_time ON journal_entries (created_at_ms);

CREATE TABLE postings (
  posting_id BIGSERIAL PRIMARY KEY,
  entry_id   BIGINT NOT NULL REFERENCES journal_entries (entry_id),
  account_id TEXT NOT NULL REFERENCES accounts (id),
  amount_sen BIGINT NOT NULL CHECK (amount_sen <> 0)
);
CREATE INDEX postings_by_entry ON postings (entry_id);
CREATE INDEX postings_by_account ON postings (account_id);

CREATE TABLE notifications (
  notification_id    TEXT PRIMARY KEY,
  mch_id             TEXT NOT NULL REFERENCES merchants (mch_id),
  event_type         TEXT NOT NULL,
  subject_id         TEXT NOT NULL,
  url                TEXT NOT NULL,
  payload            TEXT NOT NULL,
  status             TEXT NOT NULL CHECK (status IN ('pending', 'delivered', 'dead')),
  attempts           INTEGER NOT NULL DEFAULT 0,
  next_attempt_at_ms BIGINT NOT NULL,
  lease_owner        TEXT,
  lease_until_ms     BIGINT,
  last_error         TEXT,
  created_at_ms      BIGINT NOT NULL,
  delivered_at_ms    BIGINT
);
CREATE INDEX notifications_due ON notifications (next_attempt_at_ms) WHERE status = 'pending';

CREATE TABLE settings (
  name  TEXT PRIMARY KEY,
  value TEXT NOT NULL
);
`,
  },
  {
    version: 2,
    name: 'order ids closed before any payment reached the platform',
    sql: `
-- See the SQLite migration 3. closeBill records an id here under an exclusive advisory lock on
-- the id; payments hold the same lock shared while they look for it and insert their order.
CREATE TABLE closed_order_ids (
  mch_id       TEXT NOT NULL REFERENCES merchants (mch_id),
  mch_order_id TEXT NOT NULL,
  closed_at_ms BIGINT NOT NULL,
  PRIMARY KEY (mch_id, mch_order_id)
);
`,
  },
  {
    version: 3,
    name: 'fewer index writes per payment: code rows name their order; no journal index by time',
    // Each index entry a payment adds is one more page PostgreSQL writes and WAL-logs; these two
    // were keyed by something random (the code) or read by nothing.
    sql: `
-- See the SQLite migration 2: the order a code paid (or holds for confirmation) is written in the
-- UPDATE that marks the code used, under the code's row lock, instead of a unique index on orders
-- keyed by the code. The audit still checks that no code paid two orders. Codes used before this
-- migration keep NULL.
ALTER TABLE pay_codes ADD COLUMN order_id TEXT;
DROP INDEX orders_one_payment_per_code;
-- No query reads journal entries by time.
DROP INDEX journal_entries_by_time;
`,
  },
  {
    version: 4,
    name: 'merchant key rolls: the previous key and its overlap window, the new key\'s first use',
    sql: `
-- See the SQLite migration 4.
ALTER TABLE merchants ADD COLUMN previous_api_key TEXT;
ALTER TABLE merchants ADD COLUMN previous_key_until_ms BIGINT;
ALTER TABLE merchants ADD COLUMN key_rolled_at_ms BIGINT;
ALTER TABLE merchants ADD COLUMN key_first_used_at_ms BIGINT;
`,
  },
  {
    version: 5,
    name: 'web page sign-in: sessions, one-time wallet sign-in links, cashier accounts',
    // The same tables on both stores, written once (docs/pages.md).
    sql: pageAccessSchema('BIGINT', ''),
  },
  {
    version: 6,
    name: 'dead notifications by index, for the metrics',
    sql: `
-- See the SQLite migration 6.
CREATE INDEX notifications_dead ON notifications (status) WHERE status = 'dead';
`,
  },
  {
    version: 7,
    name: 'which cashier took which charge at the cashier page',
    // The same table on both stores, written once (docs/pages.md).
    sql: cashierChargesSchema('BIGINT', ''),
  },
  {
    version: 8,
    name: 'postings by account, newest first: the wallet page pages its history by posting id',
    sql: `
-- A wallet's history is read a page at a time, older than the last posting shown
-- (recentTransactions). Keyed by account alone, the index gives the account's postings in no useful
-- order, so each page sorted them all; keyed by (account, posting), a page is one index range. It
-- replaces the old index rather than adding one: a posting still writes one index entry, and every
-- lookup by account alone uses the new one. (SQLite walks its per-account posting chain instead.)
CREATE INDEX postings_by_account_newest ON postings (account_id, posting_id);
DROP INDEX postings_by_account;
`,
  },
  {
    version: 9,
    name: 'merchant keys encrypted at rest: the master key id beside the ciphertexts',
    sql: `
-- See the SQLite migration 8. Adding a nullable column without a default is instant.
ALTER TABLE merchants ADD COLUMN master_key_id TEXT;
`,
  },
  {
    version: 10,
    name: 'payouts: merchants paid out to their bank, closed wallets to their holder, through a clearing account',
    // See the SQLite migration 9. The clearing account has one shard that may not go negative:
    // payouts are few, and a payout's request, and its outcome, each lock it briefly.
    sql: payoutSchema('BIGINT', '') + `
INSERT INTO accounts (id, kind, shards) VALUES ('platform:payouts', 'platform', 1);
INSERT INTO account_shards (account_id, shard, may_go_negative) VALUES ('platform:payouts', 0, FALSE);
`,
  },
  {
    version: 11,
    name: 'refused payments by their code, for the wallet page\'s live result',
    sql: FAILED_BY_CODE_INDEX,
  },
  {
    version: 12,
    name: 'payment statistics: one row per minute and server process, for the operator\'s dashboard',
    // See the SQLite migration 11.
    sql: paymentMinutesSchema('BIGINT', ''),
  },
  {
    version: 13,
    name: 'notification attempt history: each delivery attempt with the receiver\'s answer',
    // The same table on both stores, written once (docs/notifications.md, "Attempt history").
    sql: notificationAttemptsSchema('BIGINT', ''),
  },
  {
    version: 14,
    name: 'the audit log: every operator and merchant-user action, append-only',
    // See the SQLite migration 13. One trigger function refuses UPDATE and DELETE (per row) and
    // TRUNCATE (per statement), so only a schema change by the database's owner can remove rows.
    sql: auditLogSchema('BIGINT', 'BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY', '') + `
CREATE FUNCTION audit_log_refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION '${APPEND_ONLY_MESSAGE} (% refused)', TG_OP USING ERRCODE = 'insufficient_privilege';
END
$$;
CREATE TRIGGER audit_log_no_change BEFORE UPDATE OR DELETE ON audit_log FOR EACH ROW EXECUTE FUNCTION audit_log_refuse_change();
CREATE TRIGGER audit_log_no_truncate BEFORE TRUNCATE ON audit_log FOR EACH STATEMENT EXECUTE FUNCTION audit_log_refuse_change();
`,
  },
  {
    version: 15,
    name: 'wallets newest first, for the operator console\'s wallet search',
    sql: CONSOLE_INDEXES,
  },
  {
    version: 16,
    name: 'consoles: merchant users with roles and refund limits, operators, merchant and operator sessions',
    // docs/consoles.md; the shared parts written once (console-access-schema.ts).
    sql: postgresConsoleAccessMigration(),
  },
  {
    version: 17,
    name: 'the merchant console\'s order search: orders by merchant and trade time, and the ones not PAID',
    // Why these two and no more: store/order-search-sql.ts and docs/consoles.md, "Orders".
    sql: ORDER_SEARCH_INDEXES,
  },
  {
    version: 18,
    name: 'page sessions by user and by operator: a reset or a lockout ends them all',
    sql: SESSION_OWNER_INDEXES,
  },
  {
    version: 19,
    name: 'order ids in code point order, for the order search\'s prefix on any database collation',
    // Why: store/order-search-sql.ts ORDER_ID_C_INDEX; docs/consoles.md.
    sql: ORDER_ID_C_INDEX,
  },
  {
    version: 20,
    name: 'offline payment codes: enrolled wallet devices, the wallet\'s last accepted offline counter',
    // The same on both stores, written once (store/offline-device-sql.ts, docs/offline-codes.md).
    sql: offlineDeviceSchema('BIGINT', ''),
  },
  {
    version: 21,
    name: 'the audit log names a wallet\'s holder as an actor: their own offline devices enrolled and signed out',
    sql: POSTGRES_AUDIT_LOG_WALLET_HOLDER,
  },
  {
    version: 22,
    name: 'a merchant user\'s or operator\'s lockout ends by itself: when the wrong tries made the lock',
    sql: accountLockMigration('BIGINT', '(EXTRACT(EPOCH FROM now()) * 1000)::BIGINT'),
  },
  {
    version: 23,
    name: 'statements find a day\'s payments by trade time: the index by pay time, one page per payment, dropped',
    // Pay time lies within [trade time, trade time + the longest hold] (domain/pay-time.ts), so
    // the statement walks orders_by_merchant_trade_time instead (store/statement-sql.ts).
    sql: 'DROP INDEX orders_by_merchant_pay_time;',
  },
  {
    version: 24,
    name: 'offline devices expire: an enrolment lasts its lifetime from enrolment or the holder\'s last renewal; a page\'s device names its session',
    sql: deviceLifetimeMigration('BIGINT', '(EXTRACT(EPOCH FROM now()) * 1000)::BIGINT'),
  },
  {
    version: 25,
    name: 'operator roles: admin, finance or support; every earlier operator an admin',
    sql: OPERATOR_ROLE_MIGRATION,
  },
  {
    version: 26,
    name: 'payout accounts: where each merchant\'s payouts go, copied onto each payout when it is requested',
    sql: payoutAccountMigration('BIGINT', '', POSTGRES_PAYOUT_ACCOUNT_GUARD),
  },
  {
    version: 27,
    name: 'payouts record when their account was set: finance is told of a payout to an account set under a day before',
    sql: payoutAccountAgeMigration('BIGINT', POSTGRES_PAYOUT_ACCOUNT_TIME_GUARD),
  },
  {
    version: 28,
    name: 'merchant users can be disabled: a disabled user keeps its name and history but signs in nowhere',
    sql: userDisableMigration('BIGINT'),
  },
  {
    version: 29,
    name: 'the audit log keeps an operator\'s role when it acted: roles change, and the log says with what right',
    sql: OPERATOR_ROLE_IN_AUDIT_LOG_MIGRATION,
  },
  {
    version: 30,
    name: 'operators can be disabled: someone who left signs in nowhere, their history stays',
    sql: operatorDisableMigration('BIGINT'),
  },
  {
    version: 31,
    name: 'a top-up made by mistake can be reversed, once: the correction entry names the top-up it takes back',
    sql: topUpReversalMigration('BIGINT'),
  },
  {
    version: 32,
    name: 'payout files: each file of payouts finance takes to the bank is numbered, and no payout is put in a new file twice',
    sql: payoutFileMigration('BIGINT', '', 'CAST(EXTRACT(EPOCH FROM now()) * 1000 AS BIGINT)'),
  },
  {
    version: 33,
    name: 'a top-up under a request id is made once: sent again after a lost answer, it tops up nothing more',
    sql: topUpRequestMigration('BIGINT', ''),
  },
];

/**
 * Applies pending migrations under an advisory lock, so several processes starting at once apply
 * each migration exactly once; refuses to run against a schema newer than this code knows.
 */
export async function migratePostgres(pool: pg.Pool, upgrade = true): Promise<SchemaUpgrade> {
  const client = await pool.connect();
  try {
    // Waiting for another process's migration, or running a long one, is not a stuck statement.
    await client.query('SET statement_timeout = 0');
    await client.query(`SELECT pg_advisory_lock(hashtext('micropay:migrate'))`);
    // Created only when missing: PostgreSQL checks the right to CREATE before IF NOT EXISTS, and a
    // server may run as a role that does not own the schema once the owner has migrated it.
    const { rows: [table] } = await client.query(`SELECT to_regclass('schema_migrations') IS NOT NULL AS present`);
    if ((table as { present: boolean }).present !== true) {
      await client.query(`CREATE TABLE IF NOT EXISTS schema_migrations (
        version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at_ms BIGINT NOT NULL)`);
    }
    const { rows } = await client.query('SELECT version FROM schema_migrations');
    const done = new Set((rows as { version: number }[]).map((r) => r.version));
    checkSchemaVersion(done, POSTGRES_MIGRATIONS, upgrade);
    const applied: number[] = [];
    for (const m of POSTGRES_MIGRATIONS.filter((m) => !done.has(m.version))) {
      await client.query('BEGIN');
      try {
        await client.query(m.sql);
        await client.query('INSERT INTO schema_migrations (version, name, applied_at_ms) VALUES ($1, $2, $3)', [m.version, m.name, Date.now()]);
        await client.query('COMMIT');
      } catch (error) {
        await client.query('ROLLBACK');
        throw error;
      }
      applied.push(m.version);
    }
    return { from: Math.max(0, ...done), applied };
  } finally {
    await client.query(`SELECT pg_advisory_unlock(hashtext('micropay:migrate'))`).catch(() => undefined);
    await client.query('RESET statement_timeout').catch(() => undefined);
    client.release();
  }
}
