import { callPage } from '../shared/page-api.js';
import { say } from '../shared/page.js';
import { scrolling, table } from '../console/shell.js';
import { askFirst, button, choice, field, fieldRefusal, form, showOnce, withActions } from '../console/forms.js';
import { refundLimitText, userStateText, type MerchantUserRow } from '../console/merchant-user.js';

/**
 * A merchant's users in the operator console's Merchants (docs/consoles.md): every role sees them
 * and their state; an admin (`merchants`) adds an owner or a cashier (a merchant made here has
 * none), disables or enables one, or gives it a new password, each password shown once (an owner
 * locked out or gone), each change after one more question. The rules are the server's, the same
 * as for the owner's Users section.
 */
interface Panel {
  readonly region: HTMLElement;
  readonly api: string;
  readonly mchId: string;
  readonly manages: boolean;
  readonly status: HTMLElement;
}

/** Draws merchant `mchId`'s users into `region`, with a password `shown` once above them; `status` says each outcome. */
export async function showMerchantUsers(p: Panel, shown?: { readonly what: string; readonly password: string }): Promise<void> {
  const a = await callPage<{ users: MerchantUserRow[] }>(`${p.api}merchants/users`, { mchId: p.mchId });
  if (a.data === null) return say(p.status, a.msg, 'error');
  const heading = Object.assign(document.createElement('h3'), { textContent: `Users of merchant ${p.mchId}`, tabIndex: -1 });
  const confirming = document.createElement('div');
  const shownOnce = document.createElement('div');
  const users = a.data.users;
  const t = table(['Name', 'Role', 'Refund limit', 'State', ...(p.manages ? ['Actions'] : [])],
    users.map((u) => [u.name, u.role, refundLimitText(u), userStateText(u), ...(p.manages ? [''] : [])]),
    users.length === 0 ? `No users yet${p.manages ? ': add its owner below' : ''}` : 'Owner first');
  // A disabled user gets no new password (the server refuses it): its row offers Enable alone.
  const actions = (u: MerchantUserRow) => [statusButton(p, u, confirming), ...(u.status === 'active' ? [resetButton(p, u, confirming)] : [])];
  const drawn = p.manages ? withActions(t, users.map(actions)) : t;
  p.region.replaceChildren(heading, confirming, shownOnce, scrolling(drawn), ...(p.manages ? [newUserForm(p, users.length === 0)] : []));
  if (shown === undefined) return heading.focus();
  // The password just made has the focus, so a screen reader reads it out where it is.
  showOnce(shownOnce, shown.what, shown.password);
  const said = shownOnce.firstElementChild as HTMLElement;
  said.tabIndex = -1;
  said.focus();
}

/** A new owner or cashier; its password is shown once above the list. An owner first when there is none. */
function newUserForm(p: Panel, none: boolean): HTMLFormElement {
  const roles = [['owner', 'Owner'], ['cashier', 'Cashier']] as const;
  return form('new-merchant-user', `New user of merchant ${p.mchId}`, [
    field('new-user-name', 'New user\'s name', { maxLength: 40 }),
    choice('new-user-role', 'Role', none ? roles : [roles[1], roles[0]]),
    field('new-user-limit', 'Refund limit (cashier; optional)', { inputMode: 'decimal', maxLength: 20 }),
  ], 'Add user', async (v) => {
    const role = v['new-user-role'];
    const limit = v['new-user-limit'] ?? '';
    const a = await callPage<{ user: MerchantUserRow; password: string }>(`${p.api}merchants/create-user`, {
      mchId: p.mchId, name: v['new-user-name'], role, ...(limit === '' ? {} : { refundLimit: limit }),
    });
    if (a.data === null) return refused(p, fieldRefusal(a.msg, { name: 'The name', refundLimit: 'The refund limit' }).words);
    await showMerchantUsers(p, { what: `Password of ${a.data.user.name} of merchant ${p.mchId}`, password: a.data.password });
    say(p.status, `${role === 'owner' ? 'Owner' : 'Cashier'} ${a.data.user.name} of merchant ${p.mchId} added: they sign in at ${role === 'owner' ? '/merchant' : '/cashier'} with the password shown once.`);
  });
}

/** Disabling signs the user out at once, so it asks first; enabling does not. */
function statusButton(p: Panel, u: MerchantUserRow, confirming: HTMLElement): HTMLButtonElement {
  const to = u.status === 'active' ? 'disabled' : 'active';
  const verb = to === 'disabled' ? 'Disable' : 'Enable';
  const change = async () => {
    const a = await callPage<{ user: MerchantUserRow }>(`${p.api}merchants/set-user-status`, { mchId: p.mchId, name: u.name, status: to });
    if (a.data === null) return refused(p, a.msg);
    await showMerchantUsers(p);
    say(p.status, to === 'disabled' ? `${u.name} of merchant ${p.mchId} is disabled: signed out everywhere.` : `${u.name} of merchant ${p.mchId} is enabled.`);
    p.status.focus();
  };
  return button(verb, async () => to === 'active' ? change() : askFirst(confirming,
    `Disable ${u.role} ${u.name} of merchant ${p.mchId}? They are signed out at once and cannot sign in until enabled again.`,
    `Disable ${u.name} now`, change, 'Keep them active'), 'secondary', `${verb} ${u.name}`);
}

/** A new password ends the user's sessions, so it asks first; a disabled user is refused by the server. */
function resetButton(p: Panel, u: MerchantUserRow, confirming: HTMLElement): HTMLButtonElement {
  return button('New password', async () => askFirst(confirming,
    `Give ${u.name} of merchant ${p.mchId} a new password? The old one stops working and ${u.name} is signed out. Tell it only to ${u.name}, by a way you trust.`,
    `Give ${u.name} a new password now`, async () => {
      const a = await callPage<{ user: MerchantUserRow; password: string }>(`${p.api}merchants/reset-user-password`, { mchId: p.mchId, name: u.name });
      if (a.data === null) return refused(p, a.msg);
      await showMerchantUsers(p, { what: `Password of ${u.name} of merchant ${p.mchId}`, password: a.data.password });
      say(p.status, `${u.name} of merchant ${p.mchId} has a new password; the old one no longer works.`);
    }, 'Keep the old password'), 'secondary', `New password for ${u.name}`);
}

function refused(p: Panel, msg: string): void {
  say(p.status, msg, 'error');
  p.status.focus();
}
