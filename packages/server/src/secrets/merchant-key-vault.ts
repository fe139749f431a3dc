import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { Secret } from '@micropay/protocol';
import type { Merchant } from '../domain/model.js';
import { MASTER_KEY_HOW_TO, MASTER_KEY_MISSING, type MasterKey } from './master-key.js';

/** Which of a merchant's two keys a ciphertext holds: part of its associated data. */
export type MerchantKeySlot = 'current' | 'previous';

/** A merchant's key columns as stored: ciphertexts, and the id of the master key they are under. */
export interface SealedMerchantKeys {
  readonly masterKeyId: string;
  readonly apiKey: string;
  readonly previousApiKey: string | null;
}

/**
 * A master-key problem: missing, wrong, or a ciphertext that does not open. Its message names key
 * ids and merchant ids only, never a key.
 */
export class MasterKeyError extends Error {
  override name = 'MasterKeyError';
}

const NONCE_BYTES = 12;
const TAG_BYTES = 16;

/**
 * Seals merchant keys for the store and opens them again, in memory only: AES-256-GCM under the
 * current master key, a random 96-bit nonce per ciphertext, and the merchant id and key slot as
 * associated data, so a ciphertext copied to another merchant (or from the previous key's column
 * to the current one's) fails to open. Stored as base64(nonce ‖ ciphertext ‖ tag).
 *
 * `current` seals and opens; `openOnly` keys only open: the key being retired (during a rotation)
 * or the one about to replace `current` (before it, so every server reads what the rotation
 * writes). A vault with no current key can
 * still open keys written before the master-key migration (SQLite 8, PostgreSQL 9) (plain text, no master key id), and refuses all else.
 */
export class MerchantKeyVault {
  readonly #byId = new Map<string, MasterKey>();

  constructor(readonly current: MasterKey | null, openOnly: readonly (MasterKey | null)[] = []) {
    for (const key of [...openOnly, current]) if (key !== null) this.#byId.set(key.id, key);
  }

  /** The keys that only open (a rotation's old or next key), for the offline-code key's setting. */
  get openOnlyKeys(): MasterKey[] {
    return [...this.#byId.values()].filter((k) => k !== this.current);
  }

  /** The id new ciphertexts get; null without a master key. */
  get currentId(): string | null {
    return this.current?.id ?? null;
  }

  /** The merchant's keys, sealed under the current master key (both under the same one). */
  seal(merchant: Merchant): SealedMerchantKeys {
    const key = this.#sealingKey(`write the keys of merchant ${merchant.mchId}`);
    const sealOne = (slot: MerchantKeySlot, secret: Secret): string => sealWith(key, associatedData(merchant.mchId, slot), secret);
    return {
      masterKeyId: key.id,
      apiKey: sealOne('current', merchant.apiKey),
      previousApiKey: merchant.previousKey === null ? null : sealOne('previous', merchant.previousKey.key),
    };
  }

  /** Opens one stored key; `masterKeyId` null is a key stored in plain text before the master-key migration (SQLite 8, PostgreSQL 9). */
  open(mchId: string, slot: MerchantKeySlot, stored: string, masterKeyId: string | null): Secret {
    if (masterKeyId === null) return new Secret(stored);
    return this.#openWith(masterKeyId, associatedData(mchId, slot), stored, `the ${slot} key of merchant ${mchId}`, `read the keys of merchant ${mchId}`);
  }

  /**
   * An operator's TOTP secret (docs/consoles.md), sealed as merchant keys are, with the operator id
   * as associated data: there is no plain-text form of it, so a store without a master key has none.
   * `name`: the operator's sign-in name, for the message when there is no master key to seal with.
   */
  sealTotp(operatorId: string, secret: Secret, name = operatorId): { readonly masterKeyId: string; readonly sealed: string } {
    const key = this.#sealingKey(`write the TOTP secret of operator ${name}`);
    return { masterKeyId: key.id, sealed: sealWith(key, totpAssociatedData(operatorId), secret) };
  }

  /** `name`: the operator's sign-in name, for the message when it cannot be opened (the id means nothing to an operator). */
  openTotp(operatorId: string, sealed: string, masterKeyId: string, name = operatorId): Secret {
    return this.#openWith(masterKeyId, totpAssociatedData(operatorId), sealed, `the TOTP secret of operator ${name}`, `read the TOTP secret of operator ${name}`);
  }

  #sealingKey(action: string): MasterKey {
    if (this.current === null) throw missingMasterKey(action);
    return this.current;
  }

