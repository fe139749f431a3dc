import { ResultCode } from '@micropay/protocol';
import type { PasswordCheck } from '../services/page-access.js';
import { answer } from './answer.js';
import type { Answer, ApiContext, ApiRequest } from './context.js';
import { withCookieCleared } from './page-session.js';
import { signInRefused } from './sign-in-limits.js';

/**
 * A signed-in user's password asked again before a change (the payout account, Your password)
 * that was not right, answered alike for every such change; `unchanged` says what stays as it was.
 * The try that locks the user, or a user disabled meanwhile, also ends this session, so a session
 * taken over cannot go on guessing; the failed try's row in the audit log says why it ended. That
 * answer clears the merchant console's cookie, as a sign-out's does, and so tells no time left.
 */
export async function passwordAskedAgainRefused(
  ctx: ApiContext, asked: { req: ApiRequest; account: string; sessionId: string }, kind: Exclude<PasswordCheck['kind'], 'right'>, unchanged: string,
): Promise<Answer> {
  // Logged as a refused sign-in: a session taken over and guessing is what an operator alerts on.
  const refused = (a: Answer) => signInRefused(ctx, asked.req, asked.account, kind, a);
  if (kind === 'wrong') return refused(answer(ResultCode.SIGN_IN_FAILED, null, `the password is not right: ${unchanged}`));
  await ctx.store.endPageSession(asked.sessionId);
  const ended = kind === 'locked'
    ? answer(ResultCode.SIGN_IN_LOCKED, null, 'you are signed out; sign in again once the lock has ended')
    : answer(ResultCode.USER_DISABLED, null, `your user was disabled: ${unchanged}`);
  return refused(withCookieCleared('merchant', asked.req, ended));
}
