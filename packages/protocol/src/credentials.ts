/**
 * Credentials' rules the platform checks and the pages explain: a wallet PIN's shape, and the wrong
 * tries in a row that lock an account. The count is every account's: a wallet's PIN (locked until
 * an operator unlocks it), a merchant user's or an operator's password (locked for 15 minutes).
 */
export const PIN_RULE = /^[0-9]{4,6}$/;
export const MAX_PIN_FAILURES = 5;
