import { unchanged, type Decided } from '../domain/effects.js';
import { decidePinTry, pinMatches } from '../domain/credentials.js';
import {
  decideCashierTriesCleared,
  decideCashierTry,
  decideLinkSignIn,
  decideSessionUse,
  newSecretToken,
  pageAccessSweep,
  secretHash,
  sessionOpening,
  SIGN_IN_LINK_TTL_MS,
  type Cashier,
  type PageSession,
  type SessionSubject,
  UNKNOWN_ACCOUNT_HASH,
} from '../domain/page-access.js';
import type { StorePort } from '../store/port.js';
import { audited, consoleActing, sessionRecord, type ActingAs, type FailedSignIn, type PasswordAskedAt } from '../domain/audit-log.js';
import { recordAction } from './audit-log.js';
import { ACCOUNT_TRIES } from './in-turn.js';

/**
 * The web pages' sign-in flows (docs/pages.md), written once over the store port. Secrets (session
 * ids, link tokens) are drawn here and handed back to the caller once; only their hashes are stored.
 */

/**
 * A new session for `subject`: its id, for the cookie, and never stored. A console's session is
 * logged as its user's sign-in from `address`, in the same transaction.
 */
export async function openSession(port: StorePort, subject: SessionSubject, address: string | null = null): Promise<string> {
  const sessionId = newSecretToken();
  await port.decide({ view: 'none' }, (_none, nowMs) => sessionOpened(sessionId, subject, address, nowMs));
  return sessionId;
}

export function sessionOpened(sessionId: string, subject: SessionSubject, address: string | null, nowMs: number): Decided<'opened'> {
  const acting = consoleActing(subject, address);
  return audited({ result: 'opened', effects: [sessionOpening(secretHash(sessionId), subject, nowMs)] },
    acting, nowMs, () => (acting === undefined ? null : sessionRecord('session.signIn', acting.actor)));
}

/**
 * A failed console sign-in of a known user, or a wrong password asked again `at` a change, logged
 * without anything typed; the till's sign-ins are not.
 */
export async function recordFailedSignIn(
  port: StorePort, subject: SessionSubject, address: string | null, outcome: FailedSignIn, at?: PasswordAskedAt,
): Promise<void> {
  const acting = consoleActing(subject, address);
  if (acting !== undefined) await recordAction(port, acting, sessionRecord('session.signInFailed', acting.actor, outcome, at));
}

/** The live session under this id (its last request recorded), or null: unknown, ended or expired (then ended). */
export function useSession(port: StorePort, sessionId: string): Promise<PageSession | null> {
  return port.decide({ view: 'pageSession', sessionHash: secretHash(sessionId) }, decideSessionUse);
}

/**
 * Ends the session. With `address` (a sign-out, not a session replaced by a new sign-in), a
 * console's is logged as its user's sign-out, in the same transaction.
 */
export async function endSession(port: StorePort, sessionId: string, address?: string | null): Promise<void> {
  const sessionHash = secretHash(sessionId);
  await port.decide({ view: 'pageSession', sessionHash }, (s, nowMs): Decided<null> => {
    if (s === null) return unchanged(null);
    const acting = address === undefined ? undefined : consoleActing(s.subject, address);
    return audited({ result: null, effects: [{ kind: 'endPageSession', sessionHash }] }, acting, nowMs,
      () => (acting === undefined ? null : sessionRecord('session.signOut', acting.actor)));
  });
}

/**
 * Deletes expired sessions and spent sign-in links, a bounded number of each (a background job,
 * platform.ts). Requests refuse those anyway; this keeps the tables to what can still be used.
 */
export async function sweepPageAccess(port: StorePort): Promise<void> {
  await port.decide({ view: 'none' }, (_none, nowMs) => ({ result: undefined, effects: pageAccessSweep(nowMs) }));
}

export type LinkIssue = { readonly token: string; readonly expiresAtMs: number } | 'NO_WALLET' | 'WALLET_CLOSED';

/** A one-time sign-in link's token for the wallet: valid SIGN_IN_LINK_TTL_MS, one use. */
export function issueSignInLink(port: StorePort, walletId: string, acting?: ActingAs): Promise<LinkIssue> {
  const token = newSecretToken();
  return port.decide({ view: 'wallet', walletId }, (wallet, nowMs): Decided<LinkIssue> => {
    if (wallet === null) return unchanged('NO_WALLET');
    if (wallet.status === 'closed') return unchanged('WALLET_CLOSED');
    const link = { linkHash: secretHash(token), walletId, createdAtMs: nowMs, expiresAtMs: nowMs + SIGN_IN_LINK_TTL_MS, usedAtMs: null };
    // The link's token signs the holder in: the log says only that one was issued.
    return audited({ result: { token, expiresAtMs: link.expiresAtMs }, effects: [{ kind: 'insertSignInLink', link }] }, acting, nowMs, () =>
      ({ action: 'wallet.signInLink', mchId: null, subjectId: walletId, detail: {} }));
  });
}

/** Uses the link and opens the wallet's session in one transaction: the session id, or INVALID. */
export async function signInWithLink(port: StorePort, token: string): Promise<{ sessionId: string; walletId: string } | 'INVALID'> {
  const sessionId = newSecretToken();
  const taken = await port.decide({ view: 'signInLink', linkHash: secretHash(token) }, (view, nowMs) =>
    decideLinkSignIn(view, secretHash(sessionId), nowMs));
  return taken === 'INVALID' ? taken : { sessionId, walletId: taken.walletId };
}

