import { ResultCode } from '@micropay/protocol';
import type { OrderStatus } from '@micropay/protocol';
import type { PaymentDecision } from '../domain/payment.js';

/**
 * Domain outcomes to wire codes, in one table. Whether `data` carries the order follows from the
 * outcome: every outcome that has an order shows it, so the merchant learns the truth at once.
 */
const REPEAT_CODE: Record<OrderStatus, number> = {
  NEW: ResultCode.ORDER_PAYING,
  PENDING: ResultCode.ORDER_PAYING,
  PAID: ResultCode.ORDER_PAID,
  REFUND_IN_PROCESS: ResultCode.ORDER_PAID,
  REFUNDED: ResultCode.ORDER_PAID,
  REFUND_FAILED: ResultCode.ORDER_PAID,
  FAILED: ResultCode.ORDER_CLOSED,
};

export function paymentResultCode(decision: PaymentDecision): number {
  switch (decision.kind) {
    case 'paid':
      return ResultCode.SUCCESS;
    case 'pending':
      return ResultCode.ORDER_PAYING;
    case 'repeat':
      return decision.sameRequest ? REPEAT_CODE[decision.order.status] : ResultCode.DUPLICATE_ORDER;
    case 'rejected':
      return decision.reason === 'CODE_UNKNOWN' ? ResultCode.USER_NOT_FOUND : ResultCode.CODE_EXPIRED;
    case 'failed':
      return decision.reason === 'INSUFFICIENT_BALANCE' ? ResultCode.INSUFFICIENT_BALANCE : ResultCode.WALLET_FROZEN;
  }
}
