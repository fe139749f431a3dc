import { merchantActionAfter, ResultCode, type OrderData, type RefundData } from '@micropay/protocol';
import type { Endpoint, SignedData } from './types.js';

/**
 * Every error the client throws is a MicroPayError, and every MicroPayError says in `action` what
 * the merchant's system should do next. The classes fall in four families:
 *
 *   MicroPayApiError          the platform answered with a code other than 0 (one class per code)
 *   ResponseSignatureError    an answer that is tampered, unsigned or not about this request:
 *                             never taken as a result
 *   TransportError            no usable answer: connection failure, timeout, or a body that is not
 *                             a MicroPay envelope. For micropay the payment may or may not be made,
 *                             except after a RequestNotSentError (no connection was ever made).
 *   MicroPayAbortedError, PaymentOutcomeUnknownError
 *                             the caller's AbortSignal fired; pay() could not learn a final state
 */
export class MicroPayError extends Error {
  /** What the merchant's system should do about it. */
  readonly action: string;

  constructor(message: string, action: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
    this.action = action;
  }
}

// ---------------------------------------------------------------------------------------------
// The platform's answers with a code other than 0.

export interface ApiErrorDetails {
  readonly endpoint: Endpoint;
  readonly code: number;
  readonly msg: string;
  /** HTTP status of the answer; 0 when the client refused the request before sending it. */
  readonly httpStatus: number;
  /** The answer's `data`, signature verified; null when the answer carried none. */
  readonly data: SignedData | null;
  /** The answer's `X-Error-Id` header, if it had one (a 500 does). */
  readonly errorId?: string | undefined;
}

export class MicroPayApiError extends MicroPayError {
  readonly endpoint: Endpoint;
  readonly code: number;
  readonly msg: string;
  readonly httpStatus: number;
  readonly data: SignedData | null;

  constructor(details: ApiErrorDetails, action?: string) {
    super(
      // httpStatus 0: the client's own check refused it, and nothing reached the platform.
      details.httpStatus === 0
        ? `${details.endpoint} not sent, refused by the client's own check with ${details.code}: ${details.msg}`
        : `${details.endpoint} answered ${details.code}: ${details.msg}`,
      action ?? merchantActionAfter(details.endpoint, details.code) ?? 'See docs/errors.md for this code.',
    );
    this.endpoint = details.endpoint;
    this.code = details.code;
    this.msg = details.msg;
    this.httpStatus = details.httpStatus;
    this.data = details.data;
  }

  /** The verified order the answer carried (micropay, queryBill, closeBill), or null. */
  get order(): OrderData | null {
    return this.data !== null && 'tradeStatus' in this.data ? (this.data as OrderData) : null;
  }

  /** The verified refund the answer carried (refund, queryRefund), or null. */
  get refund(): RefundData | null {
    return this.data !== null && 'refundStatus' in this.data ? (this.data as RefundData) : null;
  }
}

/** 500: the platform failed; the payment may or may not be made. Query after 5 s; pay() does. */
export class SystemError extends MicroPayApiError {
  /**
   * The answer's `X-Error-Id`: the platform logs its failure under this id, so quoting it lets
   * the operator find the cause. Undefined when the answer had none (a proxy's 500, say).
   */
  readonly errorId: string | undefined;

  constructor(details: ApiErrorDetails, action?: string) {
    super(details, action);
    this.errorId = details.errorId;
  }
}
/** 1021 or 1033: a field is missing or malformed (also raised by the client before sending). */
export class InvalidRequestError extends MicroPayApiError {}
/** 1022: the operator disabled this merchant. */
export class MerchantLockedError extends MicroPayApiError {}
/** 1023: the order is paid (data carries it). */
export class OrderPaidError extends MicroPayApiError {}
/** 1024: the order is still in progress, e.g. the customer is confirming (data carries it). */
export class OrderPayingError extends MicroPayApiError {}
/** 1025: the order is closed or failed (data carries it when the order exists). */
export class OrderClosedError extends MicroPayApiError {}
/** 1028: the wallet cannot cover the amount; the order is recorded FAILED (data carries it). */
export class InsufficientBalanceError extends MicroPayApiError {}
/** 1031: no such merchant, order or refund. */
export class NoRecordError extends MicroPayApiError {}
/** 1032: the order (or refund) id is already used with other parameters (data carries the existing one). */
export class DuplicateOrderError extends MicroPayApiError {}
/** 1035: the platform rejected this request's signature: the API key or mchId is wrong. */
export class SignatureRejectedError extends MicroPayApiError {}
/** 1036: the payment code expired or was used; nothing recorded. */
export class PayCodeExpiredError extends MicroPayApiError {}
/** 1040: the payment code belongs to no wallet; nothing recorded. */
export class UnknownPayCodeError extends MicroPayApiError {}
/** 9001: the wallet is frozen; the order is recorded FAILED (data carries it). */
export class WalletFrozenError extends MicroPayApiError {}
/** 9006: the refund exceeds what is left to refund; nothing recorded. */
export class RefundExceedsRefundableError extends MicroPayApiError {}
/** 9007: the platform had too many payments waiting and turned this one away; nothing recorded. */
export class PlatformBusyError extends MicroPayApiError {}

