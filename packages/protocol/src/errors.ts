/**
 * The result codes of the MicroPay Payment API, defined once for the server, the client and the
 * published catalogue (docs/errors.md is checked against this table by a test).
 *
 * 0 and 500–1040 are the spec's own codes. 9001–9099 are MicroPay's extensions for outcomes the
 * spec has no code for (documented as such); 9101–9199 are transport errors answered with a 4xx.
 */
export interface ResultCodeInfo {
  readonly code: number;
  /** The `msg` sent when nothing more specific is said. */
  readonly msg: string;
  /** HTTP status the envelope travels with. */
  readonly httpStatus: number;
  readonly meaning: string;
  readonly when: string;
  readonly merchantAction: string;
  readonly extension: boolean;
}

function entry(
  code: number,
  msg: string,
  httpStatus: number,
  meaning: string,
  when: string,
  merchantAction: string,
  extension = false,
): ResultCodeInfo {
  return { code, msg, httpStatus, meaning, when, merchantAction, extension };
}

export const ResultCode = {
  SUCCESS: 0,
  SYSTEM_ERROR: 500,
  PARAM_ERROR: 1021,
  MERCHANT_LOCKED: 1022,
  ORDER_PAID: 1023,
  ORDER_PAYING: 1024,
  ORDER_CLOSED: 1025,
  INSUFFICIENT_BALANCE: 1028,
  NO_RECORD: 1031,
  DUPLICATE_ORDER: 1032,
  ORDER_ID_ERROR: 1033,
  SIGNATURE_ERROR: 1035,
  CODE_EXPIRED: 1036,
  USER_NOT_FOUND: 1040,
  WALLET_FROZEN: 9001,
  NOT_FOUND: 9101,
  METHOD_NOT_ALLOWED: 9102,
  UNSUPPORTED_MEDIA_TYPE: 9103,
  PAYLOAD_TOO_LARGE: 9104,
  MALFORMED_JSON: 9105,
} as const;

export type ResultCodeValue = (typeof ResultCode)[keyof typeof ResultCode];

export const RESULT_CODES: readonly ResultCodeInfo[] = [
  entry(0, 'success', 200, 'The call did what it asked.',
    'micropay: the order is PAID. queryBill: the order exists (read tradeStatus).',
    'Hand over the goods (micropay) or act on tradeStatus (queryBill).'),
  entry(500, 'system error, query the order after 5 seconds', 500, 'Internal server error (the spec\'s "system error").',
    'The platform failed in a way that is not the request\'s fault, e.g. its disk or database failed. The payment may or may not have been made.',
    'Do not re-send with a new order id. Wait 5 seconds, then call queryBill with the same mchOrderId; repeat until it answers a final state.'),
  entry(1021, 'param error', 200, 'A request field is missing or malformed, or the timestamp is outside the allowed window.',
    'Any field fails its rule (see docs/api.md); `msg` names the field and the rule.',
    'Fix the request. Nothing was recorded and no money moved; the same mchOrderId may be used again.'),
  entry(1022, 'merchant locked', 200, 'The merchant is disabled.',
    'The operator disabled the merchant (`micropay merchant disable`).',
    'Contact the platform operator. Nothing was recorded and no money moved.'),
  entry(1023, 'merchant order paid', 200, 'The order is already paid.',
    'micropay repeated for a mchOrderId that is PAID (or refunded since) with the same parameters. `data` carries the signed order.',
    'Treat the order as paid (data.tradeStatus); do not charge again.'),
  entry(1024, 'merchant order paying', 200, 'The order is in progress: the user is confirming it (PENDING) or it is being created (NEW).',
    'micropay repeated for a mchOrderId whose payment is not yet final. `data` carries the signed order.',
    'Query the order after 5 seconds until it is final; close it if you give up.'),
  entry(1025, 'order closed', 200, 'The order is closed or failed.',
    'micropay repeated for a mchOrderId that is FAILED. `data` carries the signed order.',
    'Start a new payment with a new mchOrderId.'),
  entry(1028, 'insufficient balance', 200, 'The wallet cannot cover the amount.',
    'The wallet\'s available balance is below the amount. The order is recorded as FAILED and `data` carries it; the payment code stays usable.',
    'Ask the customer to top up or pay another way; retry with a new mchOrderId.'),
  entry(1031, 'no merchant related records', 200, 'No such merchant, or no such order for this merchant.',
    'mchId is unknown (any endpoint), or queryBill for a mchOrderId that was never recorded.',
    'Check mchId. For queryBill: the payment was never recorded, so no money moved; it is safe to pay again.'),
  entry(1032, 'duplicate merchant order number', 200, 'The mchOrderId is already used for a different payment.',
    'micropay with a mchOrderId that exists but with different amount, payCode, goodsInfo, discount or point. `data` carries the existing signed order.',
    'Use a fresh mchOrderId for a new payment. Nothing moved.'),
  entry(1033, 'merchant order number error', 200, 'mchOrderId is missing or malformed.',
    'mchOrderId is not 1 to 32 characters of A-Z, a-z, 0-9, `_` and `-`.',
    'Fix the order number. Nothing was recorded.'),
  entry(1035, 'signature error', 200, 'secureHash does not match the request.',
    'secureHash is missing, not 64 hex digits, or not the hash of the parameters with the merchant key.',
    'Check the signing rule (docs/api.md) and the key. Nothing was recorded.'),
  entry(1036, 'QR code expired', 200, 'The payment code can no longer be used.',
    'The code has expired, was already used, or was replaced by a newer code for the same wallet.',
    'Ask the customer to refresh the code and scan again; the same mchOrderId may be used.'),
  entry(1040, 'app user does not exist', 200, 'The payment code belongs to no wallet.',
    'No wallet ever issued this code (mistyped or from another scheme).',
    'Scan again. Nothing was recorded.'),
  entry(9001, 'wallet frozen', 200, 'Extension: the wallet behind the code is frozen.',
    'The operator froze the wallet. The order is recorded as FAILED and `data` carries it.',
    'Ask the customer to pay another way; retry with a new mchOrderId.', true),
  entry(9101, 'not found', 404, 'Extension (transport): no such endpoint.',
    'The path is not one of the API\'s endpoints.', 'Check the URL.', true),
  entry(9102, 'method not allowed', 405, 'Extension (transport): the endpoint takes POST only.',
    'Any method other than POST.', 'Send a POST.', true),
  entry(9103, 'unsupported media type', 415, 'Extension (transport): the body is not declared as JSON.',
    'Content-Type is not application/json.', 'Send `Content-Type: application/json`.', true),
  entry(9104, 'payload too large', 413, 'Extension (transport): the body is larger than the platform accepts.',
    'The body exceeds the configured limit (16 KiB by default).', 'Send a smaller body.', true),
  entry(9105, 'malformed JSON', 400, 'Extension (transport): the body is not a JSON object.',
    'The body does not parse as JSON, or is not an object.', 'Send one JSON object.', true),
];

const BY_CODE = new Map(RESULT_CODES.map((info) => [info.code, info]));

export function resultCodeInfo(code: number): ResultCodeInfo | undefined {
  return BY_CODE.get(code);
}
