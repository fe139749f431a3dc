import { codeColumn, scrolling, table } from '../console/shell.js';
import type { Section } from '../console/section.js';
import { ask, button, statusLine, timeText } from './controls.js';
import type { MerchantUser } from './who.js';

/**
 * The Activity section (owner only, on the server too): the merchant's rows of the audit log,
 * newest first, a page at a time: who did what, when, from which address.
 */
interface Entry {
  logId: number; atMs: number; action: string; actor: { kind: string; name: string; role?: string };
  address: string | null; subjectId: string | null; detail: Record<string, string | number | boolean | null>;
}

export const activitySection: Section<MerchantUser> = {
  id: 'activity',
  title: 'Activity',
  roles: ['owner'],
  async render(container, ctx) {
    const status = statusLine();
    const list = document.createElement('div');
    let cursor: string | null = null;
    const older = button('Older activity', async () => load(cursor), 'secondary');
    container.append(status, list, older);
    await load(null);

    async function load(after: string | null): Promise<void> {
      const page = await ask<{ entries: Entry[]; next: string | null }>(status, `${ctx.api}activity`, after === null ? {} : { cursor: after });
      if (page === null) return;
      cursor = page.next;
      older.hidden = page.next === null;
      if (page.entries.length === 0) {
        return list.replaceChildren(Object.assign(document.createElement('p'), { textContent: after === null ? 'Nothing recorded yet.' : 'No older activity.' }));
      }
      const t = table(['When', 'Who', 'Action', 'Subject', 'Detail', 'Address'], page.entries.map(row), 'Activity, newest first');
      t.classList.add('activity');
      list.replaceChildren(scrolling(codeColumn(t, 3)));
    }
  },
};

function row(e: Entry): string[] {
  const who = e.actor.role === undefined ? `${e.actor.name} (${e.actor.kind === 'cli' ? 'CLI' : 'operator'})` : `${e.actor.name} (${e.actor.role})`;
  const detail = Object.entries(e.detail).map(([k, v]) => `${k}: ${String(v)}`).join(', ');
  return [timeText(e.atMs), who, e.action, e.subjectId ?? '—', detail, e.address ?? '—'];
}
