import { WALLET_ID as WALLET_ID_PATTERN } from '@micropay/protocol/fields';
import { OPERATOR_ROLES } from '@micropay/protocol/operator-roles';
import { MAX_BANK_TEXT_LENGTH, MAX_REASON_LENGTH, REFUND_REASON_MAX_LENGTH } from '@micropay/protocol/text-limits';
import {
  AMOUNT_SCHEMA,
  BASE64URL_32_BYTES,
  BILL_DATA,
  CLOSE_BILL_REQUEST,
  DEVICE_ID_SHAPE,
  DOWNLOAD_BILL_REQUEST,
  MCH_ID,
  MCH_ORDER_ID,
  MCH_REFUND_ID,
  MICROPAY_REQUEST,
  nullable,
  ORDER_DATA,
  ORDER_REFUNDS_DATA,
  ORDER_STATUS_SCHEMA,
  PAID_ORDER_STATUSES,
  pattern,
  QUERY_BILL_REQUEST,
  QUERY_REFUND_REQUEST,
  REFUND_DATA,
  REFUND_FAIL_REASONS,
  REFUND_REQUEST,
  REFUND_STATUSES,
  ResultCode as R,
  WAVPAY_ORDER_ID,
  WIRE_TIME_SCHEMA,
  type JsonSchema,
} from '@micropay/protocol';
import type { PayFailReason } from '@micropay/client';
import { HISTORY_PAGE_SIZE } from '../../api/page-wallet-account.js';
import { POSTING_ID } from '../../api/wallet-history.js';
import { LEDGER_ID } from '../../domain/ledger.js';
import { OPERATOR_HISTORY_PAGE_SIZE } from '../../api/page-admin-wallet-access.js';
import { PIN_RULE } from '../../domain/credentials.js';
import type { FailReason, WalletStatus } from '../../domain/model.js';
import { NOTIFICATION_ID as NOTIFICATION_ID_SHAPE } from '../../domain/notification.js';
import { CASHIER_NAME } from '../../domain/page-access.js';
import { PASSWORD_MAX } from '../../api/page-cashier.js';
import { OPERATOR_NAME } from '../../domain/operator.js';
import { PAYOUT_FILE_MAX_ROWS } from '../../domain/payout-file.js';
import { PAYOUT_CHOICES, PAYOUT_FILE_NO } from '../../services/payout-file.js';
import { PAYOUT_FILE_HEADERS } from '@micropay/protocol/payout-file';
import { adminOpsEndpoints } from './admin-ops-endpoints.js';

/**
 * Every JSON endpoint of http/routes.ts, described for the OpenAPI document (document.ts). To add an
 * endpoint: add its route, then an entry here with its request, and for each group of result codes
 * the `data` they carry (null: none). Transport answers (415, 413, 400, 500) are added to every
 * entry. test/openapi.test.ts fails naming any route that has no entry, and validates real answers
 * against what is written here, so an entry that is wrong fails too.
 */
/** `none`: the body authorises itself (a device's sign-out proof). */
export type Auth = 'merchant' | 'wallet' | 'walletPage' | 'cashierPage' | 'merchantConsole' | 'adminConsole' | 'none';

export interface EndpointDoc {
  readonly tag: 'Merchant API' | 'Wallet API' | 'Wallet page API' | 'Cashier page API' | 'Merchant console API' | 'Operator console API';
  readonly summary: string;
  readonly description: string;
  readonly auth: Auth;
  /** A page API call that changes something: the session's CSRF token in `X-CSRF-Token` (else 9121). */
  readonly csrf?: boolean;
  readonly request: JsonSchema;
  readonly answers: readonly EndpointAnswer[];
}

export interface EndpointAnswer {
  readonly codes: readonly number[];
  /** A component name (components.schemas) or an inline schema; null: `data` is null. */
  readonly data: string | JsonSchema | null;
  /** The answer sets the page's session cookie (sign-in) or clears it (sign-out, expired session). */
  readonly cookie?: 'set' | 'cleared';
  /** The answer is a file of this type (`Content-Disposition: attachment`) instead of the envelope. */
  readonly file?: 'text/csv';
}

/** Exactly the members of a string union, checked by the compiler. */
function members<T extends string>(all: { readonly [K in T]: true }): JsonSchema {
  return { enum: Object.keys(all) };
}

const EMPTY: JsonSchema = { type: 'object', additionalProperties: false, maxProperties: 0, description: 'An empty JSON object, `{}`.' };
const SIGNED_REQUEST = (name: string) => `Signed with the merchant key: see the signing rule in docs/api.md. ${name}`;
const WALLET_ID = pattern(WALLET_ID_PATTERN, 'The 12-digit wallet id.', '600000000001');
const CSRF_TOKEN = { type: 'string', description: 'Send it in `X-CSRF-Token` with every call on the session, reads included.' };
const WALLET_STATUS = members<WalletStatus>({ active: true, frozen: true, closed: true });
const FAIL_REASON = members<FailReason>({
  INSUFFICIENT_BALANCE: true, WALLET_FROZEN: true, DECLINED: true, CLOSED: true, CONFIRM_TIMEOUT: true, SYSTEM_ERROR: true,
});

function object(properties: Record<string, JsonSchema>, optional: readonly string[] = []): JsonSchema {
  return {
    type: 'object',
    additionalProperties: false,
    required: Object.keys(properties).filter((k) => !optional.includes(k)),
    properties,
  };
}

const WALLET_SIGNED_IN = {
  walletId: WALLET_ID, name: { type: 'string' }, status: WALLET_STATUS, available: AMOUNT_SCHEMA,
  hasPin: { type: 'boolean', description: 'False: the wallet has no PIN, and confirms a payment without one.' },
  timeZone: { type: 'string', description: 'The platform\'s time zone, for the page to show times in.' }, csrfToken: CSRF_TOKEN,
};
const CASHIER_SIGNED_IN = {
  mchId: pattern(MCH_ID, 'The merchant the cashier charges for.'), cashierName: { type: 'string' }, merchantName: { type: ['string', 'null'] },
  timeZone: { type: 'string', description: 'The platform\'s time zone, for the page to show times in.' }, csrfToken: CSRF_TOKEN,
  refundLimit: { anyOf: [AMOUNT_SCHEMA, { type: 'null' }], description: 'The most this user may refund at once (null: no limit); the refund dialog offers up to it.' },
};

// The consoles' sign-ins (docs/consoles.md).
const MERCHANT_SIGNED_IN = {
  mchId: pattern(MCH_ID, 'The merchant of the user: every console call acts for it.'), userName: { type: 'string' }, role: { enum: ['owner', 'cashier'] },
  merchantName: { type: ['string', 'null'] }, timeZone: { type: 'string', description: 'The platform\'s time zone, for the page to show times in.' }, csrfToken: CSRF_TOKEN,
};
const OPERATOR_SIGNED_IN = {
  operatorName: { type: 'string' }, role: { enum: OPERATOR_ROLES, description: 'What the operator may change (docs/consoles.md, "Operator roles").' },
  timeZone: { type: 'string', description: 'The platform\'s time zone, for the console to show times in.' }, csrfToken: CSRF_TOKEN,
};

// The till's own charges (api/page-cashier-charges.ts): times as epoch ms, formatted by the page.
const EPOCH_MS: JsonSchema = { type: 'integer', minimum: 0, description: 'Milliseconds since the epoch.' };
const TILL_ORDER = {
  mchOrderId: pattern(MCH_ORDER_ID, 'The order number the till drew.'),
  wavpayOrderId: WAVPAY_ORDER_ID,
  goodsInfo: { type: ['string', 'null'] },
  amount: AMOUNT_SCHEMA,
  refundedAmount: AMOUNT_SCHEMA,
  refundableAmount: AMOUNT_SCHEMA,
  refundRoom: { anyOf: [AMOUNT_SCHEMA, { type: 'null' }], description: 'How much more the signed-in user may refund of it: what is left, within its refund limit (for each sale); null: no limit of its own.' },
  refundLimit: { anyOf: [AMOUNT_SCHEMA, { type: 'null' }], description: 'The signed-in user\'s refund limit for each sale, as it is now; null: none.' },
  tradeStatus: ORDER_STATUS_SCHEMA,
  failReason: { anyOf: [FAIL_REASON, { type: 'null' }] },
  payTimeMs: { anyOf: [EPOCH_MS, { type: 'null' }] },
};
const CHARGE_CURSOR = object({ chargedAtMs: EPOCH_MS, mchOrderId: pattern(MCH_ORDER_ID, 'The order number.') });

// A wallet's balances and movements (api/wallet-api.ts balanceData, transactionData): the wallet
// API's balance, the wallet page's account part and its history.
const BALANCE = {
  walletId: WALLET_ID, name: { type: 'string' }, status: WALLET_STATUS,
  balance: AMOUNT_SCHEMA, held: AMOUNT_SCHEMA, available: AMOUNT_SCHEMA,
};
const MONEY_IN = pattern(/^(0|[1-9][0-9]*)\.[0-9]{2}$/, 'Into the wallet: positive.');
const MONEY_OUT = pattern(/^-(0|[1-9][0-9]*)\.[0-9]{2}$/, 'Out of the wallet: negative.');
const ZONED_TIME = pattern(/^[0-9]{4}-[0-9]{2}-[0-9]{2} [0-9]{2}:[0-9]{2}:[0-9]{2} [+-][0-9]{2}:[0-9]{2}$/, '`time` with the zone\'s offset at that instant.', '2026-12-05 14:42:08 +08:00');
const SIGN_OUT_PROOF = pattern(BASE64URL_32_BYTES, 'HMAC-SHA-256 under the device secret of "MPOC1 sign-out " and the device id, base64url (docs/offline-codes.md).');
const DEVICE_ID_SCHEMA = pattern(DEVICE_ID_SHAPE, 'The device\'s id, from enrolment or the list; not in its codes.');
const POSTING_KEY = pattern(POSTING_ID, 'The key of the next (older) page: post it back as `before`.', '57');

/**
 * One movement of a wallet, by its type: a top-up (no order; REVERSED when taken back) or its reversal, a payment (out, with the
 * paid order's status now) or a refund (in, with the refund's status). `extra`: the fields a
 * caller adds to every row (the page's history adds `zonedTime`); the rows are defined only here.
 */
function transactionRow(extra: Record<string, JsonSchema> = {}, payouts = false): JsonSchema {
  const row = (type: string, amount: JsonSchema, fields: Record<string, JsonSchema>): JsonSchema =>
    object({ type: { const: type }, amount, ...fields, time: WIRE_TIME_SCHEMA, ...extra });
  const none = { type: 'null' };
  return {
    anyOf: [
      row('TOPUP', MONEY_IN, { merchantName: none, wavpayOrderId: none, refundId: none, status: { enum: ['REVERSED', null], description: 'REVERSED: an operator took it back (its TOPUP_REVERSAL row).' }, refundedAmount: none }),
      // An operator's correction of a top-up made by mistake (docs/operations.md): its amount back out.
      row('TOPUP_REVERSAL', MONEY_OUT, { merchantName: none, wavpayOrderId: none, refundId: none, status: none, refundedAmount: none }),
      row('PAYMENT', MONEY_OUT, {
        merchantName: { type: ['string', 'null'] }, wavpayOrderId: WAVPAY_ORDER_ID, refundId: none, status: { enum: [...PAID_ORDER_STATUSES] },
        refundedAmount: { ...AMOUNT_SCHEMA, description: 'Refunded of it so far, refunds in process included (a part refunded leaves it PAID); 0.00: none.' },
      }),
      row('REFUND', MONEY_IN, {
        merchantName: { type: ['string', 'null'] }, wavpayOrderId: WAVPAY_ORDER_ID,
        refundId: pattern(/^5[0-9]{21}$/, "MicroPay's refund id."), status: { enum: [...REFUND_STATUSES] }, refundedAmount: none,
      }),
      // A closed wallet's payout, and its money back when the payout failed: the operator's view only.
      ...(payouts ? [
        row('PAYOUT', MONEY_OUT, { merchantName: none, wavpayOrderId: none, refundId: none, status: none, refundedAmount: none }),
        row('PAYOUT_RETURNED', MONEY_IN, { merchantName: none, wavpayOrderId: none, refundId: none, status: none, refundedAmount: none }),
      ] : []),
    ],
  };
}

