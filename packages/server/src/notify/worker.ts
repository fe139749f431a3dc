import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import { signedOrder } from '../api/order-wire.js';
import { signedRefund } from '../api/refund-wire.js';
import type { Config } from '../config.js';
import type { Clock } from '../domain/clock.js';
import { answeringMerchant, type AnsweringMerchant } from '../domain/merchant-keys.js';
import type { Order, Refund } from '../domain/model.js';
import { answerExcerpt, type AttemptOutcome, type Notification } from '../domain/notification.js';
import { startJob, type Job } from '../jobs.js';
import { describeError, type Logger } from '../log.js';
import type { Store } from '../store/store.js';
import { Agent, fetch, type Response } from 'undici';
import { DestinationRefused, NotifyDestinations } from './destinations.js';
import { isAcknowledged, nextAttemptAtMs, notificationBody, testData, type NotificationBody } from './message.js';

/**
 * The notification delivery worker. Notifications are written to the outbox in the transaction of
 * the state change they tell of; this worker claims the due ones with a lease, posts each outside
 * any database transaction, and records the outcome. Nothing lives in memory between runs, so a
 * restart resumes where the last process stopped: a notification is delivered at least once and
 * never lost; a receiver dedupes by notificationId.
 */
export interface NotificationWorkerOptions {
  readonly store: Store;
  readonly clock: Clock;
  readonly logger: Logger;
  readonly timeZone: string;
  readonly timeoutMs: number;
  readonly retryScheduleS: readonly number[];
  /** Which addresses may receive (notify/destinations.ts). */
  readonly destinations: NotifyDestinations;
  /** Names this worker's leases; unique per process so two processes never share one. */
  readonly owner?: string;
  /** Notifications posted at once per claim. */
  readonly batchSize?: number;
}

/** Most bytes of a receiver's answer read: an acknowledgement is tiny, and a bound keeps a hostile receiver from filling memory. */
const ANSWER_MAX_BYTES = 16_384;
/** Claims per run when the outbox is busy, so a stop request is never kept waiting for long. */
const MAX_CLAIMS_PER_RUN = 16;

export class NotificationWorker {
  readonly owner: string;
  readonly #o: NotificationWorkerOptions;
  readonly #batchSize: number;
  /**
   * A lease outlives the slowest attempt (the POST's timeout) with a wide margin, so it never runs
   * out under a live worker; if a process dies holding one, another process retries the
   * notification once it expires.
   */
  readonly leaseMs: number;
  #stopping = false;
  /** Connections made only to addresses the destinations allow, whatever DNS answers later. */
  readonly #dispatcher: Agent;

  constructor(options: NotificationWorkerOptions) {
    this.#o = options;
    this.#dispatcher = new Agent({ connect: { lookup: options.destinations.lookup } });
    this.owner = options.owner ?? `${hostname()}:${process.pid}:${randomUUID().slice(0, 8)}`;
    this.#batchSize = options.batchSize ?? 64;
    this.leaseMs = 2 * options.timeoutMs + 10_000;
  }

