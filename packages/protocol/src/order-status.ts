/** An order's states on the wire (queryBill's tradeStatus); no Node.js imports, so pages use them too. */
export const ORDER_STATUSES = [
  'NEW',
  'PAID',
  'PENDING',
  'FAILED',
  'REFUND_IN_PROCESS',
  'REFUNDED',
  'REFUND_FAILED',
] as const;
export type OrderStatus = (typeof ORDER_STATUSES)[number];

/**
 * The order states that count as paid: the money moved to the merchant (and may be partly or
 * wholly refunded since). micropay's and closeBill's 1023 carry one of them; statements list them.
 */
export const PAID_ORDER_STATUSES: readonly OrderStatus[] = ['PAID', 'REFUND_IN_PROCESS', 'REFUNDED', 'REFUND_FAILED'];

/**
 * Why a refund ended REFUND_FAILED (its `failReason`), in words for the people who refunded it
 * (the till, the merchant console), with what to do next. No money moved in either case.
 */
export const REFUND_FAIL_WORDS: Readonly<Record<'MERCHANT_BALANCE_INSUFFICIENT' | 'WALLET_CLOSED', string>> = {
  MERCHANT_BALANCE_INSUFFICIENT: "the shop's balance is lower than the refund (payouts have taken it).",
  WALLET_CLOSED: "the customer's wallet is closed: the customer is paid back another way.",
};

/** "The refund of 20.00 failed, and no money moved: …" for a failReason, known or not; `next`: what the reader does then. */
export function refundFailedWords(amount: string, failReason: string | null, next = ''): string {
  const why = failReason === null ? 'no reason was given.' : REFUND_FAIL_WORDS[failReason as keyof typeof REFUND_FAIL_WORDS] ?? `${failReason}.`;
  return `The refund of ${amount} failed, and no money moved: ${why}${next === '' ? '' : ` ${next}`}`;
}