  #openWith(masterKeyId: string, aad: Buffer, stored: string, what: string, action: string): Secret {
    const key = this.#byId.get(masterKeyId);
    if (key === undefined) throw this.#unknownKey(masterKeyId, action);
    const raw = Buffer.from(stored, 'base64');
    try {
      // A whole 16-byte tag, never a shorter one (GCM accepts 4 bytes unless told: easier to forge).
      if (raw.length < NONCE_BYTES + TAG_BYTES) throw new Error('shorter than a nonce and a tag');
      const decipher = createDecipheriv('aes-256-gcm', key.expose(), raw.subarray(0, NONCE_BYTES), { authTagLength: TAG_BYTES });
      decipher.setAAD(aad);
      decipher.setAuthTag(raw.subarray(raw.length - TAG_BYTES));
      return new Secret(Buffer.concat([decipher.update(raw.subarray(NONCE_BYTES, raw.length - TAG_BYTES)), decipher.final()]).toString('utf8'));
    } catch {
      throw new MasterKeyError(`${what} does not decrypt under master key ${masterKeyId}: the row was altered or moved`);
    }
  }

  /**
   * Refuses master key ids found in the store that this vault cannot open (checked at every
   * start, so a wrong key stops the start instead of failing each merchant's requests).
   */
  checkCanOpen(idsInStore: readonly string[]): void {
    if (this.current === null) return;
    const unknown = idsInStore.filter((id) => !this.#byId.has(id));
    if (unknown.length > 0) throw this.#unknownKey(unknown.join(', '), 'open this store');
  }

  #unknownKey(needed: string, action: string): MasterKeyError {
    if (this.current === null) return missingMasterKey(action);
    const given = [...this.#byId.keys()].join(' and ');
    return new MasterKeyError(
      `cannot ${action}: the merchant keys are encrypted under master key ${needed}, but the master key given is ${given} ` +
        '(MICROPAY_MASTER_KEY must be the key they were encrypted under; during a rotation set MICROPAY_OLD_MASTER_KEY too: docs/operations.md#rotating-the-master-key)',
    );
  }
}

function missingMasterKey(action: string): MasterKeyError {
  return new MasterKeyError(
    `cannot ${action}: ${MASTER_KEY_MISSING}, and merchant keys and operators' TOTP secrets are stored encrypted under it (${MASTER_KEY_HOW_TO})`,
  );
}

/** AES-256-GCM under `key`, a random nonce, stored as base64(nonce ‖ ciphertext ‖ tag). */
function sealWith(key: MasterKey, aad: Buffer, secret: Secret): string {
  const nonce = randomBytes(NONCE_BYTES);
  const cipher = createCipheriv('aes-256-gcm', key.expose(), nonce);
  cipher.setAAD(aad);
  const body = Buffer.concat([cipher.update(secret.expose(), 'utf8'), cipher.final()]);
  return Buffer.concat([nonce, body, cipher.getAuthTag()]).toString('base64');
}

function totpAssociatedData(operatorId: string): Buffer {
  return Buffer.from(`micropay operator totp|${operatorId}`, 'utf8');
}

function associatedData(mchId: string, slot: MerchantKeySlot): Buffer {
  return Buffer.from(`micropay merchant key|${slot}|${mchId}`, 'utf8');
}
