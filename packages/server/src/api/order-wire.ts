import { formatSen, formatWireTime, signOrderData, type OrderData, type UnsignedOrderData } from '@micropay/protocol';
import type { Order } from '../domain/model.js';

/** The order as the spec shows it in `data`, before the response timestamp and signature. */
export function orderWire(order: Order, merchantName: string, timeZone: string): UnsignedOrderData {
  return {
    merchantOrderId: order.mchOrderId,
    wavpayOrderId: order.orderId,
    mchId: order.mchId,
    merchantName,
    tradeTime: formatWireTime(order.tradeTimeMs, timeZone),
    payTime: order.payTimeMs === null ? null : formatWireTime(order.payTimeMs, timeZone),
    paySence: 'MICROPAY',
    tradeStatus: order.status,
    amount: formatSen(order.amountSen),
    goodsInfo: order.goodsInfo,
  };
}

/** The order signed with the merchant's key, as micropay, closeBill and notifications carry it. */
export function signedOrder(order: Order, merchant: { name: string; apiKey: { expose(): string } }, timeZone: string, nowMs: number): OrderData {
  return signOrderData(orderWire(order, merchant.name, timeZone), nowMs, merchant.apiKey.expose());
}
