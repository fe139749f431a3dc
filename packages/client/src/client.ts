import {
  CLOSE_BILL_OPERATION,
  formatSen,
  MCH_ID,
  parseAmountSen,
  parseCloseBill,
  parseDownloadBill,
  parseMicropay,
  parseQueryBill,
  parseQueryRefund,
  parseRefund,
  Secret,
  type BillData,
  type OrderData,
  type OrderRefundsData,
  type Parsed,
  type RefundData,
} from '@micropay/protocol';
import { checkAnswer, type AnswerExpectation } from './answer-rules.js';
import { apiError } from './errors.js';
import { runPayFlow } from './pay-flow.js';
import { signedPost, type TransportSettings } from './transport.js';
import type {
  CallOptions,
  DownloadBillRequest,
  Endpoint,
  MicropayRequest,
  MicroPayClientOptions,
  OrderRequest,
  PayOptions,
  PayOutcome,
  PayRequest,
  QueryRefundRequest,
  RefundRequest,
  SignedData,
} from './types.js';

const DEFAULT_TIMEOUT_MS = 10_000;
// The client cannot know the platform's maximum; the platform enforces it and answers 1021.
const NO_LIMIT = { maxAmountSen: Number.MAX_SAFE_INTEGER };
// Stands in for the signature while the protocol's field rules check a request before it is signed.
const UNSIGNED = 'pending';

/**
 * The MicroPay merchant client. Every call signs its request with the merchant key, sets the
 * timestamp, verifies the answer (signature, and that it is about this request), and resolves
 * with the signed `data` when the code is 0. Any other code rejects with the typed error of that
 * code (errors.ts), carrying the verified data when the answer had some.
 *
 * For taking a payment use pay(): it runs the whole payment-code flow and never leaves an
 * order in an unknown state silently.
 */
export class MicroPayClient {
  readonly baseUrl: string;
  readonly mchId: string;
  readonly timeoutMs: number;
  readonly #settings: TransportSettings;

