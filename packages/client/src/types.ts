import type { BillData, MerchantCall, OrderData, OrderRefundsData, RefundData } from '@micropay/protocol';

/**
 * Request and response types of the client. Requests use the spec's field names (without mchId,
 * timestamp and secureHash, which the client adds); responses are the spec's `data` objects as the
 * platform signed them, checked before they are returned. Amounts are decimal strings ("1.00")
 * here as on the wire: the client never turns money into a floating-point number.
 */

/** A call of the merchant API, as the spec names it. */
export type Endpoint = MerchantCall;

/** Any `data` the platform signs. */
export type SignedData = OrderData | OrderRefundsData | RefundData | BillData;

export interface MicroPayClientOptions {
  /** Where the platform answers, e.g. "https://pay.example.com" (a path prefix is kept). */
  readonly baseUrl: string;
  /** The merchant id the platform issued. */
  readonly mchId: string;
  /** The merchant key the platform issued: it signs requests and verifies answers. Never logged. */
  readonly apiKey: string;
  /** Longest wait for one whole answer, in milliseconds. Default 10 000. */
  readonly timeoutMs?: number;
  /**
   * Extra request headers. Meant for sandbox rehearsals and tests, e.g.
   * `{ 'X-MicroPay-Sandbox': 'system-error' }`; a production platform ignores that header.
   */
  readonly headers?: Readonly<Record<string, string>>;
  /**
   * What sends each request; the global `fetch` by default. For a proxy agent, or for a caller
   * that serves the platform itself and answers in-process (the cashier page's charge).
   */
  readonly fetch?: typeof fetch;
}

/** Per-call options. */
export interface CallOptions {
  /** Cancels the call; it then rejects with MicroPayAbortedError. */
  readonly signal?: AbortSignal;
}

export interface MicropayRequest {
  /** Your order number: 1 to 32 of A-Z a-z 0-9 _ -. It identifies the payment: keep it for retries. */
  readonly mchOrderId: string;
  /** Decimal string with at most two places, e.g. "12.50". Sent as "12.50". */
  readonly amount: string;
  /** The 18 digits read from the customer's payment code. */
  readonly payCode: string;
  /** What is sold; 1 to 128 characters. */
  readonly goodsInfo: string;
  /** Decimal string, or leave out. */
  readonly discount?: string;
  /** Whole number of points, or leave out. */
  readonly point?: string;
}

export interface OrderRequest {
  readonly mchOrderId: string;
}

export interface RefundRequest {
  /** The paid order to refund. */
  readonly mchOrderId: string;
  /** Your refund number (same rules as mchOrderId). It identifies the refund: keep it for retries. */
  readonly mchRefundId: string;
  /** Decimal string, at most the part of the order not yet refunded. */
  readonly refundAmount: string;
  readonly reason?: string;
}

export interface QueryRefundRequest {
  readonly mchRefundId: string;
}

export interface DownloadBillRequest {
  /** The day, `yyyy-MM-dd`, in the platform's time zone. */
  readonly billDate: string;
}

// ---------------------------------------------------------------------------------------------
// pay(): the payment-code flow.

export type PayRequest = MicropayRequest;

export interface PayOptions extends CallOptions {
  /**
   * Wait after an answer that leaves the outcome open (1024, 500, timeout, network failure)
   * before the first queryBill, in ms. Default 5 000, as the spec says.
   */
  readonly firstQueryDelayMs?: number;
  /** Wait between later queries (and close attempts), in ms; more than 0. Default 3 000. */
  readonly queryIntervalMs?: number;
  /**
   * How long after pay() starts the flow gives up waiting and closes the order, in ms.
   * Default 60 000, the platform's default confirmation window.
   */
  readonly deadlineMs?: number;
  /** Called at every step, e.g. to show "waiting for the customer to confirm". Errors it throws are ignored. */
  readonly onProgress?: (event: PayProgress) => void;
}

/** Why a payment failed. */
export type PayFailReason =
  /** 1028: the wallet cannot cover the amount. Ask for another payment method; a new mchOrderId. */
  | 'INSUFFICIENT_BALANCE'
  /** 9001: the wallet is frozen. Ask for another payment method; a new mchOrderId. */
  | 'WALLET_FROZEN'
  /** 1036: the code expired or was used; nothing recorded. Ask the customer to refresh it; the same mchOrderId may be used. */
  | 'PAY_CODE_EXPIRED'
  /** 1040: the code belongs to no wallet; nothing recorded. Scan again. */
  | 'PAY_CODE_UNKNOWN'
  /** The payment waited for the customer's confirmation and then failed: declined, or not confirmed in time. */
  | 'NOT_CONFIRMED'
  /** 1025: the order was already closed or failed before this call. Use a new mchOrderId. */
  | 'ORDER_CLOSED'
  /** The platform recorded the order but could not make the payment (NEW); the client closed it. Nothing moved. */
  | 'PLATFORM_ERROR'
  /** The order is FAILED but the answer that said why was lost (e.g. after a timeout). Nothing moved. */
  | 'PAYMENT_FAILED';

export type PayOutcome =
  | { readonly status: 'PAID'; readonly mchOrderId: string; readonly order: OrderData }
  | {
      readonly status: 'FAILED';
      readonly mchOrderId: string;
      readonly reason: PayFailReason;
      /** What to tell the cashier and do next. */
      readonly message: string;
      /** The order when the platform recorded one; null when nothing was recorded. */
      readonly order: OrderData | null;
    }
  | {
      /** The deadline passed without payment and the order was closed: nothing moved. */
      readonly status: 'CLOSED';
      readonly mchOrderId: string;
      readonly message: string;
      /** The closed order; null when the platform never recorded it. */
      readonly order: OrderData | null;
    };

interface ProgressBase {
  readonly mchOrderId: string;
  /** Milliseconds since pay() started. */
  readonly elapsedMs: number;
}

export type PayProgress = ProgressBase &
  (
    | { readonly step: 'sending'; readonly attempt: number }
    | { readonly step: 'waiting-for-customer'; readonly order: OrderData }
    | { readonly step: 'outcome-unknown'; readonly error: Error; readonly nextQueryInMs: number }
    | { readonly step: 'querying'; readonly attempt: number }
    | { readonly step: 'not-recorded' }
    | { readonly step: 'closing'; readonly why: 'deadline' | 'platform-error' }
    | { readonly step: 'done'; readonly outcome: PayOutcome }
  );
