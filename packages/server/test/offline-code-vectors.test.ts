import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import {
  counterInWindow,
  deviceSignOutProof,
  keptOfflineCounter,
  nextOfflineCodeAtMs,
  nextOfflineCounter,
  offlineCodeEndsAtMs,
  offlinePayCode,
  offlineStep,
  parseOfflineCode,
} from '@micropay/protocol';
import { checkOfflineCode, isSignOutProof, OfflineCodeKey, offlineCodeSync, type WalletDevice } from '../src/domain/offline-code.js';
import { docBlock } from './doc-blocks.js';

/**
 * The algorithm of docs/offline-codes.md against its own test vectors, read from the doc: the
 * reference generator (WebCrypto, as the browser runs it), the server's synchronous one, the tag
 * permutation and the secret's derivation. A change to any of them, or to the doc, fails here.
 */
const VECTOR_DEVICE = { deviceTag: '12345678', deviceSecret: Buffer.from(Array.from({ length: 32 }, (_, i) => i)).toString('base64url') };
const codeVectors = JSON.parse(docBlock('offline-codes.md', 'offline-code-vectors')) as { timeMs: number; counter: number; code: string }[];
const proofVectors = JSON.parse(docBlock('offline-codes.md', 'offline-sign-out-proof-vectors')) as { deviceId: string; proof: string }[];
const tagVectors = JSON.parse(docBlock('offline-codes.md', 'offline-tag-vectors')) as {
  tags: { deviceIndex: number; tag: string }[];
  secret: { deviceIndex: number; salt: string; deviceSecret: string };
};

