import { describeError, OncePerMinute, type Logger } from './log.js';

/**
 * A background job that runs every `intervalMs`, never overlapping itself, and stops cleanly.
 * Jobs keep no money state: each run reads what is due from the store, so a restart resumes them.
 */
export interface Job {
  stop(): Promise<void>;
}

/** `nowMs`: a monotonic clock (tests pass their own): how long a job has failed is not moved by the wall clock's steps. */
export function startJob(name: string, intervalMs: number, run: () => Promise<unknown>, logger: Logger, nowMs: () => number = () => performance.now()): Job {
  let running: Promise<unknown> | null = null;
  let stopped = false;
  const failures = new FailureRun(name, logger, nowMs);
  const tick = () => {
    if (running !== null || stopped) return;
    running = run()
      .then(() => failures.succeeded(), (error: unknown) => failures.failed(error))
      .finally(() => {
        running = null;
      });
  };
  const timer = setInterval(tick, intervalMs);
  timer.unref();
  // Run once at start, so whatever fell due while the platform was down is settled at once.
  setImmediate(tick);
  return {
    async stop() {
      stopped = true;
      clearInterval(timer);
      await running;
      failures.stopped();
    },
  };
}

/**
 * One job's failures in a row, in the log: the first at once (`job failed`), then while they go on
 * one line a minute (`job still failing`, with how many since the last line and the latest error;
 * log.ts's OncePerMinute keeps the count), and `job recovered` with how many in all and for how
 * long once a run succeeds. A store outage made every job log every second of it, in every process.
 */
class FailureRun {
  #count = 0;
  #firstMs = 0;
  #lastError: unknown = null;
  readonly #told = new OncePerMinute(1);

  constructor(private readonly job: string, private readonly logger: Logger, private readonly nowMs: () => number) {}

  failed(error: unknown): void {
    const now = this.nowMs();
    if (this.#count === 0) this.#firstMs = now;
    this.#count += 1;
    this.#lastError = error;
    const quiet = this.#told.tell(this.job, now);
    if (quiet === null) return;
    if (this.#count === 1) return this.logger.error({ job: this.job, error: describeError(error) }, 'job failed');
    this.#stillFailing(quiet + 1, now);
  }

  /** The server stops while the job fails: the failures not yet told are, so none goes uncounted. */
  stopped(): void {
    const untold = this.#told.forget(this.job);
    if (untold > 0) this.#stillFailing(untold, this.nowMs());
  }

  succeeded(): void {
    if (this.#count === 0) return;
    this.#told.forget(this.job);
    this.logger.warn({ job: this.job, failures: this.#count, failingForMs: Math.round(this.nowMs() - this.#firstMs) }, 'job recovered');
    this.#count = 0;
  }

  #stillFailing(failures: number, now: number): void {
    this.logger.error({ job: this.job, failures, failingForMs: Math.round(now - this.#firstMs), error: describeError(this.#lastError) }, 'job still failing');
  }
}
