import { OPERATOR_ROLES, type OperatorRole } from '@micropay/protocol/operator-roles';
import {
  checkAuditEntry, type ActingAs, type Actor, type ActorKind, type AuditAction, type AuditDetail, type AuditEntry, type AuditLogEntry,
  type AuditRecord, type MerchantRole, type WalletChannel,
} from '../domain/audit-log.js';

/**
 * The audit log's table, its append and its reading (domain/audit-log.ts), written once for both
 * stores in PostgreSQL's `$n` placeholders (page-access-sql.ts sqliteSql gives SQLite's `?`).
 */

/**
 * The table and its indexes: `ms` is the stores' millisecond type, `logId` its increasing key
 * column. Newest first reads the primary key backwards; a merchant's rows have their own index.
 * Each store adds the triggers that refuse every UPDATE and DELETE in its own dialect.
 */
export function auditLogSchema(ms: 'INTEGER' | 'BIGINT', logId: string, strict: ' STRICT' | '', kinds: readonly string[] = FIRST_ACTOR_KINDS): string {
  return `
CREATE TABLE audit_log (
  log_id     ${logId},
  at_ms      ${ms} NOT NULL,
  actor_kind TEXT NOT NULL CHECK (actor_kind IN (${kinds.map((k) => `'${k}'`).join(', ')})),
  -- The operator's or merchant user's id (a wallet holder's: the wallet id); null for the CLI, whose actor is the OS user's name.
  actor_id   TEXT,
  actor_name TEXT NOT NULL,
  actor_role TEXT CHECK (actor_role IN ('owner', 'cashier')),
  mch_id     TEXT,
  action     TEXT NOT NULL,
  subject_id TEXT,
  -- A small JSON object without secrets (domain/audit-log.ts auditDetailProblem).
  detail     TEXT NOT NULL,
  address    TEXT,
  CHECK ((actor_kind = 'merchantUser') = (actor_role IS NOT NULL AND mch_id IS NOT NULL AND actor_id IS NOT NULL)),
  CHECK (actor_kind <> 'operator' OR actor_id IS NOT NULL)${kinds.includes('walletHolder') ? `,
  ${WALLET_HOLDER_HAS_ID}` : ''}
)${strict};
CREATE INDEX audit_log_by_merchant ON audit_log (mch_id, log_id) WHERE mch_id IS NOT NULL;
`;
}

export const APPEND_ONLY_MESSAGE = 'audit_log is append-only: rows are never changed or deleted';

/**
 * SQLite's REPLACE (\`REPLACE INTO\`, \`INSERT OR REPLACE\`) deletes the row in the way without
 * firing its delete trigger, so a row could be overwritten under its own log id: an insert naming a
 * log id that exists is refused (SQLite migration 18). The store's own insert never names one.
 * PostgreSQL has no REPLACE; its \`ON CONFLICT DO UPDATE\` is an update, refused already.
 */
export const SQLITE_AUDIT_LOG_NO_REPLACE = `
CREATE TRIGGER audit_log_no_replace BEFORE INSERT ON audit_log
  WHEN EXISTS (SELECT 1 FROM audit_log WHERE log_id = NEW.log_id)
  BEGIN SELECT RAISE(ABORT, '${APPEND_ONLY_MESSAGE}'); END;
`;

/** The actor kinds of the table as migration 13 (SQLite; 14 on PostgreSQL) made it: never changed, as that migration. */
const FIRST_ACTOR_KINDS = ['operator', 'merchantUser', 'cli'];
/** The actor kinds since the wallet holder's (docs/audit-log.md). */
const ACTOR_KINDS_WITH_HOLDER = [...FIRST_ACTOR_KINDS, 'walletHolder'];
const WALLET_HOLDER_HAS_ID = "CHECK (actor_kind <> 'walletHolder' OR (actor_id IS NOT NULL AND actor_role IS NULL AND mch_id IS NULL))";

/**
 * The wallet holder as an actor, on SQLite: a CHECK cannot be altered there, so the table is built
 * anew with every row copied as it is (same log ids; AUTOINCREMENT goes on from the largest), and
 * its index and append-only triggers made again. Dropping a table fires none of its triggers.
 */
export const SQLITE_AUDIT_LOG_WALLET_HOLDER = `
DROP TRIGGER audit_log_no_update;
DROP TRIGGER audit_log_no_delete;
DROP TRIGGER audit_log_no_replace;
DROP INDEX audit_log_by_merchant;
ALTER TABLE audit_log RENAME TO audit_log_before_holders;
${auditLogSchema('INTEGER', 'INTEGER PRIMARY KEY AUTOINCREMENT', ' STRICT', ACTOR_KINDS_WITH_HOLDER)}
INSERT INTO audit_log SELECT * FROM audit_log_before_holders;
DROP TABLE audit_log_before_holders;
CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log BEGIN SELECT RAISE(ABORT, '${APPEND_ONLY_MESSAGE}'); END;
CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log BEGIN SELECT RAISE(ABORT, '${APPEND_ONLY_MESSAGE}'); END;
${SQLITE_AUDIT_LOG_NO_REPLACE}`;

/** The same on PostgreSQL: the column's CHECK replaced, and the holder's own added (no row changes). */
export const POSTGRES_AUDIT_LOG_WALLET_HOLDER = `
ALTER TABLE audit_log DROP CONSTRAINT audit_log_actor_kind_check,
  ADD CONSTRAINT audit_log_actor_kind_check CHECK (actor_kind IN (${ACTOR_KINDS_WITH_HOLDER.map((k) => `'${k}'`).join(', ')})),
  ADD ${WALLET_HOLDER_HAS_ID};
`;

