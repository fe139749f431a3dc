import type { Payout } from '../domain/payout.js';
import type { PayoutAccount } from '../domain/payout-account.js';

/**
 * The payouts table and the clearing account (domain/payout.ts), the same on both stores: `int`
 * is the stores' integer type, `strict` SQLite's table option. Each store adds the clearing
 * account's row in its own shape.
 */
export function payoutSchema(int: string, strict: string): string {
  return `
CREATE TABLE payouts (
  payout_id       TEXT PRIMARY KEY,
  -- Whose money it is: a merchant's (payout create) or a closed wallet's holder's (wallet close).
  mch_id          TEXT REFERENCES merchants (mch_id),
  wallet_id       TEXT REFERENCES wallets (wallet_id),
  -- The operator's id for the request: a repeat of it pays nothing twice.
  request_id      TEXT,
  amount_sen      ${int} NOT NULL CHECK (amount_sen > 0),
  status          TEXT NOT NULL CHECK (status IN ('REQUESTED', 'PAID_OUT', 'FAILED')),
  fail_reason     TEXT,
  requested_at_ms ${int} NOT NULL,
  finished_at_ms  ${int},
  CHECK ((mch_id IS NULL) <> (wallet_id IS NULL)),
  CHECK ((status = 'REQUESTED') = (finished_at_ms IS NULL)),
  UNIQUE (mch_id, request_id)
)${strict};
CREATE INDEX payouts_by_merchant ON payouts (mch_id, requested_at_ms);
CREATE INDEX payouts_by_wallet ON payouts (wallet_id) WHERE wallet_id IS NOT NULL;
CREATE INDEX payouts_requested ON payouts (requested_at_ms) WHERE status = 'REQUESTED';

-- The payout each payout entry moves (its request, then PAID_OUT or FAILED: two entries at most).
ALTER TABLE journal_entries ADD COLUMN payout_id TEXT REFERENCES payouts (payout_id);
CREATE UNIQUE INDEX journal_entries_by_payout ON journal_entries (payout_id, kind) WHERE payout_id IS NOT NULL;
`;
}

/**
 * Payout accounts (domain/payout-account.ts; SQLite migration 25, PostgreSQL 26): where each
 * merchant's payouts go, and on each payout the account it was requested to. Payouts requested
 * before have none: their destination was the operator's to know. `guard` refuses a new merchant
 * payout without its account in the database itself (a trigger on insert only, so the payouts
 * made before are still confirmed and failed): a process still on the old code, left running
 * through the upgrade, fails loudly instead of recording a payout with nowhere to go.
 */
export function payoutAccountMigration(int: string, strict: string, guard: string): string {
  return `
CREATE TABLE payout_accounts (
  mch_id         TEXT PRIMARY KEY REFERENCES merchants (mch_id),
  holder_name    TEXT NOT NULL,
  bank_name      TEXT NOT NULL,
  account_number TEXT NOT NULL,
  set_at_ms      ${int} NOT NULL
)${strict};
ALTER TABLE payouts ADD COLUMN to_holder_name TEXT;
ALTER TABLE payouts ADD COLUMN to_bank_name TEXT;
ALTER TABLE payouts ADD COLUMN to_account_number TEXT;
${guard}`;
}

const NO_ACCOUNT = "a merchant payout needs the payout account it goes to (migration: payout accounts); stop processes on older code";
const NO_ACCOUNT_TIME = "a merchant payout needs the payout account it goes to and when that was set (migrations: payout accounts); stop processes on older code";

/** SQLite's guard (payoutAccountMigration). */
export const SQLITE_PAYOUT_ACCOUNT_GUARD = `
CREATE TRIGGER payouts_need_an_account BEFORE INSERT ON payouts
  WHEN NEW.mch_id IS NOT NULL AND NEW.to_account_number IS NULL
  BEGIN SELECT RAISE(ABORT, '${NO_ACCOUNT}'); END;
`;

/** SQLite's guard (payoutAccountAgeMigration): migration 25's, now asking for the account's time too. */
export const SQLITE_PAYOUT_ACCOUNT_TIME_GUARD = `
DROP TRIGGER payouts_need_an_account;
CREATE TRIGGER payouts_need_an_account BEFORE INSERT ON payouts
  WHEN NEW.mch_id IS NOT NULL AND (NEW.to_account_number IS NULL OR NEW.to_account_set_at_ms IS NULL)
  BEGIN SELECT RAISE(ABORT, '${NO_ACCOUNT_TIME}'); END;
`;

/** PostgreSQL's guard (payoutAccountAgeMigration): the trigger of migration 26 calls this function instead. */
export const POSTGRES_PAYOUT_ACCOUNT_TIME_GUARD = `
CREATE OR REPLACE FUNCTION payouts_need_an_account() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF NEW.mch_id IS NOT NULL AND (NEW.to_account_number IS NULL OR NEW.to_account_set_at_ms IS NULL) THEN RAISE EXCEPTION '${NO_ACCOUNT_TIME}'; END IF;
  RETURN NEW;
END $$;
`;

/** PostgreSQL's guard (payoutAccountMigration). */
export const POSTGRES_PAYOUT_ACCOUNT_GUARD = `
CREATE FUNCTION payouts_need_an_account() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF NEW.mch_id IS NOT NULL AND NEW.to_account_number IS NULL THEN RAISE EXCEPTION '${NO_ACCOUNT}'; END IF;
  RETURN NEW;
END $$;
CREATE TRIGGER payouts_need_an_account BEFORE INSERT ON payouts FOR EACH ROW EXECUTE FUNCTION payouts_need_an_account();
`;

