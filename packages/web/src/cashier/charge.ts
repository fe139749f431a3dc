import { ResultCode } from '@micropay/protocol/errors';
import { callPage, Unreachable } from '../shared/page-api.js';
import { formatClock, formatWireTime } from '../shared/time.js';
import { CANCELLED_WORDS, CLOSED_WORDS, failedWords, refusedWords, SIGNED_OUT_FIRST_WORDS, SIGNED_OUT_WORDS } from './charge-words.js';

/**
 * One charge at the till (`/api/page/cashier/charge`): the server runs the merchant's safe
 * pay → query → close flow and answers the end of it. Each charge attempt draws one mchOrderId
 * here and keeps it: a second submit while it runs is refused on the page, and "Check again"
 * after a lost answer sends the same order id, which the platform never charges twice.
 */
export interface ChargeElements {
  readonly panel: HTMLElement;
  readonly outcome: HTMLElement;
  readonly detail: HTMLElement;
  readonly again: HTMLButtonElement;
  /** Shown while the customer is asked to confirm: the cashier gives up the charge. */
  readonly cancel: HTMLButtonElement;
}

interface Attempt {
  readonly mchOrderId: string;
  readonly amount: string;
  readonly goodsInfo: string;
  readonly payCode: string;
}

interface Outcome {
  readonly status: 'PAID' | 'FAILED' | 'CLOSED' | 'UNKNOWN';
  readonly message?: string;
  readonly reason?: string;
  /** The platform's reason for the order's failure: DECLINED, CONFIRM_TIMEOUT, … */
  readonly orderFailReason?: string | null;
  readonly order: { readonly wavpayOrderId: string; readonly amount: string; readonly payTime: string | null } | null;
}

/** How often the till asks how the order stands while a charge runs: a PENDING shows within a second. */
const STATUS_POLL_MS = 700;

export class Charger {
  #running: Attempt | null = null;
  #last: Attempt | null = null;
  /** The attempt the cashier cancelled: its FAILED end is said as cancelled. */
  #cancelled: Attempt | null = null;