export type CashierSignIn =
  | { readonly kind: 'signedIn'; readonly sessionId: string; readonly cashier: Cashier }
  /** `unknown`: no active merchant has a user of that name (answered alike; only the log tells them apart). */
  | { readonly kind: 'wrong'; readonly unknown?: true }
  | { readonly kind: 'locked' }
  /** The right password of a user the owner or an operator disabled (merchant-users.ts setUserStatus). */
  | { readonly kind: 'disabled' };

/** The session a user's sign-in opens: at the till (`cashier`) or in the merchant console (`merchant`). */
function userSubject(page: 'cashier' | 'merchant', c: Cashier): SessionSubject {
  return page === 'cashier'
    ? { kind: 'cashier', cashierId: c.cashierId, mchId: c.mchId, name: c.name, role: c.role, refundLimitSen: c.refundLimitSen }
    : { kind: 'merchant', userId: c.cashierId, mchId: c.mchId, name: c.name, role: c.role, refundLimitSen: c.refundLimitSen };
}

/**
 * Merchant id + user name + password, at the till or in the merchant console (both roles may sign
 * in to either). An unknown merchant or user is answered as a wrong password, and costs the same
 * scrypt.
 */
export async function signInCashier(
  port: StorePort, mchId: string, name: string, password: string, page: 'cashier' | 'merchant' = 'cashier', address: string | null = null,
): Promise<CashierSignIn> {
  const checked = await checkUserPassword(port, mchId, name, password, page, address);
  if (checked.kind !== 'right') return checked;
  const sessionId = newSecretToken();
  // Decided again on the user's locked row: a user disabled (or a merchant suspended) since its
  // password was checked opens nothing, as disabling ends the sessions it finds.
  const opened = await port.decide({ view: 'cashier', mchId, name }, ({ merchant, cashier }, nowMs): Decided<'opened' | 'wrong' | 'disabled'> => {
    if (merchant?.status !== 'active' || cashier === null || cashier.cashierId !== checked.cashier.cashierId) return unchanged('wrong');
    if (cashier.disabledAtMs !== null) return unchanged('disabled');
    return sessionOpened(sessionId, userSubject(page, cashier), address, nowMs);
  });
  if (opened === 'disabled') await recordFailedSignIn(port, userSubject(page, checked.cashier), address, 'disabled');
  return opened === 'opened' ? { kind: 'signedIn', sessionId, cashier: checked.cashier } : { kind: opened };
}

/** `disabled`: the right password of a user disabled since (merchant-users.ts setUserStatus): it opens and changes nothing. */
export type PasswordCheck =
  | { readonly kind: 'right'; readonly cashier: Cashier }
  | { readonly kind: 'wrong'; readonly unknown?: true }
  | { readonly kind: 'locked' | 'disabled' };

/**
 * The password of a merchant's user, checked as a sign-in checks it, for a change that asks for it
 * again (`at`: the payout account): a wrong one is counted and logged, and five in a row lock the user.
 * A try is taken before the slow comparison (the PIN lockout's rule, credentials.ts), so guesses
 * racing each other cannot outrun the lock.
 */
export function checkUserPassword(
  port: StorePort, mchId: string, name: string, password: string, page: 'cashier' | 'merchant', address: string | null, at?: PasswordAskedAt,
): Promise<PasswordCheck> {
  // One user's tries take turns (in-turn.ts): several tills signing in as one shared cashier at
  // once must not add up to a lock.
  return ACCOUNT_TRIES.run(`user ${mchId} ${name}`, () => oneUserTry(port, mchId, name, password, page, address, at));
}

async function oneUserTry(
  port: StorePort, mchId: string, name: string, password: string, page: 'cashier' | 'merchant', address: string | null, at?: PasswordAskedAt,
): Promise<PasswordCheck> {
  const taken = await port.decide({ view: 'cashier', mchId, name }, ({ merchant, cashier }, nowMs): Decided<{ cashier: Cashier; tries: number | null } | null> => {
    if (merchant === null || merchant.status !== 'active' || cashier === null) return unchanged(null);
    const decided = decideCashierTry(cashier, nowMs);
    return { result: { cashier, tries: decided.result }, effects: decided.effects };
  });
  const matches = await pinMatches(password, taken?.cashier.passwordHash ?? UNKNOWN_ACCOUNT_HASH);
  if (taken === null) return { kind: 'wrong', unknown: true };
  const check = decidePinTry(taken.tries, matches);
  if (check.kind !== 'right') {
    await recordFailedSignIn(port, userSubject(page, taken.cashier), address, check.kind, at);
    return { kind: check.kind };
  }
  await port.decide({ view: 'cashier', mchId, name }, ({ cashier }) => decideCashierTriesCleared(cashier, check.triesTaken));
  if (taken.cashier.disabledAtMs !== null) {
    await recordFailedSignIn(port, userSubject(page, taken.cashier), address, 'disabled', at);
    return { kind: 'disabled' };
  }
  return { kind: 'right', cashier: taken.cashier };
}
