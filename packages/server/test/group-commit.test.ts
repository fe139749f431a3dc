import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { MicropayCommand } from '@micropay/protocol';
import type { PaymentDecision } from '../src/domain/payment.js';
import { accountBalanceSen, execute, sql } from './db-access.js';
import { createMerchant, createWalletWithCode, startTestPlatform, type TestMerchant, type TestPlatform } from './helpers.js';

/**
 * Group commit: payments that arrive together are decided and written in one transaction (on
 * SQLite statement by statement, with a savepoint each only when one of them throws; on
 * PostgreSQL set-based statements — payment-batch.ts). Whatever
 * shares a batch, each payment gets the decision it would get alone, and the ledger balances.
 */
let p: TestPlatform;
let m: TestMerchant;

beforeEach(async () => {
  p = await startTestPlatform();
  m = await createMerchant(p, 'Group Commit Car Park');
});
afterEach(async () => {
  await p?.stop();
});

function cmd(mchOrderId: string, amountSen: number, payCode: string): MicropayCommand {
  return { mchId: m.mchId, mchOrderId, amountSen, goodsInfo: 'parking', discountSen: null, point: null, payCode, timestampMs: Date.now() };
}

interface BatchCounters {
  batches: number;
  payments: number;
  fallbacks: number;
}

/** The store's group-commit counters: batches committed, payments in them, batches that fell back. */
function batchCounters(): BatchCounters {
  return { ...p.store.batchStats };
}

function since(before: BatchCounters): BatchCounters {
  const now = batchCounters();
  return { batches: now.batches - before.batches, payments: now.payments - before.payments, fallbacks: now.fallbacks - before.fallbacks };
}

describe('payments that share a commit', () => {
  it('each gets its own truthful decision: paid, failed, pending, repeat, a code used twice, a wallet paying twice', async () => {
    const rich = await Promise.all(Array.from({ length: 40 }, () => createWalletWithCode(p, 10_00)));
    const poor = await Promise.all(Array.from({ length: 10 }, () => createWalletWithCode(p, 5_00)));
    const big = await createWalletWithCode(p, 500_00);
    // One wallet, two codes: the first is retired by the second, and both are presented at once.
    const twice = await createWalletWithCode(p, 10_00);
    const second = await p.store.issuePayCode(twice.walletId, 60_000);
    if (typeof second === 'string') throw new Error(second);

    const burst: { name: string; cmd: MicropayCommand }[] = [
      ...rich.map((w, i) => ({ name: `rich-${i}`, cmd: cmd(`rich-${i}`, 10_00, w.payCode) })),
      ...poor.map((w, i) => ({ name: `poor-${i}`, cmd: cmd(`poor-${i}`, 10_00, w.payCode) })),
      // The same order five more times, identical: one payment, four repeats.
      ...[1, 2, 3, 4].map((k) => ({ name: `rich-0 again ${k}`, cmd: cmd('rich-0', 10_00, rich[0]!.payCode) })),
      // The same code under another order id: the code pays once.
      { name: 'code reuse', cmd: cmd('reuse-1', 10_00, rich[1]!.payCode) },
      // Above the confirmation limit (250.00): waits for the user, the amount held.
      { name: 'big', cmd: cmd('big-1', 300_00, big.payCode) },
      { name: 'retired code', cmd: cmd('twice-old', 1_00, twice.payCode) },
      { name: 'active code', cmd: cmd('twice-new', 1_00, second.code) },
      { name: 'unknown code', cmd: cmd('unknown-1', 1_00, '391111111111111111') },
    ];
    const before = batchCounters();
    const settled = await Promise.allSettled(burst.map((b) => p.store.pay(b.cmd)));
    const decisions = new Map<string, PaymentDecision>();
    settled.forEach((s, i) => {
      if (s.status === 'rejected') throw s.reason;
      decisions.set(burst[i]!.name, s.value);
    });

    for (let i = 2; i < 40; i++) expect(decisions.get(`rich-${i}`)!.kind).toBe('paid');
    // One code under two order ids: whichever is decided first pays, the other is refused.
    expect([decisions.get('rich-1')!.kind, decisions.get('code reuse')!.kind].sort()).toEqual(['paid', 'rejected']);
    for (let i = 0; i < 10; i++) expect(decisions.get(`poor-${i}`)).toMatchObject({ kind: 'failed', reason: 'INSUFFICIENT_BALANCE' });
    const rich0 = ['rich-0', 'rich-0 again 1', 'rich-0 again 2', 'rich-0 again 3', 'rich-0 again 4'].map((n) => decisions.get(n)!);
    expect(rich0.filter((d) => d.kind === 'paid')).toHaveLength(1);
    expect(rich0.filter((d) => d.kind === 'repeat' && d.sameRequest)).toHaveLength(4);
    for (const name of ['rich-1', 'code reuse']) {
      if (decisions.get(name)!.kind === 'rejected') expect(decisions.get(name)).toMatchObject({ reason: 'CODE_UNUSABLE' });
    }
    expect(decisions.get('big')!.kind).toBe('pending');
    expect(decisions.get('retired code')).toMatchObject({ kind: 'rejected', reason: 'CODE_UNUSABLE' });
    expect(decisions.get('active code')!.kind).toBe('paid');
    expect(decisions.get('unknown code')).toMatchObject({ kind: 'rejected', reason: 'CODE_UNKNOWN' });

    // Each used code names the one order it paid or holds, in its own row.
    for (const name of ['rich-5', 'big', 'active code']) {
      const d = decisions.get(name)!;
      if (d.kind !== 'paid' && d.kind !== 'pending') throw new Error(`${name} was ${d.kind}`);
      const code = burst.find((b) => b.name === name)!.cmd.payCode;
      const rows = await sql<{ status: string; order_id: string }>(p.store, 'SELECT status, order_id FROM pay_codes WHERE code = ?', [code]);
      expect(rows).toEqual([{ status: 'used', order_id: d.order.orderId }]);
    }
    // A code naming another order is an audit failure (the check both stores run).
    const rich5 = decisions.get('rich-5')!;
    if (rich5.kind !== 'paid') throw new Error('rich-5 did not pay');
    await execute(p.store, 'UPDATE pay_codes SET order_id = ? WHERE code = ?', ['4000', rich[5]!.payCode]);
    const broken = (await p.store.audit()).checks.filter((c) => c.violations.length > 0);
    expect(broken).toEqual([{
      name: 'every code that paid or holds an order names that order, and only that one',
      violations: [`order ${rich5.order.orderId} (PAID) used the code ending ${rich[5]!.payCode.slice(14)}, which names 4000 and is used`],
    }]);
    await execute(p.store, 'UPDATE pay_codes SET order_id = ? WHERE code = ?', [rich5.order.orderId, rich[5]!.payCode]);
    expect((await p.store.findWallet(big.walletId))!).toMatchObject({ balanceSen: 500_00, heldSen: 300_00 });
    expect((await p.store.findWallet(twice.walletId))!.balanceSen).toBe(9_00);
    for (const w of poor) expect((await p.store.findWallet(w.walletId))!.balanceSen).toBe(5_00);
    for (const w of rich) expect((await p.store.findWallet(w.walletId))!.balanceSen).toBe(0);
    const report = await p.store.audit();
    expect(report.checks.filter((c) => c.violations.length > 0)).toEqual([]);
    const counted = since(before);
    if (p.store.kind === 'sqlite') {
      // All of them were queued in one turn of the event loop: one batch, one transaction, one fsync.
      expect(counted).toEqual({ batches: 1, payments: burst.length, fallbacks: 0 });
    } else {
      // Committed in batches (the repeats of one order id and the reused code wait for a later
      // one), and no batch had to fall back to one payment at a time.
      expect(counted.fallbacks).toBe(0);
      expect(counted.payments).toBe(burst.length);
      expect(counted.batches).toBeLessThan(burst.length / 4);
    }
  });
});

