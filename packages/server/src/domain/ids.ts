import { randomBytes, randomInt } from 'node:crypto';
import { compactWireTime, MCH_ID } from '@micropay/protocol';

/**
 * Identifiers. Everything a customer or merchant could guess and abuse (payment codes, keys,
 * wallet ids) comes from the CSPRNG; order ids only need to be unique.
 */

/** Payment codes start with 39, as the spec's example does; other schemes use 10–15, 25–30, 62. */
export const PAY_CODE_PREFIX = '39';

/** MicroPay's order id as the ids below draw it (`4`, yyyyMMddHHmmss, 7 digits): the wire's wavpayOrderId. */
export const MICROPAY_ORDER_ID = /^4[0-9]{21}$/;

export function newPayCode(): string {
  return PAY_CODE_PREFIX + digits(16);
}

export function newWalletId(): string {
  return '60' + digits(10);
}

/**
 * Why `mchId` cannot be a merchant's id, or null when it can. The rule is the API's own field rule
 * for mchId (1 to 19 digits, not starting with 0), so an imported merchant can always call the API;
 * generated ids (below) and the spec's example 202006001 follow it.
 */
export function merchantIdProblem(mchId: string): string | null {
  if (MCH_ID.test(mchId)) return null;
  return 'a merchant id is 1 to 19 digits and does not start with 0 (like 202006001)';
}

/**
 * The ids a new merchant may be given, in the order a store tries them until one is free.
 * They read like the spec's example (202006001): the month the merchant joined (yyyyMM, platform
 * time zone) and a sequence of at least three digits, starting after the `takenThisMonth` ids that
 * already carry the month's prefix. A store skips every candidate that is taken, so an imported
 * merchant's id is never given again, whatever it looks like.
 */
export function* merchantIdCandidates(nowMs: number, timeZone: string, takenThisMonth: number): Generator<string> {
  const prefix = merchantIdPrefix(nowMs, timeZone);
  for (let seq = takenThisMonth + 1; ; seq++) yield prefix + String(seq).padStart(3, '0');
}

/** The month part every id generated at `nowMs` starts with; stores count the ids that carry it. */
export function merchantIdPrefix(nowMs: number, timeZone: string): string {
  return compactWireTime(nowMs, timeZone).slice(0, 6);
}

const BASE62 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';

/** 32 base62 characters: about 190 bits, in the same alphabet as the spec's example key. */
export function newApiKey(): string {
  let key = '';
  while (key.length < 32) {
    for (const byte of randomBytes(48)) {
      // 248 = 4 × 62: rejecting the bytes above it keeps every character equally likely.
      if (byte < 248 && key.length < 32) key += BASE62[byte % 62];
    }
  }
  return key;
}

function digits(count: number): string {
  let out = '';
  while (out.length < count) {
    const chunk = Math.min(8, count - out.length);
    out += String(randomInt(0, 10 ** chunk)).padStart(chunk, '0');
  }
  return out;
}

/**
 * wavpayOrderId: `4` + `yyyyMMddHHmmss` (platform time zone) + 7 digits, 22 digits in all.
 * The 7 digits are a per-process counter that starts at a random point, so one process never
 * repeats an id within a second unless it makes ten million orders in it; the database's primary
 * key catches the rare clash between processes (PostgreSQL) and the store retries with the next id.
 */
export class OrderIdSource {
  #counter = randomInt(0, 10_000_000);

  constructor(private readonly timeZone: string) {}

  next(nowMs: number): string {
    this.#counter = (this.#counter + 1) % 10_000_000;
    return '4' + compactWireTime(nowMs, this.timeZone) + String(this.#counter).padStart(7, '0');
  }
}

/**
 * refundId: the same shape as wavpayOrderId but starting with `5` (`5` + `yyyyMMddHHmmss` + 7
 * digits), so the two kinds of id can never be mistaken for each other in a statement or a log.
 * An id another process drew already is caught by the refunds' primary key, and the store runs
 * the request again with the next id (store/id-clash.ts, the same rule on both stores).
 */
export class RefundIdSource {
  #counter = randomInt(0, 10_000_000);

  constructor(private readonly timeZone: string) {}

  next(nowMs: number): string {
    this.#counter = (this.#counter + 1) % 10_000_000;
    return '5' + compactWireTime(nowMs, this.timeZone) + String(this.#counter).padStart(7, '0');
  }
}

/**
 * payoutId: the same shape again, starting with `6` (`6` + `yyyyMMddHHmmss` + 7 digits); a clash
 * between processes is caught by the payouts' primary key and retried like a refund id's.
 */
export class PayoutIdSource {
  #counter = randomInt(0, 10_000_000);

  constructor(private readonly timeZone: string) {}

  next(nowMs: number): string {
    this.#counter = (this.#counter + 1) % 10_000_000;
    return '6' + compactWireTime(nowMs, this.timeZone) + String(this.#counter).padStart(7, '0');
  }
}
