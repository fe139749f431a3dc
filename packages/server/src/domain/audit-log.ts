import { AUDIT_ACTIONS, type AuditAction } from '@micropay/protocol';
import type { OperatorRole } from '@micropay/protocol/operator-roles';
import { MAX_REASON_LENGTH } from '@micropay/protocol/text-limits';
import type { Decided, Effect } from './effects.js';
import { assert } from './ledger.js';
import type { Notification } from './notification.js';
import type { SessionSubject } from './page-access.js';
import { CONTROL_OR_BIDI, CONTROL_OR_BIDI_ALL } from './text.js';

/**
 * The audit log (docs/audit-log.md): who did what, when and from where, one append-only row per
 * operator or merchant-user action, written in the transaction of the action itself. Not the
 * ledger audit (`micropay audit`, store/audit.ts), which checks the books.
 */

/**
 * Who acted: an operator at /admin, a merchant's user at /merchant or the till, the CLI's OS user,
 * or a wallet's holder on their own wallet, signed in to the wallet app (bearer token) or the
 * wallet page. A holder has no user name: `name` says which of the two they acted from.
 */
export type Actor =
  /** `role`: the operator's role when it acted; null in rows written before the log kept it. */
  | { readonly kind: 'operator'; readonly operatorId: string; readonly name: string; readonly role: OperatorRole | null }
  | { readonly kind: 'merchantUser'; readonly userId: string; readonly mchId: string; readonly name: string; readonly role: MerchantRole }
  | { readonly kind: 'cli'; readonly name: string }
  | { readonly kind: 'walletHolder'; readonly walletId: string; readonly name: WalletChannel };

export type MerchantRole = 'owner' | 'cashier';
export type WalletChannel = 'wallet app' | 'wallet page';
export type ActorKind = Actor['kind'];
export const ACTOR_KINDS: readonly ActorKind[] = ['operator', 'merchantUser', 'cli', 'walletHolder'];

/** The actor of a request and the address it came from (the client's IP; null from the CLI). */
export interface ActingAs {
  readonly actor: Actor;
  readonly address: string | null;
}

export { AUDIT_ACTIONS, type AuditAction };

/** A detail's value: plain, small and printable; amounts as decimal strings ("12.50"), never sen. */
export type AuditDetailValue = string | number | boolean | null;
export type AuditDetail = Readonly<Record<string, AuditDetailValue>>;

/** What an action records of itself; the log adds who and when. */
export interface AuditRecord {
  readonly action: AuditAction;
  /** The merchant the action concerns, when it concerns one. */
  readonly mchId: string | null;
  /** What it acted on: an order, wallet, payout, refund, cashier... */
  readonly subjectId: string | null;
  readonly detail: AuditDetail;
}

export interface AuditEntry extends AuditRecord {
  readonly atMs: number;
  readonly actor: Actor;
  readonly address: string | null;
}

/** An entry as the log holds it: `logId` increases with every append (the reading cursor). */
export interface AuditLogEntry extends AuditEntry {
  readonly logId: number;
}

/**
 * Detail keys that could carry a secret. A detail names what changed, never the secret itself: a
 * rolled key is `{ overlapHours }`, a reset password `{}`. Checked on every append (checkEffect).
 */
const SECRET_WORDS = /key|pass|pin|token|secret|code|hash|session|otp|cookie|credential|cvv|signature/i;
/** Amount keys hold decimal strings (the wire's form), so no float or sen count can pass for money. */
const AMOUNT_KEY = /amount|balance|limit/i;
const DECIMAL = /^-?\d{1,16}\.\d{2}$/;
export const MAX_DETAIL_KEYS = 12;
/** A reason typed by an operator or owner is kept whole, so nothing shorter than its limit. */
export const MAX_DETAIL_TEXT = MAX_REASON_LENGTH;

/**
 * Free text (a name, a notify URL, a reason) as a detail holds it: control and bidi characters
 * shown as U+FFFD, and text longer than MAX_DETAIL_TEXT cut with a closing "…" (docs/audit-log.md).
 * The action keeps the whole text; the log is a record of who did what, not a copy of the data.
 */
export function auditText(text: string): string;
export function auditText(text: string | null): string | null;
export function auditText(text: string | null): string | null {
  if (text === null) return null;
  const printable = text.replace(CONTROL_OR_BIDI_ALL, '\uFFFD');
  if (printable.length <= MAX_DETAIL_TEXT) return printable;
  // Not half of a surrogate pair at the cut.
  const cut = printable.slice(0, MAX_DETAIL_TEXT - 1).replace(/[\uD800-\uDBFF]$/, '');
  return `${cut}…`;
}

/** Why this detail may not be logged, or null. */
export function auditDetailProblem(detail: AuditDetail): string | null {
  const entries = Object.entries(detail);
  if (entries.length > MAX_DETAIL_KEYS) return `at most ${MAX_DETAIL_KEYS} detail fields`;
  for (const [key, value] of entries) {
    if (SECRET_WORDS.test(key)) return `detail field ${key} could hold a secret`;
    if (value !== null && !['string', 'number', 'boolean'].includes(typeof value)) return `detail field ${key} is not plain text, a number or a flag`;
    if (typeof value === 'number' && !Number.isSafeInteger(value)) return `detail field ${key} is not a whole number`;
    if (AMOUNT_KEY.test(key) && value !== null && (typeof value !== 'string' || !DECIMAL.test(value))) return `detail field ${key} is not a decimal amount like 12.50`;
    if (typeof value === 'string' && (value.length > MAX_DETAIL_TEXT || CONTROL_OR_BIDI.test(value))) return `detail field ${key} is not short printable text`;
  }
  return null;
}

