import { ResultCode } from '@micropay/protocol';
import { operatorMay, rolesThatMay, type OperatorChange, type OperatorRole } from '@micropay/protocol/operator-roles';
import { consoleActing, type ActingAs } from '../domain/audit-log.js';
import type { PageSession, SessionSubject } from '../domain/page-access.js';
import { answer } from './answer.js';
import type { Answer, ApiContext, ApiRequest, Handler } from './context.js';
import { withPageSession } from './page-session.js';

/**
 * Who may call a console API (docs/consoles.md), in one place: every /api/page/merchant/... and
 * /api/page/admin/... handler behind a sign-in is wrapped in one of these. The session, cookie and
 * CSRF rules are the pages' own (page-session.ts); these add the console's subject and its role.
 * A merchant user's merchant comes from the session ALWAYS: a handler is given no other mchId, and
 * must never read one from the request.
 */
export type MerchantUser = Extract<SessionSubject, { kind: 'merchant' }>;
export type Operator = Extract<SessionSubject, { kind: 'operator' }>;

export type MerchantUserHandler = (ctx: ApiContext, req: ApiRequest, user: MerchantUser, sessionId: string) => Promise<Answer>;
export type OperatorHandler = (ctx: ApiContext, req: ApiRequest, operator: Operator, sessionId: string) => Promise<Answer>;

/** Which merchant users may: `anyone` signed in (owner or cashier), or the `owner` only (9122 for a cashier). */
export type MerchantAudience = 'anyone' | 'owner';

export function merchantUserOf(session: PageSession): MerchantUser {
  if (session.subject.kind !== 'merchant') throw new Error('a merchant console session has a merchant user');
  return session.subject;
}

export function operatorOf(session: PageSession): Operator {
  if (session.subject.kind !== 'operator') throw new Error('an operator console session has an operator');
  return session.subject;
}

/**
 * A merchant console API: needs the console's live session (9120) and its CSRF token, reads and
 * changes alike (9121, checked before anything is read: page-session.ts), and with `owner` the
 * owner's role (9122). `access` says what the call does; it no longer changes what is checked. The role
 * is read with the session from the user's row, so a change applies to the next request. A merchant
 * disabled after its user signed in is refused as the merchant API refuses it (1022), every call.
 */
export function withMerchantUser(access: 'reads' | 'changes', who: MerchantAudience, handler: MerchantUserHandler): Handler {
  return withPageSession('merchant', access, async (ctx, req, session, sessionId) => {
    const user = merchantUserOf(session);
    if ((await ctx.store.findMerchant(user.mchId))?.status !== 'active') return answer(ResultCode.MERCHANT_LOCKED);
    if (who === 'owner' && user.role !== 'owner') return answer(ResultCode.ROLE_NOT_ALLOWED);
    return handler(ctx, req, user, sessionId);
  });
}

/**
 * What an operator console API asks: `reads` the operator's live session (9120); a kind of change
 * (@micropay/protocol/operator-roles) also the CSRF token (9121) and a role that may make it
 * (9122), read with the session from the operator's row, so a new role applies to the next
 * request; `any role` the session and the token only, for the rare change every role may make
 * (the ledger audit, which only records that it ran). There is no plain "changes": a new change
 * must say who may make it.
 */
export type OperatorAccess = 'reads' | 'any role' | OperatorChange;

/**
 * Whether an operator of this role reads bank account numbers whole: the roles that may move money
 * (admin, finance), who transfer to them; support reads their ends, as it gets no payout file.
 */
export function seesAccountsWhole(role: OperatorRole): boolean {
  return operatorMay(role, 'money');
}

export function withOperator(access: OperatorAccess, handler: OperatorHandler): Handler {
  return withPageSession('operator', access === 'reads' ? 'reads' : 'changes', (ctx, req, session, sessionId) => {
    const operator = operatorOf(session);
    if (access !== 'reads' && access !== 'any role' && !operatorMay(operator.role, access)) {
      // Said to the operator whose console still shows the button (its role narrowed meanwhile).
      return Promise.resolve(answer(ResultCode.ROLE_NOT_ALLOWED, null, `the ${operator.role} role may not make ${access} changes; ${rolesThatMay(access)} may`));
    }
    return handler(ctx, req, operator, sessionId);
  });
}

/**
 * Who acts, for the audit log: the signed-in merchant user with its real role (at the console or the
 * till), from the request's address (the socket's, docs/audit-log.md).
 */
export function merchantUserActing(user: Pick<MerchantUser, 'userId' | 'mchId' | 'name' | 'role'>, req: ApiRequest): ActingAs {
  return { actor: { kind: 'merchantUser', userId: user.userId, mchId: user.mchId, name: user.name, role: user.role }, address: req.clientAddress ?? null };
}

/** The signed-in operator, for the audit log, from the request's address (docs/audit-log.md). */
export function operatorActing(operator: Operator, req: ApiRequest): ActingAs {
  return consoleActing(operator, req.clientAddress ?? null);
}
