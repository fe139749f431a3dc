import { markRefused } from '../shared/field-problem.js';
import { say } from '../shared/page.js';
import { focusPage } from '../shared/paging.js';
/**
 * Small building blocks of the consoles' sections: labelled fields, a form that sends its values,
 * a secret shown once, a table whose last cell holds buttons. Text only: nothing from an answer is
 * ever put into the page as HTML.
 */
export function field(
  id: string, label: string, options: { inputMode?: string; type?: string; value?: string; maxLength?: number; autocomplete?: string } = {},
): HTMLElement {
  const wrap = document.createElement('div');
  const l = Object.assign(document.createElement('label'), { htmlFor: id, textContent: label });
  const input = Object.assign(document.createElement('input'), {
    // The default value, so that a form reset after a change (`form`'s 'clear') brings it back.
    id, name: id, inputMode: options.inputMode ?? 'text', type: options.type ?? 'text', defaultValue: options.value ?? '',
    // A PIN typed for someone else: 'new-password', so the browser offers no saved console password for it.
    autocomplete: options.autocomplete ?? 'off', spellcheck: false, maxLength: options.maxLength ?? 100,
  });
  wrap.append(l, input);
  return wrap;
}

export function choice(id: string, label: string, options: readonly (readonly [value: string, text: string])[]): HTMLElement {
  const wrap = document.createElement('div');
  const l = Object.assign(document.createElement('label'), { htmlFor: id, textContent: label });
  const select = Object.assign(document.createElement('select'), { id, name: id });
  select.append(...options.map(([value, text]) => Object.assign(document.createElement('option'), { value, textContent: text })));
  wrap.append(l, select);
  return wrap;
}

/**
 * A form of fields and one submit button; `onSubmit` gets the trimmed values by field id. A form
 * that made something (a merchant, a wallet, a user) answers 'clear' when it is done: its fields go
 * back to their defaults, so pressing Enter once more cannot make a second one.
 */
export function form(
  id: string, legend: string, fields: HTMLElement[], submit: string, onSubmit: (values: Record<string, string>) => Promise<void | 'clear'>,
): HTMLFormElement {
  const f = Object.assign(document.createElement('form'), { id, className: 'inline-form', noValidate: true });
  f.setAttribute('aria-label', legend);
  const button = Object.assign(document.createElement('button'), { type: 'submit', textContent: submit });
  f.append(...fields, button);
  f.addEventListener('submit', (event) => {
    event.preventDefault();
    const values = Object.fromEntries([...f.querySelectorAll<HTMLInputElement | HTMLSelectElement>('input, select')].map((i) => [i.id, i.value.trim()]));
    const focused = document.activeElement;
    button.disabled = true;
    void onSubmit(values).then((done) => { if (done === 'clear') f.reset(); }).finally(() => enableKeepingFocus(button, focused));
  });
  return f;
}

/**
 * A secret shown once (a new key, an app token, a password), in the region given, with a button
 * that copies it; gone on the next render.
 */
export function showOnce(region: HTMLElement, what: string, secret: string): void {
  const p = Object.assign(document.createElement('p'), { className: 'shown-once' });
  const code = Object.assign(document.createElement('code'), { textContent: secret });
  const note = Object.assign(document.createElement('span'), { role: 'status', className: 'copy-note' });
  p.append(`${what}, shown once: `, code, ' ', copyButton(`Copy ${what.charAt(0).toLowerCase()}${what.slice(1)}`, secret, code, note), ' ', note);
  region.replaceChildren(p);
}

/**
 * A "Copy" button for `secret`. A browser allows copying only on HTTPS or localhost; elsewhere
 * (a console on plain HTTP in a LAN) the text is selected instead, for the keyboard's copy.
 */
export function copyButton(label: string, secret: string, shown: HTMLElement, note: HTMLElement): HTMLButtonElement {
  return button('Copy', async () => {
    const copied = await (navigator.clipboard?.writeText(secret).then(() => true, () => false) ?? Promise.resolve(false));
    if (copied) return say(note, 'Copied.');
    getSelection()?.selectAllChildren(shown);
    say(note, 'This browser does not allow copying here: the text is selected, press Ctrl+C (⌘C on a Mac).', 'error');
  }, 'secondary', label);
}

/** A button; `label` names it for assistive technology when its visible text is short (a row's "Confirm"). */
export function button(
  text: string, onClick: () => Promise<void>, className = 'secondary', label?: string, usable: () => boolean = () => true,
): HTMLButtonElement {
  const b = Object.assign(document.createElement('button'), { type: 'button', textContent: text, className });
  if (label !== undefined) b.setAttribute('aria-label', label);
  b.addEventListener('click', () => {
    const focused = document.activeElement;
    b.disabled = true;
    // Enabled again when the action is done, unless what it acts on is gone meanwhile (`usable`).
    void onClick().finally(() => enableKeepingFocus(b, focused, usable()));
  });
  return b;
}

/**
 * A button disabled while its action ran is enabled again. Disabling the focused button sent the
 * focus to the page's start, so a keyboard user's place is given back to it, unless the action
 * moved the focus itself (to what it said) or the button is gone with what it acted on.
 */
function enableKeepingFocus(b: HTMLButtonElement, focusedBefore: Element | null, usable = true): void {
  b.disabled = !usable;
  if (!usable) return;
  const lost = document.activeElement === null || document.activeElement === document.body;
  if (focusedBefore === b && lost && b.isConnected) b.focus();
}

