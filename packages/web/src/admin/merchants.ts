import { hoursWords } from '@micropay/protocol/duration';
import { MCH_ID } from '@micropay/protocol/fields';
import { callPage } from '../shared/page-api.js';
import { say } from '../shared/page.js';
import { formatTime } from '../shared/time.js';
import { table } from '../console/shell.js';
import { askFirst, button, field, form, nextPage, showOnce, withActions } from '../console/forms.js';
import { countOf } from '../shared/paging.js';
import type { Section } from '../console/section.js';
import type { SignedInOperator } from './who.js';
import { may, roleNote } from './role.js';
import { showPayoutAccount } from './merchant-payout-account.js';
import { showMerchantUsers } from './merchant-users.js';

/**
 * The Merchants section: the list (status, balance, notify URL, key state), paged; create (the
 * new key shown once), import from another platform (the key is never shown back), disable and
 * enable, roll the key (the new key shown once), the payout account (set by an admin). Every
 * rule is the server's (page-admin-merchants.ts, page-admin-payout-accounts.ts).
 */
interface MerchantRow {
  readonly mchId: string; readonly name: string; readonly status: 'active' | 'disabled'; readonly balance: string;
  readonly notifyUrl: string | null; readonly keyRolledAtMs: number | null; readonly previousKeyUntilMs: number | null;
}

function keyState(m: MerchantRow, nowMs: number): string {
  if (m.keyRolledAtMs === null) return 'Never rolled';
  const rolled = `Rolled ${formatTime(m.keyRolledAtMs)}`;
  return m.previousKeyUntilMs !== null && m.previousKeyUntilMs > nowMs ? `${rolled}; old key until ${formatTime(m.previousKeyUntilMs)}` : rolled;
}

