import { fail, formatSen, parse, positiveAmountOf, rejectUnknown, required, ResultCode } from '@micropay/protocol';
import { hashPin, isAccountLocked } from '../domain/credentials.js';
import { CASHIER_NAME, newCashierPassword, type Cashier } from '../domain/page-access.js';
import { USER_STATUSES, userStatus, type UserStatus } from '../domain/merchant-users.js';
import { isRefused, type UserChange } from '../services/merchant-users.js';
import { answer } from './answer.js';
import type { Answer, ApiContext } from './context.js';
import { merchantUserActing, withMerchantUser } from './console-access.js';
import { refuseMoneyAsNumber } from './page-money.js';

/**
 * The merchant console's Users section (docs/consoles.md), the owner's only: the merchant's users,
 * new cashiers, their refund limits and passwords, disabling and enabling them. Every call acts on the session's merchant; a
 * body naming a merchant is refused as an unknown parameter.
 */
function userData(u: Cashier, nowMs: number): Record<string, unknown> {
  return {
    name: u.name, role: u.role, refundLimit: u.refundLimitSen === null ? null : formatSen(u.refundLimitSen),
    status: userStatus(u), disabledAtMs: u.disabledAtMs, locked: isAccountLocked(u, nowMs), createdAtMs: u.createdAtMs,
  };
}

function nameOf(body: Record<string, unknown>): string {
  const name = required(body, 'name');
  if (!CASHIER_NAME.test(name)) fail('name', 'must be 1 to 40 letters, digits, spaces, ".", "_" or "-", starting with a letter or digit');
  return name;
}

/** `refundLimit`: a positive amount, or null (or absent) for none. */
function refundLimitOf(body: Record<string, unknown>, maxAmountSen: number): number | null {
  refuseMoneyAsNumber(body, ['refundLimit']);
  return body.refundLimit === undefined || body.refundLimit === null ? null : positiveAmountOf(body, 'refundLimit', maxAmountSen);
}

const noSuchCashier = (name: string) => answer(ResultCode.PARAM_ERROR, null, `name: this merchant has no user named ${name}`);

/** A change of one user answered: the user as it is now, or no such user, or why a rule refused it. */
function changeAnswer(ctx: ApiContext, name: string, change: UserChange, extra: Record<string, unknown> = {}): Answer {
  if (change === null) return noSuchCashier(name);
  if (isRefused(change)) return answer(ResultCode.ACTION_REFUSED, null, change.refused);
  return answer(ResultCode.SUCCESS, { user: userData(change, ctx.clock.nowMs()), ...extra });
}

export const listUsers = withMerchantUser('reads', 'owner', async (ctx, req, user) => {
  const fields = parse(() => rejectUnknown(req.body, []));
  if (!fields.ok) return answer(fields.code, null, fields.msg);
  return answer(ResultCode.SUCCESS, { users: (await ctx.store.listMerchantUsers(user.mchId)).map((u) => userData(u, ctx.clock.nowMs())) });
});

/** `{name, refundLimit?}`: a new cashier; its generated password is in this answer only. */
export const createUser = withMerchantUser('changes', 'owner', async (ctx, req, user) => {
  const parsed = parse(() => {
    rejectUnknown(req.body, ['name', 'refundLimit']);
    return { name: nameOf(req.body), refundLimitSen: refundLimitOf(req.body, ctx.config.maxAmountSen) };
  });
  if (!parsed.ok) return answer(parsed.code, null, parsed.msg);
  const password = newCashierPassword();
  const created = await ctx.store.createCashier(user.mchId, parsed.value.name, await hashPin(password), { role: 'cashier', refundLimitSen: parsed.value.refundLimitSen }, merchantUserActing(user, req));
  if (created === 'NAME_TAKEN') return answer(ResultCode.PARAM_ERROR, null, `name: this merchant already has a user named ${parsed.value.name}`);
  if (created === 'NO_MERCHANT') throw new Error(`the session's merchant ${user.mchId} exists`);
  return answer(ResultCode.SUCCESS, { user: userData(created, ctx.clock.nowMs()), password });
});

/** `{name, refundLimit}`: a cashier's limit per refund, null for none. The owner has no limit to set. */
export const setUserRefundLimit = withMerchantUser('changes', 'owner', async (ctx, req, user) => {
  const parsed = parse(() => {
    rejectUnknown(req.body, ['name', 'refundLimit']);
    if (!('refundLimit' in req.body)) fail('refundLimit', 'is required: an amount, or null for no limit');
    return { name: nameOf(req.body), refundLimitSen: refundLimitOf(req.body, ctx.config.maxAmountSen) };
  });
  if (!parsed.ok) return answer(parsed.code, null, parsed.msg);
  const changed = await ctx.store.setRefundLimit(user.mchId, parsed.value.name, parsed.value.refundLimitSen, merchantUserActing(user, req));
  if (changed === null) return noSuchCashier(parsed.value.name);
  return answer(ResultCode.SUCCESS, { user: userData(changed, ctx.clock.nowMs()) });
});

/** `{name}`: a new generated password for a user of the merchant (also unlocks it), in this answer only. */
export const resetUserPassword = withMerchantUser('changes', 'owner', async (ctx, req, user) => {
  const parsed = parse(() => {
    rejectUnknown(req.body, ['name']);
    return nameOf(req.body);
  });
  if (!parsed.ok) return answer(parsed.code, null, parsed.msg);
  const password = newCashierPassword();
  const reset = await ctx.store.resetCashierPassword(user.mchId, parsed.value, await hashPin(password), merchantUserActing(user, req));
  return changeAnswer(ctx, parsed.value, reset, { password });
});

/**
 * `{name, status}`: `disabled` ends the user's sessions and refuses its sign-ins (9024) until
 * `active` again; the owner's own user is refused (domain/merchant-users.ts).
 */
export const setUserStatus = withMerchantUser('changes', 'owner', async (ctx, req, user) => {
  const parsed = parse(() => {
    rejectUnknown(req.body, ['name', 'status']);
    const status = required(req.body, 'status');
    if (!(USER_STATUSES as readonly string[]).includes(status)) fail('status', 'must be active or disabled');
    return { name: nameOf(req.body), status: status as UserStatus };
  });
  if (!parsed.ok) return answer(parsed.code, null, parsed.msg);
  const changed = await ctx.store.setUserStatus(user.mchId, parsed.value.name, parsed.value.status, merchantUserActing(user, req));
  return changeAnswer(ctx, parsed.value.name, changed);
});
