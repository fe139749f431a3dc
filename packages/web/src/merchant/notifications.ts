import { merchantNumber, type MerchantReference } from '../console/merchant-reference.js';
import { codeColumn, scrolling, table } from '../console/shell.js';
import { withActions } from '../console/forms.js';
import type { Section } from '../console/section.js';
import { say } from '../shared/page.js';
import { ask, button, heading, labelled, statusLine, timeText } from './controls.js';
import type { MerchantUser } from './who.js';

/**
 * The Notifications section (owner only, on the server too: a cashier neither sees nor changes
 * where the merchant's notifications go): the notify URL, a test delivery whose attempts show as
 * they arrive, and dead letters a page at a time with "Retry" and "Retry all".
 */
interface Attempt { attempt: number; atMs: number; durationMs: number; outcome: string; httpStatus: number | null; answerExcerpt: string | null; error: string | null }
interface DeadLetter extends MerchantReference { notificationId: string; eventType: string; subjectId: string; attempts: number; lastError: string | null; createdAtMs: number }

/** How often, and how long, the page looks for a test delivery's attempts. */
const POLL_MS = 1_000;
const POLL_FOR_MS = 30_000;

export const notificationsSection: Section<MerchantUser> = {
  id: 'notifications',
  title: 'Notifications',
  roles: ['owner'],
  async render(container, ctx) {
    const status = statusLine();
    const url = labelled('notify-url', 'Notify URL', { type: 'url', maxLength: 2048, placeholder: 'https://shop.example/micropay/notify' });
    const urlForm = Object.assign(document.createElement('div'), { className: 'inline-form' });
    urlForm.append(url.wrap, button('Save URL', async () => saveUrl(url.input.value.trim())), button('Clear URL', async () => saveUrl(null), 'secondary'));
    const attempts = document.createElement('div');
    const dead = document.createElement('div');
    const deadActions = Object.assign(document.createElement('div'), { className: 'actions' });
    let cursor: string | null = null;
    const older = button('Older dead letters', async () => loadDead(cursor), 'secondary');
    const retryAllButton = button('Retry all', retryAll, 'secondary');
    deadActions.append(retryAllButton, older);
    const testRow = Object.assign(document.createElement('div'), { className: 'actions' });
    testRow.append(button('Send test delivery', sendTest));
    container.append(urlForm, status, heading('Test delivery'), testRow, attempts, heading('Dead letters'), dead, deadActions);
    // What the owner types before the saved URL arrives is kept: a slow answer must not undo it.
    let typed = false;
    url.input.addEventListener('input', () => { typed = true; }, { once: true });
    const shown = await ask<{ notifyUrl: string | null }>(status, `${ctx.api}notifications/show`);
    if (shown !== null && !typed) url.input.value = shown.notifyUrl ?? '';
    await loadDead(null);

    async function saveUrl(value: string | null): Promise<void> {
      const saved = await ask<{ notifyUrl: string | null; warning: string | null }>(status, `${ctx.api}notifications/set-url`, { notifyUrl: value === '' ? null : value });
      if (saved === null) return;
      url.input.value = saved.notifyUrl ?? '';
      if (saved.warning !== null) return say(status, `Saved, but ${saved.warning}.`, 'error');
      say(status, saved.notifyUrl === null ? 'Notifications are off: no notify URL.' : `Notifications go to ${saved.notifyUrl}.`);
    }

    async function sendTest(): Promise<void> {
      const sent = await ask<{ notificationId: string; url: string }>(status, `${ctx.api}notifications/test`);
      if (sent === null) return;
      say(status, `Test delivery queued to ${sent.url}.`);
      attempts.replaceChildren(Object.assign(document.createElement('p'), { textContent: 'Waiting for the first attempt…' }));
      const until = Date.now() + POLL_FOR_MS;
      while (Date.now() < until && attempts.isConnected) {
        const found = await ask<{ attempts: Attempt[] }>(status, `${ctx.api}notifications/test-attempts`, { notificationId: sent.notificationId });
        if (found !== null && found.attempts.length > 0) attempts.replaceChildren(scrolling(attemptTable(found.attempts)));
        if (found?.attempts.some((a) => a.outcome === 'delivered')) return;
        await new Promise((resolve) => setTimeout(resolve, POLL_MS));
      }
    }

    async function loadDead(after: string | null): Promise<void> {
      const page = await ask<{ notifications: DeadLetter[]; next: string | null }>(status, `${ctx.api}notifications/dead`, after === null ? {} : { cursor: after });
      if (page === null) return;
      cursor = page.next;
      older.hidden = page.next === null;
      // Nothing to retry on a first page without dead letters.
      retryAllButton.hidden = after === null && page.notifications.length === 0;
      dead.replaceChildren(page.notifications.length === 0
        ? Object.assign(document.createElement('p'), { textContent: after === null ? 'No dead letters: every notification was delivered or is still being tried.' : 'No older dead letters.' })
        : scrolling(deadTable(page.notifications, retryOne)));
    }

    async function retryOne(id: string): Promise<void> {
      const r = await ask<{ retried: boolean }>(status, `${ctx.api}notifications/retry`, { notificationId: id });
      if (r !== null) say(status, r.retried ? 'Notification queued again.' : 'That notification is not dead any more.');
      await loadDead(null);
      // Its Retry button went with the list drawn anew: the focus goes to what was said.
      status.focus();
    }

    async function retryAll(): Promise<void> {
      const r = await ask<{ count: number }>(status, `${ctx.api}notifications/retry-all`);
      if (r !== null) say(status, `${r.count} dead notification${r.count === 1 ? '' : 's'} queued again.`);
      await loadDead(null);
      status.focus();
    }
  },
};

function attemptTable(list: readonly Attempt[]): HTMLTableElement {
  return table(['Attempt', 'At', 'Outcome', 'HTTP', 'Took', 'Answer or error'],
    list.map((a) => [String(a.attempt), timeText(a.atMs), a.outcome, a.httpStatus === null ? '—' : String(a.httpStatus), `${a.durationMs} ms`, a.error ?? a.answerExcerpt ?? '']),
    'Attempts of the test delivery');
}

function deadTable(list: readonly DeadLetter[], retry: (id: string) => Promise<void>): HTMLTableElement {
  const t = table(['Created', 'Event', 'Your order or refund', 'Subject', 'Attempts', 'Last error', 'Actions'],
    list.map((n) => [timeText(n.createdAtMs), n.eventType, merchantNumber(n), n.subjectId, String(n.attempts), n.lastError ?? '', '']), 'Dead letters, newest first');
  return withActions(codeColumn(t, 3), list.map((n) => {
    const b = button('Retry', () => retry(n.notificationId), 'secondary');
    b.setAttribute('aria-label', `Retry the ${n.eventType} notification of ${n.subjectId}`);
    return [b];
  }));
}
