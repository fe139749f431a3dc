/**
 * A field the page refused: marked (aria-invalid), described by what was said of it (`said`'s id
 * added to its aria-describedby), and focused. Typing in it again takes the mark and the
 * description off, and calls `fixed` (to empty what was said). The one way every form of the pages
 * ties a refusal to its field.
 */
export function markRefused(input: HTMLInputElement, said: HTMLElement, fixed: () => void = () => undefined): void {
  // Refused again before it was typed in: it is marked and described already, and waits to be fixed.
  if (input.getAttribute('aria-invalid') === 'true' && input.getAttribute('aria-describedby')?.split(' ').includes(said.id)) return input.focus();
  const before = input.getAttribute('aria-describedby');
  const ids = (before ?? '').split(' ').filter((id) => id !== '' && id !== said.id);
  input.setAttribute('aria-invalid', 'true');
  input.setAttribute('aria-describedby', [said.id, ...ids].join(' '));
  input.addEventListener('input', () => {
    input.removeAttribute('aria-invalid');
    // As it was: a description of its own (the sign-in's error line, a note) stays.
    if (before === null) input.removeAttribute('aria-describedby');
    else input.setAttribute('aria-describedby', before);
    fixed();
  }, { once: true });
  input.focus();
}
