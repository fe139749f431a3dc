import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { hashPin, hashWalletToken, newWalletToken } from '../src/domain/credentials.js';
import { WalletClosedError } from '../src/domain/wallet.js';
import { accountBalanceSen } from './db-access.js';
import { postRaw, startTestPlatform, type TestPlatform } from './helpers.js';
import { runCli, stopAllChildren } from './process-helpers.js';

/**
 * Closing a wallet is final (domain/wallet.ts): a closed wallet takes no top-up (the money would be
 * stranded), no new token, PIN or limit, and issues no payment code; each refusal says "closed",
 * not "frozen", and changes nothing. What it held when it closed was paid out to its holder
 * (payouts.test.ts). On both stores, through the store, the CLI and the wallet API.
 */
let p: TestPlatform;
let walletId: string;
let token: string;

beforeEach(async () => {
  p = await startTestPlatform();
  token = newWalletToken();
  walletId = (await p.store.createWallet({ name: 'Alice', openingSen: 5_00, tokenHash: hashWalletToken(token) })).walletId;
  expect((await p.store.setWalletStatus(walletId, 'closed'))!.status).toBe('closed');
  // Closing paid its 5.00 out to the holder (payouts.test.ts): none of it is stranded in the wallet.
  expect(await p.store.listPayouts({ walletId, limit: 10 })).toEqual([expect.objectContaining({ amountSen: 5_00, status: 'REQUESTED' })]);
});
afterEach(async () => {
  await stopAllChildren();
  await p.stop();
});

describe('a closed wallet', () => {
  it('takes no top-up: refused whole, the balance and the float unchanged, the audit clean', async () => {
    const floatBefore = await accountBalanceSen(p.store, 'platform:float');
    await expect(p.store.topUp(walletId, 1_00)).rejects.toThrow(WalletClosedError);
    await expect(p.store.topUp(walletId, 1_00)).rejects.toThrow(`wallet ${walletId} is closed (closing is final): it takes no top-ups`);
    expect((await p.store.findWallet(walletId))!.balanceSen).toBe(0);
    expect(await accountBalanceSen(p.store, 'platform:float')).toBe(floatBefore);

    const cli = await runCli(['wallet', 'topup', walletId, '1.00', '--db', p.dbPath]);
    expect(cli.code).toBe(1);
    expect(cli.stderr).toBe(`micropay: wallet ${walletId} is closed (closing is final): it takes no top-ups\n`);
    expect((await p.store.audit()).ok).toBe(true);
  });

  it('takes no new token, PIN or limit', async () => {
    const before = await p.store.findWallet(walletId);
    for (const changes of [{ tokenHash: hashWalletToken(newWalletToken()) }, { pinHash: await hashPin('1234') }, { confirmLimitSen: 1_00 }]) {
      await expect(p.store.updateWalletSecurity(walletId, changes)).rejects.toThrow(WalletClosedError);
    }
    expect(await p.store.findWallet(walletId)).toEqual(before);
    expect(await p.store.walletPinHash(walletId)).toBeNull();
    for (const args of [['wallet', 'token', walletId], ['wallet', 'set-pin', walletId, '--pin', '1234']]) {
      const cli = await runCli([...args, '--db', p.dbPath]);
      expect(cli.code).toBe(1);
      expect(cli.stderr).toBe(`micropay: wallet ${walletId} is closed (closing is final): it takes no new token, PIN or limit\n`);
    }
  });

  it('is never frozen, unfrozen or reopened: the CLI says closing is final and the wallet stays closed', async () => {
    for (const verb of ['freeze', 'unfreeze']) {
      const cli = await runCli(['wallet', verb, walletId, '--db', p.dbPath]);
      expect(cli.code).toBe(1);
      expect(cli.stderr).toBe(`micropay: wallet ${walletId} is closed; closing is final\n`);
    }
    expect((await runCli(['wallet', 'close', walletId, '--db', p.dbPath])).code).toBe(0);
    expect((await p.store.findWallet(walletId))!.status).toBe('closed');
  });

  it('issues no payment code, and says it is closed, not frozen (store, CLI); its token opens nothing (wallet API)', async () => {
    expect(await p.store.issuePayCode(walletId, 60_000)).toBe('WALLET_CLOSED');
    const cli = await runCli(['paycode', walletId, '--db', p.dbPath]);
    expect(cli.code).toBe(1);
    expect(cli.stderr).toBe(`micropay: wallet ${walletId} is closed; it cannot issue payment codes\n`);
    const api = await postRaw(p.url, '/api/wallet/paycode', {}, { Authorization: `Bearer ${token}` });
    expect(api.body).toEqual({ code: 9106, msg: 'unauthorized', data: null });
  });
});
