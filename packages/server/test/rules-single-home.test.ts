import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { ORDER_STATUSES, PAID_ORDER_STATUSES, Secret, type RefundCommand } from '@micropay/protocol';
import { decidePinTry, MAX_PIN_FAILURES } from '../src/domain/credentials.js';
import { newApiKey, RefundIdSource } from '../src/domain/ids.js';
import { MerchantNameError } from '../src/domain/merchant.js';
import { isPaidOrder } from '../src/domain/order-state.js';
import { canChangeWalletStatus, walletStatusProblem } from '../src/domain/wallet.js';
import type { WalletStatus } from '../src/domain/model.js';
import { ID_CLASH_ATTEMPTS, IdClashError, retryOnIdClash } from '../src/store/id-clash.js';
import { sqlList } from '../src/store/sql-list.js';
import { createMerchant, createWalletWithCode, startTestPlatform, type TestPlatform } from './helpers.js';

/**
 * Business rules that have exactly one home (issue 12): each is decided in one place and used
 * from there by the client, the domain and both stores, instead of being spelled out in each.
 */
const ROOT = join(import.meta.dirname, '..', '..', '..');

/** Every TypeScript source file of the three packages, relative to the repository root. */
function sourceFiles(): string[] {
  const files: string[] = [];
  const walk = (dir: string): void => {
    for (const name of readdirSync(dir)) {
      const path = join(dir, name);
      if (statSync(path).isDirectory()) walk(path);
      else if (name.endsWith('.ts')) files.push(relative(ROOT, path));
    }
  };
  for (const pkg of ['protocol', 'server', 'client']) walk(join(ROOT, 'packages', pkg, 'src'));
  return files;
}

function filesMatching(pattern: RegExp): string[] {
  return sourceFiles().filter((f) => pattern.test(readFileSync(join(ROOT, f), 'utf8')));
}

describe('the statuses that count as paid', () => {
  it('are one exported constant: no other source spells the list out (migrations are history)', () => {
    const spelled = /'PAID',\s*'REFUND_IN_PROCESS',\s*'REFUNDED',\s*'REFUND_FAILED'/;
    const outside = filesMatching(spelled).filter((f) => !f.endsWith('migrations.ts'));
    expect(outside).toEqual(['packages/protocol/src/order-status.ts']);
  });

  it('are what the domain calls a paid order', () => {
    for (const status of ORDER_STATUSES) expect(isPaidOrder(status)).toBe(PAID_ORDER_STATUSES.includes(status));
    expect(PAID_ORDER_STATUSES).toEqual(['PAID', 'REFUND_IN_PROCESS', 'REFUNDED', 'REFUND_FAILED']);
  });

  it('are written into SQL as an IN list of known literals only', () => {
    expect(sqlList(PAID_ORDER_STATUSES)).toBe("('PAID', 'REFUND_IN_PROCESS', 'REFUNDED', 'REFUND_FAILED')");
    expect(() => sqlList(["PAID') OR ('1'='1"])).toThrow(/known literals/);
    expect(() => sqlList([])).toThrow(/at least one value/);
  });
});

describe('store code', () => {
  it('is shared through neutral modules under store/, never one store importing the other', () => {
    const imports = (from: string, to: string) =>
      sourceFiles().filter((f) => f.startsWith(`packages/server/src/store/${from}/`)
        && new RegExp(`from '[./]*(store/)?${to}/`).test(readFileSync(join(ROOT, f), 'utf8')));
    expect(imports('postgres', 'sqlite')).toEqual([]);
    expect(imports('sqlite', 'postgres')).toEqual([]);
  });
});

describe('the PIN lockout (domain/credentials.ts)', () => {
  it('counts down the tries left, locks on the last wrong one, and lets a right PIN through', () => {
    expect(MAX_PIN_FAILURES).toBe(5);
    expect([1, 2, 3, 4].map((taken) => decidePinTry(taken, false))).toEqual(
      [4, 3, 2, 1].map((triesLeft) => ({ kind: 'wrong', triesLeft })),
    );
    expect(decidePinTry(5, false)).toEqual({ kind: 'locked' });
    expect(decidePinTry(5, true)).toEqual({ kind: 'right', triesTaken: 5 });
    expect(decidePinTry(1, true)).toEqual({ kind: 'right', triesTaken: 1 });
  });

  it('is locked without comparing when no try was left', () => {
    expect(decidePinTry(null, true)).toEqual({ kind: 'locked' });
  });
});

let p: TestPlatform | undefined;
afterEach(async () => {
  vi.restoreAllMocks();
  await p?.stop();
  p = undefined;
});

