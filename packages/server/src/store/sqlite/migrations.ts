import { paymentMinutesSchema } from '../payment-minutes-sql.js';
import type { Migration } from '../store.js';
import { pageAccessSchema, SESSION_OWNER_INDEXES } from '../page-access-schema.js';
import { FAILED_BY_CODE_INDEX } from '../pay-code-outcomes.js';
import { cashierChargesSchema } from '../cashier-charge-sql.js';
import { payoutAccountAgeMigration, payoutAccountMigration, payoutFileMigration, payoutSchema, SQLITE_PAYOUT_ACCOUNT_GUARD, SQLITE_PAYOUT_ACCOUNT_TIME_GUARD } from '../payout-schema.js';
import { deviceLifetimeMigration, offlineDeviceSchema } from '../offline-device-sql.js';
import { notificationAttemptsSchema } from '../notification-attempts-sql.js';
import { APPEND_ONLY_MESSAGE, auditLogSchema, OPERATOR_ROLE_IN_AUDIT_LOG_MIGRATION, SQLITE_AUDIT_LOG_NO_REPLACE, SQLITE_AUDIT_LOG_WALLET_HOLDER } from '../audit-log-sql.js';
import { CONSOLE_INDEXES } from '../console-sql.js';
import { accountLockMigration, OPERATOR_ROLE_MIGRATION, operatorDisableMigration, userDisableMigration, sqliteConsoleAccessMigration } from '../console-access-schema.js';
import { topUpRequestMigration, topUpReversalMigration } from '../top-up-reversal-sql.js';
import { ORDER_SEARCH_INDEXES } from '../order-search-sql.js';

/**
 * Versioned schema for the SQLite store. Append new migrations; never edit an applied one.
 * Amounts are INTEGER sen; times are INTEGER milliseconds since the epoch.
 */
