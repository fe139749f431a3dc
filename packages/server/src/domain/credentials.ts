import { createHash, randomBytes, scrypt, timingSafeEqual } from 'node:crypto';
import { promisify } from 'node:util';
import { MAX_PIN_FAILURES, PIN_RULE } from '@micropay/protocol/credentials';
import { newApiKey } from './ids.js';

/**
 * Wallet credentials. The bearer token is long and random, so a plain SHA-256 of it is a safe
 * stored form and lets the store find the wallet by it. A PIN is short and guessable, so it is
 * stored as salted scrypt and compared in constant time; wrong tries are counted and capped.
 */
const scryptAsync = promisify(scrypt) as (password: string, salt: Buffer, keylen: number) => Promise<Buffer>;

export const WALLET_TOKEN_PREFIX = 'wt_';
/** The PIN's shape and the wrong tries in a row before a lock: the pages say them too. */
export { MAX_PIN_FAILURES, PIN_RULE };

/**
 * The PIN lockout. A try is taken (counted) before the slow comparison, so concurrent guesses
 * cannot outrun the lock; `triesTaken` is the count after taking it, null when none was left.
 *   locked: no try was left, or this wrong PIN used the last one;
 *   wrong: the PIN did not match, `triesLeft` more may be made;
 *   right: the PIN matched; the store clears the count it took (`triesTaken`).
 */
export type PinCheck =
  | { readonly kind: 'locked' }
  | { readonly kind: 'wrong'; readonly triesLeft: number }
  | { readonly kind: 'right'; readonly triesTaken: number };

/** Whether confirmation is locked until an operator unlocks it (the wrong PINs in a row reached the cap). */
export function isPinLocked(pinFailures: number): boolean {
  return pinFailures >= MAX_PIN_FAILURES;
}

/**
 * How long a merchant user (owner or cashier) or operator stays locked after the wrong password or
 * code that made 5 in a row (docs/consoles.md, "Sign-in limits"). A lock that ends by itself keeps a
 * guessed name from being locked out until someone runs a CLI reset; a reset still unlocks at once.
 */
export const ACCOUNT_LOCKOUT_MS = 15 * 60_000;

/** An account's wrong tries in a row, and when they reached MAX_PIN_FAILURES (null: not locked). */
export interface AccountLock {
  readonly failures: number;
  readonly lockedAtMs: number | null;
}

/**
 * The account lockout, the one rule for merchant users and operators: locked from the try that
 * made MAX_PIN_FAILURES wrong in a row until ACCOUNT_LOCKOUT_MS later. (A wallet's PIN keeps
 * isPinLocked alone: it also locks confirming payments, which only an operator unlocks.)
 */
export function isAccountLocked(a: AccountLock, nowMs: number): boolean {
  return accountLockEndsAt(a, nowMs) !== null;
}

/** When the account's lock ends by itself, or null when it is not locked now. */
export function accountLockEndsAt(a: AccountLock, nowMs: number): number | null {
  if (!isPinLocked(a.failures) || a.lockedAtMs === null) return null;
  const ends = a.lockedAtMs + ACCOUNT_LOCKOUT_MS;
  return nowMs < ends ? ends : null;
}

/**
 * One try taken from the account before the slow comparison: the count after taking it and the lock
 * it makes, or null while locked. After a lock has ended the count starts again at this try.
 */
export function takeAccountTry(a: AccountLock, nowMs: number): AccountLock | null {
  if (isAccountLocked(a, nowMs)) return null;
  const failures = (isPinLocked(a.failures) ? 0 : a.failures) + 1;
  return { failures, lockedAtMs: isPinLocked(failures) ? nowMs : null };
}

/** The account after a right password or code: its count cleared, unless other tries were taken meanwhile. */
export const ACCOUNT_CLEARED: AccountLock = { failures: 0, lockedAtMs: null };

export function decidePinTry(triesTaken: number | null, matches: boolean): PinCheck {
  if (triesTaken === null) return { kind: 'locked' };
  if (matches) return { kind: 'right', triesTaken };
  if (isPinLocked(triesTaken)) return { kind: 'locked' };
  return { kind: 'wrong', triesLeft: MAX_PIN_FAILURES - triesTaken };
}

/**
 * Why `key` cannot be a merchant's API key, or null when it can. Generated keys are 32 base62
 * characters; an imported key (a merchant moving from another platform) may be any printable ASCII
 * without spaces, long enough not to be guessed and short enough to bound the signed text.
 */
export function merchantKeyProblem(key: string): string | null {
  if (!/^[\x21-\x7e]*$/.test(key)) return 'a merchant key is printable ASCII without spaces';
  // The signature appends the key after a "|"; keys with one are refused to keep signing text plain.
  if (key.includes('|')) return 'a merchant key must not contain "|"';
  if (key.length < MERCHANT_KEY_MIN || key.length > MERCHANT_KEY_MAX) {
    return `a merchant key is ${MERCHANT_KEY_MIN} to ${MERCHANT_KEY_MAX} characters long`;
  }
  return null;
}

const MERCHANT_KEY_MIN = 16;
const MERCHANT_KEY_MAX = 128;

export function newWalletToken(): string {
  return WALLET_TOKEN_PREFIX + newApiKey();
}

export function hashWalletToken(token: string): string {
  return createHash('sha256').update(token, 'utf8').digest('hex');
}

export async function hashPin(pin: string): Promise<string> {
  const salt = randomBytes(16);
  const hash = await scryptAsync(pin, salt, 32);
  return `scrypt$${salt.toString('base64')}$${hash.toString('base64')}`;
}

export async function pinMatches(pin: string, stored: string): Promise<boolean> {
  const [scheme, salt, hash] = stored.split('$');
  if (scheme !== 'scrypt' || salt === undefined || hash === undefined) return false;
  const expected = Buffer.from(hash, 'base64');
  const actual = await scryptAsync(pin, Buffer.from(salt, 'base64'), expected.length);
  return timingSafeEqual(actual, expected);
}
