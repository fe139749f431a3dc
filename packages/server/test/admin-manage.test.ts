import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { hashPin } from '../src/domain/credentials.js';
import { SESSION_IDLE_MS } from '../src/domain/page-access.js';
import { createLogger } from '../src/log.js';
import { sql } from './db-access.js';
import { createMerchant, createWalletWithCode, givePayoutAccount, ManualClock, micropayParams, postSigned, startTestPlatform, type TestPlatform } from './helpers.js';
import { as, pageCall, sessionOf, type PageAnswer, type Session } from './page-helpers.js';

/**
 * The operator console's Merchants, Wallets and Payouts (docs/consoles.md), over real HTTP on both
 * stores: every API refuses a call without a live operator session or without the CSRF token and
 * writes nothing; a merchant user's session is no operator's, nor the other way round; each action
 * writes its audit row with the operator and the address; an imported merchant keeps its id and
 * key; no new key, app token or PIN reaches the audit log or the server's log.
 */
let p: TestPlatform;
let clock: ManualClock;
let logLines: string[];
const call = (path: string, body: unknown = {}, s: Session | null = null, csrf: string | null = s?.csrf ?? null): Promise<PageAnswer> =>
  pageCall(p, path, body, as(s, csrf));

async function operatorSignIn(name = 'ops'): Promise<Session> {
  if (typeof await p.store.createOperator(name, await hashPin('operator-pass-1'), null) === 'string') throw new Error('operator');
  return sessionOf(await call('admin/sign-in', { name, password: 'operator-pass-1' }));
}

const count = async (table: string) => Number((await sql<{ n: number | string }>(p.store, `SELECT COUNT(*) AS n FROM ${table}`))[0]!.n);
const WRITTEN = ['merchants', 'wallets', 'payouts', 'journal_entries', 'audit_log'];
const counts = async () => Object.fromEntries(await Promise.all(WRITTEN.map(async (t) => [t, await count(t)] as const)));

beforeEach(async () => {
  clock = new ManualClock();
  logLines = [];
  p = await startTestPlatform({}, clock, { logger: createLogger('debug', (line) => void logLines.push(line)) });
});
afterEach(async () => {
  await p.stop();
});

/** Every API of the three sections, with a body it would accept; `changes`: it needs the CSRF token. */
async function routes(): Promise<{ path: string; body: Record<string, unknown>; changes: boolean }[]> {
  const m = await createMerchant(p, 'Corner Shop');
  const { walletId } = await createWalletWithCode(p, 10_00);
  return [
    { path: 'admin/merchants/list', body: {}, changes: false },
    { path: 'admin/merchants/create', body: { name: 'New Shop' }, changes: true },
    { path: 'admin/merchants/import', body: { name: 'Moved', mchId: '77770001', key: 'k'.repeat(32) }, changes: true },
    { path: 'admin/merchants/set-status', body: { mchId: m.mchId, status: 'disabled' }, changes: true },
    { path: 'admin/merchants/roll-key', body: { mchId: m.mchId }, changes: true },
    { path: 'admin/merchants/payout-account', body: { mchId: m.mchId }, changes: false },
    { path: 'admin/merchants/check-payout-account', body: { holderName: 'Corner Shop Ltd', bankName: 'West Bank', accountNumber: '12345678' }, changes: false },
    { path: 'admin/merchants/set-payout-account', body: { mchId: m.mchId, holderName: 'Corner Shop Ltd', bankName: 'West Bank', accountNumber: '12345678' }, changes: true },
    { path: 'admin/wallets/search', body: {}, changes: false },
    { path: 'admin/wallets/detail', body: { walletId }, changes: false },
    { path: 'admin/wallets/history', body: { walletId }, changes: false },
    { path: 'admin/wallets/create', body: { name: 'Bob', openingBalance: '5.00' }, changes: true },
    { path: 'admin/wallets/top-up', body: { walletId, amount: '1.00' }, changes: true },
    { path: 'admin/wallets/freeze', body: { walletId }, changes: true },
    { path: 'admin/wallets/unfreeze', body: { walletId }, changes: true },
    { path: 'admin/wallets/unlock-pin', body: { walletId }, changes: true },
    { path: 'admin/wallets/set-pin', body: { walletId, pin: '2468' }, changes: true },
    { path: 'admin/wallets/set-limit', body: { walletId, confirmLimit: '40.00' }, changes: true },
    { path: 'admin/wallets/new-token', body: { walletId }, changes: true },
    { path: 'admin/wallets/sign-in-link', body: { walletId }, changes: true },
    { path: 'admin/wallets/revoke-devices', body: { walletId }, changes: true },
    { path: 'admin/wallets/close', body: { walletId }, changes: true },
    { path: 'admin/payouts/list', body: {}, changes: false },
    { path: 'admin/payouts/confirm', body: { payoutId: '1' }, changes: true },
    { path: 'admin/payouts/fail', body: { payoutId: '1', reason: 'bank said no' }, changes: true },
    { path: 'admin/payouts/confirm-file', body: { file: '1', total: '1.00' }, changes: true },
  ];
}

