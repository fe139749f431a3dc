import { fail, MCH_ID, parse, rejectUnknown, required, ResultCode } from '@micropay/protocol';
import { CASHIER_NAME, type PageSession } from '../domain/page-access.js';
import { answer } from './answer.js';
import type { ActingCashier } from '../domain/cashier-charge.js';
import type { RefundingUser } from '../domain/merchant-users.js';
import type { ApiContext, Handler } from './context.js';
import { endEarlierSession, sessionProbe, signedIn, signOut } from './page-session.js';

/**
 * The cashier page's API (docs/pages.md). A cashier acts for the merchant of the session only: no
 * call names a merchant after sign-in, and the merchant's API key never leaves the server.
 */
const PASSWORD_MAX = 128;

/**
 * The session's cashier as the till acts for it: a user's refund limit is read with the session, and
 * an owner (who may sign in at the till too) has none stored, so the till's role is `cashier`.
 */
export function cashierOf(session: PageSession): ActingCashier & RefundingUser & { readonly name: string } {
  if (session.subject.kind !== 'cashier') throw new Error('a cashier page session has a cashier');
  const { cashierId, mchId, name, refundLimitSen } = session.subject;
  return { cashierId, mchId, name, role: 'cashier', refundLimitSen };
}

async function describeCashier(ctx: ApiContext, session: PageSession): Promise<Record<string, unknown>> {
  const { mchId, name } = cashierOf(session);
  const merchant = await ctx.store.findMerchant(mchId);
  return { mchId, cashierName: name, merchantName: merchant?.name ?? null, timeZone: ctx.config.timeZone };
}

export const cashierSession: Handler = sessionProbe('cashier', describeCashier);
export const cashierSignOut: Handler = signOut('cashier');

/**
 * Merchant id + cashier name + password. Wrong passwords lock the account as wrong PINs lock a
 * wallet (services/page-access.ts); an unknown merchant or cashier is answered as a wrong password.
 */
export const cashierSignIn: Handler = async (ctx, req) => {
  const parsed = parse(() => {
    rejectUnknown(req.body, ['mchId', 'name', 'password']);
    const mchId = required(req.body, 'mchId');
    if (!MCH_ID.test(mchId)) fail('mchId', 'must be 1 to 19 digits, not starting with 0');
    const name = required(req.body, 'name');
    if (!CASHIER_NAME.test(name)) fail('name', 'must be 1 to 40 letters, digits, spaces, ".", "_" or "-", starting with a letter or digit');
    const password = required(req.body, 'password');
    if (password.length > PASSWORD_MAX) fail('password', `must be at most ${PASSWORD_MAX} characters`);
    return { mchId, name, password };
  });
  if (!parsed.ok) return answer(parsed.code, null, parsed.msg);
  const { mchId, name, password } = parsed.value;
  const result = await ctx.store.signInCashier(mchId, name, password);
  if (result.kind === 'locked') return answer(ResultCode.SIGN_IN_LOCKED);
  if (result.kind === 'wrong') return answer(ResultCode.SIGN_IN_FAILED);
  await endEarlierSession(ctx, 'cashier', req);
  const merchant = await ctx.store.findMerchant(mchId);
  return signedIn('cashier', result.sessionId, req, { mchId, cashierName: name, merchantName: merchant?.name ?? null, timeZone: ctx.config.timeZone });
};
