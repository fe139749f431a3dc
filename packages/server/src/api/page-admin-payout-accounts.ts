import { parse, rejectUnknown, required, ResultCode } from '@micropay/protocol';
import { bankAccountOf, bankAccountSeen, type BankAccount } from '../domain/payout-account.js';
import { answer } from './answer.js';
import { operatorActing, seesAccountsWhole, withOperator } from './console-access.js';
import { mchIdOf, noSuchMerchant } from './page-admin-merchants.js';

/**
 * A merchant's payout account in the operator console's Merchants (docs/consoles.md): every role
 * reads it, the number whole for admin and finance (finance transfers to it), its end for support; an admin sets it (a change of `merchants`), as
 * `micropay merchant payout-account` does, when the merchant asks for it by the operator's own
 * checks. The rule is bankAccountOf's; the change is audited with the operator, and a payout
 * requested within a day of it is pointed out to finance (domain/payout.ts newAccountAgeMs).
 */
/** `{mchId}`: its payout account, or null when none is set (its payouts are refused, 9044). */
export const adminMerchantPayoutAccount = withOperator('reads', async (ctx, req, operator) => {
  const parsed = parse(() => {
    rejectUnknown(req.body, ['mchId']);
    return mchIdOf(req.body);
  });
  if (!parsed.ok) return answer(parsed.code, null, parsed.msg);
  if ((await ctx.store.findMerchant(parsed.value)) === null) return noSuchMerchant(parsed.value);
  // As the store keeps it (holder, bank, number, when set): whole for admin and finance, its end for support.
  const account = await ctx.store.findPayoutAccount(parsed.value);
  return answer(ResultCode.SUCCESS, { mchId: parsed.value, payoutAccount: account === null ? null : bankAccountSeen(account, seesAccountsWhole(operator.role)) });
});

function typedAccount(body: Record<string, unknown>): BankAccount {
  return { holderName: required(body, 'holderName'), bankName: required(body, 'bankName'), accountNumber: required(body, 'accountNumber') };
}

/**
 * `{holderName, bankName, accountNumber}`: the account as it would be kept (the number without
 * spaces, in capitals), or why not (1021), writing nothing: the console checks what was typed
 * before it asks whether to send a merchant's payouts there.
 */
export const adminCheckPayoutAccount = withOperator('reads', async (_ctx, req) => {
  const parsed = parse(() => {
    rejectUnknown(req.body, ['holderName', 'bankName', 'accountNumber']);
    return typedAccount(req.body);
  });
  if (!parsed.ok) return answer(parsed.code, null, parsed.msg);
  const checked = bankAccountOf(parsed.value);
  if (!checked.ok) return answer(ResultCode.PARAM_ERROR, null, `${checked.field} ${checked.problem}`);
  return answer(ResultCode.SUCCESS, { account: checked.account });
});

/** `{mchId, holderName, bankName, accountNumber}`: where its payouts go from now on; `changed` false when it was so already. */
export const adminSetMerchantPayoutAccount = withOperator('merchants', async (ctx, req, operator) => {
  const parsed = parse(() => {
    rejectUnknown(req.body, ['mchId', 'holderName', 'bankName', 'accountNumber']);
    return { mchId: mchIdOf(req.body), typed: typedAccount(req.body) };
  });
  if (!parsed.ok) return answer(parsed.code, null, parsed.msg);
  const { mchId, typed } = parsed.value;
  const changed = await ctx.store.setPayoutAccount(mchId, typed, operatorActing(operator, req));
  if (changed.kind === 'invalid') return answer(ResultCode.PARAM_ERROR, null, `${changed.field} ${changed.problem}`);
  if (changed.kind === 'rejected') return noSuchMerchant(mchId);
  return answer(ResultCode.SUCCESS, { mchId, payoutAccount: changed.account, changed: changed.kind === 'set' });
});
