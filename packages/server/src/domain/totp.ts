import { createHmac, randomBytes } from 'node:crypto';

/**
 * Time-based one-time passwords, RFC 6238 (HMAC-SHA-1, 30-second steps, 6 digits), the second
 * factor of operator sign-in (docs/consoles.md). Pure: the caller gives the time and the last step
 * used, and records the step a code matched, so each code signs in once.
 */
export const TOTP_STEP_MS = 30_000;
export const TOTP_DIGITS = 6;
/** Steps either side of now a code may be from: a phone's clock a little off still works. */
export const TOTP_SKEW_STEPS = 1;
/** A TOTP secret's bytes: 160 bits, the size RFC 4226 recommends for SHA-1. */
export const TOTP_SECRET_BYTES = 20;

const BASE32 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';

export function base32Encode(bytes: Buffer): string {
  let bits = 0;
  let value = 0;
  let out = '';
  for (const byte of bytes) {
    value = (value << 8) | byte;
    bits += 8;
    while (bits >= 5) {
      out += BASE32[(value >>> (bits - 5)) & 31];
      bits -= 5;
    }
  }
  if (bits > 0) out += BASE32[(value << (5 - bits)) & 31];
  return out;
}

/** A base32 secret (case and `=` padding ignored); null when it has other characters. */
export function base32Decode(text: string): Buffer | null {
  const clean = text.toUpperCase().replace(/=+$/, '');
  let bits = 0;
  let value = 0;
  const out: number[] = [];
  for (const ch of clean) {
    const i = BASE32.indexOf(ch);
    if (i < 0) return null;
    value = ((value << 5) | i) & 0xffff;
    bits += 5;
    if (bits >= 8) {
      out.push((value >>> (bits - 8)) & 255);
      bits -= 8;
    }
  }
  return Buffer.from(out);
}

/** A new secret, base32 as authenticator apps take it. */
export function newTotpSecret(): string {
  return base32Encode(randomBytes(TOTP_SECRET_BYTES));
}

export function totpStepAt(nowMs: number): number {
  return Math.floor(nowMs / TOTP_STEP_MS);
}

/** RFC 4226's HOTP of the step: dynamic truncation, then the low `digits` decimal digits. */
export function totpCode(secret: Buffer, step: number, digits = TOTP_DIGITS): string {
  const counter = Buffer.alloc(8);
  counter.writeBigUInt64BE(BigInt(step));
  const mac = createHmac('sha1', secret).update(counter).digest();
  const offset = mac[mac.length - 1]! & 0x0f;
  const binary = mac.readUInt32BE(offset) & 0x7fffffff;
  return String(binary % 10 ** digits).padStart(digits, '0');
}

/**
 * The step the code matches, within TOTP_SKEW_STEPS of now and after `lastStepUsed` (a code, or an
 * earlier one, used once never works again); null when it matches none.
 */
export function totpMatch(secretBase32: string, code: string, nowMs: number, lastStepUsed: number | null): number | null {
  const secret = base32Decode(secretBase32);
  if (secret === null || !/^[0-9]{6}$/.test(code)) return null;
  const now = totpStepAt(nowMs);
  for (let step = now - TOTP_SKEW_STEPS; step <= now + TOTP_SKEW_STEPS; step++) {
    if (lastStepUsed !== null && step <= lastStepUsed) continue;
    if (totpCode(secret, step) === code) return step;
  }
  return null;
}

/** What an authenticator app scans: `otpauth://totp/MicroPay:NAME?secret=...&issuer=MicroPay`. */
export function otpauthUri(name: string, secretBase32: string): string {
  return `otpauth://totp/MicroPay:${encodeURIComponent(name)}?secret=${secretBase32}&issuer=MicroPay`;
}