export const merchantsSection: Section<SignedInOperator> = {
  id: 'merchants',
  title: 'Merchants',
  async render(container, ctx) {
    const status = Object.assign(document.createElement('p'), { role: 'status', tabIndex: -1 });
    const confirming = document.createElement('div');
    const shownOnce = document.createElement('div');
    const list = Object.assign(document.createElement('div'), { className: 'table-wrap' });
    const account = Object.assign(document.createElement('section'), { className: 'merchant-account' });
    account.setAttribute('aria-label', 'Payout account');
    const users = Object.assign(document.createElement('section'), { className: 'merchant-users' });
    users.setAttribute('aria-label', 'Merchant users');
    const manages = may(ctx.who, 'merchants');
    const note = roleNote(ctx.who, 'merchants', 'creating, importing, disabling and re-keying merchants');
    container.append(...(manages ? [createForm(), importForm(), rollForm()] : [note!]), status, confirming, shownOnce, list, account, users);
    await load();

    async function load(cursor?: string): Promise<void> {
      confirming.replaceChildren();
      const a = await callPage<{ merchants: MerchantRow[]; next: string | null }>(`${ctx.api}merchants/list`, cursor === undefined ? {} : { cursor });
      if (a.data === null) return say(status, a.msg, 'error');
      const rows = a.data.merchants;
      const t = table(['Merchant id', 'Name', 'Status', 'Balance', 'Notify URL', 'Key', 'Actions'],
        rows.map((m) => [m.mchId, m.name, m.status === 'active' ? 'Active' : 'Disabled', m.balance, m.notifyUrl ?? 'None', keyState(m, a.serverNowMs), '']),
        rows.length === 0 ? 'No merchants yet' : 'Merchants of this platform');
      list.replaceChildren(withActions(t, rows.map((m) => [...(manages ? [statusButton(m)] : []), accountButton(m), usersButton(m)])), ...nextPage(a.data.next, load, {
        region: list, said: status, words: (n) => `Next page: ${countOf(n, 'merchant')} shown.`,
      }));
    }

    /** Where the merchant's payouts go: read by every role, set by an admin (merchant-payout-account.ts). */
    function accountButton(m: MerchantRow): HTMLButtonElement {
      return button('Payout account', async () => {
        users.replaceChildren();
        await showPayoutAccount(account, ctx.api, m.mchId, manages, status);
      }, 'secondary', `Payout account of ${m.mchId}`);
    }

    /** The merchant's users and their state: read by every role, disabled, enabled or given a new password by an admin (merchant-users.ts). */
    function usersButton(m: MerchantRow): HTMLButtonElement {
      return button('Users', async () => {
        account.replaceChildren();
        await showMerchantUsers({ region: users, api: ctx.api, mchId: m.mchId, manages, status });
      }, 'secondary', `Users of ${m.mchId}`);
    }

    /** Disabling stops a live integration at once, so it asks first; enabling does not. */
    function statusButton(m: MerchantRow): HTMLButtonElement {
      const to = m.status === 'active' ? 'disabled' : 'active';
      const verb = to === 'disabled' ? 'Disable' : 'Enable';
      const change = async () => {
        const a = await callPage<{ merchant: MerchantRow }>(`${ctx.api}merchants/set-status`, { mchId: m.mchId, status: to });
        if (a.data === null) return say(status, a.msg, 'error');
        say(status, `Merchant ${m.mchId} is ${to === 'active' ? 'enabled' : 'disabled: its requests answer 1022'}.`);
        await load();
        status.focus();
      };
      return button(verb, async () => to === 'active' ? change() : askFirst(confirming,
        `Disable merchant ${m.mchId} "${m.name}"? Its API requests answer 1022 and its users are refused at once, until it is enabled again.`,
        `Disable ${m.mchId} now`, change, 'Keep it active'), 'secondary', `${verb} ${m.mchId}`);
    }

    function createForm(): HTMLFormElement {
      return form('new-merchant', 'New merchant', [field('merchant-name', 'Name'), field('merchant-notify', 'Notify URL (optional)', { inputMode: 'url', maxLength: 2048 })],
        'Create merchant', async (v) => {
          const body: Record<string, unknown> = { name: v['merchant-name'] };
          if (v['merchant-notify'] !== '') body.notifyUrl = v['merchant-notify'];
          const a = await callPage<{ merchant: MerchantRow; apiKey: string; warning: string | null }>(`${ctx.api}merchants/create`, body);
          if (a.data === null) return say(status, a.msg, 'error');
          const created = `Merchant ${a.data.merchant.mchId} "${a.data.merchant.name}" created.`;
          say(status, a.data.warning === null ? created : `${created} But ${a.data.warning}.`, a.data.warning === null ? 'info' : 'error');
          showOnce(shownOnce, `Key of merchant ${a.data.merchant.mchId}`, a.data.apiKey);
          await load();
          return 'clear';
        });
    }

    function importForm(): HTMLFormElement {
      const f = form('import-merchant', 'Import a merchant', [
        field('import-name', 'Name (import)'), field('import-mch-id', 'Merchant id on the old platform', { inputMode: 'numeric', maxLength: 19 }),
        field('import-key', 'Its key there', { type: 'password', maxLength: 128 }),
      ], 'Import merchant', async (v) => {
        const a = await callPage<{ merchant: MerchantRow }>(`${ctx.api}merchants/import`, { name: v['import-name'], mchId: v['import-mch-id'], key: v['import-key'] });
        (f.elements.namedItem('import-key') as HTMLInputElement).value = '';
        if (a.data === null) return say(status, a.msg, 'error');
        say(status, `Merchant ${a.data.merchant.mchId} "${a.data.merchant.name}" imported with its key: its integration keeps working.`);
        shownOnce.replaceChildren();
        await load();
        return 'clear';
      });
      return f;
    }

    /** A new key breaks the merchant's integration once the old one's hours are over: it asks first. */
    function rollForm(): HTMLFormElement {
      const f = form('roll-key', 'Roll a key', [field('roll-mch-id', 'Merchant id (roll key)', { inputMode: 'numeric', maxLength: 19 }),
        field('roll-overlap', 'Old key works for (hours)', { inputMode: 'numeric', value: '24', maxLength: 4 })], 'Roll key', async (v) => {
        if (!MCH_ID.test(v['roll-mch-id']!)) return say(status, 'Enter the merchant id whose key to roll: digits, as the list shows it.', 'error');
        // Left empty: the default, as the server takes an absent overlap.
        const hours = v['roll-overlap'] || '24';
        const until = hours === '0' ? 'the old key stops working at once' : `the old key works for ${hoursWords(hours)} more`;
        askFirst(confirming, `Roll the key of merchant ${v['roll-mch-id']}? Its systems must switch to the new key: ${until}.`, `Roll the key of ${v['roll-mch-id']}`, async () => {
          const a = await callPage<{ merchant: MerchantRow; apiKey: string }>(`${ctx.api}merchants/roll-key`, { mchId: v['roll-mch-id'], overlapHours: hours });
          if (a.data === null) return say(status, a.msg, 'error');
          say(status, `Merchant ${a.data.merchant.mchId} has a new key; the old one works for ${hoursWords(hours)}.`);
          showOnce(shownOnce, `New key of merchant ${a.data.merchant.mchId}`, a.data.apiKey);
          f.reset();
          await load();
          status.focus();
        }, 'Keep the key');
      });
      return f;
    }
  },
};
