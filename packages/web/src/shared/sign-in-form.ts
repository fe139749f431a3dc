import { markRefused } from './field-problem.js';
import { say } from './page.js';

/**
 * A sign-in form's empty field is said before anything is sent ("Type the merchant id first."), in
 * the words of its `data-missing` attribute, instead of the server's "param error: mchId is
 * required". The field is marked, described by the form's error line, and focused. A field
 * without `data-missing` (the operator's authenticator code) may stay empty. True: send it.
 */
export function signInFormFilled(form: HTMLFormElement, error: HTMLElement): boolean {
  const empty = [...form.querySelectorAll<HTMLInputElement>('input')].find((input) => input.dataset.missing !== undefined && input.value.trim() === '');
  if (empty === undefined) return true;
  say(error, `Type ${empty.dataset.missing} first.`, 'error');
  markRefused(empty, error);
  return false;
}
