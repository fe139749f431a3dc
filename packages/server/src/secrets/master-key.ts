import { createHmac, randomBytes } from 'node:crypto';
import { inspect } from 'node:util';

/**
 * The master key that merchant keys are encrypted under at rest (docs/operations.md, "Secrets at
 * rest"): 32 random bytes, written as base64 (44 characters) or hex (64). Its id, derived from the
 * key by HMAC, is stored beside every ciphertext, so a store knows which key it needs and a
 * rotation knows what is left to re-encrypt; the id reveals nothing of the key. Like Secret, a
 * MasterKey prints masked everywhere.
 */
export class MasterKey {
  readonly #bytes: Buffer;
  /** `mk-` and 16 hex digits; safe to print and log. */
  readonly id: string;

  private constructor(bytes: Buffer) {
    this.#bytes = bytes;
    this.id = `mk-${createHmac('sha256', bytes).update('micropay master key id').digest('hex').slice(0, 16)}`;
  }

  /** The key's bytes, for the cipher only. */
  expose(): Buffer {
    return this.#bytes;
  }

  /** A written key, or null when it is not 32 bytes in base64 or hex (the text is never repeated). */
  static parse(text: string): MasterKey | null {
    const trimmed = text.trim();
    if (/^[0-9a-fA-F]{64}$/.test(trimmed)) return new MasterKey(Buffer.from(trimmed, 'hex'));
    if (/^[A-Za-z0-9+/]{43}=$/.test(trimmed)) return new MasterKey(Buffer.from(trimmed, 'base64'));
    return null;
  }

  /** A new key from the CSPRNG, as base64 text (what `micropay master-key generate` prints). */
  static generate(): string {
    return randomBytes(32).toString('base64');
  }

  toString(): string {
    return `MasterKey(${this.id})`;
  }

  toJSON(): string {
    return this.toString();
  }

  [inspect.custom](): string {
    return this.toString();
  }
}

/** What a valid master key looks like, for messages (never the value that was given). */
export const MASTER_KEY_FORMAT = '32 random bytes in base64 (44 characters) or hex (64 characters), e.g. from `micropay master-key generate` or `openssl rand -base64 32`';

/** What to do without MICROPAY_MASTER_KEY, said once for every message about it (never a key). */
export const MASTER_KEY_MISSING = 'MICROPAY_MASTER_KEY is not set';
export const MASTER_KEY_HOW_TO = 'set it to the key this store was set up with; a new store takes one from `micropay master-key generate`, kept in your secret store: docs/operations.md#secrets-at-rest';
