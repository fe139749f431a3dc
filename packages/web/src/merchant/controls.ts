import { button as consoleButton } from '../console/forms.js';
import { callPage, Unreachable, type PageAnswer } from '../shared/page-api.js';
import { say } from '../shared/page.js';
import { formatTime } from '../shared/time.js';
import { maskedText } from '../shared/masked.js';

/**
 * Small building blocks of the merchant console's account sections (API key, Notifications,
 * Balance & payouts, Activity): labelled inputs, buttons, a status line, a term list, times.
 */

export function statusLine(): HTMLParagraphElement {
  // Focusable from a script only: an action whose button is drawn anew puts the focus here.
  return Object.assign(document.createElement('p'), { role: 'status', tabIndex: -1 });
}

/** A part of a section (h2, as the section's own title is), or a part of a part (h3). */
export function heading(text: string, level: 2 | 3 = 2): HTMLHeadingElement {
  return Object.assign(document.createElement(level === 2 ? 'h2' : 'h3'), { textContent: text });
}

export function labelled(id: string, label: string, input: Partial<HTMLInputElement> = {}): { wrap: HTMLElement; input: HTMLInputElement } {
  const wrap = document.createElement('div');
  const l = Object.assign(document.createElement('label'), { htmlFor: id, textContent: label });
  const field = Object.assign(document.createElement('input'), { id, name: id, autocomplete: 'off', spellcheck: false, ...input });
  wrap.append(l, field);
  return { wrap, input: field };
}

/** The consoles' button (console/forms.ts), primary unless told: disabled while it acts, the focus kept. */
export function button(text: string, onClick: () => Promise<void>, className = ''): HTMLButtonElement {
  return consoleButton(text, onClick, className);
}

/** Label and value pairs, as a description list. */
export function facts(pairs: readonly (readonly [string, string])[]): HTMLDListElement {
  const dl = Object.assign(document.createElement('dl'), { className: 'facts' });
  for (const [term, value] of pairs) {
    const fact = document.createElement('dd');
    fact.append(maskedText(value));
    dl.append(Object.assign(document.createElement('dt'), { textContent: term }), fact);
  }
  return dl;
}

/** A time in the platform's zone, as every time in the console is (shell.ts); a dash for none. */
export function timeText(ms: number | null): string {
  return ms === null ? '—' : formatTime(ms);
}

/** A console call whose refusal is shown in `status`: the answer's data, or null (already said). */
export async function ask<T>(status: HTMLElement, path: string, body: Record<string, unknown> = {}): Promise<T | null> {
  let a: PageAnswer<T>;
  try {
    a = await callPage<T>(path, body);
  } catch (error) {
    say(status, error instanceof Unreachable ? error.message : String(error), 'error');
    return null;
  }
  if (a.data === null) say(status, a.code === 0 ? 'Done.' : `${a.msg} (${a.code})`, 'error');
  return a.data;
}
