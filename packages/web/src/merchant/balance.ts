import { markRefused } from '../shared/field-problem.js';
import { ResultCode } from '@micropay/protocol/errors';
import { bankAccountColumn, bankAccountLines, DESTINATION_NOT_RECORDED, type BankAccount } from '../console/bank-account.js';
import { codeColumn, scrolling, table } from '../console/shell.js';
import type { Section } from '../console/section.js';
import { callPage, Unreachable } from '../shared/page-api.js';
import { say } from '../shared/page.js';
import { ask, button, facts, heading, labelled, statusLine, timeText } from './controls.js';
import { payoutAccountPart } from './payout-account.js';
import type { MerchantUser } from './who.js';

/**
 * The Balance & payouts section: the available balance, the payout account (payout-account.ts),
 * the money in requested payouts and the payouts a page at a time with where each went, for every
 * user; "Request payout" for the owner (9122 for a cashier on the server), which needs a payout
 * account (9044). A request's id is drawn once per attempt and kept after a lost answer, so a double
 * click or a retry answers the same payout and nothing is paid out twice.
 */
interface Payout {
  payoutId: string; amount: string; status: string; requestedAtMs: number; finishedAtMs: number | null; failReason: string | null;
  /** The account the payout copied when it was requested; null for one requested before payout accounts. */
  destination: BankAccount | null;
}

/** Said when a payout is asked for without a payout account (beside the form, and for a 9044 answer). */
const NEEDS_ACCOUNT = 'A payout cannot be requested yet: it needs a payout account to go to. Set one under Set payout account above.';

export const balanceSection: Section<MerchantUser> = {
  id: 'balance',
  title: 'Balance & payouts',
  async render(container, ctx) {
    const status = statusLine();
    const sums = document.createElement('div');
    const list = document.createElement('div');
    let cursor: string | null = null;
    const older = button('Older payouts', async () => loadPayouts(cursor), 'secondary');
    // Why a payout cannot be requested, shown to the owner while there is no payout account.
    const needsAccount = Object.assign(document.createElement('p'), { id: 'payout-needs-account', textContent: NEEDS_ACCOUNT, hidden: true });
    const account = payoutAccountPart(ctx, status, (a) => { needsAccount.hidden = a !== null; });
    container.append(sums, ...account.elements);
    if (ctx.who.role === 'owner') container.append(heading('Request payout'), needsAccount, ...payoutForm());
    container.append(status, heading('Payouts'), list, older);
    await Promise.all([loadSums(), account.load(), loadPayouts(null)]);

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
        : scrolling(payoutTable(page.payouts)));
    }

    function payoutForm(): HTMLElement[] {
      const amount = labelled('payout-amount', 'Amount', { inputMode: 'decimal', maxLength: 20, placeholder: '100.00' });
      // The attempt in flight: its amount and request id, kept until an answer arrives.
      let attempt: { amount: string; requestId: string } | null = null;
      // A form, so that Enter in the amount requests the payout as in every other console form.
      const f = Object.assign(document.createElement('form'), { className: 'inline-form', noValidate: true });
      // Refunds are paid from the same balance: one after a payout of all of it fails (MERCHANT_BALANCE_INSUFFICIENT).
      const note = Object.assign(document.createElement('p'), {
        id: 'payout-note', textContent: 'Refunds are paid from this balance: what is paid out is not there for a refund until new payments come in.',
      });
      amount.input.setAttribute('aria-describedby', note.id);
      const request = button('Request payout', async () => {
        const value = amount.input.value.trim();
        if (attempt === null || attempt.amount !== value) attempt = { amount: value, requestId: crypto.randomUUID() };
        try {
          const a = await callPage<{ payout: Payout; repeat: boolean }>(`${ctx.api}balance/request-payout`, { ...attempt });
          attempt = null;
          if (a.code === ResultCode.NO_PAYOUT_ACCOUNT) {
            needsAccount.hidden = false;
            return say(status, `Nothing was paid out. ${NEEDS_ACCOUNT}`, 'error');
          }
          if (a.code === ResultCode.PAYOUT_EXCEEDS_BALANCE || a.code === ResultCode.PARAM_ERROR) return refusedAmount(`Nothing was paid out: ${a.msg}.`);
          if (a.data === null) return say(status, `${a.msg} (${a.code})`, 'error');
          say(status, `Payout ${a.data.payout.payoutId} of ${a.data.payout.amount} is ${a.data.payout.status}.`);
          amount.input.value = '';
          await Promise.all([loadSums(), loadPayouts(null)]);
        } catch (error) {
          // No answer: the payout may exist. The same attempt (same id) is sent again on the next click.
          say(status, `${error instanceof Unreachable ? error.message : String(error)} Press Request payout again: it cannot pay twice.`, 'error');
        }
      });
      /** A refusal is the amount's: said, tied to the field (with the note), and the field focused until it changes. */
      function refusedAmount(words: string): void {
        say(status, words, 'error');
        if (status.id === '') status.id = 'balance-status';
        markRefused(amount.input, status);
      }
      f.addEventListener('submit', (event) => {
        event.preventDefault();
        // The button's own click: it is disabled while a request runs, so Enter held down sends one.
        if (!request.disabled) request.click();
      });
      f.append(amount.wrap, request);
      return [f, note];
    }
  },
};

/**
 * The payouts with where each went: the account as the server gives it (a cashier's with the
 * number's end only). The outcome, its reason and when it came share the Status cell, so that the
 * table fits a desk's screen with the account in it.
 */
function payoutTable(payouts: readonly Payout[]): HTMLTableElement {
  const t = table(['Payout', 'Amount', 'To', 'Requested', 'Status'], payouts.map((p) => [
    p.payoutId, p.amount, p.destination === null ? DESTINATION_NOT_RECORDED : bankAccountLines(p.destination), timeText(p.requestedAtMs), statusText(p),
  ]), 'Payouts, newest first');
  t.classList.add('payout-list');
  return bankAccountColumn(codeColumn(t, 0), 2, payouts.map((p) => p.destination));
}

/** "REQUESTED"; "PAID_OUT" or "FAILED: the bank's reason", then on a line of its own when. */
function statusText(p: Payout): string {
  const status = p.failReason === null ? p.status : `${p.status}: ${p.failReason}`;
  return p.finishedAtMs === null ? status : `${status}\n${timeText(p.finishedAtMs)}`;
}
