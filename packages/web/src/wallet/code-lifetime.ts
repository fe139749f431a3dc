/** Ask for the next platform code this long before the current one expires, so a scan never meets a dead one. */
export const RENEW_BEFORE_MS = 5_000;

/**
 * What the countdown counts to:
 * - `valid`: a platform code's life; the next one is asked for 5 s before it ends;
 * - `nextCode`: an offline code's step; at its end the screen moves to the next code;
 * - `retry`: no code could be shown; at the end the page tries again.
 */
export type Countdown = 'valid' | 'nextCode' | 'retry';

const LABELS: Readonly<Record<Countdown, string>> = { valid: 'Valid for', nextCode: 'New code in', retry: 'Trying again in' };

/**
 * Counts down on screen and then calls `then`. It counts with the monotonic clock from the moment
 * it starts, so a phone whose wall clock jumps (or is simply wrong) still renews on time.
 */
export class CodeLifetime {
  private timer: ReturnType<typeof setInterval> | undefined;

  constructor(private readonly countdown: HTMLElement) {}

  start(kind: Countdown, forMs: number, then: () => void): void {
    this.halt();
    // A code with (seemingly) almost no life left, from a short configured lifetime or a skewed
    // Date header, still waits a second before the next request: renewals never run hot.
    const lifeMs = Math.max(forMs, kind === 'valid' ? 2_000 : 250);
    const thenAtLeftMs = kind === 'valid' ? Math.min(RENEW_BEFORE_MS, lifeMs / 2) : 0;
    const endsAt = performance.now() + lifeMs;
    const tick = () => {
      const leftMs = endsAt - performance.now();
      // A life is rounded down (the Date header it was measured from drops the milliseconds); a
      // wait is rounded up, so it never says 0 s while it still waits.
      const seconds = kind === 'valid' ? Math.floor(leftMs / 1000) : Math.ceil(leftMs / 1000);
      this.countdown.textContent = `${LABELS[kind]} ${Math.max(0, seconds)} s`;
      if (leftMs <= thenAtLeftMs) {
        this.halt();
        then();
      }
    };
    tick();
    this.timer = setInterval(tick, 250);
  }

  /** Stops counting and takes the countdown off the screen: no code is shown any more (or a new one comes). */
  stop(): void {
    this.halt();
    this.countdown.textContent = '';
  }

  /** Stops counting, and calls nothing; the last count stays until what comes next replaces it. */
  pause(): void {
    this.halt();
  }

  private halt(): void {
    if (this.timer !== undefined) clearInterval(this.timer);
    this.timer = undefined;
  }
}
