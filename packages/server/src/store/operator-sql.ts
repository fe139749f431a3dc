import type { Effect } from '../domain/effects.js';
import type { Operator, OperatorSummary } from '../domain/operator.js';
import type { OperatorRole } from '@micropay/protocol/operator-roles';
import type { MerchantKeyVault } from '../secrets/merchant-key-vault.js';
import { OpenedOnUse } from '../secrets/opened-on-use.js';
import type { Row } from './rows.js';

/**
 * Operators (domain/operator.ts) as SQL, written once for both stores in PostgreSQL's `$n`
 * placeholders (page-access-sql.ts turns them into SQLite's). The TOTP secret is sealed under the
 * master key on its way in and opened when it is used (a sign-in's code, a reseal), never for a
 * list or a change that leaves it as it is: it is never in a row in plain text.
 */
export type OperatorEffect = Extract<Effect, { kind: 'insertOperator' | 'setOperatorSecurity' | 'setOperatorRole' | 'setOperatorDisabled' | 'resealOperatorTotp' }>;

export const OPERATOR_BY_NAME = 'SELECT * FROM operators WHERE name = $1';
/** Every operator, by name, as a list shows it: whether a sealed TOTP secret is there, not the secret. */
export const OPERATOR_SUMMARIES = `SELECT operator_id, name, failures, locked_at_ms, role, disabled_at_ms, created_at_ms,
  CASE WHEN totp_secret IS NULL THEN 0 ELSE 1 END AS totp_on FROM operators ORDER BY name`;
/** Operators whose TOTP secret is sealed under another master key than $1 (a rotation), by id. */
export const OPERATORS_TO_RESEAL = 'SELECT * FROM operators WHERE master_key_id IS NOT NULL AND master_key_id <> $1 ORDER BY operator_id';
/**
 * Every master key id a secret in the store is sealed under: the merchants' keys and the
 * operators' TOTP secrets. The store opens only with all of them (platform.ts openStore).
 */
export const MASTER_KEY_IDS_IN_USE = `SELECT master_key_id FROM merchants WHERE master_key_id IS NOT NULL
  UNION SELECT master_key_id FROM operators WHERE master_key_id IS NOT NULL ORDER BY 1`;
/** A merchant's users, owner first, then by name (the console's Users list). */
export const MERCHANT_USERS = `SELECT * FROM cashiers WHERE mch_id = $1 ORDER BY CASE role WHEN 'owner' THEN 0 ELSE 1 END, name`;

export function toOperatorSummary(r: Row): OperatorSummary {
  return { ...operatorFields(r), totpOn: Number(r.totp_on) === 1 };
}

export function toOperator(r: Row, keys: MerchantKeyVault): Operator {
  const fields = operatorFields(r);
  const sealed = r.totp_secret as string | null;
  return {
    ...fields,
    passwordHash: r.password_hash as string,
    totpSecret: sealed === null ? null : new OpenedOnUse(() => keys.openTotp(fields.operatorId, sealed, r.master_key_id as string, fields.name)),
    lastTotpStep: r.last_totp_step === null ? null : Number(r.last_totp_step),
  };
}

/** The columns a summary and a whole operator share. */
function operatorFields(r: Row): Omit<OperatorSummary, 'totpOn'> {
  return {
    operatorId: r.operator_id as string,
    name: r.name as string,
    failures: r.failures as number,
    lockedAtMs: r.locked_at_ms === null || r.locked_at_ms === undefined ? null : Number(r.locked_at_ms),
    role: r.role as OperatorRole,
    disabledAtMs: r.disabled_at_ms === null || r.disabled_at_ms === undefined ? null : Number(r.disabled_at_ms),
    createdAtMs: Number(r.created_at_ms),
  };
}

export function operatorWrite(e: OperatorEffect, keys: MerchantKeyVault): { sql: string; values: unknown[]; invariant: string | null } {
  if (e.kind === 'insertOperator') {
    const o = e.operator;
    const totp = o.totpSecret === null ? null : keys.sealTotp(o.operatorId, o.totpSecret, o.name);
    return {
      sql: `INSERT INTO operators (operator_id, name, password_hash, failures, totp_secret, master_key_id, last_totp_step, role, created_at_ms)
            VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)`,
      values: [o.operatorId, o.name, o.passwordHash, o.failures, totp?.sealed ?? null, totp?.masterKeyId ?? null, o.lastTotpStep, o.role, o.createdAtMs],
      invariant: null,
    };
  }
  if (e.kind === 'setOperatorDisabled') {
    return { sql: 'UPDATE operators SET disabled_at_ms = $1 WHERE operator_id = $2', values: [e.disabledAtMs, e.operatorId], invariant: `an existing operator (${e.operatorId})` };
  }
  if (e.kind === 'setOperatorRole') {
    return { sql: 'UPDATE operators SET role = $1 WHERE operator_id = $2', values: [e.role, e.operatorId], invariant: `an existing operator (${e.operatorId})` };
  }
  if (e.kind === 'resealOperatorTotp') {
    // The same secret under the current master key; the last step used stays, so no code replays.
    const totp = keys.sealTotp(e.operatorId, e.totpSecret);
    return {
      sql: 'UPDATE operators SET totp_secret = $1, master_key_id = $2 WHERE operator_id = $3',
      values: [totp.sealed, totp.masterKeyId, e.operatorId],
      invariant: `an existing operator (${e.operatorId})`,
    };
  }
  // Each optional part is written only when given; a new (or no) secret starts with no step used.
  const totp = e.totpSecret === undefined || e.totpSecret === null ? null : keys.sealTotp(e.operatorId, e.totpSecret, e.operatorName);
  // 1 or 0, not a boolean: SQLite binds no booleans.
  const changesTotp = e.totpSecret !== undefined ? 1 : 0;
  return {
    sql: `UPDATE operators SET failures = $1, password_hash = COALESCE($2, password_hash),
            last_totp_step = CASE WHEN $3 = 1 THEN NULL ELSE COALESCE($4, last_totp_step) END,
            totp_secret = CASE WHEN $5 = 1 THEN $6 ELSE totp_secret END,
            master_key_id = CASE WHEN $7 = 1 THEN $8 ELSE master_key_id END,
            locked_at_ms = $9
          WHERE operator_id = $10`,
    values: [e.failures, e.passwordHash ?? null, changesTotp, e.lastTotpStep ?? null, changesTotp, totp?.sealed ?? null, changesTotp,
      totp?.masterKeyId ?? null, e.lockedAtMs, e.operatorId],
    invariant: `an existing operator (${e.operatorId})`,
  };
}
