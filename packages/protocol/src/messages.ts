import { ResultCode } from './errors.js';
import { parseAmountSen } from './money.js';
import { sign, type SignableParams } from './signing.js';

/** The JSON envelope every endpoint answers with. */
export interface Envelope<T> {
  readonly code: number;
  readonly msg: string;
  readonly data: T | null;
}

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

/** Adds the response timestamp and signs `data` with the merchant key, keeping the spec's key order. */
export function signOrderData(order: UnsignedOrderData, timestampMs: number, key: string): OrderData {
  const data = {
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
    timestamp: String(timestampMs),
    secureHash: '',
  };
  data.secureHash = sign(data as unknown as SignableParams, key);
  return data;
}

// ---------------------------------------------------------------------------------------------
// Request field rules. Each parser returns the typed command or the catalogue code and a message
// naming the field; the same rules serve the server (to answer) and the client (to refuse early).

export type Parsed<T> = { ok: true; value: T } | { ok: false; code: number; msg: string };

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

export const MICROPAY_FIELDS = [
  'mchId', 'mchOrderId', 'amount', 'goodsInfo', 'discount', 'point', 'payCode', 'timestamp', 'secureHash',
] as const;
export const QUERY_BILL_FIELDS = ['mchId', 'mchOrderId', 'timestamp', 'secureHash'] as const;

export const GOODS_INFO_MAX_LENGTH = 128;
const MCH_ID = /^[1-9][0-9]{0,18}$/;
const MCH_ORDER_ID = /^[A-Za-z0-9_-]{1,32}$/;
const PAY_CODE = /^[0-9]{18}$/;
const TIMESTAMP = /^[1-9][0-9]{9,15}$/;
const POINT = /^(0|[1-9][0-9]{0,8})$/;
// Control characters would corrupt statements and logs; everything else printable is fine.
const CONTROL = /[\u0000-\u001f\u007f]/;

class FieldError {
  constructor(readonly code: number, readonly msg: string) {}
}

function fail(field: string, rule: string, code: number = ResultCode.PARAM_ERROR): never {
  throw new FieldError(code, `${field} ${rule}`);
}

/** The field as text: strings as they are, JSON numbers in their string form (as they are signed). */
function text(body: Record<string, unknown>, field: string, code?: number): string | null {
  const value = body[field];
  if (value === undefined || value === null) return null;
  if (typeof value === 'string') return value;
  if (typeof value === 'number') return String(value);
  return fail(field, 'must be a string', code);
}

function required(body: Record<string, unknown>, field: string, code?: number): string {
  const value = text(body, field, code);
  if (value === null || value === '') return fail(field, 'is required', code);
  return value;
}

function rejectUnknown(body: Record<string, unknown>, allowed: readonly string[]): void {
  for (const name of Object.keys(body)) {
    if (!allowed.includes(name)) fail(`unknown parameter ${JSON.stringify(name.slice(0, 40))}:`, `not part of this API`);
  }
}

function mchIdOf(body: Record<string, unknown>): string {
  const mchId = required(body, 'mchId');
  if (!MCH_ID.test(mchId)) fail('mchId', 'must be the merchant id: digits only');
  return mchId;
}

function mchOrderIdOf(body: Record<string, unknown>): string {
  const id = required(body, 'mchOrderId', ResultCode.ORDER_ID_ERROR);
  if (!MCH_ORDER_ID.test(id)) {
    fail('mchOrderId', 'must be 1 to 32 characters of A-Z, a-z, 0-9, "_" and "-"', ResultCode.ORDER_ID_ERROR);
  }
  return id;
}

function timestampOf(body: Record<string, unknown>): number {
  const ts = required(body, 'timestamp');
  if (!TIMESTAMP.test(ts)) fail('timestamp', 'must be milliseconds since the epoch');
  return Number(ts);
}

function requireSignature(body: Record<string, unknown>): void {
  const hash = body.secureHash;
  if (typeof hash !== 'string' || hash === '') fail('secureHash', 'is required', ResultCode.SIGNATURE_ERROR);
}

function parse<T>(build: () => T): Parsed<T> {
  try {
    return { ok: true, value: build() };
  } catch (err) {
    if (err instanceof FieldError) return { ok: false, code: err.code, msg: err.msg };
    throw err;
  }
}

export function parseMicropay(body: Record<string, unknown>, limits: FieldLimits): Parsed<MicropayCommand> {
  return parse(() => {
    rejectUnknown(body, MICROPAY_FIELDS);
    const mchId = mchIdOf(body);
    const mchOrderId = mchOrderIdOf(body);

    const amountText = required(body, 'amount');
    const amountSen = parseAmountSen(amountText);
    if (amountSen === null) fail('amount', 'must be a decimal with at most two places, e.g. "1.00"');
    if (amountSen <= 0) fail('amount', 'must be greater than 0');
    if (amountSen > limits.maxAmountSen) fail('amount', `must not exceed the platform maximum`);

    const goodsInfo = required(body, 'goodsInfo');
    if (goodsInfo.length > GOODS_INFO_MAX_LENGTH) fail('goodsInfo', `must be at most ${GOODS_INFO_MAX_LENGTH} characters`);
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
      if (!POINT.test(pointText)) fail('point', 'must be empty or a whole number of points');
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
  return parse(() => {
    rejectUnknown(body, QUERY_BILL_FIELDS);
    const mchId = mchIdOf(body);
    const mchOrderId = mchOrderIdOf(body);
    const timestampMs = timestampOf(body);
    requireSignature(body);
    return { mchId, mchOrderId, timestampMs };
  });
}
