import { resultCodeInfo } from './errors.js';
import { MCH_ID, MCH_ORDER_ID, PAY_CODE, POINT, TIMESTAMP } from './fields.js';
import {
  CLOSE_BILL_FIELDS,
  CLOSE_BILL_OPERATION,
  GOODS_INFO_MAX_LENGTH,
  MICROPAY_FIELDS,
  ORDER_STATUSES,
  QUERY_BILL_FIELDS,
  type OrderData,
} from './messages.js';
import { AMOUNT } from './money.js';
import {
  BILL_DATE,
  DOWNLOAD_BILL_FIELDS,
  MCH_REFUND_ID,
  QUERY_REFUND_FIELDS,
  REFUND_FAIL_REASONS,
  REFUND_FIELDS,
  REFUND_REASON_MAX_LENGTH,
  REFUND_STATUSES,
  type BillData,
  type OrderRefundsData,
  type RefundData,
} from './refund-messages.js';

/**
 * The merchant API's wire format as JSON Schema (draft 2020-12, the dialect of OpenAPI 3.1), built
 * from the definitions above: the field lists, the field patterns, the states and the result codes.
 * The server's OpenAPI document (`GET /openapi.json`) is made of these; a test validates every
 * answer of a real server against it. An object schema names exactly the keys of its TypeScript
 * interface (the compiler checks), and allows no others.
 */
export type JsonSchema = { readonly [keyword: string]: unknown };

export function pattern(regex: RegExp, description: string, example?: string): JsonSchema {
  return { type: 'string', pattern: regex.source, description, ...(example === undefined ? {} : { examples: [example] }) };
}

export function nullable(schema: JsonSchema): JsonSchema {
  return { anyOf: [schema, { type: 'null' }] };
}

/** An object with exactly these keys, all present (a missing value is `null`, never an absent key). */
export function exactObject<T>(properties: { readonly [K in keyof Required<T>]: JsonSchema }, description?: string): JsonSchema {
  return {
    type: 'object',
    ...(description === undefined ? {} : { description }),
    additionalProperties: false,
    required: Object.keys(properties),
    properties,
  };
}

/** A request body: exactly the endpoint's parameters (others are refused with 1021), some optional. */
function requestObject<F extends string>(
  fields: readonly F[],
  properties: { readonly [K in F]: JsonSchema },
  optional: readonly F[] = [],
): JsonSchema {
  return {
    type: 'object',
    additionalProperties: false,
    required: fields.filter((f) => !optional.includes(f)),
    properties: Object.fromEntries(fields.map((f) => [f, properties[f]])),
  };
}

/** The enveloped answer for some result codes: `{code, msg, data}`, with `data` as given (or null). */
export function envelope(codes: readonly number[], data: JsonSchema | null): JsonSchema {
  for (const code of codes) if (resultCodeInfo(code) === undefined) throw new Error(`result code ${code} is not in the catalogue`);
  return {
    type: 'object',
    additionalProperties: false,
    required: ['code', 'msg', 'data'],
    properties: {
      code: codes.length === 1 ? { const: codes[0] } : { enum: [...codes] },
      msg: { type: 'string', description: "The catalogue's message, maybe followed by `: ` and a detail naming the field or cause." },
      data: data ?? { type: 'null' },
    },
  };
}

export const AMOUNT_SCHEMA = pattern(AMOUNT, 'An amount: a decimal string with at most two places. Answers always send a string; send one too (a JSON number in a request is taken in its JavaScript string form, which your language may not write the same: docs/api.md, "Signing").', '1.00');
export const WIRE_TIME = /^[0-9]{4}-[0-9]{2}-[0-9]{2} [0-9]{2}:[0-9]{2}:[0-9]{2}$/;
export const WIRE_TIME_SCHEMA = pattern(WIRE_TIME, '`yyyy-MM-dd HH:mm:ss` in the platform\'s time zone (MICROPAY_TIMEZONE).', '2022-03-08 17:54:58');
const MS_TIMESTAMP = pattern(TIMESTAMP, 'Milliseconds since the epoch, as a string.', '1646733298647');
const SECURE_HASH = pattern(/^[0-9A-F]{64}$/, 'SHA-256 of the values in ASCII order of their names, joined by `|`, then `|` and the merchant key; uppercase hex (docs/api.md, "Signing").');
const SECURE_HASH_IN = pattern(/^[0-9A-Fa-f]{64}$/, 'The request\'s signature (docs/api.md, "Signing").');
const MCH_ID_SCHEMA = pattern(MCH_ID, 'The merchant id.', '202203101');
const MCH_ORDER_ID_SCHEMA = pattern(MCH_ORDER_ID, "The merchant's order number (1033 when malformed).", '10001');
const MCH_REFUND_ID_SCHEMA = pattern(MCH_REFUND_ID, "The merchant's refund number.", 'R10001');
export const WAVPAY_ORDER_ID = pattern(/^4[0-9]{21}$/, "MicroPay's order id: `4`, `yyyyMMddHHmmss`, 7 digits.", '4202203081754580000001');
const REFUND_ID = pattern(/^5[0-9]{21}$/, "MicroPay's refund id: `5`, `yyyyMMddHHmmss`, 7 digits.");
export const ORDER_STATUS_SCHEMA: JsonSchema = { enum: [...ORDER_STATUSES] };

// ---------------------------------------------------------------------------------------------
// Requests.

