import { fail, parse, rejectUnknown, required, ResultCode } from '@micropay/protocol';
import { hashPin } from '../domain/credentials.js';
import { newCashierPassword, secretHash } from '../domain/page-access.js';
import { answer } from './answer.js';
import { PASSWORD_MAX } from './page-cashier.js';
import { merchantUserAccount, signInRefusal } from './sign-in-limits.js';
import { merchantUserActing, withMerchantUser } from './console-access.js';

/**
 * The merchant console's Your password section (docs/consoles.md), for every user, owner or
 * cashier: `{password}`, the current one, asked again at the sign-ins' pace (9023) and counted
 * toward the same lock; then a new generated password, in this answer only. The user's other
 * sessions end (whoever else knew the old password is signed out); this one stays. The try that
 * locks the user ends this session too, as the payout account's does; the failed try's row in the
 * audit log says so (outcome locked), so the end is not logged as a sign-out of the user's.
 */
export const changeOwnPassword = withMerchantUser('changes', 'anyone', async (ctx, req, user, sessionId) => {
  const parsed = parse(() => {
    rejectUnknown(req.body, ['password']);
    const password = required(req.body, 'password');
    if (password.length > PASSWORD_MAX) fail('password', `must be at most ${PASSWORD_MAX} characters`);
    return password;
  });
  if (!parsed.ok) return answer(parsed.code, null, parsed.msg);
  const limited = signInRefusal(ctx, req, merchantUserAccount(user.mchId, user.name));
  if (limited !== null) return limited;
  const acting = merchantUserActing(user, req);
  const proof = await ctx.store.checkUserPassword(user.mchId, user.name, parsed.value, acting.address, 'ownPassword');
  if (proof.kind === 'wrong') return answer(ResultCode.SIGN_IN_FAILED, null, 'the current password is not right: your password was not changed');
  if (proof.kind === 'locked') {
    await ctx.store.endPageSession(sessionId);
    return answer(ResultCode.SIGN_IN_LOCKED, null, 'you are signed out; sign in again once the lock has ended');
  }
  const password = newCashierPassword();
  // Null: the user was disabled since this request's session was found (which ended the session).
  const changed = proof.kind === 'disabled' ? null : await ctx.store.changeOwnPassword(user, await hashPin(password), secretHash(sessionId), acting);
  if (changed === null) {
    await ctx.store.endPageSession(sessionId);
    return answer(ResultCode.USER_DISABLED, null, 'your user was disabled: your password was not changed');
  }
  return answer(ResultCode.SUCCESS, { name: changed.name, password });
});
