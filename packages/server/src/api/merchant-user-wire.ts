import { fail, formatSen, positiveAmountOf, required, ResultCode } from '@micropay/protocol';
import type { ActingAs } from '../domain/audit-log.js';
import { hashPin, isAccountLocked } from '../domain/credentials.js';
import { USER_STATUSES, userStatus, type MerchantRole, type UserStatus } from '../domain/merchant-users.js';
import { CASHIER_NAME, CASHIER_NAME_WORDS, newCashierPassword, type Cashier } from '../domain/page-access.js';
import { isRefused, type UserChange } from '../services/merchant-users.js';
import { answer } from './answer.js';
import type { Answer, ApiContext } from './context.js';
import { refuseMoneyAsNumber } from './page-money.js';

/**
 * A merchant's users on the wire, for the owner's Users section and the operator console's
 * Merchants alike (docs/consoles.md): how a user is shown, its name and status as a body gives
 * them, and the answers of the changes both consoles make (a new password, disable, enable).
 */
export function userWire(u: Cashier, nowMs: number): Record<string, unknown> {
  return {
    name: u.name, role: u.role, refundLimit: u.refundLimitSen === null ? null : formatSen(u.refundLimitSen),
    status: userStatus(u), disabledAtMs: u.disabledAtMs, locked: isAccountLocked(u, nowMs), createdAtMs: u.createdAtMs,
  };
}

export function userNameOf(body: Record<string, unknown>): string {
  const name = required(body, 'name');
  if (!CASHIER_NAME.test(name)) fail('name', `must be ${CASHIER_NAME_WORDS}`);
  return name;
}

export function userStatusOf(body: Record<string, unknown>): UserStatus {
  const status = required(body, 'status');
  if (!(USER_STATUSES as readonly string[]).includes(status)) fail('status', 'must be active or disabled');
  return status as UserStatus;
}

const noSuchUser = (name: string): Answer => answer(ResultCode.PARAM_ERROR, null, `name: this merchant has no user named ${name}`);

/** A change of one user answered: the user as it is now, or no such user, or why a rule refused it. */
export function userChangeAnswer(ctx: ApiContext, name: string, change: UserChange, extra: Record<string, unknown> = {}): Answer {
  if (change === null) return noSuchUser(name);
  if (isRefused(change)) return answer(ResultCode.ACTION_REFUSED, null, change.refused);
  return answer(ResultCode.SUCCESS, { user: userWire(change, ctx.clock.nowMs()), ...extra });
}

/** `refundLimit`: a positive amount, or null (or absent) for none. */
export function refundLimitOf(body: Record<string, unknown>, maxAmountSen: number): number | null {
  refuseMoneyAsNumber(body, ['refundLimit']);
  return body.refundLimit === undefined || body.refundLimit === null ? null : positiveAmountOf(body, 'refundLimit', maxAmountSen);
}

/** A new user of the merchant (the owner's cashiers, an operator's owner or cashier); its generated password is in this answer only. */
export async function createdUserAnswer(
  ctx: ApiContext, mchId: string, name: string, user: { role: MerchantRole; refundLimitSen: number | null }, acting: ActingAs,
): Promise<Answer> {
  const password = newCashierPassword();
  const created = await ctx.store.createCashier(mchId, name, await hashPin(password), user, acting);
  // Said as a field's rule is ("param error: name …"), so the consoles say it at the name field.
  if (created === 'NAME_TAKEN') return answer(ResultCode.PARAM_ERROR, null, `name is taken: this merchant already has a user named ${name}`);
  if (isRefused(created)) return answer(ResultCode.PARAM_ERROR, null, `name ${created.refused}`);
  if (created === 'NO_MERCHANT') return answer(ResultCode.NO_RECORD, null, `no merchant ${mchId}`);
  return answer(ResultCode.SUCCESS, { user: userWire(created, ctx.clock.nowMs()), password });
}

/** A new generated password for the merchant's user (also unlocking it), in the answer only. */
export async function passwordResetAnswer(ctx: ApiContext, mchId: string, name: string, acting: ActingAs): Promise<Answer> {
  const password = newCashierPassword();
  return userChangeAnswer(ctx, name, await ctx.store.resetCashierPassword(mchId, name, await hashPin(password), acting), { password });
}
