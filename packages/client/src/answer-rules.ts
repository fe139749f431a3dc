import {
  ORDER_STATUSES,
  PAID_ORDER_STATUSES,
  parseAmountSen,
  REFUND_STATUSES,
  ResultCode,
  type OrderStatus,
} from '@micropay/protocol';
import { ResponseSignatureError, UnexpectedResponseError } from './errors.js';
import type { RawAnswer } from './transport.js';
import type { Endpoint } from './types.js';

/**
 * What a verified answer must say to be believed for *this* request. The signature covers `data`
 * only, not `code` or `msg`, and a signed answer can be replayed: so the data must name this
 * merchant and this order (or refund, or day), carry the amount asked for, and agree with the code.
 * An answer that breaks a rule is a ResponseSignatureError and never a result.
 */
export interface AnswerExpectation {
  readonly mchId: string;
  readonly mchOrderId?: string;
  readonly mchRefundId?: string;
  readonly billDate?: string;
  /** micropay: the amount sent, in sen. refund: the refund amount sent, in sen. */
  readonly amountSen?: number;
}

const ANY_ORDER_STATE = ORDER_STATUSES;

/**
 * Per endpoint: the codes whose answers always carry signed data, and for order endpoints the
 * order states each code allows (docs/state-machine.md, "Codes by state"). Codes not listed carry
 * no data (nothing was recorded), and there is nothing to sign.
 */
const ORDER_CODES: Partial<Record<Endpoint, ReadonlyMap<number, readonly OrderStatus[]>>> = {
  micropay: new Map<number, readonly OrderStatus[]>([
    [ResultCode.SUCCESS, ['PAID']],
    [ResultCode.ORDER_PAID, PAID_ORDER_STATUSES],
    [ResultCode.ORDER_PAYING, ['PENDING', 'NEW']],
    [ResultCode.ORDER_CLOSED, ['FAILED']],
    [ResultCode.INSUFFICIENT_BALANCE, ['FAILED']],
    [ResultCode.WALLET_FROZEN, ['FAILED']],
    [ResultCode.DUPLICATE_ORDER, ANY_ORDER_STATE],
  ]),
  queryBill: new Map([[ResultCode.SUCCESS, ANY_ORDER_STATE]]),
  queryOrderRefunds: new Map([[ResultCode.SUCCESS, ANY_ORDER_STATE]]),
  closeBill: new Map<number, readonly OrderStatus[]>([
    [ResultCode.SUCCESS, ['FAILED']],
    [ResultCode.ORDER_PAID, PAID_ORDER_STATUSES],
  ]),
};

const DATA_CODES: Record<Endpoint, readonly number[]> = {
  micropay: [...ORDER_CODES.micropay!.keys()],
  queryBill: [ResultCode.SUCCESS],
  closeBill: [ResultCode.SUCCESS, ResultCode.ORDER_PAID],
  refund: [ResultCode.SUCCESS, ResultCode.DUPLICATE_ORDER],
  queryRefund: [ResultCode.SUCCESS],
  queryOrderRefunds: [ResultCode.SUCCESS],
  downloadBill: [ResultCode.SUCCESS],
};

/**
 * Codes that carry the order when there is one, and `null` when there is none: micropay's 1025
 * for a mchOrderId the merchant closed before any payment under it reached the platform.
 */
const DATA_OPTIONAL: Partial<Record<Endpoint, readonly number[]>> = {
  micropay: [ResultCode.ORDER_CLOSED],
};

