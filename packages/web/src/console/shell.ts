import { element, say } from '../shared/page.js';
import { currentSession, signInAt, signOut, type PageName } from '../shared/session.js';
import { currentCsrfToken, ROLE_REFUSED_EVENT, saySignedOut, SESSION_REPLACED, SIGNED_OUT_EVENT } from '../shared/page-api.js';
import { usePlatformTimeZone } from '../shared/time.js';
import { warnBeforeSessionEnds } from '../shared/session-warning.js';
import type { ConsoleContext, Section } from './section.js';
import { signInFormFilled } from '../shared/sign-in-form.js';
import './console.css';

/**
 * The consoles' shell, the same for /merchant and /admin (docs/consoles.md): the sign-in form, then
 * a header saying who is signed in with Sign out, a navigation drawn from the console's list of
 * sections, and the open section. The shells (merchant.html, admin.html) hold the same ids.
 */
export interface ConsoleSpec<Who> {
  readonly page: PageName & ('merchant' | 'admin');
  readonly sections: readonly Section<Who>[];
  /** The sign-in form's fields as the sign-in API takes them. */
  signInBody(form: HTMLFormElement): Record<string, string>;
  readonly signInMessages: Readonly<Record<number, string>>;
  /** The header's words for who is signed in. */
  describe(who: Who): string;
  /** The role: it picks the sections that name roles, and a change of it redraws the console; null: a console without roles. */
  roleOf(who: Who): string | null;
}

/** Who: as the session answers it, with the platform's time zone, which every time shown is in. */
export function startConsole<Who extends { readonly timeZone: string }>(spec: ConsoleSpec<Who>): void {
  const form = element('sign-in', HTMLFormElement);
  const error = element('sign-in-error', HTMLElement);
  const layout = element('console', HTMLElement);
  const whoText = element('console-who', HTMLElement);
  const notice = element('console-notice', HTMLElement);
  const nav = element('console-nav', HTMLElement);
  const container = element('section', HTMLElement);
  const consoleTitle = document.title;
  let shown: { who: Who; sections: readonly Section<Who>[] } | null = null;

  form.addEventListener('submit', (event) => {
    event.preventDefault();
    if (!signInFormFilled(form, error)) return;
    const body = spec.signInBody(form);
    for (const field of form.querySelectorAll<HTMLInputElement>('input[type=password], input[data-one-time]')) field.value = '';
    void signInAt<Who>(`${spec.page}/sign-in`, body, spec.signInMessages).then((r) => (r.ok ? enter(r.signedIn) : showSignIn(r.message)));
  });
  element('sign-out', HTMLButtonElement).addEventListener('click', () => void signOut(spec.page).then(() => showSignIn('You are signed out.', 'info')));
  window.addEventListener('hashchange', () => { if (shown !== null) open(location.hash.slice(1)); });
  // A change refused for the role (9122, shared/page-api.ts): the role may have changed since the
  // console was drawn. The session is read again and the console drawn for what it is now; two
  // refusals at once read it once.
  let rechecking: Promise<void> | null = null;
  window.addEventListener(ROLE_REFUSED_EVENT, () => {
    rechecking ??= redraw().finally(() => { rechecking = null; });
  });
  // The session ended (9120), or another tab's sign-in replaced it (9121, a read's or a change's):
  // the sign-in, with why. A replaced session is never taken over: it may be someone else's.
  window.addEventListener(SIGNED_OUT_EVENT, (event) => {
    if (shown !== null) showSignIn((event as CustomEvent<string>).detail);
  });
  // Warned shortly before the session would end unused, the person stays signed in in one step.
  warnBeforeSessionEnds(spec.page);
  void currentSession<Who>(spec.page).catch(() => null).then((who) => (who === null ? showSignIn() : enter(who)));

  /** The session read again after a refusal for the role, and the console drawn for it if the role changed. */
  async function redraw(): Promise<void> {
    if (shown === null) return;
    const before = spec.describe(shown.who);
    const mine = currentCsrfToken();
    // No answer (the network): nothing is known, so nothing changes; the refusal stays said.
    const who = await currentSession<Who>(spec.page).catch(() => undefined);
    if (who === undefined) return;
    if (who === null) return showSignIn('You are signed out.');
    // Another tab signed in meanwhile: that session is not this console's to take over.
    if (currentCsrfToken() !== mine) return saySignedOut(SESSION_REPLACED);
    const now = spec.describe(who);
    if (now === before) return;
    enter(who);
    say(notice, `Your role changed since the console was drawn: it is now drawn for ${now}, with what that role may do.`);
  }

  function enter(who: Who): void {
    say(notice, '');
    const role = spec.roleOf(who);
    const sections = spec.sections.filter((s) => s.roles === undefined || (role !== null && s.roles.includes(role)));
    shown = { who, sections };
    usePlatformTimeZone(who.timeZone);
    form.hidden = true;
    whoText.textContent = spec.describe(who);
    nav.replaceChildren(...sections.map((s) => {
      const link = document.createElement('a');
      link.href = `#${s.id}`;
      link.textContent = s.title;
      link.dataset.section = s.id;
      return link;
    }));
    layout.hidden = false;
    open(location.hash.slice(1));
  }

  function open(id: string): void {
    if (shown === null) return;
    // `#orders/ORD-1`: the section `orders`, opened at `ORD-1` (ctx.path).
    const slash = id.indexOf('/');
    const path = slash < 0 ? '' : decodeURIComponent(id.slice(slash + 1));
    if (slash >= 0) id = id.slice(0, slash);
    const section = shown.sections.find((s) => s.id === id) ?? shown.sections[0];
    for (const link of nav.querySelectorAll<HTMLAnchorElement>('a')) {
      if (link.dataset.section === section?.id) link.setAttribute('aria-current', 'page');
      else link.removeAttribute('aria-current');
    }
    container.replaceChildren();
    if (section === undefined) return;
    const at = section.id === id ? path : '';
    // A place inside the section (an order's detail) is named for what it shows, not the list's name.
    const title = at !== '' && section.titleOf !== undefined ? section.titleOf(at) : section.title;
    const heading = document.createElement('h2');
    heading.textContent = title;
    heading.tabIndex = -1;
    // The tab's title names the section, as a page of its own would (browser history, a screen reader's window list).
    document.title = `${title} · ${consoleTitle}`;
    container.append(heading);
    // A section drawn anew (after signing in, or from the menu) takes the focus to its heading,
    // not to the page's top; a section that focuses something of its own does so after this.
    heading.focus();
    const body = document.createElement('div');
    container.append(body);
    const ctx: ConsoleContext<Who> = { who: shown.who, api: `${spec.page}/`, path: at };
    void section.render(body, ctx);
  }

  function showSignIn(message = '', tone: 'info' | 'error' = 'error'): void {
    shown = null;
    layout.hidden = true;
    form.hidden = false;
    say(error, message, tone);
    const empty = [...form.querySelectorAll<HTMLInputElement>('input')].find((i) => i.value === '');
    (empty ?? form.querySelector('input'))?.focus();
  }
}

