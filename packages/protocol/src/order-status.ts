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

/** An order's state in the words the people at the counter and the merchant's staff use. */
export const ORDER_STATUS_WORDS: Readonly<Record<OrderStatus, string>> = {
  NEW: 'In progress',
  PENDING: 'Waiting for the customer',
  PAID: 'Paid',
  FAILED: 'Failed',
  REFUND_IN_PROCESS: 'Refund in process',
  REFUNDED: 'Refunded',
  REFUND_FAILED: 'Paid (a refund failed)',
};

/** Why an order failed, where its staff can act on it or tell the customer (cancelled, declined by the customer). */
const FAILED_WORDS: Readonly<Record<string, string>> = {
  CLOSED: 'Cancelled',
  DECLINED: 'Declined',
  CONFIRM_TIMEOUT: 'Not confirmed in time',
  INSUFFICIENT_BALANCE: 'Failed: balance too low',
  WALLET_FROZEN: 'Failed: wallet frozen',
};

/** An order's state in words: a FAILED one says why when it can. */
export function orderStatusWords(o: { readonly tradeStatus: string; readonly failReason: string | null }): string {
  if (o.tradeStatus === 'FAILED' && o.failReason !== null && FAILED_WORDS[o.failReason] !== undefined) return FAILED_WORDS[o.failReason]!;
  return ORDER_STATUS_WORDS[o.tradeStatus as OrderStatus] ?? o.tradeStatus;
}

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