export const MICROPAY_REQUEST = requestObject(MICROPAY_FIELDS, {
  mchId: MCH_ID_SCHEMA,
  mchOrderId: MCH_ORDER_ID_SCHEMA,
  amount: AMOUNT_SCHEMA,
  goodsInfo: { type: 'string', minLength: 1, maxLength: GOODS_INFO_MAX_LENGTH, description: 'What is sold; no control characters.' },
  discount: { anyOf: [AMOUNT_SCHEMA, { const: '' }, { type: 'null' }], description: 'At most `amount`; empty when none.' },
  point: { anyOf: [pattern(POINT, 'Whole points.'), { const: '' }, { type: 'null' }] },
  payCode: pattern(PAY_CODE, 'The 18 digits of the payment code the customer shows: a MicroPay code starts with 39 (an offline one with 38).', '395865319883277944'),
  timestamp: MS_TIMESTAMP,
  secureHash: SECURE_HASH_IN,
}, ['discount', 'point']);

/** queryBill and queryOrderRefunds take the same fields. */
export const QUERY_BILL_REQUEST = requestObject(QUERY_BILL_FIELDS, {
  mchId: MCH_ID_SCHEMA,
  mchOrderId: MCH_ORDER_ID_SCHEMA,
  timestamp: MS_TIMESTAMP,
  secureHash: SECURE_HASH_IN,
});

/** closeBill: queryBill's fields and its own, signed with them (messages.ts, CLOSE_BILL_OPERATION). */
export const CLOSE_BILL_REQUEST = requestObject(CLOSE_BILL_FIELDS, {
  mchId: MCH_ID_SCHEMA,
  mchOrderId: MCH_ORDER_ID_SCHEMA,
  operation: { const: CLOSE_BILL_OPERATION, description: 'Always "CLOSE". The signature covers values, not names or the path: this value, signed, is what no query request carries, so none can be sent as a close.' },
  timestamp: MS_TIMESTAMP,
  secureHash: SECURE_HASH_IN,
});

export const REFUND_REQUEST = requestObject(REFUND_FIELDS, {
  mchId: MCH_ID_SCHEMA,
  mchOrderId: MCH_ORDER_ID_SCHEMA,
  mchRefundId: MCH_REFUND_ID_SCHEMA,
  refundAmount: AMOUNT_SCHEMA,
  reason: { anyOf: [{ type: 'string', maxLength: REFUND_REASON_MAX_LENGTH }, { type: 'null' }] },
  timestamp: MS_TIMESTAMP,
  secureHash: SECURE_HASH_IN,
}, ['reason']);

export const QUERY_REFUND_REQUEST = requestObject(QUERY_REFUND_FIELDS, {
  mchId: MCH_ID_SCHEMA,
  mchRefundId: MCH_REFUND_ID_SCHEMA,
  timestamp: MS_TIMESTAMP,
  secureHash: SECURE_HASH_IN,
});

export const DOWNLOAD_BILL_REQUEST = requestObject(DOWNLOAD_BILL_FIELDS, {
  mchId: MCH_ID_SCHEMA,
  billDate: pattern(BILL_DATE, 'A calendar day, `yyyy-MM-dd`, in the platform\'s time zone.', '2022-03-10'),
  timestamp: MS_TIMESTAMP,
  secureHash: SECURE_HASH_IN,
});

// ---------------------------------------------------------------------------------------------
// Answers' `data`, signed with the merchant key.

export const ORDER_DATA = exactObject<OrderData>({
  merchantOrderId: MCH_ORDER_ID_SCHEMA,
  wavpayOrderId: WAVPAY_ORDER_ID,
  mchId: MCH_ID_SCHEMA,
  merchantName: { type: 'string' },
  tradeTime: WIRE_TIME_SCHEMA,
  payTime: nullable(WIRE_TIME_SCHEMA),
  paySence: { const: 'MICROPAY' },
  tradeStatus: ORDER_STATUS_SCHEMA,
  amount: AMOUNT_SCHEMA,
  goodsInfo: { type: ['string', 'null'] },
  timestamp: MS_TIMESTAMP,
  secureHash: SECURE_HASH,
}, 'The order, signed with the merchant key (verify secureHash before acting on it).');

export const REFUND_DATA = exactObject<RefundData>({
  merchantOrderId: MCH_ORDER_ID_SCHEMA,
  wavpayOrderId: WAVPAY_ORDER_ID,
  mchId: MCH_ID_SCHEMA,
  merchantRefundId: MCH_REFUND_ID_SCHEMA,
  refundId: REFUND_ID,
  refundAmount: AMOUNT_SCHEMA,
  refundStatus: { enum: [...REFUND_STATUSES] },
  refundTime: nullable(WIRE_TIME_SCHEMA),
  failReason: { enum: [...REFUND_FAIL_REASONS, null] },
  reason: { type: ['string', 'null'] },
  timestamp: MS_TIMESTAMP,
  secureHash: SECURE_HASH,
}, 'The refund, signed with the merchant key.');

export const ORDER_REFUNDS_DATA = exactObject<OrderRefundsData>({
  merchantOrderId: MCH_ORDER_ID_SCHEMA,
  wavpayOrderId: WAVPAY_ORDER_ID,
  mchId: MCH_ID_SCHEMA,
  tradeStatus: ORDER_STATUS_SCHEMA,
  amount: AMOUNT_SCHEMA,
  refundAmount: { ...AMOUNT_SCHEMA, description: 'Refunded or being refunded; `amount − refundAmount` may still be refunded.' },
  timestamp: MS_TIMESTAMP,
  secureHash: SECURE_HASH,
}, 'The order\'s refund total, signed with the merchant key.');

export const BILL_DATA = exactObject<BillData>({
  mchId: MCH_ID_SCHEMA,
  billDate: pattern(BILL_DATE, 'The statement\'s day.'),
  csv: { type: 'string', description: 'The day\'s statement as CSV (docs/statements.md).' },
  timestamp: MS_TIMESTAMP,
  secureHash: SECURE_HASH,
}, 'The day\'s statement, signed with the merchant key.');
