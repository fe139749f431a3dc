import { callPage } from '../shared/page-api.js';
import { say } from '../shared/page.js';
import { formatWireTime } from '../shared/time.js';
import { button, nextPage } from '../console/forms.js';
import { codeColumn, scrolling, table } from '../console/shell.js';

interface Transaction {
  readonly type: string; readonly amount: string; readonly merchantName: string | null;
  readonly wavpayOrderId: string | null; readonly refundId: string | null; readonly status: string | null; readonly time: string;
}

/**
 * A wallet's movements in its detail, as its holder sees them on the wallet page (docs/consoles.md,
 * Wallets): read when asked ("I was charged twice" at the desk), 20 a page, newest first, each
 * older page below the last. Every role reads it.
 */
export function walletHistoryPart(api: string, walletId: string): HTMLElement {
  const part = Object.assign(document.createElement('div'), { className: 'wallet-history' });
  const said = Object.assign(document.createElement('p'), { role: 'status' });
  const pages = document.createElement('div');
  const show = button('Show transactions', () => load(undefined));
  part.append(Object.assign(document.createElement('h4'), { textContent: 'Transactions' }), show, said, pages);
  return part;

  async function load(before: string | undefined): Promise<void> {
    const a = await callPage<{ transactions: Transaction[]; older: string | null }>(`${api}wallets/history`, before === undefined ? { walletId } : { walletId, before });
    if (a.data === null) return say(said, a.msg, 'error');
    say(said, '');
    show.remove();
    pages.querySelector('.pager')?.remove();
    const rows = a.data.transactions.map((t) => [formatWireTime(t.time), t.type, t.amount, t.merchantName ?? '—', t.wavpayOrderId ?? '—', t.status ?? '—']);
    if (rows.length === 0 && before === undefined) return say(said, `Wallet ${walletId} has no transactions yet.`);
    const caption = before === undefined ? `Transactions of wallet ${walletId}, newest first` : 'Older';
    const pager = Object.assign(document.createElement('div'), { className: 'pager' });
    pager.append(...nextPage(a.data.older, load));
    // The order id is read and copied whole: never broken inside its digits (shell.ts codeColumn).
    const drawn = codeColumn(table(['When', 'Type', 'Amount', 'Merchant', 'Order', 'Status'], rows, caption), 4);
    pages.append(scrolling(drawn), pager);
    // The button pressed is gone: the keyboard goes on from what it brought, not from the page's top.
    const landing = drawn.querySelector('caption')!;
    landing.tabIndex = -1;
    landing.focus();
  }
}
