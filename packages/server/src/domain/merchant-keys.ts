import type { Secret } from '@micropay/protocol';
import type { Merchant } from './model.js';

/**
 * Rolling a merchant's key (docs/api.md, "Rolling your key"). A roll gives the merchant a new
 * current key and keeps one previous key verifying requests for an overlap window, so the
 * merchant can move its tills over without a moment in which no key works.
 *
 * Answers and notifications are signed with the previous key until the merchant has sent one
 * request signed with the new key (it has the key in service, so it can verify with it), and with
 * the new key from that request on, that request's own answer included. After the window only the
 * new key verifies and signs.
 */

/** The default overlap window of `micropay merchant roll-key`. */
export const DEFAULT_KEY_OVERLAP_MS = 24 * 60 * 60 * 1000;

/** Which of the merchant's keys signed a request. */
export type KeyUsed = 'current' | 'previous';

/** The previous key while its overlap window is open; null otherwise. */
export function previousKeyInOverlap(merchant: Merchant, nowMs: number): Secret | null {
  const previous = merchant.previousKey;
  return previous !== null && nowMs < previous.untilMs ? previous.key : null;
}

/**
 * The key that signs an answer or notification to the merchant now: the one place this is chosen.
 * An answer to a request is signed with the key that signed the request, so a till still on the
 * previous key can verify its answers while other tills already use the new one. A notification
 * answers no request: it is signed with the current key, unless a window is open and the merchant
 * has not used the current key yet.
 */
export function answerKey(merchant: Merchant, nowMs: number, requestKey?: KeyUsed): Secret {
  const previous = previousKeyInOverlap(merchant, nowMs);
  if (previous === null || requestKey === 'current') return merchant.apiKey;
  return requestKey === 'previous' || merchant.keyFirstUsedAtMs === null ? previous : merchant.apiKey;
}

/** A merchant as its answers and notifications are made: `apiKey` is the key that signs them now. */
export interface AnsweringMerchant {
  readonly mchId: string;
  readonly name: string;
  readonly apiKey: Secret;
}

export function answeringMerchant(merchant: Merchant, nowMs: number, requestKey?: KeyUsed): AnsweringMerchant {
  return { mchId: merchant.mchId, name: merchant.name, apiKey: answerKey(merchant, nowMs, requestKey) };
}

/**
 * A request verified with a rolled-to key whose first use is not recorded yet. Inside the window
 * that use switches the answers to the new key; after it (or with no window) it is recorded all the
 * same, once, so the operator sees whether the merchant ever moved to the new key.
 */
export function isFirstUseOfNewKey(merchant: Merchant, used: KeyUsed): boolean {
  return used === 'current' && merchant.keyRolledAtMs !== null && merchant.keyFirstUsedAtMs === null;
}

/** The merchant's key columns after a roll. */
export interface RolledKeys {
  readonly apiKey: Secret;
  readonly previousKey: { readonly key: Secret; readonly untilMs: number };
  readonly keyRolledAtMs: number;
  readonly keyFirstUsedAtMs: null;
}

/**
 * Rolls `merchant` to `newKey`, keeping for `overlapMs` the key the merchant is known to have in
 * service. That is the current key, unless a window is still open and the current key was never
 * used: then the merchant is still on the previous key (it may have lost the unused one, a common
 * reason to roll again), so the previous key stays, with a fresh window, and the unused key stops.
 */
export function rollKeys(merchant: Merchant, newKey: Secret, overlapMs: number, nowMs: number): RolledKeys {
  if (!Number.isSafeInteger(overlapMs) || overlapMs < 0) throw new RangeError(`an overlap window is a whole number of ms ≥ 0, not ${overlapMs}`);
  if (newKey.expose() === merchant.apiKey.expose()) throw new Error('a rolled key must differ from the current key');
  const previousInService = previousKeyInOverlap(merchant, nowMs);
  const keep = previousInService !== null && merchant.keyFirstUsedAtMs === null ? previousInService : merchant.apiKey;
  return { apiKey: newKey, previousKey: { key: keep, untilMs: nowMs + overlapMs }, keyRolledAtMs: nowMs, keyFirstUsedAtMs: null };
}
