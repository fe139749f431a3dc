import { userInfo } from 'node:os';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Secret } from '@micropay/protocol';
import { auditDetailProblem, type ActingAs, type AuditAction, type AuditLogEntry } from '../src/domain/audit-log.js';
import { checkEffect } from '../src/domain/effects.js';
import { newApiKey } from '../src/domain/ids.js';
import { execute, sql } from './db-access.js';
import { createWalletWithCode, micropayParams, postSigned, startTestPlatform, TEST_STORE, type TestPlatform } from './helpers.js';
import { usePlatformWithCli } from './process-helpers.js';
import { as, pageCall, signInCashier } from './page-helpers.js';

/**
 * The audit log (docs/audit-log.md) on both stores: every wired action appends exactly one row in
 * its own transaction, a refused or repeated one none; the database refuses to change or delete a
 * row; `micropay audit-log` prints them; no detail ever holds a secret.
 */
const OPERATOR: ActingAs = { actor: { kind: 'operator', operatorId: 'op-1', name: 'ops-alice', role: 'admin' }, address: '203.0.113.7' };

const all = (p: TestPlatform): Promise<AuditLogEntry[]> => p.store.listAuditLog({ limit: 1000 });

describe('the audit log records each action by an actor', () => {
  let p: TestPlatform;
  beforeEach(async () => {
    p = await startTestPlatform();
  });
  afterEach(async () => {
    await p.stop();
  });

  /** Runs `act`; `action` null: it must log nothing, else exactly one row, newest, by `acting`. */
  async function step<T>(action: AuditAction | null, act: () => Promise<T>, acting: ActingAs = OPERATOR): Promise<T> {
    const before = await all(p);
    const result = await act();
    const after = await all(p);
    if (action === null) {
      expect(after.length, 'a refused, repeated or unattributed action logs nothing').toBe(before.length);
      return result;
    }
    expect(after.length, `${action} logs one row`).toBe(before.length + 1);
    expect(after[0]).toMatchObject({ action, actor: acting.actor, address: acting.address });
    expect(after[0]!.logId).toBeGreaterThan(before[0]?.logId ?? 0);
    return result;
  }

  it('merchants, wallets, cashiers, refunds and payouts: one row per change, none for a refusal or repeat', async () => {
    const key = newApiKey();
    const m = await step('merchant.import', () => p.store.createMerchant({ name: 'Car Park', apiKey: new Secret(key), mchId: '202006001' }, OPERATOR));
    await step(null, () => p.store.createMerchant({ name: 'No actor', apiKey: new Secret(newApiKey()) }));
    await step('merchant.update', () => p.store.updateMerchant(m.mchId, { name: 'Car Park North' }, OPERATOR));
    await step('merchant.rollKey', () => p.store.rollMerchantKey(m.mchId, new Secret(newApiKey()), 3_600_000, OPERATOR));
    const account = { holderName: 'Car Park Ltd', bankName: 'West Bank', accountNumber: 'GB82WEST12345698765432' };
    await step('merchant.setPayoutAccount', () => p.store.setPayoutAccount(m.mchId, account, OPERATOR));
    await step(null, () => p.store.setPayoutAccount(m.mchId, account, OPERATOR));
    await step('merchant.disable', () => p.store.setMerchantStatus(m.mchId, 'disabled', OPERATOR));
    await step(null, () => p.store.setMerchantStatus(m.mchId, 'disabled', OPERATOR));
    await step('merchant.enable', () => p.store.setMerchantStatus(m.mchId, 'active', OPERATOR));

    const w = await step('wallet.create', () => p.store.createWallet({ name: 'Bob', openingSen: 5_00 }, OPERATOR));
    await step('wallet.topUp', () => p.store.topUp(w.walletId, 20_00, OPERATOR));
    await step('wallet.freeze', () => p.store.setWalletStatus(w.walletId, 'frozen', OPERATOR));
    await step(null, () => p.store.setWalletStatus(w.walletId, 'frozen', OPERATOR));
    await step('wallet.unfreeze', () => p.store.setWalletStatus(w.walletId, 'active', OPERATOR));
    // Unlocking a PIN that is not locked is no action; a locked one (failures set without an actor) is.
    await step(null, () => p.store.updateWalletSecurity(w.walletId, { pinFailures: 0 }, OPERATOR));
    await step(null, () => p.store.updateWalletSecurity(w.walletId, { pinFailures: 5 }));
    await step('wallet.unlockPin', () => p.store.updateWalletSecurity(w.walletId, { pinFailures: 0 }, OPERATOR));
    await step('payCode.issue', () => p.store.issuePayCode(w.walletId, 60_000, OPERATOR));

    await step('user.create', () => p.store.createCashier(m.mchId, 'lane-1', 'scrypt-hash-placeholder', {}, OPERATOR));
    expect(await step(null, () => p.store.createCashier(m.mchId, 'lane-1', 'scrypt-hash-placeholder', {}, OPERATOR))).toBe('NAME_TAKEN');
    await step('user.reset', () => p.store.resetCashierPassword(m.mchId, 'lane-1', 'another-hash', OPERATOR));

    // A payment through the merchant API is no console action; the owner's refund of it is.
    const { payCode } = await createWalletWithCode(p, 10_00);
    const paid = await step(null, () => postSigned(p.url, 'micropay', micropayParams({ mchId: m.mchId, key, name: m.name }, 'o-1', '10.00', payCode), key));
    expect(paid.body.code).toBe(0);
    const owner: ActingAs = { actor: { kind: 'merchantUser', userId: 'u-1', mchId: m.mchId, name: 'owner-ann', role: 'owner' }, address: '198.51.100.4' };
    const cmd = { mchId: m.mchId, mchOrderId: 'o-1', mchRefundId: 'r-1', refundAmountSen: 3_00, reason: null, timestampMs: Date.now() };
    expect((await step('refund.request', () => p.store.refund(cmd, owner), owner)).kind).toBe('accepted');
    expect((await step(null, () => p.store.refund(cmd, owner), owner)).kind).toBe('repeat');
    expect((await step(null, () => p.store.refund({ ...cmd, mchRefundId: 'r-2', refundAmountSen: 50_00 }, owner), owner)).kind).toBe('rejected');

    const payout = await step('payout.request', () => p.store.requestPayout({ mchId: m.mchId, amountSen: 2_00, requestId: 'bank-1' }, OPERATOR));
    expect((await step(null, () => p.store.requestPayout({ mchId: m.mchId, amountSen: 900_00, requestId: null }, OPERATOR))).kind).toBe('rejected');
    if (payout.kind !== 'requested') throw new Error(payout.kind);
    await step('payout.confirm', () => p.store.confirmPayout(payout.payout.payoutId, OPERATOR));
    expect((await step(null, () => p.store.confirmPayout(payout.payout.payoutId, OPERATOR))).kind).toBe('repeat');
    await step('wallet.close', () => p.store.closeWallet(w.walletId, OPERATOR));
    expect(await step(null, () => p.store.issueSignInLink(w.walletId, OPERATOR))).toBe('WALLET_CLOSED');
    await step('ledgerAudit.run', () => p.store.recordAction(OPERATOR, { action: 'ledgerAudit.run', mchId: null, subjectId: null, detail: { ok: true } }));

    const entries = await all(p);
    const refund = entries.find((e) => e.action === 'refund.request')!;
    expect(refund).toMatchObject({ mchId: m.mchId, detail: { mchOrderId: 'o-1', mchRefundId: 'r-1', amount: '3.00' } });
    expect(entries.find((e) => e.action === 'wallet.topUp')!.detail).toEqual({ amount: '20.00' });
  });

  it("a refund at the till is its cashier's, from the page's address; a refused one is not logged", async () => {
    const m = await p.store.createMerchant({ name: 'Corner Shop', apiKey: new Secret(newApiKey()) });
    const till = await signInCashier(p, m.mchId, 'lane-1');
    const { payCode } = await createWalletWithCode(p, 10_00);
    expect((await pageCall(p, 'cashier/charge', { mchOrderId: 'c-1', amount: '4.00', goodsInfo: 'Coffee', payCode }, as(till))).code).toBe(0);
    expect(await all(p), 'a charge is the payment path: not logged').toEqual([]);
    const refund = (mchRefundId: string, refundAmount: string) =>
      pageCall(p, 'cashier/refund', { mchOrderId: 'c-1', mchRefundId, refundAmount }, as(till));
    expect((await refund('tr-1', '9.00')).code).not.toBe(0);
    expect(await all(p)).toEqual([]);
    expect((await refund('tr-2', '1.50')).code).toBe(0);
    const [entry, ...rest] = await all(p);
    expect(rest).toEqual([]);
    expect(entry).toMatchObject({
      action: 'refund.request', mchId: m.mchId, detail: { mchOrderId: 'c-1', mchRefundId: 'tr-2', amount: '1.50' },
      actor: { kind: 'merchantUser', mchId: m.mchId, name: 'lane-1', role: 'cashier' },
    });
    expect(entry!.address).toMatch(/^(::ffff:)?127\.0\.0\.1$/);
  });

  it('a notification re-driven by hand is logged; an unknown one is not', async () => {
    const m = await p.store.createMerchant({ name: 'A', apiKey: new Secret(newApiKey()), notifyUrl: 'http://127.0.0.1:9/hook' });
    const key = newApiKey();
    await p.store.rollMerchantKey(m.mchId, new Secret(key), 0);
    const { payCode } = await createWalletWithCode(p, 10_00);
    expect((await postSigned(p.url, 'micropay', micropayParams({ mchId: m.mchId, key, name: m.name }, 'o-1', '1.00', payCode), key)).body.code).toBe(0);
    const [n] = await p.store.listNotifications({ mchId: m.mchId, limit: 1 });
    expect((await step('notification.retry', () => p.store.retryNotification(n!.notificationId, undefined, OPERATOR))).kind).toBe('retried');
    expect((await all(p))[0]).toMatchObject({ mchId: m.mchId, subjectId: n!.notificationId, detail: { eventType: n!.eventType } });
    expect((await step(null, () => p.store.retryNotification('no-such-notification', undefined, OPERATOR))).kind).toBe('not_found');
  });

  it('reads newest first, by merchant, actor kind, action and time, a page at a time by log id', async () => {
    const a = await p.store.createMerchant({ name: 'A', apiKey: new Secret(newApiKey()) }, OPERATOR);
    const b = await p.store.createMerchant({ name: 'B', apiKey: new Secret(newApiKey()) }, OPERATOR);
    const cli: ActingAs = { actor: { kind: 'cli', name: 'root' }, address: null };
    await p.store.setMerchantStatus(a.mchId, 'disabled', cli);
    await p.store.setMerchantStatus(b.mchId, 'disabled', OPERATOR);
    const newest = await all(p);
    expect(newest.map((e) => [e.action, e.mchId])).toEqual([
      ['merchant.disable', b.mchId], ['merchant.disable', a.mchId], ['merchant.create', b.mchId], ['merchant.create', a.mchId],
    ]);
    expect((await p.store.listAuditLog({ mchId: a.mchId, limit: 10 })).map((e) => e.action)).toEqual(['merchant.disable', 'merchant.create']);
    expect((await p.store.listAuditLog({ actorKind: 'cli', limit: 10 })).map((e) => e.actor)).toEqual([{ kind: 'cli', name: 'root' }]);
    expect((await p.store.listAuditLog({ action: 'merchant.create', limit: 10 })).map((e) => e.mchId)).toEqual([b.mchId, a.mchId]);
    expect(await p.store.listAuditLog({ sinceMs: newest[0]!.atMs + 1, limit: 10 })).toEqual([]);
    const first = await p.store.listAuditLog({ limit: 3 });
    const second = await p.store.listAuditLog({ beforeLogId: first[2]!.logId, limit: 3 });
    expect([...first, ...second]).toEqual(newest);
  });

  it('an action whose write fails leaves no row, and an action whose row cannot be written is not done', async () => {
    const w = await p.store.createWallet({ name: 'Bob', openingSen: 0, tokenHash: 'same-token-hash' }, OPERATOR);
    // The wallet's insert clashes on its token: the transaction, row included, rolls back.
    await expect(step(null, () => p.store.createWallet({ name: 'Eve', openingSen: 0, tokenHash: 'same-token-hash' }, OPERATOR))).rejects.toThrow();
    // A merchant user's row must concern its own merchant: the append fails last, and the top-up
    // before it in the same transaction is undone with it.
    const stranger: ActingAs = { actor: { kind: 'merchantUser', userId: 'u-9', mchId: '999', name: 'x', role: 'owner' }, address: null };
    await expect(step(null, () => p.store.topUp(w.walletId, 7_00, stranger))).rejects.toThrow(/its own merchant/);
    expect((await p.store.findWallet(w.walletId))!.balanceSen).toBe(0);
  });

  it('the database itself refuses to change or delete a row', async () => {
    await p.store.createMerchant({ name: 'A', apiKey: new Secret(newApiKey()) }, OPERATOR);
    const before = await sql(p.store, 'SELECT * FROM audit_log');
    await expect(execute(p.store, "UPDATE audit_log SET actor_name = 'someone else'")).rejects.toThrow(/append-only/);
    await expect(execute(p.store, 'DELETE FROM audit_log')).rejects.toThrow(/append-only/);
    if (TEST_STORE === 'postgres') await expect(execute(p.store, 'TRUNCATE audit_log')).rejects.toThrow(/append-only/);
    expect(await sql(p.store, 'SELECT * FROM audit_log')).toEqual(before);
  });
});

