/**
 * Offline payment codes (docs/offline-codes.md): the reference generator a wallet device runs with
 * no network, and the pieces the platform checks a code with. No Node module is imported here, so
 * the wallet page's browser bundle uses this file as it is (WebCrypto's HMAC, which is async); the
 * server computes the same HMAC synchronously with node:crypto and the same helpers.
 *
 *   code = "38" ‖ device tag (8 digits) ‖ counter mod 10 (1 digit) ‖ one-time part (7 digits)
 *
 * The counter is the 10-second time step since the epoch (RFC 6238 style), moved ahead one step
 * for each further code shown within a step. The one-time part is HMAC-SHA-256 under the device
 * secret over "MPOC1" ‖ the tag ‖ the counter (8 bytes, big-endian), truncated as RFC 4226 does.
 */

/** Offline codes start with 38; the platform's server-issued codes start with 39. */
export const OFFLINE_CODE_PREFIX = '38';
export const OFFLINE_CODE_LENGTH = 18;
/** The time step: a new counter every 10 seconds. */
export const OFFLINE_STEP_MS = 10_000;
/** Counters up to this many steps before or after the platform's own are accepted (±40 s). */
export const OFFLINE_WINDOW_STEPS = 4;
export const OFFLINE_TAG_DIGITS = 8;
export const OFFLINE_OTP_DIGITS = 7;

const CODE_SHAPE = /^38([0-9]{8})([0-9])([0-9]{7})$/;
const TAG_SHAPE = /^[0-9]{8}$/;
/** A device's id: 8 digits (its index). Not in its codes, which carry its tag. */
export const DEVICE_ID_SHAPE = /^[0-9]{8}$/;
/** A device secret or a sign-out proof: 32 bytes in base64url without padding. */
export const BASE64URL_32_BYTES = /^[A-Za-z0-9_-]{43}$/;
const DOMAIN = [0x4d, 0x50, 0x4f, 0x43, 0x31]; // "MPOC1"

/**
 * Whether a device's enrolment has ended at `nowMs`: from its expiry on (that instant included) its
 * codes are refused. The platform, the wallet page and the CLI's device file all ask this.
 */
export function enrolmentEnded(expiresAtMs: number, nowMs: number): boolean {
  return nowMs >= expiresAtMs;
}

/** What a wallet device keeps after enrolment (the device file of `micropay paycode --offline`). */
export interface OfflineDevice {
  /** The device's tag: 8 digits that the platform maps back to the device; not its id. */
  readonly deviceTag: string;
  /** 32 bytes, base64url without padding. A secret: it never leaves the device. */
  readonly deviceSecret: string;
}

/**
 * A device as the wallet API, the wallet page and the operator console list it, and as a renewal
 * answers it. Times are wire times in the platform's zone; `expiresAtMs` is the same instant as
 * `expiresAt`, for a device to compare with its own clock while offline.
 */
export interface DeviceListing {
  readonly deviceId: string;
  readonly label: string;
  /** expired: not renewed within its lifetime; revoked: signed out, revoked, or its wallet frozen. */
  readonly status: 'active' | 'expired' | 'revoked';
  readonly enrolledAt: string;
  readonly expiresAt: string;
  readonly expiresAtMs: string;
  readonly revokedAt: string | null;
}

/** Enrolment's answer: the listing, the device's tag and secret (once), and the scheme's constants. */
export interface EnrolledDevice extends OfflineDevice, DeviceListing {
  readonly codePrefix: string;
  readonly stepSeconds: string;
  readonly windowSteps: string;
}

export interface ParsedOfflineCode {
  readonly tag: string;
  readonly counterDigit: number;
  readonly otp: string;
}

export function isOfflineCode(code: string): boolean {
  return CODE_SHAPE.test(code);
}

/** The parts of a well-formed offline code, or null. */
export function parseOfflineCode(code: string): ParsedOfflineCode | null {
  const m = CODE_SHAPE.exec(code);
  return m === null ? null : { tag: m[1]!, counterDigit: Number(m[2]), otp: m[3]! };
}

/** The time step of `timeMs`. */
export function offlineStep(timeMs: number): number {
  return Math.floor(timeMs / OFFLINE_STEP_MS);
}

/**
 * The one counter within the window around `nowMs` that ends in `counterDigit`: the window has
 * 2 × 4 + 1 = 9 steps, fewer than 10, so there is never more than one (and none for one digit).
 */
export function counterInWindow(counterDigit: number, nowMs: number): number | null {
  const now = offlineStep(nowMs);
  for (let c = now - OFFLINE_WINDOW_STEPS; c <= now + OFFLINE_WINDOW_STEPS; c++) {
    if (c % 10 === counterDigit) return c;
  }
  return null;
}

/**
 * The counter of the next code a device shows: this step's, or one past the last code shown if
 * that was in this step already (a second payment within 10 s). Null when that would be beyond
 * the window ahead: the device waits for the clock instead of showing a code that cannot pay.
 */
export function nextOfflineCounter(nowMs: number, lastShown: number | null): number | null {
  const now = offlineStep(nowMs);
  const next = lastShown === null ? now : Math.max(now, lastShown + 1);
  return next <= now + OFFLINE_WINDOW_STEPS ? next : null;
}

/**
 * The counter a device shows when nobody asked for a new code (its screen renewing itself at each
 * step): the last one shown while that is not behind the clock (the holder asked for codes ahead),
 * else this step's. So a screen left on advances one counter per step, never faster, and never uses
 * up its window ahead. Null when the last one shown is beyond the window (the clock went back).
 */