/** The component schemas `data` refers to by name (the merchant API's come from @micropay/protocol). */
export const COMPONENT_SCHEMAS: Readonly<Record<string, JsonSchema>> = {
  Order: ORDER_DATA,
  Refund: REFUND_DATA,
  OrderRefunds: ORDER_REFUNDS_DATA,
  Bill: BILL_DATA,
  PayCode: object({
    payCode: pattern(/^[0-9]{18}$/, 'The one-time payment code to show (QR and barcode).'),
    expiresAt: WIRE_TIME_SCHEMA,
    expiresAtMs: pattern(/^[0-9]{13,16}$/, 'The same instant in milliseconds since the epoch.'),
  }),
  DeviceListing: object({
    deviceId: DEVICE_ID_SCHEMA,
    label: { type: 'string', description: 'The name given at enrolment.' },
    status: { enum: ['active', 'expired', 'revoked'], description: 'expired: not renewed within its lifetime; revoked: signed out, revoked, or its wallet frozen. Only an active device\'s codes pay.' },
    enrolledAt: WIRE_TIME_SCHEMA,
    expiresAt: { ...WIRE_TIME_SCHEMA, description: 'From this moment its codes are refused, unless a renewal moves it on (MICROPAY_OFFLINE_DEVICE_DAYS after the renewal).' },
    expiresAtMs: pattern(/^[0-9]{13,16}$/, 'The same instant in milliseconds since the epoch, for the device to compare with its clock while offline.'),
    revokedAt: nullable(WIRE_TIME_SCHEMA),
  }),
  OfflineDevice: object({
    deviceId: DEVICE_ID_SCHEMA,
    label: { type: 'string', description: 'The name given at enrolment.' },
    status: { const: 'active' },
    enrolledAt: WIRE_TIME_SCHEMA,
    expiresAt: { ...WIRE_TIME_SCHEMA, description: 'The enrolment ends here unless renewed before (`devices/renew`).' },
    expiresAtMs: pattern(/^[0-9]{13,16}$/, 'The same instant in milliseconds since the epoch.'),
    revokedAt: { const: null },
    deviceTag: pattern(/^[0-9]{8}$/, 'Digits 3 to 10 of every code of the device: a keyed permutation of its id.'),
    deviceSecret: pattern(BASE64URL_32_BYTES, 'The device secret, 32 bytes in base64url: shown once, kept on the device only.'),
    codePrefix: { const: '38' },
    stepSeconds: { const: '10' },
    windowSteps: { const: '4' },
  }),
  WalletOrder: object({
    wavpayOrderId: WAVPAY_ORDER_ID,
    merchantOrderId: pattern(MCH_ORDER_ID, "The merchant's order number."),
    merchantName: { type: ['string', 'null'] },
    amount: AMOUNT_SCHEMA,
    goodsInfo: { type: ['string', 'null'] },
    tradeStatus: ORDER_STATUS_SCHEMA,
    tradeTime: WIRE_TIME_SCHEMA,
    confirmBy: nullable(WIRE_TIME_SCHEMA),
    failReason: { anyOf: [FAIL_REASON, { type: 'null' }] },
  }),
  WalletPageOrder: object({
    wavpayOrderId: WAVPAY_ORDER_ID,
    merchantName: { type: ['string', 'null'] },
    amount: AMOUNT_SCHEMA,
    goodsInfo: { type: 'string' },
    tradeStatus: ORDER_STATUS_SCHEMA,
    failReason: { anyOf: [FAIL_REASON, { type: 'null' }] },
    tradeTime: WIRE_TIME_SCHEMA,
    payTime: nullable(WIRE_TIME_SCHEMA),
    confirmBy: nullable(WIRE_TIME_SCHEMA),
  }),
  Balance: object({ ...BALANCE, transactions: { type: 'array', maxItems: 20, items: transactionRow() } }),
  WalletBalance: object(BALANCE),
  HistoryPage: object({
    transactions: { type: 'array', maxItems: HISTORY_PAGE_SIZE, items: transactionRow({ zonedTime: ZONED_TIME }) },
    older: { anyOf: [POSTING_KEY, { type: 'null' }] },
    timeZone: { type: 'string', description: 'The platform\'s time zone (`MICROPAY_TIMEZONE`), which `time` is in.' },
  }),
  WalletSignedIn: object(WALLET_SIGNED_IN, ['name', 'status', 'available', 'hasPin']),
  WalletSession: object({ signedIn: { const: true }, ...WALLET_SIGNED_IN }, ['name', 'status', 'available', 'hasPin']),
  CashierSignedIn: object(CASHIER_SIGNED_IN),
  CashierSession: object({ signedIn: { const: true }, ...CASHIER_SIGNED_IN }),
  SignedOut: object({ signedIn: { const: false } }),
  MerchantSignedIn: object(MERCHANT_SIGNED_IN),
  MerchantSession: object({ signedIn: { const: true }, ...MERCHANT_SIGNED_IN }),
  OperatorSignedIn: object(OPERATOR_SIGNED_IN),
  OperatorSession: object({ signedIn: { const: true }, ...OPERATOR_SIGNED_IN }),
  MerchantUser: object({
    name: { type: 'string' }, role: { enum: ['owner', 'cashier'] },
    refundLimit: { anyOf: [AMOUNT_SCHEMA, { type: 'null' }], description: 'Most a sale\'s refunds may add up to when this user refunds it; null: no limit.' },
    status: { enum: ['active', 'disabled'], description: 'A disabled user signs in nowhere (9024) until enabled again.' },
    disabledAtMs: { anyOf: [EPOCH_MS, { type: 'null' }], description: 'When the user was disabled; null while active.' },
    locked: { type: 'boolean', description: 'Five wrong passwords in a row locked it, for 15 minutes from the fifth; a new password unlocks it at once.' },
    createdAtMs: EPOCH_MS,
  }),
  TillOrder: object(TILL_ORDER),
  TillCharge: object({ ...TILL_ORDER, chargedAtMs: EPOCH_MS, payCode: pattern(/^•••• [0-9]{4}$/, 'The payment code, all but its last four digits masked.') }),
  TillRefund: object({
    mchRefundId: pattern(MCH_REFUND_ID, 'The refund number the till drew.'),
    refundId: pattern(/^5[0-9]{21}$/, "MicroPay's refund id."),
    refundAmount: AMOUNT_SCHEMA,
    refundStatus: { enum: [...REFUND_STATUSES] },
    failReason: { enum: [...REFUND_FAIL_REASONS, null] },
    requestedAtMs: EPOCH_MS,
    refundTimeMs: { anyOf: [EPOCH_MS, { type: 'null' }] },
  }),
};

function ref(name: keyof typeof COMPONENT_SCHEMAS): JsonSchema {
  return { $ref: `#/components/schemas/${name}` };
}

/** A session probe's answer: not signed in, or signed in with what the page shows and the CSRF token. */
function sessionProbe(signedIn: 'WalletSession' | 'CashierSession' | 'MerchantSession' | 'OperatorSession'): JsonSchema {
  return { anyOf: [ref('SignedOut'), ref(signedIn)] };
}

// The charge's outcome (@micropay/client's pay flow, run on the server for the cashier).
const CHARGE_ORDER = nullable(object({ wavpayOrderId: WAVPAY_ORDER_ID, amount: AMOUNT_SCHEMA, tradeStatus: ORDER_STATUS_SCHEMA, payTime: nullable(WIRE_TIME_SCHEMA) }));
const PAY_FAIL_REASON = members<PayFailReason>({
  INSUFFICIENT_BALANCE: true, WALLET_FROZEN: true, PAY_CODE_EXPIRED: true, PAY_CODE_UNKNOWN: true,
  NOT_CONFIRMED: true, ORDER_CLOSED: true, PLATFORM_ERROR: true, PAYMENT_FAILED: true,
});
const MCH_ORDER = pattern(MCH_ORDER_ID, 'The order number the page drew for this charge (sent again on a resubmit).');
const CHARGE_OUTCOME: JsonSchema = {
  anyOf: [
    object({ status: { const: 'PAID' }, mchOrderId: MCH_ORDER, order: CHARGE_ORDER }),
    object({
      status: { const: 'FAILED' }, mchOrderId: MCH_ORDER, reason: PAY_FAIL_REASON, message: { type: 'string' }, order: CHARGE_ORDER,
      orderFailReason: { anyOf: [FAIL_REASON, { type: 'null' }], description: 'Why the platform failed the order (DECLINED, CONFIRM_TIMEOUT, …), which `reason` NOT_CONFIRMED does not tell; null without an order.' },
    }),
    object({ status: { const: 'CLOSED' }, mchOrderId: MCH_ORDER, message: { type: 'string' }, order: CHARGE_ORDER }),
    object({ status: { const: 'UNKNOWN' }, mchOrderId: MCH_ORDER, message: { type: 'string' } }),
  ],
};

const DEVICE_SIGNED_OUT = object({ deviceId: DEVICE_ID_SCHEMA, status: { const: 'revoked' } });
/** A device's own sign-out, by its proof: the same request and answers on the wallet API and the page API. */
const SELF_SIGN_OUT = {
  auth: 'none', request: object({ deviceId: DEVICE_ID_SCHEMA, proof: SIGN_OUT_PROOF }),
  answers: [{ codes: [R.SUCCESS], data: DEVICE_SIGNED_OUT }, { codes: [R.PARAM_ERROR, R.NO_RECORD], data: null }],
} as const satisfies Pick<EndpointDoc, 'auth' | 'request' | 'answers'>;
/** A wallet's offline-code devices, as the wallet API and the wallet page list them. */
const DEVICE_LIST = object({ devices: { type: 'array', items: ref('DeviceListing') }, timeZone: { type: 'string', description: 'The zone the times are in.' } });
/** The answers every merchant endpoint can give before it looks at its own business. */
const MERCHANT_REFUSALS: EndpointAnswer = { codes: [R.PARAM_ERROR, R.ORDER_ID_ERROR, R.SIGNATURE_ERROR, R.NO_RECORD, R.MERCHANT_LOCKED], data: null };
/** The same for an endpoint that takes no mchOrderId (1033 is its order id's code): queryRefund, downloadBill. */
const NO_ORDER_ID_REFUSALS: EndpointAnswer = { ...MERCHANT_REFUSALS, codes: MERCHANT_REFUSALS.codes.filter((c) => c !== R.ORDER_ID_ERROR) };
const PAGE_REFUSALS: EndpointAnswer = { codes: [R.SESSION_REQUIRED], data: null, cookie: 'cleared' };
const CSRF_REFUSAL: EndpointAnswer = { codes: [R.CSRF_REJECTED], data: null };

const USER_NAME = pattern(CASHIER_NAME, 'The user\'s name.');
const ROLE_REFUSAL: EndpointAnswer = { codes: [R.ROLE_NOT_ALLOWED], data: null };
const REFUND_LIMIT = { anyOf: [AMOUNT_SCHEMA, { type: 'null' }], description: 'Most a sale\'s refunds may add up to when the cashier refunds it; null: no limit.' };
const USER_WITH_PASSWORD = object({ user: ref('MerchantUser'), password: { type: 'string', description: 'The generated password, in this answer only.' } });