const API_ERROR_CLASS = new Map<number, typeof MicroPayApiError>([
  [ResultCode.SYSTEM_ERROR, SystemError],
  [ResultCode.PARAM_ERROR, InvalidRequestError],
  [ResultCode.ORDER_ID_ERROR, InvalidRequestError],
  [ResultCode.MERCHANT_LOCKED, MerchantLockedError],
  [ResultCode.ORDER_PAID, OrderPaidError],
  [ResultCode.ORDER_PAYING, OrderPayingError],
  [ResultCode.ORDER_CLOSED, OrderClosedError],
  [ResultCode.INSUFFICIENT_BALANCE, InsufficientBalanceError],
  [ResultCode.NO_RECORD, NoRecordError],
  [ResultCode.DUPLICATE_ORDER, DuplicateOrderError],
  [ResultCode.SIGNATURE_ERROR, SignatureRejectedError],
  [ResultCode.CODE_EXPIRED, PayCodeExpiredError],
  [ResultCode.USER_NOT_FOUND, UnknownPayCodeError],
  [ResultCode.WALLET_FROZEN, WalletFrozenError],
  [ResultCode.REFUND_EXCEEDS_REFUNDABLE, RefundExceedsRefundableError],
  [ResultCode.PLATFORM_BUSY, PlatformBusyError],
]);

// The catalogue's action for 1035 speaks of the request; from the client's side the cause is
// nearly always the key or the mchId it was given, so say that.
const ACTION_OVERRIDE = new Map<number, string>([
  [ResultCode.SIGNATURE_ERROR, 'Check the apiKey and mchId the client was created with (they must be the pair the platform issued). Nothing was recorded.'],
]);

/** The typed error for an answer's code; codes the client does not know get the base class. */
export function apiError(details: ApiErrorDetails): MicroPayApiError {
  const Class = API_ERROR_CLASS.get(details.code) ?? MicroPayApiError;
  return new Class(details, ACTION_OVERRIDE.get(details.code) ?? merchantActionAfter(details.endpoint, details.code));
}

// ---------------------------------------------------------------------------------------------
// Answers that must not be believed.

export type SignatureFailure =
  /** `data.secureHash` is not the hash of `data` with the merchant's key. */
  | 'BAD_SIGNATURE'
  /** The answer claims an outcome that always carries signed data, but has none. */
  | 'UNSIGNED'
  /**
   * The data is signed but does not belong to this answer: another order, merchant or amount, or
   * a code (which the signature does not cover) that contradicts the signed tradeStatus.
   */
  | 'MISMATCH';

/**
 * A tampered, unsigned or misattributed answer. It is never taken as a result: for micropay the
 * payment's outcome is unknown, and pay() keeps querying until a verified answer tells it.
 */
export class ResponseSignatureError extends MicroPayError {
  readonly endpoint: Endpoint;
  readonly failure: SignatureFailure;
  /** The answer as it arrived, untrusted, for diagnosis only. */
  readonly untrusted: unknown;

  constructor(endpoint: Endpoint, failure: SignatureFailure, detail: string, untrusted: unknown) {
    super(
      `${endpoint}: the answer cannot be trusted (${failure}): ${detail}`,
      'Do not act on this answer; the outcome is unknown. Query the order again (pay() does). If it keeps happening, check the API key and whatever sits between you and the platform (proxy, TLS termination).',
    );
    this.endpoint = endpoint;
    this.failure = failure;
    this.untrusted = untrusted;
  }
}

