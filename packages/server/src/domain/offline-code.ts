import { createCipheriv, createHmac, randomBytes, randomInt, timingSafeEqual } from 'node:crypto';
import { inspect } from 'node:util';
import type { Effect } from './effects.js';
import {
  assembleOfflineCode,
  counterInWindow,
  enrolmentEnded,
  offlineOtpMessage,
  OFFLINE_STEP_MS,
  parseOfflineCode,
  signOutProofMessage,
  truncateOtp,
  type OfflineDevice,
} from '@micropay/protocol';

/**
 * Offline payment codes, the platform's side (docs/offline-codes.md): the device tag is a keyed
 * permutation of the device's index (a 10-round Feistel network over 8 decimal digits), device
 * secrets are derived from the platform's offline-code key, and a code is checked against the
 * device and the wallet's last accepted counter. Pure: the store reads, this decides.
 */

/** A wallet device enrolled for offline codes; its index is its primary key and never reused. */
export interface WalletDevice {
  /** 0 to 99,999,999; random, so the number of devices is not told by the indexes. */
  readonly deviceIndex: number;
  readonly walletId: string;
  readonly status: 'active' | 'revoked';
  /** Random, hex: mixed into the secret's derivation, so a restored backup never re-issues a secret. */
  readonly salt: string;
  readonly label: string;
  readonly createdAtMs: number;
  readonly revokedAtMs: number | null;
  /** From this moment its codes pay no more, unless the holder renewed it online before (renewDevice). */
  readonly expiresAtMs: number;
  /**
   * The wallet page's session that enrolled or last renewed it; null: an app or the CLI. Revoking
   * the device ends that session, so "sign out that browser" ends both its codes and its page.
   */
  readonly sessionHash: string | null;
}

/** What a device is now: revoked stays revoked; an active one past its expiry is expired, and stays so. */
export type DeviceStanding = 'active' | 'expired' | 'revoked';

export function deviceStanding(device: Pick<WalletDevice, 'status' | 'expiresAtMs'>, nowMs: number): DeviceStanding {
  if (device.status === 'revoked') return 'revoked';
  return enrolmentEnded(device.expiresAtMs, nowMs) ? 'expired' : 'active';
}

/**
 * Devices of one wallet that may make codes at once. Enough for a holder's phones, tablets and
 * browsers; it bounds what one stolen token can enrol, and with it the guessing bound, which grows
 * with the number of devices (docs/offline-codes.md, "Guessing").
 */
export const MAX_ACTIVE_DEVICES = 10;

/** How long an enrolment or renewal lasts unless the operator sets MICROPAY_OFFLINE_DEVICE_DAYS. */
export const DEFAULT_DEVICE_LIFETIME_DAYS = 7;
export const DAY_MS = 86_400_000;

export const DEVICE_INDEX_LIMIT = 100_000_000;
const HALF = 10_000;
const ROUNDS = 10;

/** The platform's offline-code key (32 random bytes) and the keys derived from it. */
export class OfflineCodeKey {
  readonly #key: Buffer;
  readonly #tagKey: Buffer;
  #table: Uint16Array | undefined;

  constructor(key: Buffer) {
    if (key.length !== 32) throw new RangeError('the offline-code key is 32 bytes');
    this.#key = key;
    this.#tagKey = hmac(key, Buffer.from('micropay offline tag key v1'));
  }

  static generate(): OfflineCodeKey {
    return new OfflineCodeKey(randomBytes(32));
  }

  /** The key's bytes, to seal under the master key (never logged or answered). */
  expose(): Buffer {
    return this.#key;
  }

  toString(): string {
    return 'OfflineCodeKey(***)';
  }

  toJSON(): string {
    return this.toString();
  }

  [inspect.custom](): string {
    return this.toString();
  }

