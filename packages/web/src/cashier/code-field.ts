import { say } from '../shared/page.js';
import { groupDigits, isPayCode, normalizePayCode } from '../shared/pay-code.js';

export interface CodeFieldElements {
  readonly form: HTMLFormElement;
  readonly field: HTMLInputElement;
  readonly status: HTMLElement;
}

/**
 * The payment code field. A USB or Bluetooth barcode scanner is a keyboard: it types the 18 digits
 * and Enter into whatever has focus. So the field has focus from the start and gets it back when
 * the cashier taps an empty part of the page; Enter takes the code, and the digits stay selected
 * so the next scan replaces them. The camera and the cashier's own typing go through `take` too.
 */
export class CodeField {
  constructor(
    private readonly elements: CodeFieldElements,
    private readonly onCode: (digits: string) => void,
  ) {
    elements.form.addEventListener('submit', (event) => {
      event.preventDefault();
      this.take(elements.field.value);
    });
    document.addEventListener('pointerup', (event) => {
      if (!(event.target instanceof Element) || event.target.closest('button, input, select, textarea, a, video') === null) this.focus();
    });
    this.focus();
  }

  focus(): void {
    this.elements.field.focus();
  }

  /** A code begun elsewhere (a scan's first digit typed with the focus in the list): it replaces what the field held. */
  startTyped(first: string): void {
    const { field } = this.elements;
    field.value = first;
    this.focus();
    field.setSelectionRange(first.length, first.length);
  }

  /** Empty, for a new sale: a code already charged is not left to be taken again. */
  clear(): void {
    this.elements.field.value = '';
    this.elements.field.removeAttribute('aria-invalid');
  }

  /** Takes a code as typed, scanned or decoded: spaces and dashes are dropped, anything else refused. */
  take(typed: string): void {
    const { field, status } = this.elements;
    const digits = normalizePayCode(typed);
    field.value = digits;
    this.focus();
    field.select();
    if (!isPayCode(digits)) {
      field.setAttribute('aria-invalid', 'true');
      say(status, `A payment code is 18 digits; this is ${describe(digits)}. Scan it again, or type all 18 digits.`, 'error');
      return;
    }
    field.setAttribute('aria-invalid', 'false');
    say(status, `Code taken: ${groupDigits(digits).join(' ')}`);
    this.onCode(digits);
  }
}

function describe(digits: string): string {
  if (digits === '') return 'empty';
  if (!/^[0-9]+$/.test(digits)) return 'not digits only';
  return `${digits.length} digit${digits.length === 1 ? '' : 's'}`;
}
