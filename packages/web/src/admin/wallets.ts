import { callPage } from '../shared/page-api.js';
import { say } from '../shared/page.js';
import { table } from '../console/shell.js';
import { button, choice, field, form, nextPage, showOnce, withActions } from '../console/forms.js';
import type { Section } from '../console/section.js';
import type { SignedInOperator } from './who.js';
import type { DeviceListing } from '@micropay/protocol/offline-code';
import { walletDevicesPart } from './wallet-devices.js';

/**
 * The Wallets section: search (id or its first digits, name, status; paged), a wallet's detail,
 * and its actions: create (the app token shown once), top up, freeze and unfreeze, unlock the PIN,
 * revoke offline-code devices, close (after a confirm step; it pays out what the wallet holds, or
 * is refused with the reason).
 */
interface WalletRow { readonly walletId: string; readonly name: string; readonly status: string; readonly balance: string; readonly available: string }
interface WalletDetail extends WalletRow {
  readonly held: string; readonly confirmLimit: string | null; readonly effectiveConfirmLimit: string;
  readonly hasPin: boolean; readonly pinFailures: number; readonly pinLocked: boolean; readonly pendingPayments: number;
  readonly devices: readonly DeviceListing[];
}

export const walletsSection: Section<SignedInOperator> = {
  id: 'wallets',
  title: 'Wallets',
  async render(container, ctx) {
    // Focusable: after an action that rebuilds the detail, the keyboard lands on what it says.
    const status = Object.assign(document.createElement('p'), { role: 'status', tabIndex: -1 });
    const shownOnce = document.createElement('div');
    const detail = Object.assign(document.createElement('section'), { id: 'wallet-detail' });
    detail.setAttribute('aria-label', 'Wallet');
    const results = Object.assign(document.createElement('div'), { className: 'table-wrap' });
    let search: Record<string, string> = {};
    container.append(searchForm(), createForm(), status, shownOnce, detail, results);
    await find();

    async function find(cursor?: string): Promise<void> {
      const a = await callPage<{ wallets: WalletRow[]; next: string | null }>(`${ctx.api}wallets/search`, cursor === undefined ? search : { ...search, cursor });
      if (a.data === null) return say(status, a.msg, 'error');
      const rows = a.data.wallets;
      const t = table(['Wallet id', 'Holder', 'Status', 'Balance', 'Available', 'Actions'], rows.map((w) => [w.walletId, w.name, w.status, w.balance, w.available, '']),
        rows.length === 0 ? 'No wallet matches' : 'Wallets found, newest first');
      results.replaceChildren(withActions(t, rows.map((w) => [button('Open', () => open(w.walletId), 'secondary', `Open ${w.walletId}`)])), ...nextPage(a.data.next, find));
    }

    async function open(walletId: string): Promise<void> {
      const a = await callPage<{ wallet: WalletDetail }>(`${ctx.api}wallets/detail`, { walletId });
      if (a.data === null) return say(status, a.msg, 'error');
      show(a.data.wallet);
    }

    /** After an action: the wallet as it is now, or the refusal in words. */
    async function act(path: string, body: Record<string, unknown>, done: (w: WalletDetail, data: Record<string, unknown>) => string): Promise<void> {
      const a = await callPage<{ wallet: WalletDetail } & Record<string, unknown>>(`${ctx.api}wallets/${path}`, body);
      if (a.data === null) return say(status, a.msg, 'error');
      say(status, done(a.data.wallet, a.data));
      show(a.data.wallet);
      await find();
    }

    function show(w: WalletDetail): void {
      const facts: [string, string][] = [
        ['Wallet id', w.walletId], ['Holder', w.name], ['Status', w.status], ['Balance', w.balance], ['Available', w.available],
        ['Held for confirmation', `${w.held} (${w.pendingPayments} payment${w.pendingPayments === 1 ? '' : 's'} waiting)`],
        ['Confirmation limit', w.confirmLimit === null ? `${w.effectiveConfirmLimit} (the platform's)` : w.confirmLimit],
        ['PIN', !w.hasPin ? 'None' : w.pinLocked ? `Locked after ${w.pinFailures} wrong tries` : `Set (${w.pinFailures} wrong tries)`],
      ];
      const dl = Object.assign(document.createElement('dl'), { className: 'detail' });
      for (const [k, v] of facts) dl.append(Object.assign(document.createElement('dt'), { textContent: k }), Object.assign(document.createElement('dd'), { textContent: v }));
      const heading = Object.assign(document.createElement('h3'), { textContent: `Wallet ${w.walletId}` });
      const closing = document.createElement('div');
      const open = w.status !== 'closed';
      const buttons = Object.assign(document.createElement('div'), { className: 'actions' });
      if (open) {
        buttons.append(
          w.status === 'active'
            ? button('Freeze', () => act('freeze', { walletId: w.walletId }, () => `Wallet ${w.walletId} is frozen: its payments fail until it is unfrozen.`))
            : button('Unfreeze', () => act('unfreeze', { walletId: w.walletId }, () => `Wallet ${w.walletId} is active again.`)),
          button('Unlock PIN', () => act('unlock-pin', { walletId: w.walletId }, () => `Wallet ${w.walletId}: confirmation with the PIN works again.`)),
          button('Close wallet…', async () => closeStep(w, closing)),
        );
      }
      const devices = walletDevicesPart(w.walletId, w.devices, async (deviceId) => {
        await act('revoke-devices', deviceId === null ? { walletId: w.walletId } : { walletId: w.walletId, deviceId }, () =>
          `${deviceId === null ? 'Every device' : `Device ${deviceId}`} of wallet ${w.walletId} is revoked: its offline codes pay no more.`);
        status.focus();
      });
      detail.replaceChildren(heading, dl, ...(open ? [topUpForm(w.walletId), buttons, closing] : []), devices);
    }

    function closeStep(w: WalletDetail, region: HTMLElement): void {
      const box = Object.assign(document.createElement('div'), { className: 'confirm-step' });
      const text = Object.assign(document.createElement('p'), {
        textContent: `Close wallet ${w.walletId} for good? It can never pay or take refunds again; its balance of ${w.balance} is paid out to the holder (a payout in Payouts).`,
      });
      const row = Object.assign(document.createElement('div'), { className: 'actions' });
      row.append(
        button(`Close ${w.walletId} for good`, () => act('close', { walletId: w.walletId }, (_w, data) => {
          const payout = data.payout as { payoutId: string; amount: string } | null;
          return payout === null ? `Wallet ${w.walletId} is closed; it held nothing.` : `Wallet ${w.walletId} is closed; payout ${payout.payoutId} of ${payout.amount} waits in Payouts.`;
        }), ''),
        button('Keep it open', async () => region.replaceChildren()),
      );
      box.append(text, row);
      region.replaceChildren(box);
    }

    function topUpForm(walletId: string): HTMLFormElement {
      return form('top-up', 'Top up', [field('top-up-amount', 'Top-up amount', { inputMode: 'decimal', maxLength: 20 })], 'Top up', async (v) =>
        act('top-up', { walletId, amount: v['top-up-amount'] }, (w) => `Topped up ${v['top-up-amount']}: wallet ${w.walletId} holds ${w.balance}.`));
    }

    function searchForm(): HTMLFormElement {
      return form('wallet-search', 'Find wallets', [
        field('search-id', 'Wallet id or its first digits', { inputMode: 'numeric', maxLength: 12 }), field('search-name', 'Holder name contains'),
        choice('search-status', 'Status', [['', 'Any'], ['active', 'Active'], ['frozen', 'Frozen'], ['closed', 'Closed']]),
      ], 'Search', async (v) => {
        search = Object.fromEntries(Object.entries({ walletId: v['search-id'], name: v['search-name'], status: v['search-status'] }).filter(([, x]) => x !== undefined && x !== '')) as Record<string, string>;
        await find();
      });
    }

    function createForm(): HTMLFormElement {
      return form('new-wallet', 'New wallet', [
        field('wallet-name', 'Holder name'), field('wallet-opening', 'Opening balance (optional)', { inputMode: 'decimal', maxLength: 20 }),
        field('wallet-pin', 'PIN (optional, 4 to 6 digits)', { inputMode: 'numeric', type: 'password', maxLength: 6 }),
        field('wallet-limit', 'Confirmation limit (optional)', { inputMode: 'decimal', maxLength: 20 }),
      ], 'Create wallet', async (v) => {
        const body: Record<string, unknown> = { name: v['wallet-name'] };
        for (const [id, key] of [['wallet-opening', 'openingBalance'], ['wallet-pin', 'pin'], ['wallet-limit', 'confirmLimit']] as const) if (v[id] !== '') body[key] = v[id];
        (document.getElementById('wallet-pin') as HTMLInputElement).value = '';
        const a = await callPage<{ wallet: WalletDetail; token: string }>(`${ctx.api}wallets/create`, body);
        if (a.data === null) return say(status, a.msg, 'error');
        say(status, `Wallet ${a.data.wallet.walletId} created for ${a.data.wallet.name}.`);
        showOnce(shownOnce, `App token of wallet ${a.data.wallet.walletId}`, a.data.token);
        show(a.data.wallet);
        await find();
      });
    }
  },
};