  constructor(options: MicroPayClientOptions) {
    let url: URL;
    try {
      url = new URL(options.baseUrl);
    } catch {
      throw new TypeError(`baseUrl is not a URL: ${JSON.stringify(options.baseUrl)}`);
    }
    if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new TypeError('baseUrl must be an http or https URL');
    if (typeof options.mchId !== 'string' || !MCH_ID.test(options.mchId)) throw new TypeError('mchId must be the merchant id the platform issued (digits)');
    if (typeof options.apiKey !== 'string' || options.apiKey === '') throw new TypeError('apiKey is required');
    if (options.fetch !== undefined && typeof options.fetch !== 'function') throw new TypeError('fetch must be a function like the global fetch');
    const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    if (!Number.isSafeInteger(timeoutMs) || timeoutMs <= 0) throw new RangeError('timeoutMs must be a positive whole number of milliseconds');
    // Keep any path prefix (a platform behind https://host/pay/), without a trailing slash.
    this.baseUrl = `${url.origin}${url.pathname.replace(/\/+$/, '')}`;
    this.mchId = options.mchId;
    this.timeoutMs = timeoutMs;
    this.#settings = {
      baseUrl: this.baseUrl,
      key: new Secret(options.apiKey),
      timeoutMs,
      headers: { ...(options.headers ?? {}) },
      // Looked up per call when not given, so a fetch replaced later (a test's) is the one used.
      fetch: options.fetch ?? ((input, init) => fetch(input, init)),
    };
  }

  /** POST /api/micropay/micropay: one payment attempt. Code 0 resolves with the PAID order. */
  micropay(request: MicropayRequest, options: CallOptions = {}): Promise<OrderData> {
    const params = this.#micropayParams(request);
    return this.#call<OrderData>('micropay', params, (b) => parseMicropay(b, NO_LIMIT), {
      mchId: this.mchId,
      mchOrderId: request.mchOrderId,
      amountSen: parseAmountSen(params.amount!) ?? undefined,
    }, options);
  }

  /** POST /api/micropay/queryBill: the order's true state (tradeStatus). */
  queryBill(request: OrderRequest, options: CallOptions = {}): Promise<OrderData> {
    return this.#call<OrderData>('queryBill', { mchId: this.mchId, mchOrderId: request.mchOrderId }, parseQueryBill, {
      mchId: this.mchId,
      mchOrderId: request.mchOrderId,
    }, options);
  }

  /**
   * POST /api/micropay/closeBill: gives up an unpaid (NEW or PENDING) order; resolves with it,
   * FAILED. A paid order rejects with OrderPaidError carrying the order (refund it instead).
   */
  closeBill(request: OrderRequest, options: CallOptions = {}): Promise<OrderData> {
    return this.#call<OrderData>('closeBill', { mchId: this.mchId, mchOrderId: request.mchOrderId, operation: CLOSE_BILL_OPERATION }, parseCloseBill, {
      mchId: this.mchId,
      mchOrderId: request.mchOrderId,
    }, options);
  }

  /** POST /api/micropay/refund: resolves with the refund (refundStatus REFUNDED, REFUND_FAILED or REFUND_IN_PROCESS). */
  refund(request: RefundRequest, options: CallOptions = {}): Promise<RefundData> {
    const refundAmount = normaliseAmount(request.refundAmount);
    const params: Record<string, string> = {
      mchId: this.mchId,
      mchOrderId: request.mchOrderId,
      mchRefundId: request.mchRefundId,
      refundAmount,
    };
    if (request.reason !== undefined && request.reason !== '') params.reason = request.reason;
    return this.#call<RefundData>('refund', params, (b) => parseRefund(b, NO_LIMIT), {
      mchId: this.mchId,
      mchOrderId: request.mchOrderId,
      mchRefundId: request.mchRefundId,
      amountSen: parseAmountSen(refundAmount) ?? undefined,
    }, options);
  }

  /** POST /api/micropay/queryRefund: the refund's true state. */
  queryRefund(request: QueryRefundRequest, options: CallOptions = {}): Promise<RefundData> {
    return this.#call<RefundData>('queryRefund', { mchId: this.mchId, mchRefundId: request.mchRefundId }, parseQueryRefund, {
      mchId: this.mchId,
      mchRefundId: request.mchRefundId,
    }, options);
  }

  /**
   * POST /api/micropay/queryOrderRefunds: how much of the order is refunded or being refunded
   * (refundAmount), with its tradeStatus and amount.
   */
  queryOrderRefunds(request: OrderRequest, options: CallOptions = {}): Promise<OrderRefundsData> {
    return this.#call<OrderRefundsData>('queryOrderRefunds', { mchId: this.mchId, mchOrderId: request.mchOrderId }, parseQueryBill, {
      mchId: this.mchId,
      mchOrderId: request.mchOrderId,
    }, options);
  }

  /** POST /api/micropay/downloadBill: the day's statement; the CSV is in `csv`. */
  downloadBill(request: DownloadBillRequest, options: CallOptions = {}): Promise<BillData> {
    return this.#call<BillData>('downloadBill', { mchId: this.mchId, billDate: request.billDate }, parseDownloadBill, {
      mchId: this.mchId,
      billDate: request.billDate,
    }, options);
  }

  /**
   * The recommended payment-code flow, to one final outcome: PAID, FAILED (with the reason) or
   * CLOSED (the deadline passed; the order was closed, nothing moved). See docs/client.md.
   * Calling it again with the same request after a crash is safe: it re-sends the same order,
   * which the platform never charges twice, and follows the order to its end.
   */
  pay(request: PayRequest, options: PayOptions = {}): Promise<PayOutcome> {
    return runPayFlow(this, request, options);
  }

  #micropayParams(request: MicropayRequest): Record<string, string> {
    // The spec's example sends absent discount and point as "", and so do we: the same bytes
    // are signed on both sides and a repeat after a crash carries identical parameters.
    return {
      mchId: this.mchId,
      mchOrderId: request.mchOrderId,
      amount: normaliseAmount(request.amount),
      goodsInfo: request.goodsInfo,
      discount: request.discount === undefined || request.discount === '' ? '' : normaliseAmount(request.discount),
      point: request.point ?? '',
      payCode: request.payCode,
    };
  }

  async #call<T extends SignedData>(
    endpoint: Endpoint,
    params: Record<string, string>,
    rules: (body: Record<string, unknown>) => Parsed<unknown>,
    expect: AnswerExpectation,
    options: CallOptions,
  ): Promise<T> {
    // The protocol's own field rules, so a mistake is reported before anything is sent, with the
    // code and message the platform would have answered.
    const local = rules({ ...params, timestamp: String(Date.now()), secureHash: UNSIGNED });
    if (!local.ok) throw apiError({ endpoint, code: local.code, msg: local.msg, httpStatus: 0, data: null });
    const answer = await signedPost(this.#settings, endpoint, params, options.signal);
    checkAnswer(endpoint, answer, expect);
    const data = answer.data as SignedData | null;
    if (answer.code !== 0) throw apiError({ endpoint, code: answer.code, msg: answer.msg, httpStatus: answer.httpStatus, data, errorId: answer.errorId });
    return data as T;
  }

  /** The key never appears when the client is logged or inspected. */
  toJSON(): Record<string, unknown> {
    return { baseUrl: this.baseUrl, mchId: this.mchId, timeoutMs: this.timeoutMs };
  }
}

/** "1.5" → "1.50": the wire's two places. Text that is not an amount is sent as it is, for the field rules to name. */
function normaliseAmount(text: string): string {
  const sen = typeof text === 'string' ? parseAmountSen(text) : null;
  return sen === null ? text : formatSen(sen);
}
