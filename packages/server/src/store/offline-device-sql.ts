import type { WalletDevice } from '../domain/offline-code.js';
import type { Row } from './rows.js';

/**
 * Offline codes' tables and statements, written once for both stores (docs/offline-codes.md).
 * The migration (SQLite 19, PostgreSQL 20) adds the enrolled devices and, on the wallet's account
 * row, the last accepted offline counter: every payment from the wallet writes that row anyway
 * (its balance or hold), so an offline payment's one-time state costs no page of its own.
 */
export function offlineDeviceSchema(ms: 'INTEGER' | 'BIGINT', strict: ' STRICT' | ''): string {
  return `
-- The counter of the last offline code that paid or holds from this wallet: a code pays only with a
-- greater one (a later code retires every earlier one). 0: none yet. Only wallet accounts use it.
ALTER TABLE accounts ADD COLUMN offline_counter ${ms} NOT NULL DEFAULT 0;

-- Devices enrolled for offline codes. The index is the primary key (codes carry it only through a
-- keyed permutation, the tag) and is never reused: a revoked device keeps its row. The secret is
-- not stored: it is derived from the platform's offline-code key, the index and the salt.
CREATE TABLE wallet_devices (
  device_index  ${ms} PRIMARY KEY CHECK (device_index >= 0 AND device_index < 100000000),
  wallet_id     TEXT NOT NULL REFERENCES wallets (wallet_id),
  status        TEXT NOT NULL CHECK (status IN ('active', 'revoked')),
  salt          TEXT NOT NULL,
  label         TEXT NOT NULL,
  created_at_ms ${ms} NOT NULL,
  revoked_at_ms ${ms}
)${strict};
CREATE INDEX wallet_devices_by_wallet ON wallet_devices (wallet_id);
`;
}

/**
 * An enrolment lasts until its expiry, which the holder's renewals move on (SQLite 23, PostgreSQL
 * 24). Devices enrolled before get 7 days (the default lifetime when this was written; a constant
 * here, so a later default does not change the migration) from the migration's moment: their
 * holders' pages and apps renew them as soon as they are online. A revoked device expired when it
 * was revoked.
 */
export function deviceLifetimeMigration(ms: 'INTEGER' | 'BIGINT', nowMs: string): string {
  return `
ALTER TABLE wallet_devices ADD COLUMN expires_at_ms ${ms} NOT NULL DEFAULT 0;
-- The wallet page's session that enrolled or last renewed the device (null: an app or the CLI):
-- revoking the device signs that browser out too.
ALTER TABLE wallet_devices ADD COLUMN session_hash TEXT;
UPDATE wallet_devices SET expires_at_ms = ${nowMs} + 604800000 WHERE status = 'active';
UPDATE wallet_devices SET expires_at_ms = COALESCE(revoked_at_ms, created_at_ms) WHERE status = 'revoked';
`;
}

/** The device columns, named apart from the wallet's (both have a status and a creation time). */
export const DEVICE_COLUMNS = `d.device_index, d.wallet_id AS device_wallet_id, d.status AS device_status, d.salt AS device_salt,
       d.label AS device_label, d.created_at_ms AS device_created_at_ms, d.revoked_at_ms AS device_revoked_at_ms,
       d.expires_at_ms AS device_expires_at_ms, d.session_hash AS device_session_hash`;

/** A device with its wallet (the columns toWallet reads) and the wallet's last accepted counter. */
export function deviceWithWalletSql(placeholder: string): string {
  return `SELECT ${DEVICE_COLUMNS}, w.*, a.balance_sen, a.held_sen, a.offline_counter
    FROM wallet_devices d JOIN wallets w ON w.wallet_id = d.wallet_id JOIN accounts a ON a.id = w.account_id
   WHERE d.device_index = ${placeholder}`;
}

export const INSERT_DEVICE_COLUMNS = 'device_index, wallet_id, status, salt, label, created_at_ms, expires_at_ms, session_hash';

export function toDevice(r: Row): WalletDevice {
  return {
    deviceIndex: Number(r.device_index),
    walletId: r.device_wallet_id as string,
    status: r.device_status as WalletDevice['status'],
    salt: r.device_salt as string,
    label: r.device_label as string,
    createdAtMs: Number(r.device_created_at_ms),
    revokedAtMs: r.device_revoked_at_ms === null ? null : Number(r.device_revoked_at_ms),
    expiresAtMs: Number(r.device_expires_at_ms),
    sessionHash: (r.device_session_hash as string | null) ?? null,
  };
}

/** Where the platform's offline-code key is kept, sealed under the master key. */
export const OFFLINE_KEY_SETTING = 'offline_code_key';

/** The statements of the device effects, in PostgreSQL's placeholders (sqliteSql turns them into ?). */
export const INSERT_DEVICE = `INSERT INTO wallet_devices (${INSERT_DEVICE_COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`;
/** A page's renewal names its session ($2); an app's (null) keeps the one recorded. */
export const RENEW_DEVICE = `UPDATE wallet_devices SET expires_at_ms = $1, session_hash = COALESCE($2, session_hash)
  WHERE wallet_id = $3 AND device_index = $4 AND status = 'active'`;
export const REVOKE_DEVICE = `UPDATE wallet_devices SET status = 'revoked', revoked_at_ms = $1
  WHERE wallet_id = $2 AND device_index = $3 AND status = 'active'`;
export const REVOKE_WALLET_DEVICES = `UPDATE wallet_devices SET status = 'revoked', revoked_at_ms = $1
  WHERE wallet_id = $2 AND status = 'active'`;
/** Compare-and-set: the counter must be above the stored one (`$3` is the counter again). */
export const ADVANCE_OFFLINE_COUNTER = 'UPDATE accounts SET offline_counter = $1 WHERE id = $2 AND offline_counter < $3';
export const DEVICE_BY_INDEX = `SELECT ${DEVICE_COLUMNS} FROM wallet_devices d WHERE d.device_index = $1`;
export const WALLET_DEVICES = `SELECT ${DEVICE_COLUMNS} FROM wallet_devices d WHERE d.wallet_id = $1 ORDER BY d.created_at_ms, d.device_index`;

export function deviceValues(d: WalletDevice): unknown[] {
  return [d.deviceIndex, d.walletId, d.status, d.salt, d.label, d.createdAtMs, d.expiresAtMs, d.sessionHash];
}
