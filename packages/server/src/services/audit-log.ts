import { auditLogAppend, type ActingAs, type AuditLogEntry, type AuditRecord } from '../domain/audit-log.js';
import type { AuditLogFilter } from '../store/audit-log-sql.js';
import type { Store } from '../store/store.js';
import type { StorePort } from '../store/port.js';

/**
 * An action that writes nothing else (a ledger audit run, a statement download, a sign-out): its
 * audit log row alone, in its own transaction. Actions that change something append theirs in
 * their own transaction instead (domain/audit-log.ts `audited`).
 */
export async function recordAction(port: StorePort, acting: ActingAs, record: AuditRecord): Promise<void> {
  await port.decide({ view: 'none' }, (_none, nowMs) => ({ result: null, effects: [auditLogAppend(acting, record, nowMs)] }));
}

/** A page of the audit log, newest first; `next` is the cursor of the page after (the last logId), or null. */
export interface AuditLogPage {
  readonly entries: readonly AuditLogEntry[];
  readonly next: number | null;
}

/**
 * The audit log as `micropay audit-log` and the operator console read it: `limit` entries of the
 * filter, newest first, with one more read to know whether a next page exists.
 */
export async function auditLogPage(store: Pick<Store, 'listAuditLog'>, filter: AuditLogFilter): Promise<AuditLogPage> {
  const found = await store.listAuditLog({ ...filter, limit: filter.limit + 1 });
  const entries = found.slice(0, filter.limit);
  return { entries, next: found.length > filter.limit ? entries[entries.length - 1]!.logId : null };
}
