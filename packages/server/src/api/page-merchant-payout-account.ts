import { parse, rejectUnknown, required, ResultCode } from '@micropay/protocol';
import type { BankAccount, PayoutAccount } from '../domain/payout-account.js';
import { bankAccountOf, bankAccountSeen } from '../domain/payout-account.js';
import { setMerchantPayoutAccount } from '../services/merchant-console.js';
import { answer } from './answer.js';
import { merchantUserAccount, signInRefusal } from './sign-in-limits.js';
import { merchantUserActing, withMerchantUser, type MerchantUser } from './console-access.js';
import { passwordAskedAgainRefused } from './password-asked-again.js';

/**
 * The merchant console's payout account (docs/consoles.md, "Balance & payouts"): where the
 * merchant's payouts go. Everyone signed in sees it, a cashier with the number's last four
 * characters only; the owner sets it, with its password again.
 */

/** A bank account as the signed-in user may see it: the owner all of it, a cashier the number's end. */
export function bankAccountData(a: BankAccount, user: Pick<MerchantUser, 'role'>): Record<string, unknown> {
  const { holderName, bankName, accountNumber } = bankAccountSeen(a, user.role === 'owner');
  return { holderName, bankName, accountNumber };
}

function accountData(a: PayoutAccount | null, user: Pick<MerchantUser, 'role'>): Record<string, unknown> | null {
  return a === null ? null : { ...bankAccountData(a, user), setAtMs: a.setAtMs };
}

export const showPayoutAccount = withMerchantUser('reads', 'anyone', async (ctx, req, user) => {
  const fields = parse(() => rejectUnknown(req.body, []));
  if (!fields.ok) return answer(fields.code, null, fields.msg);
  return answer(ResultCode.SUCCESS, { payoutAccount: accountData(await ctx.store.findPayoutAccount(user.mchId), user) });
});

/**
 * `{holderName, bankName, accountNumber, password}`: the owner's password, asked again, at the
 * sign-ins' pace (9023). The try that locks the owner also ends this session: a session taken over
 * cannot keep guessing every 15 minutes while it lasts.
 */
export const changePayoutAccount = withMerchantUser('changes', 'owner', async (ctx, req, user, sessionId) => {
  const parsed = parse(() => {
    rejectUnknown(req.body, ['holderName', 'bankName', 'accountNumber', 'password']);
    const typed = { holderName: required(req.body, 'holderName'), bankName: required(req.body, 'bankName'), accountNumber: required(req.body, 'accountNumber') };
    return { typed, password: required(req.body, 'password') };
  });
  if (!parsed.ok) return answer(parsed.code, null, parsed.msg);
  // A mistyped number is answered before the pace is taken: it checked no password.
  const checked = bankAccountOf(parsed.value.typed);
  if (!checked.ok) return answer(ResultCode.PARAM_ERROR, null, `${checked.field} ${checked.problem}`);
  const limited = signInRefusal(ctx, req, merchantUserAccount(user.mchId, user.name));
  if (limited !== null) return limited;
  const acting = merchantUserActing(user, req);
  const changed = await setMerchantPayoutAccount(ctx.store, user, parsed.value.typed, parsed.value.password, acting);
  switch (changed.kind) {
    case 'invalid':
      return answer(ResultCode.PARAM_ERROR, null, `${changed.field} ${changed.problem}`);
    case 'wrong':
    case 'locked':
    case 'disabled':
      return passwordAskedAgainRefused(ctx, { req, account: merchantUserAccount(user.mchId, user.name), sessionId }, changed.kind, 'the payout account was not changed');
    case 'rejected':
      throw new Error(`the session's merchant ${user.mchId} exists`);
    default:
      return answer(ResultCode.SUCCESS, { payoutAccount: accountData(changed.account, user), changed: changed.kind === 'set' });
  }
});
