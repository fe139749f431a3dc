import { ResultCode } from '@micropay/protocol';
import type { PageSession } from '../domain/page-access.js';
import { answer } from './answer.js';
import type { ApiContext, Handler } from './context.js';
import { merchantUserOf, type MerchantUser } from './console-access.js';
import { merchantUserCredentialsOf, userSignInRefused } from './page-cashier.js';
import { endEarlierSession, sessionProbe, signedIn, signOut } from './page-session.js';
import { merchantUserAccount, signInRefusal } from './sign-in-limits.js';

/**
 * The merchant console's sign-in (docs/consoles.md): merchant id + user name + password, the
 * cashier page's rule and lockout (services/page-access.ts). Owners and cashiers both sign in; the
 * answer says the role, for the page to show the sections of that role.
 */

async function describeUser(ctx: ApiContext, user: MerchantUser): Promise<Record<string, unknown>> {
  const merchant = await ctx.store.findMerchant(user.mchId);
  return { mchId: user.mchId, userName: user.name, role: user.role, merchantName: merchant?.name ?? null, timeZone: ctx.config.timeZone };
}

export const merchantSession: Handler = sessionProbe('merchant', (ctx, session: PageSession) => describeUser(ctx, merchantUserOf(session)));
export const merchantSignOut: Handler = signOut('merchant');

export const merchantSignIn: Handler = async (ctx, req) => {
  const parsed = merchantUserCredentialsOf(req.body);
  if (!parsed.ok) return answer(parsed.code, null, parsed.msg);
  const { mchId, name, password } = parsed.value;
  const limited = signInRefusal(ctx, req, merchantUserAccount(mchId, name));
  if (limited !== null) return limited;
  const result = await ctx.store.signInCashier(mchId, name, password, 'merchant', req.clientAddress ?? null);
  if (result.kind !== 'signedIn') return userSignInRefused(ctx, req, merchantUserAccount(mchId, name), result);
  await endEarlierSession(ctx, 'merchant', req);
  const c = result.cashier;
  const user: MerchantUser = { kind: 'merchant', userId: c.cashierId, mchId, name, role: c.role, refundLimitSen: c.refundLimitSen };
  return signedIn('merchant', result.sessionId, req, await describeUser(ctx, user));
};
