import { markRefused } from '../shared/field-problem.js';
import { callPage } from '../shared/page-api.js';
import { say } from '../shared/page.js';
import { refundLimitText, userStateText, type MerchantUserRow } from '../console/merchant-user.js';
import { scrolling, table } from '../console/shell.js';
import { askFirst, button, field, fieldRefusal, form, showOnce, withActions } from '../console/forms.js';
import type { ConsoleContext, Section } from '../console/section.js';
import type { MerchantUser } from './who.js';

/** The user fields as the server names them, in the words of the forms' labels. */
const USER_FIELDS = { name: 'The name', refundLimit: 'The refund limit' } as const;

/** What the section's parts share: where things are said, asked and shown once, and the list drawn again. */
interface Desk {
  readonly ctx: ConsoleContext<MerchantUser>;
  readonly status: HTMLElement;
  readonly confirming: HTMLElement;
  readonly shownOnce: HTMLElement;
  refresh(): Promise<void>;
}

/**
 * The Users section (owner only, on the server too): the merchant's users with role, refund limit
 * and state; a new cashier (its password shown once); and on each row what may be done to that
 * user: a new password and disabling (each asked first), enabling again, and a cashier's refund
 * limit. The owner's own row has none of them: the server refuses disabling oneself too, and one's
 * own password is changed in Your password.
 */
export const usersSection: Section<MerchantUser> = {
  id: 'users',
  title: 'Users',
  roles: ['owner'],
  async render(container, ctx) {
    const list = document.createElement('div');
    const desk: Desk = {
      ctx,
      status: Object.assign(document.createElement('p'), { id: 'users-status', role: 'status', tabIndex: -1 }),
      confirming: document.createElement('div'),
      shownOnce: document.createElement('div'),
      async refresh() {
        const a = await callPage<{ users: MerchantUserRow[] }>(`${ctx.api}users/list`);
        if (a.data === null) return say(desk.status, a.msg, 'error');
        const users = a.data.users;
        const t = table(['Name', 'Role', 'Refund limit', 'State', 'Actions'],
          users.map((u) => [u.name, u.role, refundLimitText(u), userStateText(u), '']), 'Users of this merchant');
        list.replaceChildren(scrolling(withActions(t, users.map((u) => rowActions(desk, u)))));
      },
    };
    container.append(createForm(desk), desk.status, desk.confirming, desk.shownOnce, list);
    await desk.refresh();
  },
};

/**
 * A user's buttons. A disabled user gets no new password (the server refuses it: 9060), so its
 * row offers Enable first; a refund limit is a cashier's only.
 */
function rowActions(d: Desk, u: MerchantUserRow): HTMLElement[] {
  if (u.name === d.ctx.who.userName) return [Object.assign(document.createElement('span'), { textContent: 'This is you' })];
  const limit = u.role === 'cashier' ? [limitButton(d, u)] : [];
  return u.status === 'active' ? [resetButton(d, u), ...limit, statusButton(d, u)] : [statusButton(d, u), ...limit];
}

/** A refusal after a question answered: the question's buttons are gone, so the focus goes to what was said. */
function refused(d: Desk, msg: string): void {
  say(d.status, msg, 'error');
  d.status.focus();
}

/** Disabling signs a person out at once, so it asks first; enabling does not. */
function statusButton(d: Desk, u: MerchantUserRow): HTMLButtonElement {
  const to = u.status === 'active' ? 'disabled' : 'active';
  const verb = to === 'disabled' ? 'Disable' : 'Enable';
  const change = async () => {
    const a = await callPage<{ user: MerchantUserRow }>(`${d.ctx.api}users/set-status`, { name: u.name, status: to });
    if (a.data === null) return refused(d, a.msg);
    say(d.status, to === 'disabled'
      ? `${u.name} is disabled: signed out everywhere, and cannot sign in until enabled again.`
      : `${u.name} is enabled: it signs in with the password it had.`);
    await d.refresh();
    d.status.focus();
  };
  return button(verb, async () => to === 'active' ? change() : askFirst(d.confirming,
    `Disable ${u.role} ${u.name}? They are signed out at the till and here at once, and cannot sign in until you enable them again. Their charges and refunds stay.`,
    `Disable ${u.name} now`, change, 'Keep them active'), 'secondary', `${verb} ${u.name}`);
}

