import { maskedText } from '../shared/masked.js';
/** Small pieces of the merchant console's forms and tables (labelled fields, text-only cells). */
export function field(id: string, label: string, value = '', placeholder = '', type = 'text', maxLength = 40): HTMLElement {
  const wrap = document.createElement('div');
  const l = Object.assign(document.createElement('label'), { htmlFor: id, textContent: label });
  const input = Object.assign(document.createElement('input'), { id, name: id, type, value, placeholder, autocomplete: 'off', spellcheck: false, maxLength });
  wrap.append(l, input);
  return wrap;
}

/** A cell of text: never HTML from an answer. */
export function textCell(text: string): HTMLTableCellElement {
  const cell = document.createElement('td');
  cell.append(maskedText(text));
  return cell;
}
