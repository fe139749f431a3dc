import { fail, parse, rejectUnknown, required, ResultCode } from '@micropay/protocol';
import type { MerchantRole } from '../domain/merchant-users.js';
import { answer } from './answer.js';
import { operatorActing, withOperator } from './console-access.js';
import { mchIdOf, noSuchMerchant } from './page-admin-merchants.js';
import { createdUserAnswer, passwordResetAnswer, refundLimitOf, userChangeAnswer, userNameOf, userStatusOf, userWire } from './merchant-user-wire.js';

/**
 * A merchant's users in the operator console's Merchants (docs/consoles.md), as `micropay
 * merchant-user list/disable/enable/reset` has them: every operator reads them; an admin (the
 * `merchants` change) disables, enables and gives a new password, shown once, for an owner
 * locked out or gone. The rules are the services', as the owner's Users section's; each change is
 * audited with the operator.
 */
export const adminMerchantUsers = withOperator('reads', async (ctx, req) => {
  const parsed = parse(() => {
    rejectUnknown(req.body, ['mchId']);
    return mchIdOf(req.body);
  });
  if (!parsed.ok) return answer(parsed.code, null, parsed.msg);
  if ((await ctx.store.findMerchant(parsed.value)) === null) return noSuchMerchant(parsed.value);
  const users = await ctx.store.listMerchantUsers(parsed.value);
  return answer(ResultCode.SUCCESS, { mchId: parsed.value, users: users.map((u) => userWire(u, ctx.clock.nowMs())) });
});

/**
 * `{mchId, name, role, refundLimit?}`: a new owner or cashier of the merchant (a merchant made in
 * this console has none yet), its password in this answer only. An owner has no refund limit.
 */
export const adminCreateMerchantUser = withOperator('merchants', async (ctx, req, operator) => {
  const parsed = parse(() => {
    rejectUnknown(req.body, ['mchId', 'name', 'role', 'refundLimit']);
    const role = required(req.body, 'role');
    if (role !== 'owner' && role !== 'cashier') fail('role', 'must be owner or cashier');
    const refundLimitSen = refundLimitOf(req.body, ctx.config.maxAmountSen);
    if (role === 'owner' && refundLimitSen !== null) fail('refundLimit', 'is for cashiers: an owner has no refund limit');
    return { mchId: mchIdOf(req.body), name: userNameOf(req.body), user: { role: role as MerchantRole, refundLimitSen } };
  });
  if (!parsed.ok) return answer(parsed.code, null, parsed.msg);
  const { mchId, name, user } = parsed.value;
  if ((await ctx.store.findMerchant(mchId)) === null) return noSuchMerchant(mchId);
  return createdUserAnswer(ctx, mchId, name, user, operatorActing(operator, req));
});

/** `{mchId, name, status}`: disables a user (its sessions end, 9024 at its sign-ins) or enables it. */
export const adminSetMerchantUserStatus = withOperator('merchants', async (ctx, req, operator) => {
  const parsed = parse(() => {
    rejectUnknown(req.body, ['mchId', 'name', 'status']);
    return { mchId: mchIdOf(req.body), name: userNameOf(req.body), status: userStatusOf(req.body) };
  });
  if (!parsed.ok) return answer(parsed.code, null, parsed.msg);
  const { mchId, name, status } = parsed.value;
  if ((await ctx.store.findMerchant(mchId)) === null) return noSuchMerchant(mchId);
  return userChangeAnswer(ctx, name, await ctx.store.setUserStatus(mchId, name, status, operatorActing(operator, req)));
});

/** `{mchId, name}`: a new generated password for the user (also unlocking it), in this answer only. */
export const adminResetMerchantUserPassword = withOperator('merchants', async (ctx, req, operator) => {
  const parsed = parse(() => {
    rejectUnknown(req.body, ['mchId', 'name']);
    return { mchId: mchIdOf(req.body), name: userNameOf(req.body) };
  });
  if (!parsed.ok) return answer(parsed.code, null, parsed.msg);
  const { mchId, name } = parsed.value;
  if ((await ctx.store.findMerchant(mchId)) === null) return noSuchMerchant(mchId);
  return passwordResetAnswer(ctx, mchId, name, operatorActing(operator, req));
});
