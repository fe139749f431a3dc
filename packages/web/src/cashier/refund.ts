import { ResultCode } from '@micropay/protocol/errors';
import { say } from '../shared/page.js';
import { callPage, Unreachable } from '../shared/page-api.js';
import type { ChargeRow, RefundRow } from './charges-api.js';

/**
 * The refund dialog (`/api/page/cashier/refund`): all of what is left to refund, or part of it.
 * Each refund attempt draws one mchRefundId and keeps it while it runs and after a lost answer
 * ("Try again" sends the same one), so a double click or a resend never refunds twice; the server
 * keeps every refund within what was paid (9006) and refunds only this cashier's own charges.
 */
export interface RefundElements {
  readonly dialog: HTMLDialogElement;
  readonly form: HTMLFormElement;
  readonly amount: HTMLInputElement;
  readonly help: HTMLElement;
  readonly status: HTMLElement;
  readonly submit: HTMLButtonElement;
  readonly cancel: HTMLButtonElement;
  readonly done: HTMLElement;
  readonly receipt: HTMLButtonElement;
  readonly close: HTMLButtonElement;
}

interface Attempt {
  readonly mchOrderId: string;
  readonly mchRefundId: string;
  readonly refundAmount: string;
}

interface RefundAnswer {
  readonly refund: RefundRow;
  readonly charge: ChargeRow;
}

const REFUSALS: Readonly<Record<number, string>> = {
  [ResultCode.NOT_THIS_CASHIERS_CHARGE]: 'This charge is not one of yours: it cannot be refunded here.',
};

export class RefundDialog {
  #charge: ChargeRow | null = null;
  #running = false;
  /** The attempt whose answer was lost: sent again as it is, never as a new refund. */
  #unanswered: Attempt | null = null;
  #refunded: { readonly mchOrderId: string; readonly mchRefundId: string } | null = null;

  /** `onRefunded`: a refund was recorded (the list shows it); `onReceipt`: print that refund's receipt. */
  constructor(
    private readonly el: RefundElements,
    private readonly onRefunded: () => void,
    private readonly onReceipt: (mchOrderId: string, mchRefundId: string) => void,
  ) {
    el.form.addEventListener('submit', (event) => {
      event.preventDefault();
      void this.#submit();
    });
    el.cancel.addEventListener('click', () => el.dialog.close());
    el.close.addEventListener('click', () => el.dialog.close());
    el.amount.addEventListener('input', () => (this.#unanswered = null));
    el.receipt.addEventListener('click', () => {
      const r = this.#refunded;
      el.dialog.close();
      if (r !== null) this.onReceipt(r.mchOrderId, r.mchRefundId);
    });
  }

  open(charge: ChargeRow): void {
    this.#charge = charge;
    this.#unanswered = null;
    this.#refunded = null;
    this.el.help.textContent = `Order ${charge.wavpayOrderId}, paid ${charge.amount}: up to ${charge.refundableAmount} can be refunded.`;
    this.el.amount.value = charge.refundableAmount;
    this.el.form.hidden = false;
    this.el.done.hidden = true;
    this.el.submit.textContent = 'Refund';
    say(this.el.status, '', 'info');
    this.el.dialog.showModal();
    this.el.amount.select();
  }

  async #submit(): Promise<void> {
    const charge = this.#charge;
    if (charge === null || this.#running) return;
    const attempt = this.#unanswered ?? { mchOrderId: charge.mchOrderId, mchRefundId: newRefundId(), refundAmount: this.el.amount.value.trim() };
    this.#running = true;
    this.el.submit.disabled = true;
    say(this.el.status, `Refunding ${attempt.refundAmount}…`, 'info');
    try {
      const a = await callPage<RefundAnswer>('cashier/refund', { ...attempt });
      this.#unanswered = null;
      if (a.code !== ResultCode.SUCCESS || a.data === null) return say(this.el.status, REFUSALS[a.code] ?? a.msg, 'error');
      this.#show(a.data);
      this.onRefunded();
    } catch (error) {
      if (!(error instanceof Unreachable)) throw error;
      this.#unanswered = attempt;
      this.el.submit.textContent = 'Try again';
      say(this.el.status, `${error.message} Trying again never refunds twice.`, 'error');
    } finally {
      this.#running = false;
      this.el.submit.disabled = false;
    }
  }

  #show({ refund, charge }: RefundAnswer): void {
    this.#refunded = { mchOrderId: charge.mchOrderId, mchRefundId: refund.mchRefundId };
    const words = refund.refundStatus === 'REFUNDED'
      ? `Refunded ${refund.refundAmount}. ${charge.refundableAmount === '0.00' ? 'Nothing is left to refund.' : `${charge.refundableAmount} is left to refund.`}`
      : refund.refundStatus === 'REFUND_FAILED'
        ? `The refund of ${refund.refundAmount} failed (${refund.failReason ?? 'no reason given'}): no money moved.`
        : `The refund of ${refund.refundAmount} is in process.`;
    this.el.form.hidden = true;
    this.el.done.hidden = false;
    say(this.el.status, words, refund.refundStatus === 'REFUND_FAILED' ? 'error' : 'info');
    this.el.receipt.focus();
  }
}

function newRefundId(): string {
  return crypto.randomUUID().replaceAll('-', '');
}
