import { ResultCode, timestampWindowDetail, verify, type Parsed, type SignableParams } from '@micropay/protocol';
import {
  answeringMerchant,
  isFirstUseOfNewKey,
  previousKeyInOverlap,
  type AnsweringMerchant,
  type KeyUsed,
} from '../domain/merchant-keys.js';
import type { Merchant } from '../domain/model.js';
import { answer } from './answer.js';
import type { Answer, ApiContext } from './context.js';

/** `merchant` carries the key this answer is signed with (answerKey, domain/merchant-keys.ts). */
export type Authenticated<T> = { ok: true; cmd: T; merchant: AnsweringMerchant } | { ok: false; answer: Answer };

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
  // One instant for the whole check: the key's overlap window, the request's freshness, the answer's key.
  const nowMs = ctx.clock.nowMs();
  const used = keyUsed(body as SignableParams, merchant, nowMs);
  if (used === null) {
    return { ok: false, answer: answer(ResultCode.SIGNATURE_ERROR, null, 'secureHash does not match the request') };
  }
  if (merchant.status !== 'active') return { ok: false, answer: answer(ResultCode.MERCHANT_LOCKED) };
  const windowS = ctx.config.timestampWindowS;
  if (Math.abs(nowMs - parsed.value.timestampMs) > windowS * 1000) {
    return { ok: false, answer: answer(ResultCode.PARAM_ERROR, null, timestampWindowDetail(parsed.value.timestampMs, windowS)) };
  }
  // The first request signed with a rolled key is recorded (one write per roll, never per
  // request): from then on notifications are signed with the new key too.
  if (isFirstUseOfNewKey(merchant, used)) await ctx.store.recordKeyFirstUse(merchant.mchId, merchant.apiKey);
  return { ok: true, cmd: parsed.value, merchant: answeringMerchant(merchant, nowMs, used) };
}

/** The key the request is signed with: the current one, or the previous one during its window. */
function keyUsed(body: SignableParams, merchant: Merchant, nowMs: number): KeyUsed | null {
  if (verify(body, merchant.apiKey.expose())) return 'current';
  const previous = previousKeyInOverlap(merchant, nowMs);
  return previous !== null && verify(body, previous.expose()) ? 'previous' : null;
}
