/**
 * Lengths of the text people type that the platform checks and the pages' fields also hold to:
 * written once so a field never takes more than the server keeps. No Node.js imports.
 */

/** Why an operator or owner did something (a reversal, a failed payout): the audit log keeps it whole. */
export const MAX_REASON_LENGTH = 200;

/** A refund's reason, at the merchant API (its `reason`) and in the consoles alike. */
export const REFUND_REASON_MAX_LENGTH = 128;

/** A bank account's holder name and bank name. */
export const MAX_BANK_TEXT_LENGTH = 100;
