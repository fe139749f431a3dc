import { randomUUID } from 'node:crypto';
import type { Secret } from '@micropay/protocol';
import { unchanged, type Decided } from '../domain/effects.js';
import { decidePinTry, isPinLocked, pinMatches } from '../domain/credentials.js';
import { decideOperatorSecondFactor, decideOperatorTry, type Operator } from '../domain/operator.js';
import { UNKNOWN_ACCOUNT_HASH } from '../domain/page-access.js';
import type { StorePort } from '../store/port.js';
import { openSession } from './page-access.js';

/**
 * Operators of the platform (docs/consoles.md): created and reset from the CLI (`micropay admin`),
 * signed in at /admin with a password and, when set, a TOTP code.
 */
export type OperatorCreation = Operator | 'NAME_TAKEN';

export function createOperator(port: StorePort, name: string, passwordHash: string, totpSecret: Secret | null): Promise<OperatorCreation> {
  return port.decide({ view: 'operator', name }, (existing, nowMs): Decided<OperatorCreation> => {
    if (existing !== null) return unchanged('NAME_TAKEN');
    const operator: Operator = { operatorId: randomUUID(), name, passwordHash, failures: 0, totpSecret, lastTotpStep: null, createdAtMs: nowMs };
    return { result: operator, effects: [{ kind: 'insertOperator', operator }] };
  });
}

/**
 * A new password, which also unlocks the operator; `totp`: a new secret, null to turn TOTP off,
 * undefined to keep it as it is. Null: no such operator.
 */
export function resetOperator(port: StorePort, name: string, passwordHash: string, totp: Secret | null | undefined): Promise<Operator | null> {
  return port.decide({ view: 'operator', name }, (op): Decided<Operator | null> => {
    if (op === null) return unchanged(null);
    const totpSecret = totp === undefined ? op.totpSecret : totp;
    const lastTotpStep = totp === undefined ? op.lastTotpStep : null;
    return {
      result: { ...op, passwordHash, failures: 0, totpSecret, lastTotpStep },
      effects: [{ kind: 'setOperatorSecurity', operatorId: op.operatorId, failures: 0, passwordHash, ...(totp === undefined ? {} : { totpSecret: totp }) }],
    };
  });
}

export type OperatorSignIn =
  | { readonly kind: 'signedIn'; readonly sessionId: string; readonly operator: Operator }
  | { readonly kind: 'wrong' }
  | { readonly kind: 'locked' };

/**
 * Name + password (+ the authenticator's code when the operator has TOTP). As a cashier's sign-in:
 * a try is taken before the slow comparison, an unknown name costs the same scrypt and is answered
 * as wrong. A wrong code is a wrong try too; the right code's step is recorded, so it works once.
 */
export async function signInOperator(port: StorePort, name: string, password: string, code: string | null): Promise<OperatorSignIn> {
  const taken = await port.decide({ view: 'operator', name }, (op): Decided<{ op: Operator; tries: number | null } | null> => {
    if (op === null) return unchanged(null);
    const decided = decideOperatorTry(op, isPinLocked(op.failures));
    return { result: { op, tries: decided.result }, effects: decided.effects };
  });
  const matches = await pinMatches(password, taken?.op.passwordHash ?? UNKNOWN_ACCOUNT_HASH);
  if (taken === null) return { kind: 'wrong' };
  const check = decidePinTry(taken.tries, matches);
  if (check.kind !== 'right') return { kind: check.kind };
  const second = await port.decide({ view: 'operator', name }, (op, nowMs) => decideOperatorSecondFactor(op, check.triesTaken, code, nowMs));
  if (!second) return { kind: isPinLocked(check.triesTaken) ? 'locked' : 'wrong' };
  const sessionId = await openSession(port, { kind: 'operator', operatorId: taken.op.operatorId, name });
  return { kind: 'signedIn', sessionId, operator: taken.op };
}
