import type { OperatorRole } from '@micropay/protocol/operator-roles';

/** Who is signed in to /admin. */
export interface SignedInOperator {
  readonly operatorName: string;
  /** What the operator may change (role.ts); the sections show only that. */
  readonly role: OperatorRole;
  /** The platform's time zone, which every time in the console is in. */
  readonly timeZone: string;
}
