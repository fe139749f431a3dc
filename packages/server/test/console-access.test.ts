import { Secret } from '@micropay/protocol';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { hashPin } from '../src/domain/credentials.js';
import { SESSION_IDLE_MS } from '../src/domain/page-access.js';
import { base32Decode, newTotpSecret, totpCode, totpStepAt, TOTP_STEP_MS } from '../src/domain/totp.js';
import { sql } from './db-access.js';
import { createMerchant, createWalletWithCode, ManualClock, startTestPlatform, type TestMerchant, type TestPlatform } from './helpers.js';
import { as, pageCall, sessionOf, type PageAnswer, type Session } from './page-helpers.js';

/**
 * The consoles' access (docs/consoles.md), over real HTTP on both stores: merchant users sign in
 * with their role, owner-only APIs refuse a cashier (9122), a user reaches only its own merchant
 * whatever the body says, a cashier's refund limit holds at the till, operator APIs need a live
 * operator session, TOTP is enforced and a code works once, wrong tries lock, and a change without
 * the CSRF token writes nothing.
 */
let p: TestPlatform;
let clock: ManualClock;
const call = (path: string, body: unknown = {}, s: Session | null = null, csrf: string | null = s?.csrf ?? null): Promise<PageAnswer> =>
  pageCall(p, path, body, as(s, csrf));

async function user(m: TestMerchant, name: string, role: 'owner' | 'cashier', refundLimitSen: number | null = null, password = 'user-password-1'): Promise<string> {
  const created = await p.store.createCashier(m.mchId, name, await hashPin(password), { role, refundLimitSen });
  if (typeof created === 'string') throw new Error(created);
  return password;
}

async function merchantSignIn(m: TestMerchant, name: string, role: 'owner' | 'cashier' = 'owner'): Promise<Session> {
  const password = await user(m, name, role);
  const a = await call('merchant/sign-in', { mchId: m.mchId, name, password });
  expect(a.data).toMatchObject({ role, userName: name, mchId: m.mchId });
  return sessionOf(a);
}

async function operator(name: string, totp: string | null = null): Promise<string> {
  const created = await p.store.createOperator(name, await hashPin('operator-pass-1'), totp === null ? null : new Secret(totp));
  if (typeof created === 'string') throw new Error(created);
  return 'operator-pass-1';
}

const codeAt = (secret: string, ms: number) => totpCode(base32Decode(secret)!, totpStepAt(ms));
const count = async (table: string) => Number((await sql<{ n: number | string }>(p.store, `SELECT COUNT(*) AS n FROM ${table}`))[0]!.n);

beforeEach(async () => {
  clock = new ManualClock();
  p = await startTestPlatform({}, clock);
});
afterEach(async () => {
  await p.stop();
});

