import { AUDIT_ACTIONS } from '@micropay/protocol/audit-actions';
import { callPage } from '../shared/page-api.js';
import { say } from '../shared/page.js';
import { formatWireTime } from '../shared/time.js';
import { codeColumn, scrolling, table } from '../console/shell.js';
import { countOf, focusPage } from '../shared/paging.js';
import type { Section } from '../console/section.js';
import type { SignedInOperator } from './who.js';

interface Entry {
  readonly logId: string;
  readonly at: string;
  readonly actor: { readonly kind: string; readonly name: string; readonly role?: string | null; readonly mchId?: string; readonly walletId?: string };
  readonly address: string | null;
  readonly action: string;
  readonly mchId: string | null;
  readonly subjectId: string | null;
  readonly detail: Record<string, string | number | boolean | null>;
}


/** The Audit log: every row, newest first, filtered by merchant, actor kind, action and day; older pages on demand. Read only. */
export const auditLogSection: Section<SignedInOperator> = {
  id: 'audit-log',
  title: 'Audit log',
  async render(container, ctx) {
    const form = document.createElement('form');
    form.className = 'inline-form';
    const mchId = field(form, 'log-mch-id', 'Merchant id', Object.assign(document.createElement('input'), { inputMode: 'numeric', autocomplete: 'off' }));
    const actor = field(form, 'log-actor', 'Who', choice([['', 'Anyone'], ['operator', 'Operators'], ['merchantUser', 'Merchant users'], ['cli', 'The CLI'], ['walletHolder', 'Wallet holders']]));
    const action = field(form, 'log-action', 'Action', choice([['', 'Any action'], ...AUDIT_ACTIONS.map((a) => [a, a] as const)]));
    const since = field(form, 'log-since', 'Since (day)', Object.assign(document.createElement('input'), { type: 'date' }));
    form.append(Object.assign(document.createElement('button'), { type: 'submit', textContent: 'Show' }));
    const status = Object.assign(document.createElement('p'), { role: 'status' });
    const rows = document.createElement('div');
    const more = Object.assign(document.createElement('button'), { type: 'button', className: 'secondary', textContent: 'Older entries', hidden: true });
    container.append(form, status, rows, more);
    let next: string | null = null;

    /** The entries after `cursor` (null: the newest), and the rows drawn; null when refused. */
    async function load(cursor: string | null): Promise<HTMLTableRowElement[] | null> {
      const filters: Record<string, string> = {};
      if (mchId.value.trim() !== '') filters.mchId = mchId.value.trim();
      if (actor.value !== '') filters.actorKind = actor.value;
      if (action.value !== '') filters.action = action.value;
      if (since.value !== '') filters.since = since.value;
      if (cursor !== null) filters.cursor = cursor;
      const a = await callPage<{ entries: Entry[]; next: string | null }>(`${ctx.api}audit-log`, filters);
      if (a.data === null) {
        say(status, a.msg, 'error');
        return null;
      }
      if (cursor === null) rows.replaceChildren();
      next = a.data.next;
      more.hidden = next === null;
      if (cursor === null && a.data.entries.length === 0) {
        say(status, 'No entries match.');
        return [];
      }
      say(status, cursor === null ? '' : `${countOf(a.data.entries.length, 'older entry', 'older entries')} shown.`);
      const t = table(['When', 'Who', 'From', 'Action', 'Merchant', 'Subject', 'Detail'], a.data.entries.map((e) => [
        formatWireTime(e.at), who(e.actor), e.address ?? 'the CLI', e.action, e.mchId ?? '', e.subjectId ?? '',
        Object.entries(e.detail).map(([k, v]) => `${k}: ${String(v)}`).join(', '),
      ]), cursor === null ? 'Newest first' : 'Older');
      // The detail is long text without spaces in places (ids, keys): it may break anywhere, so the table fits.
      t.classList.add('audit-entries');
      rows.append(scrolling(codeColumn(t, 5)));
      return [...(t.tBodies[0]?.rows ?? [])];
    }
    form.addEventListener('submit', (e) => { e.preventDefault(); void load(null); });
    // Older entries hides itself on the last page: the focus goes to the first entry it brought
    // (shared/paging.ts), not to the page's start.
    more.addEventListener('click', () => void load(next).then((added) => { if (added !== null) focusPage(added, status); }));
    await load(null);
  },
};

function who(a: Entry['actor']): string {
  // The role it acted with; rows from before the log kept it have none.
  if (a.kind === 'operator') return a.role === undefined || a.role === null ? `operator ${a.name}` : `operator ${a.name} (${a.role})`;
  if (a.kind === 'cli') return `CLI (${a.name})`;
  if (a.kind === 'walletHolder') return `holder of ${a.walletId ?? ''} (${a.name})`;
  return `${a.role ?? 'user'} ${a.name} of ${a.mchId ?? ''}`;
}

function field<T extends HTMLInputElement | HTMLSelectElement>(form: HTMLFormElement, id: string, text: string, input: T): T {
  input.id = id;
  const div = document.createElement('div');
  div.append(Object.assign(document.createElement('label'), { htmlFor: id, textContent: text }), input);
  form.append(div);
  return input;
}

function choice(options: readonly (readonly [string, string])[]): HTMLSelectElement {
  const select = document.createElement('select');
  select.append(...options.map(([value, text]) => new Option(text, value)));
  return select;
}
