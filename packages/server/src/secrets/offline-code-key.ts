import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { OfflineCodeKey } from '../domain/offline-code.js';
import type { MasterKey } from './master-key.js';
import { MasterKeyError, type MerchantKeyVault } from './merchant-key-vault.js';

/**
 * The platform's offline-code key at rest (docs/offline-codes.md): one setting, AES-256-GCM under
 * the master key like merchant keys, stored as `masterKeyId:base64(nonce ‖ ciphertext ‖ tag)`.
 * Made on first need; opened once per process, with the current master key or a rotation's old or
 * next one; `micropay rotate-master-key` seals it again under the new key (resealOfflineKey).
 */
const AAD = Buffer.from('micropay offline code key v1', 'utf8');
const NONCE_BYTES = 12;
const TAG_BYTES = 16;

export interface OpenedOfflineKey {
  readonly key: OfflineCodeKey;
  /** A new key's setting, to store (null: the key was stored already). */
  readonly reseal: string | null;
}

/**
 * The key from the stored setting (or a new one when there is none). Null: no master key to open
 * or seal it with, so offline codes are off (every one is refused, enrolment answers so).
 */
export function openOfflineKey(vault: MerchantKeyVault, stored: string | null): OpenedOfflineKey | null {
  const current = vault.current;
  if (current === null) return null;
  if (stored === null) {
    const key = OfflineCodeKey.generate();
    return { key, reseal: seal(current, key) };
  }
  const [id, body] = stored.split(':', 2) as [string, string | undefined];
  const master = [current, ...vault.openOnlyKeys].find((k) => k.id === id);
  if (master === undefined || body === undefined) {
    throw new MasterKeyError(`cannot open the offline-code key: it is encrypted under master key ${id}, which is not given (docs/operations.md#rotating-the-master-key)`);
  }
  return { key: new OfflineCodeKey(unseal(master, body)), reseal: null };
}

/**
 * The rotation's step (`micropay rotate-master-key`): the stored setting sealed again under the
 * current master key, or null when it is under it already or there is none. A process that opened
 * the key keeps using it: its bytes do not change.
 */
export function resealOfflineKey(vault: MerchantKeyVault, stored: string | null): string | null {
  if (stored === null || vault.current === null || stored.startsWith(`${vault.current.id}:`)) return null;
  return seal(vault.current, openOfflineKey(vault, stored)!.key);
}

function seal(master: MasterKey, key: OfflineCodeKey): string {
  const nonce = randomBytes(NONCE_BYTES);
  const cipher = createCipheriv('aes-256-gcm', master.expose(), nonce);
  cipher.setAAD(AAD);
  const body = Buffer.concat([cipher.update(key.expose()), cipher.final()]);
  return `${master.id}:${Buffer.concat([nonce, body, cipher.getAuthTag()]).toString('base64')}`;
}

function unseal(master: MasterKey, body: string): Buffer {
  const raw = Buffer.from(body, 'base64');
  try {
    if (raw.length !== NONCE_BYTES + 32 + TAG_BYTES) throw new Error('not a sealed 32-byte key');
    const decipher = createDecipheriv('aes-256-gcm', master.expose(), raw.subarray(0, NONCE_BYTES), { authTagLength: TAG_BYTES });
    decipher.setAAD(AAD);
    decipher.setAuthTag(raw.subarray(raw.length - TAG_BYTES));
    return Buffer.concat([decipher.update(raw.subarray(NONCE_BYTES, raw.length - TAG_BYTES)), decipher.final()]);
  } catch {
    throw new MasterKeyError(`the offline-code key does not decrypt under master key ${master.id}: the setting was altered`);
  }
}
