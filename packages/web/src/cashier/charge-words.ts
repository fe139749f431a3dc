import { ResultCode } from '@micropay/protocol/errors';

/**
 * What the till says when a charge does not pay: in a cashier's words, with what to do next. The
 * till draws a new order id for every charge by itself, so none of this mentions one (the
 * merchant client's messages are for developers, and do).
 */
const FAILED: Readonly<Record<string, string>> = {
  INSUFFICIENT_BALANCE: 'The wallet balance is too low. Ask the customer to top up, or to pay another way.',
  WALLET_FROZEN: 'The wallet is frozen. Ask the customer to pay another way.',
  PAY_CODE_EXPIRED: 'The code expired or was used already. Ask the customer for a new code, and scan it.',
  PAY_CODE_UNKNOWN: 'The code belongs to no wallet. Scan it again, or ask the customer for a new code.',
  NOT_CONFIRMED: 'The customer declined, or did not confirm in time. Nothing was charged: scan a new code to try again.',
  ORDER_CLOSED: 'This charge was closed already. Nothing was charged: scan the code again.',
  PLATFORM_ERROR: 'MicroPay could not make this payment. Nothing was charged: scan the code again.',
  PAYMENT_FAILED: 'The payment failed. Nothing was charged: scan the code again.',
};

/** Which of "declined, or not confirmed in time" it was, from the platform's own reason for the order. */
const NOT_CONFIRMED: Readonly<Record<string, string>> = {
  DECLINED: 'The customer declined the payment on their phone. Nothing was charged.',
  CONFIRM_TIMEOUT: 'The customer did not confirm in time. Nothing was charged: scan a new code to try again.',
};

/** A FAILED charge's words by its reason; an unknown reason (a newer server) falls back to the server's message. */
export function failedWords(reason: string | undefined, message: string | undefined, orderFailReason?: string | null): string {
  if (reason === 'NOT_CONFIRMED' && orderFailReason != null && NOT_CONFIRMED[orderFailReason] !== undefined) return NOT_CONFIRMED[orderFailReason]!;
  return (reason === undefined ? undefined : FAILED[reason]) ?? message ?? 'The payment failed. Nothing was charged.';
}

/** A charge closed at the deadline: the customer never confirmed. */
export const CLOSED_WORDS = 'The customer did not confirm in time, so the charge was closed. Nothing was charged: scan a new code to try again.';

/** A charge the cashier cancelled while the customer was asked to confirm. */
export const CANCELLED_WORDS = 'Nothing was charged, and the amount held on the customer\'s wallet is released.';

/**
 * Signed out when checking a charge again (after a restart, the owner's reset): its earlier try
 * may have paid, so its result is not known, and "nothing was charged" cannot be said.
 */
export const SIGNED_OUT_WORDS = 'The till was signed out before MicroPay answered. Sign in again and look for this charge in Your recent charges before charging again.';

/** Signed out before a first try reached MicroPay: the session was checked first, so nothing was charged. */
export const SIGNED_OUT_FIRST_WORDS = 'The till was signed out, so MicroPay took no charge. Nothing was charged: sign in again and charge it.';

/** A charge the platform refused before anything was recorded. */
export function refusedWords(code: number, msg: string): string {
  if (code === ResultCode.MERCHANT_LOCKED) return 'This merchant is disabled, so MicroPay takes no charges for it. Nothing was charged: ask the merchant\'s owner.';
  // The field rules' own words ("amount must not exceed the platform maximum of 50000.00"), without the API's prefix.
  if (code === ResultCode.PARAM_ERROR) return `Not charged: the ${msg.replace(/^param error: /, '')}.`;
  return `MicroPay refused the charge (${code}: ${msg}). Nothing was charged.`;
}
