import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Secret, verify, type SignableParams } from '@micropay/protocol';
import { newApiKey } from '../src/domain/ids.js';
import { DEFAULT_KEY_OVERLAP_MS } from '../src/domain/merchant-keys.js';
import { openStore } from '../src/platform.js';
import { MERCHANT_CACHE_TTL_MS } from '../src/store/merchant-cache.js';
import {
  createWalletWithCode,
  ManualClock,
  micropayParams,
  postSigned,
  startTestPlatform,
  type PostResult,
  type TestPlatform,
  testConfig,
} from './helpers.js';

/**
 * Rolling a merchant's key (issue 11, item 8), over real HTTP on both stores: which keys verify
 * requests, and which key signs answers and notifications, before and after the merchant first
 * uses the new key, and after the overlap window.
 */

/** A merchant's notification endpoint that accepts everything and keeps the bodies. */
class Receiver {
  readonly bodies: Record<string, string | null>[] = [];
  readonly #server: Server = createServer((req, res) => {
    let raw = '';
    req.on('data', (chunk: Buffer) => (raw += chunk.toString('utf8')));
    req.on('end', () => {
      this.bodies.push(JSON.parse(raw) as Record<string, string | null>);
      res.writeHead(200, { 'Content-Type': 'application/json' }).end('{"code":0,"msg":"success"}');
    });
  });
  url = '';

  async start(): Promise<this> {
    await new Promise<void>((resolve) => this.#server.listen(0, '127.0.0.1', resolve));
    this.url = `http://127.0.0.1:${(this.#server.address() as AddressInfo).port}/notify`;
    return this;
  }

  async stop(): Promise<void> {
    this.#server.closeAllConnections();
    await new Promise((resolve) => this.#server.close(resolve));
  }

  async forOrder(wavpayOrderId: string): Promise<Record<string, string | null>> {
    const deadline = Date.now() + 8_000;
    for (;;) {
      const body = this.bodies.find((b) => b.wavpayOrderId === wavpayOrderId);
      if (body !== undefined) return body;
      if (Date.now() > deadline) throw new Error(`no notification for ${wavpayOrderId}`);
      await new Promise((r) => setTimeout(r, 25));
    }
  }
}

const ENV = { MICROPAY_NOTIFY_INTERVAL_MS: '50', MICROPAY_NOTIFY_TIMEOUT_MS: '2000' };

let p: TestPlatform;
let clock: ManualClock;
let receiver: Receiver;
let mchId: string;
let oldKey: string;

beforeEach(async () => {
  clock = new ManualClock();
  receiver = await new Receiver().start();
  p = await startTestPlatform(ENV, clock);
  oldKey = newApiKey();
  mchId = (await p.store.createMerchant({ name: 'LPR Parking System', apiKey: new Secret(oldKey), notifyUrl: receiver.url })).mchId;
});
afterEach(async () => {
  await p.stop();
  await receiver.stop();
});

async function roll(overlapMs = DEFAULT_KEY_OVERLAP_MS): Promise<string> {
  const key = newApiKey();
  expect(await p.store.rollMerchantKey(mchId, new Secret(key), overlapMs)).not.toBeNull();
  return key;
}

let orderSeq = 0;
/** A payment signed with `key`, timestamped by the platform's clock. */
async function pay(key: string): Promise<PostResult> {
  const w = await createWalletWithCode(p, 10_000);
  const params = micropayParams({ mchId, key, name: '' }, `roll-${++orderSeq}`, '1.00', w.payCode);
  return postSigned(p.url, 'micropay', { ...params, timestamp: String(clock.nowMs()) }, key);
}

async function query(key: string, mchOrderId = `roll-${orderSeq}`): Promise<PostResult> {
  return postSigned(p.url, 'queryBill', { mchId, mchOrderId, timestamp: String(clock.nowMs()) }, key);
}

/** Which of the keys signed `data`: exactly one must. */
function signedWith(data: unknown, keys: Record<string, string>): string {
  const signers = Object.entries(keys).filter(([, key]) => verify(data as SignableParams, key)).map(([name]) => name);
  expect(signers).toHaveLength(1);
  return signers[0]!;
}

describe('rolling a merchant key', () => {
  it('both keys verify in the window; each answer is signed with the key of its request; notifications with the old key until the new one is used', async () => {
    const newKey = await roll();
    const keys = { old: oldKey, new: newKey };

    const paidOld = await pay(oldKey);
    expect(paidOld.body.code).toBe(0);
    expect(signedWith(paidOld.body.data, keys)).toBe('old');
    expect(signedWith(await receiver.forOrder(paidOld.body.data!.wavpayOrderId), keys)).toBe('old');
    expect(signedWith((await query(oldKey)).body.data, keys)).toBe('old');
    expect((await p.store.findMerchant(mchId))!.keyFirstUsedAtMs).toBeNull();

    // The first request with the new key: its own answer is signed with the new key, and the fact is stored.
    const firstNew = await query(newKey);
    expect(firstNew.body.code).toBe(0);
    expect(signedWith(firstNew.body.data, keys)).toBe('new');
    const firstUseAt = clock.nowMs();
    expect((await p.store.findMerchant(mchId))!.keyFirstUsedAtMs).toBe(firstUseAt);

    // A till still on the old key gets answers it can verify, signed with the old key; the
    // notification, which answers no request, is signed with the new key now.
    const paidAfter = await pay(oldKey);
    expect(paidAfter.body.code).toBe(0);
    expect(signedWith(paidAfter.body.data, keys)).toBe('old');
    expect(signedWith(await receiver.forOrder(paidAfter.body.data!.wavpayOrderId), keys)).toBe('new');
    expect(signedWith((await query(oldKey, paidAfter.body.data!.merchantOrderId)).body.data, keys)).toBe('old');
    clock.advance(60_000);
    expect(signedWith((await pay(newKey)).body.data, keys)).toBe('new');
    // Recorded once: later uses do not write it again.
    expect((await p.store.findMerchant(mchId))!.keyFirstUsedAtMs).toBe(firstUseAt);
  });

  it('the first use of the new key holds after a restart: notifications stay signed with the new key', async () => {
    const newKey = await roll();
    expect((await query(newKey)).body.code).toBe(1031);
    await p.close();
    p = await startTestPlatform(ENV, clock, { dir: p.dir });
    const paid = await pay(oldKey);
    expect(paid.body.code).toBe(0);
    const keys = { old: oldKey, new: newKey };
    expect(signedWith(paid.body.data, keys)).toBe('old');
    expect(signedWith(await receiver.forOrder(paid.body.data!.wavpayOrderId), keys)).toBe('new');
  });

  it('after the window only the new key verifies, and it signs the answers even if never used before', async () => {
    const newKey = await roll();
    clock.advance(DEFAULT_KEY_OVERLAP_MS - 1);
    expect((await pay(oldKey)).body.code).toBe(0);
    clock.advance(1);
    const refused = await pay(oldKey);
    expect(refused.body).toEqual({ code: 1035, msg: 'signature error: secureHash does not match the request', data: null });
    const paid = await pay(newKey);
    expect(paid.body.code).toBe(0);
    expect(signedWith(paid.body.data, { old: oldKey, new: newKey })).toBe('new');
  });

  it('a roll without overlap replaces the key at once; its first use is still recorded, once', async () => {
    const newKey = await roll(0);
    expect((await pay(oldKey)).body.code).toBe(1035);
    expect((await p.store.findMerchant(mchId))!.keyFirstUsedAtMs).toBeNull();
    expect(signedWith((await pay(newKey)).body.data, { old: oldKey, new: newKey })).toBe('new');
    const firstUseAt = clock.nowMs();
    expect((await p.store.findMerchant(mchId))!.keyFirstUsedAtMs).toBe(firstUseAt);
    clock.advance(1_000);
    expect((await pay(newKey)).body.code).toBe(0);
    expect((await p.store.findMerchant(mchId))!.keyFirstUsedAtMs).toBe(firstUseAt);
  });

  it('rolling again before the new key was used keeps the old key in service and stops the unused one', async () => {
    const unused = await roll();
    clock.advance(20 * 60 * 60 * 1000);
    const newest = await roll();
    const keys = { old: oldKey, unused, newest };
    expect((await pay(unused)).body.code).toBe(1035);
    // The old key gets a fresh window, from the second roll.
    clock.advance(DEFAULT_KEY_OVERLAP_MS - 1);
    const paid = await pay(oldKey);
    expect(paid.body.code).toBe(0);
    expect(signedWith(paid.body.data, keys)).toBe('old');
    expect(signedWith((await pay(newest)).body.data, keys)).toBe('newest');
    clock.advance(1);
    expect((await pay(oldKey)).body.code).toBe(1035);
  });

  it('rolling again after the new key was used keeps that key in overlap, and the oldest stops at once', async () => {
    const second = await roll();
    expect((await pay(second)).body.code).toBe(0);
    const third = await roll();
    const keys = { old: oldKey, second, third };
    expect((await pay(oldKey)).body.code).toBe(1035);
    const paid = await pay(second);
    expect(paid.body.code).toBe(0);
    expect(signedWith(paid.body.data, keys)).toBe('second');
    expect(signedWith((await pay(third)).body.data, keys)).toBe('third');
  });

  it('a roll by this process applies at once; a roll by another process within the auth cache time', async () => {
    // The merchant is in this process's auth cache.
    expect((await pay(oldKey)).body.code).toBe(0);
    const here = await roll(0);
    expect((await pay(here)).body.code).toBe(0);

    // Another process (the CLI) rolls the key in the same database.
    const other = await openStore(testConfig({ db: p.dbPath }, {}), clock);
    const elsewhere = newApiKey();
    try {
      await other.rollMerchantKey(mchId, new Secret(elsewhere), 0);
    } finally {
      await other.close();
    }
    await new Promise((r) => setTimeout(r, MERCHANT_CACHE_TTL_MS + 50));
    expect((await pay(here)).body.code).toBe(1035);
    expect(signedWith((await pay(elsewhere)).body.data, { here, elsewhere })).toBe('elsewhere');
  });

  it('rolling the key of no merchant changes nothing', async () => {
    expect(await p.store.rollMerchantKey('999999999', new Secret(newApiKey()), DEFAULT_KEY_OVERLAP_MS)).toBeNull();
    expect((await pay(oldKey)).body.code).toBe(0);
  });
});
