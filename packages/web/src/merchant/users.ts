import { callPage } from '../shared/page-api.js';
import { say } from '../shared/page.js';
import { scrolling, table } from '../console/shell.js';
import { field, form } from '../console/forms.js';
import type { Section } from '../console/section.js';
import type { MerchantUser } from './who.js';

/**
 * The Users section (owner only, on the server too): the merchant's users with role and refund
 * limit; a new cashier (its password shown once); a cashier's refund limit; a new password.
 */
interface UserRow { readonly name: string; readonly role: string; readonly refundLimit: string | null }

export const usersSection: Section<MerchantUser> = {
  id: 'users',
  title: 'Users',
  roles: ['owner'],
  async render(container, ctx) {
    const status = Object.assign(document.createElement('p'), { role: 'status' });
    const shownOnce = document.createElement('div');
    const list = document.createElement('div');
    container.append(createForm(), limitForm(), resetForm(), status, shownOnce, list);
    await refresh();

    async function refresh(): Promise<void> {
      const a = await callPage<{ users: UserRow[] }>(`${ctx.api}users/list`);
      if (a.data === null) return say(status, a.msg, 'error');
      list.replaceChildren(scrolling(table(['Name', 'Role', 'Refund limit'],
        a.data.users.map((u) => [u.name, u.role, u.role === 'owner' ? '—' : u.refundLimit ?? 'No limit']), 'Users of this merchant')));
    }

    function showPassword(name: string, password: string): void {
      const p = Object.assign(document.createElement('p'), { className: 'shown-once' });
      const code = Object.assign(document.createElement('code'), { textContent: password });
      p.append(`Password of ${name}, shown once: `, code);
      shownOnce.replaceChildren(p);
    }

    function createForm(): HTMLFormElement {
      return form('new-cashier', 'New cashier', [field('new-name', 'Name', { maxLength: 40 }), field('new-limit', 'Refund limit (optional)', { inputMode: 'decimal', maxLength: 40 })], 'Create cashier', async (v) => {
        const body: Record<string, unknown> = { name: v['new-name'] };
        if (v['new-limit'] !== '') body.refundLimit = v['new-limit'];
        const a = await callPage<{ user: UserRow; password: string }>(`${ctx.api}users/create`, body);
        if (a.data === null) return say(status, a.msg, 'error');
        say(status, `Cashier ${a.data.user.name} created.`);
        showPassword(a.data.user.name, a.data.password);
        await refresh();
        return 'clear';
      });
    }

    function limitForm(): HTMLFormElement {
      return form('set-limit', 'Refund limit', [field('limit-name', 'Cashier', { maxLength: 40 }), field('limit-amount', 'Most per refund (empty: no limit)', { inputMode: 'decimal', maxLength: 40 })], 'Set limit', async (v) => {
        const a = await callPage<{ user: UserRow }>(`${ctx.api}users/set-refund-limit`, { name: v['limit-name'], refundLimit: v['limit-amount'] === '' ? null : v['limit-amount'] });
        if (a.data === null) return say(status, a.msg, 'error');
        say(status, `${a.data.user.name}: ${a.data.user.refundLimit === null ? 'no refund limit' : `refund limit ${a.data.user.refundLimit}`}.`);
        await refresh();
      });
    }

    function resetForm(): HTMLFormElement {
      return form('reset-password', 'New password', [field('reset-name', 'User', { maxLength: 40 })], 'Reset password', async (v) => {
        const a = await callPage<{ user: UserRow; password: string }>(`${ctx.api}users/reset-password`, { name: v['reset-name'] });
        if (a.data === null) return say(status, a.msg, 'error');
        say(status, `${a.data.user.name} has a new password; the old one no longer works.`);
        showPassword(a.data.user.name, a.data.password);
      });
    }
  },
};
