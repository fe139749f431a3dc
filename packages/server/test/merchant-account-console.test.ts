import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { hashPin } from '../src/domain/credentials.js';
import { rollKey } from '../src/services/operator-actions.js';
import { execute, sql } from './db-access.js';
import { createMerchant, createWalletWithCode, ManualClock, micropayParams, postSigned, startTestPlatform, type TestMerchant, type TestPlatform } from './helpers.js';
import { as, pageCall, sessionOf, type PageAnswer, type Session } from './page-helpers.js';
import { runCli } from './process-helpers.js';

/**
 * The merchant console's API key, Notifications, Balance & payouts and Activity sections
 * (docs/consoles.md), over real HTTP on both stores: what a cashier is refused whatever the body
 * says, a user reaching only its own merchant, the audit row of each action, a payout request that
 * a repeat never pays twice, and a disabled merchant's users refused on every call (1022).
 */
let p: TestPlatform;
let clock: ManualClock;
const call = (path: string, body: unknown = {}, s: Session | null = null, csrf: string | null = s?.csrf ?? null): Promise<PageAnswer> =>
  pageCall(p, path, body, as(s, csrf));
const count = async (table: string) => Number((await sql<{ n: number | string }>(p.store, `SELECT COUNT(*) AS n FROM ${table}`))[0]!.n);
// The sections' own actions: each console sign-in is in the log too (session.signIn), not counted here.
const actions = async (mchId: string) => (await p.store.listAuditLog({ mchId, limit: 100 })).map((e) => e.action).filter((a) => !a.startsWith('session.'));

async function signIn(m: TestMerchant, name: string, role: 'owner' | 'cashier'): Promise<Session> {
  const created = await p.store.createCashier(m.mchId, name, await hashPin('user-password-1'), { role, refundLimitSen: null });
  if (typeof created === 'string') throw new Error(created);
  return sessionOf(await call('merchant/sign-in', { mchId: m.mchId, name, password: 'user-password-1' }));
}

/** A paid order of `amount`: the merchant's balance grows by it. */
async function pay(m: TestMerchant, order: string, amount: string): Promise<void> {
  const { payCode } = await createWalletWithCode(p, 100_00);
  const res = await postSigned(p.url, 'micropay', { ...micropayParams(m, order, amount, payCode), timestamp: String(clock.now) }, m.key);
  expect(res.body.code, res.text).toBe(0);
}

/** A dead TEST notification of `m` (its notify URL set first), by hand: no worker needs to fail it. */
async function deadTest(m: TestMerchant): Promise<string> {
  await p.store.updateMerchant(m.mchId, { notifyUrl: 'http://127.0.0.1:9/hook' });
  const sent = await p.store.sendTestNotification(m.mchId);
  if (sent.kind !== 'queued') throw new Error(sent.kind);
  await execute(p.store, "UPDATE notifications SET status = 'dead', attempts = 1 WHERE notification_id = ?", [sent.notificationId]);
  return sent.notificationId;
}

beforeEach(async () => {
  clock = new ManualClock();
  p = await startTestPlatform({}, clock);
});
afterEach(async () => {
  await p.stop();
});

describe("a cashier's limits in the merchant console's account sections", () => {
  it('cannot roll keys, set the notify URL, test, retry, request payouts or read Activity (9122), whatever the body says; nothing is written', async () => {
    const shop = await createMerchant(p, 'Corner Shop');
    await pay(shop, 'order-1', '50.00');
    const dead = await deadTest(shop);
    const cashier = await signIn(shop, 'lane-1', 'cashier');
    const keyBefore = (await p.store.findMerchant(shop.mchId))!.apiKey.expose();
    const logBefore = await count('audit_log');
    for (const [path, body] of [
      ['merchant/api-key/show', {}], ['merchant/api-key/roll', { overlapHours: '1' }], ['merchant/api-key/roll', { role: 'owner' }],
      ['merchant/notifications/show', {}], ['merchant/notifications/set-url', { notifyUrl: 'https://cashier.example/hook' }],
      ['merchant/notifications/test', {}], ['merchant/notifications/dead', {}], ['merchant/notifications/retry', { notificationId: dead }],
      ['merchant/notifications/retry-all', {}], ['merchant/balance/request-payout', { amount: '10.00', requestId: 'r-1' }],
      ['merchant/activity', {}], ['merchant/notifications/test-attempts', { notificationId: dead }],
    ] as const) {
      const a = await call(path, body, cashier);
      expect([a.status, a.code, a.data], path).toEqual([403, 9122, null]);
    }
    const after = (await p.store.findMerchant(shop.mchId))!;
    expect([after.apiKey.expose(), after.notifyUrl]).toEqual([keyBefore, 'http://127.0.0.1:9/hook']);
    expect(await count('payouts')).toBe(0);
    expect((await p.store.listDeadNotifications(shop.mchId, null, 10)).map((n) => n.notificationId)).toEqual([dead]);
    expect(await count('audit_log')).toBe(logBefore);
    // The balance is everyone's to read.
    expect((await call('merchant/balance/show', {}, cashier)).data).toEqual({ available: '50.00', payoutsRequested: '0.00' });
  });
});