// The merchant console's Orders, Order detail and Statements (api/page-merchant-orders.ts, page-merchant-statements.ts).
const SIGNED_AMOUNT = pattern(/^-?(0|[1-9][0-9]*)\.[0-9]{2}$/, 'An amount that may be negative, as a decimal string.', '-1.50');
const NULLABLE_MS: JsonSchema = { anyOf: [EPOCH_MS, { type: 'null' }] };
const CONSOLE_ORDER = {
  mchOrderId: pattern(MCH_ORDER_ID, 'The merchant\'s order number.'), wavpayOrderId: WAVPAY_ORDER_ID, amount: AMOUNT_SCHEMA, refundedAmount: AMOUNT_SCHEMA,
  tradeStatus: ORDER_STATUS_SCHEMA, failReason: { anyOf: [FAIL_REASON, { type: 'null' }] },
  wallet: pattern(/^•••• [0-9]{4}$/, 'The customer\'s wallet id, all but its last four digits masked.'), tradeTimeMs: EPOCH_MS, payTimeMs: NULLABLE_MS,
  till: { type: ['string', 'null'], description: 'The name of the merchant user whose till charged the order; null: the merchant\'s own system did.' },
};
const ORDER_FILTER = { type: 'string', description: 'docs/consoles.md, "Orders".' };
const ORDER_FILTERS = object({
  from: ORDER_FILTER, to: ORDER_FILTER, status: { anyOf: [ORDER_FILTER, { type: 'array', items: ORDER_STATUS_SCHEMA }] }, minAmount: ORDER_FILTER, maxAmount: ORDER_FILTER,
  mchOrderId: ORDER_FILTER, mchOrderIdPrefix: ORDER_FILTER, cashierId: ORDER_FILTER, till: ORDER_FILTER, origin: { enum: ['till', 'system', ''] }, limit: ORDER_FILTER, cursor: ORDER_FILTER,
}, ['from', 'to', 'status', 'minAmount', 'maxAmount', 'mchOrderId', 'mchOrderIdPrefix', 'cashierId', 'till', 'origin', 'limit', 'cursor']);
const TIMELINE_EVENT: JsonSchema = {
  type: 'object', required: ['kind', 'atMs'], properties: { kind: { enum: ['tillCharge', 'trade', 'held', 'stalled', 'holdReleased', 'paid', 'failed', 'entry', 'refundRequested', 'refunded', 'refundFailed', 'sourced'] }, atMs: EPOCH_MS, amount: AMOUNT_SCHEMA },
  description: 'One event of the order (docs/consoles.md, "Order detail"): amounts as decimal strings; `sourced` events with `source: "notification"` are the notification attempts.',
};
const STATEMENT_DATE = object({ date: pattern(/^[0-9]{4}-[0-9]{2}-[0-9]{2}$/, 'A day, `yyyy-MM-dd`, in the platform\'s time zone.', '2026-12-05') });

function merchantOrderEndpoints(): Record<string, EndpointDoc> {
  const doc = (summary: string, description: string, request: JsonSchema, data: JsonSchema, codes: number[], csrf: boolean, owner = false): EndpointDoc => ({
    tag: 'Merchant console API', auth: 'merchantConsole', csrf, request, summary, description: `${description} docs/consoles.md.`,
    answers: [{ codes: [R.SUCCESS], data }, { codes: [R.PARAM_ERROR, ...codes], data: null }, PAGE_REFUSALS, ...(csrf ? [CSRF_REFUSAL] : []), ...(owner ? [ROLE_REFUSAL] : [])],
  });
  return {
    '/api/page/merchant/orders/search': doc('Search the merchant\'s orders, a page at a time', 'A cashier\'s search is its own till\'s charges. Bad filters: 1021, or 1033 for an order id.',
      ORDER_FILTERS, object({ timeZone: { type: 'string' }, orders: { type: 'array', maxItems: 100, items: object(CONSOLE_ORDER) }, next: { type: ['string', 'null'] } }), [R.ORDER_ID_ERROR], false),
    '/api/page/merchant/orders/detail': doc('One order and its timeline, notification attempts included', 'Another merchant\'s order, another till\'s (for a cashier) or none: 1031.',
      object({ mchOrderId: pattern(MCH_ORDER_ID, 'The merchant\'s order number.') }),
      object({ timeZone: { type: 'string' }, order: object({ ...CONSOLE_ORDER, goodsInfo: { type: ['string', 'null'] }, refundableAmount: AMOUNT_SCHEMA }), events: { type: 'array', items: TIMELINE_EVENT } }),
      [R.ORDER_ID_ERROR, R.NO_RECORD], false),
    '/api/page/merchant/orders/refund': doc('Refund part or all of an order', 'The owner refunds any order of its merchant; a cashier only its till\'s charges (9031), within its refund limit (9032). One mchRefundId per attempt.',
      object({ mchOrderId: pattern(MCH_ORDER_ID, 'The order number.'), mchRefundId: pattern(MCH_REFUND_ID, 'One per refund attempt, sent again on a retry.'), refundAmount: AMOUNT_SCHEMA, reason: { type: 'string', minLength: 1, maxLength: REFUND_REASON_MAX_LENGTH } }),
      object({ refund: ref('TillRefund'), charge: ref('TillOrder') }),
      [R.ORDER_ID_ERROR, R.MERCHANT_LOCKED, R.NO_RECORD, R.ORDER_PAYING, R.ORDER_CLOSED, R.DUPLICATE_ORDER, R.REFUND_EXCEEDS_REFUNDABLE, R.NOT_THIS_CASHIERS_CHARGE, R.REFUND_OVER_LIMIT], true),
    '/api/page/merchant/statements/day': doc('One day\'s totals and settlement report', 'The owner\'s only (9122 for a cashier).', STATEMENT_DATE, object({
      date: { type: 'string' }, timeZone: { type: 'string' }, fromMs: EPOCH_MS, toMs: EPOCH_MS, paymentCount: { type: 'integer', minimum: 0 }, payments: AMOUNT_SCHEMA,
      refundCount: { type: 'integer', minimum: 0 }, refunds: AMOUNT_SCHEMA, net: SIGNED_AMOUNT, opening: SIGNED_AMOUNT, payoutsRequested: AMOUNT_SCHEMA,
      payoutsReturned: AMOUNT_SCHEMA, payouts: SIGNED_AMOUNT, closing: SIGNED_AMOUNT,
    }), [], false, true),
    '/api/page/merchant/statements/download': {
      tag: 'Merchant console API', auth: 'merchantConsole', csrf: true, request: STATEMENT_DATE, summary: 'The day\'s statement CSV, as a download',
      description: 'Answers `text/csv` (attachment), byte for byte the `csv` of downloadBill for the day; recorded in the audit log (statement.download). The owner\'s only. docs/consoles.md.',
      answers: [{ codes: [R.SUCCESS], data: null, file: 'text/csv' }, { codes: [R.PARAM_ERROR], data: null }, PAGE_REFUSALS, CSRF_REFUSAL, ROLE_REFUSAL],
    },
  };
}

/** Which payouts the Payouts section shows and its file holds: a status and the days they were requested. */
const PAYOUT_DAY = (which: string) => pattern(/^([0-9]{4}-[0-9]{2}-[0-9]{2})?$/, `The ${which} day the payouts were requested, \`yyyy-MM-dd\` in the platform's time zone, included; absent or empty: no bound.`, '2026-12-01');
const PAYOUT_CHOICE = {
  status: {
    enum: [...PAYOUT_CHOICES],
    description: '`new` (REQUESTED and in no payout file yet) when absent; with `file`, `REQUESTED` (what of the file still waits) when absent. The file of `new` is a new numbered file, its payouts marked as in it.',
  },
  from: PAYOUT_DAY('first'), to: PAYOUT_DAY('last'),
  file: { type: 'string', pattern: `^(${PAYOUT_FILE_NO.source.slice(1, -1)})?$`, description: 'A payout file\'s number: only its payouts ("": any); a number never made is 1021.' },
};

const NOTIFICATION_ID = pattern(NOTIFICATION_ID_SHAPE, 'A notification id, as a list gives it (a UUID in lowercase).');
/** notify/destinations.ts notifyUrlWarning: the URL is saved all the same. */
const NOTIFY_URL_WARNING = nullable({ type: 'string', description: 'Why this platform, as configured, will not post to the notify URL (a private or never-receiving address); null when nothing is known to be wrong.' });
const PAGE_REQUEST = object({ cursor: { type: 'string', description: 'A page\'s `next`; absent or "": the newest page.' }, limit: { type: 'integer', minimum: 1, maximum: 100 } }, ['cursor', 'limit']);
const NEXT = nullable({ type: 'string', description: 'The cursor of the next (older) page; null on the last page.' });
const API_KEY_STATE = {
  mchId: pattern(MCH_ID, 'The merchant id.'), keyRolledAtMs: nullable(EPOCH_MS),
  previousKeyUntilMs: nullable({ ...EPOCH_MS, description: 'Until when the previous key verifies; null: no overlap open.' }), keyFirstUsedAtMs: nullable(EPOCH_MS),
};
const BANK_ACCOUNT = {
  holderName: { type: 'string', minLength: 1, maxLength: MAX_BANK_TEXT_LENGTH, description: 'The account holder, as the bank knows it.' },
  bankName: { type: 'string', minLength: 1, maxLength: MAX_BANK_TEXT_LENGTH },
  accountNumber: { type: 'string', description: 'An IBAN (its check digits must match) or a local account number: 5 to 34 letters and digits, kept in capitals without spaces or hyphens.' },
};
/** Where a payout goes (domain/payout-account.ts); a cashier sees the number's last four characters only (`•••• 1234`). */
const CONSOLE_BANK_ACCOUNT = object(BANK_ACCOUNT);
const CONSOLE_PAYOUT_ACCOUNT = nullable({ ...object({ ...BANK_ACCOUNT, setAtMs: EPOCH_MS }), description: 'Where the merchant\'s payouts go; null: not set, and payouts are refused (9044).' });
const CONSOLE_PAYOUT = object({
  payoutId: { type: 'string' }, amount: AMOUNT_SCHEMA, status: { type: 'string', enum: ['REQUESTED', 'PAID_OUT', 'FAILED'] },
  requestedAtMs: EPOCH_MS, finishedAtMs: nullable(EPOCH_MS), failReason: nullable({ type: 'string' }),
  destination: nullable({ ...CONSOLE_BANK_ACCOUNT, description: 'The payout account as it was when the payout was requested; null for one requested before payout accounts.' }),
});
const ATTEMPT = object({
  attempt: { type: 'integer', minimum: 1 }, atMs: EPOCH_MS, durationMs: { type: 'integer', minimum: 0 }, outcome: { type: 'string' },
  httpStatus: nullable({ type: 'integer' }), answerExcerpt: nullable({ type: 'string' }), error: nullable({ type: 'string' }),
});
const DEAD_LETTER = object({
  notificationId: { type: 'string' }, eventType: { type: 'string' }, subjectId: { type: 'string' }, attempts: { type: 'integer', minimum: 0 },
  merchantOrderId: nullable({ type: 'string' }), merchantRefundId: nullable({ type: 'string' }),
  lastError: nullable({ type: 'string' }), createdAtMs: EPOCH_MS,
});
const ACTIVITY_ENTRY = object({
  logId: { type: 'integer', minimum: 1 }, atMs: EPOCH_MS, action: { type: 'string' },
  actor: object({ kind: { type: 'string', enum: ['operator', 'merchantUser', 'cli'] }, name: { type: 'string' }, role: { type: 'string' } }, ['role']),
  address: nullable({ type: 'string' }), subjectId: nullable({ type: 'string' }), detail: { type: 'object', additionalProperties: { type: ['string', 'number', 'boolean', 'null'] } },
});

