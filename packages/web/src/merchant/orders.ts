import { ORDER_STATUS_WORDS, ORDER_STATUSES, orderStatusWords, PAID_ORDER_STATUSES } from '@micropay/protocol/order-status';
import { callPage } from '../shared/page-api.js';
import { say } from '../shared/page.js';
import { formatTime } from '../shared/time.js';
import type { Section } from '../console/section.js';
import { codeColumn, scrolling, stackedOnPhones } from '../console/shell.js';
import { renderOrderDetail, tillWords } from './order-detail.js';
import { field, textCell } from './console-form.js';
import type { MerchantUser } from './who.js';
import { sayFieldRefused } from '../console/forms.js';
import { focusPage } from '../shared/paging.js';

/**
 * The Orders section (owner and cashier; a cashier's scope is its own till's charges, on the
 * server): filters, a page of orders by cursor with "Next page" and "First page", each row a link
 * to the order's detail (`#orders/ORDER-ID`). The filters are kept while the console is open, so
 * coming back from a detail shows the same search.
 */
interface OrderRow {
  readonly mchOrderId: string;
  readonly wavpayOrderId: string;
  readonly amount: string;
  readonly refundedAmount: string;
  readonly tradeStatus: string;
  readonly failReason: string | null;
  readonly wallet: string;
  readonly tradeTimeMs: number;
  readonly till: string | null;
}

interface OrderPage { readonly timeZone: string; readonly orders: OrderRow[]; readonly next: string | null }

const PAGE_SIZE = '25';
const FILTERS: readonly (readonly [string, string, string, string?])[] = [
  ['from', 'From (date)', 'yyyy-mm-dd', 'date'], ['to', 'To (date)', 'yyyy-mm-dd', 'date'], ['status', 'Status', '', 'select'],
  ['minAmount', 'Amount from', '0.00'], ['maxAmount', 'Amount to', '0.00'], ['orderId', 'Order id: yours (or its start*) or MicroPay\'s', 'ORD-1 or ORD*'],
];
/** Each user's filters while the console is open (by merchant and user: the next one at this desk starts afresh). */
const keptFor = new Map<string, Record<string, string>>();
/** The search's fields as the server names them, in the words of the filters' labels. */
const SEARCH_FIELDS = {
  from: 'From (date)', to: 'To (date)', status: 'Status', minAmount: 'Amount from', maxAmount: 'Amount to', mchOrderId: 'Order id', mchOrderIdPrefix: 'Order id', till: 'Till', origin: 'Till',
} as const;
/** The filter (its field's id after `filter-`) each of the search's fields is typed in. */
const FILTER_OF: Readonly<Record<keyof typeof SEARCH_FIELDS, string>> = {
  from: 'from', to: 'to', status: 'status', minAmount: 'minAmount', maxAmount: 'maxAmount', mchOrderId: 'orderId', mchOrderIdPrefix: 'orderId', till: 'till', origin: 'till',
};

/**
 * A refused search in the words of the filters' labels, said in the status line and tied to the
 * filter it names: marked, described by the status line, and focused (a date range's From after
 * its To names From). A chosen filter (status, till) cannot be typed wrong: it is only said.
 */
function refusedFilter(form: HTMLFormElement, msg: string, status: HTMLElement): void {
  sayFieldRefused(msg, SEARCH_FIELDS, status, (field) => form.elements.namedItem(`filter-${FILTER_OF[field]}`) as Element | null);
}

/** The Till filter's choice of the merchant's own system: parentheses are in no user's name. */
const OWN_SYSTEM = '(system)';

