/**
 * Sign-in attempts, limited per client address and per account (docs/consoles.md, "Sign-in
 * limits"): token buckets checked before the slow password hash, so guesses cost the platform a
 * map lookup once a bucket is empty, not a scrypt each. Every attempt takes a token from both
 * buckets, right or wrong: the hash is the cost being bounded. The lockout (credentials.ts
 * isAccountLocked) is the account's own rule on top; these only pace.
 *
 * Per server process and in memory: with P processes a client gets P times these. Memory is
 * bounded: each map keeps at most `maxKeys` buckets and forgets the least recently used one first
 * (a bucket untouched that long has refilled, so forgetting it loses nothing).
 */
export interface BucketRule {
  /** Attempts that may come at once. */
  readonly burst: number;
  /** One more attempt every this many milliseconds, up to `burst`. */
  readonly refillMs: number;
}

/**
 * From one address: `perMinute` at once, then one every 60 s / perMinute (MICROPAY_SIGN_IN_PER_ADDRESS,
 * default 10: one every 6 s). Behind a reverse proxy every client has the proxy's address, so raise it there.
 */
export function perAddress(perMinute: number): BucketRule {
  return { burst: perMinute, refillMs: Math.max(1, Math.floor(60_000 / perMinute)) };
}

/** For one account named (a user, operator or wallet): `perFiveMinutes` at once, then one every 300 s / that (default 10: every 30 s). */
export function perAccount(perFiveMinutes: number): BucketRule {
  return { burst: perFiveMinutes, refillMs: Math.max(1, Math.floor(300_000 / perFiveMinutes)) };
}
/** Buckets each map holds at most (about 100 bytes each). */
export const MAX_BUCKETS = 10_000;

/** Refused: how long to wait, and whose pace refused it (the address's, or else the account's). */
export type SignInPermit = { readonly ok: true } | { readonly ok: false; readonly retryAfterMs: number; readonly by: 'address' | 'account' };

interface Bucket {
  tokens: number;
  atMs: number;
}

class Buckets {
  readonly #map = new Map<string, Bucket>();

  constructor(private readonly rule: BucketRule, private readonly maxKeys: number) {}

  get size(): number {
    return this.#map.size;
  }

  /** The bucket refilled to `nowMs` (a new one full), moved to the recent end of the map. */
  current(key: string, nowMs: number): Bucket {
    const found = this.#map.get(key);
    const bucket = found ?? { tokens: this.rule.burst, atMs: nowMs };
    if (found !== undefined) {
      const refills = Math.floor(Math.max(0, nowMs - bucket.atMs) / this.rule.refillMs);
      bucket.tokens = Math.min(this.rule.burst, bucket.tokens + refills);
      // Time not yet worth a token is kept; a full bucket starts its wait now.
      bucket.atMs = bucket.tokens === this.rule.burst ? nowMs : bucket.atMs + refills * this.rule.refillMs;
      this.#map.delete(key);
    }
    this.#map.set(key, bucket);
    if (this.#map.size > this.maxKeys) this.#map.delete(this.#map.keys().next().value!);
    return bucket;
  }

  /** How long until the bucket holds a token again. */
  waitMs(bucket: Bucket, nowMs: number): number {
    return bucket.tokens >= 1 ? 0 : bucket.atMs + this.rule.refillMs - nowMs;
  }
}

export class SignInLimits {
  readonly #byAddress: Buckets;
  readonly #byAccount: Buckets;

  constructor(byAddress: BucketRule = perAddress(10), byAccount: BucketRule = perAccount(10), maxKeys = MAX_BUCKETS) {
    this.#byAddress = new Buckets(byAddress, maxKeys);
    this.#byAccount = new Buckets(byAccount, maxKeys);
  }

  /**
   * Takes one attempt for `account` from `address`, or answers how long to wait. A refused attempt
   * takes nothing from either bucket, so an address that is turned away cannot drain an account's.
   */
  take(address: string, account: string, nowMs: number): SignInPermit {
    const fromAddress = this.#byAddress.current(address, nowMs);
    const forAccount = this.#byAccount.current(account, nowMs);
    const addressWaitMs = this.#byAddress.waitMs(fromAddress, nowMs);
    const waitMs = Math.max(addressWaitMs, this.#byAccount.waitMs(forAccount, nowMs));
    if (waitMs > 0) return { ok: false, retryAfterMs: waitMs, by: addressWaitMs > 0 ? 'address' : 'account' };
    fromAddress.tokens -= 1;
    forAccount.tokens -= 1;
    return { ok: true };
  }

  /** Buckets held now, per address and per account (bounded by `maxKeys` each). */
  get sizes(): { readonly addresses: number; readonly accounts: number } {
    return { addresses: this.#byAddress.size, accounts: this.#byAccount.size };
  }
}

/**
 * The bucket an address is counted in: an IPv4 address itself (also when IPv6-mapped), an IPv6
 * address's /64, since one client is usually given a whole /64 and could walk through it.
 */
export function addressKey(address: string | null | undefined): string {
  if (address === null || address === undefined || address === '') return 'unknown';
  const bare = address.replace(/%.*$/, '');
  const mapped = /^::ffff:(\d{1,3}(?:\.\d{1,3}){3})$/i.exec(bare);
  if (mapped !== null) return mapped[1]!;
  if (!bare.includes(':')) return bare;
  const [head = '', tail] = bare.split('::');
  const front = head === '' ? [] : head.split(':');
  const back = tail === undefined || tail === '' ? [] : tail.split(':');
  const groups = tail === undefined ? front : [...front, ...Array<string>(Math.max(0, 8 - front.length - back.length)).fill('0'), ...back];
  return `${groups.slice(0, 4).map((g) => (Number.parseInt(g, 16) || 0).toString(16)).join(':')}::/64`;
}