/** The merchant console's API key, Notifications, Balance & payouts and Activity sections (docs/consoles.md). */
function merchantAccountEndpoints(): Record<string, EndpointDoc> {
  const doc = (who: 'owner' | 'anyone', summary: string, request: JsonSchema, data: JsonSchema, csrf: boolean, codes: number[] = []): EndpointDoc => ({
    tag: 'Merchant console API', auth: 'merchantConsole', csrf, request, summary,
    description: `${who === 'owner' ? 'The owner\'s only (9122 for a cashier)' : 'Any user of the merchant'}; acts on the session's merchant; 1022 once the merchant is disabled. docs/consoles.md.`,
    answers: [{ codes: [R.SUCCESS], data }, { codes: [R.PARAM_ERROR, R.MERCHANT_LOCKED, ...codes], data: null }, PAGE_REFUSALS, ...(csrf ? [CSRF_REFUSAL] : []), ...(who === 'owner' ? [ROLE_REFUSAL] : [])],
  });
  return {
    '/api/page/merchant/api-key/show': doc('owner', 'The mchId and the key\'s state (never the key)', EMPTY, object(API_KEY_STATE), false),
    '/api/page/merchant/api-key/roll': doc('owner', 'Roll the key: the new key, in this answer only', object({ overlapHours: pattern(/^[0-9]{1,4}$/, 'Hours the old key still verifies, 0 to 720; 24 when absent.', '24') }, ['overlapHours']),
      object({ ...API_KEY_STATE, apiKey: { type: 'string', description: 'The new key, shown once.' } }), true),
    '/api/page/merchant/notifications/show': doc('owner', 'The notify URL', EMPTY, object({ notifyUrl: nullable({ type: 'string' }) }), false),
    '/api/page/merchant/notifications/set-url': doc('owner', 'Set the notify URL, or clear it (null or "")', object({ notifyUrl: nullable({ type: 'string', maxLength: 2048 }) }), object({ notifyUrl: nullable({ type: 'string' }), warning: NOTIFY_URL_WARNING }), true),
    '/api/page/merchant/notifications/test': doc('owner', 'Send a TEST notification to the notify URL', EMPTY, object({ notificationId: { type: 'string' }, url: { type: 'string' } }), true, [R.NO_NOTIFY_URL]),
    '/api/page/merchant/notifications/test-attempts': doc('owner', 'The attempts of a TEST notification so far', object({ notificationId: NOTIFICATION_ID }), object({ attempts: { type: 'array', items: ATTEMPT } }), false),
    '/api/page/merchant/notifications/dead': doc('owner', 'Dead notifications, newest first, paged', PAGE_REQUEST, object({ notifications: { type: 'array', items: DEAD_LETTER }, next: NEXT }), false),
    '/api/page/merchant/notifications/retry': doc('owner', 'Retry one dead notification', object({ notificationId: NOTIFICATION_ID }), object({ retried: { type: 'boolean' }, status: { type: 'string' } }), true, [R.NOTIFICATION_NOT_FOUND]),
    '/api/page/merchant/notifications/retry-all': doc('owner', 'Retry every dead notification', EMPTY, object({ count: { type: 'integer', minimum: 0 } }), true),
    '/api/page/merchant/balance/show': doc('anyone', 'Available balance, and money in requested payouts', EMPTY, object({ available: AMOUNT_SCHEMA, payoutsRequested: AMOUNT_SCHEMA }), false),
    '/api/page/merchant/balance/payouts': doc('anyone', 'The merchant\'s payouts, newest first, paged', PAGE_REQUEST, object({ payouts: { type: 'array', items: CONSOLE_PAYOUT }, next: NEXT }), false),
    '/api/page/merchant/balance/request-payout': doc('owner', 'Request a payout; a repeated requestId answers the same payout', object({ amount: AMOUNT_SCHEMA, requestId: { type: 'string', minLength: 1, maxLength: 64 } }),
      object({ payout: CONSOLE_PAYOUT, repeat: { type: 'boolean' } }), true, [R.NO_PAYOUT_ACCOUNT, R.PAYOUT_EXCEEDS_BALANCE, R.PAYOUT_REQUEST_ID_REUSED]),
    '/api/page/merchant/balance/payout-account': doc('anyone', 'Where the merchant\'s payouts go', EMPTY, object({ payoutAccount: CONSOLE_PAYOUT_ACCOUNT }), false),
    '/api/page/merchant/balance/set-payout-account': doc('owner', 'Set where payouts go, with the owner\'s password again (a wrong one counts toward the lock)',
      object({ ...BANK_ACCOUNT, password: { type: 'string', description: 'The signed-in owner\'s password.' } }),
      object({ payoutAccount: CONSOLE_PAYOUT_ACCOUNT, changed: { type: 'boolean', description: 'False: it was this account already.' } }), true, [R.SIGN_IN_FAILED, R.SIGN_IN_LOCKED, R.USER_DISABLED, R.SIGN_IN_RATE_LIMITED]),
    '/api/page/merchant/password/change': doc('anyone', 'A new generated password for the signed-in user, with its current one asked again (a wrong one counts toward the lock); its other sessions end',
      object({ password: { type: 'string', minLength: 1, maxLength: PASSWORD_MAX, description: 'The signed-in user\'s current password.' } }),
      object({ name: { type: 'string' }, password: { type: 'string', description: 'The new generated password, in this answer only.' } }), true,
      [R.SIGN_IN_FAILED, R.SIGN_IN_LOCKED, R.USER_DISABLED, R.SIGN_IN_RATE_LIMITED]),
    '/api/page/merchant/activity': doc('owner', 'The merchant\'s audit log, newest first, paged', PAGE_REQUEST, object({ entries: { type: 'array', items: ACTIVITY_ENTRY }, next: NEXT }), false),
  };
}

/** The consoles (docs/consoles.md): sign-ins, and the sections behind api/console-access.ts. */
function consoleEndpoints(): Record<string, EndpointDoc> {
  const owner = (summary: string, request: JsonSchema, data: JsonSchema | string, csrf: boolean, refusals: number[] = []): EndpointDoc => ({
    tag: 'Merchant console API', auth: 'merchantConsole', csrf, request, summary, description: 'The owner\'s only (9122 for a cashier); acts on the session\'s merchant. docs/consoles.md.',
    answers: [{ codes: [R.SUCCESS], data: data as never }, { codes: [R.PARAM_ERROR, R.MERCHANT_LOCKED, ...refusals], data: null }, PAGE_REFUSALS, ...(csrf ? [CSRF_REFUSAL] : []), ROLE_REFUSAL],
  });
  return {
    '/api/page/merchant/session': {
      tag: 'Merchant console API', auth: 'merchantConsole', request: EMPTY,
      summary: 'Who is signed in to the merchant console', description: 'Without a live session: `signedIn: false`. docs/consoles.md.',
      answers: [{ codes: [R.SUCCESS], data: sessionProbe('MerchantSession') }, { codes: [R.PARAM_ERROR], data: null }],
    },
    '/api/page/merchant/sign-in': {
      tag: 'Merchant console API', auth: 'merchantConsole',
      request: object({ mchId: pattern(MCH_ID, 'The merchant id.'), name: USER_NAME, password: { type: 'string', minLength: 1, maxLength: PASSWORD_MAX } }),
      summary: 'Sign a merchant user (owner or cashier) in', description: 'Sets the session cookie `micropay_merchant`; the answer says the role. Wrong passwords lock the user for 15 minutes after 5 (9021); too many attempts from one address or for one user are refused before the password is checked (9023, HTTP 429, Retry-After). docs/consoles.md.',
      answers: [{ codes: [R.SUCCESS], data: 'MerchantSignedIn', cookie: 'set' }, { codes: [R.PARAM_ERROR, R.SIGN_IN_FAILED, R.SIGN_IN_LOCKED, R.USER_DISABLED, R.SIGN_IN_RATE_LIMITED], data: null }],
    },
    '/api/page/merchant/sign-out': {
      tag: 'Merchant console API', auth: 'merchantConsole', csrf: true, request: EMPTY, summary: 'End the session', description: 'docs/consoles.md.',
      answers: [{ codes: [R.SUCCESS], data: 'SignedOut', cookie: 'cleared' }, { codes: [R.PARAM_ERROR], data: null }, PAGE_REFUSALS, CSRF_REFUSAL],
    },
    '/api/page/merchant/users/list': owner('The merchant\'s users, owner first', EMPTY, object({ users: { type: 'array', items: ref('MerchantUser') } }), false),
    '/api/page/merchant/users/create': owner('Create a cashier; its password is shown once', object({ name: USER_NAME, refundLimit: REFUND_LIMIT }, ['refundLimit']), USER_WITH_PASSWORD, true),
    '/api/page/merchant/users/set-refund-limit': owner('Set or remove a cashier\'s refund limit', object({ name: USER_NAME, refundLimit: REFUND_LIMIT }), object({ user: ref('MerchantUser') }), true),
    '/api/page/merchant/users/reset-password': owner('Give a user a new password (shown once); also unlocks it. A disabled user is refused (9060): enable it first', object({ name: USER_NAME }), USER_WITH_PASSWORD, true, [R.ACTION_REFUSED]),
    '/api/page/merchant/users/set-status': owner('Disable a user (its sessions end; its sign-ins answer 9024) or enable it again. The owner\'s own user is refused (9060)',
      object({ name: USER_NAME, status: { enum: ['active', 'disabled'] } }), object({ user: ref('MerchantUser') }), true, [R.ACTION_REFUSED]),
    ...merchantOrderEndpoints(),
    '/api/page/admin/session': {
      tag: 'Operator console API', auth: 'adminConsole', request: EMPTY,
      summary: 'Who is signed in to the operator console', description: 'Without a live session: `signedIn: false`. docs/consoles.md.',
      answers: [{ codes: [R.SUCCESS], data: sessionProbe('OperatorSession') }, { codes: [R.PARAM_ERROR], data: null }],
    },
    '/api/page/admin/sign-in': {
      tag: 'Operator console API', auth: 'adminConsole',
      request: object({
        name: pattern(OPERATOR_NAME, 'The operator\'s name.'), password: { type: 'string', minLength: 1, maxLength: PASSWORD_MAX },
        code: { type: 'string', pattern: '^([0-9]{6})?$', description: 'The authenticator app\'s code, when the operator has TOTP.' },
      }, ['code']),
      summary: 'Sign an operator in', description: 'Sets the session cookie `micropay_admin`. A missing or wrong TOTP code is answered as a wrong password (9020) and counts toward the lockout (9021 after 5, for 15 minutes); too many attempts are refused before the password is checked (9023, HTTP 429, Retry-After). docs/consoles.md.',
      answers: [{ codes: [R.SUCCESS], data: 'OperatorSignedIn', cookie: 'set' }, { codes: [R.PARAM_ERROR, R.SIGN_IN_FAILED, R.SIGN_IN_LOCKED, R.SIGN_IN_RATE_LIMITED], data: null }],
    },
    '/api/page/admin/sign-out': {
      tag: 'Operator console API', auth: 'adminConsole', csrf: true, request: EMPTY, summary: 'End the session', description: 'docs/consoles.md.',
      answers: [{ codes: [R.SUCCESS], data: 'SignedOut', cookie: 'cleared' }, { codes: [R.PARAM_ERROR], data: null }, PAGE_REFUSALS, CSRF_REFUSAL],
    },
    '/api/page/admin/operators': {
      tag: 'Operator console API', auth: 'adminConsole', request: EMPTY, summary: 'The operators: name, role, TOTP on or off, locked or not, disabled since when', description: 'Read only. docs/consoles.md.',
      answers: [{
        codes: [R.SUCCESS],
        data: object({ operators: { type: 'array', items: object({
          name: { type: 'string' }, role: { enum: OPERATOR_ROLES }, totp: { type: 'boolean' }, locked: { type: 'boolean' },
          disabledAtMs: { anyOf: [EPOCH_MS, { type: 'null' }], description: 'Disabled since then (micropay admin disable); null: active.' }, createdAtMs: EPOCH_MS,
        }) } }),
      }, { codes: [R.PARAM_ERROR], data: null }, PAGE_REFUSALS],
    },
  };
}