  /** `onSettled`: the charge running ended, with its outcome as shown (`PAID`, `FAILED`, `UNKNOWN`, …). */
  constructor(private readonly el: ChargeElements, private readonly onSettled: (outcome: string) => void = () => undefined) {
    el.again.addEventListener('click', () => {
      if (this.#last !== null) void this.#run(this.#last);
    });
    el.cancel.addEventListener('click', () => void this.#cancel());
  }

  get busy(): boolean {
    return this.#running !== null;
  }

  /** A new attempt with its own order id; refused while another one runs. */
  start(amount: string, goodsInfo: string, payCode: string): boolean {
    if (this.#running !== null) return false;
    void this.#run({ mchOrderId: crypto.randomUUID().replaceAll('-', ''), amount, goodsInfo, payCode });
    return true;
  }

  /** The result panel emptied (a new sale begun, another cashier): nothing of an earlier charge stays. */
  reset(): void {
    if (this.#running !== null) return;
    this.#last = null;
    this.el.panel.hidden = true;
    delete this.el.panel.dataset.outcome;
    this.el.outcome.textContent = '';
    this.el.detail.textContent = '';
    this.el.again.hidden = true;
    this.el.cancel.hidden = true;
  }

  /** A word to the cashier in the result's place, between charges. */
  prompt(text: string): void {
    if (this.#running === null) this.#show('prompt', text, '');
  }

  async #run(attempt: Attempt): Promise<void> {
    if (this.#running !== null) return;
    // Check again runs the last attempt once more: its first try may have been made.
    const again = this.#last === attempt;
    this.#running = this.#last = attempt;
    this.#show('waiting', `Charging ${attempt.amount}…`, '');
    const poll = setInterval(() => void this.#pollStatus(attempt), STATUS_POLL_MS);
    try {
      const a = await callPage<Outcome>('cashier/charge', { ...attempt });
      // Cancelled, the end is the cancel's, whatever the charge's last query met (a merchant disabled meanwhile: 1022).
      if (this.#cancelled === attempt && a.code !== ResultCode.SUCCESS) return this.#show('CANCELLED', 'CANCELLED', CANCELLED_WORDS);
      if (a.code === ResultCode.SESSION_REQUIRED) return again ? this.#show('UNKNOWN', 'Result not known', SIGNED_OUT_WORDS) : this.#show('FAILED', 'FAILED', SIGNED_OUT_FIRST_WORDS);
      if (a.code !== ResultCode.SUCCESS || a.data === null) return this.#show('FAILED', 'FAILED', refusedWords(a.code, a.msg));
      this.#showOutcome(attempt, a.data);
    } catch (error) {
      if (!(error instanceof Unreachable)) throw error;
      this.#show('UNKNOWN', 'Result not known', `${error.message} Check again: the same order is never charged twice.`, { checkAgain: true });
    } finally {
      clearInterval(poll);
      this.#running = null;
      this.onSettled(this.el.panel.dataset.outcome ?? '');
    }
  }

  async #pollStatus(attempt: Attempt): Promise<void> {
    const a = await callPage<{ tradeStatus: string | null; confirmByMs: number | null }>('cashier/charge-status', { mchOrderId: attempt.mchOrderId }).catch(() => null);
    // A poll answered after Cancel was pressed does not bring the Cancel button back; the waiting
    // panel is drawn once (it is a live region: no need to say it again every poll).
    if (this.#running !== attempt || this.#cancelled === attempt || a?.data?.tradeStatus !== 'PENDING' || !this.el.cancel.hidden) return;
    const until = a.data.confirmByMs === null ? '' : ` They have until ${formatClock(a.data.confirmByMs)}.`;
    this.#show('waiting', 'Waiting for the customer to confirm…', `The customer confirms ${attempt.amount} on their phone.${until}`, { cancel: true });
  }

  /** Gives up the running charge (closeBill on the server); the charge itself then ends and says so. */
  async #cancel(): Promise<void> {
    const attempt = this.#running;
    if (attempt === null) return;
    this.el.cancel.disabled = true;
    let a: { code: number; msg: string } | null = null;
    try {
      a = await callPage('cashier/charge-cancel', { mchOrderId: attempt.mchOrderId });
    } catch (error) {
      if (!(error instanceof Unreachable)) throw error;
    } finally {
      this.el.cancel.disabled = false;
    }
    if (this.#running !== attempt) return;
    // Paid first (1023): the charge's own answer says PAID in a moment.
    if (a?.code === ResultCode.ORDER_PAID) return;
    if (a !== null && a.code !== ResultCode.SUCCESS) {
      this.el.detail.textContent = `Not cancelled: ${a.msg}. The customer may still confirm.`;
      return;
    }
    // Done, or its answer lost (the close may have gone through): the charge's own end says which.
    this.#cancelled = attempt;
    this.#show('waiting', 'Cancelling…', a === null ? 'The answer to Cancel was lost: the charge ends in a few seconds either way.' : '');
  }

  #showOutcome(attempt: Attempt, o: Outcome): void {
    const order = o.order === null ? `order ${attempt.mchOrderId}` : `order ${o.order.wavpayOrderId}`;
    // A charge refused before any order was made (a used, expired or unknown code) has no order a
    // cashier could look up: the till's own attempt id would only be a number found nowhere.
    const cited = o.order === null ? '' : ` (${order})`;
    if (o.status === 'PAID') return this.#show('PAID', `PAID ${o.order?.amount ?? attempt.amount}`, `${order}${o.order?.payTime ? ` · ${formatWireTime(o.order.payTime)}` : ''}`);
    if (o.status === 'UNKNOWN') return this.#show('UNKNOWN', 'Result not known', `${o.message ?? ''} (${order})`, { checkAgain: true });
    if (this.#cancelled === attempt) return this.#show('CANCELLED', 'CANCELLED', `${CANCELLED_WORDS}${cited}`);
    this.#show(o.status, o.status, `${o.status === 'CLOSED' ? CLOSED_WORDS : failedWords(o.reason, o.message, o.orderFailReason)}${cited}`);
  }

  #show(outcome: string, headline: string, detail: string, buttons: { checkAgain?: boolean; cancel?: boolean } = {}): void {
    this.el.panel.hidden = false;
    this.el.panel.dataset.outcome = outcome;
    this.el.outcome.textContent = headline;
    this.el.detail.textContent = detail;
    this.el.again.hidden = buttons.checkAgain !== true;
    this.el.cancel.hidden = buttons.cancel !== true;
  }
}