// ---------------------------------------------------------------------------------------------
// No usable answer.

const UNKNOWN_OUTCOME_ACTION =
  'The request may or may not have reached the platform. For micropay, never pay again with a new order id: query the order after 5 s (pay() does this for you). Other calls may simply be repeated.';

const NOT_SENT_ACTION =
  'The request was certainly not sent (no connection was made), so the platform recorded nothing. Check the URL and that the platform is running there, then send the same request again.';

/** No usable answer arrived; for micropay the payment's outcome is unknown. */
export class TransportError extends MicroPayError {
  readonly endpoint: Endpoint;
  /** The URL the request was posted to; null when the error did not come from a request. */
  readonly url: string | null;
  /** What went wrong, without the endpoint and URL the message starts with. */
  readonly detail: string;

  constructor(endpoint: Endpoint, detail: string, options?: { cause?: unknown; url?: string; action?: string }) {
    const url = options?.url ?? null;
    super(
      `${endpoint}${url === null ? '' : ` to ${url}`}: ${detail}`,
      options?.action ?? UNKNOWN_OUTCOME_ACTION,
      options?.cause === undefined ? undefined : { cause: options.cause },
    );
    this.endpoint = endpoint;
    this.url = url;
    this.detail = detail;
  }
}

/** The connection failed or broke before a whole answer arrived. */
export class ConnectionError extends TransportError {}

/**
 * No connection was ever made (refused, unknown host, unreachable network, failed TLS handshake):
 * the request certainly did not reach the platform. Still a ConnectionError, so code that treats
 * every connection failure as an unknown outcome stays safe.
 */
export class RequestNotSentError extends ConnectionError {
  constructor(endpoint: Endpoint, detail: string, options: { cause?: unknown; url: string }) {
    super(endpoint, detail, { ...options, action: NOT_SENT_ACTION });
  }
}

/** No whole answer within the client's timeoutMs. */
export class RequestTimeoutError extends TransportError {}

/** The answer is not a MicroPay envelope (a proxy's error page, say). */
export class UnexpectedResponseError extends TransportError {
  readonly httpStatus: number;

  constructor(endpoint: Endpoint, httpStatus: number, detail: string, url?: string) {
    super(endpoint, `unexpected answer (HTTP ${httpStatus}): ${detail}`, url === undefined ? {} : { url });
    this.httpStatus = httpStatus;
  }
}

// ---------------------------------------------------------------------------------------------
// The caller's decisions and pay()'s limits.

/** The caller's AbortSignal fired. A payment in progress is left as it is. */
export class MicroPayAbortedError extends MicroPayError {
  readonly mchOrderId: string | null;

  constructor(mchOrderId: string | null, reason: unknown) {
    super(
      mchOrderId === null ? 'aborted' : `aborted while paying order ${mchOrderId}`,
      mchOrderId === null
        ? 'Nothing to do, or repeat the call.'
        : 'The payment may be in progress. Call pay() again with the same request to learn its outcome, or closeBill to give it up.',
      { cause: reason },
    );
    this.mchOrderId = mchOrderId;
  }
}

/**
 * pay() reached its deadline without a verified final state and could not close the order (the
 * platform was unreachable or its answers could not be verified). The order may still be paid.
 */
export class PaymentOutcomeUnknownError extends MicroPayError {
  readonly mchOrderId: string;
  /** The last verified state of the order, if any answer was verified. */
  readonly lastKnownOrder: OrderData | null;

  constructor(mchOrderId: string, lastKnownOrder: OrderData | null, cause: unknown) {
    super(
      `the outcome of order ${mchOrderId} is unknown: no verified final state before the deadline, and closing it failed`,
      'Do not hand over the goods and do not charge again with a new order id. Call pay() again with the same request (or queryBill) once the platform is reachable; it tells the true state.',
      { cause },
    );
    this.mchOrderId = mchOrderId;
    this.lastKnownOrder = lastKnownOrder;
  }
}

/** A notification body that is not signed with the merchant's key, or is not a notification. */
export class NotificationVerificationError extends MicroPayError {
  constructor(detail: string) {
    super(
      `notification rejected: ${detail}`,
      'Do not act on it and do not acknowledge it. A real notification is re-delivered; query the order (queryBill) if in doubt.',
    );
  }
}
