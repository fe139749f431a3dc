import { randomUUID } from 'node:crypto';
import type { Secret } from '@micropay/protocol';
import type { OperatorRole } from '@micropay/protocol/operator-roles';
import { unchanged, type Decided, type Effect } from '../domain/effects.js';
import { ACCOUNT_CLEARED, decidePinTry, isPinLocked, pinMatches } from '../domain/credentials.js';
import { decideOperatorSecondFactor, decideOperatorTry, type Operator } from '../domain/operator.js';
import { UNKNOWN_ACCOUNT_HASH } from '../domain/page-access.js';
import type { StorePort } from '../store/port.js';
import { recordFailedSignIn, sessionOpened } from './page-access.js';
import { newSecretToken } from '../domain/page-access.js';
import { audited, type ActingAs } from '../domain/audit-log.js';
import { ACCOUNT_TRIES } from './in-turn.js';

/**
 * Operators of the platform (docs/consoles.md): created and reset from the CLI (`micropay admin`),
 * signed in at /admin with a password and, when set, a TOTP code.
 */
export type OperatorCreation = Operator | 'NAME_TAKEN';

/** An operator after `admin set-role`, and the role it had: the same when nothing changed. */
export interface RoleChange {
  readonly operator: Operator;
  readonly was: OperatorRole;
}

export interface NewOperator {
  readonly name: string;
  readonly passwordHash: string;
  readonly totpSecret: Secret | null;
  readonly role: OperatorRole;
}

export function createOperator(port: StorePort, op: NewOperator, acting?: ActingAs): Promise<OperatorCreation> {
  const { name, totpSecret, role } = op;
  return port.decide({ view: 'operator', name }, (existing, nowMs): Decided<OperatorCreation> => {
    if (existing !== null) return unchanged('NAME_TAKEN');
    const operator: Operator = { operatorId: randomUUID(), ...op, ...ACCOUNT_CLEARED, lastTotpStep: null, disabledAtMs: null, createdAtMs: nowMs };
    return audited<OperatorCreation>({ result: operator, effects: [{ kind: 'insertOperator', operator }] }, acting, nowMs, () =>
      ({ action: 'operator.create', mchId: null, subjectId: operator.operatorId, detail: { name, role, secondFactor: totpSecret === null ? 'off' : 'on' } }));
  });
}

/**
 * `micropay admin set-role`: what the operator may change from its next request on (its sessions
 * read the role with each request, so none needs to end). Null: no such operator.
 */
export function setOperatorRole(port: StorePort, name: string, role: OperatorRole, acting?: ActingAs): Promise<RoleChange | null> {
  return port.decide({ view: 'operator', name }, (op, nowMs): Decided<RoleChange | null> => {
    if (op === null) return unchanged(null);
    if (op.role === role) return unchanged({ operator: op, was: role });
    return audited({ result: { operator: { ...op, role }, was: op.role }, effects: [{ kind: 'setOperatorRole', operatorId: op.operatorId, role }] }, acting, nowMs, () =>
      ({ action: 'operator.setRole', mchId: null, subjectId: op.operatorId, detail: { name, role, was: op.role } }));
  });
}

/**
 * A new password, which also unlocks the operator and ends every session it has (whoever held the
 * old password or secret is signed out with it); `totp`: a new secret, null to turn TOTP off,
 * undefined to keep it as it is. Null: no such operator.
 */
export function resetOperator(port: StorePort, name: string, passwordHash: string, totp: Secret | null | undefined, acting?: ActingAs): Promise<Operator | null> {
  return port.decide({ view: 'operator', name }, (op, nowMs): Decided<Operator | null> => {
    if (op === null) return unchanged(null);
    const totpSecret = totp === undefined ? op.totpSecret : totp;
    const lastTotpStep = totp === undefined ? op.lastTotpStep : null;
    const reset: Decided<Operator | null> = {
      result: { ...op, passwordHash, ...ACCOUNT_CLEARED, totpSecret, lastTotpStep },
      effects: [
        { kind: 'setOperatorSecurity', operatorId: op.operatorId, ...ACCOUNT_CLEARED, passwordHash, ...(totp === undefined ? {} : { totpSecret: totp, operatorName: name }) },
        { kind: 'endOperatorPageSessions', operatorId: op.operatorId },
      ],
    };
    // "secondFactor", not "totp": a detail key naming an OTP reads as a secret (auditDetailProblem).
    return audited(reset, acting, nowMs, () => ({ action: 'operator.reset', mchId: null, subjectId: op.operatorId,
      detail: { name, secondFactor: totp === undefined ? 'unchanged' : totp === null ? 'off' : 'on' } }));
  });
}

/** `micropay admin sign-out`: every session of the operator ends. Null: no such operator. */
export function signOutOperator(port: StorePort, name: string, acting?: ActingAs): Promise<Operator | null> {
  return port.decide({ view: 'operator', name }, (op, nowMs): Decided<Operator | null> => {
    if (op === null) return unchanged(null);
    return audited({ result: op, effects: [{ kind: 'endOperatorPageSessions', operatorId: op.operatorId }] }, acting, nowMs, () =>
      ({ action: 'operator.signOut', mchId: null, subjectId: op.operatorId, detail: { name } }));
  });
}

