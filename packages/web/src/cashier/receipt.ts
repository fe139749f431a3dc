import { maskedText } from '../shared/masked.js';
import { ResultCode } from '@micropay/protocol/errors';
import { formatSen, parseAmountSen } from '@micropay/protocol/money';
import { say } from '../shared/page.js';
import { callPage, Unreachable } from '../shared/page-api.js';
import { chargeStatusWords, el, REFUND_STATUS_WORDS, type Receipt, type RefundRow } from './charges-api.js';
import { formatTime } from '../shared/time.js';

/**
 * A printable receipt (`/api/page/cashier/receipt`) of a charge, or of one of its refunds: the
 * merchant, the order, the amount, the time, the status and the payment code's last four digits.
 * "Print" calls window.print(); the print stylesheet (cashier.css) prints the receipt alone.
 */
export interface ReceiptElements {
  readonly section: HTMLElement;
  readonly title: HTMLElement;
  readonly body: HTMLElement;
  readonly status: HTMLElement;
  readonly print: HTMLButtonElement;
  readonly close: HTMLButtonElement;
}

/** The facts that are ids: a customer reads them out to support, so they are never broken. */
const ID_TERMS = new Set(['Till order', 'MicroPay order', 'Refund', 'Of order']);

/** What is left paid of a sale after its refunds, in exact sen. */
function netPaid(r: Receipt): string {
  return formatSen(parseAmountSen(r.amount)! - parseAmountSen(r.refundedAmount)!);
}

export class ReceiptView {
  /** `afterClose`: where the focus goes when the receipt is closed (the till's code field, for the next scan). */
  constructor(private readonly el: ReceiptElements, private readonly afterClose: () => void = () => undefined) {
    el.print.addEventListener('click', () => window.print());
    el.close.addEventListener('click', () => this.close());
    // Escape closes it, as it closes the refund dialog (a modal, which takes its own Escape), when
    // the focus is in the receipt or nowhere: not while the cashier types the next sale.
    document.addEventListener('keydown', (event) => {
      if (event.key !== 'Escape' || event.isComposing || el.section.hidden || document.querySelector('dialog[open]') !== null) return;
      const focus = document.activeElement;
      if (focus === null || focus === document.body || el.section.contains(focus)) this.close();
    });
  }

  /** The charge's receipt, or with `mchRefundId` that refund's. */
  async open(mchOrderId: string, mchRefundId: string | null = null): Promise<void> {
    let a;
    try {
      a = await callPage<Receipt>('cashier/receipt', { mchOrderId });
    } catch (error) {
      if (!(error instanceof Unreachable)) throw error;
      return this.#refused(error.message);
    }
    if (a.code !== ResultCode.SUCCESS || a.data === null) return this.#refused(a.msg);
    const refund = mchRefundId === null ? null : a.data.refunds.find((r) => r.mchRefundId === mchRefundId) ?? null;
    this.#render(a.data, refund);
    this.el.section.hidden = false;
    this.el.section.scrollIntoView({ block: 'start' });
    this.el.print.focus();
  }

  close(): void {
    this.el.section.hidden = true;
    this.afterClose();
  }

  #refused(message: string): void {
    this.el.section.hidden = false;
    this.el.title.textContent = 'Receipt';
    this.el.body.replaceChildren();
    say(this.el.status, message, 'error');
  }

  #render(r: Receipt, refund: RefundRow | null): void {
    say(this.el.status, '', 'info');
    this.el.section.dataset.kind = refund === null ? 'charge' : 'refund';
    this.el.title.textContent = refund === null ? 'Receipt' : 'Refund receipt';
    const merchant = el('p', r.merchantName ?? `Merchant ${r.mchId}`, 'receipt-merchant');
    const big = refund === null
      ? el('p', `${r.amount}`, 'receipt-amount')
      : el('p', `${refund.refundAmount} refunded`, 'receipt-amount');
    const facts: [string, string][] = refund === null
      ? [
          ['Status', chargeStatusWords(r)],
          // A sale refunded in part: what the customer paid in the end, under what was charged.
          ...(r.refundedAmount === '0.00' ? [] : [['Refunded', r.refundedAmount], ['Paid in the end', netPaid(r)]] as [string, string][]),
          ['Time', formatTime(r.payTimeMs ?? r.chargedAtMs)],
          ['Goods', r.goodsInfo],
          ['Till order', r.mchOrderId],
          ['MicroPay order', r.wavpayOrderId],
          ['Payment code', r.payCode],
          ['Cashier', r.cashierName],
          ...r.refunds.map((x, i): [string, string] => [`Refund ${i + 1}`, `${x.refundAmount} · ${REFUND_STATUS_WORDS[x.refundStatus] ?? x.refundStatus} · ${formatTime(x.refundTimeMs ?? x.requestedAtMs)}`]),
        ]
      : [
          ['Status', REFUND_STATUS_WORDS[refund.refundStatus] ?? refund.refundStatus],
          ['Time', formatTime(refund.refundTimeMs ?? refund.requestedAtMs)],
          ['Refund', refund.mchRefundId],
          ['Of order', `${r.wavpayOrderId} (paid ${r.amount})`],
          ['Till order', r.mchOrderId],
          ['Payment code', r.payCode],
          ['Cashier', r.cashierName],
        ];
    const list = el('dl', '', 'receipt-facts');
    // An id is read and typed whole: on a line of its own under its name, never broken inside.
    for (const [term, value] of facts) {
      const fact = el('dd', '', ID_TERMS.has(term) ? 'receipt-id' : '');
      fact.append(maskedText(value));
      list.append(el('dt', term), fact);
    }
    this.el.body.replaceChildren(merchant, big, list);
  }
}
