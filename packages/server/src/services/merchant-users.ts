import { randomUUID } from 'node:crypto';
import { formatSen } from '@micropay/protocol';
import { unchanged, type Decided } from '../domain/effects.js';
import { ACCOUNT_CLEARED } from '../domain/credentials.js';
import type { Cashier } from '../domain/page-access.js';
import { newUserNameRefusal, passwordResetRefusal, userStatus, userStatusChangeRefusal, type MerchantRole, type UserStatus } from '../domain/merchant-users.js';
import type { StorePort } from '../store/port.js';
import { audited, auditText, type ActingAs } from '../domain/audit-log.js';

/**
 * A merchant's users (domain/merchant-users.ts, docs/consoles.md), managed by the CLI and the
 * owner's Users section alike, written once over the store port: each change decides on the user's
 * locked row and is logged in its own transaction.
 */

export type CashierCreation = Cashier | 'NO_MERCHANT' | 'NAME_TAKEN' | UserChangeRefused;

/** A change a rule of domain/merchant-users.ts refuses: why, in words for the person who asked. */
export interface UserChangeRefused {
  readonly refused: string;
}

/** A user after a change; null: the merchant has no user of that name; or why the change is refused. */
export type UserChange = Cashier | null | UserChangeRefused;

export function isRefused(change: UserChange | CashierCreation): change is UserChangeRefused {
  return typeof change === 'object' && change !== null && 'refused' in change;
}

/** A new user's role and refund limit: a cashier without a limit unless told. */
export interface MerchantUserOptions {
  readonly role?: MerchantRole;
  readonly refundLimitSen?: number | null;
}

/**
 * A merchant's new user (a cashier account, or the owner) with an already hashed password (the CLI
 * or the owner's console draws and hashes it).
 */
export function createCashier(
  port: StorePort, mchId: string, name: string, passwordHash: string, options: MerchantUserOptions = {}, acting?: ActingAs,
): Promise<CashierCreation> {
  return port.decide({ view: 'cashier', mchId, name }, ({ merchant, cashier }, nowMs): Decided<CashierCreation> => {
    const unclear = newUserNameRefusal(name);
    if (unclear !== null) return unchanged({ refused: unclear });
    if (merchant === null) return unchanged('NO_MERCHANT');
    if (cashier !== null) return unchanged('NAME_TAKEN');
    const role = options.role ?? 'cashier';
    // An owner has no limit (refundRoomSen): none is stored for one.
    const refundLimitSen = role === 'owner' ? null : options.refundLimitSen ?? null;
    const created: Cashier = {
      cashierId: randomUUID(), mchId, name, role, refundLimitSen, passwordHash, ...ACCOUNT_CLEARED, disabledAtMs: null, createdAtMs: nowMs,
    };
    return audited({ result: created, effects: [{ kind: 'insertCashier', cashier: created }] }, acting, nowMs, () =>
      ({ action: 'user.create', mchId, subjectId: created.cashierId, detail: { name: auditText(name), role, refundLimit: refundLimitSen === null ? null : formatSen(refundLimitSen) } }));
  });
}

/**
 * A new password that also unlocks the account and ends every session of the user, at the till and
 * in the console: whoever held the old password is signed out with it. A disabled user is refused
 * (passwordResetRefusal).
 */
export function resetCashierPassword(port: StorePort, mchId: string, name: string, passwordHash: string, acting?: ActingAs): Promise<UserChange> {
  return port.decide({ view: 'cashier', mchId, name }, ({ cashier }, nowMs): Decided<UserChange> => {
    if (cashier === null) return unchanged(null);
    const refused = passwordResetRefusal(cashier);
    if (refused !== null) return unchanged({ refused });
    return newPassword(cashier, passwordHash, 'user.reset', acting, nowMs);
  });
}

/**
 * A user's new password, its count cleared and its sessions ended (but `keepSessionHash`'s), in
 * one transaction with its audit row: which account, never the password or its hash.
 */