/** An operator after `admin disable` / `enable`, and whether it changed (the status it had already changes nothing). */
export interface OperatorStatusChange {
  readonly operator: Operator;
  readonly changed: boolean;
}

/**
 * `micropay admin disable` / `enable`: someone who left signs in nowhere from now on, in the same
 * transaction every session of theirs ends; their name and log rows stay, and `enable` lets them in
 * again with the password they had. Setting the status it has writes and logs nothing. Null: no such operator.
 */
export function setOperatorStatus(port: StorePort, name: string, to: 'active' | 'disabled', acting?: ActingAs): Promise<OperatorStatusChange | null> {
  return port.decide({ view: 'operator', name }, (op, nowMs): Decided<OperatorStatusChange | null> => {
    if (op === null) return unchanged(null);
    if ((op.disabledAtMs === null ? 'active' : 'disabled') === to) return unchanged({ operator: op, changed: false });
    const disabledAtMs = to === 'disabled' ? nowMs : null;
    const effects: Effect[] = [{ kind: 'setOperatorDisabled', operatorId: op.operatorId, disabledAtMs }];
    if (to === 'disabled') effects.push({ kind: 'endOperatorPageSessions', operatorId: op.operatorId });
    return audited({ result: { operator: { ...op, disabledAtMs }, changed: true }, effects }, acting, nowMs, () =>
      ({ action: to === 'disabled' ? 'operator.disable' : 'operator.enable', mchId: null, subjectId: op.operatorId, detail: { name, role: op.role } }));
  });
}

export type OperatorSignIn =
  | { readonly kind: 'signedIn'; readonly sessionId: string; readonly operator: Operator }
  /** `unknown`: no operator has that name (answered alike; only the log tells them apart). */
  | { readonly kind: 'wrong'; readonly unknown?: true }
  | { readonly kind: 'locked' }
  /** The right password (and code) of an operator disabled (setOperatorStatus): it opens nothing. */
  | { readonly kind: 'disabled' };

/**
 * Name + password (+ the authenticator's code when the operator has TOTP). As a cashier's sign-in:
 * a try is taken before the slow comparison, an unknown name costs the same scrypt and is answered
 * as wrong. A wrong code is a wrong try too; the right code's step is recorded, so it works once.
 */
export function signInOperator(port: StorePort, name: string, password: string, code: string | null, address: string | null = null): Promise<OperatorSignIn> {
  // One operator's tries take turns (in-turn.ts), so overlapping right ones never add up to a lock.
  return ACCOUNT_TRIES.run(`operator ${name}`, () => oneOperatorTry(port, name, password, code, address));
}

async function oneOperatorTry(port: StorePort, name: string, password: string, code: string | null, address: string | null): Promise<OperatorSignIn> {
  const taken = await port.decide({ view: 'operator', name }, (op, nowMs): Decided<{ op: Operator; tries: number | null } | null> => {
    if (op === null) return unchanged(null);
    // The sealed TOTP secret is opened before a try is counted: one that cannot be opened fails
    // the sign-in here, costing no try and saying nothing about the password.
    op.totpSecret?.expose();
    const decided = decideOperatorTry(op, nowMs);
    return { result: { op, tries: decided.result }, effects: decided.effects };
  });
  const matches = await pinMatches(password, taken?.op.passwordHash ?? UNKNOWN_ACCOUNT_HASH);
  if (taken === null) return { kind: 'wrong', unknown: true };
  const subject = { kind: 'operator' as const, operatorId: taken.op.operatorId, name, role: taken.op.role };
  const check = decidePinTry(taken.tries, matches);
  if (check.kind !== 'right') {
    await recordFailedSignIn(port, subject, address, check.kind);
    return { kind: check.kind };
  }
  // The second factor and the session are decided on the operator's locked row: an operator
  // disabled since its password was checked opens nothing, as disabling ends the sessions it finds.
  const sessionId = newSecretToken();
  const second = await port.decide({ view: 'operator', name }, (op, nowMs): Decided<'opened' | 'refused' | 'disabled'> => {
    const factor = decideOperatorSecondFactor(op, check.triesTaken, code, nowMs);
    if (!factor.result) return { result: 'refused', effects: factor.effects };
    if (op!.disabledAtMs !== null) return { result: 'disabled', effects: factor.effects };
    const opened = sessionOpened(sessionId, subject, address, nowMs);
    return { result: 'opened', effects: [...factor.effects, ...opened.effects] };
  });
  if (second === 'opened') return { kind: 'signedIn', sessionId, operator: taken.op };
  const outcome = second === 'disabled' ? 'disabled' : isPinLocked(check.triesTaken) ? 'locked' : 'wrong';
  await recordFailedSignIn(port, subject, address, outcome);
  return { kind: outcome };
}