describe('an audit detail', () => {
  it('refuses fields that could hold a secret, amounts that are not decimal strings, and long or unprintable text', () => {
    expect(auditDetailProblem({ name: 'Car Park', amount: '12.50', attempts: 3, ok: true, notifyUrl: null })).toBeNull();
    for (const key of ['apiKey', 'password', 'pin', 'token', 'payCode', 'sessionId', 'totpSecret', 'passwordHash']) {
      expect(auditDetailProblem({ [key]: 'x' }), key).toMatch(/could hold a secret/);
    }
    expect(auditDetailProblem({ amount: 1250 })).toMatch(/decimal amount/);
    expect(auditDetailProblem({ amount: '12.5' })).toMatch(/decimal amount/);
    expect(auditDetailProblem({ count: 0.5 })).toMatch(/whole number/);
    expect(auditDetailProblem({ note: 'x'.repeat(201) })).toMatch(/short printable/);
    expect(auditDetailProblem({ note: 'a\u202Eb' })).toMatch(/short printable/);
    expect(auditDetailProblem({ nested: {} as unknown as string })).toMatch(/not plain text/);
  });

  it('with a secret in it is refused by the effect check before any store writes it', () => {
    const entry = { atMs: Date.now(), actor: OPERATOR.actor, address: null, action: 'merchant.rollKey' as const, mchId: '1', subjectId: '1', detail: { newKey: 'k' } };
    expect(() => checkEffect({ kind: 'appendAuditLog', entry })).toThrow(/could hold a secret/);
  });
});