export const ordersSection: Section<MerchantUser> = {
  id: 'orders',
  title: 'Orders',
  titleOf: (mchOrderId) => `Order ${mchOrderId}`,
  async render(container, ctx) {
    if (ctx.path !== '') return renderOrderDetail(container, ctx, ctx.path);
    const who = `${ctx.who.mchId}/${ctx.who.userName}`;
    let kept = keptFor.get(who) ?? {};
    const form = Object.assign(document.createElement('form'), { id: 'order-filters', className: 'inline-form', noValidate: true });
    form.setAttribute('aria-label', 'Filter orders');
    form.append(...FILTERS.map(([id, label, hint, type]) => type === 'select' ? statusField(kept[id] ?? '') : field(`filter-${id}`, label, kept[id] ?? '', hint, type)));
    // A cashier's orders are its own till's (the server's rule): only the owner picks a till, and sees whose each is.
    const owner = ctx.who.role === 'owner';
    // Drawn when the users are read, beside the first search rather than before it.
    if (owner) form.append(tillField(ctx.api, kept.till ?? ''));
    form.append(Object.assign(document.createElement('button'), { type: 'submit', textContent: 'Search' }));
    const status = Object.assign(document.createElement('p'), { id: 'orders-status', role: 'status' });
    const results = document.createElement('div');
    const pager = Object.assign(document.createElement('div'), { className: 'pager' });
    const first = Object.assign(document.createElement('button'), { type: 'button', className: 'secondary', textContent: 'First page', hidden: true });
    const next = Object.assign(document.createElement('button'), { type: 'button', textContent: 'Next page', hidden: true });
    pager.append(first, next);
    container.append(form, status, results, pager);
    let cursor: string | null = null;

    form.addEventListener('submit', (event) => {
      event.preventDefault();
      const ids = [...FILTERS.map(([id]) => id), ...(owner ? ['till'] : [])];
      kept = Object.fromEntries(ids.map((id) => [id, (form.elements.namedItem(`filter-${id}`) as HTMLInputElement | null)?.value.trim() ?? kept[id] ?? '']));
      keptFor.set(who, kept);
      void load(null);
    });
    // The button pressed may hide itself with the page (First page on the first, Next page on the
    // last): the focus goes to the page's first row, not to the page's start (shared/paging.ts).
    const turn = async (at: string | null) => {
      const rows = await load(at);
      if (rows !== null) focusPage(rows, status);
    };
    first.addEventListener('click', () => void turn(null));
    next.addEventListener('click', () => void turn(cursor));
    await load(null);

    /** The page at `at` (null: the first), and its rows; null when the search was refused. */
    async function load(at: string | null): Promise<HTMLTableRowElement[] | null> {
      const a = await callPage<OrderPage>(`${ctx.api}orders/search`, { ...filtersOf(kept), limit: PAGE_SIZE, ...(at === null ? {} : { cursor: at }) });
      if (a.data === null) {
        results.replaceChildren();
        next.hidden = first.hidden = true;
        refusedFilter(form, a.msg, status);
        return null;
      }
      cursor = a.data.next;
      next.hidden = cursor === null;
      first.hidden = at === null;
      say(status, a.data.orders.length === 0 ? 'No orders match these filters.' : `${a.data.orders.length} order${a.data.orders.length === 1 ? '' : 's'}${cursor === null ? '' : ', more on the next page'}.`);
      const drawn = a.data.orders.length === 0 ? null : ordersTable(a.data, owner);
      results.replaceChildren(...(drawn === null ? [] : [scrolling(drawn)]));
      return [...(drawn?.tBodies[0]?.rows ?? [])];
    }
  },
};

/**
 * The states an order can be in, as queryBill names them (and the table shows them), and "paid"
 * with whatever was refunded of it since: the orders a statement lists.
 */
function statusField(value: string): HTMLElement {
  const wrap = document.createElement('div');
  const select = Object.assign(document.createElement('select'), { id: 'filter-status', name: 'filter-status' });
  const choices: [string, string][] = [['', 'Any'], [PAID_ORDER_STATUSES.join(','), 'Paid, refunded or not'], ...ORDER_STATUSES.map((s): [string, string] => [s, ORDER_STATUS_WORDS[s]])];
  select.append(...choices.map(([v, text]) => new Option(text, v, false, v === value)));
  wrap.append(Object.assign(document.createElement('label'), { htmlFor: select.id, textContent: 'Status' }), select);
  return wrap;
}

/**
 * The till filter: the merchant's users by name (the owner's own till too), as the Users section
 * lists them, filled in when they are read. A list that cannot be read leaves the filter out; the
 * search works without it.
 */
function tillField(api: string, value: string): HTMLElement {
  const wrap = document.createElement('div');
  void callPage<{ users: { name: string }[] }>(`${api}users/list`).then((a) => {
    if (a.data === null) return;
    const select = Object.assign(document.createElement('select'), { id: 'filter-till', name: 'filter-till' });
    select.append(new Option('Any', '', false, value === ''), new Option(tillWords(null), OWN_SYSTEM, false, value === OWN_SYSTEM),
      ...a.data.users.map((u) => new Option(u.name, u.name, false, u.name === value)));
    wrap.append(Object.assign(document.createElement('label'), { htmlFor: select.id, textContent: 'Till' }), select);
  }, () => undefined);
  return wrap;
}

/** The form's words as the search's filters: an order id ending in `*` is a prefix. */
function filtersOf(values: Record<string, string>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [key, value] of Object.entries(values)) {
    if (value === '') continue;
    if (key === 'orderId') {
      if (value.endsWith('*')) out.mchOrderIdPrefix = value.slice(0, -1);
      else out.mchOrderId = value;
    } else if (key === 'till' && value === OWN_SYSTEM) out.origin = 'system';
    else out[key] = value;
  }
  return out;
}

function ordersTable(page: OrderPage, withTill: boolean): HTMLTableElement {
  const t = document.createElement('table');
  t.id = 'orders-table';
  t.createCaption().textContent = `Orders, newest first (times in ${page.timeZone})`;
  const head = t.createTHead().insertRow();
  for (const h of ['Order', 'Time', 'Amount', 'Refunded', 'Status', 'Wallet', ...(withTill ? ['Till'] : [])]) head.append(Object.assign(document.createElement('th'), { scope: 'col', textContent: h }));
  const body = t.createTBody();
  for (const o of page.orders) {
    const row = body.insertRow();
    const link = Object.assign(document.createElement('a'), { href: `#orders/${encodeURIComponent(o.mchOrderId)}`, textContent: o.mchOrderId });
    row.insertCell().append(link);
    const till = withTill ? [tillWords(o.till)] : [];
    for (const cell of [formatTime(o.tradeTimeMs, page.timeZone), o.amount, o.refundedAmount, orderStatusWords(o), o.wallet, ...till]) row.append(textCell(cell));
  }
  return codeColumn(stackedOnPhones(t), 0);
}
