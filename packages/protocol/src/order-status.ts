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
