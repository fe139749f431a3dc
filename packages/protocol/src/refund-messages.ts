import {
  acceptSignedParams,
  breaksSeparatorRule,
  CONTROL,
  fail,
  MCH_ORDER_ID,
  mchIdOf,
  mchOrderIdOf,
  parse,
  positiveAmountOf,
  requireSignature,
  SEPARATOR_RULE,
  required,
  text,
  timestampOf,
  type Parsed,
} from './fields.js';
import type { FieldLimits, OrderStatus } from './messages.js';
import { sign, type SignableParams } from './signing.js';
import { REFUND_REASON_MAX_LENGTH } from './text-limits.js';

/**
 * MicroPay's extension endpoints in the spec's style: refund, queryRefund, queryOrderRefunds and
 * downloadBill. Same envelope, same signing rule, same field conventions (amounts as two-place
 * decimals, times as `yyyy-MM-dd HH:mm:ss` in the platform's time zone). The spec's own answers
 * (micropay, queryBill) carry only the spec's keys: refund totals are told here.
 */

export const REFUND_STATUSES = ['REFUND_IN_PROCESS', 'REFUNDED', 'REFUND_FAILED'] as const;
export type RefundWireStatus = (typeof REFUND_STATUSES)[number];

/** Why a refund ended REFUND_FAILED, as `failReason` says it. */
export const REFUND_FAIL_REASONS = ['MERCHANT_BALANCE_INSUFFICIENT', 'WALLET_CLOSED'] as const;
export type RefundWireFailReason = (typeof REFUND_FAIL_REASONS)[number];

/** `data` of refund and queryRefund answers (and refund notifications), in this key order. */
export interface RefundData {
  merchantOrderId: string;
  wavpayOrderId: string;
  mchId: string;
  merchantRefundId: string;
  /** MicroPay's id of the refund: `5` + `yyyyMMddHHmmss` + 7 digits. */
  refundId: string;
  refundAmount: string;
  refundStatus: RefundWireStatus;
  /** When the refund finished (REFUNDED or REFUND_FAILED); null while it is in process. */
  refundTime: string | null;
  failReason: RefundWireFailReason | null;
  reason: string | null;
  timestamp: string;
  secureHash: string;
}

export type UnsignedRefundData = Omit<RefundData, 'timestamp' | 'secureHash'>;

export function signRefundData(refund: UnsignedRefundData, timestampMs: number, key: string): RefundData {
  const data: RefundData = {
    merchantOrderId: refund.merchantOrderId,
    wavpayOrderId: refund.wavpayOrderId,
    mchId: refund.mchId,
    merchantRefundId: refund.merchantRefundId,
    refundId: refund.refundId,
    refundAmount: refund.refundAmount,
    refundStatus: refund.refundStatus,
    refundTime: refund.refundTime,
    failReason: refund.failReason,
    reason: refund.reason,
    timestamp: String(timestampMs),
    secureHash: '',
  };
  data.secureHash = sign(data as unknown as SignableParams, key);
  return data;
}

/**
 * `data` of queryOrderRefunds: the order's refund total, `refundAmount`, is what is refunded or
 * being refunded (a refund in process counts), so `amount − refundAmount` is what may still be
 * refunded of a paid order.
 */
export interface OrderRefundsData {
  merchantOrderId: string;
  wavpayOrderId: string;
  mchId: string;
  tradeStatus: OrderStatus;
  amount: string;
  refundAmount: string;
  timestamp: string;
  secureHash: string;
}

export type UnsignedOrderRefundsData = Omit<OrderRefundsData, 'timestamp' | 'secureHash'>;

export function signOrderRefundsData(order: UnsignedOrderRefundsData, timestampMs: number, key: string): OrderRefundsData {
  const data: OrderRefundsData = {
    merchantOrderId: order.merchantOrderId,
    wavpayOrderId: order.wavpayOrderId,
    mchId: order.mchId,
    tradeStatus: order.tradeStatus,
    amount: order.amount,
    refundAmount: order.refundAmount,
    timestamp: String(timestampMs),
    secureHash: '',
  };
  data.secureHash = sign(data as unknown as SignableParams, key);
  return data;
}

/** `data` of downloadBill: the day's statement as CSV text, inside the signed envelope. */
export interface BillData {
  mchId: string;
  billDate: string;
  csv: string;
  timestamp: string;
  secureHash: string;
}

export function signBillData(bill: Omit<BillData, 'timestamp' | 'secureHash'>, timestampMs: number, key: string): BillData {
  const data: BillData = { mchId: bill.mchId, billDate: bill.billDate, csv: bill.csv, timestamp: String(timestampMs), secureHash: '' };
  data.secureHash = sign(data as unknown as SignableParams, key);
  return data;
}

