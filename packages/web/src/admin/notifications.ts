import { merchantNumber, type MerchantReference } from '../console/merchant-reference.js';
import { callPage } from '../shared/page-api.js';
import { say } from '../shared/page.js';
import { formatWireTime } from '../shared/time.js';
import { codeColumn, scrolling, table } from '../console/shell.js';
import { withActions } from '../console/forms.js';
import type { Section } from '../console/section.js';
import type { SignedInOperator } from './who.js';
import { may, optional, roleNote } from './role.js';

interface Health {
  readonly pending: number;
  readonly dead: number;
  readonly oldestPendingAgeMs: number | null;
  readonly deliveredLastHour: number;
  readonly failedLastHour: number;
  readonly deadByMerchant: readonly { readonly mchId: string; readonly dead: number }[];
}

interface DeadLetter extends MerchantReference {
  readonly notificationId: string;
  readonly eventType: string;
  readonly subjectId: string;
  readonly url: string;
  readonly attempts: number;
  readonly lastError: string | null;
  readonly createdAt: string;
}

/**
 * The Notifications section: the outbox's health, the merchants with the most dead notifications,
 * and one merchant's dead letters, each of which the operator may send again (logged).
 */
export const notificationsSection: Section<SignedInOperator> = {
  id: 'notifications',
  title: 'Notifications',
  async render(container, ctx) {
    const status = Object.assign(document.createElement('p'), { role: 'status' });
    const figures = document.createElement('div');
    const form = document.createElement('form');
    form.className = 'inline-form';
    const label = Object.assign(document.createElement('label'), { htmlFor: 'dead-mch-id', textContent: 'Merchant id' });
    const mchId = Object.assign(document.createElement('input'), { id: 'dead-mch-id', inputMode: 'numeric', autocomplete: 'off' });
    const show = Object.assign(document.createElement('button'), { type: 'submit', textContent: 'Show dead letters' });
    form.append(wrap(label, mchId), show);
    const letters = document.createElement('div');
    const letterStatus = Object.assign(document.createElement('p'), { role: 'status', tabIndex: -1 });
    container.append(status, figures, Object.assign(document.createElement('h3'), { textContent: 'Dead letters of a merchant' }),
      ...optional(roleNote(ctx.who, 'notifications', 'sending dead notifications again')), form, letterStatus, letters);
    form.addEventListener('submit', (e) => { e.preventDefault(); void listDead(mchId.value.trim()); });

    async function loadHealth(): Promise<void> {
      const a = await callPage<Health>(`${ctx.api}notifications/health`);
      if (a.data === null) return say(status, a.msg, 'error');
      const h = a.data;
      figures.replaceChildren(scrolling(table(['Waiting', 'Dead', 'Oldest waiting for', 'Delivered, last hour', 'Failed attempts, last hour'],
        [[String(h.pending), String(h.dead), h.oldestPendingAgeMs === null ? 'none waiting' : duration(h.oldestPendingAgeMs), String(h.deliveredLastHour), String(h.failedLastHour)]],
        'The notification outbox')));
      if (h.deadByMerchant.length === 0) return void figures.append(Object.assign(document.createElement('p'), { textContent: 'No merchant has dead notifications.' }));
      const byMerchant = table(['Merchant', 'Dead', 'Actions'], h.deadByMerchant.map((m) => [m.mchId, String(m.dead), '']), 'Merchants by dead notifications');
      figures.append(scrolling(withActions(byMerchant, h.deadByMerchant.map(({ mchId: id }) => {
        const button = Object.assign(document.createElement('button'), { type: 'button', className: 'secondary', textContent: `Dead letters of ${id}` });
        button.addEventListener('click', () => { mchId.value = id; void listDead(id); });
        return [button];
      }))));
    }

    async function listDead(id: string): Promise<void> {
      letters.replaceChildren();
      const a = await callPage<{ notifications: DeadLetter[]; next: string | null }>(`${ctx.api}notifications/dead`, { mchId: id });
      if (a.data === null) return say(letterStatus, a.msg, 'error');
      if (a.data.notifications.length === 0) return say(letterStatus, `Merchant ${id} has no dead notifications.`);
      // The URL is most often one for all: said once, so the table fits beside the navigation.
      const urls = [...new Set(a.data.notifications.map((n) => n.url))].join(', ');
      const n = a.data.notifications.length;
      say(letterStatus, `${n}${a.data.next === null ? '' : ' (the oldest)'} dead notification${n === 1 ? '' : 's'} of merchant ${id}, to ${urls}.`);
      const t = table(['Written', 'Event', 'Merchant\'s order or refund', 'Subject', 'Attempts', 'Last error', 'Actions'],
        a.data.notifications.map((n) => [formatWireTime(n.createdAt), n.eventType, merchantNumber(n), n.subjectId, String(n.attempts), n.lastError ?? '', '']), `Dead notifications of ${id}`);
      letters.append(scrolling(withActions(codeColumn(t, 3), a.data.notifications.map((n) => (may(ctx.who, 'notifications') ? [retryButton(n)] : [])))));
    }

    function retryButton(n: DeadLetter): HTMLButtonElement {
      const button = Object.assign(document.createElement('button'), { type: 'button', className: 'secondary', textContent: 'Send again' });
      button.setAttribute('aria-label', `Send again: the ${n.eventType} notification of ${n.subjectId}`);
      button.addEventListener('click', () => {
        button.disabled = true;
        void callPage<{ retried: boolean }>(`${ctx.api}notifications/retry`, { notificationId: n.notificationId }).then(async (a) => {
          say(letterStatus, a.data === null ? a.msg : `The ${n.eventType} notification of ${n.subjectId} is queued again.`, a.data === null ? 'error' : 'info');
          // Refused, it can be pressed again; queued, it stays pressed, and the focus goes to what was said.
          if (a.data === null) {
            button.disabled = false;
            return button.focus();
          }
          button.textContent = 'Queued';
          button.setAttribute('aria-label', `Queued: the ${n.eventType} notification of ${n.subjectId}`);
          letterStatus.focus();
          await loadHealth();
        });
      });
      return button;
    }

    await loadHealth();
  },
};

function wrap(label: HTMLLabelElement, input: HTMLInputElement): HTMLDivElement {
  const div = document.createElement('div');
  div.append(label, input);
  return div;
}

function duration(ms: number): string {
  const s = Math.round(ms / 1000);
  if (s < 120) return `${s} s`;
  if (s < 7200) return `${Math.round(s / 60)} min`;
  return `${Math.round(s / 3600)} h`;
}
