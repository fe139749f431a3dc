import { fail, ResultCode, text } from '@micropay/protocol';
import { MerchantIdTakenError } from '../domain/merchant.js';
import { WalletHoldsPendingError, WalletRefundsInProcessError } from '../domain/payout.js';
import { WalletBalanceLimitError, WalletClosedError } from '../domain/wallet.js';
import { TopUpReversalRefused } from '../domain/top-up-reversal.js';
import type { BadInput } from '../services/operator-actions.js';
import { answer } from './answer.js';
import type { Answer } from './context.js';

/**
 * What the operator console's actions share (docs/consoles.md): who acts, for the audit log; the
 * refusals of a wallet's or merchant's state, in words (9060); the input rules' answer (1021); and
 * a page's cursor and size.
 */

/** The state refusals the store's service methods throw; nothing was written. Others are bugs. */
const STATE_REFUSALS = [WalletClosedError, WalletBalanceLimitError, WalletHoldsPendingError, WalletRefundsInProcessError, TopUpReversalRefused, MerchantIdTakenError];

/** Runs an action; a refusal of the state is answered 9060 with its reason, in words. */
export async function refusedInWords(run: () => Promise<Answer>): Promise<Answer> {
  try {
    return await run();
  } catch (error) {
    if (STATE_REFUSALS.some((kind) => error instanceof kind)) {
      const message = error instanceof MerchantIdTakenError ? `merchant ${error.mchId} exists already; nothing was created` : (error as Error).message;
      return answer(ResultCode.ACTION_REFUSED, null, message);
    }
    throw error;
  }
}

/** The input rules' refusal (services/operator-actions.ts): the field in the page's own name. */
export function badInputAnswer(b: BadInput, field: string): Answer {
  return answer(ResultCode.PARAM_ERROR, null, `${field} ${b.problem}`);
}

/** An optional text field: undefined when absent or null. */
export function optionalText(body: Record<string, unknown>, field: string): string | undefined {
  return text(body, field) ?? undefined;
}

/** A page's `cursor` (text) and `limit` (a whole number), both optional; their ranges are the read model's. */
export function pageOf(body: Record<string, unknown>): { cursor: string | undefined; limit: number | undefined } {
  const limit = body.limit;
  if (limit !== undefined && limit !== null && (typeof limit !== 'number' || !Number.isSafeInteger(limit))) fail('limit', 'must be a whole number');
  return { cursor: optionalText(body, 'cursor'), limit: typeof limit === 'number' ? limit : undefined };
}
