import { describe, expect, it } from 'vitest';
import { hashPin } from '../src/domain/credentials.js';
import { createMerchant, createWalletWithCode } from './helpers.js';
import { as, pageCall, sessionOf, type Session } from './page-helpers.js';
import { usePlatformWithCli } from './process-helpers.js';

/**
 * The console's user actions and the operators' CLI are in the audit log with their actor's real
 * role and the request's address (docs/audit-log.md), on both stores.
 */
const t = usePlatformWithCli();
const call = (path: string, body: unknown = {}, s: Session | null = null) => pageCall(t.p, path, body, as(s));
const newest = async (n: number) => (await t.p.store.listAuditLog({ limit: n })).map((e) => ({ action: e.action, detail: e.detail, actor: e.actor, address: e.address }));

async function owner(mchId: string, page: 'merchant' | 'cashier'): Promise<Session> {
  const created = await t.p.store.createCashier(mchId, 'boss', await hashPin('owner-pass-1'), { role: 'owner' });
  if (typeof created === 'string' && created !== 'NAME_TAKEN') throw new Error(created);
  return sessionOf(await call(`${page}/sign-in`, { mchId, name: 'boss', password: 'owner-pass-1' }));
}

describe('the audit log', () => {
  it("records the owner's console actions on users: create, refund limit, reset, as the owner from its address", async () => {
    const shop = await createMerchant(t.p, 'Corner Shop');
    const boss = await owner(shop.mchId, 'merchant');
    expect((await call('merchant/users/create', { name: 'lane-9' }, boss)).code).toBe(0);
    expect((await call('merchant/users/set-refund-limit', { name: 'lane-9', refundLimit: '12.50' }, boss)).code).toBe(0);
    expect((await call('merchant/users/set-refund-limit', { name: 'lane-9', refundLimit: null }, boss)).code).toBe(0);
    expect((await call('merchant/users/reset-password', { name: 'lane-9' }, boss)).code).toBe(0);
    const rows = await newest(4);
    expect(rows.map((r) => [r.action, r.detail])).toEqual([
      ['user.reset', { name: 'lane-9', role: 'cashier' }],
      ['user.setRefundLimit', { name: 'lane-9', refundLimit: null }],
      ['user.setRefundLimit', { name: 'lane-9', refundLimit: '12.50' }],
      ['user.create', { name: 'lane-9', role: 'cashier', refundLimit: null }],
    ]);
    for (const r of rows) {
      expect(r.actor).toMatchObject({ kind: 'merchantUser', mchId: shop.mchId, name: 'boss', role: 'owner' });
      expect(r.address).toMatch(/^(::ffff:)?127\.0\.0\.1$/);
    }
  });

  it("logs an owner's reset with the owner's role, and an owner's refund at the till as the owner's", async () => {
    const shop = await createMerchant(t.p, 'Corner Shop');
    const till = await owner(shop.mchId, 'cashier');
    const { payCode } = await createWalletWithCode(t.p, 10_00);
    expect((await call('cashier/charge', { mchOrderId: 'c-1', amount: '4.00', goodsInfo: 'Coffee', payCode }, till)).code).toBe(0);
    expect((await call('cashier/refund', { mchOrderId: 'c-1', mchRefundId: 'tr-1', refundAmount: '1.50' }, till)).code).toBe(0);
    expect((await newest(1))[0]).toMatchObject({ action: 'refund.request', actor: { kind: 'merchantUser', name: 'boss', role: 'owner' } });
    await t.cliJ(['merchant-user', 'reset', '--mch-id', shop.mchId, '--name', 'boss']);
    expect((await newest(1))[0]).toMatchObject({ action: 'user.reset', detail: { name: 'boss', role: 'owner' }, actor: { kind: 'cli' } });
  }, 60_000);

  it('records `admin create` and `admin reset` with whether TOTP is on, and `admin set-role`', async () => {
    await t.cliJ(['admin', 'create', '--name', 'ops', '--totp']);
    await t.cliJ(['admin', 'create', '--name', 'ops2', '--role', 'support']);
    expect((await newest(2)).map((r) => [r.action, r.detail, r.actor.kind])).toEqual([
      ['operator.create', { name: 'ops2', role: 'support', secondFactor: 'off' }, 'cli'],
      ['operator.create', { name: 'ops', role: 'admin', secondFactor: 'on' }, 'cli'],
    ]);
    await t.cliJ(['admin', 'set-role', '--name', 'ops2', '--role', 'finance']);
    expect((await newest(1)).map((r) => [r.action, r.detail, r.actor.kind])).toEqual([['operator.setRole', { name: 'ops2', role: 'finance', was: 'support' }, 'cli']]);
    await t.cliJ(['admin', 'reset', '--name', 'ops']);
    expect((await newest(1)).map((r) => [r.action, r.detail])).toEqual([['operator.reset', { name: 'ops', secondFactor: 'unchanged' }]]);
  }, 60_000);

  it("keeps an operator's role when it acted: a top-up made as finance still says finance after the role changes", async () => {
    await t.p.store.createOperator('cashdesk', await hashPin('operator-pass-1'), null, { role: 'finance' });
    const ops = sessionOf(await call('admin/sign-in', { name: 'cashdesk', password: 'operator-pass-1' }));
    const { walletId } = await createWalletWithCode(t.p, 1_00);
    expect((await call('admin/wallets/top-up', { walletId, amount: '2.50' }, ops)).code).toBe(0);
    const topUp = (await newest(1))[0]!;
    expect(topUp).toMatchObject({ action: 'wallet.topUp', actor: { kind: 'operator', name: 'cashdesk', role: 'finance' } });
    await t.cliJ(['admin', 'set-role', '--name', 'cashdesk', '--role', 'support']);
    const rows = await t.p.store.listAuditLog({ limit: 5, actorKind: 'operator' });
    expect(rows.map((r) => [r.action, r.actor])).toContainEqual(['wallet.topUp', topUp.actor]);
    // The CLI's reading says it too.
    const cliRead = await t.cli(['audit-log', '--actor', 'operator', '--limit', '1']);
    expect(cliRead.stdout).toContain('operator cashdesk (finance)');
  }, 60_000);
});
