/**
 * A wallet's PIN, as the platform checks it and the pages explain it: 4 to 6 digits, and the wrong
 * PINs in a row after which sign-in and confirmation lock until an operator unlocks them.
 */
export const PIN_RULE = /^[0-9]{4,6}$/;
export const MAX_PIN_FAILURES = 5;
