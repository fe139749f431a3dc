import { fail, parse, rejectUnknown, required, ResultCode } from '@micropay/protocol';
import { hashPin } from '../domain/credentials.js';
import { newCashierPassword, secretHash } from '../domain/page-access.js';
import { answer } from './answer.js';
import { PASSWORD_MAX } from './page-cashier.js';
import { merchantUserAccount, signInRefusal } from './sign-in-limits.js';
import { merchantUserActing, withMerchantUser } from './console-access.js';
import { passwordAskedAgainRefused } from './password-asked-again.js';

/**
 * The merchant console's Your password section (docs/consoles.md), for every user, owner or
 * cashier: `{password}`, the current one, asked again at the sign-ins' pace (9023) and counted
 * toward the same lock; then a new generated password, in this answer only. The user's other
 * sessions end (whoever else knew the old password is signed out); this one stays. A password
 * not right is answered as the payout account's (password-asked-again.ts).
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
  const asked = { req, account: merchantUserAccount(user.mchId, user.name), sessionId };
  if (proof.kind !== 'right') return passwordAskedAgainRefused(ctx, asked, proof.kind, 'your password was not changed');
  const password = newCashierPassword();
  const changed = await ctx.store.changeOwnPassword(user, await hashPin(password), secretHash(sessionId), acting);
  // Null: the user was disabled since its password was checked.
  if (changed === null) return passwordAskedAgainRefused(ctx, asked, 'disabled', 'your password was not changed');
  return answer(ResultCode.SUCCESS, { name: changed.name, password });
});
