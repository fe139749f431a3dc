import { PAID_ORDER_STATUSES, type OrderData } from '@micropay/protocol';
import type { MicroPayClient } from './client.js';
import {
  InsufficientBalanceError,
  MicroPayAbortedError,
  NoRecordError,
  OrderClosedError,
  OrderPaidError,
  OrderPayingError,
  PayCodeExpiredError,
  PaymentOutcomeUnknownError,
  PlatformBusyError,
  ResponseSignatureError,
  SystemError,
  TransportError,
  UnknownPayCodeError,
  WalletFrozenError,
} from './errors.js';
import type { PayFailReason, PayOptions, PayOutcome, PayProgress, PayRequest } from './types.js';

/**
 * The recommended payment-code flow (docs/client.md draws it):
 *
 *   micropay ─► 0 PAID                                 ─► PAID
 *            ─► 1028 / 9001 / 1036 / 1040 / 1025       ─► FAILED (reason)
 *            ─► 1024, 500, timeout, network failure,   ─► wait firstQueryDelayMs (5 s), then
 *               an answer that does not verify            queryBill every queryIntervalMs:
 *                                                         PAID ─► PAID · FAILED ─► FAILED
 *                                                         PENDING ─► keep waiting (customer confirms)
 *                                                         NEW ─► closeBill at once (never paid later)
 *                                                         1031 ─► re-send micropay, same order id
 *                                                         no verified answer ─► keep querying
 *   deadline ─► closeBill: 0 ─► CLOSED · 1023 ─► PAID · 1031 ─► CLOSED (never recorded)
 *
 * It never pays again under a new order id: every attempt carries the caller's mchOrderId, which
 * the platform charges at most once. That is also what makes a second call after a crash safe.
 */
export const PAY_DEFAULTS = {
  /** The spec: "waits for 5 seconds and then calls the Query Order API". */
  firstQueryDelayMs: 5_000,
  /** Short enough that a POS notices a confirmation within seconds, light enough for the platform. */
  queryIntervalMs: 3_000,
  /** The platform's default confirmation window (MICROPAY_CONFIRM_TIMEOUT_S, 60 s). */
  deadlineMs: 60_000,
} as const;

/** closeBill attempts at the deadline before pay() admits it does not know the outcome. */
const CLOSE_ATTEMPTS = 3;

const FAIL_MESSAGE: Record<PayFailReason, string> = {
  INSUFFICIENT_BALANCE: 'The wallet balance is too low. Ask the customer to top up or pay another way (new mchOrderId).',
  WALLET_FROZEN: 'The wallet is frozen. Ask the customer to pay another way (new mchOrderId).',
  PAY_CODE_EXPIRED: 'The payment code expired or was already used. Ask the customer to refresh it and scan again; the same mchOrderId may be used.',
  PAY_CODE_UNKNOWN: 'The payment code belongs to no wallet. Scan it again.',
  NOT_CONFIRMED: 'The customer declined the payment or did not confirm it in time. Nothing was charged.',
  ORDER_CLOSED: 'This order was already closed or failed. Start a new payment with a new mchOrderId.',
  PLATFORM_ERROR: 'The platform could not make the payment and the order was closed. Nothing was charged; start again with a new mchOrderId.',
  PAYMENT_FAILED: 'The payment failed (the answer that said why was lost). Nothing was charged; start again with a new mchOrderId.',
};

const CLOSED_MESSAGE = 'The payment was not completed before the deadline; the order is closed and nothing was charged. Start again with a new mchOrderId.';
const NEVER_RECORDED_MESSAGE = 'The payment never reached the platform before the deadline and nothing was charged. Start again with a new mchOrderId.';

/** What one micropay or queryBill told the flow. */
type Step =
  | { readonly kind: 'final'; readonly outcome: PayOutcome }
  /** Not final yet: the order is PENDING/NEW (order), or the outcome is unknown (error). */
  | { readonly kind: 'open'; readonly order: OrderData | null; readonly error: Error | null }
  | { readonly kind: 'not-recorded' };

export async function runPayFlow(client: MicroPayClient, request: PayRequest, options: PayOptions): Promise<PayOutcome> {
  try {
    return await new PayFlow(client, request, options).run();
  } catch (error) {
    if (error instanceof MicroPayAbortedError && error.mchOrderId === null) throw new MicroPayAbortedError(request.mchOrderId, error.cause);
    throw error;
  }
}

type ProgressEvent = PayProgress extends infer E ? (E extends PayProgress ? Omit<E, 'mchOrderId' | 'elapsedMs'> : never) : never;

/** One run of the flow: what it has seen so far, and one method per kind of call it makes. */
class PayFlow {
  readonly #timing: { readonly firstQueryDelayMs: number; readonly queryIntervalMs: number; readonly deadlineMs: number };
  readonly #mchOrderId: string;
  readonly #startedAt = Date.now();
  #lastKnown: OrderData | null = null;
  /** Whether the order was seen waiting for the customer: a FAILED after that means "not confirmed". */
  #sawPending = false;
  #sends = 0;
  #queries = 0;

