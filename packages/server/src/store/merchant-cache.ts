import type { Merchant } from '../domain/model.js';

/**
 * How long an active merchant's keys and status are reused without reading the store again. A
 * change made by this process (disable, enable, rename, notify URL, a key roll, the first use of a
 * rolled key) drops the entry at once; a change made by another process (the CLI, another server)
 * applies within this time — except to payments, which read the merchant's status again inside
 * their own transaction. So a key rolled from the CLI verifies on every server within this time,
 * and until then a server may still answer a request signed with the previous key with the
 * previous key, even if another server has just seen the new key's first use.
 */
export const MERCHANT_CACHE_TTL_MS = 1_000;

/** Entries kept at most; the oldest go first. */
const MAX_ENTRIES = 10_000;

/**
 * The merchants the API authenticates requests with, so a payment does not read the merchant
 * row (a database round trip on PostgreSQL) before it is even queued. Only active merchants are
 * kept: a disabled or unknown merchant is read again on every request, so enabling or creating
 * one takes effect at once.
 */
export class MerchantCache {
  readonly #entries = new Map<string, { merchant: Merchant; untilMs: number }>();

  constructor(private readonly ttlMs: number = MERCHANT_CACHE_TTL_MS) {}

  async get(mchId: string, nowMs: number, load: (mchId: string) => Promise<Merchant | null>): Promise<Merchant | null> {
    const hit = this.#entries.get(mchId);
    if (hit !== undefined && hit.untilMs > nowMs) return hit.merchant;
    const merchant = await load(mchId);
    if (merchant === null || merchant.status !== 'active') {
      this.#entries.delete(mchId);
      return merchant;
    }
    if (this.#entries.size >= MAX_ENTRIES) this.#entries.delete(this.#entries.keys().next().value!);
    this.#entries.delete(mchId);
    this.#entries.set(mchId, { merchant, untilMs: nowMs + this.ttlMs });
    return merchant;
  }

  forget(mchId: string): void {
    this.#entries.delete(mchId);
  }
}
