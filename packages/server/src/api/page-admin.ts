import { fail, parse, rejectUnknown, required, ResultCode } from '@micropay/protocol';
import { isAccountLocked } from '../domain/credentials.js';
import { OPERATOR_NAME } from '../domain/operator.js';
import { answer } from './answer.js';
import type { Handler } from './context.js';
import { operatorOf, withOperator } from './console-access.js';
import { PASSWORD_MAX } from './page-cashier.js';
import { endEarlierSession, sessionProbe, signedIn, signOut } from './page-session.js';
import { operatorAccount, signInRefusal, signInRefused, unknownNameRefused } from './sign-in-limits.js';

/**
 * The operator console's sign-in (docs/consoles.md): name + password, and the authenticator's
 * 6-digit code when the operator has TOTP. A missing or wrong code is answered as a wrong password
 * (9020) and counts toward the lockout, so the answer never tells which of the two was wrong.
 */
// timeZone: the console shows every time in the platform's zone, as the merchant console does.
// role: the console shows only what the operator may change (the server refuses the rest, 9122).
export const adminSession: Handler = sessionProbe('operator', async (ctx, session) => {
  const operator = operatorOf(session);
  return { operatorName: operator.name, role: operator.role, timeZone: ctx.config.timeZone };
});
export const adminSignOut: Handler = signOut('operator');

export const adminSignIn: Handler = async (ctx, req) => {
  const parsed = parse(() => {
    rejectUnknown(req.body, ['name', 'password', 'code']);
    const name = required(req.body, 'name');
    if (!OPERATOR_NAME.test(name)) fail('name', 'must be 1 to 40 letters, digits, ".", "_" or "-", starting with a letter or digit');
    const password = required(req.body, 'password');
    if (password.length > PASSWORD_MAX) fail('password', `must be at most ${PASSWORD_MAX} characters`);
    const code = req.body.code === undefined || req.body.code === '' ? null : required(req.body, 'code');
    if (code !== null && !/^[0-9]{6}$/.test(code)) fail('code', 'must be the 6 digits the authenticator app shows');
    return { name, password, code };
  });
  if (!parsed.ok) return answer(parsed.code, null, parsed.msg);
  const { name, password, code } = parsed.value;
  const limited = signInRefusal(ctx, req, operatorAccount(name));
  if (limited !== null) return limited;
  const result = await ctx.store.signInOperator(name, password, code, req.clientAddress ?? null);
  if (result.kind === 'locked') return signInRefused(ctx, req, operatorAccount(name), 'locked', answer(ResultCode.SIGN_IN_LOCKED));
  if (result.kind === 'wrong') {
    const refused = result.unknown === true ? unknownNameRefused : signInRefused;
    return refused(ctx, req, operatorAccount(name), 'wrong', answer(ResultCode.SIGN_IN_FAILED));
  }
  if (result.kind === 'disabled') {
    return signInRefused(ctx, req, operatorAccount(name), 'disabled',
      answer(ResultCode.USER_DISABLED, null, 'this operator is disabled: ask whoever runs the platform to enable it (micropay admin enable)'));
  }
  await endEarlierSession(ctx, 'operator', req);
  return signedIn('operator', result.sessionId, req, { operatorName: name, role: result.operator.role, timeZone: ctx.config.timeZone });
};

/** The Operators section: every operator's name, role, whether TOTP is on, whether it is locked, and since when it is disabled. Read only. */
export const adminOperators: Handler = withOperator('reads', async (ctx, req) => {
  const fields = parse(() => rejectUnknown(req.body, []));
  if (!fields.ok) return answer(fields.code, null, fields.msg);
  const operators = await ctx.store.listOperators();
  return answer(ResultCode.SUCCESS, {
    operators: operators.map((o) => ({
      name: o.name, role: o.role, totp: o.totpOn, locked: isAccountLocked(o, ctx.clock.nowMs()), disabledAtMs: o.disabledAtMs, createdAtMs: o.createdAtMs,
    })),
  });
});