export function keptOfflineCounter(nowMs: number, lastShown: number | null): number | null {
  const now = offlineStep(nowMs);
  if (lastShown === null || lastShown < now) return now;
  return lastShown <= now + OFFLINE_WINDOW_STEPS ? lastShown : null;
}

/** When the step of a code's counter ends: the moment a device's screen left on moves to its next code. */
export function offlineCodeEndsAtMs(counter: number): number {
  return (counter + 1) * OFFLINE_STEP_MS;
}

/**
 * When a device that last showed `lastShown` may show a later counter (nextOfflineCounter gives one
 * again): once its clock is within the window ahead of it. Seconds away when the holder asked for
 * codes ahead; longer when the device's clock went back.
 */
export function nextOfflineCodeAtMs(lastShown: number): number {
  return (lastShown - OFFLINE_WINDOW_STEPS + 1) * OFFLINE_STEP_MS;
}

/** The bytes the one-time part is the HMAC of: "MPOC1" ‖ tag (8 ASCII digits) ‖ counter (uint64 big-endian). */
export function offlineOtpMessage(tag: string, counter: number): Uint8Array {
  if (!TAG_SHAPE.test(tag)) throw new RangeError('a device tag is 8 digits');
  if (!Number.isSafeInteger(counter) || counter < 0) throw new RangeError('a counter is a whole number of steps, 0 or more');
  const out = new Uint8Array(DOMAIN.length + 8 + 8);
  out.set(DOMAIN, 0);
  for (let i = 0; i < 8; i++) out[DOMAIN.length + i] = tag.charCodeAt(i);
  let rest = BigInt(counter);
  for (let i = out.length - 1; i >= DOMAIN.length + 8; i--) {
    out[i] = Number(rest & 0xffn);
    rest >>= 8n;
  }
  return out;
}

/** RFC 4226 dynamic truncation of a 32-byte MAC to 7 digits (offset from the last byte's low 4 bits). */
export function truncateOtp(mac: Uint8Array): string {
  if (mac.length !== 32) throw new RangeError('an HMAC-SHA-256 is 32 bytes');
  const offset = mac[31]! & 0x0f;
  const bin = ((mac[offset]! & 0x7f) * 0x1000000) + (mac[offset + 1]! << 16) + (mac[offset + 2]! << 8) + mac[offset + 3]!;
  return String(bin % 10 ** OFFLINE_OTP_DIGITS).padStart(OFFLINE_OTP_DIGITS, '0');
}

/** The 18 digits of a code from its parts. */
export function assembleOfflineCode(tag: string, counter: number, otp: string): string {
  return OFFLINE_CODE_PREFIX + tag + String(counter % 10) + otp;
}

/** The device secret's bytes from its base64url text (32 bytes, or a RangeError). */
export function deviceSecretBytes(secret: string): Uint8Array {
  if (!BASE64URL_32_BYTES.test(secret)) throw new RangeError('a device secret is 32 bytes in base64url (43 characters)');
  const binary = atob(secret.replace(/-/g, '+').replace(/_/g, '/') + '=');
  return Uint8Array.from(binary, (ch) => ch.charCodeAt(0));
}

/** The WebCrypto HMAC-SHA-256 the generator uses by default (Node 20 and every current browser). */
export async function webCryptoHmac(key: Uint8Array, message: Uint8Array): Promise<Uint8Array> {
  const subtle = globalThis.crypto.subtle;
  const k = await subtle.importKey('raw', key, { name: 'HMAC', hash: 'SHA-256' }, false, ['sign']);
  return new Uint8Array(await subtle.sign('HMAC', k, message));
}

/**
 * The reference generator: the device's code for `counter`, computed locally with no network.
 * Pass `hmac` to use another HMAC-SHA-256 (the tests pass node:crypto's to cross-check).
 */
export async function offlinePayCode(
  device: OfflineDevice,
  counter: number,
  hmac: (key: Uint8Array, message: Uint8Array) => Promise<Uint8Array> = webCryptoHmac,
): Promise<string> {
  const mac = await hmac(deviceSecretBytes(device.deviceSecret), offlineOtpMessage(device.deviceTag, counter));
  return assembleOfflineCode(device.deviceTag, counter, truncateOtp(mac));
}


/** What a device signs to sign itself out with no session or token: "MPOC1 sign-out " ‖ its id (ASCII). */
export function signOutProofMessage(deviceId: string): Uint8Array {
  if (!DEVICE_ID_SHAPE.test(deviceId)) throw new RangeError('a device id is 8 digits');
  return new TextEncoder().encode(`MPOC1 sign-out ${deviceId}`);
}

/**
 * The proof that signs a device out by itself (docs/offline-codes.md, "Revocation"): the HMAC of
 * the sign-out message under its secret, base64url. Only the holder of the secret can make it, and
 * it does one thing, end that device, so a page whose session ended (or that was offline) still
 * ends its device: it keeps the proof, not the secret, until the platform has taken it.
 */
export async function deviceSignOutProof(
  deviceSecret: string,
  deviceId: string,
  hmac: (key: Uint8Array, message: Uint8Array) => Promise<Uint8Array> = webCryptoHmac,
): Promise<string> {
  const mac = await hmac(deviceSecretBytes(deviceSecret), signOutProofMessage(deviceId));
  return btoa(String.fromCharCode(...mac)).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}