  /** The device's secret: HMAC(key, "micropay offline device secret v1|" ‖ index ‖ "|" ‖ salt). */
  deviceSecret(device: Pick<WalletDevice, 'deviceIndex' | 'salt'>): Buffer {
    return hmac(this.#key, Buffer.from(`micropay offline device secret v1|${device.deviceIndex}|${device.salt}`));
  }

  /** The 8-digit tag that stands for the device in its codes. */
  tagOf(deviceIndex: number): string {
    let [l, r] = [Math.floor(deviceIndex / HALF), deviceIndex % HALF];
    for (let round = 0; round < ROUNDS; round++) [l, r] = [r, (l + this.#round(round, r)) % HALF];
    return pad4(l) + pad4(r);
  }

  /** The device index a tag stands for (the permutation's inverse). */
  indexOf(tag: string): number {
    let [l, r] = [Number(tag.slice(0, 4)), Number(tag.slice(4, 8))];
    for (let round = ROUNDS - 1; round >= 0; round--) [l, r] = [(r - this.#round(round, l) + HALF) % HALF, l];
    return l * HALF + r;
  }

  /**
   * Round function: entry `round × 10,000 + half` of a table read from the AES-256-CTR keystream
   * under the tag key (IV 0), 4 bytes big-endian per entry, mod 10,000. The domain is small (10
   * rounds × 10,000 halves), so the table is made once, on first use, in about a millisecond, and
   * a payment's decode is ten lookups instead of ten HMACs (measured: ~100 µs on a loaded VM).
   */
  #round(round: number, half: number): number {
    this.#table ??= roundTable(this.#tagKey);
    return this.#table[round * HALF + half]!;
  }

  /** What the device is given at enrolment (and keeps in its device file). */
  deviceCredentials(device: Pick<WalletDevice, 'deviceIndex' | 'salt'>): OfflineDevice {
    return { deviceTag: this.tagOf(device.deviceIndex), deviceSecret: this.deviceSecret(device).toString('base64url') };
  }
}

/** A fresh device's index and salt (the store retries with another index on a clash). */
export function newDeviceIdentity(): { deviceIndex: number; salt: string } {
  return { deviceIndex: randomInt(0, DEVICE_INDEX_LIMIT), salt: randomBytes(16).toString('hex') };
}

/** The code a device shows for `counter`, computed synchronously (tests, the CLI's cross-check). */
export function offlineCodeSync(device: OfflineDevice, counter: number): string {
  return assembleOfflineCode(device.deviceTag, counter, otpOf(Buffer.from(device.deviceSecret, 'base64url'), device.deviceTag, counter));
}

/** The one-time part (docs/offline-codes.md): HMAC-SHA-256 under the secret, truncated to 7 digits. */
function otpOf(secret: Buffer, tag: string, counter: number): string {
  return truncateOtp(hmac(secret, Buffer.from(offlineOtpMessage(tag, counter))));
}

/** Why an offline code cannot pay; every one is answered 1036, so a guesser learns nothing. */
export type OfflineRefusal = 'NO_DEVICE' | 'OUTSIDE_WINDOW' | 'WRONG_CODE' | 'REVOKED' | 'EXPIRED' | 'REPLAYED' | 'RATE_LIMITED';

export type OfflineCheck =
  | { readonly ok: true; readonly deviceIndex: number; readonly counter: number }
  | { readonly ok: false; readonly reason: OfflineRefusal; readonly deviceIndex: number | null };

/** What the store found for a code's tag: the device, and its wallet's last accepted counter. */
export interface OfflineLookup {
  readonly device: WalletDevice | null;
  readonly lastCounter: number;
}

/**
 * The check, in this order: a device under the tag, the counter within the window, the one-time
 * part (constant time), the device neither revoked nor expired, and the counter above the wallet's
 * last accepted one (a later code retires every earlier one).
 */
export function checkOfflineCode(key: OfflineCodeKey, code: string, found: OfflineLookup, nowMs: number): OfflineCheck {
  const parsed = parseOfflineCode(code);
  const device = found.device;
  if (parsed === null || device === null) return { ok: false, reason: 'NO_DEVICE', deviceIndex: null };
  const refuse = (reason: OfflineRefusal): OfflineCheck => ({ ok: false, reason, deviceIndex: device.deviceIndex });
  const counter = counterInWindow(parsed.counterDigit, nowMs);
  if (counter === null) return refuse('OUTSIDE_WINDOW');
  // The tag is the device's (the permutation maps it to this index and back), so it is not recomputed.
  const expected = assembleOfflineCode(parsed.tag, counter, otpOf(key.deviceSecret(device), parsed.tag, counter));
  if (!timingSafeEqual(Buffer.from(expected), Buffer.from(code))) return refuse('WRONG_CODE');
  const standing = deviceStanding(device, nowMs);
  if (standing !== 'active') return refuse(standing === 'revoked' ? 'REVOKED' : 'EXPIRED');
  if (counter <= found.lastCounter) return refuse('REPLAYED');
  return { ok: true, deviceIndex: device.deviceIndex, counter };
}

/** When the window around `counter` closes: the latest moment its code could still pay. */
export function offlineCodeExpiresAtMs(counter: number): number {
  return (counter + 1) * OFFLINE_STEP_MS;
}

function roundTable(tagKey: Buffer): Uint16Array {
  const cipher = createCipheriv('aes-256-ctr', tagKey, Buffer.alloc(16));
  const stream = Buffer.concat([cipher.update(Buffer.alloc(ROUNDS * HALF * 4)), cipher.final()]);
  const table = new Uint16Array(ROUNDS * HALF);
  for (let i = 0; i < table.length; i++) table[i] = stream.readUInt32BE(4 * i) % HALF;
  return table;
}

function hmac(key: Buffer, message: Buffer): Buffer {
  return createHmac('sha256', key).update(message).digest();
}

function pad4(n: number): string {
  return String(n).padStart(4, '0');
}

/** The wire form of a device id: its index, 8 digits. It is not in the device's codes (they carry the tag). */
export function deviceIdOf(deviceIndex: number): string {
  return String(deviceIndex).padStart(8, '0');
}

/** Longest device label (the wallet app's name for the phone, shown in `micropay wallet devices`). */
export const DEVICE_LABEL_MAX = 64;
// The typographic apostrophe too: phone keyboards type it for '.
const DEVICE_LABEL = /^[\p{L}\p{N} ._'\u2019()-]+$/u;

/** Why `label` cannot name a device, or null when it can (the wallet API, the page and the CLI alike). */
export function deviceLabelProblem(label: string): string | null {
  if (label.length <= DEVICE_LABEL_MAX && DEVICE_LABEL.test(label)) return null;
  return `must be up to ${DEVICE_LABEL_MAX} letters, digits, spaces and . _ ' \u2019 ( ) -`;
}

/**
 * Enrolment: an active wallet gets a new device; a frozen or closed one none (its codes could not
 * pay). The secret is not part of the effects: it is derived, so nothing secret is written.
 */
/** What an enrolment or a renewal asks for: how long it lasts, and the page session it comes from (null: none). */
export interface DeviceTerms {
  readonly lifetimeMs: number;
  readonly sessionHash: string | null;
}

export function enrolDevice(
  wallet: { readonly walletId: string; readonly status: string },
  devices: readonly WalletDevice[],
  label: string,
  terms: DeviceTerms,
  nowMs: number,
  identity = newDeviceIdentity(),
): { device: WalletDevice; effects: Effect[] } | 'WALLET_FROZEN' | 'WALLET_CLOSED' | 'TOO_MANY_DEVICES' {
  if (wallet.status !== 'active') return wallet.status === 'closed' ? 'WALLET_CLOSED' : 'WALLET_FROZEN';
  if (devices.filter((d) => deviceStanding(d, nowMs) === 'active').length >= MAX_ACTIVE_DEVICES) return 'TOO_MANY_DEVICES';
  const device: WalletDevice = {
    ...identity, walletId: wallet.walletId, status: 'active', label, createdAtMs: nowMs, revokedAtMs: null,
    expiresAtMs: nowMs + terms.lifetimeMs, sessionHash: terms.sessionHash,
  };
  return { device, effects: [{ kind: 'insertDevice', device }] };
}

/** Whether `proof` is the device's own sign-out proof (`deviceSignOutProof`), compared in constant time. */
export function isSignOutProof(key: OfflineCodeKey, device: Pick<WalletDevice, 'deviceIndex' | 'salt'>, proof: string): boolean {
  const expected = hmac(key.deviceSecret(device), Buffer.from(signOutProofMessage(deviceIdOf(device.deviceIndex))));
  const given = Buffer.from(proof, 'base64url');
  return given.length === expected.length && timingSafeEqual(given, expected);
}

/**
 * A revocation of the wallet's device `deviceIndex`, or of all its devices (null): every one not
 * revoked yet (expired ones too: nothing they could do is left, but their rows then say revoked),
 * and the page sessions they were enrolled or renewed in. Nothing to end is no change (and no
 * audit row); a device that is not the wallet's is NO_DEVICE.
 */
export function revokeDevices(
  walletId: string, devices: readonly WalletDevice[], deviceIndex: number | null, nowMs: number,
): { ended: number; effects: Effect[] } | 'NO_DEVICE' {
  if (deviceIndex !== null && !devices.some((d) => d.deviceIndex === deviceIndex)) return 'NO_DEVICE';
  const ending = devices.filter((d) => d.status === 'active' && (deviceIndex === null || d.deviceIndex === deviceIndex));
  if (ending.length === 0) return { ended: 0, effects: [] };
  const sessions = ending.flatMap((d) => (d.sessionHash === null ? [] : [{ kind: 'endPageSession' as const, sessionHash: d.sessionHash }]));
  return { ended: ending.length, effects: [{ kind: 'revokeDevices', walletId, deviceIndex, atMs: nowMs }, ...sessions] };
}

export type RenewRefusal = 'NO_DEVICE' | 'REVOKED' | 'EXPIRED' | 'WALLET_FROZEN' | 'WALLET_CLOSED';

/**
 * Renewal: the holder, signed in and online, extends an active device's enrolment by the lifetime
 * from now. An expired or revoked device is not brought back (the holder enrols again), so a
 * device the holder stopped using stays dead however its secret was copied.
 */
export function renewDevice(
  wallet: { readonly status: string },
  device: WalletDevice | undefined,
  terms: DeviceTerms,
  nowMs: number,
): { device: WalletDevice; effects: Effect[] } | RenewRefusal {
  if (wallet.status !== 'active') return wallet.status === 'closed' ? 'WALLET_CLOSED' : 'WALLET_FROZEN';
  if (device === undefined) return 'NO_DEVICE';
  const standing = deviceStanding(device, nowMs);
  if (standing !== 'active') return standing === 'revoked' ? 'REVOKED' : 'EXPIRED';
  const renewed = { ...device, expiresAtMs: nowMs + terms.lifetimeMs, sessionHash: terms.sessionHash ?? device.sessionHash };
  const { walletId, deviceIndex, expiresAtMs } = renewed;
  return { device: renewed, effects: [{ kind: 'renewDevice', walletId, deviceIndex, expiresAtMs, sessionHash: terms.sessionHash }] };
}