describe('a merchant user reaches only its own merchant', () => {
  it("another merchant's notification id is not found (9051); a merchant id in the body is refused (1021), never used", async () => {
    const shop = await createMerchant(p, 'Corner Shop');
    const other = await createMerchant(p, 'Other Shop');
    const theirs = await deadTest(other);
    const owner = await signIn(shop, 'boss', 'owner');
    expect((await call('merchant/notifications/retry', { notificationId: theirs }, owner)).code).toBe(9051);
    expect((await call('merchant/notifications/test-attempts', { notificationId: theirs }, owner)).data).toEqual({ attempts: [] });
    expect((await call('merchant/notifications/dead', {}, owner)).data).toEqual({ notifications: [], next: null });
    expect((await call('merchant/notifications/retry-all', {}, owner)).data).toEqual({ count: 0 });
    expect((await p.store.listDeadNotifications(other.mchId, null, 10)).map((n) => n.notificationId)).toEqual([theirs]);
    for (const [path, body] of [['merchant/api-key/roll', { mchId: other.mchId }], ['merchant/notifications/set-url', { notifyUrl: null, mchId: other.mchId }],
      ['merchant/balance/show', { mchId: other.mchId }], ['merchant/activity', { mchId: other.mchId }],
      ['merchant/balance/request-payout', { amount: '1.00', requestId: 'x', mchId: other.mchId }]] as const) {
      const a = await call(path, body, owner);
      expect([a.code, a.msg], path).toEqual([1021, expect.stringContaining('unknown parameter')]);
    }
    expect((await p.store.findMerchant(other.mchId))!.notifyUrl).toBe('http://127.0.0.1:9/hook');
    expect((await call('merchant/api-key/show', {}, owner)).data).toMatchObject({ mchId: shop.mchId });
    // Activity shows this merchant's rows only: the other's updates are not in it.
    const entries = (await call('merchant/activity', {}, owner)).data!.entries as { action: string }[];
    expect(entries.map((e) => e.action)).toEqual(['session.signIn']);
  });

  it('a change without the CSRF token is refused (9121) and writes nothing', async () => {
    const shop = await createMerchant(p, 'Corner Shop');
    const owner = await signIn(shop, 'boss', 'owner');
    const logBefore = await count('audit_log');
    for (const path of ['merchant/api-key/roll', 'merchant/notifications/set-url', 'merchant/balance/request-payout', 'merchant/notifications/retry-all']) {
      expect((await call(path, { notifyUrl: 'https://x.example/' }, owner, null)).code, path).toBe(9121);
    }
    expect((await call('merchant/api-key/show')).code).toBe(9120);
    expect(await count('audit_log')).toBe(logBefore);
    expect((await p.store.findMerchant(shop.mchId))!.keyRolledAtMs).toBeNull();
  });
});

