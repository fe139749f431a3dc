import { callPage, Unreachable } from '../shared/page-api.js';
import { say } from '../shared/page.js';
import { table } from '../console/shell.js';
import { askFirst, button, choice, field, form, nextPage, sayFieldRefused, showOnce, withActions } from '../console/forms.js';
import { countOf } from '../shared/paging.js';
import type { Section } from '../console/section.js';
import type { SignedInOperator } from './who.js';
import { may, optional, roleSummary } from './role.js';
import { WALLET_STATUS, walletDetailView, type WalletAct, type WalletDetail, type WalletRow } from './wallet-detail.js';

/**
 * The Wallets section: search (id or its first digits, name, status; paged), create (the app
 * token shown once), and a wallet's detail with its actions (wallet-detail.ts): top up, freeze and
 * unfreeze, unlock the PIN, revoke offline-code devices, close (after a confirm step; it pays out
 * what the wallet holds, or is refused with the reason).
 */
/** The search's fields as the server names them, in the words of its labels, and their inputs. */
const SEARCH_WORDS = { walletId: 'The wallet id', name: 'The holder name' } as const;
const SEARCH_INPUTS: Readonly<Record<keyof typeof SEARCH_WORDS, string>> = { walletId: 'search-id', name: 'search-name' };

export const walletsSection: Section<SignedInOperator> = {
  id: 'wallets',
  title: 'Wallets',
  async render(container, ctx) {
    // Focusable: after an action that rebuilds the detail, the keyboard lands on what it says.
    const status = Object.assign(document.createElement('p'), { id: 'wallets-status', role: 'status', tabIndex: -1 });
    const shownOnce = document.createElement('div');
    const detail = Object.assign(document.createElement('section'), { id: 'wallet-detail' });
    detail.setAttribute('aria-label', 'Wallet');
    const results = Object.assign(document.createElement('div'), { className: 'table-wrap' });
    let search: Record<string, string> = {};
    const creating = newWalletForm(ctx.api, status, shownOnce, async (w) => { show(w); await find(); });
    // The wallets found stay under the search that found them; the wallet opened is below them.
    container.append(searchForm(), ...(may(ctx.who, 'wallet accounts') ? creating : optional(roleSummary(ctx.who))), status, shownOnce, results, detail);
    await find();

    async function find(cursor?: string): Promise<void> {
      const a = await callPage<{ wallets: WalletRow[]; next: string | null }>(`${ctx.api}wallets/search`, cursor === undefined ? search : { ...search, cursor });
      if (a.data === null) return refusedSearch(a.msg);
      const rows = a.data.wallets;
      const t = table(['Wallet id', 'Holder', 'Status', 'Balance', 'Available', 'Actions'], rows.map((w) => [w.walletId, w.name, WALLET_STATUS[w.status] ?? w.status, w.balance, w.available, '']),
        rows.length === 0 ? 'No wallet matches' : 'Wallets found, newest first');
      results.replaceChildren(withActions(t, rows.map((w) => [button('Open', () => open(w.walletId), 'secondary', `Open ${w.walletId}`)])), ...nextPage(a.data.next, find, {
        region: results, said: status, words: (n) => `Next page: ${countOf(n, 'wallet')} shown.`,
      }));
    }

    async function open(walletId: string): Promise<void> {
      const a = await callPage<{ wallet: WalletDetail }>(`${ctx.api}wallets/detail`, { walletId });
      if (a.data === null) return say(status, a.msg, 'error');
      // What was said or shown once was of the wallet before: another one is opened.
      say(status, '');
      shownOnce.replaceChildren();
      show(a.data.wallet);
      // The row's Open button stays, but what was asked for is below the list: the focus goes there.
      detail.querySelector<HTMLElement>('.wallet-heading')?.focus();
    }

    /** After an action: the wallet as it is now, or the refusal in words. */
    async function act(path: string, body: Record<string, unknown>, done: Parameters<WalletAct>[2], refused?: (msg: string) => void): Promise<void> {
      let a;
      try {
        a = await callPage<{ wallet: WalletDetail } & Record<string, unknown>>(`${ctx.api}wallets/${path}`, body);
      } catch (error) {
        if (!(error instanceof Unreachable)) throw error;
        // The action may have been done: the list shows the wallets as they are now. A top-up asked
        // again, as it was, sends the same request id and tops up once (wallet-detail.ts).
        say(status, `${error.message} It may have been done all the same: the wallet below is as it is now. `
          + 'A top-up asked again with the same amount tops up once.', 'error');
        await find();
        return status.focus();
      }
      if (a.data === null) {
        if (refused !== undefined) return refused(a.msg);
        // The question's buttons are gone: the focus goes to what was said (and brings it into view).
        say(status, a.msg, 'error');
        return status.focus();
      }
      say(status, done(a.data.wallet, a.data));
      show(a.data.wallet);
      await find();
      // The button pressed was drawn anew with the wallet: the focus goes to what was done, not to the page's top.
      status.focus();
    }

    function show(w: WalletDetail): void {
      // After an action on the same wallet, its transactions stay shown (read again: the action may be one).
      const historyOpen = detail.dataset.walletId === w.walletId && detail.querySelector('.wallet-history table') !== null;
      detail.dataset.walletId = w.walletId;
      detail.replaceChildren(...walletDetailView(w, ctx.api, act, (change) => may(ctx.who, change), (what, secret) => showOnce(shownOnce, what, secret), historyOpen));
    }

    /**
     * A refused search ("param error: walletId must be 1 to 12 digits…") in the words of the
     * search's labels, tied to the field it names: marked, described by the status line, focused.
     */
    function refusedSearch(msg: string): void {
      sayFieldRefused(msg, SEARCH_WORDS, status, (field) => document.getElementById(SEARCH_INPUTS[field]));
    }

    function searchForm(): HTMLFormElement {
      return form('wallet-search', 'Find wallets', [
        field('search-id', 'Wallet id or its first digits', { inputMode: 'numeric', maxLength: 12 }), field('search-name', 'Holder name contains'),
        choice('search-status', 'Status', [['', 'Any'], ...Object.entries(WALLET_STATUS)]),
      ], 'Search', async (v) => {
        search = Object.fromEntries(Object.entries({ walletId: v['search-id'], name: v['search-name'], status: v['search-status'] }).filter(([, x]) => x !== undefined && x !== '')) as Record<string, string>;
        await find();
      });
    }

  },
};

