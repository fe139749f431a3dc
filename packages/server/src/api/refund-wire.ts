import {
  formatSen,
  formatWireTime,
  signOrderRefundsData,
  signRefundData,
  type OrderRefundsData,
  type RefundData,
  type UnsignedRefundData,
} from '@micropay/protocol';
import type { Order, Refund } from '../domain/model.js';

/** The refund as refund, queryRefund and refund notifications show it, before timestamp and signature. */
export function refundWire(refund: Refund, order: Pick<Order, 'orderId' | 'mchOrderId'>, timeZone: string): UnsignedRefundData {
  return {
    merchantOrderId: order.mchOrderId,
    wavpayOrderId: refund.orderId,
    mchId: refund.mchId,
    merchantRefundId: refund.mchRefundId,
    refundId: refund.refundId,
    refundAmount: formatSen(refund.amountSen),
    refundStatus: refund.status,
    refundTime: refund.finishedAtMs === null ? null : formatWireTime(refund.finishedAtMs, timeZone),
    failReason: refund.failReason,
    reason: refund.reason,
  };
}

/**
 * The refund signed with the merchant's key: the `data` of refund and queryRefund answers, and the
 * body of REFUNDED and REFUND_FAILED notifications.
 */
export function signedRefund(
  refund: Refund,
  order: Pick<Order, 'orderId' | 'mchOrderId'>,
  merchant: { apiKey: { expose(): string } },
  timeZone: string,
  nowMs: number,
): RefundData {
  return signRefundData(refundWire(refund, order, timeZone), nowMs, merchant.apiKey.expose());
}

/**
 * queryOrderRefunds' `data`: the order and `refundAmount`, the part of it refunded or being
 * refunded (orders.refunded_sen). It equals the money returned except while tradeStatus is
 * REFUND_IN_PROCESS, when it includes the refund in flight.
 */
export function signedOrderRefunds(order: Order, merchant: { apiKey: { expose(): string } }, nowMs: number): OrderRefundsData {
  const unsigned = {
    merchantOrderId: order.mchOrderId,
    wavpayOrderId: order.orderId,
    mchId: order.mchId,
    tradeStatus: order.status,
    amount: formatSen(order.amountSen),
    refundAmount: formatSen(order.refundedSen),
  };
  return signOrderRefundsData(unsigned, nowMs, merchant.apiKey.expose());
}
