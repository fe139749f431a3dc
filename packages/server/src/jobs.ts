import { describeError, type Logger } from './log.js';

/**
 * A background job that runs every `intervalMs`, never overlapping itself, and stops cleanly.
 * Jobs keep no money state: each run reads what is due from the store, so a restart resumes them.
 */
export interface Job {
  stop(): Promise<void>;
}

export function startJob(name: string, intervalMs: number, run: () => Promise<unknown>, logger: Logger): Job {
  let running: Promise<unknown> | null = null;
  let stopped = false;
  const tick = () => {
    if (running !== null || stopped) return;
    running = run()
      .catch((error: unknown) => logger.error({ job: name, error: describeError(error) }, 'job failed'))
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
    },
  };
}
