import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startTestPlatform, type TestPlatform } from './helpers.js';
import { as, pageCall, sessionOf } from './page-helpers.js';
import { cliJson, runCli } from './process-helpers.js';
import { hashPin } from '../src/domain/credentials.js';

/**
 * A top-up under a request id is made once (domain/wallet.ts decideTopUp), on both stores: sent
 * again after a lost answer, by a retried script or many at once, the wallet is topped up once.
 */
let p: TestPlatform;
const OPS = { actor: { kind: 'cli', name: 'ops' }, address: null } as const;
beforeEach(async () => {
  p = await startTestPlatform();
});
afterEach(async () => {
  expect((await p.store.audit()).checks.filter((c) => c.violations.length > 0)).toEqual([]);
  await p.stop();
});

const topUps = async (walletId: string) => (await p.store.listAuditLog({ action: 'wallet.topUp', limit: 50 })).filter((e) => e.subjectId === walletId);

describe('a top-up under a request id', () => {
  it('tops up once: the same id again is a repeat, another amount under it is refused, and each moves nothing', async () => {
    const w = await p.store.createWallet({ name: 'Alice', openingSen: 0 });
    expect(await p.store.topUpOnce(w.walletId, 50_00, 'batch-7', OPS)).toMatchObject({ kind: 'toppedUp', wallet: { balanceSen: 50_00 } });
    expect(await p.store.topUpOnce(w.walletId, 50_00, 'batch-7', OPS)).toMatchObject({ kind: 'repeat', wallet: { balanceSen: 50_00 } });
    expect(await p.store.topUpOnce(w.walletId, 40_00, 'batch-7', OPS)).toMatchObject({ kind: 'requestIdReused', earlierSen: 50_00 });
    // The id is the wallet's own: another wallet may use it.
    const other = await p.store.createWallet({ name: 'Bob', openingSen: 0 });
    expect(await p.store.topUpOnce(other.walletId, 5_00, 'batch-7', OPS)).toMatchObject({ kind: 'toppedUp' });
    expect((await p.store.findWallet(w.walletId))!.balanceSen).toBe(50_00);
    expect((await topUps(w.walletId)).map((e) => e.detail)).toEqual([{ amount: '50.00', requestId: 'batch-7' }]);
    // Frozen since, the repeat still answers the earlier top-up.
    await p.store.setWalletStatus(w.walletId, 'frozen');
    expect(await p.store.topUpOnce(w.walletId, 50_00, 'batch-7', OPS)).toMatchObject({ kind: 'repeat' });
  });

  it('sent twelve times at once, tops up once', async () => {
    const w = await p.store.createWallet({ name: 'Alice', openingSen: 0 });
    const outcomes = await Promise.all(Array.from({ length: 12 }, () => p.store.topUpOnce(w.walletId, 7_00, 'retry-storm', OPS)));
    expect(outcomes.map((o) => o!.kind).sort()).toEqual(['toppedUp', ...Array(11).fill('repeat')].sort());
    expect((await p.store.findWallet(w.walletId))!.balanceSen).toBe(7_00);
    expect(await topUps(w.walletId)).toHaveLength(1);
  });

  it('micropay wallet topup --request-id, and the console, which sends one of its own per attempt', async () => {
    const w = await cliJson<{ walletId: string }>(['wallet', 'create', '--name', 'Alice', '--db', p.dbPath]);
    const topUp = (amount: string) => runCli(['wallet', 'topup', w.walletId, amount, '--request-id', 'ledger-2026-12-07', '--db', p.dbPath]);
    expect((await topUp('25.00')).stdout).toBe(`Wallet ${w.walletId} topped up by 25.00; balance 25.00.\n`);
    expect((await topUp('25.00')).stdout).toBe(`Wallet ${w.walletId} was topped up by 25.00 under request id ledger-2026-12-07 already: nothing moved again; balance 25.00.\n`);
    const other = await topUp('30.00');
    expect([other.code, other.stderr]).toEqual([1, `micropay: top-up request id reused (9046): request id ledger-2026-12-07 topped wallet ${w.walletId} up by 25.00; nothing was topped up\n`]);
    const badId = await runCli(['wallet', 'topup', w.walletId, '1.00', '--request-id', 'x'.repeat(65), '--db', p.dbPath]);
    expect(badId.code).toBe(2);

    await p.store.createOperator('fin', await hashPin('operator-pass-1'), null, { role: 'finance' });
    const fin = sessionOf(await pageCall(p, 'admin/sign-in', { name: 'fin', password: 'operator-pass-1' }));
    const console = (requestId: string, amount = '5.00') => pageCall(p, 'admin/wallets/top-up', { walletId: w.walletId, amount, requestId }, as(fin));
    expect(await console('console-a')).toMatchObject({ code: 0, data: { wallet: { balance: '30.00' }, repeat: false } });
    expect(await console('console-a')).toMatchObject({ code: 0, data: { wallet: { balance: '30.00' }, repeat: true } });
    expect(await console('console-a', '6.00')).toMatchObject({ code: 9046, msg: `top-up request id reused: request id console-a topped this wallet up by 5.00; nothing was topped up` });
    expect((await console('\u0007bell')).code).toBe(1021);
  });
});
