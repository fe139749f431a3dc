/** Ask for the next code this long before the current one expires, so a scan never meets a dead one. */
export const RENEW_BEFORE_MS = 5_000;

/**
 * Counts a code's life down on screen and asks for a fresh one before it expires. It counts
 * with the monotonic clock from the moment the code arrived, so a phone whose wall clock jumps
 * (or is simply wrong) still renews on time.
 */
export class CodeLifetime {
  private timer: ReturnType<typeof setInterval> | undefined;

  constructor(
    private readonly countdown: HTMLElement,
    private readonly renew: () => void,
  ) {}

  start(validForMs: number): void {
    this.halt();
    // A code with (seemingly) almost no life left, from a short configured lifetime or a skewed
    // Date header, still waits a second before the next request: renewals never run hot.
    const lifeMs = Math.max(validForMs, 2_000);
    const renewAtLeftMs = Math.min(RENEW_BEFORE_MS, lifeMs / 2);
    const endsAt = performance.now() + lifeMs;
    const tick = () => {
      const leftMs = endsAt - performance.now();
      // Rounded down: the Date header the life was measured from drops the milliseconds.
      this.countdown.textContent = `Valid for ${Math.max(0, Math.floor(leftMs / 1000))} s`;
      if (leftMs <= renewAtLeftMs) {
        this.halt();
        this.renew();
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

  /** Stops counting; the last count stays until the fresh code replaces it. */
  private halt(): void {
    if (this.timer !== undefined) clearInterval(this.timer);
    this.timer = undefined;
  }
}
