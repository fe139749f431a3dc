import { fail, formatSen, MCH_ID, parse, rejectUnknown, required, ResultCode, type Parsed } from '@micropay/protocol';
import { CASHIER_NAME, CASHIER_NAME_WORDS, type PageSession } from '../domain/page-access.js';
import { answer } from './answer.js';
import type { ActingCashier } from '../domain/cashier-charge.js';
import type { RefundingUser } from '../domain/merchant-users.js';
import type { Answer, ApiContext, ApiRequest, Handler } from './context.js';
import type { CashierSignIn } from '../services/page-access.js';
import { endEarlierSession, sessionProbe, signedIn, signOut } from './page-session.js';
import { merchantUserAccount, signInRefusal, signInRefused, unknownNameRefused } from './sign-in-limits.js';

/**
 * The cashier page's API (docs/pages.md). A cashier acts for the merchant of the session only: no
 * call names a merchant after sign-in, and the merchant's API key never leaves the server.
 */
/** The longest password a sign-in reads: longer is refused before any hashing. */
export const PASSWORD_MAX = 128;

/**
 * A merchant user's sign-in fields, the till's and the merchant console's alike: merchant id, the
 * user's name and password.
 */
export function merchantUserCredentialsOf(body: Record<string, unknown>): Parsed<{ mchId: string; name: string; password: string }> {
  return parse(() => {
    rejectUnknown(body, ['mchId', 'name', 'password']);
    const mchId = required(body, 'mchId');
    if (!MCH_ID.test(mchId)) fail('mchId', 'must be 1 to 19 digits, not starting with 0');
    const name = required(body, 'name');
    if (!CASHIER_NAME.test(name)) fail('name', `must be ${CASHIER_NAME_WORDS}`);
    const password = required(body, 'password');
    if (password.length > PASSWORD_MAX) fail('password', `must be at most ${PASSWORD_MAX} characters`);
    return { mchId, name, password };
  });
}

/** A merchant user's sign-in that opened no session, as the till and the merchant console answer it. */
export function userSignInRefused(ctx: ApiContext, req: ApiRequest, account: string, result: Exclude<CashierSignIn, { kind: 'signedIn' }>): Answer {
  switch (result.kind) {
    case 'locked': return signInRefused(ctx, req, account, 'locked', answer(ResultCode.SIGN_IN_LOCKED));
    case 'wrong': return (result.unknown === true ? unknownNameRefused : signInRefused)(ctx, req, account, 'wrong', answer(ResultCode.SIGN_IN_FAILED));
    case 'disabled': return signInRefused(ctx, req, account, 'disabled', answer(ResultCode.USER_DISABLED, null, 'ask the merchant\'s owner to enable you again'));
  }
}

/**
 * The session's user as the till acts for it: its role and refund limit are read with the session
 * (an owner may sign in at the till too, and is logged as the owner).
 */
export function cashierOf(session: PageSession): ActingCashier & RefundingUser & { readonly name: string } {
  if (session.subject.kind !== 'cashier') throw new Error('a cashier page session has a cashier');
  const { cashierId, mchId, name, role, refundLimitSen } = session.subject;
  return { cashierId, mchId, name, role, refundLimitSen };
}

/**
 * The signed-in till as its page shows it: who, for which merchant, and the refund limit its
 * refund dialog offers up to (null: none; the server checks it on every refund all the same).
 */
async function cashierView(ctx: ApiContext, user: { mchId: string; name: string; refundLimitSen: number | null }): Promise<Record<string, unknown>> {
  const merchant = await ctx.store.findMerchant(user.mchId);
  return {
    mchId: user.mchId, cashierName: user.name, merchantName: merchant?.name ?? null, timeZone: ctx.config.timeZone,
    refundLimit: user.refundLimitSen === null ? null : formatSen(user.refundLimitSen),
  };
}

function describeCashier(ctx: ApiContext, session: PageSession): Promise<Record<string, unknown>> {
  return cashierView(ctx, cashierOf(session));
}

export const cashierSession: Handler = sessionProbe('cashier', describeCashier);
export const cashierSignOut: Handler = signOut('cashier');

/**
 * Merchant id + cashier name + password. Wrong passwords lock the account as wrong PINs lock a
 * wallet (services/page-access.ts); an unknown merchant or cashier is answered as a wrong password.
 */
export const cashierSignIn: Handler = async (ctx, req) => {
  const parsed = merchantUserCredentialsOf(req.body);
  if (!parsed.ok) return answer(parsed.code, null, parsed.msg);
  const { mchId, name, password } = parsed.value;
  const limited = signInRefusal(ctx, req, merchantUserAccount(mchId, name));
  if (limited !== null) return limited;
  const result = await ctx.store.signInCashier(mchId, name, password);
  if (result.kind !== 'signedIn') return userSignInRefused(ctx, req, merchantUserAccount(mchId, name), result);
  await endEarlierSession(ctx, 'cashier', req);
  return signedIn('cashier', result.sessionId, req, await cashierView(ctx, result.cashier));
};
