import { say } from './page.js';

/**
 * A sign-in form's empty field is said before anything is sent ("Type the merchant id first."), in
 * the words of its `data-missing` attribute, instead of the server's "param error: mchId is
 * required". The field is marked, described by the form's error line, and focused. A field
 * without `data-missing` (the operator's authenticator code) may stay empty. True: send it.
 */
export function signInFormFilled(form: HTMLFormElement, error: HTMLElement): boolean {
  const inputs = [...form.querySelectorAll<HTMLInputElement>('input')];
  for (const input of inputs) input.removeAttribute('aria-invalid');
  const empty = inputs.find((input) => input.dataset.missing !== undefined && input.value.trim() === '');
  if (empty === undefined) return true;
  say(error, `Type ${empty.dataset.missing} first.`, 'error');
  empty.setAttribute('aria-invalid', 'true');
  const described = (empty.getAttribute('aria-describedby') ?? '').split(' ').filter((id) => id !== '');
  if (!described.includes(error.id)) empty.setAttribute('aria-describedby', [...described, error.id].join(' '));
  empty.focus();
  return false;
}
