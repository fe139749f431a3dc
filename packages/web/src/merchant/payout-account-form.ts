import { MAX_BANK_TEXT_LENGTH } from '@micropay/protocol/text-limits';
import { ResultCode } from '@micropay/protocol/errors';
import { bankAccountPhrase, bankAccountRefusal } from '../console/bank-account.js';
import type { ConsoleContext } from '../console/section.js';
import { callPage, saySignedOut, Unreachable, type PageAnswer } from '../shared/page-api.js';
import { say } from '../shared/page.js';
import { heading, labelled, statusLine } from './controls.js';
import type { PayoutAccount } from './payout-account.js';
import type { MerchantUser } from './who.js';

/**
 * The owner's "Set payout account" / "Change payout account" form (docs/consoles.md, "Balance &
 * payouts"). The owner's password is asked again: a stolen session alone must not be enough to
 * send the merchant's money elsewhere. The server holds the rule of a bank account (an IBAN's
 * check digits, the lengths); a field it refuses is marked beside that field.
 */
type Field = 'holderName' | 'bankName' | 'accountNumber' | 'password';

/** The server's 1021 of the password ("param error: password is required"); those of the account's fields are bankAccountRefusal's. */
const PASSWORD_REFUSED = 'param error: password ';

export interface PayoutAccountForm {
  readonly elements: HTMLElement[];
  /** Words and button as the account now is: "Set" when there is none, "Change" when there is one. */
  showFor(account: PayoutAccount | null): void;
}

export function payoutAccountForm(ctx: ConsoleContext<MerchantUser>, saved: (account: PayoutAccount) => void): PayoutAccountForm {
  const title = Object.assign(heading('Set payout account', 3), { id: 'payout-account-form-title' });
  const note = Object.assign(document.createElement('p'), {
    id: 'payout-password-note', className: 'help', textContent: "Your password is asked again because this account decides where the merchant's money goes.",
  });
  const fields: Record<Field, CheckedField> = {
    holderName: checkedField('payout-holder', 'Account holder', { maxLength: MAX_BANK_TEXT_LENGTH }),
    bankName: checkedField('payout-bank', 'Bank', { maxLength: MAX_BANK_TEXT_LENGTH }),
    // Spaces and hyphens as the bank prints them are fine: the server takes them out.
    accountNumber: checkedField('payout-number', 'IBAN or account number', { maxLength: 50, autocapitalize: 'characters' }),
    password: checkedField('payout-password', 'Your password', { type: 'password', autocomplete: 'current-password', maxLength: 128 }, note.id),
  };
  const submit = Object.assign(document.createElement('button'), { type: 'submit', textContent: 'Set payout account' });
  const status = statusLine();
  const form = Object.assign(document.createElement('form'), { id: 'payout-account-form', className: 'stacked-form', noValidate: true });
  form.setAttribute('aria-labelledby', title.id);
  form.append(note, ...Object.values(fields).map((f) => f.wrap), submit, status);
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    submit.disabled = true;
    void send().finally(() => { submit.disabled = false; });
  });
  return {
    elements: [title, form],
    showFor(account) {
      title.textContent = submit.textContent = account === null ? 'Set payout account' : 'Change payout account';
    },
  };

  async function send(): Promise<void> {
    for (const f of Object.values(fields)) f.clear();
    say(status, '');
    // Names and number trimmed as typed; the password exactly as typed.
    const body = {
      holderName: fields.holderName.input.value.trim(), bankName: fields.bankName.input.value.trim(),
      accountNumber: fields.accountNumber.input.value.trim(), password: fields.password.input.value,
    };
    let a: PageAnswer<{ payoutAccount: PayoutAccount; changed: boolean }>;
    try {
      a = await callPage(`${ctx.api}balance/set-payout-account`, body);
    } catch (error) {
      // No answer: the account may have been set. Setting the same account again changes nothing.
      const why = error instanceof Unreachable ? error.message : String(error);
      return say(status, `${why} Send the form again: the same account set twice is set once.`, 'error');
    }
    if (a.data !== null) {
      // The account is shown above as it is now; the fields are emptied, the password first of all.
      form.reset();
      saved(a.data.payoutAccount);
      const where = bankAccountPhrase(a.data.payoutAccount);
      return say(status, a.data.changed ? `Payouts now go to ${where}.` : `Payouts went to ${where} already: nothing changed.`);
    }
    showRefusal(a, fields, status);
  }
}

/** A refusal beside the field it is about, that field focused; anything else in the form's status line. */
function showRefusal(a: PageAnswer<unknown>, fields: Record<Field, CheckedField>, status: HTMLElement): void {
  if (a.code === ResultCode.PARAM_ERROR) {
    const refusal = bankAccountRefusal(a.msg);
    if (refusal.field !== null) return fields[refusal.field].mark(refusal.words);
    if (a.msg.startsWith(PASSWORD_REFUSED)) return fields.password.mark(`Your password ${a.msg.slice(PASSWORD_REFUSED.length)}`);
  }
  if (a.code === ResultCode.SIGN_IN_FAILED) {
    fields.password.input.value = '';
    return fields.password.mark('The password is not right, so the payout account was not changed. Five wrong passwords in a row lock you out for 15 minutes and sign you out.');
  }
  if (a.code === ResultCode.SIGN_IN_RATE_LIMITED) {
    const wait = /try again in ([0-9]+) s/.exec(a.msg);
    return fields.password.mark(`Too many password tries for now: try again in ${wait?.[1] ?? 'a few'} seconds. The payout account was not changed.`);
  }
  // The try that locks also ends the session (so a taken-over session cannot go on guessing): the sign-in says why.
  if (a.code === ResultCode.USER_DISABLED) return saySignedOut('Your user was disabled, so you are signed out, and the payout account was not changed.');
  if (a.code === ResultCode.SIGN_IN_LOCKED) {
    return saySignedOut('Too many wrong passwords in a row: you are locked out for 15 minutes and signed out, and the payout account was not changed. '
      + 'Another owner (Users, Reset password) or the operator (micropay merchant-user reset) can unlock you sooner with a new password.');
  }
  say(status, `${a.msg} (${a.code})`, 'error');
}

/** A labelled input with its error underneath, tied to it by aria-describedby. */
interface CheckedField {
  readonly wrap: HTMLElement;
  readonly input: HTMLInputElement;
  /** Says what is wrong under the field and focuses it. */
  mark(text: string): void;
  clear(): void;
}

/** `alsoDescribedBy`: the id of a note the input is described by too, before its error. */
function checkedField(id: string, label: string, input: Partial<HTMLInputElement>, alsoDescribedBy?: string): CheckedField {
  const field = labelled(id, label, input);
  const error = Object.assign(document.createElement('p'), { id: `${id}-error`, className: 'field-error' });
  error.dataset.tone = 'error';
  field.input.setAttribute('aria-describedby', alsoDescribedBy === undefined ? error.id : `${alsoDescribedBy} ${error.id}`);
  field.wrap.append(error);
  return {
    wrap: field.wrap,
    input: field.input,
    mark(text: string): void {
      error.textContent = text;
      field.input.setAttribute('aria-invalid', 'true');
      // The focus on the field reads its label and, as its description, what is wrong.
      field.input.focus();
    },
    clear(): void {
      error.textContent = '';
      field.input.removeAttribute('aria-invalid');
    },
  };
}
