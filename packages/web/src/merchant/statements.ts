import { callPage } from '../shared/page-api.js';
import { saveDownload } from '../console/download.js';
import { say } from '../shared/page.js';
import type { Section } from '../console/section.js';
import { field } from './console-form.js';
import type { MerchantUser } from './who.js';

/**
 * The Statements section (owner only, on the server too): pick a day of the platform's zone, see
 * its totals and settlement report, and download its CSV, which is downloadBill's for that day.
 */
interface Day {
  readonly date: string;
  readonly timeZone: string;
  readonly paymentCount: number;
  readonly payments: string;
  readonly refundCount: number;
  readonly refunds: string;
  readonly net: string;
  readonly opening: string;
  readonly payouts: string;
  readonly closing: string;
}

/** Today in the platform's zone, as `yyyy-MM-dd`. */
function today(timeZone: string): string {
  return new Intl.DateTimeFormat('en-CA', { timeZone, year: 'numeric', month: '2-digit', day: '2-digit' }).format(Date.now());
}

export const statementsSection: Section<MerchantUser> = {
  id: 'statements',
  title: 'Statements',
  roles: ['owner'],
  async render(container, ctx) {
    const form = Object.assign(document.createElement('form'), { id: 'statement-day', className: 'inline-form', noValidate: true });
    form.setAttribute('aria-label', 'Statement of a day');
    form.append(field('statement-date', `Day (${ctx.who.timeZone})`, today(ctx.who.timeZone), 'yyyy-mm-dd', 'date'),
      Object.assign(document.createElement('button'), { type: 'submit', textContent: 'Show' }));
    const status = Object.assign(document.createElement('p'), { id: 'statement-status', role: 'status' });
    const totals = document.createElement('div');
    const download = Object.assign(document.createElement('button'), { type: 'button', id: 'download-csv', textContent: 'Download CSV', hidden: true });
    container.append(form, status, totals, download);
    const date = () => (form.elements.namedItem('statement-date') as HTMLInputElement).value.trim();
    form.addEventListener('submit', (event) => {
      event.preventDefault();
      void show();
    });
    download.addEventListener('click', () => void save(date()));
    await show();

    async function show(): Promise<void> {
      const a = await callPage<Day>(`${ctx.api}statements/day`, { date: date() });
      download.hidden = a.data === null;
      if (a.data === null) {
        totals.replaceChildren();
        return say(status, a.msg, 'error');
      }
      say(status, a.data.paymentCount + a.data.refundCount === 0 ? `No payments or refunds on ${a.data.date}.` : '');
      totals.replaceChildren(dayTable(a.data));
    }

    async function save(day: string): Promise<void> {
      const done = await saveDownload(`${ctx.api}statements/download`, { date: day });
      if ('refused' in done) return say(status, done.refused, 'error');
      say(status, `Downloaded ${done.saved}.`);
    }
  },
};

/** What left the balance, shown with a minus sign (none for nothing). */
function minus(amount: string): string {
  return amount === '0.00' || amount.startsWith('-') ? amount : `−${amount}`;
}

function dayTable(d: Day): HTMLTableElement {
  const t = document.createElement('table');
  t.id = 'statement-totals';
  t.createCaption().textContent = `${d.date} (${d.timeZone})`;
  const rows: [string, string][] = [
    ['Opening balance', d.opening], [`Payments (${d.paymentCount})`, d.payments], [`Refunds (${d.refundCount})`, minus(d.refunds)],
    ['Net', d.net], ['Payouts', minus(d.payouts)], ['Closing balance', d.closing],
  ];
  const body = t.createTBody();
  for (const [label, value] of rows) {
    const row = body.insertRow();
    row.append(Object.assign(document.createElement('th'), { scope: 'row', textContent: label }), Object.assign(document.createElement('td'), { textContent: value, className: 'amount' }));
  }
  return t;
}
