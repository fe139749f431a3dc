import { callPage } from '../shared/page-api.js';
import { say } from '../shared/page.js';
import type { Section } from '../console/section.js';
import type { SignedInOperator } from './who.js';

interface AuditReport {
  readonly ok: boolean;
  readonly checks: readonly { readonly name: string; readonly violations: readonly string[] }[];
  readonly actions: readonly { readonly name: string; readonly findings: readonly string[] }[];
  readonly totals: { readonly entries: number; readonly postings: number; readonly orders: number };
}

/**
 * The Ledger audit: Run audit runs every check of `micropay audit` on the server (logged as this
 * operator's ledgerAudit.run) and shows each check with its result and its violations in words.
 */
export const ledgerAuditSection: Section<SignedInOperator> = {
  id: 'ledger-audit',
  title: 'Ledger audit',
  render(container, ctx) {
    const help = Object.assign(document.createElement('p'), {
      className: 'help',
      textContent: 'Checks every invariant of the books, as micropay audit does. It reads every journal entry, posting and order: on a large store it takes a while.',
    });
    const run = Object.assign(document.createElement('button'), { type: 'button', textContent: 'Run audit' });
    const status = Object.assign(document.createElement('p'), { role: 'status' });
    const results = document.createElement('div');
    container.append(help, run, status, results);
    // Not `disabled` while it runs: a disabled button drops the keyboard's focus to the page's top.
    let running = false;
    run.addEventListener('click', () => {
      if (running) return;
      running = true;
      run.setAttribute('aria-disabled', 'true');
      results.replaceChildren();
      say(status, 'Auditing the ledger…');
      void callPage<AuditReport>(`${ctx.api}ledger-audit`)
        .then((a) => (a.data === null ? say(status, a.msg, 'error') : show(a.data)))
        .catch((e: Error) => say(status, e.message, 'error'))
        .finally(() => {
          running = false;
          run.removeAttribute('aria-disabled');
        });
    });

    function show(r: AuditReport): void {
      const t = r.totals;
      const failed = r.checks.filter((c) => c.violations.length > 0).length;
      say(status, r.ok
        ? `Audit clean: all ${r.checks.length} checks passed over ${t.entries} journal entries, ${t.postings} postings and ${t.orders} orders.`
        : `Audit FAILED: ${failed} of ${r.checks.length} checks found violations.`, r.ok ? 'info' : 'error');
      const list = document.createElement('ul');
      list.className = 'checks';
      for (const c of r.checks) list.append(item(c.violations.length === 0 ? 'Passed' : `Failed (${c.violations.length})`, c.name, c.violations));
      for (const a of r.actions) list.append(item(a.findings.length === 0 ? 'Nothing to do' : `To act on (${a.findings.length})`, a.name, a.findings));
      results.append(list);
    }
  },
};

function item(result: string, name: string, details: readonly string[]): HTMLLIElement {
  const li = document.createElement('li');
  li.dataset.result = result.startsWith('Passed') || result === 'Nothing to do' ? 'ok' : 'problem';
  li.append(Object.assign(document.createElement('strong'), { textContent: `${result}: ` }), document.createTextNode(name));
  if (details.length > 0) {
    const inner = document.createElement('ul');
    inner.append(...details.map((d) => Object.assign(document.createElement('li'), { textContent: d })));
    li.append(inner);
  }
  return li;
}
