import { codeResult, type PageOrder } from './result-api.js';

/**
 * Watches the code on the screen for what a cashier does with it (docs/pages.md, "The live
 * result"): a long poll that the platform answers within about a quarter of a second of the
 * payment, wherever it was written. Each code shown has its own watch, which ends when the code
 * retires or ends in a result; an order's end is reported once however many watches see it.
 */
export interface LiveResultHooks {
  /** Above the confirmation limit: the order waits for the PIN. */
  pending(order: PageOrder): void;
  /** PAID or FAILED. */
  ended(order: PageOrder): void;
  signedOut(): void;
  /** The code retired without a payment: a newer one was issued (here, or in another tab or app), or it expired. */
  retired(payCode: string): void;
}

/** A wait the platform ended sooner than this (it had to end it early) is followed by a pause. */
const QUICK_ANSWER_MS = 1_000;
const RETRY_AFTER_TROUBLE_MS = 2_000;

export class LiveResult {
  private generation = 0;
  private readonly reported = new Set<string>();

  constructor(private readonly hooks: LiveResultHooks) {}

  watch(payCode: string): void {
    void this.run(payCode, this.generation);
  }

  /** Ends every watch (signed out). */
  stopAll(): void {
    this.generation += 1;
  }

  /** The order's end was shown already (by the confirm screen's own answer): no watch repeats it. */
  markEnded(order: PageOrder): void {
    this.reported.add(order.wavpayOrderId);
  }

  private async run(payCode: string, generation: number): Promise<void> {
    let seen: 'WAITING' | 'PENDING' = 'WAITING';
    while (generation === this.generation) {
      const started = performance.now();
      const a = await codeResult(payCode, seen);
      if (generation !== this.generation) return;
      if (a.kind === 'signedOut') return this.hooks.signedOut();
      if (a.kind === 'unknown') return;
      if (a.kind === 'trouble') {
        await pause(RETRY_AFTER_TROUBLE_MS);
        continue;
      }
      const order = a.order;
      if (a.state === 'ENDED') return this.hooks.retired(payCode);
      if (order !== null && (a.state === 'PAID' || a.state === 'FAILED')) {
        if (!this.reported.has(order.wavpayOrderId)) {
          this.reported.add(order.wavpayOrderId);
          this.hooks.ended(order);
        }
        return;
      }
      if (order !== null && a.state === 'PENDING' && seen !== 'PENDING') {
        seen = 'PENDING';
        if (!this.reported.has(order.wavpayOrderId)) this.hooks.pending(order);
        continue;
      }
      if (performance.now() - started < QUICK_ANSWER_MS) await pause(QUICK_ANSWER_MS);
    }
  }
}

function pause(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
