import { groupDigits, maskDigits } from '../shared/pay-code.js';
import { barcodeSvg, qrSvg } from './code-symbols.js';

export interface CodeScreenElements {
  readonly qr: HTMLElement;
  readonly barcode: HTMLElement;
  /** A button: a tap (or Enter/Space) shows the digits, another hides them again. */
  readonly digits: HTMLButtonElement;
}

/**
 * The code screen: one payment code as a QR code, a Code 128 barcode and its digits. The digits
 * start masked on every new code, so a bystander who reads over a shoulder learns nothing until
 * the holder taps them (to read them to a cashier whose scanner fails).
 */
export class CodeScreen {
  private digits = '';
  private revealed = false;

  constructor(private readonly elements: CodeScreenElements) {
    elements.digits.addEventListener('click', () => {
      this.revealed = !this.revealed;
      this.renderDigits();
    });
  }

  show(digits: string): void {
    this.digits = digits;
    this.revealed = false;
    this.elements.qr.replaceChildren(qrSvg(digits));
    this.elements.barcode.replaceChildren(barcodeSvg(digits));
    this.elements.digits.hidden = false;
    this.renderDigits();
  }

  /** Takes a code off the screen (retired, or its wallet refused): nothing stale stays scannable. */
  clear(): void {
    this.digits = '';
    this.elements.qr.replaceChildren();
    this.elements.barcode.replaceChildren();
    this.elements.digits.replaceChildren();
    // Without a code there is nothing to show or hide.
    this.elements.digits.hidden = true;
  }

  private renderDigits(): void {
    const groups = this.revealed ? groupDigits(this.digits) : maskDigits(this.digits);
    const button = this.elements.digits;
    // A space between groups (laid out by the flex gap, not drawn): the button's text reads as its
    // label says it, "3936 1377 …", for voice control and the label's own check.
    button.replaceChildren(...groups.flatMap((group, i) => (i === 0 ? [span(group)] : [' ', span(group)])));
    button.setAttribute('aria-pressed', String(this.revealed));
    // The visible hint (drawn by CSS from this attribute); the label below says it to screen readers.
    button.dataset.hint = this.revealed ? 'Tap to hide' : 'Tap to show the digits';
    // Groups read aloud one by one; masked, the label says what a tap does instead of the dots, in
    // the hint's own words first: voice control finds a button by what is written on it.
    button.setAttribute('aria-label', this.revealed ? `Payment code ${groups.join(' ')}. Tap to hide.` : 'Tap to show the digits of the payment code (hidden now).');
  }
}

function span(text: string): HTMLSpanElement {
  const s = document.createElement('span');
  s.textContent = text;
  return s;
}
