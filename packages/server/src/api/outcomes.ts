import { ResultCode } from '@micropay/protocol';
import type { OrderStatus } from '@micropay/protocol';
import type { PaymentDecision } from '../domain/payment.js';
import type { PaymentOutcome } from '../domain/payment-minutes.js';
import type { RefundRejection, RefundRequestDecision } from '../domain/refund.js';

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

const PAYMENT_REJECTION_CODE: Record<Extract<PaymentDecision, { kind: 'rejected' }>['reason'], number> = {
  MERCHANT_DISABLED: ResultCode.MERCHANT_LOCKED,
  CODE_UNKNOWN: ResultCode.USER_NOT_FOUND,
  CODE_UNUSABLE: ResultCode.CODE_EXPIRED,
  ORDER_ID_CLOSED: ResultCode.ORDER_CLOSED,
  PLATFORM_BUSY: ResultCode.PLATFORM_BUSY,
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
      return PAYMENT_REJECTION_CODE[decision.reason];
    case 'failed':
      return decision.reason === 'INSUFFICIENT_BALANCE' ? ResultCode.INSUFFICIENT_BALANCE : ResultCode.WALLET_FROZEN;
  }
}

const REJECTION_OUTCOME: Record<Extract<PaymentDecision, { kind: 'rejected' }>['reason'], PaymentOutcome> = {
  MERCHANT_DISABLED: 'refused',
  CODE_UNKNOWN: 'declinedCode',
  CODE_UNUSABLE: 'declinedCode',
  ORDER_ID_CLOSED: 'refused',
  PLATFORM_BUSY: 'busy',
};

/** What the payment statistics count a decision as (domain/payment-minutes.ts, PAYMENT_OUTCOMES). */
export function paymentOutcome(decision: PaymentDecision): PaymentOutcome {
  switch (decision.kind) {
    case 'paid':
      return 'paid';
    case 'pending':
      return 'pending';
    case 'repeat':
      return 'repeated';
    case 'rejected':
      return REJECTION_OUTCOME[decision.reason];
    case 'failed':
      return decision.reason === 'INSUFFICIENT_BALANCE' ? 'declinedBalance' : 'declinedWallet';
  }
}

/** A `micropay` answer that carries no decision: a fault of ours, or a request refused before one. */
export function undecidedPaymentOutcome(code: number): PaymentOutcome {
  return code === ResultCode.SYSTEM_ERROR ? 'systemError' : 'invalid';
}

const REFUND_REJECTION_CODE: Record<RefundRejection, number> = {
  ORDER_NOT_FOUND: ResultCode.NO_RECORD,
  ORDER_NOT_PAID: ResultCode.ORDER_PAYING,
  ORDER_FAILED: ResultCode.ORDER_CLOSED,
  EXCEEDS_REFUNDABLE: ResultCode.REFUND_EXCEEDS_REFUNDABLE,
  OVER_REFUND_LIMIT: ResultCode.REFUND_OVER_LIMIT,
};

/**
 * A refund that was recorded answers 0 whatever its outcome (REFUNDED or REFUND_FAILED are told by
 * data.refundStatus, as queryBill tells the order's state by tradeStatus); a repeat with different
 * parameters is 1032; a refusal records nothing.
 */
export function refundResultCode(decision: RefundRequestDecision): number {
  switch (decision.kind) {
    case 'accepted':
      return ResultCode.SUCCESS;
    case 'repeat':
      return decision.sameRequest ? ResultCode.SUCCESS : ResultCode.DUPLICATE_ORDER;
    case 'rejected':
      return REFUND_REJECTION_CODE[decision.reason];
  }
}
