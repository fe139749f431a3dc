import type { PaymentDecision } from '../domain/payment.js';

/**
 * Most payments a store holds waiting to be written (queued for a batch or in one) before it turns
 * new ones away. Far above what a server has waiting at its best rate (a batch is written in
 * milliseconds), it bounds memory and every waiting merchant's wait when the database stalls.
 */
export const MAX_WAITING_PAYMENTS = 10_000;

/** The answer to a payment that finds the queue full: nothing recorded (9007, docs/errors.md). */
export const PLATFORM_BUSY: PaymentDecision = { kind: 'rejected', reason: 'PLATFORM_BUSY' };

/** Counts the payments a store holds; one comparison decides whether another may wait. */
export class WaitingPayments {
  #count = 0;

  constructor(readonly limit: number = MAX_WAITING_PAYMENTS) {}

  /** Takes a place for one payment; false when the queue is full (the payment must not wait). */
  admit(): boolean {
    if (this.#count >= this.limit) return false;
    this.#count += 1;
    return true;
  }

  /** The payments were answered (whatever the answer): their places are free again. */
  release(count = 1): void {
    this.#count -= count;
  }
}
