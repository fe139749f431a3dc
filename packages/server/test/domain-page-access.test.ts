import { describe, expect, it } from 'vitest';
import type { Wallet } from '../src/domain/model.js';
import { walletStatusEffects } from '../src/domain/wallet.js';
import { ACCOUNT_LOCKOUT_MS, isAccountLocked } from '../src/domain/credentials.js';
import {
  csrfMatches,
  csrfTokenOf,
  decideCashierTriesCleared,
  decideCashierTry,
  decideLinkSignIn,
  decideSessionUse,
  newCashierPassword,
  newSecretToken,
  pageAccessSweep,
  sessionExpired,
  SESSION_IDLE_MS,
  SESSION_MAX_MS,
  SESSION_TOUCH_MS,
  type Cashier,
  type PageSession,
} from '../src/domain/page-access.js';

/** The web pages' sign-in rules as pure decisions (domain/page-access.ts), without a database. */
const NOW = 1_800_000_000_000;
const session: PageSession = { sessionHash: 'h', subject: { kind: 'wallet', walletId: '600000000001' }, createdAtMs: NOW, lastSeenAtMs: NOW };
const kinds = (effects: readonly { kind: string }[]) => effects.map((e) => e.kind);

describe('a session in use', () => {
  it('is recorded at most once a minute, ended when idle 30 minutes or 12 hours old', () => {
    expect(decideSessionUse(session, NOW + SESSION_TOUCH_MS - 1)).toEqual({ result: session, effects: [] });
    expect(kinds(decideSessionUse(session, NOW + SESSION_TOUCH_MS).effects)).toEqual(['touchPageSession']);
    expect(decideSessionUse(session, NOW + SESSION_IDLE_MS)).toEqual({ result: null, effects: [{ kind: 'endPageSession', sessionHash: 'h' }] });
    const busy = { ...session, lastSeenAtMs: NOW + SESSION_MAX_MS - 1 };
    expect(decideSessionUse(busy, NOW + SESSION_MAX_MS).result).toBeNull();
    expect(decideSessionUse(null, NOW)).toEqual({ result: null, effects: [] });
  });

  it("has a CSRF token only its own id gives, compared whole", () => {
    const id = newSecretToken();
    expect(id).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(csrfMatches(id, csrfTokenOf(id))).toBe(true);
    expect(csrfMatches(id, csrfTokenOf(newSecretToken()))).toBe(false);
    expect(csrfMatches(id, undefined)).toBe(false);
    expect(csrfMatches(id, csrfTokenOf(id).slice(0, -1))).toBe(false);
  });
});

describe('a sign-in link', () => {
  const wallet = { walletId: '600000000001', status: 'active' } as Wallet;
  const link = { linkHash: 'l', walletId: wallet.walletId, createdAtMs: NOW, expiresAtMs: NOW + 1000, usedAtMs: null };

  it('is used and opens the session in one decision, once, before it expires, for a wallet not closed', () => {
    expect(kinds(decideLinkSignIn({ link, wallet }, 's', NOW).effects)).toEqual(['useSignInLink', 'insertPageSession']);
    expect(decideLinkSignIn({ link: { ...link, usedAtMs: NOW }, wallet }, 's', NOW).result).toBe('INVALID');
    expect(decideLinkSignIn({ link, wallet }, 's', NOW + 1000).result).toBe('INVALID');
    expect(decideLinkSignIn({ link, wallet: { ...wallet, status: 'closed' } }, 's', NOW).result).toBe('INVALID');
    expect(decideLinkSignIn(null, 's', NOW)).toEqual({ result: 'INVALID', effects: [] });
  });
});

describe('housekeeping', () => {
  it('the sweep deletes by the very cutoffs a request ends a session with', () => {
    const sweep = pageAccessSweep(NOW + SESSION_IDLE_MS);
    expect(sweep).toEqual([
      { kind: 'sweepPageSessions', lastSeenAtOrBeforeMs: NOW, createdAtOrBeforeMs: NOW + SESSION_IDLE_MS - SESSION_MAX_MS, limit: 1000 },
      { kind: 'sweepSignInLinks', expiresAtOrBeforeMs: NOW + SESSION_IDLE_MS, limit: 1000 },
    ]);
    // At the cutoff a session is expired for a request too; a millisecond before, for neither.
    expect(sessionExpired(session, NOW + SESSION_IDLE_MS)).toBe(true);
    expect(sessionExpired(session, NOW + SESSION_IDLE_MS - 1)).toBe(false);
    expect((pageAccessSweep(NOW + SESSION_IDLE_MS - 1)[0] as { lastSeenAtOrBeforeMs: number }).lastSeenAtOrBeforeMs).toBeLessThan(session.lastSeenAtMs);
  });

  it('closing a wallet ends its page access in the same decision as the close; freezing does not', () => {
    expect(kinds(walletStatusEffects('600000000001', 'closed', 0))).toEqual(['setWalletStatus', 'revokeDevices', 'endWalletPageSessions', 'dropWalletSignInLinks']);
    expect(kinds(walletStatusEffects('600000000001', 'frozen', 0))).toEqual(['setWalletStatus', 'revokeDevices']);
    expect(kinds(walletStatusEffects('600000000001', 'active', 0))).toEqual(['setWalletStatus']);
  });
});

describe('a cashier password try', () => {
  const cashier: Cashier = { cashierId: 'c', mchId: '1', name: 'lane-1', role: 'cashier', refundLimitSen: null, passwordHash: 'x', failures: 2, lockedAtMs: null, createdAtMs: NOW };
  const locked: Cashier = { ...cashier, failures: 5, lockedAtMs: NOW };

  it('is counted before the comparison, none is taken when locked, and a right one clears only its own count', () => {
    expect(decideCashierTry(cashier, NOW)).toEqual({ result: 3, effects: [{ kind: 'setCashierSecurity', cashierId: 'c', failures: 3, lockedAtMs: null }] });
    expect(decideCashierTry({ ...cashier, failures: 4 }, NOW)).toEqual({ result: 5, effects: [{ kind: 'setCashierSecurity', cashierId: 'c', failures: 5, lockedAtMs: NOW }] });
    expect(decideCashierTry(locked, NOW + ACCOUNT_LOCKOUT_MS - 1)).toEqual({ result: null, effects: [] });
    expect(kinds(decideCashierTriesCleared({ ...cashier, failures: 3 }, 3).effects)).toEqual(['setCashierSecurity']);
    expect(decideCashierTriesCleared({ ...cashier, failures: 4 }, 3).effects).toEqual([]);
  });

  it('after the lockout period the lock has ended and the count starts again at this try', () => {
    expect(isAccountLocked(locked, NOW + ACCOUNT_LOCKOUT_MS - 1)).toBe(true);
    expect(isAccountLocked(locked, NOW + ACCOUNT_LOCKOUT_MS)).toBe(false);
    expect(decideCashierTry(locked, NOW + ACCOUNT_LOCKOUT_MS)).toEqual({ result: 1, effects: [{ kind: 'setCashierSecurity', cashierId: 'c', failures: 1, lockedAtMs: null }] });
  });

  it('draws generated passwords of 16 unambiguous characters in four groups', () => {
    const passwords = new Set(Array.from({ length: 50 }, newCashierPassword));
    expect(passwords.size).toBe(50);
    for (const p of passwords) expect(p).toMatch(/^[a-hjkmnp-z2-9]{4}(-[a-hjkmnp-z2-9]{4}){3}$/);
  });
});
