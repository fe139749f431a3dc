/**
 * Characters no name or logged text may hold: control characters (C0, DEL, C1) would corrupt
 * statements, logs and terminals, and bidi controls would reorder what a console shows after them.
 */
export const CONTROL_OR_BIDI = /[\p{Cc}\u200E\u200F\u202A-\u202E\u2066-\u2069]/u;
export const CONTROL_OR_BIDI_ALL = new RegExp(CONTROL_OR_BIDI.source, 'gu');

/**
 * The rule of free text an operator or merchant types for the record (a payout's request id or
 * fail reason, a bank's name, a reversal's reason): bounded and printable, as lists and reports
 * show it. Why not, or null. The CLI and the consoles both ask it.
 */
export function printableTextProblem(value: string, max: number): string | null {
  return value.length === 0 || value.length > max || CONTROL_OR_BIDI.test(value) ? `must be 1 to ${max} printable characters` : null;
}