/**
 * The New wallet form and, under it, the place its question is asked. An opening balance is money
 * from the float, like a top-up, so it asks once more, naming the amount as typed and the holder: a
 * slip ("2500" for "25.00") is caught before the holder can spend it. A wallet made with nothing
 * on it is made at once. `made`: the section shows the new wallet.
 */
function newWalletForm(api: string, status: HTMLElement, shownOnce: HTMLElement, made: (w: WalletDetail) => Promise<void>): HTMLElement[] {
  const creating = document.createElement('div');
  const f = form('new-wallet', 'New wallet', [
    field('wallet-name', 'Holder name'), field('wallet-opening', 'Opening balance (optional)', { inputMode: 'decimal', maxLength: 20 }),
    field('wallet-pin', 'PIN (optional, 4 to 6 digits)', { inputMode: 'numeric', type: 'password', maxLength: 6, autocomplete: 'new-password' }),
    field('wallet-limit', 'Confirmation limit (optional)', { inputMode: 'decimal', maxLength: 20 }),
  ], 'Create wallet', async (v) => {
    const body: Record<string, unknown> = { name: v['wallet-name'] };
    for (const [id, key] of [['wallet-opening', 'openingBalance'], ['wallet-pin', 'pin'], ['wallet-limit', 'confirmLimit']] as const) if (v[id] !== '') body[key] = v[id];
    (document.getElementById('wallet-pin') as HTMLInputElement).value = '';
    const opening = v['wallet-opening']!;
    if (opening === '') return create(body);
    askFirst(creating, `Create a wallet for ${v['wallet-name']} holding ${opening}? The money comes from the platform float, as a top-up does.`,
      `Create with ${opening}`, async () => { if (await create(body) === 'clear') f.reset(); }, 'Not now');
  });

  async function create(body: Record<string, unknown>): Promise<'clear' | undefined> {
    const a = await callPage<{ wallet: WalletDetail; token: string }>(`${api}wallets/create`, body);
    if (a.data === null) return void say(status, a.msg, 'error');
    say(status, `Wallet ${a.data.wallet.walletId} created for ${a.data.wallet.name}.`);
    showOnce(shownOnce, `App token of wallet ${a.data.wallet.walletId}`, a.data.token);
    await made(a.data.wallet);
    return 'clear';
  }
  return [f, creating];
}
