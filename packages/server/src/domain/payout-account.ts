import { MAX_BANK_TEXT_LENGTH } from '@micropay/protocol/text-limits';
import { unchanged, type Decided } from './effects.js';
import type { Merchant } from './model.js';
import { printableTextProblem } from './text.js';

/**
 * Where a merchant's payouts go (docs/operations.md, "Payout accounts"): the bank account its
 * owner, or an operator, set. A payout copies it when it is requested, so finance pays the account
 * the payout was requested to even if the account is changed before the transfer is made.
 */
export interface BankAccount {
  /** The name the bank holds the account under. */
  readonly holderName: string;
  readonly bankName: string;
  /** An IBAN or a local account number: capital letters and digits only (bankAccountOf). */
  readonly accountNumber: string;
}

export interface PayoutAccount extends BankAccount {
  readonly setAtMs: number;
}

/**
 * Two letters (the country), two check digits, then 11 to 30 letters or digits: an IBAN's shape
 * (ISO 13616). A number with a letter in it is taken as an IBAN (HAS_LETTER): an IBAN with a
 * character mistyped must not pass as a local number.
 */
const IBAN_SHAPE = /^[A-Z]{2}[0-9]{2}[A-Z0-9]{11,30}$/;
/** Check digits are 02 to 98: 00, 01 and 99 pass MOD 97-10 but are never issued. */
const ISSUED_CHECK_DIGITS = /^..(0[2-9]|[1-8][0-9]|9[0-8])/;
const ACCOUNT_NUMBER_SHAPE = /^[A-Z0-9]{5,34}$/;
/** What may be typed: ASCII letters and digits, and spaces (a pasted no-break space too) or hyphens between groups. */
const TYPED_NUMBER = /^[A-Za-z0-9\s-]*$/;
/** Local account numbers are digits: one with a letter is an IBAN, or a mistyped one ("G882…"), or a bank's code pasted by mistake. */
const HAS_LETTER = /[A-Z]/;

/** ISO 7064 MOD 97-10 over the IBAN moved to start at its fifth character, letters as 10–35: 1 when valid. */
function ibanRemainder(iban: string): number {
  let rest = 0;
  for (const ch of iban.slice(4) + iban.slice(0, 4)) {
    const value = ch >= 'A' ? ch.charCodeAt(0) - 55 : ch.charCodeAt(0) - 48;
    rest = (value > 9 ? rest * 100 + value : rest * 10 + value) % 97;
  }
  return rest;
}

/** The number as banks print it, spaces and hyphens taken out and in capitals; or why it cannot be one. */
function accountNumberOf(typed: string): { ok: true; value: string } | { ok: false; problem: string } {
  // Checked before the capitals: toUpperCase turns some other letters into ASCII ones ("ß" → "SS").
  const value = TYPED_NUMBER.test(typed.trim()) ? typed.replace(/[\s-]/g, '').toUpperCase() : '';
  if (!ACCOUNT_NUMBER_SHAPE.test(value)) return { ok: false, problem: 'must be an IBAN or an account number: 5 to 34 letters and digits (spaces and hyphens are taken out)' };
  if (!HAS_LETTER.test(value)) return { ok: true, value };
  if (!IBAN_SHAPE.test(value)) {
    return { ok: false, problem: 'is not a valid IBAN: an IBAN is two letters, two check digits, then 11 to 30 letters or digits (cut short, or a bank code?); a local account number is digits only' };
  }
  if (!ISSUED_CHECK_DIGITS.test(value) || ibanRemainder(value) !== 1) {
    return { ok: false, problem: 'is not a valid IBAN: its check digits do not match (a mistyped character?)' };
  }
  return { ok: true, value };
}

export type BankAccountCheck =
  | { readonly ok: true; readonly account: BankAccount }
  | { readonly ok: false; readonly field: keyof BankAccount; readonly problem: string };

/**
 * Characters a name sent to a bank may not hold beyond the text rule: invisible formatting (zero
 * widths, soft hyphens, marks), private use and line separators. Two holders that look the same
 * must be the same.
 */
const INVISIBLE = /[\p{Cf}\p{Co}\p{Cs}\u2028\u2029]/u;

/**
 * The rule of a payout account, for the consoles and the CLI alike: a holder and a bank name,
 * printable and at most 100 characters (surrounding spaces dropped), and an account number that
 * is an IBAN with matching check digits or 5 to 34 letters and digits.
 */
export function bankAccountOf(typed: BankAccount): BankAccountCheck {
  for (const field of ['holderName', 'bankName'] as const) {
    const text = typed[field].trim();
    const problem = printableTextProblem(text, MAX_BANK_TEXT_LENGTH) ?? (INVISIBLE.test(text) ? `must be 1 to ${MAX_BANK_TEXT_LENGTH} printable characters` : null);
    if (problem !== null) return { ok: false, field, problem };
  }
  const number = accountNumberOf(typed.accountNumber);
  if (!number.ok) return { ok: false, field: 'accountNumber', problem: number.problem };
  return { ok: true, account: { holderName: typed.holderName.trim(), bankName: typed.bankName.trim(), accountNumber: number.value } };
}

/**
 * The account number as the audit log and a merchant's cashiers see it: its last four characters.
 * Whoever pays the payout (an operator) and whoever set it (the owner) see all of it.
 */
export function maskedAccountNumber(accountNumber: string): string {
  // A short number keeps most of itself hidden: two characters shown below eight.
  return `•••• ${accountNumber.slice(accountNumber.length < 8 ? -2 : -4)}`;
}

/**
 * A bank account as a reader may see it: whole for those who set it or transfer to it (a
 * merchant's owner; the operators of the money role), else with its number's end only, enough to
 * tell which account a merchant means (a cashier; a support operator).
 */
export function bankAccountSeen<A extends BankAccount>(account: A, whole: boolean): A {
  return whole ? account : { ...account, accountNumber: maskedAccountNumber(account.accountNumber) };
}

/** What a change of the payout account is decided on: the merchant, locked, and its account now. */
export interface PayoutAccountView {
  readonly merchant: Merchant | null;
  readonly account: PayoutAccount | null;
}

export type PayoutAccountChange =
  | { readonly kind: 'set'; readonly account: PayoutAccount; readonly was: PayoutAccount | null }
  /** The same account as now: nothing written, nothing logged. */
  | { readonly kind: 'unchanged'; readonly account: PayoutAccount }
  | { readonly kind: 'rejected'; readonly reason: 'NO_MERCHANT' };

/** The merchant's payout account from now on; payouts already requested keep the one they copied. */
export function decidePayoutAccountChange(view: PayoutAccountView, next: BankAccount, nowMs: number): Decided<PayoutAccountChange> {
  if (view.merchant === null) return unchanged({ kind: 'rejected', reason: 'NO_MERCHANT' });
  const now = view.account;
  if (now !== null && now.holderName === next.holderName && now.bankName === next.bankName && now.accountNumber === next.accountNumber) {
    return unchanged({ kind: 'unchanged', account: now });
  }
  const account: PayoutAccount = { ...next, setAtMs: nowMs };
  return { result: { kind: 'set', account, was: now }, effects: [{ kind: 'setPayoutAccount', mchId: view.merchant.mchId, account }] };
}