  constructor(
    private readonly client: MicroPayClient,
    private readonly request: PayRequest,
    private readonly options: PayOptions,
  ) {
    this.#timing = {
      firstQueryDelayMs: duration('firstQueryDelayMs', options.firstQueryDelayMs ?? PAY_DEFAULTS.firstQueryDelayMs, 0),
      // At least 1 ms: 0 would re-query back-to-back (and re-close) until the deadline.
      queryIntervalMs: duration('queryIntervalMs', options.queryIntervalMs ?? PAY_DEFAULTS.queryIntervalMs, 1),
      deadlineMs: duration('deadlineMs', options.deadlineMs ?? PAY_DEFAULTS.deadlineMs, 0),
    };
    this.#mchOrderId = request.mchOrderId;
  }

  async run(): Promise<PayOutcome> {
    const timing = this.#timing;
    const deadlineAt = this.#startedAt + timing.deadlineMs;
    let step = await this.#send();
    if (step.kind === 'final') return this.#finish(step.outcome);
    let nextQueryAt = Date.now() + timing.firstQueryDelayMs;
    this.#announce(step as Step & { kind: 'open' }, timing.firstQueryDelayMs, false);
    let closeWhy: 'deadline' | 'platform-error' = 'deadline';

    for (;;) {
      if (nextQueryAt >= deadlineAt) {
        await this.#sleep(deadlineAt - Date.now());
        break;
      }
      await this.#sleep(nextQueryAt - Date.now());
      const wasPending = this.#sawPending;
      const result = await this.#query();
      if (result === 'close-now') {
        closeWhy = 'platform-error';
        break;
      }
      if (result.kind === 'final') return this.#finish(result.outcome);
      if (result.kind === 'not-recorded') {
        // The platform has no record, so the payment was never made: the same order may be
        // sent again. Same mchOrderId, same parameters — never a new order id.
        this.#emit({ step: 'not-recorded' });
        const wasPendingBeforeSend = this.#sawPending;
        step = await this.#send();
        if (step.kind === 'final') return this.#finish(step.outcome);
        nextQueryAt = Date.now() + timing.firstQueryDelayMs;
        this.#announce(step as Step & { kind: 'open' }, timing.firstQueryDelayMs, wasPendingBeforeSend);
        continue;
      }
      nextQueryAt = Date.now() + timing.queryIntervalMs;
      this.#announce(result, timing.queryIntervalMs, wasPending);
    }
    return this.#close(closeWhy);
  }

  async #send(): Promise<Step> {
    this.#sends += 1;
    this.#emit({ step: 'sending', attempt: this.#sends });
    try {
      const order = await this.client.micropay(this.request, { signal: this.options.signal });
      this.#seen(order);
      return this.#paid(order);
    } catch (error) {
      if (error instanceof OrderPaidError) return this.#paid(this.#seenOrder(error.order));
      if (error instanceof OrderPayingError) return { kind: 'open', order: this.#seenOrder(error.order), error: null };
      if (error instanceof OrderClosedError) return this.#failed(this.#sawPending ? 'NOT_CONFIRMED' : 'ORDER_CLOSED', this.#seenOrNull(error.order));
      if (error instanceof InsufficientBalanceError) return this.#failed('INSUFFICIENT_BALANCE', this.#seenOrNull(error.order));
      if (error instanceof WalletFrozenError) return this.#failed('WALLET_FROZEN', this.#seenOrNull(error.order));
      if (error instanceof PayCodeExpiredError) return this.#failed('PAY_CODE_EXPIRED', null);
      if (error instanceof UnknownPayCodeError) return this.#failed('PAY_CODE_UNKNOWN', null);
      // Turned away unrecorded (9007): the query that follows finds no record and sends the same
      // order again, as after a request that never arrived.
      if (isOutcomeUnknown(error) || error instanceof PlatformBusyError) return { kind: 'open', order: null, error };
      // The request's or the configuration's fault (1021, 1022, 1031, 1032, 1033, 1035): nothing
      // was charged, and no amount of waiting changes it.
      throw error;
    }
  }

  async #query(): Promise<Step | 'close-now'> {
    this.#queries += 1;
    this.#emit({ step: 'querying', attempt: this.#queries });
    try {
      const order = await this.client.queryBill({ mchOrderId: this.#mchOrderId }, { signal: this.options.signal });
      this.#seen(order);
      if (PAID_ORDER_STATUSES.includes(order.tradeStatus)) return this.#paid(order);
      if (order.tradeStatus === 'FAILED') return this.#failed(this.#sawPending ? 'NOT_CONFIRMED' : 'PAYMENT_FAILED', order);
      // The platform documents that a NEW order (its payment step failed) is never paid later,
      // so waiting for it only keeps the customer standing there.
      if (order.tradeStatus === 'NEW') return 'close-now';
      return { kind: 'open', order, error: null };
    } catch (error) {
      if (error instanceof NoRecordError) return { kind: 'not-recorded' };
      if (isOutcomeUnknown(error)) return { kind: 'open', order: null, error };
      throw error;
    }
  }

  async #close(why: 'deadline' | 'platform-error'): Promise<PayOutcome> {
    const mchOrderId = this.#mchOrderId;
    this.#emit({ step: 'closing', why });
    let lastError: unknown = null;
    for (let attempt = 1; attempt <= CLOSE_ATTEMPTS; attempt++) {
      try {
        const order = await this.client.closeBill({ mchOrderId }, { signal: this.options.signal });
        this.#seen(order);
        if (why === 'platform-error') {
          return this.#finish({ status: 'FAILED', mchOrderId, reason: 'PLATFORM_ERROR', message: FAIL_MESSAGE.PLATFORM_ERROR, order });
        }
        return this.#finish({ status: 'CLOSED', mchOrderId, message: CLOSED_MESSAGE, order });
      } catch (error) {
        // Paid while we waited: the close lost the race, and the customer has paid.
        if (error instanceof OrderPaidError) return this.#finish({ status: 'PAID', mchOrderId, order: this.#seenOrder(error.order) });
        // Never recorded: the close has also closed the id on the platform, so a copy of the
        // request still on its way can no longer charge the customer.
        if (error instanceof NoRecordError) return this.#finish({ status: 'CLOSED', mchOrderId, message: NEVER_RECORDED_MESSAGE, order: null });
        if (!isOutcomeUnknown(error)) throw error;
        lastError = error;
        if (attempt < CLOSE_ATTEMPTS) await this.#sleep(this.#timing.queryIntervalMs);
      }
    }
    throw new PaymentOutcomeUnknownError(mchOrderId, this.#lastKnown, lastError);
  }

  #announce(step: Step & { kind: 'open' }, nextQueryInMs: number, wasPending: boolean): void {
    if (step.order?.tradeStatus === 'PENDING') {
      // Once per wait, so a POS display does not flicker on every query.
      if (!wasPending) this.#emit({ step: 'waiting-for-customer', order: step.order });
    } else if (step.error !== null) {
      this.#emit({ step: 'outcome-unknown', error: step.error, nextQueryInMs });
    }
  }

  #emit(event: ProgressEvent): void {
    if (this.options.onProgress === undefined) return;
    try {
      this.options.onProgress({ mchOrderId: this.#mchOrderId, elapsedMs: Date.now() - this.#startedAt, ...event } as PayProgress);
    } catch {
      // A display bug must never leave a payment half-handled: the flow carries on.
    }
  }

  #finish(outcome: PayOutcome): PayOutcome {
    this.#emit({ step: 'done', outcome });
    return outcome;
  }

  #failed(reason: PayFailReason, order: OrderData | null): Step {
    return { kind: 'final', outcome: { status: 'FAILED', mchOrderId: this.#mchOrderId, reason, message: FAIL_MESSAGE[reason], order } };
  }

  #paid(order: OrderData): Step {
    return { kind: 'final', outcome: { status: 'PAID', mchOrderId: this.#mchOrderId, order } };
  }

  #seen(order: OrderData): void {
    this.#lastKnown = order;
    if (order.tradeStatus === 'PENDING') this.#sawPending = true;
  }

  /** The answer rules guarantee these codes carry a verified order. */
  #seenOrder(order: OrderData | null): OrderData {
    this.#seen(order!);
    return order!;
  }

  #seenOrNull(order: OrderData | null): OrderData | null {
    if (order !== null) this.#seen(order);
    return order;
  }

  #sleep(ms: number): Promise<void> {
    return sleep(ms, this.options.signal, this.#mchOrderId);
  }
}

/** Answers that leave a payment's outcome open: query, do not conclude. */
function isOutcomeUnknown(error: unknown): error is Error {
  return error instanceof SystemError || error instanceof TransportError || error instanceof ResponseSignatureError;
}

/** A timing option: a whole number of milliseconds, `min` or more. */
function duration(name: string, value: number, min: 0 | 1): number {
  if (!Number.isSafeInteger(value) || value < min) {
    throw new RangeError(`${name} must be a whole number of milliseconds, ${min === 0 ? '0 or more' : 'more than 0'} (got ${String(value)})`);
  }
  return value;
}

function sleep(ms: number, signal: AbortSignal | undefined, mchOrderId: string): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(new MicroPayAbortedError(mchOrderId, signal.reason));
    if (ms <= 0) return resolve();
    const onAbort = () => {
      clearTimeout(timer);
      reject(new MicroPayAbortedError(mchOrderId, signal!.reason));
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}
