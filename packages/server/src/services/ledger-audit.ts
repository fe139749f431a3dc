import type { ActingAs } from '../domain/audit-log.js';
import type { AuditReport, Store } from '../store/store.js';

/**
 * The ledger audit (store/audit.ts: each invariant as a query), run and logged as `ledgerAudit.run`
 * by its actor: `micropay audit` and the operator console's Run audit both run it here. Its queries
 * read whole tables: on a large store it takes seconds (PostgreSQL's statement timeout bounds each).
 */
export async function runLedgerAudit(store: Store, acting: ActingAs): Promise<AuditReport> {
  const report = await store.audit();
  const violations = report.checks.reduce((n, c) => n + c.violations.length, 0);
  await store.recordAction(acting, { action: 'ledgerAudit.run', mchId: null, subjectId: null, detail: { ok: report.ok, violations } });
  return report;
}
