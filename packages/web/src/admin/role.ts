import { describeOperatorRole, operatorMay, rolesThatMay, type OperatorChange } from '@micropay/protocol/operator-roles';
import type { SignedInOperator } from './who.js';

/**
 * The console's side of operator roles (docs/consoles.md, "Operator roles"): a section shows the
 * forms and buttons of a change only to a role that may make it, and says so to the others. For
 * the person's convenience only: the server refuses the change to any other role (9122).
 */
export function may(who: SignedInOperator, change: OperatorChange): boolean {
  return operatorMay(who.role, change);
}

/** The element, or nothing: for a note that is there only for some roles. */
export function optional<T extends HTMLElement>(e: T | null): T[] {
  return e === null ? [] : [e];
}

/** What the operator's role may do, said once at the top of a section where it may not do everything; null for an admin. */
export function roleSummary(who: SignedInOperator): HTMLParagraphElement | null {
  if (who.role === 'admin') return null;
  return Object.assign(document.createElement('p'), { className: 'help role-note', textContent: `Your role, ${who.role}, ${describeOperatorRole(who.role)}.` });
}

/** "Your role, support, reads payouts here; confirming and failing them is for admin or finance." Null when the role may. */
export function roleNote(who: SignedInOperator, change: OperatorChange, doing: string): HTMLParagraphElement | null {
  if (may(who, change)) return null;
  return Object.assign(document.createElement('p'), { className: 'help role-note', textContent: `Your role, ${who.role}, reads this; ${doing} is for ${rolesThatMay(change)}.` });
}