describe("the owner's actions, each with its audit row", () => {
  it('rolls the key: shown once, the old one verifies in the overlap, the log names no key', async () => {
    const shop = await createMerchant(p, 'Corner Shop');
    const owner = await signIn(shop, 'boss', 'owner');
    expect((await call('merchant/api-key/roll', { overlapHours: '721' }, owner)).code).toBe(1021);
    expect((await call('merchant/api-key/roll', { overlapHours: '1.5' }, owner)).code).toBe(1021);
    const rolled = await call('merchant/api-key/roll', { overlapHours: '2' }, owner);
    expect(rolled.data).toMatchObject({ mchId: shop.mchId, keyRolledAtMs: clock.now, previousKeyUntilMs: clock.now + 2 * 3_600_000, keyFirstUsedAtMs: null });
    const newKey = rolled.data!.apiKey as string;
    expect(newKey).not.toBe(shop.key);
    const shown = await call('merchant/api-key/show', {}, owner);
    expect(shown.text).not.toContain(newKey);
    expect(shown.data).toEqual({ mchId: shop.mchId, keyRolledAtMs: clock.now, previousKeyUntilMs: clock.now + 2 * 3_600_000, keyFirstUsedAtMs: null });
    await pay({ ...shop, key: shop.key }, 'old-key', '1.00');
    await pay({ ...shop, key: newKey }, 'new-key', '1.00');
    expect((await call('merchant/api-key/show', {}, owner)).data!.keyFirstUsedAtMs).toBe(clock.now);
    const [entry] = await p.store.listAuditLog({ mchId: shop.mchId, action: 'merchant.rollKey', limit: 5 });
    expect(entry).toMatchObject({ actor: { kind: 'merchantUser', name: 'boss', role: 'owner' }, detail: { overlapMinutes: 120 } });
    expect(entry!.address).toMatch(/127\.0\.0\.1/);
    expect(JSON.stringify(await sql(p.store, 'SELECT * FROM audit_log'))).not.toContain(newKey);
  });

  it('sets and clears the notify URL by the one rule (1021 for a bad one, nothing written), and sends a test', async () => {
    const shop = await createMerchant(p, 'Corner Shop');
    const owner = await signIn(shop, 'boss', 'owner');
    expect((await call('merchant/notifications/test', {}, owner)).code).toBe(9050);
    // Spaces and control characters, which the URL parser would quietly drop, are refused: the URL is kept as typed.
    const unprintable = [' https://x.example/', 'https://x.example/a b', 'https://x.example/a\u0001b\u001b[31m', '\u0000https://x.example/', 'https://x.example/\u202e'];
    for (const bad of ['ftp://x.example/', 'not a url', `https://x.example/${'a'.repeat(2048)}`, 42, ...unprintable]) {
      const a = await call('merchant/notifications/set-url', { notifyUrl: bad }, owner);
      expect(a.code, String(bad)).toBe(1021);
    }
    expect((await call('merchant/notifications/set-url', {}, owner)).code).toBe(1021);
    expect(await actions(shop.mchId)).toEqual([]);
    expect((await call('merchant/notifications/set-url', { notifyUrl: 'https://shop.example/hook' }, owner)).data).toEqual({ notifyUrl: 'https://shop.example/hook', warning: null });
    expect((await call('merchant/notifications/show', {}, owner)).data).toEqual({ notifyUrl: 'https://shop.example/hook' });
    const sent = await call('merchant/notifications/test', {}, owner);
    expect(sent.data).toMatchObject({ url: 'https://shop.example/hook' });
    expect((await call('merchant/notifications/test-attempts', { notificationId: sent.data!.notificationId }, owner)).code).toBe(0);
    expect((await call('merchant/notifications/set-url', { notifyUrl: null }, owner)).data).toEqual({ notifyUrl: null, warning: null });
    expect(await actions(shop.mchId)).toEqual(['merchant.update', 'notification.test', 'merchant.update']);
    const [test] = await p.store.listAuditLog({ mchId: shop.mchId, action: 'notification.test', limit: 1 });
    expect(test!.subjectId).toBe(sent.data!.notificationId);
  });

  it('a notify URL this platform will not post to is saved with a warning, in the console and the CLI', async () => {
    const shop = await createMerchant(p, 'Corner Shop');
    const owner = await signIn(shop, 'boss', 'owner');
    const saved = await call('merchant/notifications/set-url', { notifyUrl: 'http://10.9.9.9/hook' }, owner);
    expect(saved.data).toEqual({
      notifyUrl: 'http://10.9.9.9/hook',
      warning: expect.stringMatching(/^notifications to http:\/\/10\.9\.9\.9\/hook will not be delivered: the receiver's address 10\.9\.9\.9 is private/),
    });
    const cli = await runCli(['merchant', 'update', shop.mchId, '--notify-url', 'http://169.254.169.254/latest', '--db', p.config.database]);
    expect(cli.code).toBe(0);
    expect(cli.stdout).toMatch(/\nWarning: notifications to http:\/\/169\.254\.169\.254\/latest will not be delivered: .+ never a notification receiver\.\n$/);
  });

  it("the CLI's merchant update refuses a bad notify URL by the same rule (updateMerchant's), writing nothing", async () => {
    const shop = await createMerchant(p, 'Corner Shop');
    const refused = await runCli(['merchant', 'update', shop.mchId, '--notify-url', 'ftp://x.example/', '--db', p.config.database]);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toContain('--notify-url must be an absolute http:// or https:// URL of at most 2048 characters');
    expect((await p.store.findMerchant(shop.mchId))!.notifyUrl).toBeNull();
    expect(await p.store.listAuditLog({ mchId: shop.mchId, action: 'merchant.update', limit: 5 })).toEqual([]);
  });

  it('pages dead letters and retries one and all, each audited', async () => {
    const shop = await createMerchant(p, 'Corner Shop');
    const owner = await signIn(shop, 'boss', 'owner');
    const ids = [await deadTest(shop), await deadTest(shop), await deadTest(shop)];
    const first = await call('merchant/notifications/dead', { limit: 2 }, owner);
    const second = await call('merchant/notifications/dead', { limit: 2, cursor: first.data!.next }, owner);
    const paged = [...first.data!.notifications, ...second.data!.notifications].map((n: { notificationId: string }) => n.notificationId);
    expect(new Set(paged)).toEqual(new Set(ids));
    expect(second.data!.next).toBeNull();
    // A test delivery tells of no order or refund of the merchant's.
    expect(first.data!.notifications[0]).toMatchObject({ eventType: 'TEST', merchantOrderId: null, merchantRefundId: null });
    expect((await call('merchant/notifications/dead', { cursor: 'nope' }, owner)).code).toBe(1021);
    expect((await call('merchant/notifications/dead', { limit: 0 }, owner)).code).toBe(1021);
    // Both of the owner's plain lists read their page the same way (api/console-pages.ts, checkedPageOf).
    for (const list of ['merchant/notifications/dead', 'merchant/activity']) {
      expect(await call(list, { limit: 501 }, owner)).toMatchObject({ code: 1021, msg: expect.stringContaining('limit must be a whole number from 1 to') });
      expect(await call(list, { limit: 2, sort: 'desc' }, owner)).toMatchObject({ code: 1021, msg: expect.stringContaining('sort') });
    }
    expect((await call('merchant/notifications/retry', { notificationId: ids[0] }, owner)).data).toEqual({ retried: true, status: 'pending' });
    expect((await call('merchant/notifications/retry-all', {}, owner)).data).toEqual({ count: 2 });
    const log = await p.store.listAuditLog({ mchId: shop.mchId, action: 'notification.retry', limit: 5 });
    expect(log.map((e) => [e.subjectId, e.detail])).toEqual([[null, { all: true, count: 2 }], [ids[0], { eventType: 'TEST', attempts: 1 }]]);
  });

  it('requests a payout once per request id, never above the balance; the balance shows it', async () => {
    const shop = await createMerchant(p, 'Corner Shop');
    const owner = await signIn(shop, 'boss', 'owner');
    await pay(shop, 'order-1', '80.00');
    // Nowhere to send it yet: refused, nothing moved.
    expect((await call('merchant/balance/request-payout', { amount: '10.00', requestId: 'r-0' }, owner)).code).toBe(9044);
    expect((await call('merchant/balance/set-payout-account', { ...{ holderName: 'Corner Shop Ltd', bankName: 'West Bank', accountNumber: 'GB82 WEST 1234 5698 7654 32' }, password: 'user-password-1' }, owner)).code).toBe(0);
    expect((await call('merchant/balance/request-payout', { amount: '80.01', requestId: 'r-0' }, owner)).code).toBe(9040);
    expect((await call('merchant/balance/request-payout', { amount: '0.00', requestId: 'r-0' }, owner)).code).toBe(1021);
    expect((await call('merchant/balance/request-payout', { amount: 30, requestId: 'r-0' }, owner)).code).toBe(1021);
    const asked = await Promise.all([1, 2].map(() => call('merchant/balance/request-payout', { amount: '30.00', requestId: 'r-1' }, owner)));
    expect(asked.map((a) => a.data!.payout.payoutId)).toEqual([asked[0]!.data!.payout.payoutId, asked[0]!.data!.payout.payoutId]);
    expect(asked.map((a) => a.data!.repeat).sort()).toEqual([false, true]);
    expect((await call('merchant/balance/request-payout', { amount: '31.00', requestId: 'r-1' }, owner)).code).toBe(9043);
    expect((await call('merchant/balance/show', {}, owner)).data).toEqual({ available: '50.00', payoutsRequested: '30.00' });
    const payouts = await call('merchant/balance/payouts', { limit: 1 }, owner);
    expect(payouts.data).toMatchObject({ payouts: [{ amount: '30.00', status: 'REQUESTED' }], next: null });
    expect(await actions(shop.mchId)).toEqual(['payout.request', 'merchant.setPayoutAccount']);
  });

  it('reads Activity newest first, paged by cursor', async () => {
    const shop = await createMerchant(p, 'Corner Shop');
    const owner = await signIn(shop, 'boss', 'owner');
    for (const url of ['https://a.example/', 'https://b.example/', 'https://c.example/']) await call('merchant/notifications/set-url', { notifyUrl: url }, owner);
    await call('merchant/notifications/set-url', { notifyUrl: null }, owner);
    const first = await call('merchant/activity', { limit: 3 }, owner);
    expect(first.data!.entries.map((e: { detail: { notifyUrl: string } }) => e.detail.notifyUrl)).toEqual([null, 'https://c.example/', 'https://b.example/']);
    expect(first.data!.entries[0]).toMatchObject({ action: 'merchant.update', actor: { kind: 'merchantUser', name: 'boss', role: 'owner' } });
    const second = await call('merchant/activity', { limit: 3, cursor: first.data!.next }, owner);
    // Older still: the first URL set, then the owner's sign-in.
    expect(second.data).toMatchObject({ entries: [{ action: 'merchant.update', detail: { notifyUrl: 'https://a.example/' } }, { action: 'session.signIn' }], next: null });
    expect((await call('merchant/activity', { cursor: '-1' }, owner)).code).toBe(1021);
  });

  it("shows an operator's action on the merchant by name, without the address it came from", async () => {
    const shop = await createMerchant(p, 'Corner Shop');
    const owner = await signIn(shop, 'boss', 'owner');
    const operator = { actor: { kind: 'operator' as const, operatorId: 'op-1', name: 'alice-ops' }, address: '10.1.2.3' };
    expect(await rollKey(p.store, shop.mchId, undefined, operator)).toMatchObject({ mchId: shop.mchId });
    const [rolled, signedIn] = (await call('merchant/activity', { limit: 2 }, owner)).data!.entries;
    expect(rolled).toMatchObject({ action: 'merchant.rollKey', actor: { kind: 'operator', name: 'alice-ops' }, address: null });
    expect(signedIn).toMatchObject({ action: 'session.signIn', actor: { kind: 'merchantUser', name: 'boss' }, address: expect.stringMatching(/127\.0\.0\.1$/) });
  });
});

describe('a disabled merchant', () => {
  it("refuses its users' console calls with 1022, signed in before, reads and changes alike", async () => {
    const shop = await createMerchant(p, 'Corner Shop');
    const owner = await signIn(shop, 'boss', 'owner');
    const cashier = await signIn(shop, 'lane-1', 'cashier');
    await p.store.setMerchantStatus(shop.mchId, 'disabled');
    for (const [path, s] of [['merchant/api-key/show', owner], ['merchant/api-key/roll', owner], ['merchant/balance/show', cashier],
      ['merchant/users/list', owner], ['merchant/activity', cashier]] as const) {
      expect((await call(path, {}, s)).code, path).toBe(1022);
    }
    expect((await p.store.findMerchant(shop.mchId))!.keyRolledAtMs).toBeNull();
    await p.store.setMerchantStatus(shop.mchId, 'active');
    expect((await call('merchant/balance/show', {}, cashier)).code).toBe(0);
  });
});
