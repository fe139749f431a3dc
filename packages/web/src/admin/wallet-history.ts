import { MAX_REASON_LENGTH } from '@micropay/protocol/text-limits';
import { callPage } from '../shared/page-api.js';
import { say } from '../shared/page.js';
import { formatWireTime } from '../shared/time.js';
import { askFirst, button, field, nextPage, withActions } from '../console/forms.js';
import { countOf } from '../shared/paging.js';
import { codeColumn, scrolling, table } from '../console/shell.js';

interface Transaction {
  readonly type: string; readonly amount: string; readonly merchantName: string | null;
  readonly wavpayOrderId: string | null; readonly refundId: string | null; readonly status: string | null; readonly time: string;
  /** The journal entry's id: a top-up is reversed by it. */
  readonly entryId: string;
}

/** Takes a top-up back (`/api/page/admin/wallets/reverse-top-up`); `refused` says a refusal in the step. */
export type ReverseTopUp = (entryId: string, amount: string, reason: string, refused: (msg: string) => void) => Promise<void>;

/**
 * A wallet's movements in its detail, as its holder sees them on the wallet page (docs/consoles.md,
 * Wallets): read when asked ("I was charged twice" at the desk), 20 a page, newest first, each
 * older page below the last, with each row's journal entry id. Every role reads it; with `reverse`
 * (a role that moves money, an open wallet) each top-up not yet reversed has Reverse…, which asks
 * once more, with why. `open`: the first page is read at once (the detail drawn again after an
 * action), without moving the keyboard.
 */
export function walletHistoryPart(api: string, walletId: string, reverse: ReverseTopUp | null, open = false): HTMLElement {
  const part = Object.assign(document.createElement('div'), { className: 'wallet-history' });
  const said = Object.assign(document.createElement('p'), { role: 'status' });
  const asking = document.createElement('div');
  const pages = document.createElement('div');
  const show = button('Show transactions', () => load(undefined, true));
  part.append(Object.assign(document.createElement('h4'), { textContent: 'Transactions' }), show, said, asking, pages);
  if (open) void load(undefined, false);
  return part;

  async function load(before: string | undefined, focus: boolean): Promise<void> {
    const a = await callPage<{ transactions: Transaction[]; older: string | null }>(`${api}wallets/history`, before === undefined ? { walletId } : { walletId, before });
    if (a.data === null) return say(said, a.msg, 'error');
    say(said, '');
    show.remove();
    pages.querySelector('.pager')?.remove();
    const shown = a.data.transactions;
    const rows = shown.map((t) => [formatWireTime(t.time), t.type, t.amount, t.merchantName ?? '—', t.wavpayOrderId ?? '—', t.status ?? '—', t.entryId, '']);
    if (rows.length === 0 && before === undefined) return say(said, `Wallet ${walletId} has no transactions yet.`);
    const caption = before === undefined ? `Transactions of wallet ${walletId}, newest first` : 'Older';
    const pager = Object.assign(document.createElement('div'), { className: 'pager' });
    // Older: the page is added below, and nextPage lands on its first row.
    pager.append(...nextPage(a.data.older, (older) => load(older, false), {
      region: pages, said, words: (n) => `${countOf(n, 'older transaction')} shown.`,
    }));
    // The order id is read and copied whole: never broken inside its digits (shell.ts codeColumn).
    const drawn = codeColumn(table(['When', 'Type', 'Amount', 'Merchant', 'Order', 'Status', 'Entry', 'Actions'], rows, caption), 4);
    withActions(drawn, shown.map((t) => (reverse !== null && t.type === 'TOPUP' && t.status === null ? [reverseButton(t, reverse)] : [])));
    const box = scrolling(drawn);
    pages.append(box, pager);
    if (!focus) return;
    // Show transactions is gone: the keyboard goes on from what it brought (the table's box, named as it), not from the page's top.
    box.focus();
  }

  /** Reverse… asks once more, naming the amount and where it goes, with a field for why (kept in the audit log). */
  function reverseButton(t: Transaction, run: ReverseTopUp): HTMLButtonElement {
    return button('Reverse…', async () => {
      const reason = field(`reverse-reason-${t.entryId}`, 'Why (kept in the audit log)', { maxLength: MAX_REASON_LENGTH });
      const input = reason.querySelector('input')!;
      const problem = Object.assign(document.createElement('p'), { className: 'field-error' });
      problem.setAttribute('role', 'alert');
      const ask = () => askFirst(asking,
        `Reverse the top-up of ${t.amount} made ${formatWireTime(t.time)} (entry ${t.entryId})? ${t.amount} goes from wallet ${walletId} back to the platform float; the holder sees it in their history.`,
        `Reverse ${t.amount}`, async () => {
          if (input.value.trim() === '') return refused('Say why the top-up is reversed first.');
          await run(t.entryId, t.amount, input.value, refused);
        }, 'Keep it', [reason, problem]);
      const refused = (msg: string) => {
        ask();
        problem.textContent = msg;
        input.focus();
      };
      ask();
      input.focus();
    }, 'secondary', `Reverse the top-up of ${t.amount} (entry ${t.entryId})`);
  }
}