/** A small table: a header row and rows of text cells (text only: never HTML from an answer). */
export function table(headers: readonly string[], rows: readonly (readonly string[])[], caption: string): HTMLTableElement {
  const t = document.createElement('table');
  const cap = document.createElement('caption');
  cap.textContent = caption;
  const head = document.createElement('tr');
  head.append(...headers.map((h) => Object.assign(document.createElement('th'), { scope: 'col', textContent: h })));
  t.append(cap, Object.assign(document.createElement('thead'), {}), document.createElement('tbody'));
  t.tHead!.append(head);
  for (const row of rows) {
    const tr = document.createElement('tr');
    tr.append(...row.map((cell) => Object.assign(document.createElement('td'), { textContent: cell })));
    t.tBodies[0]!.append(tr);
  }
  // No rows: the caption says so ("No payouts here"), without column names over nothing.
  t.tHead!.hidden = rows.length === 0;
  return stackedOnPhones(t);
}

/**
 * On a phone the table's rows become stacked cards, each cell under its column's name (console.css
 * `.stacks`), so no column hides past the screen's edge. Each cell carries its column's name, and
 * the table its roles, which a table drawn as blocks would otherwise lose for screen readers.
 * Call it once the header and rows are in.
 */
export function stackedOnPhones(t: HTMLTableElement): HTMLTableElement {
  const names = [...(t.tHead?.rows[0]?.cells ?? [])].map((th) => th.textContent ?? '');
  t.classList.add('stacks');
  // A table with no rows says so in its caption: roles over a hidden header and an empty body would
  // announce a table with nothing in it (and a table role needs rows).
  if ((t.tBodies[0]?.rows.length ?? 0) === 0) return t;
  t.setAttribute('role', 'table');
  for (const group of [t.tHead, ...t.tBodies]) group?.setAttribute('role', 'rowgroup');
  for (const row of t.rows) {
    row.setAttribute('role', 'row');
    [...row.cells].forEach((cell, i) => {
      if (cell.tagName === 'TH' && (cell as HTMLTableCellElement).scope !== 'row') return void cell.setAttribute('role', 'columnheader');
      cell.setAttribute('role', cell.tagName === 'TH' ? 'rowheader' : 'cell');
      cell.dataset.label = names[i] ?? '';
    });
  }
  return t;
}

/** The most characters an id shows beside its name on a phone's card: a payout's 22 digits. */
const LONG_ID = 22;

/**
 * Marks a column of ids (a payout's 22 digits, an order id): an id is read and copied whole, so in
 * a phone's card it breaks only after a hyphen, never inside a number, and a card too narrow for a
 * run of it scrolls the id in its own box (console.css `.code`). Call it once the rows are in.
 */
export function codeColumn(t: HTMLTableElement, column: number): HTMLTableElement {
  for (const row of t.tBodies[0]?.rows ?? []) {
    const cell = row.cells[column];
    if (cell === undefined || cell.textContent === '') continue;
    const code = Object.assign(document.createElement('span'), { className: 'code' });
    code.append(...cell.childNodes);
    cell.replaceChildren(code);
    // Longer than a payout's 22 digits (a till's 32-character order id): on a phone's card it
    // takes the card's width under its name (console.css), whole and in view.
    if ((code.textContent ?? '').length > LONG_ID) cell.classList.add('long-id');
  }
  return t;
}

/** A wide table in a box that scrolls sideways, so it never widens the page (console.css `.table-scroll`). */
export function scrolling(t: HTMLTableElement): HTMLDivElement {
  const box = document.createElement('div');
  box.className = 'table-scroll';
  // Named as its table; in the Tab order only while it scrolls (its arrows then scroll it), so a
  // table that fits adds no stop. It can take the focus either way (a section lands on it).
  box.setAttribute('role', 'region');
  box.setAttribute('aria-label', t.caption?.textContent ?? 'Table');
  box.tabIndex = -1;
  box.append(t);
  const observer = new ResizeObserver(() => { box.tabIndex = box.scrollWidth > box.clientWidth ? 0 : -1; });
  observer.observe(box);
  observer.observe(t);
  return box;
}
