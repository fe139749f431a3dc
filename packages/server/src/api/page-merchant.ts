import { fail, MCH_ID, parse, rejectUnknown, required, ResultCode } from '@micropay/protocol';
import { CASHIER_NAME, type PageSession } from '../domain/page-access.js';
import { answer } from './answer.js';
import type { ApiContext, Handler } from './context.js';
import { merchantUserOf, type MerchantUser } from './console-access.js';
import { endEarlierSession, sessionProbe, signedIn, signOut } from './page-session.js';

/**
 * The merchant console's sign-in (docs/consoles.md): merchant id + user name + password, the
 * cashier page's rule and lockout (services/page-access.ts). Owners and cashiers both sign in; the
 * answer says the role, for the page to show the sections of that role.
 */
export const PASSWORD_MAX = 128;

async function describeUser(ctx: ApiContext, user: MerchantUser): Promise<Record<string, unknown>> {
  const merchant = await ctx.store.findMerchant(user.mchId);
  return { mchId: user.mchId, userName: user.name, role: user.role, merchantName: merchant?.name ?? null, timeZone: ctx.config.timeZone };
}

export const merchantSession: Handler = sessionProbe('merchant', (ctx, session: PageSession) => describeUser(ctx, merchantUserOf(session)));
export const merchantSignOut: Handler = signOut('merchant');

export const merchantSignIn: Handler = async (ctx, req) => {
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
  const result = await ctx.store.signInCashier(mchId, name, password, 'merchant');
  if (result.kind === 'locked') return answer(ResultCode.SIGN_IN_LOCKED);
  if (result.kind === 'wrong') return answer(ResultCode.SIGN_IN_FAILED);
  await endEarlierSession(ctx, 'merchant', req);
  const c = result.cashier;
  const user: MerchantUser = { kind: 'merchant', userId: c.cashierId, mchId, name, role: c.role, refundLimitSen: c.refundLimitSen };
  return signedIn('merchant', result.sessionId, req, await describeUser(ctx, user));
};
