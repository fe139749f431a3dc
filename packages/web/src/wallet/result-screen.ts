import { formatWireTime } from '../shared/time.js';
import type { PageOrder } from './result-api.js';

/**
 * The end of a payment on the wallet page: PAID with the merchant, amount and time, or FAILED with
 * the reason in words. Times arrive as wire times, already in the platform's time zone.
 */
export interface ResultScreenElements {
  readonly section: HTMLElement;
  readonly heading: HTMLElement;
  readonly amount: HTMLElement;
  readonly merchant: HTMLElement;
  readonly timeLabel: HTMLElement;
  readonly time: HTMLElement;
  readonly reason: HTMLElement;
}

/** Why a payment failed, as the holder reads it (the order's failReason). */
const REASONS: Readonly<Record<string, string>> = {
  INSUFFICIENT_BALANCE: 'There is not enough money in your wallet for this payment.',
  WALLET_FROZEN: 'Your wallet is frozen, so it cannot pay. Ask the operator to unfreeze it.',
  DECLINED: 'You declined this payment.',
  CLOSED: 'The shop cancelled this payment before it was confirmed.',
  CONFIRM_TIMEOUT: 'The payment was not confirmed in time, so it expired.',
  SYSTEM_ERROR: 'MicroPay could not complete this payment because of a fault on its side.',
};

export function failureInWords(failReason: string | null): string {
  return `${REASONS[failReason ?? ''] ?? 'The payment did not go through.'} Nothing was taken from your wallet.`;
}

export class ResultScreen {
  constructor(private readonly e: ResultScreenElements) {}

  show(order: PageOrder): void {
    const paid = order.tradeStatus !== 'FAILED';
    this.e.section.dataset.outcome = paid ? 'paid' : 'failed';
    this.e.heading.textContent = paid ? 'Paid' : 'Payment failed';
    this.e.amount.textContent = order.amount;
    this.e.merchant.textContent = order.merchantName ?? 'the merchant';
    this.e.timeLabel.textContent = paid ? 'Paid at' : 'Tried at';
    this.e.time.textContent = formatWireTime(paid ? (order.payTime ?? order.tradeTime) : order.tradeTime);
    this.e.reason.textContent = paid ? '' : failureInWords(order.failReason);
    this.e.reason.hidden = paid;
    this.e.section.hidden = false;
    // Moved to the heading, so a screen reader says what happened at once.
    this.e.heading.focus();
  }

  hide(): void {
    this.e.section.hidden = true;
  }
}