/** A new password signs the user out wherever it is, so it asks first; the password is shown once and focused. */
function resetButton(d: Desk, u: MerchantUserRow): HTMLButtonElement {
  return button('New password', async () => askFirst(d.confirming,
    `Give ${u.name} a new password? The old one stops working and ${u.name} is signed out at the till and here. Tell it only to ${u.name}, by a way you trust.`,
    `Give ${u.name} a new password now`, async () => {
      const a = await callPage<{ user: MerchantUserRow; password: string }>(`${d.ctx.api}users/reset-password`, { name: u.name });
      if (a.data === null) return refused(d, a.msg);
      say(d.status, `${a.data.user.name} has a new password; the old one no longer works.`);
      showOnce(d.shownOnce, `Password of ${a.data.user.name}`, a.data.password);
      await d.refresh();
      focusShownOnce(d);
    }, 'Keep the old password'), 'secondary', `New password for ${u.name}`);
}

/**
 * The password just made (a new cashier's, or a new one) has the focus, so a screen reader reads
 * it out where it is and Tab goes on to its Copy button.
 */
function focusShownOnce(d: Desk): void {
  const said = d.shownOnce.firstElementChild as HTMLElement | null;
  if (said === null) return;
  said.tabIndex = -1;
  said.focus();
}

/** The limit is asked where the questions go, filled with the limit as it is; empty: no limit. Enter sets it. */
function limitButton(d: Desk, u: MerchantUserRow): HTMLButtonElement {
  return button('Refund limit…', async () => askLimit(d, u, u.refundLimit ?? '', null), 'secondary', `Refund limit of ${u.name}`);
}

/** The question, with the value typed so far and, after a refusal, what was refused under the field (the question stays open). */
function askLimit(d: Desk, u: MerchantUserRow, value: string, problem: string | null): void {
  const amount = field('limit-amount', `Most ${u.name} may refund of one sale (empty: no limit)`, { inputMode: 'decimal', maxLength: 40, value });
  const input = amount.querySelector('input')!;
  const said = Object.assign(document.createElement('p'), { id: 'limit-problem', className: 'field-error', role: 'alert', textContent: problem ?? '' });
  askFirst(d.confirming, `The refund limit of ${u.name}: the most its refunds of one sale may add up to. It applies to ${u.name}'s next refund.`,
    `Set the limit of ${u.name}`, async () => {
      const typed = input.value.trim();
      const a = await callPage<{ user: MerchantUserRow }>(`${d.ctx.api}users/set-refund-limit`, { name: u.name, refundLimit: typed === '' ? null : typed });
      if (a.data === null) return askLimit(d, u, typed, fieldRefusal(a.msg, USER_FIELDS).words);
      say(d.status, `${a.data.user.name}: ${a.data.user.refundLimit === null ? 'no refund limit' : `refund limit ${a.data.user.refundLimit}`}.`);
      await d.refresh();
      d.status.focus();
    }, 'Keep the limit', [amount, said]);
  input.addEventListener('keydown', (event) => {
    if (event.key !== 'Enter' || event.repeat) return;
    event.preventDefault();
    (d.confirming.querySelector('.actions button') as HTMLButtonElement | null)?.click();
  });
  if (problem === null) input.focus();
  else markRefused(input, said, () => { said.textContent = ''; });
}

function createForm(d: Desk): HTMLFormElement {
  return form('new-cashier', 'New cashier', [field('new-name', 'Name', { maxLength: 40 }), field('new-limit', 'Refund limit (optional)', { inputMode: 'decimal', maxLength: 40 })], 'Create cashier', async (v) => {
    const body: Record<string, unknown> = { name: v['new-name'] };
    if (v['new-limit'] !== '') body.refundLimit = v['new-limit'];
    const a = await callPage<{ user: MerchantUserRow; password: string }>(`${d.ctx.api}users/create`, body);
    if (a.data === null) {
      const refused = fieldRefusal(a.msg, USER_FIELDS);
      say(d.status, refused.words, 'error');
      // A refused name or limit is said at its field: marked, described by the status line, focused.
      const input = refused.field === null ? null : document.getElementById(refused.field === 'name' ? 'new-name' : 'new-limit');
      if (input instanceof HTMLInputElement) markRefused(input, d.status);
      return;
    }
    say(d.status, `Cashier ${a.data.user.name} created.`);
    showOnce(d.shownOnce, `Password of ${a.data.user.name}`, a.data.password);
    await d.refresh();
    // As after New password: the focus leaves Name for the password to pass on.
    focusShownOnce(d);
    return 'clear';
  });
}
