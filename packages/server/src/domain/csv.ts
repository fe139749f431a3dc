/**
 * CSV as finance opens it (RFC 4180: comma-separated, CRLF line ends, a field quoted only when it
 * holds a quote, comma or line end), written once for the merchant's statement and the operator's
 * payout file.
 */

/**
 * A value a spreadsheet would run as a formula gets a leading `'`: one that starts with `=`, `+`,
 * `@`, a tab or a carriage return, or with `-` and then anything but the letters, digits, `_`, `.`
 * and `-` of ids and amounts (a formula needs an operator, a bracket or a `|` after it). So an
 * amount like `-3.00` and an order id like `s-b` stay as they are, and a bank holder's name typed
 * as `-2+3+cmd|…` does not run.
 */
export function csvField(value: string): string {
  if (/^[=+@\t\r]/.test(value) || /^-(?![A-Za-z0-9_.-]*$)/.test(value)) value = `'${value}`;
  return /[",\r\n]/.test(value) ? `"${value.replace(/"/g, '""')}"` : value;
}

export function csvLine(fields: readonly string[]): string {
  return fields.map(csvField).join(',');
}

/** The lines of a file, each ended by CRLF. */
export function csvText(lines: readonly string[]): string {
  return lines.map((line) => `${line}\r\n`).join('');
}
