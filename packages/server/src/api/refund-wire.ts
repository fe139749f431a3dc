import {
  formatSen,
  formatWireTime,
  signQueryBillData,
  signRefundData,
  type QueryBillData,
  type RefundData,
  type UnsignedRefundData,
} from '@micropay/protocol';
import type { Order, Refund } from '../domain/model.js';
import { orderWire } from './order-wire.js';

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
 * queryBill's `data`: the spec's order plus `refundAmount`, the part of the order refunded or being
 * refunded (orders.refunded_sen). It equals the money returned except while tradeStatus is
 * REFUND_IN_PROCESS, when it includes the refund in flight.
 */
export function signedOrderWithRefunds(
  order: Order,
  merchant: { name: string; apiKey: { expose(): string } },
  timeZone: string,
  nowMs: number,
): QueryBillData {
  return signQueryBillData(orderWire(order, merchant.name, timeZone), formatSen(order.refundedSen), nowMs, merchant.apiKey.expose());
}
