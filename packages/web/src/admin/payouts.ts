import { callPage } from '../shared/page-api.js';
import { say } from '../shared/page.js';
import { formatTime } from '../shared/time.js';
import { table } from '../console/shell.js';
import { button, choice, form, nextPage, withActions } from '../console/forms.js';
import type { Section } from '../console/section.js';
import type { SignedInOperator } from './who.js';

/**
 * The Payouts section: payouts across merchants and closed wallets (REQUESTED by default: what
 * waits for the bank), paged; Confirm when the bank paid (PAID_OUT), Fail with the bank's reason
 * (the money goes back to the merchant or wallet).
 */
interface PayoutRow {
  readonly payoutId: string; readonly mchId: string | null; readonly walletId: string | null; readonly amount: string;
  readonly status: string; readonly failReason: string | null; readonly requestedAtMs: number;
}

export const payoutsSection: Section<SignedInOperator> = {
  id: 'payouts',
  title: 'Payouts',
  async render(container, ctx) {
    const status = Object.assign(document.createElement('p'), { role: 'status' });
    const list = Object.assign(document.createElement('div'), { className: 'table-wrap' });
    let shown = 'REQUESTED';
    container.append(form('payout-filter', 'Which payouts', [choice('payout-status', 'Show', [
      ['REQUESTED', 'Waiting for the bank (REQUESTED)'], ['PAID_OUT', 'Paid out'], ['FAILED', 'Failed'], ['all', 'All'],
    ])], 'Show', async (v) => { shown = v['payout-status']!; await load(); }), status, list);
    await load();

    async function load(cursor?: string): Promise<void> {
      const a = await callPage<{ payouts: PayoutRow[]; next: string | null }>(`${ctx.api}payouts/list`, { status: shown, ...(cursor === undefined ? {} : { cursor }) });
      if (a.data === null) return say(status, a.msg, 'error');
      const rows = a.data.payouts;
      const t = table(['Payout', 'To', 'Amount', 'Requested', 'Status', 'Actions'],
        rows.map((p) => [p.payoutId, p.mchId !== null ? `Merchant ${p.mchId}` : `Wallet ${p.walletId} (closed)`, p.amount, formatTime(p.requestedAtMs),
          p.failReason === null ? p.status : `${p.status}: ${p.failReason}`, '']),
        rows.length === 0 ? 'No payouts here' : shown === 'REQUESTED' ? 'Payouts waiting for the bank' : 'Payouts');
      list.replaceChildren(withActions(t, rows.map((p) => (p.status === 'REQUESTED' ? actions(p) : []))), ...nextPage(a.data.next, load));
    }

    function actions(p: PayoutRow): HTMLElement[] {
      const reason = Object.assign(document.createElement('input'), { id: `reason-${p.payoutId}`, maxLength: 200, autocomplete: 'off' });
      reason.setAttribute('aria-label', `Why payout ${p.payoutId} failed`);
      reason.placeholder = 'Bank\'s reason';
      return [
        button('Confirm', () => finish('confirm', { payoutId: p.payoutId }, `Payout ${p.payoutId} is PAID_OUT: the money has left the platform.`), '', `Confirm ${p.payoutId}`),
        reason,
        button('Fail', () => finish('fail', { payoutId: p.payoutId, reason: reason.value.trim() }, `Payout ${p.payoutId} FAILED: ${p.amount} went back.`), 'secondary', `Fail ${p.payoutId}`),
      ];
    }

    async function finish(path: 'confirm' | 'fail', body: Record<string, unknown>, done: string): Promise<void> {
      const a = await callPage<{ payout: PayoutRow }>(`${ctx.api}payouts/${path}`, body);
      if (a.data === null) return say(status, a.msg, 'error');
      say(status, done);
      await load();
    }
  },
};