export function checkAnswer(endpoint: Endpoint, answer: RawAnswer, expect: AnswerExpectation): void {
  const { code, data } = answer;
  const mismatch = (detail: string): never => {
    throw new ResponseSignatureError(endpoint, 'MISMATCH', detail, answer.envelope);
  };
  if (data === null) {
    if (DATA_CODES[endpoint].includes(code) && !(DATA_OPTIONAL[endpoint] ?? []).includes(code)) {
      throw new ResponseSignatureError(endpoint, 'UNSIGNED', `code ${code} always carries the signed ${kindOf(endpoint)}, but data is empty`, answer.envelope);
    }
    return;
  }
  // A signed object of another kind (a bill where an order belongs) is a replay, not an answer.
  if (data.mchId !== expect.mchId) mismatch(`data is about merchant ${String(data.mchId)}, not ${expect.mchId}`);
  const duplicate = code === ResultCode.DUPLICATE_ORDER;

  switch (endpoint) {
    case 'micropay':
    case 'queryBill':
    case 'closeBill':
    case 'queryOrderRefunds': {
      if (data.merchantOrderId !== expect.mchOrderId) mismatch(`data is about order ${String(data.merchantOrderId)}, not ${expect.mchOrderId}`);
      const status = data.tradeStatus;
      if (typeof status !== 'string' || !(ORDER_STATUSES as readonly string[]).includes(status)) malformed(endpoint, answer, 'tradeStatus');
      const amountSen = typeof data.amount === 'string' ? parseAmountSen(data.amount) : null;
      if (amountSen === null) malformed(endpoint, answer, 'amount');
      if (typeof data.wavpayOrderId !== 'string') malformed(endpoint, answer, 'wavpayOrderId');
      // The order's refund total and the order itself are different signed objects: neither may
      // stand in for the other.
      if (endpoint === 'queryOrderRefunds') {
        if (typeof data.refundAmount !== 'string' || parseAmountSen(data.refundAmount) === null) malformed(endpoint, answer, 'refundAmount');
      } else if (typeof data.tradeTime !== 'string') {
        malformed(endpoint, answer, 'tradeTime');
      }
      const allowed = ORDER_CODES[endpoint]!.get(code);
      if (allowed !== undefined && !allowed.includes(status as OrderStatus)) {
        mismatch(`code ${code} contradicts the signed tradeStatus ${String(status)}`);
      }
      if (expect.amountSen !== undefined && !duplicate && amountSen !== expect.amountSen) {
        mismatch(`data.amount ${String(data.amount)} is not the amount sent`);
      }
      return;
    }
    case 'refund':
    case 'queryRefund': {
      if (data.merchantRefundId !== expect.mchRefundId) mismatch(`data is about refund ${String(data.merchantRefundId)}, not ${expect.mchRefundId}`);
      if (endpoint === 'refund' && !duplicate && data.merchantOrderId !== expect.mchOrderId) {
        mismatch(`data refunds order ${String(data.merchantOrderId)}, not ${expect.mchOrderId}`);
      }
      const status = data.refundStatus;
      if (typeof status !== 'string' || !(REFUND_STATUSES as readonly string[]).includes(status)) malformed(endpoint, answer, 'refundStatus');
      const amountSen = typeof data.refundAmount === 'string' ? parseAmountSen(data.refundAmount) : null;
      if (amountSen === null) malformed(endpoint, answer, 'refundAmount');
      if (expect.amountSen !== undefined && !duplicate && amountSen !== expect.amountSen) {
        mismatch(`data.refundAmount ${String(data.refundAmount)} is not the amount sent`);
      }
      return;
    }
    case 'downloadBill':
      if (data.billDate !== expect.billDate) mismatch(`data is the bill of ${String(data.billDate)}, not ${expect.billDate}`);
      if (typeof data.csv !== 'string') malformed(endpoint, answer, 'csv');
      return;
  }
}

function kindOf(endpoint: Endpoint): string {
  return endpoint === 'refund' || endpoint === 'queryRefund' ? 'refund' : endpoint === 'downloadBill' ? 'bill' : 'order';
}

// Signed with our key yet malformed: not an attack but a platform speaking another version of the
// API. Reported as an unexpected answer, so it is never taken as a result either.
function malformed(endpoint: Endpoint, answer: RawAnswer, field: string): never {
  throw new UnexpectedResponseError(endpoint, answer.httpStatus, `data.${field} is missing or not in the API's format`);
}
