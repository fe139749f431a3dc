import { countOf, focusPage } from '../shared/paging.js';
import { ResultCode } from '@micropay/protocol/errors';
import { say } from '../shared/page.js';
import { callPage, Unreachable } from '../shared/page-api.js';
import { chargeStatusWords, el, type ChargeRow, type ChargesPage } from './charges-api.js';
import { formatTime } from '../shared/time.js';

/**
 * This cashier's recent charges (`/api/page/cashier/recent-charges`), newest first, ten at a time,
 * with "Older charges" for the next ten. The server lists only the session's cashier's own
 * charges; each row offers a refund while something is left to refund, and a receipt.
 */
export interface RecentChargesElements {
  readonly list: HTMLElement;
  readonly status: HTMLElement;
  readonly older: HTMLButtonElement;
}

export interface RowActions {
  refund(charge: ChargeRow): void;
  receipt(charge: ChargeRow): void;
}

export class RecentCharges {
  #next: ChargesPage['next'] = null;

  constructor(private readonly el: RecentChargesElements, private readonly actions: RowActions) {
    el.older.addEventListener('click', () => void this.#showOlder());
  }

  /** The newest page again: after a charge ends, a refund, or on sign-in. */
  async refresh(): Promise<void> {
    await this.#load(null, false);
  }

  /**
   * The next ten under the list. Older charges hides itself on the last page, which would send the
   * focus to the page's start: it goes to the first charge added instead (read out, and Tab goes on
   * to its Refund and Receipt), and the status line says how many came, as the wallet page's Older
   * does. A scanner's code typed while the focus is there still reaches the code field (main.ts).
   */
  async #showOlder(): Promise<void> {
    const before = this.el.list.childElementCount;
    if (!(await this.#load(this.#next, true))) return;
    const added = [...this.el.list.children].slice(before) as HTMLElement[];
    say(this.el.status, `${countOf(added.length, 'older charge')} shown.`);
    focusPage(added, this.el.status);
  }

  /** Draws the page after `before` (null: the newest), under the list or instead of it; false when refused. */
  async #load(before: ChargesPage['next'], append: boolean): Promise<boolean> {
    let a;
    try {
      a = await callPage<ChargesPage>('cashier/recent-charges', before === null ? {} : { before });
    } catch (error) {
      if (!(error instanceof Unreachable)) throw error;
      say(this.el.status, error.message, 'error');
      return false;
    }
    if (a.code !== ResultCode.SUCCESS || a.data === null) {
      say(this.el.status, a.msg, 'error');
      return false;
    }
    if (!append) this.el.list.replaceChildren();
    for (const charge of a.data.charges) this.el.list.append(this.#row(charge));
    this.#next = a.data.next;
    this.el.older.hidden = a.data.next === null;
    say(this.el.status, this.el.list.childElementCount === 0 ? 'No charges yet at this till.' : '', 'info');
    return true;
  }

  #row(c: ChargeRow): HTMLElement {
    const row = el('li', '', 'charge-row');
    row.dataset.mchOrderId = c.mchOrderId;
    row.dataset.status = c.tradeStatus;
    const main = el('div', '', 'charge-main');
    main.append(el('span', c.amount, 'charge-amount'), el('span', chargeStatusWords(c), 'charge-status'));
    const facts = el('p', '', 'charge-facts');
    const refunded = c.refundedAmount === '0.00' ? '' : ` · refunded ${c.refundedAmount}`;
    facts.textContent = `${formatTime(c.payTimeMs ?? c.chargedAtMs)} · ${c.goodsInfo}${refunded}`;
    // The order number the PAID panel and the customer's wallet show.
    const order = el('p', `Order ${c.wavpayOrderId}`, 'charge-order');
    const buttons = el('div', '', 'actions row-actions');
    if (c.refundableAmount !== '0.00') {
      const refund = el('button', 'Refund', 'secondary');
      refund.type = 'button';
      refund.setAttribute('aria-label', `Refund ${c.amount}, order ${c.wavpayOrderId}`);
      refund.addEventListener('click', () => this.actions.refund(c));
      buttons.append(refund);
    }
    const receipt = el('button', 'Receipt', 'secondary');
    receipt.type = 'button';
    receipt.setAttribute('aria-label', `Receipt for ${c.amount}, order ${c.wavpayOrderId}`);
    receipt.addEventListener('click', () => this.actions.receipt(c));
    buttons.append(receipt);
    row.append(main, facts, order, buttons);
    return row;
  }
}