/** The last guard before the database (checkEffect): a bug, not a user's error, when it fires. */
export function checkAuditEntry(e: AuditEntry): void {
  assert(Number.isSafeInteger(e.atMs) && e.atMs > 0, 'an audit entry has a time');
  assert((AUDIT_ACTIONS as readonly string[]).includes(e.action), `${e.action} is an audit action`);
  assert(e.actor.kind !== 'merchantUser' || e.mchId === e.actor.mchId, "a merchant user's action concerns its own merchant");
  assert(e.actor.kind !== 'walletHolder' || (e.subjectId === e.actor.walletId && e.mchId === null), "a wallet holder's action concerns its own wallet");
  const problem = auditDetailProblem(e.detail);
  assert(problem === null, `audit detail of ${e.action}: ${problem}`);
}

/** The append of `record` by `acting` at `atMs`. */
export function auditLogAppend(acting: ActingAs, record: AuditRecord, atMs: number): Effect {
  return { kind: 'appendAuditLog', entry: { ...record, atMs, actor: acting.actor, address: acting.address } };
}

/**
 * The decision with its audit entry appended, in the same transaction: only with an actor (the
 * payment path and background jobs have none), and only when the decision changes something. A
 * refused or repeated action writes nothing, so it logs nothing; `record` answers null for a
 * result that is no action of the actor's.
 */
export function audited<R>(
  decided: Decided<R>, acting: ActingAs | undefined, nowMs: number, record: (result: R) => AuditRecord | null,
): Decided<R> {
  if (acting === undefined || decided.effects.length === 0) return decided;
  const entry = record(decided.result);
  return entry === null ? decided : { result: decided.result, effects: [...decided.effects, auditLogAppend(acting, entry, nowMs)] };
}

/** Every dead notification of a merchant re-driven at once (the merchant console's "Retry all"). */
export function notificationRetryAllRecord(mchId: string, count: number): AuditRecord {
  return { action: 'notification.retry', mchId, subjectId: null, detail: { all: true, count } };
}

/** A notification re-driven by hand (`notifications retry`, the consoles' dead letters). */
export function notificationRetryRecord(n: Notification): AuditRecord {
  return { action: 'notification.retry', mchId: n.mchId, subjectId: n.notificationId, detail: { eventType: n.eventType, attempts: n.attempts } };
}

/**
 * A console's user (a merchant user at /merchant, an operator at /admin) acting from `address`;
 * undefined for the wallet page and the till, which are no consoles and keep no log of sessions.
 */
export function consoleActing(subject: Extract<SessionSubject, { kind: 'merchant' | 'operator' }>, address: string | null): ActingAs;
export function consoleActing(subject: SessionSubject, address: string | null): ActingAs | undefined;
export function consoleActing(subject: SessionSubject, address: string | null): ActingAs | undefined {
  if (subject.kind === 'merchant') {
    return { actor: { kind: 'merchantUser', userId: subject.userId, mchId: subject.mchId, name: subject.name, role: subject.role }, address };
  }
  if (subject.kind === 'operator') return { actor: { kind: 'operator', operatorId: subject.operatorId, name: subject.name, role: subject.role }, address };
  return undefined;
}

/**
 * A wallet's holder acting on it from `address`: through the wallet app's API (signed in by the
 * wallet's bearer token) or the wallet page (its session). Neither secret is part of the actor.
 */
export function walletHolderActing(walletId: string, via: WalletChannel, address: string | null): ActingAs {
  return { actor: { kind: 'walletHolder', walletId, name: via }, address };
}

/**
 * Where a password was typed other than at a sign-in: asked again, of a signed-in user, before a
 * change (the merchant's payout account, the user's own new password). A wrong one there is a
 * session's, not a stranger's.
 */
export type PasswordAskedAt = 'payoutAccount' | 'ownPassword';

/** Why a sign-in with a known name failed: a wrong password, a locked account, or a disabled user's right password. */
export type FailedSignIn = 'wrong' | 'locked' | 'disabled';

/**
 * A console sign-in, failed sign-in (`outcome`: wrong, locked or disabled; never what was typed; `at` when
 * the password was asked again inside a session) or sign-out of the acting user. A failed sign-in
 * under a name no account has names no actor, and is not logged: the log records what its actors did.
 */
export function sessionRecord(
  action: 'session.signIn' | 'session.signInFailed' | 'session.signOut', actor: Actor, outcome?: FailedSignIn, at?: PasswordAskedAt,
): AuditRecord {
  const subjectId = actor.kind === 'operator' ? actor.operatorId : actor.kind === 'merchantUser' ? actor.userId : null;
  const mchId = actor.kind === 'merchantUser' ? actor.mchId : null;
  const detail: Record<string, string> = {};
  if (outcome !== undefined) detail.outcome = outcome;
  if (at !== undefined) detail.at = at;
  return { action, mchId, subjectId, detail };
}
