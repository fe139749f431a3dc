import { ResultCode, verify, type Parsed, type SignableParams } from '@micropay/protocol';
import type { Merchant } from '../domain/model.js';
import { answer } from './answer.js';
import type { Answer, ApiContext } from './context.js';

export type Authenticated<T> = { ok: true; cmd: T; merchant: Merchant } | { ok: false; answer: Answer };

/**
 * Every merchant endpoint starts here: the field rules, then the merchant, its signature, its
 * status and the request's freshness, in that order. The first failure is the answer.
 */
export async function authenticate<T extends { mchId: string; timestampMs: number }>(
  ctx: ApiContext,
  parsed: Parsed<T>,
  body: Record<string, unknown>,
): Promise<Authenticated<T>> {
  if (!parsed.ok) return { ok: false, answer: answer(parsed.code, null, parsed.msg) };
  const merchant = await ctx.store.findMerchantForAuth(parsed.value.mchId);
  if (merchant === null) return { ok: false, answer: answer(ResultCode.NO_RECORD, null, 'no such merchant') };
  if (!verify(body as SignableParams, merchant.apiKey.expose())) {
    return { ok: false, answer: answer(ResultCode.SIGNATURE_ERROR, null, 'secureHash does not match the request') };
  }
  if (merchant.status !== 'active') return { ok: false, answer: answer(ResultCode.MERCHANT_LOCKED) };
  const windowS = ctx.config.timestampWindowS;
  if (Math.abs(ctx.clock.nowMs() - parsed.value.timestampMs) > windowS * 1000) {
    return { ok: false, answer: answer(ResultCode.PARAM_ERROR, null, `timestamp is more than ${windowS} s away from the server clock`) };
  }
  return { ok: true, cmd: parsed.value, merchant };
}
