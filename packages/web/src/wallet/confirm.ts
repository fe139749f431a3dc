import { ResultCode } from '@micropay/protocol/errors';
import { say } from '../shared/page.js';
import { orderNow, settle, type PageOrder } from './result-api.js';
import { formatWireTime } from '../shared/time.js';

/**
 * The confirm screen: a payment above the wallet's confirmation limit waits for the holder's PIN
 * (or Decline). The platform applies the wallet API's rules: one PIN count with sign-in, five wrong
 * in a row lock (9002) until the operator unlocks the wallet.
 */
export interface ConfirmElements {
  readonly section: HTMLElement;
  readonly heading: HTMLElement;
  readonly amount: HTMLElement;
  readonly merchant: HTMLElement;
  readonly goods: HTMLElement;
  readonly confirmBy: HTMLElement;
  readonly form: HTMLFormElement;
  readonly pin: HTMLInputElement;
  /** The PIN's label and field, hidden for a wallet without a PIN, and what is said instead. */
  readonly pinField: HTMLElement;
  readonly noPin: HTMLElement;
  readonly error: HTMLElement;
  readonly pay: HTMLButtonElement;
  readonly decline: HTMLButtonElement;
}

const PIN_SHAPE = /^[0-9]{4,6}$/;
/** How often a followed payment is read: the screen turns within this of the till's cancel or the deadline. */
const FOLLOW_EVERY_MS = 2_000;

export class ConfirmScreen {
  private order: PageOrder | null = null;
  private hasPin = true;

  /** `ended`: the order is final (paid, or failed: declined, expired, closed). */
  constructor(private readonly e: ConfirmElements, private readonly ended: (order: PageOrder) => void) {
    e.form.addEventListener('submit', (event) => {
      event.preventDefault();
      void this.confirm();
    });
    e.decline.addEventListener('click', () => void this.answer(null));
  }

  get showing(): string | null {
    return this.order?.wavpayOrderId ?? null;
  }

  /**
   * Shows the payment and asks for the PIN. `follow`: no code's watch reports this payment's end
   * (the page was reloaded, another tab or an offline code made it), so the screen reads it every
   * few seconds and turns to the result when the till cancels, the deadline passes or another tab
   * answers.
   */
  show(order: PageOrder, follow = false): void {
    this.order = order;
    this.e.amount.textContent = order.amount;
    this.e.merchant.textContent = order.merchantName ?? 'the merchant';
    this.e.goods.textContent = order.goodsInfo;
    this.e.confirmBy.textContent = order.confirmBy === null ? '' : formatWireTime(order.confirmBy);
    this.e.pin.value = '';
    this.e.pin.removeAttribute('aria-invalid');
    this.e.pay.disabled = false;
    this.e.decline.disabled = false;
    say(this.e.error, '');
    this.e.section.hidden = false;
    // Without a PIN, Pay pays at once: the focus goes to the question, so a stray Enter or Space pays nothing.
    (this.hasPin ? this.e.pin : this.e.heading).focus();
    if (follow) void this.follow(order);
  }

  private async follow(order: PageOrder): Promise<void> {
    while (this.order === order) {
      await new Promise((resolve) => setTimeout(resolve, FOLLOW_EVERY_MS));
      if (this.order !== order) return;
      const now = await orderNow(order.wavpayOrderId);
      if (this.order !== order || now === 'gone') return;
      if (now === 'signedOut') return this.refuse('You are signed out. Sign in again.');
      if (now !== null && now.tradeStatus !== 'PENDING') return this.ended(now);
    }
  }

  /**
   * Whether the wallet confirms with a PIN. Without one the platform confirms on the session alone,
   * so the screen asks for none rather than take any digits as if they were checked.
   */
  usePin(hasPin: boolean): void {
    this.hasPin = hasPin;
    this.e.pinField.hidden = !hasPin;
    this.e.noPin.hidden = hasPin;
  }

  hide(): void {
    this.order = null;
    this.e.section.hidden = true;
  }

  private async confirm(): Promise<void> {
    if (!this.hasPin) return this.answer('');
    const pin = this.e.pin.value;
    this.e.pin.value = '';
    // A PIN of the wrong shape can never match: said here, and it costs no try.
    if (!PIN_SHAPE.test(pin)) return this.refuse('Enter your PIN: 4 to 6 digits.');
    await this.answer(pin);
  }

  /** Confirms with `pin`, or declines with null. */
  private async answer(pin: string | null): Promise<void> {
    const order = this.order;
    if (order === null) return;
    this.busy(true);
    const a = await settle(order.wavpayOrderId, pin);
    if (this.order !== order) return;
    this.busy(false);
    if (a.kind === 'done') return this.ended(a.order);
    if (a.kind === 'wrongPin') return this.refuse(`Wrong PIN. ${a.triesLeft} ${a.triesLeft === 1 ? 'try' : 'tries'} left.`);
    if (a.code === ResultCode.CONFIRMATION_LOCKED) {
      this.e.pay.disabled = true;
      return this.refuse('Too many wrong PINs: this wallet cannot confirm payments until the operator unlocks it. You can still decline.');
    }
    this.refuse(a.code === ResultCode.SESSION_REQUIRED ? 'You are signed out. Sign in again.' : a.message);
  }

  private refuse(message: string): void {
    this.e.pin.setAttribute('aria-invalid', 'true');
    say(this.e.error, message, 'error');
    this.e.pin.focus();
  }

  private busy(on: boolean): void {
    this.e.pay.disabled = on;
    this.e.decline.disabled = on;
  }
}
