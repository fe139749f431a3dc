import { auditLogAppend, type ActingAs, type AuditRecord } from '../domain/audit-log.js';
import type { StorePort } from '../store/port.js';

/**
 * An action that writes nothing else (a ledger audit run, a statement download, a sign-out): its
 * audit log row alone, in its own transaction. Actions that change something append theirs in
 * their own transaction instead (domain/audit-log.ts `audited`).
 */
export async function recordAction(port: StorePort, acting: ActingAs, record: AuditRecord): Promise<void> {
  await port.decide({ view: 'none' }, (_none, nowMs) => ({ result: null, effects: [auditLogAppend(acting, record, nowMs)] }));
}
