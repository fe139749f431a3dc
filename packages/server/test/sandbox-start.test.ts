import { afterEach, describe, expect, it } from 'vitest';
import { Secret } from '@micropay/protocol';
import { newApiKey } from '../src/domain/ids.js';
import { prepareSandbox } from '../src/sandbox.js';
import { startTestPlatform, type TestPlatform } from './helpers.js';

/**
 * The sandbox's merchant, wallet and setting are created in one transaction (services/merchants.ts,
 * createSandbox), and the setting is written once: two starts racing on an empty store leave one
 * sandbox, never a second funded merchant and wallet that nothing remembers.
 */
let p: TestPlatform | undefined;

afterEach(async () => {
  await p?.stop();
  p = undefined;
});

describe('creating the sandbox', () => {
  it('twice at once: one creates it, the other writes nothing', async () => {
    p = await startTestPlatform();
    const start = () =>
      p!.store.createSandbox({
        merchant: { name: 'Sandbox Merchant', apiKey: new Secret(newApiKey()) },
        wallet: { name: 'Sandbox Wallet', openingSen: 1_000_00 },
        setting: 'sandbox',
      });
    const results = await Promise.allSettled([start(), start()]);
    expect(results.map((r) => r.status).sort()).toEqual(['fulfilled', 'rejected']);
    const created = (results.find((r) => r.status === 'fulfilled') as PromiseFulfilledResult<Awaited<ReturnType<typeof start>>>).value;
    expect(JSON.parse((await p.store.getSetting('sandbox'))!)).toEqual({ mchId: created.merchant.mchId, walletId: created.wallet.walletId });
    expect((await p.store.listMerchants()).map((m) => m.mchId)).toEqual([created.merchant.mchId]);
    expect((await p.store.listWallets({ limit: 10 })).map((w) => w.walletId)).toEqual([created.wallet.walletId]);
    expect((await p.store.audit()).ok).toBe(true);
  });
});

describe('each sandbox start', () => {
  it('gives its three users new passwords, each in the audit log as the person who started it; no password is in a row', async () => {
    p = await startTestPlatform({}, undefined, { sandbox: true });
    const acting = { actor: { kind: 'cli' as const, name: 'dev' }, address: null };
    const first = (await prepareSandbox(p.store, p.config, acting))!;
    const second = (await prepareSandbox(p.store, p.config, acting))!;
    expect(second.cashierPassword).not.toBe(first.cashierPassword);
    const rows = (await p.store.listAuditLog({ actorKind: 'cli', limit: 20 })).reverse();
    const users = rows.filter((r) => r.action.startsWith('user.') || r.action.startsWith('operator.'));
    expect(users.map((r) => [r.action, r.actor])).toEqual([
      ...['user.create', 'user.create', 'operator.create', 'user.reset', 'user.reset', 'operator.reset'].map((action) => [action, acting.actor]),
    ]);
    const raw = JSON.stringify(rows);
    for (const secret of [first.cashierPassword, first.ownerPassword, first.operatorPassword, second.operatorPassword]) expect(raw).not.toContain(secret);
  });

  it('enables its till again if someone disabled it, so the password it prints signs in', async () => {
    p = await startTestPlatform({}, undefined, { sandbox: true });
    const acting = { actor: { kind: 'cli' as const, name: 'dev' }, address: null };
    const first = (await prepareSandbox(p.store, p.config, acting))!;
    expect(await p.store.setUserStatus(first.mchId, first.cashierName, 'disabled', acting)).toMatchObject({ name: first.cashierName });
    const second = (await prepareSandbox(p.store, p.config, acting))!;
    expect(await p.store.signInCashier(first.mchId, second.cashierName, second.cashierPassword)).toMatchObject({ kind: 'signedIn' });
    const actions = (await p.store.listAuditLog({ actorKind: 'cli', limit: 5 })).map((r) => r.action).reverse();
    expect(actions).toEqual(['user.disable', 'user.enable', 'user.reset', 'user.reset', 'operator.reset']);
  });
});
