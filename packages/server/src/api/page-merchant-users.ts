import { fail, formatSen, parse, positiveAmountOf, rejectUnknown, required, ResultCode } from '@micropay/protocol';
import { hashPin } from '../domain/credentials.js';
import { CASHIER_NAME, newCashierPassword, type Cashier } from '../domain/page-access.js';
import { answer } from './answer.js';
import { merchantUserActing, withMerchantUser } from './console-access.js';
import { refuseMoneyAsNumber } from './page-money.js';

/**
 * The merchant console's Users section (docs/consoles.md), the owner's only: the merchant's users,
 * new cashiers, their refund limits and passwords. Every call acts on the session's merchant; a
 * body naming a merchant is refused as an unknown parameter.
 */
function userData(u: Cashier): Record<string, unknown> {
  return { name: u.name, role: u.role, refundLimit: u.refundLimitSen === null ? null : formatSen(u.refundLimitSen), createdAtMs: u.createdAtMs };
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

const noSuchCashier = (name: string) => answer(ResultCode.PARAM_ERROR, null, `name: this merchant has no cashier named ${name}`);

export const listUsers = withMerchantUser('reads', 'owner', async (ctx, req, user) => {
  const fields = parse(() => rejectUnknown(req.body, []));
  if (!fields.ok) return answer(fields.code, null, fields.msg);
  return answer(ResultCode.SUCCESS, { users: (await ctx.store.listMerchantUsers(user.mchId)).map(userData) });
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
  return answer(ResultCode.SUCCESS, { user: userData(created), password });
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
  return answer(ResultCode.SUCCESS, { user: userData(changed) });
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
  if (reset === null) return noSuchCashier(parsed.value);
  return answer(ResultCode.SUCCESS, { user: userData(reset), password });
});