/**
 * An operator's role when it acted (SQLite 28, PostgreSQL 29): roles change, and the log says with
 * what right each change was made. Rows from before it have none (null).
 */
export const OPERATOR_ROLE_IN_AUDIT_LOG_MIGRATION = `
ALTER TABLE audit_log ADD COLUMN operator_role TEXT
  CHECK (operator_role IS NULL OR (actor_kind = 'operator' AND operator_role IN (${OPERATOR_ROLES.map((r) => `'${r}'`).join(', ')})));
`;

export const INSERT_AUDIT_LOG = `INSERT INTO audit_log (at_ms, actor_kind, actor_id, actor_name, actor_role, operator_role, mch_id, action, subject_id, detail, address)
  VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)`;

export function auditLogValues(e: AuditEntry): unknown[] {
  const a = e.actor;
  const actorId = a.kind === 'operator' ? a.operatorId : a.kind === 'merchantUser' ? a.userId : a.kind === 'walletHolder' ? a.walletId : null;
  const role = a.kind === 'merchantUser' ? a.role : null;
  const operatorRole = a.kind === 'operator' ? a.role : null;
  return [e.atMs, a.kind, actorId, a.name, role, operatorRole, e.mchId, e.action, e.subjectId, JSON.stringify(e.detail), e.address];
}

/**
 * The append as one statement, checked as the appendAuditLog effect is, for the few writes a
 * store makes outside the effects (a notification's retry).
 */
export function auditLogInsert(acting: ActingAs, record: AuditRecord, atMs: number): { sql: string; values: unknown[] } {
  const entry: AuditEntry = { ...record, atMs, actor: acting.actor, address: acting.address };
  checkAuditEntry(entry);
  return { sql: INSERT_AUDIT_LOG, values: auditLogValues(entry) };
}

/** What listAuditLog reads: newest first, each filter optional, a page of at most `limit`. */
export interface AuditLogFilter {
  readonly mchId?: string | undefined;
  readonly actorKind?: ActorKind | undefined;
  readonly action?: AuditAction | undefined;
  /** Only entries at or after this time. */
  readonly sinceMs?: number | undefined;
  /** The cursor: only entries older than this one (the last logId of the previous page). */
  readonly beforeLogId?: number | undefined;
  readonly limit: number;
}

export const MAX_AUDIT_LOG_PAGE = 1000;

/** The page's query: every filter a bound value, placeholders numbered in order. */
export function auditLogQuery(f: AuditLogFilter): { sql: string; values: unknown[] } {
  // One more than a page: a page's reader asks for one more row to know whether a next page exists.
  if (!Number.isSafeInteger(f.limit) || f.limit < 1 || f.limit > MAX_AUDIT_LOG_PAGE + 1) {
    throw new RangeError(`an audit log read takes 1 to ${MAX_AUDIT_LOG_PAGE + 1} entries, not ${f.limit}`);
  }
  const where: string[] = [];
  const values: unknown[] = [];
  const add = (condition: string, value: unknown) => {
    values.push(value);
    where.push(condition.replace('?', `$${values.length}`));
  };
  if (f.mchId !== undefined) add('mch_id = ?', f.mchId);
  if (f.actorKind !== undefined) add('actor_kind = ?', f.actorKind);
  if (f.action !== undefined) add('action = ?', f.action);
  if (f.sinceMs !== undefined) add('at_ms >= ?', f.sinceMs);
  if (f.beforeLogId !== undefined) add('log_id < ?', f.beforeLogId);
  values.push(f.limit);
  const filter = where.length === 0 ? '' : `WHERE ${where.join(' AND ')}`;
  return { sql: `SELECT * FROM audit_log ${filter} ORDER BY log_id DESC LIMIT $${values.length}`, values };
}

export interface AuditLogRow {
  readonly log_id: number | string;
  readonly at_ms: number | string;
  readonly actor_kind: ActorKind;
  readonly actor_id: string | null;
  readonly actor_name: string;
  readonly actor_role: MerchantRole | null;
  readonly operator_role: OperatorRole | null;
  readonly mch_id: string | null;
  readonly action: AuditAction;
  readonly subject_id: string | null;
  readonly detail: string;
  readonly address: string | null;
}

/** A row back as the entry it was written from (PostgreSQL answers BIGINT as text). */
export function auditLogEntryOf(r: AuditLogRow): AuditLogEntry {
  return {
    logId: Number(r.log_id),
    atMs: Number(r.at_ms),
    actor: actorOf(r),
    address: r.address,
    action: r.action,
    mchId: r.mch_id,
    subjectId: r.subject_id,
    detail: JSON.parse(r.detail) as AuditDetail,
  };
}

function actorOf(r: AuditLogRow): Actor {
  switch (r.actor_kind) {
    case 'operator':
      return { kind: 'operator', operatorId: r.actor_id!, name: r.actor_name, role: r.operator_role };
    case 'merchantUser':
      return { kind: 'merchantUser', userId: r.actor_id!, mchId: r.mch_id!, name: r.actor_name, role: r.actor_role! };
    case 'cli':
      return { kind: 'cli', name: r.actor_name };
    case 'walletHolder':
      return { kind: 'walletHolder', walletId: r.actor_id!, name: r.actor_name as WalletChannel };
  }
}
