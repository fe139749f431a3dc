/**
 * What an operator may do at /admin (docs/consoles.md, "Operator roles"), in one place for the
 * server, which refuses everything else (9122), and the console, which shows only what the role
 * may use. Every role reads everything: the roles differ in what they may change.
 *
 * - `admin`: everything; the only role that creates and changes merchants and wallets' accounts.
 * - `finance`: money: the payout file, payouts confirmed or failed, wallets topped up (and a mistaken top-up reversed).
 * - `support`: a holder's wallet cared for (freeze, unfreeze, PIN unlock, devices signed out),
 *   and merchants' dead notifications sent again. Nothing that lets it spend a holder's money: a
 *   holder's new PIN, limit, app token or sign-in link is `wallet accounts`, the admin's.
 */
export const OPERATOR_ROLES = ['admin', 'finance', 'support'] as const;
export type OperatorRole = (typeof OPERATOR_ROLES)[number];

/** The kinds of change an operator console makes; reads (and a ledger check, which changes nothing) need none. */
export const OPERATOR_CHANGES = ['merchants', 'wallet accounts', 'money', 'wallet care', 'notifications'] as const;
export type OperatorChange = (typeof OPERATOR_CHANGES)[number];

const MAY: Readonly<Record<OperatorRole, readonly OperatorChange[]>> = {
  admin: OPERATOR_CHANGES,
  finance: ['money'],
  support: ['wallet care', 'notifications'],
};

export function operatorMay(role: OperatorRole, change: OperatorChange): boolean {
  return MAY[role].includes(change);
}

/** The roles that may make a change, in words ("admin or finance"), for a refusal to say who may. */
export function rolesThatMay(change: OperatorChange): string {
  return OPERATOR_ROLES.filter((role) => operatorMay(role, change)).join(' or ');
}

/** Each kind of change in words, for the CLI and the console to say what a role may do. */
const CHANGE_WORDS: Readonly<Record<OperatorChange, string>> = {
  merchants: 'creates, imports, disables and re-keys merchants, and manages their users',
  'wallet accounts': 'creates and closes wallets, gives holders a new PIN, limit, app token or sign-in link',
  money: 'downloads the payout file, confirms and fails payouts, tops wallets up and reverses a top-up made by mistake',
  'wallet care': 'freezes, unfreezes and unlocks wallets, signs their devices out',
  notifications: 'sends dead notifications again',
};

/** What an operator of the role may do, in words, from the rule above: "reads everything; …". */
export function describeOperatorRole(role: OperatorRole): string {
  return ['reads everything', ...OPERATOR_CHANGES.filter((c) => operatorMay(role, c)).map((c) => CHANGE_WORDS[c])].join('; ');
}

export function isOperatorRole(value: unknown): value is OperatorRole {
  return typeof value === 'string' && (OPERATOR_ROLES as readonly string[]).includes(value);
}
