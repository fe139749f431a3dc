import { ResultCode } from '@micropay/protocol/errors';
import { callPage, Unreachable } from '../shared/page-api.js';
import { formatWireTime } from '../shared/time.js';

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
  readonly order: { readonly wavpayOrderId: string; readonly amount: string; readonly payTime: string | null } | null;
}

/** How often the till asks how the order stands while a charge runs: a PENDING shows within a second. */
const STATUS_POLL_MS = 700;

export class Charger {
  #running: Attempt | null = null;
  #last: Attempt | null = null;

  /** `onSettled`: the charge running ended, with its outcome as shown (`PAID`, `FAILED`, `UNKNOWN`, …). */
  constructor(private readonly el: ChargeElements, private readonly onSettled: (outcome: string) => void = () => undefined) {
    el.again.addEventListener('click', () => {
      if (this.#last !== null) void this.#run(this.#last);
    });
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

  /** A word to the cashier in the result's place, between charges. */
  prompt(text: string): void {
    if (this.#running === null) this.#show('prompt', text, '');
  }

  async #run(attempt: Attempt): Promise<void> {
    if (this.#running !== null) return;
    this.#running = this.#last = attempt;
    this.#show('waiting', `Charging ${attempt.amount}…`, `Order ${attempt.mchOrderId}`);
    const poll = setInterval(() => void this.#pollStatus(attempt), STATUS_POLL_MS);
    try {
      const a = await callPage<Outcome>('cashier/charge', { ...attempt });
      if (a.code !== ResultCode.SUCCESS || a.data === null) return this.#show('FAILED', 'FAILED', a.msg);
      this.#showOutcome(attempt, a.data);
    } catch (error) {
      if (!(error instanceof Unreachable)) throw error;
      this.#show('UNKNOWN', 'Result not known', `${error.message} Check again: the same order is never charged twice.`, true);
    } finally {
      clearInterval(poll);
      this.#running = null;
      this.onSettled(this.el.panel.dataset.outcome ?? '');
    }
  }

  async #pollStatus(attempt: Attempt): Promise<void> {
    const a = await callPage<{ tradeStatus: string | null }>('cashier/charge-status', { mchOrderId: attempt.mchOrderId }).catch(() => null);
    if (this.#running === attempt && a?.data?.tradeStatus === 'PENDING') {
      this.#show('waiting', 'Waiting for the customer to confirm…', `${attempt.amount} · order ${attempt.mchOrderId}`);
    }
  }

  #showOutcome(attempt: Attempt, o: Outcome): void {
    const order = o.order === null ? `order ${attempt.mchOrderId}` : `order ${o.order.wavpayOrderId}`;
    if (o.status === 'PAID') return this.#show('PAID', `PAID ${o.order?.amount ?? attempt.amount}`, `${order}${o.order?.payTime ? ` · ${formatWireTime(o.order.payTime)}` : ''}`);
    this.#show(o.status, o.status === 'UNKNOWN' ? 'Result not known' : o.status, `${o.message ?? ''} (${order})`, o.status === 'UNKNOWN');
  }

  #show(outcome: string, headline: string, detail: string, canCheckAgain = false): void {
    this.el.panel.hidden = false;
    this.el.panel.dataset.outcome = outcome;
    this.el.outcome.textContent = headline;
    this.el.detail.textContent = detail;
    this.el.again.hidden = !canCheckAgain;
  }
}