describe('operator console access', () => {
  it('every Merchants, Wallets and Payouts API refuses no session, an expired one and a change without CSRF, and writes nothing', async () => {
    const all = await routes();
    const ops = await operatorSignIn();
    const before = await counts();
    for (const r of all) {
      const none = await call(r.path, r.body);
      expect([none.status, none.code, none.data], `${r.path} without a session`).toEqual([401, 9120, null]);
      if (r.changes) {
        for (const csrf of [null, 'not-the-token']) {
          const a = await call(r.path, r.body, ops, csrf);
          expect([a.status, a.code, a.data], `${r.path} with CSRF ${csrf}`).toEqual([403, 9121, null]);
        }
      }
    }
    clock.advance(SESSION_IDLE_MS);
    for (const r of all) {
      const expired = await call(r.path, r.body, ops);
      expect([expired.status, expired.code, expired.data], `${r.path} with an expired session`).toEqual([401, 9120, null]);
    }
    expect(await counts()).toEqual(before);
  });

  it("a merchant user's session calls no operator API (9120), and an operator's session no merchant API", async () => {
    const all = await routes();
    const shop = await createMerchant(p, 'Own Shop');
    if (typeof await p.store.createCashier(shop.mchId, 'boss', await hashPin('user-password-1'), { role: 'owner' }) === 'string') throw new Error('owner');
    const owner = sessionOf(await call('merchant/sign-in', { mchId: shop.mchId, name: 'boss', password: 'user-password-1' }));
    const ops = await operatorSignIn();
    const before = await counts();
    for (const r of all) {
      // The owner's cookie under its own name, and under the console's: neither is an operator's session.
      for (const cookie of [owner.cookie, owner.cookie.replace('micropay_merchant=', 'micropay_admin=')]) {
        const a = await call(r.path, r.body, { cookie, csrf: owner.csrf });
        expect([a.code, a.data], r.path).toEqual([9120, null]);
      }
    }
    const asMerchant = { cookie: ops.cookie.replace('micropay_admin=', 'micropay_merchant='), csrf: ops.csrf };
    expect((await call('merchant/users/list', {}, asMerchant)).code).toBe(9120);
    expect((await call('merchant/users/create', { name: 'lane-9' }, asMerchant)).code).toBe(9120);
    expect((await call('merchant/users/list', {}, ops)).code).toBe(9120);
    expect(await counts()).toEqual(before);
  });
});