  /** Delivers what is due now; returns how many notifications it attempted. */
  async runOnce(): Promise<number> {
    let attempted = 0;
    for (let round = 0; round < MAX_CLAIMS_PER_RUN && !this.#stopping; round++) {
      const claimed = await this.#o.store.claimDueNotifications(this.owner, this.leaseMs, this.#batchSize);
      // Posted side by side: one slow receiver costs at most one timeout, well inside the lease.
      await Promise.all(claimed.map((n) => this.#attempt(n)));
      attempted += claimed.length;
      if (claimed.length < this.#batchSize) break;
    }
    return attempted;
  }

  /** Stops claiming more; attempts already under way finish (each is bounded by the timeout). */
  stop(): void {
    this.#stopping = true;
  }

  /** Closes the receivers' kept-alive connections; after stop() and the last run. */
  close(): Promise<void> {
    return this.#dispatcher.close();
  }

  async #attempt(n: Notification): Promise<void> {
    const { store, logger, clock } = this.#o;
    const facts = { notificationId: n.notificationId, mchId: n.mchId, eventType: n.eventType, attempt: n.attempts };
    try {
      const atMs = clock.nowMs();
      const started = performance.now();
      const result = await this.#post(n);
      const attempt = { ...result, attempt: n.attempts, mchId: n.mchId, subjectId: n.subjectId, atMs, durationMs: Math.round(performance.now() - started) };
      if (attempt.error === null) {
        if (await store.recordDelivery(n.notificationId, this.owner, attempt)) logger.info(facts, 'notification delivered');
        else logger.info(facts, 'notification lease lost before its outcome was recorded');
        return;
      }
      const error = attempt.error;
      const next = nextAttemptAtMs(this.#o.retryScheduleS, n.attempts, clock.nowMs());
      if (!(await store.recordFailedAttempt(n.notificationId, this.owner, { ...attempt, error }, next))) {
        logger.info(facts, 'notification lease lost before its outcome was recorded');
      } else if (next === null) {
        logger.error({ ...facts, error }, 'notification dead: every attempt failed; re-drive it with `micropay notifications retry`');
      } else {
        logger.info({ ...facts, error, nextAttemptAtMs: next }, 'notification attempt failed');
      }
    } catch (error) {
      // The store could not record the outcome: the lease expires and the notification is tried
      // again, so a receiver may see it twice but never misses it.
      logger.error({ ...facts, error: describeError(error) }, 'notification outcome not recorded');
    }
  }

  /** Posts the notification once: how it ended, with the receiver's answer when there was one. */
  async #post(n: Notification): Promise<PostResult> {
    const merchant = await this.#o.store.findMerchant(n.mchId);
    if (merchant === null) return notSent('the merchant no longer exists');
    // The merchant's current URL wins, so a merchant who fixes a broken URL gets the retries and
    // re-drives there; the URL recorded with the notification serves if the merchant has none now.
    const url = merchant.notifyUrl ?? n.url;
    let body: NotificationBody;
    try {
      // Signed as an answer to the merchant would be now: during a key roll, with the key it uses.
      const signer = answeringMerchant(merchant, this.#o.clock.nowMs());
      const data = await this.#signedData(n, signer);
      body = notificationBody(n, data, signer.apiKey.expose());
    } catch (error) {
      // A payload that cannot be read is a bug of ours; the attempt fails and stays visible.
      return notSent(`cannot build the notification: ${error instanceof Error ? error.message : String(error)}`);
    }
    const refused = this.#o.destinations.literalProblem(url);
    if (refused !== null) return notSent(refused);
    const timeoutMs = this.#o.timeoutMs;
    try {
      const res = await fetch(url, {
        dispatcher: this.#dispatcher,
        method: 'POST',
        headers: { 'Content-Type': 'application/json; charset=utf-8', 'User-Agent': 'MicroPay-Notify/1' },
        body: JSON.stringify(body),
        // A redirect is not an acknowledgement, and following one could send the signed body elsewhere.
        redirect: 'manual',
        signal: AbortSignal.timeout(timeoutMs),
      });
      const text = await readBounded(res);
      return answerResult(res.status, text, String(body.secureHash));
    } catch (error) {
      const cause = error instanceof Error ? error.cause : undefined;
      if (cause instanceof DestinationRefused) return notSent(cause.message);
      return { outcome: isTimeout(error) ? 'timeout' : 'connection_error', httpStatus: null, answerExcerpt: null, error: describeFetchError(error, timeoutMs) };
    }
  }

  /** The event's data signed with the merchant's key, from the snapshot taken at the state change. */
  async #signedData(n: Notification, merchant: AnsweringMerchant): Promise<object> {
    const now = this.#o.clock.nowMs();
    switch (n.eventType) {
      case 'PAID':
      case 'FAILED':
        return signedOrder(JSON.parse(n.payload) as Order, merchant, this.#o.timeZone, now);
      case 'TEST':
        return testData(n, merchant, this.#o.timeZone, now);
      case 'REFUNDED':
      case 'REFUND_FAILED': {
        const refund = JSON.parse(n.payload) as Refund;
        // The refund's data names the order by both ids; an order is never deleted, so it is there.
        const order = await this.#o.store.findOrderById(refund.orderId);
        if (order === null) throw new Error(`order ${refund.orderId} of refund ${refund.refundId} is missing`);
        return signedRefund(refund, order, merchant, this.#o.timeZone, now);
      }
    }
  }
}

/** Starts the worker as a background job of the platform. */
export function startNotificationWorker(config: Config, store: Store, clock: Clock, logger: Logger): Job {
  const worker = new NotificationWorker({
    store,
    clock,
    logger,
    timeZone: config.timeZone,
    timeoutMs: config.notifyTimeoutMs,
    retryScheduleS: config.notifyRetryScheduleS,
    destinations: new NotifyDestinations(config.notifyPrivateNetworks),
  });
  const job = startJob('notifications', config.notifyIntervalMs, () => worker.runOnce(), logger);
  return {
    async stop() {
      worker.stop();
      await job.stop();
      await worker.close();
    },
  };
}

/** One attempt's end as the worker sees it; `error` null: delivered. */
interface PostResult {
  readonly outcome: AttemptOutcome;
  readonly httpStatus: number | null;
  readonly answerExcerpt: string | null;
  readonly error: string | null;
}

function notSent(error: string): PostResult {
  return { outcome: 'not_sent', httpStatus: null, answerExcerpt: null, error };
}

/**
 * The receiver answered: delivered, or why not. The excerpt of its answer is kept with the attempt
 * (answerExcerpt: short, sanitised, our signature cut out); the error text, which `notifications
 * list` and the logs show, never repeats the answer.
 */
function answerResult(status: number, text: string, signature: string): PostResult {
  const excerpt = answerExcerpt(text, [signature]);
  if (isAcknowledged(status, text)) return { outcome: 'delivered', httpStatus: status, answerExcerpt: excerpt, error: null };
  const ok = status >= 200 && status <= 299;
  return {
    outcome: ok ? 'not_acknowledged' : 'http_status',
    httpStatus: status,
    answerExcerpt: excerpt,
    error: ok ? `HTTP ${status} without an acknowledgement (expected {"code":0} or "success")` : `HTTP ${status}`,
  };
}

async function readBounded(res: Response): Promise<string> {
  if (res.body === null) return '';
  const chunks: Uint8Array[] = [];
  let size = 0;
  for await (const chunk of res.body as AsyncIterable<Uint8Array>) {
    chunks.push(chunk);
    size += chunk.length;
    if (size >= ANSWER_MAX_BYTES) break;
  }
  return Buffer.concat(chunks).subarray(0, ANSWER_MAX_BYTES).toString('utf8');
}

function isTimeout(error: unknown): boolean {
  return error instanceof Error && (error.name === 'TimeoutError' || error.name === 'AbortError');
}

function describeFetchError(error: unknown, timeoutMs: number): string {
  if (isTimeout(error)) return `no answer within ${timeoutMs} ms`;
  const cause = error instanceof Error ? (error as Error & { cause?: unknown }).cause : undefined;
  const code = typeof cause === 'object' && cause !== null ? (cause as { code?: unknown }).code : undefined;
  if (typeof code === 'string') return `cannot reach the receiver (${code})`;
  // fetch's own refusals (a port it blocks, a malformed address) say why only in the cause.
  const message = cause instanceof Error ? cause.message : error instanceof Error ? error.message : String(error);
  return `cannot reach the receiver: ${message.slice(0, 200)}`;
}