// The operator console's Merchants, Wallets and Payouts (api/page-admin-merchants.ts, -wallets.ts, -payouts.ts).
const ADMIN_MERCHANT = object({
  mchId: pattern(MCH_ID, 'The merchant id.'), name: { type: 'string' }, status: { enum: ['active', 'disabled'] }, balance: AMOUNT_SCHEMA,
  notifyUrl: { type: ['string', 'null'] }, createdAtMs: EPOCH_MS,
  keyRolledAtMs: NULLABLE_MS, previousKeyUntilMs: { ...NULLABLE_MS, description: 'Until when the key before the last roll verifies.' },
  keyFirstUsedAtMs: { ...NULLABLE_MS, description: 'When the merchant first used the new key after a roll.' },
});
const ADMIN_WALLET_DETAIL = object({
  walletId: WALLET_ID, name: { type: 'string' }, status: WALLET_STATUS, balance: AMOUNT_SCHEMA, available: AMOUNT_SCHEMA, held: AMOUNT_SCHEMA,
  confirmLimit: { anyOf: [AMOUNT_SCHEMA, { type: 'null' }], description: 'The wallet\'s own limit; null: the platform\'s.' }, effectiveConfirmLimit: AMOUNT_SCHEMA,
  hasPin: { type: 'boolean' }, pinFailures: { type: 'integer', minimum: 0 }, pinLocked: { type: 'boolean' }, pendingPayments: { type: 'integer', minimum: 0 }, createdAtMs: EPOCH_MS,
  devices: { type: 'array', items: ref('DeviceListing'), description: 'Its offline-code devices, expired and revoked ones too, oldest first.' },
});
const ADMIN_PAYOUT = object({
  payoutId: pattern(/^[0-9]{1,40}$/, 'The payout id.'), mchId: { anyOf: [pattern(MCH_ID, 'The merchant paid out.'), { type: 'null' }] },
  walletId: { anyOf: [WALLET_ID, { type: 'null' }], description: 'The closed wallet paid out.' }, requestId: { type: ['string', 'null'] }, amount: AMOUNT_SCHEMA,
  status: { enum: ['REQUESTED', 'PAID_OUT', 'FAILED'] }, failReason: { type: ['string', 'null'] }, requestedAtMs: EPOCH_MS, finishedAtMs: NULLABLE_MS,
  destination: nullable({ ...CONSOLE_BANK_ACCOUNT, description: 'Where to transfer it: the merchant\'s payout account as it was when the payout was requested, or the holder\'s account given when the wallet was closed. Null for a wallet closed without one and for a merchant payout requested before payout accounts.' }),
  newAccountAgeMs: {
    type: ['integer', 'null'], minimum: 0,
    description: 'How long before the request the merchant\'s payout account was set, when under a day (a new account: check the change with the merchant before transferring); null otherwise.',
  },
  fileNo: { type: ['integer', 'null'], minimum: 1, description: 'The payout file it was put in (downloaded with status `new`); null: in none yet.' },
});
const PAGE_CURSOR = { type: 'string', description: 'The `next` of the previous page.' };
const PAGE_LIMIT = { type: 'integer', minimum: 1, maximum: 100, description: 'Rows a page (default 20).' };
const ADMIN_MCH_ID = pattern(MCH_ID, 'The merchant id.');
const ADMIN_WALLET = object({ wallet: ADMIN_WALLET_DETAIL });

function adminManageEndpoints(): Record<string, EndpointDoc> {
  const call = (summary: string, request: JsonSchema, data: JsonSchema, csrf: boolean, codes: readonly number[] = []): EndpointDoc => ({
    tag: 'Operator console API', auth: 'adminConsole', csrf, request, summary,
    description: csrf
      ? 'Recorded in the audit log with the operator and the request\'s address; 9122 when the operator\'s role may not make this change. docs/consoles.md.'
      : 'Read only. docs/consoles.md.',
    answers: [{ codes: [R.SUCCESS], data }, { codes: [R.PARAM_ERROR, ...codes], data: null }, PAGE_REFUSALS, ...(csrf ? [CSRF_REFUSAL, ROLE_REFUSAL] : [])],
  });
  const one = object({ walletId: WALLET_ID });
  const walletCodes = [R.USER_NOT_FOUND, R.ACTION_REFUSED];
  const merchant = object({ merchant: ADMIN_MERCHANT });
  const payout = object({ payout: ADMIN_PAYOUT, repeat: { type: 'boolean', description: 'The outcome was recorded already: nothing moved again.' } });
  return {
    '/api/page/admin/merchants/list': call('Merchants in id order with balance, notify URL and key state', object({ cursor: PAGE_CURSOR, limit: PAGE_LIMIT }, ['cursor', 'limit']),
      object({ merchants: { type: 'array', items: ADMIN_MERCHANT }, next: NEXT }), false),
    '/api/page/admin/merchants/create': call('Create a merchant; its key is shown once', object({ name: { type: 'string' }, notifyUrl: { type: 'string' } }, ['notifyUrl']),
      object({ merchant: ADMIN_MERCHANT, apiKey: { type: 'string', description: 'The new key, in this answer only.' }, warning: NOTIFY_URL_WARNING }), true),
    '/api/page/admin/merchants/import': call('Import a merchant with its mchId and key from another MicroPay platform', object({
      name: { type: 'string' }, mchId: ADMIN_MCH_ID, key: { type: 'string', description: 'Its key there; never shown back.' }, notifyUrl: { type: 'string' },
    }, ['notifyUrl']), object({ merchant: ADMIN_MERCHANT, warning: NOTIFY_URL_WARNING }), true, [R.ACTION_REFUSED]),
    '/api/page/admin/merchants/set-status': call('Disable or enable a merchant', object({ mchId: ADMIN_MCH_ID, status: { enum: ['active', 'disabled'] } }), merchant, true, [R.NO_RECORD]),
    '/api/page/admin/merchants/roll-key': call('Roll a merchant\'s key; the new key is shown once', object({
      mchId: ADMIN_MCH_ID, overlapHours: { type: 'string', pattern: '^[0-9]{1,4}$', description: 'Hours the old key still verifies (0 to 720, default 24).' },
    }, ['overlapHours']), object({ merchant: ADMIN_MERCHANT, apiKey: { type: 'string', description: 'The new key, in this answer only.' } }), true, [R.NO_RECORD]),
    '/api/page/admin/merchants/payout-account': call('A merchant\'s payout account: the number whole for admin and finance, its last four characters for support', object({ mchId: ADMIN_MCH_ID }),
      object({ mchId: ADMIN_MCH_ID, payoutAccount: CONSOLE_PAYOUT_ACCOUNT }), false, [R.NO_RECORD]),
    '/api/page/admin/merchants/check-payout-account': call('A bank account as it would be kept, or why not; nothing is written', object({
      holderName: { type: 'string', minLength: 1, maxLength: MAX_BANK_TEXT_LENGTH, description: 'The account holder, printable characters.' },
      bankName: { type: 'string', minLength: 1, maxLength: MAX_BANK_TEXT_LENGTH, description: 'The bank, printable characters.' },
      accountNumber: { type: 'string', description: 'An IBAN (check digits must match) or a local account number; spaces and hyphens are taken out.' },
    }), object({ account: CONSOLE_BANK_ACCOUNT }), false),
    '/api/page/admin/merchants/set-payout-account': call('Set where a merchant\'s payouts go (admin); payouts already requested keep theirs', object({
      mchId: ADMIN_MCH_ID, holderName: { type: 'string', minLength: 1, maxLength: MAX_BANK_TEXT_LENGTH, description: 'The account holder, printable characters.' },
      bankName: { type: 'string', minLength: 1, maxLength: MAX_BANK_TEXT_LENGTH, description: 'The bank, printable characters.' },
      accountNumber: { type: 'string', description: 'An IBAN (check digits must match) or a local account number; spaces and hyphens are taken out.' },
    }), object({ mchId: ADMIN_MCH_ID, payoutAccount: CONSOLE_PAYOUT_ACCOUNT, changed: { type: 'boolean', description: 'False: it was so already, nothing written.' } }), true, [R.NO_RECORD]),
    '/api/page/admin/merchants/users': call('A merchant\'s users, owner first, with their state', object({ mchId: ADMIN_MCH_ID }),
      object({ mchId: ADMIN_MCH_ID, users: { type: 'array', items: ref('MerchantUser') } }), false, [R.NO_RECORD]),
    '/api/page/admin/merchants/create-user': call('Create a merchant\'s owner or cashier (admin); its password is shown once. An owner has no refund limit',
      object({ mchId: ADMIN_MCH_ID, name: USER_NAME, role: { enum: ['owner', 'cashier'] }, refundLimit: REFUND_LIMIT }, ['refundLimit']), USER_WITH_PASSWORD, true, [R.NO_RECORD]),
    '/api/page/admin/merchants/set-user-status': call('Disable a merchant\'s user (its sessions end; its sign-ins answer 9024) or enable it (admin)',
      object({ mchId: ADMIN_MCH_ID, name: USER_NAME, status: { enum: ['active', 'disabled'] } }), object({ user: ref('MerchantUser') }), true, [R.NO_RECORD]),
    '/api/page/admin/merchants/reset-user-password': call('Give a merchant\'s user a new password, shown once; also unlocks it (admin). A disabled user is refused (9060)',
      object({ mchId: ADMIN_MCH_ID, name: USER_NAME }), USER_WITH_PASSWORD, true, [R.NO_RECORD, R.ACTION_REFUSED]),
    '/api/page/admin/wallets/search': call('Wallets by id prefix, name and status, newest first', object({
      walletId: { type: 'string', description: 'The first 1 to 12 digits.' }, name: { type: 'string', description: 'Part of the holder\'s name.' },
      status: { enum: ['', 'active', 'frozen', 'closed'] }, cursor: PAGE_CURSOR, limit: PAGE_LIMIT,
    }, ['walletId', 'name', 'status', 'cursor', 'limit']), object({
      wallets: { type: 'array', items: object({ walletId: WALLET_ID, name: { type: 'string' }, status: WALLET_STATUS, balance: AMOUNT_SCHEMA, available: AMOUNT_SCHEMA, createdAtMs: EPOCH_MS }) },
      next: NEXT,
    }), false),
    '/api/page/admin/wallets/detail': call('One wallet: balances, confirmation limit, PIN state, pending payments', one, ADMIN_WALLET, false, [R.USER_NOT_FOUND]),
    '/api/page/admin/wallets/create': call('Create a wallet; its app token is shown once', object({
      name: { type: 'string' }, openingBalance: AMOUNT_SCHEMA, pin: pattern(PIN_RULE, 'A PIN for confirmations.'), confirmLimit: { type: 'string', description: 'An amount, or `default`.' },
    }, ['openingBalance', 'pin', 'confirmLimit']), object({ wallet: ADMIN_WALLET_DETAIL, token: { type: 'string', description: 'The wallet app\'s token, in this answer only.' } }), true, walletCodes),
    '/api/page/admin/wallets/top-up': call('Top a wallet up from the platform float; under a request id, once', object({
      walletId: WALLET_ID, amount: AMOUNT_SCHEMA,
      requestId: { type: 'string', minLength: 1, maxLength: 64, description: 'The caller\'s id for this top-up (the console sends one per attempt): sent again, it tops up nothing more (`repeat`); with another amount, 9046.' },
    }, ['requestId']), object({ wallet: ADMIN_WALLET_DETAIL, repeat: { type: 'boolean', description: 'The request id topped up this amount already: nothing moved again.' } }), true,
    [...walletCodes, R.TOP_UP_REQUEST_ID_REUSED]),
    '/api/page/admin/wallets/reverse-top-up': call('Take a top-up made by mistake back whole, from the wallet to the float; once, and only while the wallet has it available', object({
      walletId: WALLET_ID, entryId: pattern(LEDGER_ID, 'The top-up\'s journal entry id, as the history shows it.', '41'),
      reason: { type: 'string', description: `Why, 1 to ${MAX_REASON_LENGTH} printable characters: kept in the audit log.` },
    }), ADMIN_WALLET, true, walletCodes),
    '/api/page/admin/wallets/freeze': call('Freeze a wallet: its payments fail (9001)', one, ADMIN_WALLET, true, walletCodes),
    '/api/page/admin/wallets/unfreeze': call('Unfreeze a wallet', one, ADMIN_WALLET, true, walletCodes),
    '/api/page/admin/wallets/unlock-pin': call('Unlock confirmation after wrong PINs', one, ADMIN_WALLET, true, walletCodes),
    '/api/page/admin/wallets/history': call(`A wallet's movements as its holder sees them, newest first, ${OPERATOR_HISTORY_PAGE_SIZE} a page`, object({
      walletId: WALLET_ID, before: { anyOf: [POSTING_KEY, { type: 'null' }], description: 'The `older` of the previous page; absent or null: the newest page.' },
    }, ['before']), object({
      transactions: { type: 'array', maxItems: OPERATOR_HISTORY_PAGE_SIZE, items: transactionRow({ entryId: pattern(LEDGER_ID, 'The journal entry\'s id: a top-up is reversed by it (reverse-top-up).', '41') }, true) }, older: { anyOf: [POSTING_KEY, { type: 'null' }] },
    }), false, [R.USER_NOT_FOUND]),
    '/api/page/admin/wallets/set-pin': call('Set the holder\'s PIN (also unlocks confirmation); never answered or logged', object({ walletId: WALLET_ID, pin: pattern(PIN_RULE, 'The new PIN.') }),
      ADMIN_WALLET, true, walletCodes),
    '/api/page/admin/wallets/set-limit': call('Set the wallet\'s confirmation limit: payments above it ask the holder', object({
      walletId: WALLET_ID, confirmLimit: { type: 'string', description: 'An amount, or `default` (the platform\'s).' },
    }), ADMIN_WALLET, true, walletCodes),
    '/api/page/admin/wallets/new-token': call('A new app token, shown once; the old one stops working', one,
      object({ wallet: ADMIN_WALLET_DETAIL, token: { type: 'string', description: 'The wallet app\'s new token, in this answer only.' } }), true, walletCodes),
    '/api/page/admin/wallets/sign-in-link': call('A one-use sign-in link for the wallet page: its token, shown once', one, object({
      wallet: ADMIN_WALLET_DETAIL, linkToken: { type: 'string', description: 'The link is `/wallet#link=` and this, on `publicUrl` or else the console\'s own address; in this answer only.' },
      expiresAtMs: EPOCH_MS, publicUrl: { type: ['string', 'null'], description: 'MICROPAY_PUBLIC_URL, or null when it is not set.' },
    }), true, walletCodes),
    '/api/page/admin/wallets/revoke-devices': call('Revoke one offline-code device of a wallet, or all of them (no deviceId)', object({ walletId: WALLET_ID, deviceId: DEVICE_ID_SCHEMA }, ['deviceId']),
      ADMIN_WALLET, true, [R.USER_NOT_FOUND, R.NO_RECORD]),
    '/api/page/admin/wallets/close': call('Close a wallet for good and pay out what it holds, to the holder\'s bank account when all three of its fields are given',
      object({ walletId: WALLET_ID, ...BANK_ACCOUNT }, ['holderName', 'bankName', 'accountNumber']), object({
      wallet: ADMIN_WALLET_DETAIL, payout: { anyOf: [object({ payoutId: pattern(/^[0-9]{1,40}$/, 'The payout, REQUESTED.'), amount: AMOUNT_SCHEMA }), { type: 'null' }] },
    }), true, walletCodes),
    '/api/page/admin/payouts/list': call('Payouts across merchants and closed wallets, newest first (those in no payout file yet by default)', object({
      ...PAYOUT_CHOICE, cursor: PAGE_CURSOR, limit: PAGE_LIMIT,
    }, ['status', 'from', 'to', 'file', 'cursor', 'limit']), object({ payouts: { type: 'array', items: ADMIN_PAYOUT }, next: NEXT }), false),
    '/api/page/admin/payouts/download': {
      tag: 'Operator console API', auth: 'adminConsole', csrf: true, request: object(PAYOUT_CHOICE, ['status', 'from', 'to', 'file']),
      summary: 'The payout file: the payouts chosen as a CSV, each account number whole, as a download',
      description: `Answers \`text/csv\` (attachment), every payout of the choice, newest first, at most ${PAYOUT_FILE_MAX_ROWS} (more: 1021), with ${Object.values(PAYOUT_FILE_HEADERS).join(', ')} (the last three only when they apply). Status \`new\` makes a new numbered payout file of the REQUESTED payouts in none yet and marks them as in it; any other choice only reads. Admin and finance (9122 for support); recorded in the audit log (payout.download). docs/operations.md#the-payout-file.`,
      answers: [{ codes: [R.SUCCESS], data: null, file: 'text/csv' }, { codes: [R.PARAM_ERROR], data: null }, PAGE_REFUSALS, CSRF_REFUSAL, ROLE_REFUSAL],
    },
    '/api/page/admin/payouts/confirm': call('The bank paid a REQUESTED payout: PAID_OUT', object({ payoutId: pattern(/^[0-9]{1,40}$/, 'The payout.') }), payout, true,
      [R.PAYOUT_NOT_FOUND, R.PAYOUT_NOT_REQUESTED]),
    '/api/page/admin/payouts/confirm-file': call('The bank paid the rest of a payout file: its payouts still REQUESTED, checked against the bank\'s total, PAID_OUT together', object({
      file: pattern(PAYOUT_FILE_NO, "The payout file's number."), total: { ...AMOUNT_SCHEMA, description: 'What the bank reports it paid of the file: the payouts of it still REQUESTED must sum to it exactly.' },
    }), object({
      file: { type: 'integer', minimum: 1 }, confirmed: { type: 'integer', minimum: 0, description: 'How many became PAID_OUT (0: none waited: a repeat).' },
      total: AMOUNT_SCHEMA, payoutIds: { type: 'array', items: pattern(/^[0-9]{1,40}$/, 'A payout made PAID_OUT.') }, repeat: { type: 'boolean' },
    }), true, [R.PAYOUT_FILE_TOTAL_DIFFERS]),
    '/api/page/admin/payouts/fail': call('The bank refused a REQUESTED payout: FAILED, the money goes back', object({
      payoutId: pattern(/^[0-9]{1,40}$/, 'The payout.'), reason: { type: 'string', minLength: 1, maxLength: MAX_REASON_LENGTH, description: 'As the bank said; kept in the audit log.' },
    }), payout, true, [R.PAYOUT_NOT_FOUND, R.PAYOUT_NOT_REQUESTED]),
  };
}

