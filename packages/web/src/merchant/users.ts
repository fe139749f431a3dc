import { callPage } from '../shared/page-api.js';
import { say } from '../shared/page.js';
import { refundLimitText, userStateText, type MerchantUserRow } from '../console/merchant-user.js';
import { scrolling, table } from '../console/shell.js';
import { askFirst, button, field, form, showOnce, withActions } from '../console/forms.js';
import type { Section } from '../console/section.js';
import type { MerchantUser } from './who.js';

/**
 * The Users section (owner only, on the server too): the merchant's users with role, refund limit
 * and state; a new cashier (its password shown once); a cashier's refund limit; a new password,
 * asked first; disabling a user (asked first) and enabling it again. The owner's own row has no
 * Disable: the server refuses it too.
 */
export const usersSection: Section<MerchantUser> = {
  id: 'users',
  title: 'Users',
  roles: ['owner'],
  async render(container, ctx) {
    const status = Object.assign(document.createElement('p'), { role: 'status', tabIndex: -1 });
    const confirming = document.createElement('div');
    const shownOnce = document.createElement('div');
    const list = document.createElement('div');
    container.append(createForm(), limitForm(), resetForm(), status, confirming, shownOnce, list);
    /** The users as last listed: a new password for one shown disabled is refused before asking. */
    let listed: readonly MerchantUserRow[] = [];
    await refresh();

    async function refresh(): Promise<void> {
      const a = await callPage<{ users: MerchantUserRow[] }>(`${ctx.api}users/list`);
      if (a.data === null) return say(status, a.msg, 'error');
      const users = a.data.users;
      listed = users;
      const t = table(['Name', 'Role', 'Refund limit', 'State', 'Actions'],
        users.map((u) => [u.name, u.role, refundLimitText(u), userStateText(u), '']), 'Users of this merchant');
      // The owner's own row: nobody disables their own user (the server refuses it too).
      const you = () => Object.assign(document.createElement('span'), { textContent: 'This is you' });
      list.replaceChildren(scrolling(withActions(t, users.map((u) => (u.name === ctx.who.userName ? [you()] : [statusButton(u)])))));
    }

    /** A refusal after a question answered: the question's buttons are gone, so the focus goes to what was said. */
    function refused(msg: string): void {
      say(status, msg, 'error');
      status.focus();
    }

    function showPassword(name: string, password: string): void {
      showOnce(shownOnce, `Password of ${name}`, password);
    }

    /** Disabling signs a person out at once, so it asks first; enabling does not. */
    function statusButton(u: MerchantUserRow): HTMLButtonElement {
      const to = u.status === 'active' ? 'disabled' : 'active';
      const verb = to === 'disabled' ? 'Disable' : 'Enable';
      const change = async () => {
        const a = await callPage<{ user: MerchantUserRow }>(`${ctx.api}users/set-status`, { name: u.name, status: to });
        if (a.data === null) return refused(a.msg);
        say(status, to === 'disabled'
          ? `${u.name} is disabled: signed out everywhere, and cannot sign in until enabled again.`
          : `${u.name} is enabled: it signs in with the password it had.`);
        await refresh();
        status.focus();
      };
      return button(verb, async () => to === 'active' ? change() : askFirst(confirming,
        `Disable ${u.role} ${u.name}? They are signed out at the till and here at once, and cannot sign in until you enable them again. Their charges and refunds stay.`,
        `Disable ${u.name} now`, change, 'Keep them active'), 'secondary', `${verb} ${u.name}`);
    }

    function createForm(): HTMLFormElement {
      return form('new-cashier', 'New cashier', [field('new-name', 'Name', { maxLength: 40 }), field('new-limit', 'Refund limit (optional)', { inputMode: 'decimal', maxLength: 40 })], 'Create cashier', async (v) => {
        const body: Record<string, unknown> = { name: v['new-name'] };
        if (v['new-limit'] !== '') body.refundLimit = v['new-limit'];
        const a = await callPage<{ user: MerchantUserRow; password: string }>(`${ctx.api}users/create`, body);
        if (a.data === null) return say(status, a.msg, 'error');
        say(status, `Cashier ${a.data.user.name} created.`);
        showPassword(a.data.user.name, a.data.password);
        await refresh();
        return 'clear';
      });
    }

    function limitForm(): HTMLFormElement {
      return form('set-limit', 'Refund limit', [field('limit-name', 'Cashier', { maxLength: 40 }), field('limit-amount', 'Most refunded of one sale (empty: no limit)', { inputMode: 'decimal', maxLength: 40 })], 'Set limit', async (v) => {
        const a = await callPage<{ user: MerchantUserRow }>(`${ctx.api}users/set-refund-limit`, { name: v['limit-name'], refundLimit: v['limit-amount'] === '' ? null : v['limit-amount'] });
        if (a.data === null) return say(status, a.msg, 'error');
        say(status, `${a.data.user.name}: ${a.data.user.refundLimit === null ? 'no refund limit' : `refund limit ${a.data.user.refundLimit}`}.`);
        await refresh();
      });
    }

    /** A new password signs the user out wherever it is, so the form asks first. */
    function resetForm(): HTMLFormElement {
      return form('reset-password', 'New password', [field('reset-name', 'User', { maxLength: 40 })], 'Reset password', async (v) => {
        const name = v['reset-name']!;
        // Said at once, in the server's words (a disabled user gets no new password: 9060), not after a question.
        if (listed.some((u) => u.name === name && u.status === 'disabled')) return refused(`${name} is disabled: enable it first, then give it a new password.`);
        askFirst(confirming, `Give ${name} a new password? The old one stops working and ${name} is signed out at the till and here.`,
          `New password for ${name}`, async () => {
            const a = await callPage<{ user: MerchantUserRow; password: string }>(`${ctx.api}users/reset-password`, { name });
            if (a.data === null) return refused(a.msg);
            say(status, `${a.data.user.name} has a new password; the old one no longer works.`);
            showPassword(a.data.user.name, a.data.password);
            await refresh();
          }, 'Keep the old password');
      });
    }
  },
};
