import { resultCodeInfo, ResultCode } from '@micropay/protocol/errors';
import { positiveAmountProblem } from '@micropay/protocol/fields';
import { say } from '../shared/page.js';
import { callPage, Unreachable } from '../shared/page-api.js';
import type { ChargeRow, Receipt, RefundRow } from './charges-api.js';
import { refundFailedWords } from '@micropay/protocol/order-status';
import { RefundAttempts, type RefundAttempt } from '../shared/refund-attempts.js';

/**
 * The refund dialog (`/api/page/cashier/refund`): all of what is left to refund, or part of it.
 * Each refund attempt draws one mchRefundId and keeps it while it runs and after a lost answer: an
 * attempt whose answer was lost stays pinned to its order, amount and all, until an answer comes
 * (closing and reopening the dialog, or typing, does not forget it: "Check again" sends the same
 * attempt), so a double click, a resend or a second try never refunds twice; the server keeps every
 * refund within what was paid (9006) and refunds only this cashier's own charges.
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

type Attempt = RefundAttempt;

interface RefundAnswer {
  readonly refund: RefundRow;
  readonly charge: ChargeRow;
}

/**
 * A refused refund in a cashier's words, with what to do; the platform's own detail (the amount
 * left, the limit) after the catalogue's words is kept. Other refusals are said as the API says them.
 */
function refusalWords(code: number, msg: string): string {
  // The platform's detail follows the catalogue's words and ": " (api/answer.ts); none: nothing to add.
  const catalogue = `${resultCodeInfo(code)?.msg ?? ''}: `;
  const detail = msg.startsWith(catalogue) ? ` (${msg.slice(catalogue.length)})` : '';
  if (code === ResultCode.NOT_THIS_CASHIERS_CHARGE) return 'This charge is not one of yours: it cannot be refunded here.';
  if (code === ResultCode.REFUND_EXCEEDS_REFUNDABLE) return `That is more than is left to refund on this charge${detail}. Enter a smaller amount.`;
  if (code === ResultCode.REFUND_OVER_LIMIT) return `That is over your refund limit${detail}. Refund less, or ask the merchant's owner to refund it.`;
  return msg;
}

/** What is left to refund of a charge, and of it what this cashier may still refund (its limit). */
function leftWords(charge: ChargeRow): string {
  if (charge.refundableAmount === '0.00') return 'Nothing is left to refund.';
  const room = charge.refundRoom ?? charge.refundableAmount;
  if (room === charge.refundableAmount) return `${charge.refundableAmount} is left to refund.`;
  return room === '0.00'
    ? `${charge.refundableAmount} is left to refund, but your refund limit is reached: ask the merchant's owner to refund more.`
    : `${charge.refundableAmount} is left to refund; your refund limit lets you refund up to ${room} more of it.`;
}

