/**
 * Refund attempts as the till and the merchant console make them: each attempt draws one
 * mchRefundId and keeps it while it runs and after a lost answer. An attempt whose answer was lost
 * stays pinned to its order, amount and all, until an answer comes, so a double click, a resend or
 * a second try is the same refund, never a second one (the server answers a repeat with the refund
 * already made).
 */
export interface RefundAttempt {
  readonly mchOrderId: string;
  readonly mchRefundId: string;
  readonly refundAmount: string;
}

export class RefundAttempts<A extends RefundAttempt = RefundAttempt> {
  /** Attempts whose answer was lost, by order: sent again as they are, never as a new refund. */
  readonly #unanswered = new Map<string, A>();

  /** The order's attempt whose answer was lost, if any. */
  pinned(mchOrderId: string): A | undefined {
    return this.#unanswered.get(mchOrderId);
  }

  /** The attempt to send: the pinned one, else a new one from `fresh` with a new mchRefundId. */
  attemptFor(mchOrderId: string, fresh: (mchRefundId: string) => A): A {
    return this.#unanswered.get(mchOrderId) ?? fresh(newRefundId());
  }

  /** Answered: its outcome is known, and the next refund of the order is a new attempt. */
  answered(attempt: A): void {
    this.#unanswered.delete(attempt.mchOrderId);
  }

  /** No answer came: the attempt stays, to be sent again as it is. */
  lost(attempt: A): void {
    this.#unanswered.set(attempt.mchOrderId, attempt);
  }
}

function newRefundId(): string {
  return crypto.randomUUID().replaceAll('-', '');
}