describe('wallet status changes (domain/wallet.ts)', () => {
  it('allow freezing, unfreezing and closing; a closed wallet stays closed', () => {
    const all: WalletStatus[] = ['active', 'frozen', 'closed'];
    const allowed = all.flatMap((from) => all.filter((to) => canChangeWalletStatus(from, to)).map((to) => `${from}>${to}`));
    expect(allowed).toEqual(['active>active', 'active>frozen', 'active>closed', 'frozen>active', 'frozen>frozen', 'frozen>closed', 'closed>closed']);
    const closed = { walletId: 'W1', status: 'closed' } as Parameters<typeof walletStatusProblem>[0];
    expect(walletStatusProblem(closed, 'active')).toBe('wallet W1 is closed; closing is final');
    expect(walletStatusProblem(closed, 'closed')).toBeNull();
  });

  it('are applied by the store: freezing or reopening a closed wallet leaves it closed', async () => {
    p = await startTestPlatform();
    const w = await p.store.createWallet({ name: 'Closing', openingSen: 0 });
    expect((await p.store.setWalletStatus(w.walletId, 'frozen'))?.status).toBe('frozen');
    expect((await p.store.setWalletStatus(w.walletId, 'active'))?.status).toBe('active');
    expect((await p.store.setWalletStatus(w.walletId, 'closed'))?.status).toBe('closed');
    expect((await p.store.setWalletStatus(w.walletId, 'frozen'))?.status).toBe('closed');
    expect((await p.store.setWalletStatus(w.walletId, 'active'))?.status).toBe('closed');
    expect((await p.store.findWallet(w.walletId))?.status).toBe('closed');
    expect(await p.store.setWalletStatus('W0000000000000000', 'frozen')).toBeNull();
  });
});

describe('merchant names (domain/merchant.ts)', () => {
  it('are checked by the store on every write: a name answers would sign re-splittable is refused, nothing written', async () => {
    p = await startTestPlatform();
    await expect(p.store.createMerchant({ name: 'Car|Park', apiKey: new Secret(newApiKey()) })).rejects.toThrow(MerchantNameError);
    expect(await p.store.listMerchants()).toEqual([]);
    const m = await p.store.createMerchant({ name: 'Car Park', apiKey: new Secret(newApiKey()) });
    await expect(p.store.updateMerchant(m.mchId, { name: 'Car|Park' })).rejects.toThrow('a merchant name must not contain "|"');
    await expect(p.store.updateMerchant(m.mchId, { name: '' })).rejects.toThrow(MerchantNameError);
    expect((await p.store.findMerchant(m.mchId))!.name).toBe('Car Park');
  });
});

describe('refund ids (store/id-clash.ts)', () => {
  it('a refund whose drawn id is taken already is recorded under a fresh one, on either store', async () => {
    p = await startTestPlatform();
    const m = await createMerchant(p, 'Refund Id Car Park');
    const refundOf = async (mchOrderId: string): Promise<string> => {
      const w = await createWalletWithCode(p!, 10_00);
      const now = Date.now();
      const paid = await p!.store.pay({ mchId: m.mchId, mchOrderId, amountSen: 5_00, goodsInfo: 'parking', discountSen: null, point: null, payCode: w.payCode, timestampMs: now });
      expect(paid.kind).toBe('paid');
      const cmd: RefundCommand = { mchId: m.mchId, mchOrderId, mchRefundId: `R-${mchOrderId}`, refundAmountSen: 2_00, reason: null, timestampMs: now };
      const decision = await p!.store.refund(cmd);
      if (decision.kind !== 'accepted') throw new Error(`refund ${decision.kind}`);
      expect(decision.refund.status).toBe('REFUNDED');
      return decision.refund.refundId;
    };
    const first = await refundOf('ORDER-1');
    const next = vi.spyOn(RefundIdSource.prototype, 'next').mockReturnValueOnce(first);
    const second = await refundOf('ORDER-2');
    expect(next.mock.calls.length).toBeGreaterThanOrEqual(2);
    expect(second).not.toBe(first);
    expect((await p.store.findRefund(m.mchId, 'R-ORDER-1'))?.refund.mchRefundId).toBe('R-ORDER-1');
    expect((await p.store.findRefund(m.mchId, 'R-ORDER-2'))?.refund.refundId).toBe(second);
  });

  it('the retry rule runs the transaction again on a clash only, at most ID_CLASH_ATTEMPTS times', async () => {
    const clash = new IdClashError('refunds.refund_id taken');
    let runs = 0;
    await expect(retryOnIdClash(async () => (++runs < 2 ? Promise.reject(clash) : 'done'))).resolves.toBe('done');
    expect(runs).toBe(2);
    runs = 0;
    await expect(retryOnIdClash(async () => { runs++; throw clash; })).rejects.toBe(clash);
    expect(runs).toBe(ID_CLASH_ATTEMPTS);
    runs = 0;
    await expect(retryOnIdClash(async () => { runs++; throw new Error('other'); })).rejects.toThrow('other');
    expect(runs).toBe(1);
  });
});