export class RefundDialog {
  #charge: ChargeRow | null = null;
  #running = false;
  /** One mchRefundId per attempt, kept after a lost answer (shared/refund-attempts.ts). */
  readonly #attempts = new RefundAttempts();
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
    el.receipt.addEventListener('click', () => {
      const r = this.#refunded;
      el.dialog.close();
      if (r !== null) this.onReceipt(r.mchOrderId, r.mchRefundId);
    });
  }

  open(charge: ChargeRow): void {
    this.#charge = charge;
    this.#refunded = null;
    const offer = this.#describe(charge);
    this.el.form.hidden = false;
    // Nothing this cashier may refund of it (its limit is reached): no amount to type, and the help
    // line says whom to ask (cashier.css hides the field and Refund).
    const pinned = this.#attempts.pinned(charge.mchOrderId);
    // An attempt whose answer was lost keeps its Check again, whatever the limit now leaves.
    const reached = offer === '0.00' && pinned === undefined;
    this.el.form.dataset.limitReached = String(reached);
    this.el.done.hidden = true;
    if (pinned === undefined) {
      this.#pin(null, offer);
      say(this.el.status, '', 'info');
    } else {
      this.#pin(pinned, pinned.refundAmount);
      say(this.el.status, `The answer to an earlier refund of ${pinned.refundAmount} was lost. Check again: it never refunds twice.`, 'error');
    }
    this.el.dialog.showModal();
    if (reached) this.el.cancel.focus();
    else if (pinned === undefined) this.el.amount.select();
    else this.el.submit.focus();
    // The list may be older than refunds made elsewhere (the owner, the merchant's system): the
    // charge is read again, and the offer follows it unless it was typed over meanwhile.
    void this.#readAgain(charge);
  }

  /** The charge as the platform has it now, shown in the dialog while it is still this charge's. */
  async #readAgain(shown: ChargeRow): Promise<void> {
    let a;
    try {
      a = await callPage<Receipt>('cashier/receipt', { mchOrderId: shown.mchOrderId });
    } catch (error) {
      if (error instanceof Unreachable) return;
      throw error;
    }
    if (a.data === null || this.#charge !== shown || !this.el.dialog.open || !this.el.done.hidden) return;
    const offered = shown.refundRoom ?? shown.refundableAmount;
    this.#charge = a.data;
    const offer = this.#describe(a.data);
    if (this.el.amount.readOnly || this.el.amount.value.trim() !== offered) return;
    this.el.amount.value = offer;
    this.el.form.dataset.limitReached = String(offer === '0.00');
  }

  /** The help line for the charge as it is now; what the amount field offers. */
  #describe(charge: ChargeRow): string {
    // What the server says this user may still refund of it (its limit counts the sale's refunds in all).
    const offer = charge.refundRoom ?? charge.refundableAmount;
    const order = `Order ${charge.wavpayOrderId}, paid ${charge.amount}`;
    const limit = `your refund limit is ${charge.refundLimit ?? ''} for each sale`;
    this.el.help.textContent = charge.refundableAmount === '0.00'
      ? `${order}: nothing is left to refund.`
      : offer === charge.refundableAmount
        ? `${order}: up to ${charge.refundableAmount} can be refunded.`
        : offer === '0.00'
          ? `${order}: ${charge.refundableAmount} is left to refund, but ${limit} and its refunds reach it. Ask the merchant's owner to refund more.`
          : `${order}: ${charge.refundableAmount} is left to refund; ${limit}, so you may refund up to ${offer}.`;
    return offer;
  }

  /** With an unanswered attempt the amount is that attempt's and cannot be changed. */
  #pin(attempt: Attempt | null, amount: string): void {
    this.el.amount.value = amount;
    this.el.amount.readOnly = attempt !== null;
    this.el.submit.textContent = attempt === null ? 'Refund' : 'Check again';
  }

  async #submit(): Promise<void> {
    const charge = this.#charge;
    if (charge === null || this.#running) return;
    // An amount that can never be a refund is said here; an attempt already pinned keeps its own.
    const problem = this.el.amount.readOnly ? null : positiveAmountProblem(this.el.amount.value.trim());
    if (problem !== null) {
      this.el.amount.select();
      return say(this.el.status, `The refund amount ${problem}.`, 'error');
    }
    const attempt = this.#attempts.attemptFor(charge.mchOrderId, (mchRefundId) => ({ mchOrderId: charge.mchOrderId, mchRefundId, refundAmount: this.el.amount.value.trim() }));
    this.#running = true;
    this.el.submit.disabled = true;
    say(this.el.status, `Refunding ${attempt.refundAmount}…`, 'info');
    try {
      const a = await callPage<RefundAnswer>('cashier/refund', { ...attempt });
      this.#attempts.answered(attempt);
      this.#pin(null, this.el.amount.value);
      if (a.code !== ResultCode.SUCCESS || a.data === null) {
        say(this.el.status, refusalWords(a.code, a.msg), 'error');
        // Refused for what is left or the limit: someone else refunded meanwhile. The offer and the list follow.
        if (a.code === ResultCode.REFUND_EXCEEDS_REFUNDABLE || a.code === ResultCode.REFUND_OVER_LIMIT) {
          this.onRefunded();
          await this.#readAgain(charge);
        }
        return;
      }
      this.#show(a.data);
      this.onRefunded();
    } catch (error) {
      if (!(error instanceof Unreachable)) throw error;
      this.#attempts.lost(attempt);
      this.#pin(attempt, attempt.refundAmount);
      say(this.el.status, `${error.message} Check again sends the same refund: it never refunds twice.`, 'error');
      // The refund may have been made: the list shows what the platform has.
      this.onRefunded();
    } finally {
      this.#running = false;
      this.el.submit.disabled = false;
    }
  }

  #show({ refund, charge }: RefundAnswer): void {
    this.#refunded = { mchOrderId: charge.mchOrderId, mchRefundId: refund.mchRefundId };
    this.#describe(charge);
    const words = refund.refundStatus === 'REFUNDED'
      ? `Refunded ${refund.refundAmount}. ${leftWords(charge)}`
      : refund.refundStatus === 'REFUND_FAILED'
        ? refundFailedWords(refund.refundAmount, refund.failReason, "Ask the merchant's owner.")
        : `The refund of ${refund.refundAmount} is in process.`;
    this.el.form.hidden = true;
    this.el.done.hidden = false;
    say(this.el.status, words, refund.refundStatus === 'REFUND_FAILED' ? 'error' : 'info');
    this.el.receipt.focus();
  }
}
