import type { Order, PayCodeStatus } from './model.js';

/**
 * What the wallet page shows about the payment code on its screen (docs/pages.md, "The live
 * result"), decided from what became of the code:
 *   WAITING  the code is live and no payment has reached it;
 *   PENDING  a payment above the wallet's confirmation limit waits for the holder's PIN;
 *   PAID     the code paid (later refunds do not change that it paid);
 *   FAILED   the payment failed: refused for the balance or the wallet's status, declined, timed out or closed;
 *   ENDED    the code retired or expired unused: nothing will come of it.
 */
export type CodeResultState = 'WAITING' | 'PENDING' | 'PAID' | 'FAILED' | 'ENDED';

export type CodeResult =
  | { readonly state: 'WAITING' | 'ENDED' }
  | { readonly state: 'PENDING' | 'PAID' | 'FAILED'; readonly order: Order };

/** The states a page can be showing while it waits for the next one. */
export const WATCHED_STATES: readonly CodeResultState[] = ['WAITING', 'PENDING'];

/**
 * `order` is the one the code paid or holds, else its latest FAILED one (a refused payment leaves
 * the code usable, so a later payment by it may still come and then wins).
 */
export function codeResultOf(code: { readonly status: PayCodeStatus; readonly expiresAtMs: number }, order: Order | null, nowMs: number): CodeResult {
  if (order !== null) {
    switch (order.status) {
      case 'PENDING':
        return { state: 'PENDING', order };
      case 'FAILED':
        return { state: 'FAILED', order };
      // A payment step that hit a fault leaves NEW (the code unused); the sweeper fails it later.
      case 'NEW':
        break;
      default:
        return { state: 'PAID', order };
    }
  }
  if (code.status !== 'active' || nowMs >= code.expiresAtMs) return { state: 'ENDED' };
  return { state: 'WAITING' };
}