describe('merchant users', () => {
  it('sign in to /merchant with their role; the owner lists users and creates a cashier whose password is shown once', async () => {
    const shop = await createMerchant(p, 'Corner Shop');
    const owner = await merchantSignIn(shop, 'boss');
    expect(owner.cookie).toMatch(/^micropay_merchant=/);
    const created = await call('merchant/users/create', { name: 'lane-1', refundLimit: '20.00' }, owner);
    expect(created.data).toMatchObject({ user: { name: 'lane-1', role: 'cashier', refundLimit: '20.00' } });
    const password = created.data!.password as string;
    const listed = await call('merchant/users/list', {}, owner);
    expect(listed.data!.users.map((u: { name: string; role: string; refundLimit: string | null }) => [u.name, u.role, u.refundLimit]))
      .toEqual([['boss', 'owner', null], ['lane-1', 'cashier', '20.00']]);
    expect(listed.text).not.toContain(password);
    expect(JSON.stringify(await sql(p.store, 'SELECT * FROM cashiers'))).not.toContain(password);
    const cashier = await call('merchant/sign-in', { mchId: shop.mchId, name: 'lane-1', password });
    expect(cashier.data).toMatchObject({ role: 'cashier' });
    expect((await call('merchant/users/set-refund-limit', { name: 'lane-1', refundLimit: null }, owner)).data!.user.refundLimit).toBeNull();
    expect((await call('merchant/users/set-refund-limit', { name: 'boss', refundLimit: '1.00' }, owner)).code).toBe(1021);
  });

  it("a cashier cannot call an owner's API (9122), and nothing is written", async () => {
    const shop = await createMerchant(p, 'Corner Shop');
    const cashier = await merchantSignIn(shop, 'lane-1', 'cashier');
    for (const [path, body] of [['merchant/users/list', {}], ['merchant/users/create', { name: 'lane-9' }],
      ['merchant/users/set-refund-limit', { name: 'lane-1', refundLimit: null }], ['merchant/users/reset-password', { name: 'lane-1' }]] as const) {
      const a = await call(path, body, cashier);
      expect([a.status, a.code, a.data], path).toEqual([403, 9122, null]);
    }
    expect(await count('cashiers')).toBe(1);
  });

  it("reaches only its own merchant's users: a merchant id in the body is refused, never used", async () => {
    const shop = await createMerchant(p, 'Corner Shop');
    const other = await createMerchant(p, 'Other Shop');
    await user(other, 'their-lane', 'cashier');
    const owner = await merchantSignIn(shop, 'boss');
    for (const [path, body] of [['merchant/users/list', { mchId: other.mchId }], ['merchant/users/create', { name: 'x', mchId: other.mchId }],
      ['merchant/users/reset-password', { name: 'their-lane', mchId: other.mchId }],
      ['merchant/users/set-refund-limit', { name: 'their-lane', refundLimit: '1.00', mch_id: other.mchId }]] as const) {
      const a = await call(path, body, owner);
      expect(a.code, path).toBe(1021);
      expect(a.msg).toContain('unknown parameter');
    }
    // By name alone, another merchant's user is not this merchant's: not found, and not changed.
    expect((await call('merchant/users/reset-password', { name: 'their-lane' }, owner)).code).toBe(1021);
    expect((await call('merchant/users/set-refund-limit', { name: 'their-lane', refundLimit: '1.00' }, owner)).code).toBe(1021);
    expect((await p.store.listMerchantUsers(other.mchId))[0]!.refundLimitSen).toBeNull();
    const names = (await call('merchant/users/list', {}, owner)).data!.users.map((u: { name: string }) => u.name);
    expect(names).toEqual(['boss']);
  });

  it('a change without the CSRF token is refused (9121) and writes nothing', async () => {
    const shop = await createMerchant(p, 'Corner Shop');
    const owner = await merchantSignIn(shop, 'boss');
    const a = await call('merchant/users/create', { name: 'lane-1' }, owner, null);
    expect([a.status, a.code]).toEqual([403, 9121]);
    const b = await call('merchant/users/create', { name: 'lane-1' }, owner, 'not-the-token');
    expect(b.code).toBe(9121);
    expect(await count('cashiers')).toBe(1);
  });

  it("a till session is not a console session, nor the other way round", async () => {
    const shop = await createMerchant(p, 'Corner Shop');
    const owner = await merchantSignIn(shop, 'boss');
    const tillCookie = owner.cookie.replace('micropay_merchant=', 'micropay_cashier=');
    expect((await pageCall(p, 'cashier/recent-charges', {}, { Cookie: tillCookie, 'X-CSRF-Token': owner.csrf })).code).toBe(9120);
    const adminCookie = owner.cookie.replace('micropay_merchant=', 'micropay_admin=');
    expect((await pageCall(p, 'admin/operators', {}, { Cookie: adminCookie, 'X-CSRF-Token': owner.csrf })).code).toBe(9120);
  });
});