/** The last cell of each row of `table` gets that row's buttons. */
export function withActions(table: HTMLTableElement, actions: readonly HTMLElement[][]): HTMLTableElement {
  [...table.tBodies[0]!.rows].forEach((row, i) => {
    const cell = row.cells[row.cells.length - 1]!;
    const wrap = document.createElement('div');
    wrap.append(...(actions[i] ?? []));
    cell.className = 'row-actions';
    cell.append(wrap);
  });
  return table;
}

/** Where a list's next page lands: the region it is drawn in, its status line, and what that says of `count` rows come. */
export interface PageLanding {
  readonly region: HTMLElement;
  readonly said: HTMLElement;
  words(count: number): string;
}

/**
 * "Next page" when the list has one. The list is drawn anew with its page (or the page is added
 * under it), and the button pressed goes with it, which sent the keyboard's focus to the page's
 * start: once the page is drawn, the focus goes to its first row (the last table in `landing`'s
 * region) and the status line says how many came, as the wallet page's Older does. A refusal
 * draws nothing: the button stays, and keeps the focus (`button`); a `load` that answers false
 * was refused although the button went (a list emptied so its rows do not pass for the choice's):
 * its status line keeps saying why, and takes the focus.
 */
export function nextPage(next: string | null, load: (cursor: string) => Promise<boolean | void>, landing: PageLanding): HTMLElement[] {
  if (next === null) return [];
  const b = button('Next page', async () => {
    const drawn = await load(next);
    if (b.isConnected) return;
    if (drawn === false) return focusPage([], landing.said);
    const tables = landing.region.querySelectorAll('table');
    const rows = [...(tables[tables.length - 1]?.tBodies[0]?.rows ?? [])];
    say(landing.said, landing.words(rows.length));
    focusPage(rows, landing.said);
  });
  return [b];
}

/** Questions asked on the page so far: each question's id is its own. */
let questionsAsked = 0;

/**
 * An action that cannot be undone (a payout's outcome, closing a wallet, disabling a merchant) asks
 * once more in `region`: the question, the action named in full, and a way out, which has the focus
 * so that a second Enter keeps things as they are. The question is text, or text with marks in it
 * (a payout's new-account warning); `more` goes between it and the buttons (a close's optional
 * bank account). Only one question is open on the page at a time.
 */
export function askFirst(
  region: HTMLElement, question: string | readonly (string | HTMLElement)[], yes: string, act: () => Promise<void>, keep: string, more: readonly HTMLElement[] = [],
): void {
  const box = Object.assign(document.createElement('div'), { className: 'confirm-step' });
  const row = Object.assign(document.createElement('div'), { className: 'actions' });
  // What asked (a row's button, a field) has the focus back when the answer is "keep as it is".
  const asker = document.activeElement instanceof HTMLElement ? document.activeElement : null;
  const keepButton = button(keep, async () => {
    region.replaceChildren();
    if (asker?.isConnected) asker.focus();
  });
  row.append(button(yes, async () => { region.replaceChildren(); await act(); }, ''), keepButton);
  const asked = Object.assign(document.createElement('p'), { id: `asked-${++questionsAsked}` });
  asked.append(...(typeof question === 'string' ? [question] : question));
  // A group named by its question: a screen reader says it as the focus lands on the way out.
  box.setAttribute('role', 'group');
  box.setAttribute('aria-labelledby', asked.id);
  box.append(asked, ...more, row);
  // Enter held down from the field that asked repeats here: its repeats press no answer. Escape
  // answers "keep as it is", as it closes a dialog.
  box.addEventListener('keydown', (event) => {
    if (event.key === 'Enter' && event.repeat) event.preventDefault();
    if (event.key === 'Escape') {
      event.preventDefault();
      keepButton.click();
    }
  });
  // One question at a time: another still open (a close and a revoke of the same wallet) is
  // answered "keep as it is" by asking this one, so no two confirmations stand side by side.
  for (const other of document.querySelectorAll('.confirm-step')) other.remove();
  region.replaceChildren(box);
  keepButton.focus();
}

/**
 * A server's refusal of a field ("param error: refundAmount must be greater than 0") as the form
 * says it, in the words of its label ("The amount must be greater than 0"), with the field it
 * names (null: none, and the message as it came) for the form to mark and focus.
 */
export function fieldRefusal<F extends string>(msg: string, words: Readonly<Record<F, string>>): { readonly field: F | null; readonly words: string } {
  for (const name of Object.keys(words) as F[]) {
    const prefix = `param error: ${name} `;
    if (msg.startsWith(prefix)) return { field: name, words: `${words[name]} ${msg.slice(prefix.length)}` };
  }
  return { field: null, words: msg };
}

/**
 * A refusal said in the status line in the form's words, and the field it names marked and
 * focused, described by that line (`inputOf`: the field's input, by the name the server gives it).
 */
export function sayFieldRefused<F extends string>(
  msg: string, words: Readonly<Record<F, string>>, status: HTMLElement, inputOf: (field: F) => Element | null,
): void {
  const r = fieldRefusal(msg, words);
  say(status, r.words, 'error');
  const input = r.field === null ? null : inputOf(r.field);
  if (input instanceof HTMLInputElement) markRefused(input, status);
}
