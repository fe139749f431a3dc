import type { OperatorRole } from '@micropay/protocol/operator-roles';
import type { SessionEnds } from '@micropay/protocol/page-session';
import { createHash, randomBytes, randomInt, timingSafeEqual } from 'node:crypto';
import type { Decided, Effect } from './effects.js';
import { unchanged } from './effects.js';
import type { Wallet } from './model.js';
import type { MerchantRole } from './merchant-users.js';
import { ACCOUNT_CLEARED, takeAccountTry } from './credentials.js';

/**
 * Who is signed in to a web page (docs/pages.md): a session for a wallet holder or for a cashier.
 * The session id lives only in the browser's HttpOnly cookie; the platform stores its SHA-256,
 * so a copy of the database opens no session. Expiry slides: 30 minutes without a request ends a
 * session, and none lives longer than 12 hours, however busy.
 */
export type SessionKind = 'wallet' | 'cashier' | 'merchant' | 'operator';

/**
 * `name`, `role` and `refundLimitSen` of a merchant's user are read with the session from the user's
 * row, not stored in it, so a change by the owner applies to the user's next request.
 */
export type SessionSubject =
  | { readonly kind: 'wallet'; readonly walletId: string }
  | { readonly kind: 'cashier'; readonly cashierId: string; readonly mchId: string; readonly name: string; readonly role: MerchantRole; readonly refundLimitSen: number | null }
  /** A merchant user at /merchant (docs/consoles.md); `userId` is the user's cashier_id. */
  | { readonly kind: 'merchant'; readonly userId: string; readonly mchId: string; readonly name: string; readonly role: MerchantRole; readonly refundLimitSen: number | null }
  /** An operator at /admin. */
  /** An operator at /admin, with the role read from its row with the session: a change applies to the next request. */
  | { readonly kind: 'operator'; readonly operatorId: string; readonly name: string; readonly role: OperatorRole };

export interface PageSession {
  readonly sessionHash: string;
  readonly subject: SessionSubject;
  readonly createdAtMs: number;
  readonly lastSeenAtMs: number;
}

// The rule's figures live with the page API's session format, where the error catalogue reads them too.
import { SESSION_IDLE_MS, SESSION_MAX_MS } from '@micropay/protocol/page-session';

export { SESSION_IDLE_MS, SESSION_MAX_MS };
/** A session's last request is written at most this often: a page's every call is not a write. */
export const SESSION_TOUCH_MS = 60_000;
/** How long a one-time wallet sign-in link (`micropay wallet link`) can be used. */
export const SIGN_IN_LINK_TTL_MS = 15 * 60_000;

/** A one-time wallet sign-in link as stored: only the hash of its token. */
export interface SignInLink {
  readonly linkHash: string;
  readonly walletId: string;
  readonly createdAtMs: number;
  readonly expiresAtMs: number;
  readonly usedAtMs: number | null;
}

/**
 * A merchant's user (domain/merchant-users.ts), first made for the cashier page: `failures` is
 * wrong passwords in a row, `lockedAtMs` when they made a lock (the account lockout's rule,
 * credentials.ts isAccountLocked).
 */
export interface Cashier {
  readonly cashierId: string;
  readonly mchId: string;
  readonly name: string;
  readonly role: MerchantRole;
  /** Most a sale's refunds may add up to when this user refunds it, in sen; null: no limit. */
  readonly refundLimitSen: number | null;
  readonly passwordHash: string;
  readonly failures: number;
  readonly lockedAtMs: number | null;
  /** When the owner or an operator disabled the user (domain/merchant-users.ts); null: it may sign in. */
  readonly disabledAtMs: number | null;
  readonly createdAtMs: number;
}

/** 32 random bytes, URL-safe: session ids, link tokens. Too long to guess, so SHA-256 is a safe stored form. */
export function newSecretToken(): string {
  return randomBytes(32).toString('base64url');
}