describe("a cashier's refund limit", () => {
  /** A till of cashier lane-1, whose refund limit is 5.00, and its sale o-1 of 30.00, paid. */
  async function limitedTillWithSale() {
    const shop = await createMerchant(p, 'Corner Shop');
    const limited = await user(shop, 'lane-1', 'cashier', 5_00);
    const till = sessionOf(await call('cashier/sign-in', { mchId: shop.mchId, name: 'lane-1', password: limited }));
    const { payCode } = await createWalletWithCode(p, 100_00);
    expect((await call('cashier/charge', { mchOrderId: 'o-1', amount: '30.00', goodsInfo: 'Tea', payCode }, till)).data?.status).toBe('PAID');
    return { shop, till };
  }

  it('refuses a refund above it at the till (9032) and allows one within it; without a limit, none', async () => {
    const { shop, till } = await limitedTillWithSale();
    const over = await call('cashier/refund', { mchOrderId: 'o-1', mchRefundId: 'r-1', refundAmount: '5.01' }, till);
    expect([over.code, over.msg]).toEqual([9032, "refund over the user's limit: your refund limit is 5.00 for each sale"]);
    expect(await count('refunds')).toBe(0);
    expect((await call('cashier/refund', { mchOrderId: 'o-1', mchRefundId: 'r-2a', refundAmount: '3.00' }, till)).code).toBe(0);
    // The limit is the sale's refunds in all: a second refund gets only what the first left of it.
    const split = await call('cashier/refund', { mchOrderId: 'o-1', mchRefundId: 'r-2b', refundAmount: '2.01' }, till);
    expect([split.code, split.msg]).toEqual([9032, "refund over the user's limit: your refund limit is 5.00 for each sale, and 3.00 of this sale is refunded already"]);
    expect((await call('cashier/refund', { mchOrderId: 'o-1', mchRefundId: 'r-2c', refundAmount: '2.00' }, till)).code).toBe(0);
    expect(await count('refunds')).toBe(2);
    // A refund sent again under its number (a lost answer) is the refund made, the limit reached or not.
    const again = await call('cashier/refund', { mchOrderId: 'o-1', mchRefundId: 'r-2c', refundAmount: '2.00' }, till);
    expect([again.code, again.data?.refund.refundAmount]).toEqual([0, '2.00']);
    expect(await count('refunds')).toBe(2);
    // The till is told what is left to this cashier with each charge.
    expect((await call('cashier/recent-charges', {}, till)).data!.charges[0]).toMatchObject({ refundableAmount: '25.00', refundRoom: '0.00', refundLimit: '5.00' });
    // The owner lifts the limit: the till's next request sees it (read with the session).
    await p.store.setRefundLimit(shop.mchId, 'lane-1', null);
    expect((await call('cashier/refund', { mchOrderId: 'o-1', mchRefundId: 'r-3', refundAmount: '20.00' }, till)).code).toBe(0);
  });

  it("counts the owner's refunds of the sale too: a cashier refunds only what they leave of its limit", async () => {
    const { shop, till } = await limitedTillWithSale();
    // The owner refunds 4.00 of it through the merchant API (the merchant's own system).
    const owner = await p.store.refund({ mchId: shop.mchId, mchOrderId: 'o-1', mchRefundId: 'own-1', refundAmountSen: 4_00, reason: null, timestampMs: Date.now() });
    expect(owner.kind).toBe('accepted');
    expect((await call('cashier/recent-charges', {}, till)).data!.charges[0]).toMatchObject({ refundableAmount: '26.00', refundRoom: '1.00', refundLimit: '5.00' });
    const over = await call('cashier/refund', { mchOrderId: 'o-1', mchRefundId: 'r-1', refundAmount: '1.01' }, till);
    expect([over.code, over.msg]).toEqual([9032, "refund over the user's limit: your refund limit is 5.00 for each sale, and 4.00 of this sale is refunded already"]);
    expect((await call('cashier/refund', { mchOrderId: 'o-1', mchRefundId: 'r-2', refundAmount: '1.00' }, till)).code).toBe(0);
  });

  it('holds for refunds sent at once: of eight refunds of 3.00 under a limit of 5.00, one is made', async () => {
    const { till } = await limitedTillWithSale();
    const answers = await Promise.all(Array.from({ length: 8 }, (_, i) =>
      call('cashier/refund', { mchOrderId: 'o-1', mchRefundId: `r-${i}`, refundAmount: '3.00' }, till)));
    expect(answers.map((a) => a.code).sort()).toEqual([0, 9032, 9032, 9032, 9032, 9032, 9032, 9032]);
    expect(await count('refunds')).toBe(1);
  });
});