function newPassword(
  cashier: Cashier, passwordHash: string, action: 'user.reset' | 'user.changePassword', acting: ActingAs | undefined, nowMs: number, keepSessionHash?: string,
): Decided<Cashier> {
  const changed: Decided<Cashier> = {
    result: { ...cashier, passwordHash, ...ACCOUNT_CLEARED },
    effects: [
      { kind: 'setCashierSecurity', cashierId: cashier.cashierId, passwordHash, ...ACCOUNT_CLEARED },
      { kind: 'endUserPageSessions', cashierId: cashier.cashierId, ...(keepSessionHash === undefined ? {} : { keepSessionHash }) },
    ],
  };
  return audited(changed, acting, nowMs, () => ({ action, mchId: cashier.mchId, subjectId: cashier.cashierId,
    detail: { name: auditText(cashier.name), role: cashier.role } }));
}

/**
 * A signed-in user's own new password (its current one checked first: api/page-merchant-password.ts):
 * the count cleared, and every other session of the user ended, at the till and in the console, so
 * a password someone else learnt stops working everywhere at once. Null: the user is gone, or was
 * disabled since its password was checked (a disabled user gets no new password).
 */
export function changeOwnPassword(
  port: StorePort, user: { readonly userId: string; readonly mchId: string; readonly name: string }, passwordHash: string, keepSessionHash: string, acting?: ActingAs,
): Promise<Cashier | null> {
  return port.decide({ view: 'cashier', mchId: user.mchId, name: user.name }, ({ cashier }, nowMs): Decided<Cashier | null> => {
    if (cashier === null || cashier.cashierId !== user.userId || passwordResetRefusal(cashier) !== null) return unchanged(null);
    return newPassword(cashier, passwordHash, 'user.changePassword', acting, nowMs, keepSessionHash);
  });
}

/** A user's refund limit, set by the owner; null: no such user, or the user is the owner (who has none). */
export function setRefundLimit(port: StorePort, mchId: string, name: string, refundLimitSen: number | null, acting?: ActingAs): Promise<Cashier | null> {
  return port.decide({ view: 'cashier', mchId, name }, ({ cashier }, nowMs): Decided<Cashier | null> => {
    if (cashier === null || cashier.role === 'owner') return unchanged(null);
    const set = { result: { ...cashier, refundLimitSen }, effects: [{ kind: 'setMerchantUserRefundLimit' as const, cashierId: cashier.cashierId, refundLimitSen }] };
    return audited(set, acting, nowMs, () => ({ action: 'user.setRefundLimit', mchId, subjectId: cashier.cashierId,
      detail: { name, refundLimit: refundLimitSen === null ? null : formatSen(refundLimitSen) } }));
  });
}

/**
 * Disables a user or enables it again. Disabling ends every session of the user in the same
 * transaction, at the till and in the console, and from then on its sign-ins answer 9024; its
 * name, charges, refunds and log stay. Setting the status it has writes and logs nothing.
 */
export function setUserStatus(port: StorePort, mchId: string, name: string, to: UserStatus, acting?: ActingAs): Promise<UserChange> {
  return port.decide({ view: 'cashier', mchId, name }, ({ cashier }, nowMs): Decided<UserChange> => {
    if (cashier === null) return unchanged(null);
    if (userStatus(cashier) === to) return unchanged(cashier);
    const actorUserId = acting?.actor.kind === 'merchantUser' ? acting.actor.userId : null;
    const refused = userStatusChangeRefusal(actorUserId, cashier, to);
    if (refused !== null) return unchanged({ refused });
    const disabledAtMs = to === 'disabled' ? nowMs : null;
    const changed: Decided<UserChange> = {
      result: { ...cashier, disabledAtMs },
      effects: [
        { kind: 'setMerchantUserDisabled', cashierId: cashier.cashierId, disabledAtMs },
        ...(to === 'disabled' ? [{ kind: 'endUserPageSessions' as const, cashierId: cashier.cashierId }] : []),
      ],
    };
    return audited(changed, acting, nowMs, () => ({ action: to === 'disabled' ? 'user.disable' : 'user.enable', mchId, subjectId: cashier.cashierId,
      detail: { name: auditText(name), role: cashier.role } }));
  });
}
