import { ResultCode } from '@micropay/protocol';
import type { PasswordCheck } from '../services/page-access.js';
import { answer } from './answer.js';
import type { Answer, ApiContext } from './context.js';

/**
 * A signed-in user's password asked again before a change (the payout account, Your password)
 * that was not right, answered alike for every such change; `unchanged` says what stays as it was.
 * The try that locks the user, or a user disabled meanwhile, also ends this session, so a session
 * taken over cannot go on guessing; the failed try's row in the audit log says why it ended.
 */
export async function passwordAskedAgainRefused(
  ctx: ApiContext, sessionId: string, kind: Exclude<PasswordCheck['kind'], 'right'>, unchanged: string,
): Promise<Answer> {
  if (kind === 'wrong') return answer(ResultCode.SIGN_IN_FAILED, null, `the password is not right: ${unchanged}`);
  await ctx.store.endPageSession(sessionId);
  return kind === 'locked'
    ? answer(ResultCode.SIGN_IN_LOCKED, null, 'you are signed out; sign in again once the lock has ended')
    : answer(ResultCode.USER_DISABLED, null, `your user was disabled: ${unchanged}`);
}
