/**
 * @micropay/client — the MicroPay merchant client (docs/client.md).
 *
 *   const client = new MicroPayClient({ baseUrl, mchId, apiKey });
 *   const outcome = await client.pay({ mchOrderId, amount: '12.50', payCode, goodsInfo: 'Parking' });
 *   if (outcome.status === 'PAID') openTheBarrier();
 */
export { MicroPayClient } from './client.js';
export { PAY_DEFAULTS } from './pay-flow.js';
export { verifyNotification, NOTIFICATION_ACK } from './notification.js';
export type { MicroPayNotification, OrderNotification, RefundNotification, TestNotification } from './notification.js';
export * from './errors.js';
export type * from './types.js';
// The wire types the answers carry, and the money helpers (integer sen ⇄ "1.50"), so a merchant
// needs no second import.
export { formatSen, parseAmountSen, ORDER_STATUSES, REFUND_STATUSES, ResultCode } from '@micropay/protocol';
export type { BillData, OrderData, OrderRefundsData, OrderStatus, RefundData, RefundWireStatus } from '@micropay/protocol';
