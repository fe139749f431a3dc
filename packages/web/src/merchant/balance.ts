import { scrolling, table } from '../console/shell.js';
import type { Section } from '../console/section.js';
import { callPage, Unreachable } from '../shared/page-api.js';
import { say } from '../shared/page.js';
import { ask, button, facts, heading, labelled, statusLine, timeText } from './controls.js';
import type { MerchantUser } from './who.js';

/**
 * The Balance & payouts section: the available balance, the money in requested payouts and the
 * payouts a page at a time, for every user; "Request payout" for the owner (9122 for a cashier on
 * the server). A request's id is drawn once per attempt and kept after a lost answer, so a double
 * click or a retry answers the same payout and nothing is paid out twice.
 */
interface Payout { payoutId: string; amount: string; status: string; requestedAtMs: number; finishedAtMs: number | null; failReason: string | null }

export const balanceSection: Section<MerchantUser> = {
  id: 'balance',
  title: 'Balance & payouts',
  async render(container, ctx) {
    const status = statusLine();
    const sums = document.createElement('div');
    const list = document.createElement('div');
    let cursor: string | null = null;
    const older = button('Older payouts', async () => loadPayouts(cursor), 'secondary');
    container.append(sums);
    if (ctx.who.role === 'owner') container.append(heading('Request payout'), ...payoutForm());
    container.append(status, heading('Payouts'), list, older);
    await Promise.all([loadSums(), loadPayouts(null)]);

    async function loadSums(): Promise<void> {
      const b = await ask<{ available: string; payoutsRequested: string }>(status, `${ctx.api}balance/show`);
      if (b !== null) sums.replaceChildren(facts([['Available balance', b.available], ['In requested payouts', b.payoutsRequested]]));
    }

    async function loadPayouts(after: string | null): Promise<void> {
      const page = await ask<{ payouts: Payout[]; next: string | null }>(status, `${ctx.api}balance/payouts`, after === null ? {} : { cursor: after });
      if (page === null) return;
      cursor = page.next;
      older.hidden = page.next === null;
      list.replaceChildren(page.payouts.length === 0
        ? Object.assign(document.createElement('p'), { textContent: after === null ? 'No payouts yet.' : 'No older payouts.' })
        : scrolling(table(['Payout', 'Amount', 'Status', 'Requested', 'Finished', 'Reason'],
          page.payouts.map((p) => [p.payoutId, p.amount, p.status, timeText(p.requestedAtMs), timeText(p.finishedAtMs), p.failReason ?? '']), 'Payouts, newest first')));
    }

    function payoutForm(): HTMLElement[] {
      const amount = labelled('payout-amount', 'Amount', { inputMode: 'decimal', maxLength: 20, placeholder: '100.00' });
      // The attempt in flight: its amount and request id, kept until an answer arrives.
      let attempt: { amount: string; requestId: string } | null = null;
      const f = Object.assign(document.createElement('div'), { className: 'inline-form' });
      // Refunds are paid from the same balance: one after a payout of all of it fails (MERCHANT_BALANCE_INSUFFICIENT).
      const note = Object.assign(document.createElement('p'), {
        id: 'payout-note', textContent: 'Refunds are paid from this balance: what is paid out is not there for a refund until new payments come in.',
      });
      amount.input.setAttribute('aria-describedby', note.id);
      f.append(amount.wrap, button('Request payout', async () => {
        const value = amount.input.value.trim();
        if (attempt === null || attempt.amount !== value) attempt = { amount: value, requestId: crypto.randomUUID() };
        try {
          const a = await callPage<{ payout: Payout; repeat: boolean }>(`${ctx.api}balance/request-payout`, { ...attempt });
          attempt = null;
          if (a.data === null) return say(status, `${a.msg} (${a.code})`, 'error');
          say(status, `Payout ${a.data.payout.payoutId} of ${a.data.payout.amount} is ${a.data.payout.status}.`);
          amount.input.value = '';
          await Promise.all([loadSums(), loadPayouts(null)]);
        } catch (error) {
          // No answer: the payout may exist. The same attempt (same id) is sent again on the next click.
          say(status, `${error instanceof Unreachable ? error.message : String(error)} Press Request payout again: it cannot pay twice.`, 'error');
        }
      }));
      return [f, note];
    }
  },
};
