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
 * Marks the column of `t` that holds bank accounts (console.css `td.bank-account`): wide enough
 * for a line each even on a phone, where the table scrolls sideways rather than breaking a bank's
 * name over two lines.
 */
export function bankAccountColumn(t: HTMLTableElement, column: number): HTMLTableElement {
  for (const row of t.tBodies[0]?.rows ?? []) row.cells[column]?.classList.add('bank-account');
  return t;
}

/** Holder, bank and number in one sentence's part: "Corner Shop Ltd, West Bank, account GB82…". */
export function bankAccountPhrase(a: BankAccount): string {
  return `${a.holderName}, ${a.bankName}, account ${a.accountNumber}`;
}

/** A merchant payout requested before payout accounts existed copied none: the operator knew where it went. */
export const DESTINATION_NOT_RECORDED = 'Not recorded (requested before payout accounts)';