export const SQLITE_MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    name: 'merchants, wallets, payment codes, orders, refunds, ledger, notification outbox',
    sql: `
CREATE TABLE merchants (
  mch_id        TEXT PRIMARY KEY,
  name          TEXT NOT NULL,
  api_key       TEXT NOT NULL,
  status        TEXT NOT NULL CHECK (status IN ('active', 'disabled')),
  notify_url    TEXT,
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
-- The shape the audit reads balances in, the same on both stores.
CREATE VIEW account_balances AS SELECT id, kind, balance_sen, held_sen FROM accounts;

CREATE TABLE wallets (
  wallet_id     TEXT PRIMARY KEY,
  name          TEXT NOT NULL,
  status        TEXT NOT NULL CHECK (status IN ('active', 'frozen', 'closed')),
  account_id    TEXT NOT NULL UNIQUE REFERENCES accounts (id),
  -- SHA-256 of the wallet app's bearer token (the token itself is shown once, at creation).
  token_hash    TEXT UNIQUE,
  -- scrypt of the PIN that confirms large payments; null: the wallet has no PIN.
  pin_hash      TEXT,
  pin_failures  INTEGER NOT NULL DEFAULT 0,
  -- Payments above this need the user's confirmation; null: the platform default.
  confirm_limit_sen INTEGER CHECK (confirm_limit_sen IS NULL OR confirm_limit_sen >= 0),
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
  -- NEW and PENDING orders are settled by this time at the latest (the sweeper fails them).
  deadline_ms   INTEGER,
  -- Sum of the order's refunds that are in process or done: never above amount_sen.
  refunded_sen  INTEGER NOT NULL DEFAULT 0,
  updated_at_ms INTEGER NOT NULL,
  UNIQUE (mch_id, mch_order_id),
  CHECK (refunded_sen >= 0 AND refunded_sen <= amount_sen)
) STRICT;
CREATE INDEX orders_unsettled ON orders (deadline_ms) WHERE status IN ('NEW', 'PENDING');
CREATE INDEX orders_pending_by_wallet ON orders (wallet_id) WHERE status = 'PENDING';
CREATE INDEX orders_by_merchant_pay_time ON orders (mch_id, pay_time_ms);
-- One code pays one order, enforced by the database as well as by the code's status. A NEW order
-- (its payment step failed) and a FAILED one never used their code, so they do not count.
CREATE UNIQUE INDEX orders_one_payment_per_code ON orders (pay_code) WHERE status NOT IN ('NEW', 'FAILED');

CREATE TABLE journal_entries (
  entry_id      INTEGER PRIMARY KEY,
  kind          TEXT NOT NULL,
  order_id      TEXT REFERENCES orders (order_id),
  refund_id     TEXT REFERENCES refunds (refund_id),
  created_at_ms INTEGER NOT NULL
) STRICT;
CREATE INDEX journal_entries_by_order ON journal_entries (order_id) WHERE order_id IS NOT NULL;
CREATE UNIQUE INDEX journal_entries_one_per_refund ON journal_entries (refund_id) WHERE refund_id IS NOT NULL;

CREATE TABLE postings (
  posting_id INTEGER PRIMARY KEY,
  entry_id   INTEGER NOT NULL REFERENCES journal_entries (entry_id),
  account_id TEXT NOT NULL REFERENCES accounts (id),
  amount_sen INTEGER NOT NULL CHECK (amount_sen <> 0)
) STRICT;
CREATE INDEX postings_by_entry ON postings (entry_id);
CREATE INDEX postings_by_account ON postings (account_id);

CREATE TABLE refunds (
  refund_id      TEXT PRIMARY KEY,
  mch_id         TEXT NOT NULL REFERENCES merchants (mch_id),
  mch_refund_id  TEXT NOT NULL,
  order_id       TEXT NOT NULL REFERENCES orders (order_id),
  amount_sen     INTEGER NOT NULL CHECK (amount_sen > 0),
  reason         TEXT,
  status         TEXT NOT NULL CHECK (status IN ('REFUND_IN_PROCESS', 'REFUNDED', 'REFUND_FAILED')),
  fail_reason    TEXT,
  fingerprint    TEXT NOT NULL,
  requested_at_ms INTEGER NOT NULL,
  finished_at_ms INTEGER,
  UNIQUE (mch_id, mch_refund_id)
) STRICT;
CREATE INDEX refunds_by_order ON refunds (order_id);
CREATE INDEX refunds_in_process ON refunds (requested_at_ms) WHERE status = 'REFUND_IN_PROCESS';
CREATE INDEX refunds_by_merchant_finished ON refunds (mch_id, finished_at_ms);

-- The notification outbox: a row is written in the same transaction as the state change it tells
-- of; the delivery worker claims due rows with a lease and posts them outside any transaction.
CREATE TABLE notifications (
  notification_id TEXT PRIMARY KEY,
  mch_id          TEXT NOT NULL REFERENCES merchants (mch_id),
  event_type      TEXT NOT NULL,
  subject_id      TEXT NOT NULL,
  url             TEXT NOT NULL,
  -- The event's data, unsigned: it is signed with the merchant's key when it is sent.
  payload         TEXT NOT NULL,
  status          TEXT NOT NULL CHECK (status IN ('pending', 'delivered', 'dead')),
  attempts        INTEGER NOT NULL DEFAULT 0,
  next_attempt_at_ms INTEGER NOT NULL,
  lease_owner     TEXT,
  lease_until_ms  INTEGER,
  last_error      TEXT,
  created_at_ms   INTEGER NOT NULL,
  delivered_at_ms INTEGER
) STRICT;
CREATE INDEX notifications_due ON notifications (next_attempt_at_ms) WHERE status = 'pending';

CREATE TABLE settings (
  name  TEXT PRIMARY KEY,
  value TEXT NOT NULL
) STRICT;
`,
  },
  {
    version: 2,
    name: 'fewer random pages per payment: code rows name their order, wallets their active code, postings chain per account',
    // A payment from a wallet touches pages at random places in the file (its code, its account),
    // and every such page is written again at commit. Version 1 had three indexes keyed by the
    // wallet or the code that each added one more random page to every payment; this replaces
    // them with columns on rows the payment writes anyway.
    sql: `
-- The one order a code paid (or is holding for confirmation), written in the same UPDATE that marks
-- it used: one code, one order, by construction. Codes used before version 2 keep NULL.
ALTER TABLE pay_codes ADD COLUMN order_id TEXT;
DROP INDEX orders_one_payment_per_code;

-- Issuing a code retires the wallet's previous one through this pointer instead of an index.
ALTER TABLE wallets ADD COLUMN active_code TEXT;
UPDATE wallets SET active_code = (
  SELECT c.code FROM pay_codes c WHERE c.wallet_id = wallets.wallet_id AND c.status = 'active'
   ORDER BY c.issued_at_ms DESC LIMIT 1);
DROP INDEX pay_codes_active_by_wallet;

-- Each account's postings form a chain, newest first: the account row (written by every posting
-- anyway) points at its latest posting and each posting at the one before it. A wallet's history
-- walks the chain instead of an index on account_id.
ALTER TABLE accounts ADD COLUMN last_posting_id INTEGER;
ALTER TABLE postings ADD COLUMN prev_posting_id INTEGER;
UPDATE postings SET prev_posting_id = (
  SELECT MAX(q.posting_id) FROM postings q WHERE q.account_id = postings.account_id AND q.posting_id < postings.posting_id);
UPDATE accounts SET last_posting_id = (SELECT MAX(p.posting_id) FROM postings p WHERE p.account_id = accounts.id);
DROP INDEX postings_by_account;
`,
  },
  {
    version: 3,
    name: 'order ids closed before any payment reached the platform',
    sql: `
-- closeBill for an order id with no order records the id here, in the same transaction that
-- found no order; a payment under it is then refused (1025), so a late copy of a request the
-- merchant gave up on can never charge the customer. Checked only when no order exists.
CREATE TABLE closed_order_ids (
  mch_id       TEXT NOT NULL REFERENCES merchants (mch_id),
  mch_order_id TEXT NOT NULL,
  closed_at_ms INTEGER NOT NULL,
  PRIMARY KEY (mch_id, mch_order_id)
) STRICT, WITHOUT ROWID;
`,
  },
  {
    version: 4,
    name: 'merchant key rolls: the previous key and its overlap window, the new key\'s first use',
    sql: `
-- micropay merchant roll-key (domain/merchant-keys.ts): the key before the last roll verifies
-- requests until previous_key_until_ms; answers are signed with it until key_first_used_at_ms
-- records the first request signed with the current key (written once per roll, not per request).
ALTER TABLE merchants ADD COLUMN previous_api_key TEXT;
ALTER TABLE merchants ADD COLUMN previous_key_until_ms INTEGER;
ALTER TABLE merchants ADD COLUMN key_rolled_at_ms INTEGER;
ALTER TABLE merchants ADD COLUMN key_first_used_at_ms INTEGER;
`,
  },
  {
    version: 5,
    name: 'web page sign-in: sessions, one-time wallet sign-in links, cashier accounts',
    // The same tables on both stores, written once (docs/pages.md).
    sql: pageAccessSchema('INTEGER', ' STRICT'),
  },
  {
    version: 6,
    name: 'dead notifications by index, for the metrics',
    sql: `
-- /metrics reports the dead notifications (store/notification-backlog.ts) at every scrape: this
-- index holds only those few rows, so counting them never scans the outbox.
CREATE INDEX notifications_dead ON notifications (status) WHERE status = 'dead';
`,
  },
  {
    version: 7,
    name: 'which cashier took which charge at the cashier page',
    // The same table on both stores, written once (docs/pages.md).
    sql: cashierChargesSchema('INTEGER', ' STRICT'),
  },
  {
    version: 8,
    name: 'merchant keys encrypted at rest: the master key id beside the ciphertexts',
    sql: `
-- api_key and previous_api_key hold AES-256-GCM ciphertexts (secrets/merchant-key-vault.ts) under
-- the master key named here; NULL: keys written before this migration, still plain text. The first
-- open with a master key encrypts those in one transaction (platform.ts openStore, resealMerchantKeys).
ALTER TABLE merchants ADD COLUMN master_key_id TEXT;
`,
  },
  {
    version: 9,
    name: 'payouts: merchants paid out to their bank, closed wallets to their holder, through a clearing account',
    // docs/operations.md, "Payouts". The clearing account is a platform account like the float.
    sql: payoutSchema('INTEGER', ' STRICT') + `INSERT INTO accounts (id, kind) VALUES ('platform:payouts', 'platform');\n`,
  },
  {
    version: 10,
    name: 'refused payments by their code, for the wallet page\'s live result',
    sql: FAILED_BY_CODE_INDEX,
  },
  {
    version: 11,
    name: 'payment statistics: one row per minute and server process, for the operator\'s dashboard',
    // The same table on both stores, written once (docs/operations.md, "Payment statistics").
    sql: paymentMinutesSchema('INTEGER', ' STRICT'),
  },
  {
    version: 12,
    name: 'notification attempt history: each delivery attempt with the receiver\'s answer',
    // The same table on both stores, written once (docs/notifications.md, "Attempt history").
    sql: notificationAttemptsSchema('INTEGER', ' STRICT'),
  },
  {
    version: 13,
    name: 'the audit log: every operator and merchant-user action, append-only',
    // The table is the same on both stores (audit-log-sql.ts); AUTOINCREMENT never reuses an id.
    // The triggers make the database itself refuse to change or delete a row (docs/audit-log.md).
    sql: auditLogSchema('INTEGER', 'INTEGER PRIMARY KEY AUTOINCREMENT', ' STRICT') + `
CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log BEGIN SELECT RAISE(ABORT, '${APPEND_ONLY_MESSAGE}'); END;
CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log BEGIN SELECT RAISE(ABORT, '${APPEND_ONLY_MESSAGE}'); END;
`,
  },
  {
    version: 14,
    name: 'wallets newest first, for the operator console\'s wallet search',
    sql: CONSOLE_INDEXES,
  },
  {
    version: 15,
    name: 'consoles: merchant users with roles and refund limits, operators, merchant and operator sessions',
    // docs/consoles.md; the shared parts written once (console-access-schema.ts).
    sql: sqliteConsoleAccessMigration(),
  },
  {
    version: 16,
    name: 'the merchant console\'s order search: orders by merchant and trade time, and the ones not PAID',
    // Why these two and no more: store/order-search-sql.ts and docs/consoles.md, "Orders".
    sql: ORDER_SEARCH_INDEXES,
  },
  {
    version: 17,
    name: 'page sessions by user and by operator: a reset or a lockout ends them all',
    sql: SESSION_OWNER_INDEXES,
  },
  {
    version: 18,
    name: 'the audit log refuses REPLACE: no row is overwritten under its own log id',
    sql: SQLITE_AUDIT_LOG_NO_REPLACE,
  },
  {
    version: 19,
    name: 'offline payment codes: enrolled wallet devices, the wallet\'s last accepted offline counter',
    // The same on both stores, written once (store/offline-device-sql.ts, docs/offline-codes.md).
    sql: offlineDeviceSchema('INTEGER', ' STRICT'),
  },
  {
    version: 20,
    name: 'the audit log names a wallet\'s holder as an actor: their own offline devices enrolled and signed out',
    // A CHECK cannot be altered in SQLite: the table is built anew, its rows copied as they are (audit-log-sql.ts).
    sql: SQLITE_AUDIT_LOG_WALLET_HOLDER,
  },
  {
    version: 21,
    name: 'a merchant user\'s or operator\'s lockout ends by itself: when the wrong tries made the lock',
    sql: accountLockMigration('INTEGER', "CAST(strftime('%s', 'now') AS INTEGER) * 1000"),
  },
  {
    version: 22,
    name: 'statements find a day\'s payments by trade time: the index by pay time, one page per payment, dropped',
    // Pay time lies within [trade time, trade time + the longest hold] (domain/pay-time.ts), so
    // the statement walks orders_by_merchant_trade_time instead (store/statement-sql.ts).
    sql: 'DROP INDEX orders_by_merchant_pay_time;',
  },
  {
    version: 23,
    name: 'offline devices expire: an enrolment lasts its lifetime from enrolment or the holder\'s last renewal; a page\'s device names its session',
    sql: deviceLifetimeMigration('INTEGER', "CAST(strftime('%s', 'now') AS INTEGER) * 1000"),
  },
  {
    version: 24,
    name: 'operator roles: admin, finance or support; every earlier operator an admin',
    sql: OPERATOR_ROLE_MIGRATION,
  },
  {
    version: 25,
    name: 'payout accounts: where each merchant\'s payouts go, copied onto each payout when it is requested',
    sql: payoutAccountMigration('INTEGER', ' STRICT', SQLITE_PAYOUT_ACCOUNT_GUARD),
  },
  {
    version: 26,
    name: 'payouts record when their account was set: finance is told of a payout to an account set under a day before',
    sql: payoutAccountAgeMigration('INTEGER', SQLITE_PAYOUT_ACCOUNT_TIME_GUARD),
  },
  {
    version: 27,
    name: 'merchant users can be disabled: a disabled user keeps its name and history but signs in nowhere',
    sql: userDisableMigration('INTEGER'),
  },
  {
    version: 28,
    name: 'the audit log keeps an operator\'s role when it acted: roles change, and the log says with what right',
    sql: OPERATOR_ROLE_IN_AUDIT_LOG_MIGRATION,
  },
  {
    version: 29,
    name: 'operators can be disabled: someone who left signs in nowhere, their history stays',
    sql: operatorDisableMigration('INTEGER'),
  },
  {
    version: 30,
    name: 'a top-up made by mistake can be reversed, once: the correction entry names the top-up it takes back',
    sql: topUpReversalMigration('INTEGER'),
  },
  {
    version: 31,
    name: 'payout files: each file of payouts finance takes to the bank is numbered, and no payout is put in a new file twice',
    sql: payoutFileMigration('INTEGER', ' STRICT', "CAST(strftime('%s', 'now') AS INTEGER) * 1000"),
  },
  {
    version: 32,
    name: 'a top-up under a request id is made once: sent again after a lost answer, it tops up nothing more',
    sql: topUpRequestMigration('INTEGER', ' STRICT'),
  },
];
