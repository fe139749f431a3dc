/**
 * A merchant's users (docs/consoles.md): the cashier accounts of the cashier page, each with a role.
 * The owner runs the merchant console; cashiers take charges and refund their own, each order's
 * refunds at most their refund limit when the owner set one.
 */
export type MerchantRole = 'owner' | 'cashier';

export const MERCHANT_ROLES: readonly MerchantRole[] = ['owner', 'cashier'];

/** Who refunds, as far as the refund limit is concerned. */
export interface RefundingUser {
  readonly role: MerchantRole;
  /** Most an order's refunds may add up to when this user refunds it, in sen; null: no limit. */
  readonly refundLimitSen: number | null;
}

/**
 * The refund limit rule, in this one place: an owner refunds without limit; a cashier whose limit
 * is set refunds an order only while the order's refunds in all (done or in process, whoever made
 * them) stay within it, so two refunds of one sale are no more than one. Answers how much more
 * this user may refund of the order (null: no limit). Read in the refund's own transaction.
 */
export function refundRoomSen(user: RefundingUser, order: { readonly refundedSen: number }): number | null {
  if (user.role === 'owner' || user.refundLimitSen === null) return null;
  return Math.max(0, user.refundLimitSen - order.refundedSen);
}

/**
 * A new user's name ends with no space and holds no two in a row: `lane-2` and `lane-2 ` would look
 * the same in every list and at every till. Answers why a name is refused (words that follow the
 * field's name), or null. Names made before this rule still sign in and are still managed.
 */
export function newUserNameRefusal(name: string): string | null {
  return / $| {2}/.test(name) ? 'must not end with a space or hold two spaces in a row' : null;
}

/** Whether a user may sign in: a disabled one keeps its name, its charges and its log, but no session. */
export type UserStatus = 'active' | 'disabled';

export const USER_STATUSES: readonly UserStatus[] = ['active', 'disabled'];

export function userStatus(user: { readonly disabledAtMs: number | null }): UserStatus {
  return user.disabledAtMs === null ? 'active' : 'disabled';
}

/**
 * The rules of disabling and enabling, in this one place. Nobody disables their own user: an owner
 * who could would lock the console's last hand out with it (another owner, or an operator with
 * `micropay merchant-user disable`, can). Answers why the change is refused, or null when allowed.
 */
export function userStatusChangeRefusal(actorUserId: string | null, user: { readonly cashierId: string; readonly name: string }, to: UserStatus): string | null {
  if (to === 'disabled' && actorUserId === user.cashierId) return `you cannot disable your own user ${user.name}: another owner or the operator can`;
  return null;
}

/** Whether a merchant has an owner who can sign in to its console: none, and nobody manages its users there. */
export function hasActiveOwner(users: readonly { readonly role: MerchantRole; readonly disabledAtMs: number | null }[]): boolean {
  return users.some((u) => u.role === 'owner' && userStatus(u) === 'active');
}

/**
 * A disabled user gets no new password: it could not sign in with it, and the owner would hand out
 * a password that does not work. Enabling comes first. Answers why, or null when allowed.
 */
export function passwordResetRefusal(user: { readonly name: string; readonly disabledAtMs: number | null }): string | null {
  return user.disabledAtMs === null ? null : `${user.name} is disabled: enable it first, then give it a new password`;
}
