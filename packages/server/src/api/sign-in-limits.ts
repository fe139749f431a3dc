import { ResultCode } from '@micropay/protocol';
import { addressKey } from '../domain/sign-in-limits.js';
import { answer } from './answer.js';
import type { Answer, ApiContext, ApiRequest } from './context.js';

/**
 * The sign-ins' pace (domain/sign-in-limits.ts), for every page that takes a password or PIN: one
 * attempt taken from the request's address and from the account it names, before anything is
 * read or hashed. Null: go on; else the refusal, 9023 with Retry-After in whole seconds.
 */
export function signInRefusal(ctx: ApiContext, req: ApiRequest, account: string): Answer | null {
  const permit = ctx.signInLimits.take(addressKey(req.clientAddress), account, ctx.clock.nowMs());
  if (permit.ok) return null;
  const seconds = Math.max(1, Math.ceil(permit.retryAfterMs / 1000));
  const limited = { ...answer(ResultCode.SIGN_IN_RATE_LIMITED, null, `try again in ${seconds} s`), headers: { 'Retry-After': String(seconds) } };
  return signInRefused(ctx, req, account, 'rate-limited', limited);
}

export type SignInOutcome = 'wrong' | 'locked' | 'disabled' | 'rate-limited';

/**
 * A refused sign-in in the operator's log, for alerting on someone guessing: the account, the
 * address and why (never what was typed). A wrong try or a disabled user is `info`; a locked
 * account or a try over the pace is `warn`. Answers `refusal` unchanged.
 */
export function signInRefused(ctx: ApiContext, req: ApiRequest, account: string, outcome: SignInOutcome, refusal: Answer): Answer {
  const entry = { reqId: req.requestId, account, address: req.clientAddress ?? null, outcome, code: refusal.envelope.code };
  if (outcome === 'wrong' || outcome === 'disabled') ctx.logger.info(entry, 'sign-in refused');
  else ctx.logger.warn(entry, 'sign-in refused');
  return refusal;
}

/** The accounts as the buckets name them: a merchant's user (till and console alike), an operator, a wallet. */
export const merchantUserAccount = (mchId: string, name: string): string => `user ${mchId} ${name}`;
export const operatorAccount = (name: string): string => `operator ${name}`;
export const walletAccount = (walletId: string): string => `wallet ${walletId}`;