export const ENDPOINT_DOCS: Readonly<Record<string, EndpointDoc>> = {
  '/api/micropay/micropay': {
    tag: 'Merchant API', auth: 'merchant', request: MICROPAY_REQUEST,
    summary: 'Pay by the customer\'s payment code',
    description: SIGNED_REQUEST('The spec\'s payment. 0: PAID. 1024: in progress (query it). Repeats answer the order\'s state; see docs/api.md and docs/errors.md.'),
    answers: [
      { codes: [R.SUCCESS, R.ORDER_PAID, R.ORDER_PAYING, R.ORDER_CLOSED, R.INSUFFICIENT_BALANCE, R.DUPLICATE_ORDER, R.WALLET_FROZEN], data: 'Order' },
      { ...MERCHANT_REFUSALS, codes: [...MERCHANT_REFUSALS.codes, R.ORDER_CLOSED, R.CODE_EXPIRED, R.USER_NOT_FOUND, R.PLATFORM_BUSY] },
    ],
  },
  '/api/micropay/queryBill': {
    tag: 'Merchant API', auth: 'merchant', request: QUERY_BILL_REQUEST,
    summary: 'The order\'s true state', description: SIGNED_REQUEST('1031: never recorded, so no money moved.'),
    answers: [{ codes: [R.SUCCESS], data: 'Order' }, MERCHANT_REFUSALS],
  },
  '/api/micropay/closeBill': {
    tag: 'Merchant API', auth: 'merchant', request: CLOSE_BILL_REQUEST,
    summary: 'Close an unpaid order (extension)',
    description: SIGNED_REQUEST('A NEW or PENDING order fails and its hold is released; a paid one answers 1023; an unknown order id is closed for good (1031).'),
    answers: [{ codes: [R.SUCCESS, R.ORDER_PAID], data: 'Order' }, MERCHANT_REFUSALS],
  },
  '/api/micropay/refund': {
    tag: 'Merchant API', auth: 'merchant', request: REFUND_REQUEST,
    summary: 'Refund part or all of a paid order (extension)', description: SIGNED_REQUEST('docs/refunds.md.'),
    answers: [
      { codes: [R.SUCCESS, R.DUPLICATE_ORDER], data: 'Refund' },
      { ...MERCHANT_REFUSALS, codes: [...MERCHANT_REFUSALS.codes, R.ORDER_PAYING, R.ORDER_CLOSED, R.REFUND_EXCEEDS_REFUNDABLE] },
    ],
  },
  '/api/micropay/queryRefund': {
    tag: 'Merchant API', auth: 'merchant', request: QUERY_REFUND_REQUEST,
    summary: 'The refund\'s true state (extension)', description: SIGNED_REQUEST('docs/refunds.md.'),
    answers: [{ codes: [R.SUCCESS], data: 'Refund' }, NO_ORDER_ID_REFUSALS],
  },
  '/api/micropay/queryOrderRefunds': {
    tag: 'Merchant API', auth: 'merchant', request: QUERY_BILL_REQUEST,
    summary: 'How much of an order is refunded (extension)', description: SIGNED_REQUEST('docs/refunds.md.'),
    answers: [{ codes: [R.SUCCESS], data: 'OrderRefunds' }, MERCHANT_REFUSALS],
  },
  '/api/micropay/downloadBill': {
    tag: 'Merchant API', auth: 'merchant', request: DOWNLOAD_BILL_REQUEST,
    summary: 'The day\'s statement as CSV (extension)', description: SIGNED_REQUEST('docs/statements.md.'),
    answers: [{ codes: [R.SUCCESS], data: 'Bill' }, NO_ORDER_ID_REFUSALS],
  },
  '/api/wallet/paycode': {
    tag: 'Wallet API', auth: 'wallet', request: EMPTY,
    summary: 'Issue a fresh one-time payment code', description: 'The wallet\'s earlier code retires. docs/wallet-api.md.',
    answers: [{ codes: [R.SUCCESS], data: 'PayCode' }, { codes: [R.PARAM_ERROR, R.WALLET_FROZEN, R.UNAUTHORIZED], data: null }],
  },
  '/api/wallet/devices/enrol': {
    tag: 'Wallet API', auth: 'wallet', request: object({ label: { type: 'string', maxLength: 64, description: 'A name for the device (default "device").' } }, ['label']),
    summary: 'Enrol this device for offline payment codes',
    description: 'Answers the device tag and secret once; the device computes its codes with no network from then on. docs/offline-codes.md.',
    answers: [{ codes: [R.SUCCESS], data: 'OfflineDevice' }, { codes: [R.PARAM_ERROR, R.WALLET_FROZEN, R.ACTION_REFUSED, R.UNAUTHORIZED, R.SYSTEM_ERROR], data: null }],
  },
  '/api/wallet/devices/renew': {
    tag: 'Wallet API', auth: 'wallet', request: object({ deviceId: DEVICE_ID_SCHEMA }),
    summary: 'Extend this device\'s enrolment for offline codes',
    description: 'Its codes pay until MICROPAY_OFFLINE_DEVICE_DAYS from now; the app calls it whenever it is online. A signed-out, revoked or expired device is not renewed (9010): enrol again. docs/offline-codes.md.',
    answers: [{ codes: [R.SUCCESS], data: 'DeviceListing' }, { codes: [R.PARAM_ERROR, R.NO_RECORD, R.DEVICE_ENDED, R.WALLET_FROZEN, R.UNAUTHORIZED], data: null }],
  },
  '/api/wallet/devices/list': {
    tag: 'Wallet API', auth: 'wallet', request: EMPTY,
    summary: 'The wallet\'s offline-code devices', description: 'Every device enrolled, expired and revoked ones too, oldest first. docs/offline-codes.md.',
    answers: [{ codes: [R.SUCCESS], data: DEVICE_LIST }, { codes: [R.PARAM_ERROR, R.UNAUTHORIZED], data: null }],
  },
  '/api/wallet/devices/sign-out': {
    tag: 'Wallet API', auth: 'wallet', request: object({ deviceId: DEVICE_ID_SCHEMA }),
    summary: 'Sign a device out of offline codes', description: 'Its codes are refused (1036) from the next payment on, on every server. docs/offline-codes.md.',
    answers: [
      { codes: [R.SUCCESS], data: DEVICE_SIGNED_OUT },
      { codes: [R.PARAM_ERROR, R.NO_RECORD, R.UNAUTHORIZED], data: null },
    ],
  },
  '/api/wallet/devices/self-sign-out': {
    tag: 'Wallet API', ...SELF_SIGN_OUT,
    summary: 'A device signs itself out with its sign-out proof (no token)',
    description: 'For an app whose token was replaced, or that signs out offline and sends this later. An unknown device and a wrong proof are both 1031. docs/offline-codes.md.',
  },
  '/api/wallet/balance': {
    tag: 'Wallet API', auth: 'wallet', request: EMPTY,
    summary: 'Balance, held amount and the latest 20 movements', description: 'docs/wallet-api.md.',
    answers: [{ codes: [R.SUCCESS], data: 'Balance' }, { codes: [R.UNAUTHORIZED], data: null }],
  },
  '/api/wallet/pending': {
    tag: 'Wallet API', auth: 'wallet', request: EMPTY,
    summary: 'Payments waiting for this wallet\'s confirmation', description: 'docs/wallet-api.md.',
    answers: [{ codes: [R.SUCCESS], data: object({ orders: { type: 'array', items: ref('WalletOrder') } }) }, { codes: [R.UNAUTHORIZED], data: null }],
  },
  '/api/wallet/confirm': {
    tag: 'Wallet API', auth: 'wallet',
    request: object({ wavpayOrderId: WAVPAY_ORDER_ID, pin: pattern(PIN_RULE, 'The wallet\'s PIN, when it has one.') }, ['pin']),
    summary: 'Confirm a PENDING payment with the PIN', description: '0 only when this call paid it; an order already final answers with its state\'s code. docs/wallet-api.md.',
    answers: [
      { codes: [R.SUCCESS, R.ORDER_PAID, R.ORDER_PAYING, R.ORDER_CLOSED], data: 'WalletOrder' },
      { codes: [R.PARAM_ERROR, R.NO_RECORD, R.CONFIRMATION_LOCKED, R.WRONG_PIN, R.UNAUTHORIZED], data: null },
    ],
  },
  '/api/wallet/decline': {
    tag: 'Wallet API', auth: 'wallet', request: object({ wavpayOrderId: WAVPAY_ORDER_ID }),
    summary: 'Decline a PENDING payment', description: 'The order fails (1025 with the order) and its hold is released. docs/wallet-api.md.',
    answers: [
      { codes: [R.ORDER_PAID, R.ORDER_PAYING, R.ORDER_CLOSED], data: 'WalletOrder' },
      { codes: [R.PARAM_ERROR, R.NO_RECORD, R.UNAUTHORIZED], data: null },
    ],
  },
  '/api/page/wallet/session': {
    tag: 'Wallet page API', auth: 'walletPage', request: EMPTY,
    summary: 'Who is signed in on this wallet page', description: 'Without a live session: `signedIn: false`, never an error. docs/pages.md.',
    answers: [{ codes: [R.SUCCESS], data: sessionProbe('WalletSession') }, { codes: [R.PARAM_ERROR], data: null }],
  },
  '/api/page/wallet/sign-in': {
    tag: 'Wallet page API', auth: 'walletPage',
    request: object({ walletId: WALLET_ID, pin: pattern(PIN_RULE, 'The wallet\'s PIN.') }),
    summary: 'Sign in with walletId and PIN', description: 'Sets the session cookie `micropay_wallet`. Wrong PINs lock the wallet after 5 (9021); too many attempts are refused before the PIN is checked (9023, HTTP 429, Retry-After). docs/pages.md.',
    answers: [{ codes: [R.SUCCESS], data: 'WalletSignedIn', cookie: 'set' }, { codes: [R.PARAM_ERROR, R.SIGN_IN_FAILED, R.SIGN_IN_LOCKED, R.SIGN_IN_RATE_LIMITED], data: null }],
  },
  '/api/page/wallet/sign-in-link': {
    tag: 'Wallet page API', auth: 'walletPage',
    request: object({ token: pattern(/^[A-Za-z0-9_-]{43}$/, 'The token of the one-time link `micropay wallet link` printed.') }),
    summary: 'Sign in with a one-time link', description: 'Each link signs in once, within 15 minutes. docs/pages.md.',
    answers: [{ codes: [R.SUCCESS], data: 'WalletSignedIn', cookie: 'set' }, { codes: [R.PARAM_ERROR, R.SIGN_IN_LINK_INVALID], data: null }],
  },
  '/api/page/wallet/paycode': {
    tag: 'Wallet page API', auth: 'walletPage', csrf: true, request: EMPTY,
    summary: 'A fresh payment code for the session\'s wallet', description: 'As the wallet API\'s. docs/pages.md.',
    answers: [{ codes: [R.SUCCESS], data: 'PayCode' }, { codes: [R.PARAM_ERROR, R.WALLET_FROZEN, R.UNAUTHORIZED], data: null }, PAGE_REFUSALS, CSRF_REFUSAL],
  },
  '/api/page/wallet/offline-device': {
    tag: 'Wallet page API', auth: 'walletPage', csrf: true, request: object({ label: { type: 'string', maxLength: 64, description: 'A name for this browser.' } }, ['label']),
    summary: 'Enrol this browser for offline payment codes', description: 'As the wallet API\'s enrolment. docs/offline-codes.md.',
    answers: [
      { codes: [R.SUCCESS], data: 'OfflineDevice' }, { codes: [R.PARAM_ERROR, R.WALLET_FROZEN, R.ACTION_REFUSED, R.UNAUTHORIZED, R.SYSTEM_ERROR], data: null },
      PAGE_REFUSALS, CSRF_REFUSAL,
    ],
  },
  '/api/page/wallet/offline-device-renew': {
    tag: 'Wallet page API', auth: 'walletPage', csrf: true, request: object({ deviceId: DEVICE_ID_SCHEMA }),
    summary: 'Extend this browser\'s enrolment for offline codes', description: 'As the wallet API\'s renewal; the page calls it whenever it starts signed in. docs/offline-codes.md.',
    answers: [
      { codes: [R.SUCCESS], data: 'DeviceListing' }, { codes: [R.PARAM_ERROR, R.NO_RECORD, R.DEVICE_ENDED, R.WALLET_FROZEN, R.UNAUTHORIZED], data: null },
      PAGE_REFUSALS, CSRF_REFUSAL,
    ],
  },
  '/api/page/wallet/offline-devices': {
    tag: 'Wallet page API', auth: 'walletPage', request: EMPTY,
    summary: 'The wallet\'s devices that can make offline codes', description: 'Active devices only, oldest first, for the holder to sign any of them out. docs/offline-codes.md.',
    answers: [{ codes: [R.SUCCESS], data: DEVICE_LIST }, { codes: [R.PARAM_ERROR], data: null }, PAGE_REFUSALS],
  },
  '/api/page/wallet/offline-device-sign-out': {
    tag: 'Wallet page API', auth: 'walletPage', csrf: true, request: object({ deviceId: DEVICE_ID_SCHEMA }),
    summary: 'Sign this browser out of offline payment codes', description: 'As the wallet API\'s device sign-out. docs/offline-codes.md.',
    answers: [
      { codes: [R.SUCCESS], data: DEVICE_SIGNED_OUT },
      { codes: [R.PARAM_ERROR, R.NO_RECORD], data: null }, PAGE_REFUSALS, CSRF_REFUSAL,
    ],
  },
  '/api/page/wallet/offline-device-self-sign-out': {
    tag: 'Wallet page API', ...SELF_SIGN_OUT,
    summary: 'This browser\'s device signs itself out with its sign-out proof (no session needed)',
    description: 'The page\'s Sign out after its session ended, or one made offline. No CSRF token: the proof authorises it. An unknown device and a wrong proof are both 1031. docs/offline-codes.md.',
  },
  '/api/page/wallet/code-result': {
    tag: 'Wallet page API', auth: 'walletPage',
    request: object({ payCode: pattern(/^[0-9]{18}$/, 'The code on the page.'), seen: { enum: ['WAITING', 'PENDING'], description: 'What the page shows now (default WAITING).' } }, ['seen']),
    summary: 'Wait for what becomes of the code on the page (long poll)',
    description: 'Answers when the state differs from `seen`, or after 25 s as it is. Another wallet\'s code is 1031. docs/pages.md#the-live-result.',
    answers: [
      { codes: [R.SUCCESS], data: object({ payCode: pattern(/^[0-9]{18}$/, 'The code asked about.'), state: { enum: ['WAITING', 'PENDING', 'PAID', 'FAILED', 'ENDED'] }, order: nullable(ref('WalletPageOrder')) }) },
      { codes: [R.PARAM_ERROR, R.NO_RECORD], data: null }, PAGE_REFUSALS,
    ],
  },
  '/api/page/wallet/pending': {
    tag: 'Wallet page API', auth: 'walletPage', request: EMPTY,
    summary: 'The session wallet\'s payments waiting for its PIN', description: 'docs/pages.md#the-live-result.',
    answers: [{ codes: [R.SUCCESS], data: object({ orders: { type: 'array', items: ref('WalletPageOrder') } }) }, { codes: [R.PARAM_ERROR], data: null }, PAGE_REFUSALS],
  },
  '/api/page/wallet/order': {
    tag: 'Wallet page API', auth: 'walletPage', request: object({ wavpayOrderId: WAVPAY_ORDER_ID }),
    summary: 'One payment of the session wallet as it is now',
    description: 'A confirm screen shown again (a reload, another tab, back online) asks this until the payment is no longer PENDING. Another wallet\'s order is 1031. docs/pages.md#the-live-result.',
    answers: [{ codes: [R.SUCCESS], data: 'WalletPageOrder' }, { codes: [R.PARAM_ERROR, R.NO_RECORD], data: null }, PAGE_REFUSALS],
  },
  '/api/page/wallet/confirm': {
    tag: 'Wallet page API', auth: 'walletPage', csrf: true,
    request: object({ wavpayOrderId: WAVPAY_ORDER_ID, pin: pattern(PIN_RULE, 'The wallet\'s PIN, when it has one.') }, ['pin']),
    summary: 'Confirm the PENDING payment with the PIN', description: 'The wallet API\'s confirmation for the session\'s wallet. docs/pages.md#the-live-result.',
    answers: [
      { codes: [R.SUCCESS, R.ORDER_PAID, R.ORDER_PAYING, R.ORDER_CLOSED], data: 'WalletPageOrder' },
      { codes: [R.WRONG_PIN], data: object({ triesLeft: { type: 'integer', minimum: 1 } }) },
      { codes: [R.PARAM_ERROR, R.NO_RECORD, R.CONFIRMATION_LOCKED], data: null }, PAGE_REFUSALS, CSRF_REFUSAL,
    ],
  },
  '/api/page/wallet/decline': {
    tag: 'Wallet page API', auth: 'walletPage', csrf: true, request: object({ wavpayOrderId: WAVPAY_ORDER_ID }),
    summary: 'Decline the PENDING payment', description: 'It fails (DECLINED) and the hold is released. docs/pages.md#the-live-result.',
    answers: [{ codes: [R.ORDER_PAID, R.ORDER_PAYING, R.ORDER_CLOSED], data: 'WalletPageOrder' }, { codes: [R.PARAM_ERROR, R.NO_RECORD], data: null }, PAGE_REFUSALS, CSRF_REFUSAL],
  },
  '/api/page/wallet/balance': {
    tag: 'Wallet page API', auth: 'walletPage', request: EMPTY,
    summary: 'The session wallet\'s balance, held amount and status', description: 'Available is what can pay; held waits for the holder\'s confirmation. docs/pages.md#the-account-part.',
    answers: [{ codes: [R.SUCCESS], data: 'WalletBalance' }, { codes: [R.PARAM_ERROR], data: null }, PAGE_REFUSALS],
  },
  '/api/page/wallet/history': {
    tag: 'Wallet page API', auth: 'walletPage',
    request: object({ before: { anyOf: [POSTING_KEY, { type: 'null' }], description: 'The `older` of the previous page; absent or null: the newest page.' } }, ['before']),
    summary: `The session wallet's movements, newest first, ${HISTORY_PAGE_SIZE} a page`,
    description: 'Paged by key: `older` (null on the last page) is posted back as `before`. A key that is not one of this wallet\'s postings gives an empty page. docs/pages.md#the-account-part.',
    answers: [{ codes: [R.SUCCESS], data: 'HistoryPage' }, { codes: [R.PARAM_ERROR], data: null }, PAGE_REFUSALS],
  },
  '/api/page/wallet/freeze': {
    tag: 'Wallet page API', auth: 'walletPage', csrf: true, request: EMPTY,
    summary: 'Freeze the session\'s wallet ("lost my phone")',
    description: 'Answers as `wallet/balance`, now `frozen`; its payments then fail (9001). Only the operator unfreezes (`micropay wallet unfreeze`). docs/pages.md#the-account-part.',
    answers: [{ codes: [R.SUCCESS], data: 'WalletBalance' }, { codes: [R.PARAM_ERROR], data: null }, PAGE_REFUSALS, CSRF_REFUSAL],
  },
  '/api/page/wallet/sign-out': {
    tag: 'Wallet page API', auth: 'walletPage', csrf: true, request: EMPTY,
    summary: 'End the session', description: 'The session ends on the server and the cookie is cleared. docs/pages.md.',
    answers: [{ codes: [R.SUCCESS], data: 'SignedOut', cookie: 'cleared' }, { codes: [R.PARAM_ERROR], data: null }, PAGE_REFUSALS, CSRF_REFUSAL],
  },
  '/api/page/cashier/session': {
    tag: 'Cashier page API', auth: 'cashierPage', request: EMPTY,
    summary: 'Who is signed in on this till', description: 'Without a live session: `signedIn: false`. docs/pages.md.',
    answers: [{ codes: [R.SUCCESS], data: sessionProbe('CashierSession') }, { codes: [R.PARAM_ERROR], data: null }],
  },
  '/api/page/cashier/sign-in': {
    tag: 'Cashier page API', auth: 'cashierPage',
    request: object({
      mchId: pattern(MCH_ID, 'The merchant id.'),
      name: pattern(CASHIER_NAME, 'The cashier\'s name.'),
      password: { type: 'string', minLength: 1, maxLength: PASSWORD_MAX },
    }),
    summary: 'Sign a cashier in', description: 'Sets the session cookie `micropay_cashier`. Wrong passwords lock the account for 15 minutes after 5 (9021); too many attempts are refused before the password is checked (9023, HTTP 429, Retry-After). docs/pages.md.',
    answers: [{ codes: [R.SUCCESS], data: 'CashierSignedIn', cookie: 'set' }, { codes: [R.PARAM_ERROR, R.SIGN_IN_FAILED, R.SIGN_IN_LOCKED, R.USER_DISABLED, R.SIGN_IN_RATE_LIMITED], data: null }],
  },
  '/api/page/cashier/sign-out': {
    tag: 'Cashier page API', auth: 'cashierPage', csrf: true, request: EMPTY,
    summary: 'End the session', description: 'docs/pages.md.',
    answers: [{ codes: [R.SUCCESS], data: 'SignedOut', cookie: 'cleared' }, { codes: [R.PARAM_ERROR], data: null }, PAGE_REFUSALS, CSRF_REFUSAL],
  },
  '/api/page/cashier/charge': {
    tag: 'Cashier page API', auth: 'cashierPage', csrf: true,
    request: object({
      mchOrderId: MCH_ORDER,
      amount: AMOUNT_SCHEMA,
      goodsInfo: { type: 'string', minLength: 1 },
      payCode: { type: 'string', minLength: 1, description: 'The scanned or typed payment code (checked as micropay checks it: 1021).' },
    }),
    summary: 'Charge a payment code for the session\'s merchant',
    description: 'Runs the merchant\'s pay → query → close flow on the server with the merchant\'s key; answers its outcome. A refusal is worded as the merchant API words it; an order id that already names an order this till did not start (another cashier\'s, the merchant system\'s) is 9030 and charges nothing. docs/pages.md.',
    answers: [
      { codes: [R.SUCCESS], data: CHARGE_OUTCOME },
      { codes: [R.PARAM_ERROR, R.ORDER_ID_ERROR, R.MERCHANT_LOCKED, R.NO_RECORD, R.DUPLICATE_ORDER, R.ORDER_ID_TAKEN], data: null },
      PAGE_REFUSALS, CSRF_REFUSAL,
    ],
  },
  '/api/page/cashier/charge-status': {
    tag: 'Cashier page API', auth: 'cashierPage', request: object({ mchOrderId: MCH_ORDER }),
    summary: 'The state of the till\'s own charge while it runs',
    description: 'The order this cashier\'s own charge made under `mchOrderId`; `tradeStatus` null: none (yet), or not this till\'s charge (any other order, of this merchant or not). docs/pages.md.',
    answers: [
      {
        codes: [R.SUCCESS],
        data: object({
          mchOrderId: MCH_ORDER, tradeStatus: { anyOf: [ORDER_STATUS_SCHEMA, { type: 'null' }] },
          confirmByMs: { anyOf: [EPOCH_MS, { type: 'null' }], description: 'A PENDING order: until when it waits for the customer\'s confirmation; else null.' },
        }),
      },
      { codes: [R.PARAM_ERROR, R.ORDER_ID_ERROR], data: null },
      PAGE_REFUSALS,
    ],
  },
  '/api/page/cashier/charge-cancel': {
    tag: 'Cashier page API', auth: 'cashierPage', csrf: true, request: object({ mchOrderId: MCH_ORDER }),
    summary: 'Give up the till\'s own charge while it waits for the customer',
    description: 'closeBill\'s rule for the order this cashier\'s own charge made (a disabled merchant too): the held amount is released and the running charge ends FAILED; again, harmless (FAILED). 1023: the customer paid first, and the charge\'s own answer says PAID. Any other order is 9031. docs/pages.md.',
    answers: [
      { codes: [R.SUCCESS], data: object({ mchOrderId: MCH_ORDER, tradeStatus: ORDER_STATUS_SCHEMA }) },
      { codes: [R.PARAM_ERROR, R.ORDER_ID_ERROR, R.ORDER_PAID, R.NOT_THIS_CASHIERS_CHARGE], data: null },
      PAGE_REFUSALS, CSRF_REFUSAL,
    ],
  },
  '/api/page/cashier/recent-charges': {
    tag: 'Cashier page API', auth: 'cashierPage', request: object({ before: { anyOf: [CHARGE_CURSOR, { type: 'null' }] } }, ['before']),
    summary: 'The cashier\'s own charges, newest first, 10 a page', description: '`before`: the `next` of the previous page. docs/pages.md.',
    answers: [
      { codes: [R.SUCCESS], data: object({ timeZone: { type: 'string' }, charges: { type: 'array', maxItems: 10, items: ref('TillCharge') }, next: { anyOf: [CHARGE_CURSOR, { type: 'null' }] } }) },
      { codes: [R.PARAM_ERROR], data: null },
      PAGE_REFUSALS,
    ],
  },
  '/api/page/cashier/refund': {
    tag: 'Cashier page API', auth: 'cashierPage', csrf: true,
    request: object({ mchOrderId: pattern(MCH_ORDER_ID, 'The charge\'s order number.'), mchRefundId: pattern(MCH_REFUND_ID, 'One per refund attempt, sent again on a resubmit.'), refundAmount: AMOUNT_SCHEMA }),
    summary: 'Refund part or all of the cashier\'s own charge', description: 'Another cashier\'s charge, or any other order, is 9031. docs/pages.md.',
    answers: [
      { codes: [R.SUCCESS], data: object({ refund: ref('TillRefund'), charge: ref('TillOrder') }) },
      { codes: [R.PARAM_ERROR, R.ORDER_ID_ERROR, R.MERCHANT_LOCKED, R.NO_RECORD, R.ORDER_PAYING, R.ORDER_CLOSED, R.DUPLICATE_ORDER, R.REFUND_EXCEEDS_REFUNDABLE, R.NOT_THIS_CASHIERS_CHARGE, R.REFUND_OVER_LIMIT], data: null },
      PAGE_REFUSALS, CSRF_REFUSAL,
    ],
  },
  '/api/page/cashier/receipt': {
    tag: 'Cashier page API', auth: 'cashierPage', request: object({ mchOrderId: pattern(MCH_ORDER_ID, 'The charge\'s order number.') }),
    summary: 'A receipt of the cashier\'s own charge and its refunds', description: 'docs/pages.md.',
    answers: [
      {
        codes: [R.SUCCESS],
        data: object({
          timeZone: { type: 'string' }, merchantName: { type: ['string', 'null'] }, mchId: pattern(MCH_ID, 'The merchant id.'), cashierName: { type: 'string' },
          ...TILL_ORDER, chargedAtMs: EPOCH_MS, payCode: { type: 'string' }, refunds: { type: 'array', items: ref('TillRefund') },
        }),
      },
      { codes: [R.PARAM_ERROR, R.ORDER_ID_ERROR, R.NOT_THIS_CASHIERS_CHARGE], data: null },
      PAGE_REFUSALS,
    ],
  },
  ...consoleEndpoints(),
  ...adminManageEndpoints(),
  ...adminOpsEndpoints({ EMPTY, object, PAGE_REFUSALS, CSRF_REFUSAL, ROLE_REFUSAL, EPOCH_MS, NOTIFICATION_ID }),
  ...merchantAccountEndpoints(),
};

