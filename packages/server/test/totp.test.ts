import { describe, expect, it } from 'vitest';
import { base32Decode, base32Encode, otpauthUri, totpCode, totpMatch, totpStepAt, TOTP_STEP_MS } from '../src/domain/totp.js';

/** RFC 6238 (domain/totp.ts): the Appendix B vectors of the SHA-1 column, and the one-use, ±1-step rule. */
const RFC_SECRET = Buffer.from('12345678901234567890', 'ascii');
const APPENDIX_B_SHA1: readonly [number, string][] = [
  [59, '94287082'],
  [1111111109, '07081804'],
  [1111111111, '14050471'],
  [1234567890, '89005924'],
  [2000000000, '69279037'],
  [20000000000, '65353130'],
];

describe('TOTP', () => {
  it('gives the RFC 6238 Appendix B codes (SHA-1, 8 digits)', () => {
    for (const [seconds, code] of APPENDIX_B_SHA1) expect(totpCode(RFC_SECRET, totpStepAt(seconds * 1000), 8)).toBe(code);
  });

  it('6 digits are the low 6 of the same value, and base32 round-trips', () => {
    expect(totpCode(RFC_SECRET, totpStepAt(59_000))).toBe('287082');
    expect(base32Encode(RFC_SECRET)).toBe('GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ');
    expect(base32Decode('gezdgnbvgy3tqojqgezdgnbvgy3tqojq')).toEqual(RFC_SECRET);
    expect(base32Decode('not base32!')).toBeNull();
  });

  it('accepts one step either side of now, after the last step used only', () => {
    const secret = base32Encode(RFC_SECRET);
    const now = 1_111_111_111_000;
    const step = totpStepAt(now);
    const at = (s: number) => totpCode(RFC_SECRET, s);
    expect(totpMatch(secret, at(step), now, null)).toBe(step);
    expect(totpMatch(secret, at(step - 1), now, null)).toBe(step - 1);
    expect(totpMatch(secret, at(step + 1), now, null)).toBe(step + 1);
    expect(totpMatch(secret, at(step - 2), now, null)).toBeNull();
    expect(totpMatch(secret, at(step + 2), now, null)).toBeNull();
    expect(totpMatch(secret, at(step), now, step)).toBeNull();
    expect(totpMatch(secret, at(step), now + TOTP_STEP_MS, step - 1)).toBe(step);
    expect(totpMatch(secret, 'abcdef', now, null)).toBeNull();
  });

  it('writes the otpauth URI authenticator apps scan', () => {
    expect(otpauthUri('ops', 'ABC')).toBe('otpauth://totp/MicroPay:ops?secret=ABC&issuer=MicroPay');
  });
});