describe('operators', () => {
  it('need a live operator session: none, another kind, or an expired one is refused (9120)', async () => {
    const password = await operator('ops');
    expect((await call('admin/operators')).code).toBe(9120);
    const s = sessionOf(await call('admin/sign-in', { name: 'ops', password }));
    expect(s.cookie).toMatch(/^micropay_admin=/);
    const listed = await call('admin/operators', {}, s);
    expect(listed.data!.operators).toEqual([expect.objectContaining({ name: 'ops', totp: false, locked: false })]);
    clock.advance(SESSION_IDLE_MS);
    const expired = await call('admin/operators', {}, s);
    expect([expired.status, expired.code, expired.data]).toEqual([401, 9120, null]);
    const fresh = sessionOf(await call('admin/sign-in', { name: 'ops', password }));
    expect((await call('admin/sign-out', {}, fresh, null)).code).toBe(9121);
    expect((await call('admin/sign-out', {}, fresh)).code).toBe(0);
    expect((await call('admin/operators', {}, fresh)).code).toBe(9120);
  });

  it('with TOTP, need the code: none, a wrong one and a reused one are refused; the right one signs in once', async () => {
    const secret = newTotpSecret();
    const password = await operator('ops', secret);
    expect((await call('admin/sign-in', { name: 'ops', password })).code).toBe(9020);
    const right = codeAt(secret, clock.nowMs());
    const wrong = right === '000000' ? '111111' : '000000';
    expect((await call('admin/sign-in', { name: 'ops', password, code: wrong })).code).toBe(9020);
    const signedIn = await call('admin/sign-in', { name: 'ops', password, code: right });
    expect(signedIn.code).toBe(0);
    expect(signedIn.text).not.toContain(secret);
    // The Operators section says TOTP is on, and carries no secret.
    const listed = await call('admin/operators', {}, sessionOf(signedIn));
    expect(listed.data!.operators).toEqual([expect.objectContaining({ name: 'ops', totp: true })]);
    expect(listed.text).not.toContain(secret);
    expect((await call('admin/sign-in', { name: 'ops', password, code: right })).code).toBe(9020);
    // The previous step's code is within the skew, but before the step used: refused too.
    expect((await call('admin/sign-in', { name: 'ops', password, code: codeAt(secret, clock.nowMs() - TOTP_STEP_MS) })).code).toBe(9020);
    clock.advance(TOTP_STEP_MS);
    expect((await call('admin/sign-in', { name: 'ops', password, code: codeAt(secret, clock.nowMs()) })).code).toBe(0);
    // The secret is stored sealed under the master key, never as it is.
    expect(JSON.stringify(await sql(p.store, 'SELECT * FROM operators'))).not.toContain(secret);
  });

  it('lock after 5 wrong passwords or codes in a row, even for the right ones after', async () => {
    const secret = newTotpSecret();
    const password = await operator('ops', secret);
    for (let i = 0; i < 3; i++) expect((await call('admin/sign-in', { name: 'ops', password: 'wrong-pass' })).code).toBe(9020);
    expect((await call('admin/sign-in', { name: 'ops', password, code: '000000' === codeAt(secret, clock.nowMs()) ? '111111' : '000000' })).code).toBe(9020);
    expect((await call('admin/sign-in', { name: 'ops', password: 'wrong-pass' })).code).toBe(9021);
    expect((await call('admin/sign-in', { name: 'ops', password, code: codeAt(secret, clock.nowMs()) })).code).toBe(9021);
    expect((await p.store.listOperators())[0]!.failures).toBeGreaterThanOrEqual(5);
    await p.store.resetOperator('ops', await hashPin('new-pass-123'), undefined);
    expect((await call('admin/sign-in', { name: 'ops', password: 'new-pass-123', code: codeAt(secret, clock.nowMs()) })).code).toBe(0);
  });

  it('refuse bad input with a code and a message, never a 500', async () => {
    await operator('ops');
    for (const body of [{ name: 'ops' }, { name: 'o p s', password: 'x' }, { name: 'ops', password: 'x', code: '12ab56' }, { name: 'ops', password: 'x', code: 7 },
      { name: 'ops', password: 'x', extra: 1 }]) {
      const a = await call('admin/sign-in', body);
      expect([a.status, a.code], JSON.stringify(body)).toEqual([200, 1021]);
    }
  });
});
