import { fail, parse, rejectUnknown, ResultCode } from '@micropay/protocol';
import { answer } from './answer.js';
import { merchantUserActing, withMerchantUser } from './console-access.js';
import { createdUserAnswer, passwordResetAnswer, refundLimitOf, userChangeAnswer, userNameOf, userStatusOf, userWire } from './merchant-user-wire.js';

/*
 * The merchant console's Users section (docs/consoles.md), the owner's only: the merchant's users,
 * new cashiers, their refund limits and passwords, disabling and enabling them. Every call acts on
 * the session's merchant; a body naming a merchant is refused as an unknown parameter. How a user
 * is shown and its changes answered is merchant-user-wire.ts', shared with the operator console.
 */

export const listUsers = withMerchantUser('reads', 'owner', async (ctx, req, user) => {
  const fields = parse(() => rejectUnknown(req.body, []));
  if (!fields.ok) return answer(fields.code, null, fields.msg);
  return answer(ResultCode.SUCCESS, { users: (await ctx.store.listMerchantUsers(user.mchId)).map((u) => userWire(u, ctx.clock.nowMs())) });
});

/** `{name, refundLimit?}`: a new cashier; its generated password is in this answer only. */
export const createUser = withMerchantUser('changes', 'owner', async (ctx, req, user) => {
  const parsed = parse(() => {
    rejectUnknown(req.body, ['name', 'refundLimit']);
    return { name: userNameOf(req.body), refundLimitSen: refundLimitOf(req.body, ctx.config.maxAmountSen) };
  });
  if (!parsed.ok) return answer(parsed.code, null, parsed.msg);
  const { name, refundLimitSen } = parsed.value;
  return createdUserAnswer(ctx, user.mchId, name, { role: 'cashier', refundLimitSen }, merchantUserActing(user, req));
});

/** `{name, refundLimit}`: a cashier's refund limit for each sale (its refunds in all), null for none. The owner has no limit to set. */
export const setUserRefundLimit = withMerchantUser('changes', 'owner', async (ctx, req, user) => {
  const parsed = parse(() => {
    rejectUnknown(req.body, ['name', 'refundLimit']);
    if (!('refundLimit' in req.body)) fail('refundLimit', 'is required: an amount, or null for no limit');
    return { name: userNameOf(req.body), refundLimitSen: refundLimitOf(req.body, ctx.config.maxAmountSen) };
  });
  if (!parsed.ok) return answer(parsed.code, null, parsed.msg);
  const changed = await ctx.store.setRefundLimit(user.mchId, parsed.value.name, parsed.value.refundLimitSen, merchantUserActing(user, req));
  if (changed === null) return answer(ResultCode.PARAM_ERROR, null, `name: this merchant has no cashier named ${parsed.value.name} (an owner has no refund limit)`);
  return answer(ResultCode.SUCCESS, { user: userWire(changed, ctx.clock.nowMs()) });
});

/** `{name}`: a new generated password for a user of the merchant (also unlocks it), in this answer only. */
export const resetUserPassword = withMerchantUser('changes', 'owner', async (ctx, req, user) => {
  const parsed = parse(() => {
    rejectUnknown(req.body, ['name']);
    return userNameOf(req.body);
  });
  if (!parsed.ok) return answer(parsed.code, null, parsed.msg);
  return passwordResetAnswer(ctx, user.mchId, parsed.value, merchantUserActing(user, req));
});

/**
 * `{name, status}`: `disabled` ends the user's sessions and refuses its sign-ins (9024) until
 * `active` again; the owner's own user is refused (domain/merchant-users.ts).
 */
export const setUserStatus = withMerchantUser('changes', 'owner', async (ctx, req, user) => {
  const parsed = parse(() => {
    rejectUnknown(req.body, ['name', 'status']);
    return { name: userNameOf(req.body), status: userStatusOf(req.body) };
  });
  if (!parsed.ok) return answer(parsed.code, null, parsed.msg);
  const changed = await ctx.store.setUserStatus(user.mchId, parsed.value.name, parsed.value.status, merchantUserActing(user, req));
  return userChangeAnswer(ctx, parsed.value.name, changed);
});