describe('micropay audit-log', () => {
  const t = usePlatformWithCli();

  it('prints the CLI user\'s actions newest first, and no audit_log row holds a secret the commands printed', async () => {
    const importedKey = 'P8yAFr213xcvb41xfgkjELoOhWl';
    await t.cliJ(['merchant', 'create', '--name', 'Moved Shop', '--mch-id', '202006001', '--key', importedKey]);
    const rolled = await t.cliJ<{ apiKey: string }>(['merchant', 'roll-key', '202006001']);
    const created = await t.cliJ<{ password: string }>(['cashier', 'create', '--mch-id', '202006001', '--name', 'lane-1']);
    const reset = await t.cliJ<{ password: string }>(['cashier', 'reset', '--mch-id', '202006001', '--name', 'lane-1']);
    const wallet = await t.cliJ<{ walletId: string; token: string }>(['wallet', 'create', '--name', 'Bob', '--pin', '482915', '--balance', '5.00']);
    const link = await t.cliJ<{ link: string }>(['wallet', 'link', wallet.walletId]);
    const code = await t.cliJ<{ payCode: string }>(['paycode', wallet.walletId]);
    const secrets = [importedKey, rolled.apiKey, created.password, reset.password, wallet.token, '482915', link.link.split('#link=')[1]!, code.payCode];

    const rows = await sql(t.p.store, 'SELECT * FROM audit_log');
    expect(rows).toHaveLength(7);
    const text = JSON.stringify(rows);
    for (const secret of secrets) expect(text.includes(secret), 'a secret in the audit log').toBe(false);

    const me = userInfo().username;
    const shown = await t.cli(['audit-log', '--limit', '3']);
    expect(shown.code).toBe(0);
    const lines = shown.stdout.trimEnd().split('\n');
    expect(lines).toHaveLength(4);
    expect(lines[0]).toMatch(new RegExp(`^7  \\S+ \\S+ \\S+  cli:${me}  from the CLI  payCode.issue  subject ${wallet.walletId}$`));
    expect(lines[2]).toContain(`cli:${me}  from the CLI  wallet.create  subject ${wallet.walletId}  name="Bob" openingBalance="5.00"`);
    expect(lines[3]).toBe('More: micropay audit-log --cursor 5 --limit 3');
    const page = await t.cliJ<{ entries: { logId: string; action: string; actor: unknown; address: null }[]; next: string | null }>(
      ['audit-log', '--mch-id', '202006001', '--cursor', '5']);
    expect(page.entries.map((e) => [e.logId, e.action])).toEqual([['4', 'user.reset'], ['3', 'user.create'], ['2', 'merchant.rollKey'], ['1', 'merchant.import']]);
    expect(page.entries[0]).toMatchObject({ actor: { kind: 'cli', name: me }, address: null });
    expect(page.next).toBeNull();
    const bad = await t.cli(['audit-log', '--action', 'merchant.explode']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/--action must be one of merchant\.create/);
    // The largest page the help names is a page that can be read; one more is refused in words.
    const largest = await t.cliJ<{ entries: unknown[]; next: string | null }>(['audit-log', '--limit', '1000']);
    expect([largest.entries.length, largest.next]).toEqual([7, null]);
    const tooMany = await t.cli(['audit-log', '--limit', '1001']);
    expect([tooMany.code, tooMany.stderr.trim()]).toEqual([2, 'micropay audit-log: --limit must be a whole number from 1 to 1000 (see micropay audit-log --help)']);
    // Behind a proxy a link is on the platform's public address, set once.
    const proxied = await t.cliJ<{ link: string; note?: string }>(['wallet', 'link', wallet.walletId], { MICROPAY_PUBLIC_URL: 'https://pay.example.com/' });
    expect(proxied.link).toMatch(/^https:\/\/pay\.example\.com\/wallet#link=\S+$/);
    expect(proxied.note).toBeUndefined();
    // With neither, on a HOST of all addresses, the link is this machine's own, and says so.
    const local = await t.cli(['wallet', 'link', wallet.walletId], { HOST: '0.0.0.0' });
    expect(local.stdout).toMatch(/^Sign-in link for wallet \d{12} \(one use, valid until .+\):\n {2}http:\/\/127\.0\.0\.1:\d+\/wallet#link=\S+\n/);
    expect(local.stdout.split('\n')[2]).toBe("This address is this machine's own: only a browser on this machine opens it. Set MICROPAY_PUBLIC_URL (or give --url) to the address the holder's phone reaches.");
  }, 120_000);
});
