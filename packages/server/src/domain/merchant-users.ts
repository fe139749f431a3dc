/**
 * A merchant's users (docs/consoles.md): the cashier accounts of the cashier page, each with a role.
 * The owner runs the merchant console; cashiers take charges and refund their own, each refund at
 * most their refund limit when the owner set one.
 */
export type MerchantRole = 'owner' | 'cashier';

export const MERCHANT_ROLES: readonly MerchantRole[] = ['owner', 'cashier'];

/** Who refunds, as far as the refund limit is concerned. */
export interface RefundingUser {
  readonly role: MerchantRole;
  /** Most one refund of this user may be, in sen; null: no limit. */
  readonly refundLimitSen: number | null;
}

/**
 * The refund limit rule, in this one place: an owner refunds without limit; a cashier whose limit
 * is set refunds at most that much in one refund. Answers the limit exceeded, or null when allowed.
 */
export function refundLimitExceeded(user: RefundingUser, refundAmountSen: number): number | null {
  if (user.role === 'owner' || user.refundLimitSen === null) return null;
  return refundAmountSen > user.refundLimitSen ? user.refundLimitSen : null;
}
