import { formatTime } from '../shared/time.js';

/**
 * A merchant's user as both consoles show it (the owner's Users, the operator's Merchants): the
 * server's MerchantUser, and its state in words.
 */
export interface MerchantUserRow {
  readonly name: string;
  readonly role: 'owner' | 'cashier';
  readonly refundLimit: string | null;
  readonly status: 'active' | 'disabled';
  readonly disabledAtMs: number | null;
  readonly locked: boolean;
}

export function userStateText(u: MerchantUserRow): string {
  const locked = 'locked by wrong passwords for 15 minutes';
  if (u.status === 'disabled') return `Disabled since ${formatTime(u.disabledAtMs!)}${u.locked ? `; also ${locked}` : ''}`;
  return u.locked ? `Active, but ${locked}: a new password unlocks it` : 'Active';
}

/** The user's refund limit in words: an owner has none to set. */
export function refundLimitText(u: MerchantUserRow): string {
  return u.role === 'owner' ? '—' : u.refundLimit ?? 'No limit';
}
