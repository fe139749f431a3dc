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
  const timing = {
    firstQueryDelayMs: duration('firstQueryDelayMs', options.firstQueryDelayMs ?? PAY_DEFAULTS.firstQueryDelayMs, 0),
    // At least 1 ms: 0 would re-query back-to-back (and re-close) until the deadline.
    queryIntervalMs: duration('queryIntervalMs', options.queryIntervalMs ?? PAY_DEFAULTS.queryIntervalMs, 1),
    deadlineMs: duration('deadlineMs', options.deadlineMs ?? PAY_DEFAULTS.deadlineMs, 0),
  };
  const { signal } = options;
  const mchOrderId = request.mchOrderId;
  const startedAt = Date.now();
  const deadlineAt = startedAt + timing.deadlineMs;
  let lastKnown: OrderData | null = null;
  // Whether the order was seen waiting for the customer: a FAILED after that means "not confirmed".
  let sawPending = false;
  let sends = 0;
  let queries = 0;

  type ProgressEvent = PayProgress extends infer E ? (E extends PayProgress ? Omit<E, 'mchOrderId' | 'elapsedMs'> : never) : never;
  const emit = (event: ProgressEvent): void => {
    if (options.onProgress === undefined) return;
    try {
      options.onProgress({ mchOrderId, elapsedMs: Date.now() - startedAt, ...event } as PayProgress);
    } catch {
      // A display bug must never leave a payment half-handled: the flow carries on.
    }
  };
  const finish = (outcome: PayOutcome): PayOutcome => {
    emit({ step: 'done', outcome });
    return outcome;
  };
  const failed = (reason: PayFailReason, order: OrderData | null): Step => ({
    kind: 'final',
    outcome: { status: 'FAILED', mchOrderId, reason, message: FAIL_MESSAGE[reason], order },
  });
  const paid = (order: OrderData): Step => ({ kind: 'final', outcome: { status: 'PAID', mchOrderId, order } });
  const seen = (order: OrderData): void => {
    lastKnown = order;
    if (order.tradeStatus === 'PENDING') sawPending = true;
  };

  const send = async (): Promise<Step> => {
    sends += 1;
    emit({ step: 'sending', attempt: sends });
    try {
      const order = await client.micropay(request, { signal });
      seen(order);
      return paid(order);
    } catch (error) {
      if (error instanceof OrderPaidError) return paid(seenOrder(error.order));
      if (error instanceof OrderPayingError) return { kind: 'open', order: seenOrder(error.order), error: null };
      if (error instanceof OrderClosedError) return failed(sawPending ? 'NOT_CONFIRMED' : 'ORDER_CLOSED', seenOrNull(error.order));
      if (error instanceof InsufficientBalanceError) return failed('INSUFFICIENT_BALANCE', seenOrNull(error.order));
      if (error instanceof WalletFrozenError) return failed('WALLET_FROZEN', seenOrNull(error.order));
      if (error instanceof PayCodeExpiredError) return failed('PAY_CODE_EXPIRED', null);
      if (error instanceof UnknownPayCodeError) return failed('PAY_CODE_UNKNOWN', null);
      // Turned away unrecorded (9007): the query that follows finds no record and sends the same
      // order again, as after a request that never arrived.
      if (isOutcomeUnknown(error) || error instanceof PlatformBusyError) return { kind: 'open', order: null, error };
      // The request's or the configuration's fault (1021, 1022, 1031, 1032, 1033, 1035): nothing
      // was charged, and no amount of waiting changes it.
      throw error;
    }
  };
  const seenOrder = (order: OrderData | null): OrderData => {
    // The answer rules guarantee these codes carry a verified order.
    seen(order!);
    return order!;
  };
  const seenOrNull = (order: OrderData | null): OrderData | null => {
    if (order !== null) seen(order);
    return order;
  };

  const query = async (): Promise<Step | 'close-now'> => {
    queries += 1;
    emit({ step: 'querying', attempt: queries });
    try {
      const order = await client.queryBill({ mchOrderId }, { signal });
      seen(order);
      if (PAID_ORDER_STATUSES.includes(order.tradeStatus)) return paid(order);
      if (order.tradeStatus === 'FAILED') return failed(sawPending ? 'NOT_CONFIRMED' : 'PAYMENT_FAILED', order);
      // The platform documents that a NEW order (its payment step failed) is never paid later,
      // so waiting for it only keeps the customer standing there.
      if (order.tradeStatus === 'NEW') return 'close-now';
      return { kind: 'open', order, error: null };
    } catch (error) {
      if (error instanceof NoRecordError) return { kind: 'not-recorded' };
      if (isOutcomeUnknown(error)) return { kind: 'open', order: null, error };
      throw error;
    }
  };

  const announce = (step: Step & { kind: 'open' }, nextQueryInMs: number, wasPending: boolean): void => {
    if (step.order?.tradeStatus === 'PENDING') {
      // Once per wait, so a POS display does not flicker on every query.
      if (!wasPending) emit({ step: 'waiting-for-customer', order: step.order });
    } else if (step.error !== null) {
      emit({ step: 'outcome-unknown', error: step.error, nextQueryInMs });
    }
  };

  const close = async (why: 'deadline' | 'platform-error'): Promise<PayOutcome> => {
    emit({ step: 'closing', why });
    let lastError: unknown = null;
    for (let attempt = 1; attempt <= CLOSE_ATTEMPTS; attempt++) {
      try {
        const order = await client.closeBill({ mchOrderId }, { signal });
        seen(order);
        if (why === 'platform-error') {
          return finish({ status: 'FAILED', mchOrderId, reason: 'PLATFORM_ERROR', message: FAIL_MESSAGE.PLATFORM_ERROR, order });
        }
        return finish({ status: 'CLOSED', mchOrderId, message: CLOSED_MESSAGE, order });
      } catch (error) {
        // Paid while we waited: the close lost the race, and the customer has paid.
        if (error instanceof OrderPaidError) return finish({ status: 'PAID', mchOrderId, order: seenOrder(error.order) });
        // Never recorded: the close has also closed the id on the platform, so a copy of the
        // request still on its way can no longer charge the customer.
        if (error instanceof NoRecordError) return finish({ status: 'CLOSED', mchOrderId, message: NEVER_RECORDED_MESSAGE, order: null });
        if (!isOutcomeUnknown(error)) throw error;
        lastError = error;
        if (attempt < CLOSE_ATTEMPTS) await sleep(timing.queryIntervalMs, signal, mchOrderId);
      }
    }
    throw new PaymentOutcomeUnknownError(mchOrderId, lastKnown, lastError);
  };

  try {
    let step = await send();
    if (step.kind === 'final') return finish(step.outcome);
    let nextQueryAt = Date.now() + timing.firstQueryDelayMs;
    announce(step as Step & { kind: 'open' }, timing.firstQueryDelayMs, false);
    let closeWhy: 'deadline' | 'platform-error' = 'deadline';

    for (;;) {
      if (nextQueryAt >= deadlineAt) {
        await sleep(deadlineAt - Date.now(), signal, mchOrderId);
        break;
      }
      await sleep(nextQueryAt - Date.now(), signal, mchOrderId);
      const wasPending = sawPending;
      const result = await query();
      if (result === 'close-now') {
        closeWhy = 'platform-error';
        break;
      }
      if (result.kind === 'final') return finish(result.outcome);
      if (result.kind === 'not-recorded') {
        // The platform has no record, so the payment was never made: the same order may be
        // sent again. Same mchOrderId, same parameters — never a new order id.
        emit({ step: 'not-recorded' });
        const wasPendingBeforeSend = sawPending;
        step = await send();
        if (step.kind === 'final') return finish(step.outcome);
        nextQueryAt = Date.now() + timing.firstQueryDelayMs;
        announce(step as Step & { kind: 'open' }, timing.firstQueryDelayMs, wasPendingBeforeSend);
        continue;
      }
      nextQueryAt = Date.now() + timing.queryIntervalMs;
      announce(result, timing.queryIntervalMs, wasPending);
    }
    return await close(closeWhy);
  } catch (error) {
    if (error instanceof MicroPayAbortedError && error.mchOrderId === null) throw new MicroPayAbortedError(mchOrderId, error.cause);
    throw error;
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
