import { ResultCode } from './errors.js';
import {
  acceptSignedParams,
  CONTROL,
  fail,
  mchIdOf,
  mchOrderIdOf,
  parse,
  PAY_CODE,
  POINT,
  positiveAmountOf,
  requireSignature,
  required,
  text,
  timestampOf,
  type Parsed,
} from './fields.js';
import { parseAmountSen } from './money.js';
import { sign, type SignableParams } from './signing.js';
import type { OrderStatus } from './order-status.js';

/** The JSON envelope every endpoint answers with. */
export interface Envelope<T> {
  readonly code: number;
  readonly msg: string;
  readonly data: T | null;
}

export { ORDER_STATUSES, PAID_ORDER_STATUSES, type OrderStatus } from './order-status.js';

/** `data` of micropay and queryBill answers, keys in the spec's order. */
export interface OrderData {
  merchantOrderId: string;
  wavpayOrderId: string;
  mchId: string;
  merchantName: string;
  tradeTime: string;
  payTime: string | null;
  paySence: 'MICROPAY';
  tradeStatus: OrderStatus;
  amount: string;
  goodsInfo: string | null;
  timestamp: string;
  secureHash: string;
}

export type UnsignedOrderData = Omit<OrderData, 'timestamp' | 'secureHash'>;

/**
 * The order's fields in the spec's key order, then the response timestamp and an empty signature:
 * every signed order answer has these keys in this order. Written out, not spread: V8 (Node 20)
 * builds `{ ...order, timestamp }` through its slow path, 4 µs per answer (docs/benchmarks.md).
 */
function unsignedOrderData(order: UnsignedOrderData, timestamp: string): OrderData {
  return {
    merchantOrderId: order.merchantOrderId,
    wavpayOrderId: order.wavpayOrderId,
    mchId: order.mchId,
    merchantName: order.merchantName,
    tradeTime: order.tradeTime,
    payTime: order.payTime,
    paySence: order.paySence,
    tradeStatus: order.tradeStatus,
    amount: order.amount,
    goodsInfo: order.goodsInfo,
    timestamp,
    secureHash: '',
  };
}

/** Adds the response timestamp and signs `data` with the merchant key, keeping the spec's key order. */
export function signOrderData(order: UnsignedOrderData, timestampMs: number, key: string): OrderData {
  const data = unsignedOrderData(order, String(timestampMs));
  data.secureHash = sign(data as unknown as SignableParams, key);
  return data;
}

// ---------------------------------------------------------------------------------------------
// Request field rules. Each parser returns the typed command or the catalogue code and a message
// naming the field; the same rules serve the server (to answer) and the client (to refuse early).

export interface MicropayCommand {
  mchId: string;
  mchOrderId: string;
  amountSen: number;
  goodsInfo: string;
  /** null when the merchant sent no discount (absent, null or ""). */
  discountSen: number | null;
  /** null when the merchant sent no point (absent, null or ""). */
  point: number | null;
  payCode: string;
  timestampMs: number;
}

export interface QueryBillCommand {
  mchId: string;
  mchOrderId: string;
  timestampMs: number;
}

export interface FieldLimits {
  /** Largest accepted amount, in sen. */
  readonly maxAmountSen: number;
}

export const GOODS_INFO_MAX_LENGTH = 128;

export const MICROPAY_FIELDS = [
  'mchId', 'mchOrderId', 'amount', 'goodsInfo', 'discount', 'point', 'payCode', 'timestamp', 'secureHash',
] as const;
export const QUERY_BILL_FIELDS = ['mchId', 'mchOrderId', 'timestamp', 'secureHash'] as const;

/**
 * closeBill's own field and its one value. The signature covers the values only, not the names or
 * the call (signing.ts, as the spec defines it), so without it a queryBill request, or a
 * queryRefund one with its field renamed, was a valid closeBill: anyone who saw a merchant's
 * query could close its order. No read carries a fourth value, so none signs what a close does.
 */
export const CLOSE_BILL_OPERATION = 'CLOSE';
export const CLOSE_BILL_FIELDS = ['mchId', 'mchOrderId', 'operation', 'timestamp', 'secureHash'] as const;

export function parseMicropay(body: Record<string, unknown>, limits: FieldLimits): Parsed<MicropayCommand> {
  return parse(() => {
    acceptSignedParams(body, MICROPAY_FIELDS);
    const mchId = mchIdOf(body);
    const mchOrderId = mchOrderIdOf(body);
    const amountSen = positiveAmountOf(body, 'amount', limits.maxAmountSen);

    const goodsInfo = required(body, 'goodsInfo');
    if (goodsInfo.length > GOODS_INFO_MAX_LENGTH) fail('goodsInfo', `must be at most ${GOODS_INFO_MAX_LENGTH} characters, counted as UTF-16 code units (an emoji counts 2)`);
    if (CONTROL.test(goodsInfo)) fail('goodsInfo', 'must not contain control characters');

    let discountSen: number | null = null;
    const discountText = text(body, 'discount');
    if (discountText !== null && discountText !== '') {
      discountSen = parseAmountSen(discountText);
      if (discountSen === null) fail('discount', 'must be empty or a decimal with at most two places');
      if (discountSen > amountSen) fail('discount', 'must not exceed amount');
    }

    let point: number | null = null;
    const pointText = text(body, 'point');
    if (pointText !== null && pointText !== '') {
      if (!POINT.test(pointText)) fail('point', 'must be empty or a whole number of points from 0 to 999999999, without leading zeros');
      point = Number(pointText);
    }

    const payCode = required(body, 'payCode');
    if (!PAY_CODE.test(payCode)) fail('payCode', 'must be the 18 digits of the payment code');

    const timestampMs = timestampOf(body);
    requireSignature(body);
    return { mchId, mchOrderId, amountSen, goodsInfo, discountSen, point, payCode, timestampMs };
  });
}

export function parseQueryBill(body: Record<string, unknown>): Parsed<QueryBillCommand> {
  return parse(() => orderCommandOf(body, QUERY_BILL_FIELDS, null));
}

/** closeBill: queryBill's fields and `operation: "CLOSE"` (CLOSE_BILL_OPERATION says why). */
export function parseCloseBill(body: Record<string, unknown>): Parsed<QueryBillCommand> {
  return parse(() => orderCommandOf(body, CLOSE_BILL_FIELDS, CLOSE_BILL_OPERATION));
}

/** An order's call: its fields, and the operation it must name (null: none). */
function orderCommandOf(body: Record<string, unknown>, fields: readonly string[], operation: string | null): QueryBillCommand {
  acceptSignedParams(body, fields);
  const mchId = mchIdOf(body);
  const mchOrderId = mchOrderIdOf(body);
  if (operation !== null && text(body, 'operation') !== operation) {
    fail('operation', `must be "${operation}", signed with the other fields, so that no signed query can be sent as a close (a client older than this rule does not send it: update it)`);
  }
  const timestampMs = timestampOf(body);
  requireSignature(body);
  return { mchId, mchOrderId, timestampMs };
}