export function secretHash(token: string): string {
  return createHash('sha256').update(token, 'utf8').digest('hex');
}

/**
 * The session's CSRF token, derived from its id rather than stored: only the session's own page
 * (which reads it from the session call) can know it, and the stored hash does not give it away.
 */
export function csrfTokenOf(sessionId: string): string {
  return createHash('sha256').update(`micropay-csrf:${sessionId}`, 'utf8').digest('base64url');
}

export function csrfMatches(sessionId: string, given: string | undefined): boolean {
  if (given === undefined) return false;
  const expected = Buffer.from(csrfTokenOf(sessionId));
  const actual = Buffer.from(given);
  return actual.length === expected.length && timingSafeEqual(actual, expected);
}

/**
 * The expiry rule as two cutoffs: a session whose last request is at or before `lastSeenAtOrBeforeMs`,
 * or that was opened at or before `createdAtOrBeforeMs`, has expired. A request checks one session
 * with it (sessionExpired), the sweep deletes every session it names (pageAccessSweep).
 */
export function sessionCutoffs(nowMs: number): { readonly lastSeenAtOrBeforeMs: number; readonly createdAtOrBeforeMs: number } {
  return { lastSeenAtOrBeforeMs: nowMs - SESSION_IDLE_MS, createdAtOrBeforeMs: nowMs - SESSION_MAX_MS };
}

export function sessionExpired(s: PageSession, nowMs: number): boolean {
  const cut = sessionCutoffs(nowMs);
  return s.lastSeenAtMs <= cut.lastSeenAtOrBeforeMs || s.createdAtMs <= cut.createdAtOrBeforeMs;
}

/**
 * What the session has left at `nowMs`, by the same rule as sessionExpired: the page is told it
 * (X-Session-Ends, @micropay/protocol/page-session) so it can warn before the end, never to decide it.
 */
export function sessionTimeLeft(s: PageSession, nowMs: number): SessionEnds {
  return {
    idleLeftMs: Math.max(0, s.lastSeenAtMs + SESSION_IDLE_MS - nowMs),
    leftMs: Math.max(0, s.createdAtMs + SESSION_MAX_MS - nowMs),
    idleLimitMs: SESSION_IDLE_MS,
  };
}

/** What a session just opened has left: the whole of both limits. */
export const NEW_SESSION_TIME_LEFT: SessionEnds = { idleLeftMs: SESSION_IDLE_MS, leftMs: SESSION_MAX_MS, idleLimitMs: SESSION_IDLE_MS };

/** A link can no longer sign in once used, or from its expiry on (decideLinkSignIn). */
export function linkSpent(link: SignInLink, nowMs: number): boolean {
  return link.usedAtMs !== null || nowMs >= link.expiresAtMs;
}

/** Most rows of each table one sweep deletes, so its transaction stays short; the rest wait for the next. */
export const PAGE_ACCESS_SWEEP_LIMIT = 1000;

/**
 * Housekeeping: expired sessions and spent links are deleted. Nothing depends on it (a request
 * already refuses an expired session or a spent link), so a sweep that leaves rows behind is harmless.
 */
export function pageAccessSweep(nowMs: number, limit = PAGE_ACCESS_SWEEP_LIMIT): Effect[] {
  return [
    { kind: 'sweepPageSessions', ...sessionCutoffs(nowMs), limit },
    // linkSpent's rule: used, or now at or past its expiry.
    { kind: 'sweepSignInLinks', expiresAtOrBeforeMs: nowMs, limit },
  ];
}

/** A closed wallet opens nothing: its sessions end and its unused links go, with the close. */
export function walletPageAccessEnd(walletId: string): Effect[] {
  return [{ kind: 'endWalletPageSessions', walletId }, { kind: 'dropWalletSignInLinks', walletId }];
}

