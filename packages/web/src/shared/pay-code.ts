import { PAY_CODE } from '@micropay/protocol/fields';

/**
 * The payment code as people see and type it. The rule of what a code is comes from the wire
 * format's own field rules (protocol's PAY_CODE), so a page never accepts what the API refuses.
 */

/** The digits of a code as read from a field or a scan: spaces and dashes people type are dropped. */
export function normalizePayCode(typed: string): string {
  return typed.replace(/[\s-]/g, '');
}

export function isPayCode(text: string): boolean {
  return PAY_CODE.test(text);
}

/** Groups of 4 (the last one shorter), as people read a long number aloud: 3957 1487 4945 0381 55. */
export function groupDigits(digits: string): string[] {
  return digits.match(/.{1,4}/g) ?? [];
}

/** The same groups with every digit hidden, so the shape stays but a bystander reads nothing. */
export function maskDigits(digits: string): string[] {
  return groupDigits(digits).map((group) => '•'.repeat(group.length));
}
