import type { Secret } from '@micropay/protocol';
import type { Effect } from './effects.js';
import { merchantIdCandidates, merchantIdProblem } from './ids.js';
import type { Merchant } from './model.js';
import { CONTROL_OR_BIDI } from './text.js';

/** The longest merchant name: receipts, statements and every answer's `merchantName` carry it. */
export const MERCHANT_NAME_MAX = 100;

/**
 * Why `name` cannot be a merchant's name, or null when it can. The name is signed in every answer
 * (`merchantName`), and signing joins values with "|", so a "|" in it would let an answer's
 * fields be re-split under the same hash; control characters would corrupt statements and logs.
 */
export function merchantNameProblem(name: string): string | null {
  if (name.trim() === '') return 'a merchant name must not be empty';
  if (name.length > MERCHANT_NAME_MAX) return `a merchant name is at most ${MERCHANT_NAME_MAX} characters`;
  if (name.includes('|')) return 'a merchant name must not contain "|": answers sign it, and values are joined with "|" to be signed';
  if (CONTROL_OR_BIDI.test(name)) return 'a merchant name must not contain control characters (tabs, line breaks) or bidi controls';
  return null;
}

export class MerchantNameError extends Error {
  override name = 'MerchantNameError';
}

/** Throws when `name` may not be a merchant's name: the stores check it on every write of one. */
export function checkMerchantName(name: string): void {
  const problem = merchantNameProblem(name);
  if (problem !== null) throw new MerchantNameError(problem);
}

export interface NewMerchant {
  readonly name: string;
  readonly apiKey: Secret;
  readonly notifyUrl?: string | null;
  /**
   * Imports the merchant under this id (one that `merchantIdProblem` accepts) instead of
   * generating one; `MerchantIdTakenError` when a merchant has it already.
   */
  readonly mchId?: string;
}

/** createMerchant was asked to import a merchant under an id another merchant has. */
export class MerchantIdTakenError extends Error {
  override name = 'MerchantIdTakenError';

  constructor(readonly mchId: string) {
    super(`merchant id ${mchId} is taken`);
  }
}

/**
 * The id to import a merchant under, checked once more here: callers check `merchantIdProblem`
 * first and tell the person; reaching a store with a bad id is a bug in the caller.
 */
export function importedMerchantId(mchId: string): string {
  const problem = merchantIdProblem(mchId);
  if (problem !== null) throw new Error(`cannot import a merchant under ${JSON.stringify(mchId.slice(0, 40))}: ${problem}`);
  return mchId;
}

/** A new merchant and its effect: active, its key never rolled, its ledger account opened with it. */
export function openMerchant(input: NewMerchant, mchId: string, nowMs: number): { merchant: Merchant; effects: Effect[] } {
  checkMerchantName(input.name);
  const merchant: Merchant = {
    mchId, name: input.name, apiKey: input.apiKey, previousKey: null, keyRolledAtMs: null, keyFirstUsedAtMs: null,
    status: 'active', notifyUrl: input.notifyUrl ?? null, createdAtMs: nowMs,
  };
  return { merchant, effects: [{ kind: 'insertMerchant', merchant }] };
}

/**
 * The first generated id (ids.ts) no merchant has, for a merchant joining at `atMs`; `taken` is
 * every id that carries that month's prefix, imported ones included.
 */
export function freeMerchantId(atMs: number, timeZone: string, taken: ReadonlySet<string>): string {
  for (const mchId of merchantIdCandidates(atMs, timeZone, taken.size)) if (!taken.has(mchId)) return mchId;
  throw new Error('unreachable: merchant id candidates never end');
}