describe('operator console actions', () => {
  it('each action writes its audit row with the operator and the address, and no secret reaches the audit log or the log', async () => {
    const ops = await operatorSignIn('alice-ops');
    const created = await call('admin/merchants/create', { name: 'Corner Shop', notifyUrl: 'https://shop.example/notify' }, ops);
    expect(created.code, created.msg).toBe(0);
    const mchId = created.data!.merchant.mchId as string;
    const firstKey = created.data!.apiKey as string;
    expect(created.data!.warning).toBeNull();
    const importedKey = 'Imported-Key-0123456789abcdefXYZ';
    expect((await call('admin/merchants/import', { name: 'Moved Shop', mchId: '99990001', key: importedKey }, ops)).code).toBe(0);
    expect((await call('admin/merchants/set-status', { mchId, status: 'disabled' }, ops)).data!.merchant.status).toBe('disabled');
    expect((await call('admin/merchants/set-status', { mchId, status: 'active' }, ops)).data!.merchant.status).toBe('active');
    const rolled = await call('admin/merchants/roll-key', { mchId, overlapHours: '2' }, ops);
    const newKey = rolled.data!.apiKey as string;
    expect(newKey).not.toBe(firstKey);
    const wallet = await call('admin/wallets/create', { name: 'Holder', openingBalance: '20.00', pin: '482915', confirmLimit: '50.00' }, ops);
    expect(wallet.data!.wallet).toMatchObject({ balance: '20.00', hasPin: true, confirmLimit: '50.00' });
    const walletId = wallet.data!.wallet.walletId as string;
    const token = wallet.data!.token as string;
    expect((await call('admin/wallets/top-up', { walletId, amount: '5.50' }, ops)).data!.wallet.balance).toBe('25.50');
    expect((await call('admin/wallets/freeze', { walletId }, ops)).data!.wallet.status).toBe('frozen');
    expect((await call('admin/wallets/unfreeze', { walletId }, ops)).data!.wallet.status).toBe('active');
    expect((await call('admin/wallets/unlock-pin', { walletId }, ops)).data!.wallet.pinLocked).toBe(false);
    const closed = await call('admin/wallets/close', { walletId }, ops);
    expect(closed.data!.payout.amount).toBe('25.50');
    const listed = await call('admin/payouts/list', {}, ops);
    expect(listed.data!.payouts.map((x: { walletId: string; status: string }) => [x.walletId, x.status])).toEqual([[walletId, 'REQUESTED']]);
    const payoutId = closed.data!.payout.payoutId as string;
    expect((await call('admin/payouts/fail', { payoutId, reason: 'account closed at the bank' }, ops)).data!.payout.status).toBe('FAILED');
    expect((await call('admin/wallets/close', { walletId }, ops)).code).toBe(0);
    const second = (await call('admin/payouts/list', {}, ops)).data!.payouts[0].payoutId as string;
    expect((await call('admin/payouts/confirm', { payoutId: second }, ops)).data!.payout.status).toBe('PAID_OUT');

    const log = await p.store.listAuditLog({ limit: 100 });
    // The operator's own actions (its console sign-in is logged too, as session.signIn). Unlocking a
    // PIN that had no failures changed nothing, so it wrote no row.
    expect(log.map((e) => e.action).filter((a) => !a.startsWith('session.')).reverse()).toEqual([
      'merchant.create', 'merchant.import', 'merchant.disable', 'merchant.enable', 'merchant.rollKey',
      'wallet.create', 'wallet.topUp', 'wallet.freeze', 'wallet.unfreeze', 'wallet.close', 'payout.fail', 'wallet.close', 'payout.confirm',
    ]);
    for (const e of log) {
      expect(e.actor, e.action).toMatchObject({ kind: 'operator', name: 'alice-ops' });
      expect(e.address, e.action).toMatch(/^(::ffff:)?127\.0\.0\.1$|^::1$/);
    }
    const written = JSON.stringify(await sql(p.store, 'SELECT * FROM audit_log')) + logLines.join('\n');
    for (const secret of [firstKey, newKey, importedKey, token, '482915', ops.cookie.split('=')[1]!]) expect(written).not.toContain(secret);
  });

  it("gives a holder a way in: a PIN, a confirmation limit, a new app token (the old one stops), a one-use sign-in link; none on a closed wallet", async () => {
    const ops = await operatorSignIn('desk-ops');
    const created = await call('admin/wallets/create', { name: 'Dan Student', openingBalance: '30.00' }, ops);
    const walletId = created.data!.wallet.walletId as string;
    const oldToken = created.data!.token as string;
    const balance = (token: string) => pageCall(p, '../wallet/balance', {}, { Authorization: `Bearer ${token}` });

    expect((await call('admin/wallets/set-pin', { walletId, pin: '12' }, ops)).msg).toBe('param error: pin must be 4 to 6 digits');
    expect((await call('admin/wallets/set-pin', { walletId, pin: '739146' }, ops)).data!.wallet).toMatchObject({ hasPin: true, pinFailures: 0 });
    expect((await call('admin/wallets/set-limit', { walletId, confirmLimit: '40.00' }, ops)).data!.wallet.confirmLimit).toBe('40.00');
    expect((await call('admin/wallets/set-limit', { walletId, confirmLimit: 40 }, ops)).code).toBe(1021);
    expect((await call('admin/wallets/set-limit', { walletId, confirmLimit: 'default' }, ops)).data!.wallet.confirmLimit).toBeNull();

    const renewed = await call('admin/wallets/new-token', { walletId }, ops);
    const newToken = renewed.data!.token as string;
    expect(newToken).not.toBe(oldToken);
    expect((await balance(oldToken)).status).toBe(401);
    expect((await balance(newToken)).data).toMatchObject({ balance: '30.00' });

    const link = await call('admin/wallets/sign-in-link', { walletId }, ops);
    expect(link.data!.expiresAtMs).toBeGreaterThan(clock.nowMs());
    const linkToken = link.data!.linkToken as string;
    expect((await call('wallet/sign-in-link', { token: linkToken })).code).toBe(0);
    expect((await call('wallet/sign-in-link', { token: linkToken })).code).not.toBe(0);

    // Its history as the holder sees it: the opening top-up, then a top-up of the operator's; 20 a page.
    expect((await call('admin/wallets/top-up', { walletId, amount: '2.00' }, ops)).code).toBe(0);
    const history = await call('admin/wallets/history', { walletId }, ops);
    expect(history.data!.transactions.map((t: { type: string; amount: string }) => [t.type, t.amount])).toEqual([['TOPUP', '2.00'], ['TOPUP', '30.00']]);
    expect(history.data!.older).toBeNull();
    for (let i = 0; i < 20; i++) await p.store.topUp(walletId, 1_00);
    const first = await call('admin/wallets/history', { walletId }, ops);
    expect(first.data!.transactions).toHaveLength(20);
    const rest = await call('admin/wallets/history', { walletId, before: first.data!.older }, ops);
    expect(rest.data!.transactions.map((t: { amount: string }) => t.amount)).toEqual(['2.00', '30.00']);
    expect((await call('admin/wallets/history', { walletId: '600000000999' }, ops)).code).toBe(1040);
    expect((await call('admin/wallets/history', { walletId, before: '0' }, ops)).code).toBe(1021);

    expect((await call('admin/wallets/close', { walletId }, ops)).code).toBe(0);
    // A closed wallet's history ends with its payout (the operator's view; its holder is signed out).
    const closedHistory = await call('admin/wallets/history', { walletId }, ops);
    expect(closedHistory.data!.transactions[0]).toMatchObject({ type: 'PAYOUT', amount: '-52.00', merchantName: null, wavpayOrderId: null, status: null });
    for (const [path, body] of [['set-pin', { walletId, pin: '739146' }], ['set-limit', { walletId, confirmLimit: '5.00' }], ['new-token', { walletId }], ['sign-in-link', { walletId }]] as const) {
      const refused = await call(`admin/wallets/${path}`, body, ops);
      expect([refused.code, refused.msg], path).toEqual([9060, expect.stringMatching(new RegExp(`^action refused: wallet ${walletId} is closed \\(closing is final\\)`))]);
    }
    expect((await call('admin/wallets/set-pin', { walletId: '600000000999', pin: '739146' }, ops)).code).toBe(1040);

    const log = (await p.store.listAuditLog({ limit: 20 })).map((e) => e.action).filter((a) => !a.startsWith('session.') && a !== 'payout.fail').reverse();
    expect(log).toEqual(['wallet.create', 'wallet.setPin', 'wallet.setConfirmLimit', 'wallet.setConfirmLimit', 'wallet.newToken', 'wallet.signInLink', 'wallet.topUp', 'wallet.close']);
    const written = JSON.stringify(await sql(p.store, 'SELECT * FROM audit_log')) + logLines.join('\n');
    for (const secret of ['739146', oldToken, newToken, linkToken]) expect(written).not.toContain(secret);
  });

  it('a notify URL on a private address is saved, with the warning the console shows', async () => {
    const ops = await operatorSignIn();
    const local = await call('admin/merchants/create', { name: 'LAN Shop', notifyUrl: 'http://192.168.1.20/notify' }, ops);
    expect(local.data!.merchant.notifyUrl).toBe('http://192.168.1.20/notify');
    expect(local.data!.warning).toMatch(/^notifications to http:\/\/192\.168\.1\.20\/notify will not be delivered: the receiver's address 192\.168\.1\.20 is private/);
  });

  it('an imported merchant keeps its mchId and key: a payment signed with that key is PAID', async () => {
    const ops = await operatorSignIn();
    const key = 'Old-Platform-Key-abcdefghijklmnop';
    const imported = await call('admin/merchants/import', { name: 'Moved Shop', mchId: '123456789012', key }, ops);
    expect(imported.data!.merchant).toMatchObject({ mchId: '123456789012', name: 'Moved Shop', status: 'active', balance: '0.00' });
    expect(imported.text).not.toContain(key);
    const { payCode } = await createWalletWithCode(p, 10_00);
    const paid = await postSigned(p.url, 'micropay', micropayParams({ mchId: '123456789012', key, name: 'Moved Shop' }, 'moved-1', '2.50', payCode), key);
    expect([paid.body.code, paid.body.data?.tradeStatus]).toEqual([0, 'PAID']);
    const again = await call('admin/merchants/import', { name: 'Twice', mchId: '123456789012', key }, ops);
    expect([again.code, again.msg]).toEqual([9060, 'action refused: merchant 123456789012 exists already; nothing was created']);
  });

  it('refuses in words: closing a wallet with a payment awaiting confirmation, and bad input of any shape', async () => {
    const ops = await operatorSignIn();
    const m = await createMerchant(p);
    const wallet = await p.store.createWallet({ name: 'Held', openingSen: 100_00, confirmLimitSen: 1_00 });
    const code = await p.store.issuePayCode(wallet.walletId, 60_000);
    if (typeof code === 'string') throw new Error(code);
    const pending = await postSigned(p.url, 'micropay', micropayParams(m, 'big-1', '5.00', code.code), m.key);
    expect(pending.body.code).toBe(1024);
    const refused = await call('admin/wallets/close', { walletId: wallet.walletId }, ops);
    expect(refused.code).toBe(9060);
    expect(refused.msg).toContain('held for payments awaiting confirmation');
    expect((await p.store.findWallet(wallet.walletId))!.status).toBe('active');
    for (const [path, body] of [
      ['admin/wallets/top-up', { walletId: wallet.walletId, amount: '-1' }], ['admin/wallets/top-up', { walletId: wallet.walletId, amount: ['1.00'] }],
      ['admin/wallets/detail', { walletId: 'x' }], ['admin/merchants/roll-key', { mchId: m.mchId, overlapHours: '9999' }],
      ['admin/merchants/create', { name: 'A', notifyUrl: 'ftp://x' }], ['admin/wallets/search', { limit: 'ten' }],
      ['admin/payouts/list', { status: 'LOST' }], ['admin/payouts/list', { cursor: 'abc' }], ['admin/merchants/list', { mchId: '1' }],
      ['admin/wallets/create', { name: 'C', pin: '12' }],
    ] as const) {
      const a = await call(path, body, ops);
      expect([a.status, a.code], `${path} ${JSON.stringify(body)}: ${a.msg}`).toEqual([200, 1021]);
    }
  });

  it('Payouts pages across merchants by cursor, REQUESTED by default', async () => {
    const ops = await operatorSignIn();
    const a = await createMerchant(p, 'Shop A');
    const b = await createMerchant(p, 'Shop B');
    for (const m of [a, b]) await givePayoutAccount(p, m.mchId);
    const { payCode } = await createWalletWithCode(p, 100_00);
    expect((await postSigned(p.url, 'micropay', micropayParams(a, 'o-1', '30.00', payCode), a.key)).body.code).toBe(0);
    const { payCode: code2 } = await createWalletWithCode(p, 100_00, 'Bob');
    expect((await postSigned(p.url, 'micropay', micropayParams(b, 'o-2', '30.00', code2), b.key)).body.code).toBe(0);
    for (const [m, amountSen] of [[a, 1_00], [b, 2_00], [a, 3_00]] as const) {
      clock.advance(1);
      expect((await p.store.requestPayout({ mchId: m.mchId, amountSen, requestId: null })).kind).toBe('requested');
    }
    const first = await call('admin/payouts/list', { limit: 2 }, ops);
    expect(first.data!.payouts.map((x: { amount: string }) => x.amount)).toEqual(['3.00', '2.00']);
    const rest = await call('admin/payouts/list', { limit: 2, cursor: first.data!.next }, ops);
    expect([rest.data!.payouts.map((x: { amount: string }) => x.amount), rest.data!.next]).toEqual([['1.00'], null]);
    await call('admin/payouts/confirm', { payoutId: first.data!.payouts[0].payoutId }, ops);
    expect((await call('admin/payouts/list', {}, ops)).data!.payouts).toHaveLength(2);
    expect((await call('admin/payouts/list', { status: 'PAID_OUT' }, ops)).data!.payouts).toHaveLength(1);
  });
});
