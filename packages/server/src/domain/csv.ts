/**
 * CSV as finance opens it (RFC 4180: comma-separated, CRLF line ends, a field quoted only when it
 * holds a quote, comma or line end), written once for the merchant's statement and the operator's
 * payout file.
 */

/**
 * A value a spreadsheet would read as a formula gets a leading `'`: one that starts with `=`, `+`,
 * `-`, `@`, a tab or a carriage return, unless it is a plain number. So an amount like `-3.00`
 * stays a number, while a holder's name typed as `-A1-B1` or `=HYPERLINK(…)` stays text.
 */
export function csvField(value: string): string {
  if (/^[=+\-@\t\r]/.test(value) && !/^-[0-9]+(\.[0-9]+)?$/.test(value)) value = `'${value}`;
  return /[",\r\n]/.test(value) ? `"${value.replace(/"/g, '""')}"` : value;
}

export function csvLine(fields: readonly string[]): string {
  return fields.map(csvField).join(',');
}

/** The lines of a file, each ended by CRLF. */
export function csvText(lines: readonly string[]): string {
  return lines.map((line) => `${line}\r\n`).join('');
}
