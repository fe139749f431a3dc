import { fail } from '@micropay/protocol';

/**
 * A console page's money fields are decimal strings (docs/consoles.md, "The sections' APIs"): a
 * JSON number is refused, since it may be a rounded float before anyone reads it. (The merchant
 * API takes a number in its string form, as the spec's signatures do; the pages are ours and
 * send text.)
 */
export function refuseMoneyAsNumber(body: Record<string, unknown>, fields: readonly string[]): void {
  for (const field of fields) {
    const value = body[field];
    if (value !== undefined && value !== null && typeof value !== 'string') fail(field, 'must be a decimal string such as "10.00"');
  }
}
