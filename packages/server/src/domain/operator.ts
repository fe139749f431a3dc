import type { Secret } from '@micropay/protocol';
import type { OperatorRole } from '@micropay/protocol/operator-roles';
import type { Decided } from './effects.js';
import { unchanged } from './effects.js';
import { totpMatch } from './totp.js';
import { ACCOUNT_CLEARED, isPinLocked, takeAccountTry } from './credentials.js';

/**
 * The platform's operators (docs/consoles.md): people who sign in to /admin, created with
 * `micropay admin create`. A password (scrypt), and optionally a TOTP second factor whose secret
 * is stored encrypted under the master key; wrong passwords and wrong codes count toward the same
 * lockout as a cashier's (5 in a row, for 15 minutes: credentials.ts isAccountLocked).
 */
export interface Operator {
  readonly operatorId: string;
  readonly name: string;
  readonly passwordHash: string;
  readonly failures: number;
  /** When the wrong tries in a row made a lock; null: none. */
  readonly lockedAtMs: number | null;
  /** The TOTP secret (base32), opened from its ciphertext; null: no second factor. */
  readonly totpSecret: Secret | null;
  /** The last 30-second step a code signed in with: a code works once. */
  readonly lastTotpStep: number | null;
  /** What the operator may change at /admin (@micropay/protocol/operator-roles). */
  readonly role: OperatorRole;
  /** Disabled since then (`admin disable`: someone who left); null: active. */
  readonly disabledAtMs: number | null;
  readonly createdAtMs: number;
}

/**
 * An operator as a list shows it (`admin list`, the console's Operators section): whether TOTP is
 * on, never the secret, so listing opens nothing sealed and needs no master key.
 */
export interface OperatorSummary {
  readonly operatorId: string;
  readonly name: string;
  readonly failures: number;
  readonly lockedAtMs: number | null;
  readonly totpOn: boolean;
  readonly role: OperatorRole;
  readonly disabledAtMs: number | null;
  readonly createdAtMs: number;
}

/**
 * Whether an active admin is left: only an admin changes merchants and wallets' accounts at
 * /admin (operator-roles), so without one the console can no longer (the CLI still can).
 */
export function hasActiveAdmin(operators: readonly Pick<OperatorSummary, 'role' | 'disabledAtMs'>[]): boolean {
  return operators.some((o) => o.role === 'admin' && o.disabledAtMs === null);
}

/** An operator's name: typed at sign-in and shown in the console. */
export const OPERATOR_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,39}$/;

/**
 * Takes one try before the slow comparison (decideCashierTry's rule): the count after, null when
 * locked. The try that reaches the lockout also ends the operator's sessions: a locked operator is
 * locked out of a console already open too (someone may be guessing because they hold one).
 */
export function decideOperatorTry(op: Operator, nowMs: number): Decided<number | null> {
  const taken = takeAccountTry(op, nowMs);
  if (taken === null) return unchanged(null);
  const security = { kind: 'setOperatorSecurity', operatorId: op.operatorId, ...taken } as const;
  return { result: taken.failures, effects: isPinLocked(taken.failures) ? [security, { kind: 'endOperatorPageSessions', operatorId: op.operatorId }] : [security] };
}

/**
 * The second factor, decided under the operator's lock after the password matched: with TOTP set,
 * the code must match a step after the last one used, which is recorded with the cleared count;
 * without TOTP, no code is needed. A wrong or reused code leaves the try counted.
 */
export function decideOperatorSecondFactor(op: Operator | null, countAfterTaking: number, code: string | null, nowMs: number): Decided<boolean> {
  if (op === null) return unchanged(false);
  let lastTotpStep: number | undefined;
  if (op.totpSecret !== null) {
    const step = code === null ? null : totpMatch(op.totpSecret.expose(), code, nowMs, op.lastTotpStep);
    if (step === null) return unchanged(false);
    lastTotpStep = step;
  }
  // As a cashier's right password (decideCashierTriesCleared): cleared unless other tries were taken meanwhile.
  const lock = op.failures === countAfterTaking ? ACCOUNT_CLEARED : { failures: op.failures, lockedAtMs: op.lockedAtMs };
  return { result: true, effects: [{ kind: 'setOperatorSecurity', operatorId: op.operatorId, ...lock, ...(lastTotpStep === undefined ? {} : { lastTotpStep }) }] };
}
