/** How the platform masks a value it shows only the end of: a wallet id, a payment code, an account number. */
const MASK = '•••• ';

/**
 * Text that may hold a masked value ("•••• 3421"), seen as it is and read out as "ending 3421": a
 * screen reader otherwise says "bullet" four times. The words are for the ear only (base.css
 * `.visually-hidden`), the bullets for the eye only.
 */
export function maskedText(text: string): Node {
  const at = text.indexOf(MASK);
  if (at < 0) return document.createTextNode(text);
  const seen = Object.assign(document.createElement('span'), { textContent: MASK });
  seen.setAttribute('aria-hidden', 'true');
  const heard = Object.assign(document.createElement('span'), { textContent: 'ending ', className: 'visually-hidden' });
  // One element, not a run of pieces: in a phone's table card (a grid) each piece would be a cell
  // of its own, the end of the number wrapped under the column's name.
  const out = document.createElement('span');
  out.append(text.slice(0, at), seen, heard, maskedText(text.slice(at + MASK.length)));
  return out;
}
