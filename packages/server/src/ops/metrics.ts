import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { PaymentOutcome } from '../domain/payment-minutes.js';
import type { Logger } from '../log.js';
import { describeError } from '../log.js';
import type { Store } from '../store/store.js';

/**
 * How long a scrape waits for the store: a store that does not answer (a host gone silent) is
 * down to the scrape, which then still answers, well within Prometheus's 10 s scrape timeout, with
 * micropay_store_up 0 rather than not at all.
 */
export const STORE_READ_LIMIT_MS = 2_000;

/** The read's value, or a rejection once `ms` have passed without one (the read itself goes on). */
function withinMs<T>(read: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`the store did not answer within ${ms} ms`)), ms);
  });
  // A read that fails after the limit is already reported: its rejection is not left unhandled.
  read.catch(() => undefined);
  return Promise.race([read, late]).finally(() => clearTimeout(timer));
}

/** The endpoint whose latency the payment histogram records. */
export const PAYMENT_ENDPOINT = '/api/micropay/micropay';

/**
 * What the HTTP edge tells the metrics of each answered request: a bounded endpoint name (a
 * known path, `page`, or `other`), the answer's result code (the HTTP status for answers without
 * the envelope) and when the request started (performance.now()).
 */
export interface RequestMeter {
  /** `paymentOutcome`: what a `micropay` answer decided, when it decided something (api/outcomes.ts). */
  answered(endpoint: string, code: number, startedMs: number, paymentOutcome?: PaymentOutcome): void;
}

export const NO_METER: RequestMeter = { answered() {} };

// The process's own figures (CPU, memory, event loop, GC) exist once per process, however many
// platforms a test starts in it; each platform's /metrics shows them beside its own.
let processRegistry: Registry | undefined;
function processMetrics(): Registry {
  if (processRegistry === undefined) {
    processRegistry = new Registry();
    collectDefaultMetrics({ register: processRegistry });
  }
  return processRegistry;
}

/**
 * The platform's Prometheus metrics (docs/operations.md lists them). The request path costs a
 * counter increment, and a histogram observation for payments (both through ops/request-meter.ts); group commits are observed by
 * the store once per batch. Gauges that need the database (the outbox) are read only when
 * Prometheus scrapes.
 */
export class PlatformMetrics {
  readonly #registry = new Registry();
  readonly #store: Store;
  readonly #logger: Logger;
  readonly #requests: Counter<'endpoint' | 'code'>;
  readonly #paymentSeconds: Histogram;
  readonly #notifications: Gauge<'status'>;
  readonly #storeUp: Gauge;
  readonly #pool: { readonly connections: Gauge<'state'>; readonly waiting: Gauge } | null;

  constructor(store: Store, logger: Logger) {
    this.#store = store;
    this.#logger = logger;
    const registers = [this.#registry];
    this.#requests = new Counter({
      name: 'micropay_http_requests_total',
      help: 'HTTP requests answered, by endpoint and result code (the HTTP status for answers without the envelope)',
      labelNames: ['endpoint', 'code'] as const,
      registers,
    });
    this.#paymentSeconds = new Histogram({
      name: 'micropay_payment_duration_seconds',
      help: "Time from a payment request's headers arriving to its answer being written",
      buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
      registers,
    });
    const batchPayments = new Histogram({
      name: 'micropay_group_commit_payments',
      help: 'Payments written by one group commit (one transaction)',
      buckets: [1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1024],
      registers,
    });
    const batchSeconds = new Histogram({
      name: 'micropay_group_commit_duration_seconds',
      help: 'Time one group commit took: deciding and writing its payments, and the commit',
      buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1],
      registers,
    });
    store.observeBatches((payments, seconds) => {
      batchPayments.observe(payments);
      batchSeconds.observe(seconds);
    });
    this.#notifications = new Gauge({
      name: 'micropay_notifications',
      help: 'Merchant notifications in the outbox: pending (not yet delivered) and dead (every attempt failed)',
      labelNames: ['status'] as const,
      registers,
    });
    this.#storeUp = new Gauge({
      name: 'micropay_store_up',
      help: 'Whether this scrape read the store: 1, or 0 when it could not (the store gauges are absent then)',
      registers,
    });
    this.#pool = store.poolUsage() === null ? null : {
      connections: new Gauge({
        name: 'micropay_pg_pool_connections',
        help: "This process's PostgreSQL connections: in use, and idle in the pool",
        labelNames: ['state'] as const,
        registers,
      }),
      waiting: new Gauge({
        name: 'micropay_pg_pool_waiting',
        help: 'Callers in this process waiting for a PostgreSQL connection (the pool is exhausted)',
        registers,
      }),
    };
  }

  /** An answered request other than a payment (the request meter, ops/request-meter.ts, tells). */
  answered(endpoint: string, code: number): void {
    this.#requests.inc({ endpoint, code });
  }

  /** An answered payment and its latency, timed once by the request meter for these metrics and the statistics. */
  paymentAnswered(code: number, latencyMs: number): void {
    this.#requests.inc({ endpoint: PAYMENT_ENDPOINT, code });
    this.#paymentSeconds.observe(latencyMs / 1000);
  }

  readonly contentType = Registry.PROMETHEUS_CONTENT_TYPE;

  /** The exposition text: the process's metrics, then the platform's, gauges read now. */
  async scrape(): Promise<string> {
    await this.#readGauges();
    return (await processMetrics().metrics()) + (await this.#registry.metrics());
  }

  /** Stops observing the store's batches (the platform is closing). */
  detach(): void {
    this.#store.observeBatches(null);
  }

  async #readGauges(): Promise<void> {
    try {
      const backlog = await withinMs(this.#store.notificationBacklog(), STORE_READ_LIMIT_MS);
      this.#notifications.set({ status: 'pending' }, backlog.pending);
      this.#notifications.set({ status: 'dead' }, backlog.dead);
      this.#storeUp.set(1);
    } catch (error) {
      // No figure is better than a stale one; the outage itself is a figure, for an alert that an
      // absent gauge would never fire. /health/ready says why the store does not answer.
      this.#notifications.reset();
      this.#storeUp.set(0);
      this.#logger.error({ error: describeError(error) }, 'metrics: the notification backlog could not be read');
    }
    const pool = this.#store.poolUsage();
    if (this.#pool !== null && pool !== null) {
      this.#pool.connections.set({ state: 'in_use' }, pool.total - pool.idle);
      this.#pool.connections.set({ state: 'idle' }, pool.idle);
      this.#pool.waiting.set(pool.waiting);
    }
  }
}
