import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { hashWalletToken, newWalletToken } from '../src/domain/credentials.js';
import { startTestPlatform, type TestPlatform } from './helpers.js';

/**
 * The wallet API's calls that take no parameters refuse any (1021), as every call refuses the ones
 * it does not take: a `walletId` sent with one wallet's token never reads as if it were honoured.
 */
let p: TestPlatform;
let token: string;
let other: string;
beforeEach(async () => {
  p = await startTestPlatform();
  token = newWalletToken();
  await p.store.createWallet({ name: 'Bob', openingSen: 5_00, tokenHash: hashWalletToken(token) });
  other = (await p.store.createWallet({ name: 'Carol', openingSen: 9_00 })).walletId;
});
afterEach(async () => {
  await p.stop();
});

async function call(path: string, body: unknown): Promise<{ code: number; msg: string; data: unknown }> {
  const res = await fetch(`${p.url}/api/wallet/${path}`, {
    method: 'POST', headers: { 'Content-Type': 'application/json', Authorization: `Bearer ${token}` }, body: JSON.stringify(body),
  });
  return (await res.json()) as { code: number; msg: string; data: unknown };
}

describe('wallet API calls that take no parameters', () => {
  it.each(['balance', 'pending', 'paycode', 'devices/list'])('%s: refuses another wallet\'s id or any unknown name, and answers nothing', async (path) => {
    expect(await call(path, { walletId: other })).toEqual({ code: 1021, msg: 'param error: unknown parameter "walletId": not part of this API', data: null });
    expect(await call(path, { zzz: 1 })).toEqual({ code: 1021, msg: 'param error: unknown parameter "zzz": not part of this API', data: null });
    expect((await call(path, {})).code).toBe(0);
  });
});