describe('a payment that fails in the middle of a batch', () => {
  it('fails alone, recorded NEW with no money moved, while the rest of its batch pays', async () => {
    // A fault no request can cause: the database refuses the journal entry of one order.
    if (p.store.kind === 'sqlite') {
      await execute(p.store, `CREATE TRIGGER refuse_boom BEFORE INSERT ON journal_entries
        WHEN NEW.order_id IN (SELECT order_id FROM orders WHERE mch_order_id = 'boom')
        BEGIN SELECT RAISE(ABORT, 'injected fault'); END`);
    } else {
      await execute(p.store, `CREATE FUNCTION refuse_boom() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
          IF NEW.order_id IN (SELECT order_id FROM orders WHERE mch_order_id = 'boom') THEN RAISE EXCEPTION 'injected fault'; END IF;
          RETURN NEW;
        END $$`);
      await execute(p.store, 'CREATE TRIGGER refuse_boom BEFORE INSERT ON journal_entries FOR EACH ROW EXECUTE FUNCTION refuse_boom()');
    }
    const wallets = await Promise.all(Array.from({ length: 30 }, () => createWalletWithCode(p, 10_00)));
    const orderIds = wallets.map((_, i) => (i === 13 ? 'boom' : `ok-${i}`));
    const before = batchCounters();
    const settled = await Promise.allSettled(wallets.map((w, i) => p.store.pay(cmd(orderIds[i]!, 4_00, w.payCode))));
    // The failing payment shared its batch with the 29 others: on SQLite one transaction, where it
    // was undone alone (its savepoint); on PostgreSQL one batch that was rolled back whole and ran
    // again one payment at a time.
    expect(since(before)).toEqual(p.store.kind === 'sqlite' ? { batches: 1, payments: 30, fallbacks: 0 } : { batches: 0, payments: 0, fallbacks: 1 });

    settled.forEach((s, i) => {
      if (i === 13) expect(s.status).toBe('rejected');
      else expect(s.status === 'fulfilled' && s.value.kind).toBe('paid');
    });
    expect((await p.store.findOrder(m.mchId, 'boom'))!.status).toBe('NEW');
    expect((await p.store.findWallet(wallets[13]!.walletId))!.balanceSen).toBe(10_00);
    for (const [i, w] of wallets.entries()) if (i !== 13) expect((await p.store.findWallet(w.walletId))!.balanceSen).toBe(6_00);
    expect(await accountBalanceSen(p.store, `merchant:${m.mchId}`)).toBe(29 * 4_00);
    expect((await p.store.audit()).checks.filter((c) => c.violations.length > 0)).toEqual([]);
  });
});