/** A request on the session: ended when expired, its last request recorded when that is stale. */
export function decideSessionUse(s: PageSession | null, nowMs: number): Decided<PageSession | null> {
  if (s === null) return unchanged(null);
  if (sessionExpired(s, nowMs)) return { result: null, effects: [{ kind: 'endPageSession', sessionHash: s.sessionHash }] };
  if (nowMs - s.lastSeenAtMs < SESSION_TOUCH_MS) return unchanged(s);
  return { result: { ...s, lastSeenAtMs: nowMs }, effects: [{ kind: 'touchPageSession', sessionHash: s.sessionHash, lastSeenAtMs: nowMs }] };
}

export function sessionOpening(sessionHash: string, subject: SessionSubject, nowMs: number): Effect & { kind: 'insertPageSession' } {
  return { kind: 'insertPageSession', session: { sessionHash, subject, createdAtMs: nowMs, lastSeenAtMs: nowMs } };
}

export type LinkSignIn = { readonly walletId: string } | 'INVALID';

/**
 * A sign-in link is taken once: unused, not expired, its wallet not closed. Using it and opening
 * the session are one decision, so a link can never open two sessions.
 */
export function decideLinkSignIn(
  view: { readonly link: SignInLink; readonly wallet: Wallet | null } | null,
  sessionHash: string,
  nowMs: number,
): Decided<LinkSignIn> {
  if (view === null) return unchanged('INVALID');
  const { link, wallet } = view;
  if (linkSpent(link, nowMs) || wallet === null || wallet.status === 'closed') return unchanged('INVALID');
  return {
    result: { walletId: link.walletId },
    effects: [
      { kind: 'useSignInLink', linkHash: link.linkHash, usedAtMs: nowMs },
      sessionOpening(sessionHash, { kind: 'wallet', walletId: link.walletId }, nowMs),
    ],
  };
}

/**
 * Takes one password try before the slow comparison (credentials.ts takeAccountTry): the count
 * after taking it, or null while the account is locked.
 */
export function decideCashierTry(cashier: Cashier, nowMs: number): Decided<number | null> {
  const taken = takeAccountTry(cashier, nowMs);
  if (taken === null) return unchanged(null);
  return { result: taken.failures, effects: [{ kind: 'setCashierSecurity', cashierId: cashier.cashierId, ...taken }] };
}

/** A right password clears the count it took, unless other tries were taken meanwhile. */
export function decideCashierTriesCleared(cashier: Cashier | null, countAfterTaking: number): Decided<void> {
  if (cashier === null || cashier.failures !== countAfterTaking) return unchanged(undefined);
  return { result: undefined, effects: [{ kind: 'setCashierSecurity', cashierId: cashier.cashierId, ...ACCOUNT_CLEARED }] };
}

/**
 * A well-formed scrypt hash that no password matches by chance: a sign-in to an account that does
 * not exist costs the same slow comparison as a real one, so its timing does not tell.
 */
export const UNKNOWN_ACCOUNT_HASH = 'scrypt$AAAAAAAAAAAAAAAAAAAAAA==$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=';

/** A cashier's name: what a till is called, `lane-1`; shown on the page and typed at sign-in. */
export const CASHIER_NAME = /^[A-Za-z0-9][A-Za-z0-9 ._-]{0,39}$/;
/** CASHIER_NAME in words, as the pages, the API and the CLI say it. */
export const CASHIER_NAME_WORDS = '1 to 40 letters, digits, spaces, ".", "_" or "-", starting with a letter or digit';

const PASSWORD_ALPHABET = 'abcdefghjkmnpqrstuvwxyz23456789';

/** A generated cashier password: 4 groups of 4 from 31 unambiguous characters, about 79 bits. */
export function newCashierPassword(): string {
  const chars = Array.from({ length: 16 }, () => PASSWORD_ALPHABET[randomInt(PASSWORD_ALPHABET.length)]!);
  return [0, 4, 8, 12].map((i) => chars.slice(i, i + 4).join('')).join('-');
}