// ---------------------------------------------------------------------------------------------
// Request field rules.

export interface RefundCommand {
  mchId: string;
  mchOrderId: string;
  mchRefundId: string;
  refundAmountSen: number;
  /** null when the merchant sent no reason (absent, null or ""). */
  reason: string | null;
  timestampMs: number;
}

export interface QueryRefundCommand {
  mchId: string;
  mchRefundId: string;
  timestampMs: number;
}

export interface DownloadBillCommand {
  mchId: string;
  /** `yyyy-MM-dd`, a real calendar date. */
  billDate: string;
  timestampMs: number;
}

export { REFUND_REASON_MAX_LENGTH };

export const REFUND_FIELDS = [
  'mchId', 'mchOrderId', 'mchRefundId', 'refundAmount', 'reason', 'timestamp', 'secureHash',
] as const;
export const QUERY_REFUND_FIELDS = ['mchId', 'mchRefundId', 'timestamp', 'secureHash'] as const;
export const DOWNLOAD_BILL_FIELDS = ['mchId', 'billDate', 'timestamp', 'secureHash'] as const;

/** The same shape as mchOrderId, so a merchant can reuse its order-number generator. */
export const MCH_REFUND_ID = MCH_ORDER_ID;
export const BILL_DATE = /^([0-9]{4})-([0-9]{2})-([0-9]{2})$/;

// 1033 names the merchant *order* number, so a bad refund number is a plain 1021 param error.
export function mchRefundIdOf(body: Record<string, unknown>): string {
  const id = required(body, 'mchRefundId');
  if (!MCH_REFUND_ID.test(id)) fail('mchRefundId', 'must be 1 to 32 characters of A-Z, a-z, 0-9, "_" and "-"');
  return id;
}

/**
 * A refund's reason: null when absent, null or "". The rule of the merchant API and the merchant
 * console alike: bounded, no control characters, no "|" (a refund's answer is signed with it).
 */
export function refundReasonOf(body: Record<string, unknown>): string | null {
  const reason = text(body, 'reason');
  if (reason === null || reason === '') return null;
  if (reason.length > REFUND_REASON_MAX_LENGTH) fail('reason', `must be at most ${REFUND_REASON_MAX_LENGTH} characters, counted as UTF-16 code units (an emoji counts 2)`);
  if (CONTROL.test(reason)) fail('reason', 'must not contain control characters');
  if (breaksSeparatorRule(reason)) fail('reason', SEPARATOR_RULE);
  return reason;
}

export function parseRefund(body: Record<string, unknown>, limits: FieldLimits): Parsed<RefundCommand> {
  return parse(() => {
    acceptSignedParams(body, REFUND_FIELDS);
    const mchId = mchIdOf(body);
    const mchOrderId = mchOrderIdOf(body);
    const mchRefundId = mchRefundIdOf(body);
    const refundAmountSen = positiveAmountOf(body, 'refundAmount', limits.maxAmountSen);

    const reason = refundReasonOf(body);
    const timestampMs = timestampOf(body);
    requireSignature(body);
    return { mchId, mchOrderId, mchRefundId, refundAmountSen, reason, timestampMs };
  });
}

export function parseQueryRefund(body: Record<string, unknown>): Parsed<QueryRefundCommand> {
  return parse(() => {
    acceptSignedParams(body, QUERY_REFUND_FIELDS);
    const mchId = mchIdOf(body);
    const mchRefundId = mchRefundIdOf(body);
    const timestampMs = timestampOf(body);
    requireSignature(body);
    return { mchId, mchRefundId, timestampMs };
  });
}

export function parseDownloadBill(body: Record<string, unknown>): Parsed<DownloadBillCommand> {
  return parse(() => {
    acceptSignedParams(body, DOWNLOAD_BILL_FIELDS);
    const mchId = mchIdOf(body);
    const billDate = required(body, 'billDate');
    if (!isCalendarDate(billDate)) fail('billDate', 'must be a date as yyyy-MM-dd, e.g. "2022-03-10"');
    const timestampMs = timestampOf(body);
    requireSignature(body);
    return { mchId, billDate, timestampMs };
  });
}

/** `yyyy-MM-dd` naming a day that exists (no 2022-02-30), in the years 1970 to 2999. */
export function isCalendarDate(value: string): boolean {
  const match = BILL_DATE.exec(value);
  if (match === null) return false;
  const year = Number(match[1]);
  const month = Number(match[2]);
  const day = Number(match[3]);
  // The upper bound keeps the day after any accepted date a four-digit year.
  if (year < 1970 || year > 2999 || month < 1 || month > 12 || day < 1) return false;
  const leap = (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0;
  const days = [31, leap ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][month - 1]!;
  return day <= days;
}
