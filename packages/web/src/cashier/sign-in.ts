import { ResultCode } from '@micropay/protocol/errors';
import { signInAt, type SignInResult } from '../shared/session.js';

/**
 * Cashier sign-in (docs/pages.md): merchant id, cashier name and the password `micropay cashier
 * create` printed. The page never holds the merchant's API key: charges run on the server.
 */
export interface SignedInCashier {
  readonly mchId: string;
  readonly cashierName: string;
  readonly merchantName: string | null;
  /** The platform's time zone (MICROPAY_TIMEZONE): times on the page are shown in it. */
  readonly timeZone?: string;
  /** This user's refund limit for each sale, as of sign-in; null: no limit (the server checks each refund). */
  readonly refundLimit?: string | null;
}

const MESSAGES: Readonly<Record<number, string>> = {
  [ResultCode.SIGN_IN_FAILED]: 'The merchant id, cashier and password do not match.',
  [ResultCode.SIGN_IN_LOCKED]: 'Too many wrong passwords: this cashier is locked for 15 minutes. The owner can unlock it now with a new password.',
  [ResultCode.USER_DISABLED]: 'This cashier is disabled. Ask the merchant\'s owner to enable it again.',
};

export function signIn(mchId: string, name: string, password: string): Promise<SignInResult<SignedInCashier>> {
  return signInAt('cashier/sign-in', { mchId, name, password }, MESSAGES);
}