/** The merchant's payout account ($1: its mchId), for rows.ts toPayoutAccount. */
export const PAYOUT_ACCOUNT_SELECT = 'SELECT holder_name, bank_name, account_number, set_at_ms FROM payout_accounts WHERE mch_id = $1';

/** The payout account set ($1 mchId, then holder, bank, number, set time), in place of any before. */
export const PAYOUT_ACCOUNT_UPSERT = `INSERT INTO payout_accounts (mch_id, holder_name, bank_name, account_number, set_at_ms) VALUES ($1, $2, $3, $4, $5)
ON CONFLICT (mch_id) DO UPDATE SET holder_name = excluded.holder_name, bank_name = excluded.bank_name,
  account_number = excluded.account_number, set_at_ms = excluded.set_at_ms`;

/** A new payout, with the account it goes to and when that account was set (payoutValues). */
export const INSERT_PAYOUT = `INSERT INTO payouts (payout_id, mch_id, wallet_id, request_id, amount_sen, status, fail_reason, requested_at_ms, finished_at_ms,
  to_holder_name, to_bank_name, to_account_number, to_account_set_at_ms) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)`;

export function payoutValues(p: Payout): unknown[] {
  const to = p.destination;
  return [p.payoutId, p.mchId, p.walletId, p.requestId, p.amountSen, p.status, p.failReason, p.requestedAtMs, p.finishedAtMs,
    to?.holderName ?? null, to?.bankName ?? null, to?.accountNumber ?? null, p.accountSetAtMs];
}

/**
 * When each payout's account was set (SQLite migration 26, PostgreSQL 27), so that finance is told
 * of a payout to an account new at its request (domain/payout.ts newAccountAgeMs). A REQUESTED
 * merchant payout whose account is still the merchant's, set before the payout was requested (or
 * up to a minute after, by another process's clock: newAccountAgeMs reads that as new), copied
 * that account: it gets its time, and is told new if it is. The rest made before have none
 * and are not called new. `guard` refuses a new merchant payout without it, as migration 25's did
 * without the account: a process on older code, left running, must not pay to a new account unseen.
 */
export function payoutAccountAgeMigration(int: string, guard: string): string {
  return `
ALTER TABLE payouts ADD COLUMN to_account_set_at_ms ${int};
UPDATE payouts SET to_account_set_at_ms = (SELECT a.set_at_ms FROM payout_accounts a WHERE a.mch_id = payouts.mch_id
    AND a.holder_name = payouts.to_holder_name AND a.bank_name = payouts.to_bank_name AND a.account_number = payouts.to_account_number
    AND a.set_at_ms <= payouts.requested_at_ms + 60000)
  WHERE status = 'REQUESTED' AND mch_id IS NOT NULL;
${guard}`;
}

export function payoutAccountValues(mchId: string, a: PayoutAccount): unknown[] {
  return [mchId, a.holderName, a.bankName, a.accountNumber, a.setAtMs];
}

/**
 * Payout files (domain/payout-file.ts; SQLite migration 31, PostgreSQL 32): each numbered file of
 * payouts finance took to the bank, and on each payout the file it was first put in. The payouts
 * waiting at the upgrade may have gone to the bank in an older version's file already: they are put
 * in payout file 1, made by the upgrade (`nowMs`: the store's clock expression), so that no new
 * file hands them to the bank again; finance saves file 1 to see them. Paid and failed ones are in none.
 */
export function payoutFileMigration(int: string, strict: string, nowMs: string): string {
  return `
CREATE TABLE payout_files (
  file_no    ${int} PRIMARY KEY CHECK (file_no > 0),
  made_at_ms ${int} NOT NULL,
  payouts    ${int} NOT NULL CHECK (payouts > 0),
  total_sen  ${int} NOT NULL CHECK (total_sen > 0)
)${strict};
ALTER TABLE payouts ADD COLUMN file_no ${int} REFERENCES payout_files (file_no);
CREATE INDEX payouts_by_file ON payouts (file_no) WHERE file_no IS NOT NULL;
${waitingPayoutsToFileOne(nowMs)}`;
}

/** The upgrade's payout file 1: every payout waiting for the bank, when there are any (payoutFileMigration). */
export function waitingPayoutsToFileOne(nowMs: string): string {
  return `
INSERT INTO payout_files (file_no, made_at_ms, payouts, total_sen)
  SELECT 1, ${nowMs}, COUNT(*), SUM(amount_sen) FROM payouts WHERE status = 'REQUESTED' HAVING COUNT(*) > 0;
UPDATE payouts SET file_no = 1 WHERE status = 'REQUESTED';
`;
}

/** The REQUESTED payouts in no file yet, requested in [$1, $2), newest first, at most $3 (view payoutsToFile). */
export const PAYOUTS_TO_FILE = `SELECT * FROM payouts WHERE status = 'REQUESTED' AND file_no IS NULL AND requested_at_ms >= $1 AND requested_at_ms < $2
  ORDER BY requested_at_ms DESC, payout_id DESC LIMIT $3`;

/** A file's payouts still REQUESTED, in id order (view payoutsOfFile: locked in one order by every confirmation of it). */
export const PAYOUTS_WAITING_IN_FILE = `SELECT * FROM payouts WHERE file_no = $1 AND status = 'REQUESTED' ORDER BY payout_id`;

export const LAST_PAYOUT_FILE = 'SELECT COALESCE(MAX(file_no), 0) AS file_no FROM payout_files';

export const INSERT_PAYOUT_FILE = 'INSERT INTO payout_files (file_no, made_at_ms, payouts, total_sen) VALUES ($1, $2, $3, $4)';
