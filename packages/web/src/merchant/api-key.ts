import { hoursWords } from '@micropay/protocol/duration';
import type { Section } from '../console/section.js';
import { say } from '../shared/page.js';
import { ask, button, facts, heading, labelled, statusLine, timeText } from './controls.js';
import type { MerchantUser } from './who.js';
import { copyButton } from '../console/forms.js';

/**
 * The API key section (owner only, on the server too): the mchId and the key's state; "Roll key"
 * with an overlap in which the old key still verifies, a confirm step, then the new key shown
 * once, with a copy button. The page never keeps it: leaving the section forgets it.
 */
interface KeyState { mchId: string; keyRolledAtMs: number | null; previousKeyUntilMs: number | null; keyFirstUsedAtMs: number | null }

export const apiKeySection: Section<MerchantUser> = {
  id: 'api-key',
  title: 'API key',
  roles: ['owner'],
  async render(container, ctx) {
    const status = statusLine();
    const state = document.createElement('div');
    const shownOnce = document.createElement('div');
    const overlap = labelled('overlap-hours', 'Overlap (hours the old key still works)', { value: '24', inputMode: 'numeric', maxLength: 4 });
    const confirm = document.createElement('div');
    const roll = Object.assign(document.createElement('div'), { className: 'inline-form' });
    roll.append(overlap.wrap, button('Roll key', async () => askToConfirm()));
    container.append(state, heading('Roll the key'), roll, confirm, status, shownOnce);
    await show();

    async function show(): Promise<void> {
      const s = await ask<KeyState>(status, `${ctx.api}api-key/show`);
      if (s !== null) state.replaceChildren(keyFacts(s));
    }

    async function askToConfirm(): Promise<void> {
      const hours = overlap.input.value.trim();
      const given = hours === '' ? '24' : hours;
      const warn = Object.assign(document.createElement('p'), {
        textContent: given === '0'
          ? 'Roll the key now? The current key stops working at once; update your integration first.'
          : `Roll the key now? The current key keeps working for ${hoursWords(given)}; update your integration before then.`,
      });
      const actions = Object.assign(document.createElement('div'), { className: 'actions' });
      actions.append(button('Confirm roll', async () => rollNow(hours)), button('Cancel', async () => { confirm.replaceChildren(); }, 'secondary'));
      confirm.replaceChildren(warn, actions);
      actions.querySelector('button')?.focus();
    }

    async function rollNow(hours: string): Promise<void> {
      confirm.replaceChildren();
      const rolled = await ask<KeyState & { apiKey: string }>(status, `${ctx.api}api-key/roll`, hours === '' ? {} : { overlapHours: hours });
      if (rolled === null) return;
      say(status, 'The key was rolled.');
      state.replaceChildren(keyFacts(rolled));
      shownOnce.replaceChildren(newKeyBox(rolled.apiKey));
    }
  },
};

function keyFacts(s: KeyState): HTMLDListElement {
  return facts([
    ['Merchant id (mchId)', s.mchId],
    ['Key last rolled', s.keyRolledAtMs === null ? 'Never' : timeText(s.keyRolledAtMs)],
    ['Previous key works until', s.previousKeyUntilMs === null ? 'No overlap open' : timeText(s.previousKeyUntilMs)],
    ['New key first used', s.keyRolledAtMs === null ? '—' : s.keyFirstUsedAtMs === null ? 'Not yet' : timeText(s.keyFirstUsedAtMs)],
  ]);
}

function newKeyBox(key: string): HTMLElement {
  const box = Object.assign(document.createElement('div'), { className: 'shown-once' });
  const code = Object.assign(document.createElement('code'), { id: 'new-api-key', textContent: key });
  const note = Object.assign(document.createElement('p'), { role: 'status' });
  const copy = copyButton('Copy key', key, code, note);
  const warning = Object.assign(document.createElement('p'), { textContent: 'Shown once: it is never shown again. Store it in your integration now; anyone holding it can sign requests as you.' });
  box.append(Object.assign(document.createElement('p'), { textContent: 'New API key:' }), code, warning, copy, note);
  return box;
}