describe('the offline code algorithm (docs/offline-codes.md)', () => {
  it('the reference generator (WebCrypto) and the server\'s (node:crypto) give the documented codes', async () => {
    expect(codeVectors.length).toBeGreaterThanOrEqual(5);
    for (const v of codeVectors) {
      expect(offlineStep(v.timeMs)).toBe(v.counter);
      expect(await offlinePayCode(VECTOR_DEVICE, v.counter)).toBe(v.code);
      expect(offlineCodeSync(VECTOR_DEVICE, v.counter)).toBe(v.code);
      const nodeHmac = async (key: Uint8Array, message: Uint8Array) => new Uint8Array(createHmac('sha256', key).update(message).digest());
      expect(await offlinePayCode(VECTOR_DEVICE, v.counter, nodeHmac)).toBe(v.code);
    }
  });

  it('a device\'s sign-out proof is the documented value, made in the browser\'s way and checked by the server\'s', async () => {
    expect(proofVectors.length).toBe(2);
    const key = new OfflineCodeKey(Buffer.alloc(32, 7));
    for (const v of proofVectors) {
      expect(await deviceSignOutProof(VECTOR_DEVICE.deviceSecret, v.deviceId)).toBe(v.proof);
      // The server derives a device's secret from its key; here it checks a proof made with that secret.
      const device = { deviceIndex: Number(v.deviceId), salt: '00112233445566778899aabbccddeeff' } as WalletDevice;
      const proof = await deviceSignOutProof(key.deviceSecret(device).toString('base64url'), v.deviceId);
      expect(isSignOutProof(key, device, proof)).toBe(true);
      expect(isSignOutProof(key, device, v.proof)).toBe(false);
    }
  });

  it('the tag permutation and the secret derivation give the documented values, and the tag inverts', () => {
    const key = new OfflineCodeKey(Buffer.alloc(32, 7));
    for (const v of tagVectors.tags) {
      expect(key.tagOf(v.deviceIndex)).toBe(v.tag);
      expect(key.indexOf(v.tag)).toBe(v.deviceIndex);
    }
    const s = tagVectors.secret;
    expect(key.deviceSecret({ deviceIndex: s.deviceIndex, salt: s.salt }).toString('base64url')).toBe(s.deviceSecret);
    // A permutation: 20,000 indexes give 20,000 distinct tags, each inverting to its index.
    const tags = new Set<string>();
    for (let i = 0; i < 100_000_000; i += 5_000) {
      const tag = key.tagOf(i);
      tags.add(tag);
      expect(key.indexOf(tag)).toBe(i);
    }
    expect(tags.size).toBe(20_000);
  });

  it('the window: one counter per digit within ±4 steps; a device waits rather than run past it', () => {
    const now = 1_700_000_000_000;
    const step = offlineStep(now);
    const found = Array.from({ length: 10 }, (_, d) => counterInWindow(d, now));
    expect(found.filter((c) => c === null)).toHaveLength(1);
    for (const c of found) if (c !== null) expect(Math.abs(c - step)).toBeLessThanOrEqual(4);
    expect(nextOfflineCounter(now, null)).toBe(step);
    expect(nextOfflineCounter(now, step)).toBe(step + 1);
    expect(nextOfflineCounter(now, step + 4)).toBeNull();
    // A screen renewing itself keeps a code shown ahead, and otherwise takes the clock's step.
    expect(keptOfflineCounter(now, null)).toBe(step);
    expect(keptOfflineCounter(now, step - 1)).toBe(step);
    expect(keptOfflineCounter(now, step)).toBe(step);
    expect(keptOfflineCounter(now, step + 4)).toBe(step + 4);
    expect(keptOfflineCounter(now, step + 5)).toBeNull();
    expect(offlineCodeEndsAtMs(step)).toBe((step + 1) * 10_000);
    // Four codes ahead: the next may be shown once the clock's step is one past now, not before.
    expect(nextOfflineCounter(nextOfflineCodeAtMs(step + 4) - 1, step + 4)).toBeNull();
    expect(nextOfflineCounter(nextOfflineCodeAtMs(step + 4), step + 4)).toBe(step + 5);
    expect(parseOfflineCode('391234567890123456')).toBeNull();
  });

  it('the check refuses a wrong one-time part, a revoked or expired device, a replay and a code from outside the window', () => {
    const key = OfflineCodeKey.generate();
    const now = 1_700_000_000_000;
    const device: WalletDevice = {
      deviceIndex: 4242, walletId: '600000000001', status: 'active', salt: 'ab'.repeat(16), label: 'p', createdAtMs: 0, revokedAtMs: null, expiresAtMs: now + 60_000,
    };
    const code = offlineCodeSync(key.deviceCredentials(device), offlineStep(now));
    const found = { device, lastCounter: 0 };
    expect(checkOfflineCode(key, code, found, now)).toEqual({ ok: true, deviceIndex: 4242, counter: offlineStep(now) });
    const wrong = code.slice(0, 17) + String((Number(code[17]) + 1) % 10);
    expect(checkOfflineCode(key, wrong, found, now)).toMatchObject({ ok: false, reason: 'WRONG_CODE' });
    expect(checkOfflineCode(key, code, { device: { ...device, status: 'revoked' }, lastCounter: 0 }, now)).toMatchObject({ ok: false, reason: 'REVOKED' });
    expect(checkOfflineCode(key, code, { device, lastCounter: offlineStep(now) }, now)).toMatchObject({ ok: false, reason: 'REPLAYED' });
    // From its expiry on, exactly: the last millisecond before still pays.
    expect(checkOfflineCode(key, code, { device: { ...device, expiresAtMs: now + 1 }, lastCounter: 0 }, now).ok).toBe(true);
    expect(checkOfflineCode(key, code, { device: { ...device, expiresAtMs: now }, lastCounter: 0 }, now)).toMatchObject({ ok: false, reason: 'EXPIRED' });
    expect(checkOfflineCode(key, code, found, now + 50_000).ok).toBe(false);
    expect(checkOfflineCode(key, code, found, now + 40_000).ok).toBe(true);
    expect(checkOfflineCode(key, code, { device: null, lastCounter: 0 }, now)).toMatchObject({ ok: false, reason: 'NO_DEVICE' });
  });
});
