import { maskedText } from '../shared/masked.js';
import { fieldRefusal } from './forms.js';

/**
 * Where a payout goes, as both consoles show it (docs/consoles.md, "Balance & payouts" and
 * "Payouts"): the bank account the payout copied when it was requested. The number is the
 * server's: whole for the owner and the operator, its last four characters for a cashier.
 */
export interface BankAccount {
  readonly holderName: string;
  readonly bankName: string;
  readonly accountNumber: string;
}

/** Holder, bank and number on a line each, for a table cell that keeps the lines (console.css `.payout-list`). */
export function bankAccountLines(a: BankAccount): string {
  return `${a.holderName}\n${a.bankName}\n${a.accountNumber}`;
}

/**
 * Marks the column of `t` that holds bank accounts (console.css `td.bank-account`: wide enough for
 * a line each), and writes each row's account number, its last line, in groups of four
 * (`accounts[i]`: row i's account, or null when the cell says something else), then `notes[i]`
 * if any. The cell's lines go in one box: on a phone they stay beside the column's name.
 */
export function bankAccountColumn(
  t: HTMLTableElement, column: number, accounts: readonly (BankAccount | null)[], notes: readonly (HTMLElement | null)[] = [],
): HTMLTableElement {
  [...(t.tBodies[0]?.rows ?? [])].forEach((row, i) => {
    const cell = row.cells[column];
    if (cell === undefined) return;
    cell.classList.add('bank-account');
    const account = accounts[i];
    const text = cell.textContent ?? '';
    const lines = document.createElement('div');
    if (account == null || !text.endsWith(account.accountNumber)) lines.append(text);
    else lines.append(text.slice(0, text.length - account.accountNumber.length), accountNumberElement(account.accountNumber));
    lines.append(...(notes[i] == null ? [] : [notes[i]!]));
    cell.replaceChildren(lines);
  });
  return t;
}

/**
 * An account number as people read one, in groups of four ("GB82 WEST 1234 …", an IBAN's paper
 * form), but without spaces in it: the groups are apart by their margin only, so a number copied
 * into the bank's transfer form is the number whole. A masked number ("•••• 5432") is left as it is.
 */
export function accountNumberElement(accountNumber: string): HTMLElement {
  const number = Object.assign(document.createElement('span'), { className: 'account-number' });
  if (accountNumber.includes(' ')) number.append(maskedText(accountNumber));
  else number.append(...(accountNumber.match(/.{1,4}/g) ?? []).map((group) => Object.assign(document.createElement('span'), { textContent: group })));
  return number;
}

/** Holder, bank and number in one sentence's part: "Corner Shop Ltd, West Bank, account GB82…". */
export function bankAccountPhrase(a: BankAccount): string {
  return `${a.holderName}, ${a.bankName}, account ${a.accountNumber}`;
}

const FIELD_WORDS: Readonly<Record<keyof BankAccount, string>> = {
  holderName: 'The account holder', bankName: 'The bank', accountNumber: 'The IBAN or account number',
};

/**
 * A server's refusal of a bank account ("param error: bankName is required: …") as a form says
 * it ("The bank is required: …"), with the field it names (null: none), for the form to focus.
 */
export function bankAccountRefusal(msg: string): { readonly field: keyof BankAccount | null; readonly words: string } {
  return fieldRefusal(msg, FIELD_WORDS);
}

/** A merchant payout requested before payout accounts existed copied none: the operator knew where it went. */
export const DESTINATION_NOT_RECORDED = 'Not recorded (requested before payout accounts)';
