/** What undoes the mark of the field each line of text describes now: one field per line at a time. */
const markedBy = new WeakMap<HTMLElement, { readonly input: HTMLInputElement; readonly undo: () => void }>();

/**
 * A field the page refused: marked (aria-invalid), described by what was said of it (`said`'s id
 * added to its aria-describedby), and focused. Typing in it again takes the mark and the
 * description off, and calls `fixed` (to empty what was said). The one way every form of the pages
 * ties a refusal to its field. A line shared by several fields (a section's status line) describes
 * the last one refused: the field marked before through it is unmarked.
 */
export function markRefused(input: HTMLInputElement, said: HTMLElement, fixed: () => void = () => undefined): void {
  const earlier = markedBy.get(said);
  // Refused again before it was typed in: it is marked and described already, and waits to be fixed.
  if (earlier?.input === input && input.isConnected) return input.focus();
  earlier?.undo();
  const before = input.getAttribute('aria-describedby');
  const ids = (before ?? '').split(' ').filter((id) => id !== '' && id !== said.id);
  input.setAttribute('aria-invalid', 'true');
  input.setAttribute('aria-describedby', [said.id, ...ids].join(' '));
  const undo = () => {
    input.removeEventListener('input', typed);
    input.removeAttribute('aria-invalid');
    // As it was: a description of its own (the sign-in's error line, a note) stays.
    if (before === null) input.removeAttribute('aria-describedby');
    else input.setAttribute('aria-describedby', before);
    if (markedBy.get(said)?.input === input) markedBy.delete(said);
  };
  const typed = () => {
    undo();
    fixed();
  };
  input.addEventListener('input', typed);
  markedBy.set(said, { input, undo });
  input.focus();
}
