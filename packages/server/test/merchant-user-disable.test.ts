import { describe, expect, it } from 'vitest';
import { hashPin } from '../src/domain/credentials.js';
import { createMerchant } from './helpers.js';
import { as, pageCall, sessionOf, type PageAnswer, type Session } from './page-helpers.js';
import { usePlatformWithCli } from './process-helpers.js';

/**
 * Disabling a merchant's user (docs/consoles.md, "Disabling a user"), on both stores over real
 * HTTP and the real CLI: the owner's Users section and `merchant-user disable/enable`, what a
 * disabled user's sign-in answers, the sessions it ends, the rules that refuse, and a disable
 * racing the user's own sign-ins.
 */
const t = usePlatformWithCli();
const call = (path: string, body: unknown = {}, s: Session | null = null) => pageCall(t.p, path, body, as(s));
const PASSWORD = 'user-password-1';

async function createUser(mchId: string, name: string, role: 'owner' | 'cashier'): Promise<void> {
  const created = await t.p.store.createCashier(mchId, name, await hashPin(PASSWORD), { role });
  if (typeof created === 'string') throw new Error(created);
}

const signIn = (page: 'cashier' | 'merchant', mchId: string, name: string, password = PASSWORD) => call(`${page}/sign-in`, { mchId, name, password });

/** The user signed in at the till and in the merchant console. */
async function signedIn(mchId: string, name: string): Promise<{ till: Session; console: Session }> {
  return { till: sessionOf(await signIn('cashier', mchId, name)), console: sessionOf(await signIn('merchant', mchId, name)) };
}

async function shopWithUsers(): Promise<{ mchId: string; owner: { till: Session; console: Session }; lane: { till: Session; console: Session } }> {
  const shop = await createMerchant(t.p, 'Corner Shop');
  await createUser(shop.mchId, 'boss', 'owner');
  await createUser(shop.mchId, 'lane-1', 'cashier');
  return { mchId: shop.mchId, owner: await signedIn(shop.mchId, 'boss'), lane: await signedIn(shop.mchId, 'lane-1') };
}

const usersOf = async (owner: Session) => ((await call('merchant/users/list', {}, owner)).data!.users as Record<string, unknown>[]);
const auditActions = async (n: number) => (await t.p.store.listAuditLog({ limit: n })).map((e) => [e.action, e.actor.name, e.detail]);

function expectRefused(a: PageAnswer, code: number, msg: string): void {
  expect([a.status, a.code, a.msg, a.data]).toEqual([200, code, msg, null]);
}

describe("the owner's Users section", () => {
  it("disables a cashier: its till and console sessions end, its sign-ins answer 9024 (a wrong password 9020), and the list and the log say so", async () => {
    const { mchId, owner, lane } = await shopWithUsers();
    const disabled = await call('merchant/users/set-status', { name: 'lane-1', status: 'disabled' }, owner.console);
    expect(disabled.code, disabled.msg).toBe(0);
    expect(disabled.data!.user).toMatchObject({ name: 'lane-1', role: 'cashier', status: 'disabled', locked: false });
    expect(typeof disabled.data!.user.disabledAtMs).toBe('number');

    expect((await call('cashier/recent-charges', {}, lane.till)).code).toBe(9120);
    expect((await call('merchant/session', {}, lane.console)).data).toMatchObject({ signedIn: false });
    expect((await call('merchant/users/list', {}, owner.console)).code).toBe(0);
    for (const page of ['cashier', 'merchant'] as const) {
      const refused = await signIn(page, mchId, 'lane-1');
      expectRefused(refused, 9024, "user disabled: ask the merchant's owner to enable you again");
      expect(refused.setCookie).toBeNull();
      expectRefused(await signIn(page, mchId, 'lane-1', 'wrong-password'), 9020, 'sign-in failed');
    }
    expect((await usersOf(owner.console)).map((u) => [u.name, u.status])).toEqual([['boss', 'active'], ['lane-1', 'disabled']]);
    // The console's failed sign-in is logged with its outcome; the till's sign-ins are not logged.
    expect(await auditActions(3)).toEqual([
      ['session.signInFailed', 'lane-1', { outcome: 'wrong' }],
      ['session.signInFailed', 'lane-1', { outcome: 'disabled' }],
      ['user.disable', 'boss', { name: 'lane-1', role: 'cashier' }],
    ]);
  });

  it('enables it again with the password it had; a disabled user gets no new password until then (9060); the same status twice writes nothing', async () => {
    const { mchId, owner } = await shopWithUsers();
    expect((await call('merchant/users/set-status', { name: 'lane-1', status: 'disabled' }, owner.console)).code).toBe(0);
    const logged = (await t.p.store.listAuditLog({ limit: 100 })).length;
    expect((await call('merchant/users/set-status', { name: 'lane-1', status: 'disabled' }, owner.console)).data!.user.status).toBe('disabled');
    expectRefused(await call('merchant/users/reset-password', { name: 'lane-1' }, owner.console), 9060,
      'action refused: lane-1 is disabled: enable it first, then give it a new password');
    expect((await t.p.store.listAuditLog({ limit: 100 })).length).toBe(logged);

    const enabled = await call('merchant/users/set-status', { name: 'lane-1', status: 'active' }, owner.console);
    expect(enabled.data!.user).toMatchObject({ status: 'active', disabledAtMs: null });
    sessionOf(await signIn('cashier', mchId, 'lane-1'));
    expect((await call('merchant/users/reset-password', { name: 'lane-1' }, owner.console)).code).toBe(0);
    expect((await auditActions(3)).map(([action]) => action)).toEqual(['user.reset', 'user.enable', 'user.disable']);
  });

  it("refuses the owner's own user (9060), a cashier (9122), a change without CSRF (9121), another merchant's user and bad input (1021), writing nothing", async () => {
    const { mchId, owner, lane } = await shopWithUsers();
    const other = await createMerchant(t.p, 'Other Shop');
    await createUser(other.mchId, 'lane-9', 'cashier');
    const logged = (await t.p.store.listAuditLog({ limit: 100 })).length;

    expectRefused(await call('merchant/users/set-status', { name: 'boss', status: 'disabled' }, owner.console), 9060,
      'action refused: you cannot disable your own user boss: another owner or the operator can');
    expect((await call('merchant/users/set-status', { name: 'boss', status: 'disabled' }, lane.console)).code).toBe(9122);
    expect((await pageCall(t.p, 'merchant/users/set-status', { name: 'lane-1', status: 'disabled' }, as(owner.console, null))).code).toBe(9121);
    expectRefused(await call('merchant/users/set-status', { name: 'lane-9', status: 'disabled' }, owner.console), 1021,
      'param error: name: this merchant has no user named lane-9');
    const bad: [unknown, string][] = [
      [{ name: 'lane-1', status: 'gone' }, 'param error: status must be active or disabled'],
      [{ name: 'lane-1' }, 'param error: status is required'],
      [{ name: 'lane-1', status: true }, 'param error: status must be a string'],
      [{ name: 'lane-1', status: 'disabled', mchId: other.mchId }, 'param error: unknown parameter "mchId": not part of this API'],
      [{ name: '', status: 'disabled' }, 'param error: name is required'],
    ];
    for (const [body, msg] of bad) expectRefused(await call('merchant/users/set-status', body, owner.console), 1021, msg);

    expect((await t.p.store.listAuditLog({ limit: 100 })).length).toBe(logged);
    expect((await call('merchant/users/list', {}, owner.console)).code).toBe(0);
    expect((await call('cashier/recent-charges', {}, lane.till)).code).toBe(0);
    sessionOf(await signIn('cashier', other.mchId, 'lane-9'));
    expect(mchId).not.toBe(other.mchId);
  });

  it("a disable racing the user's own sign-ins leaves no live session of it: each sign-in either ends with the disable or is refused (9024)", async () => {
    const { mchId, owner } = await shopWithUsers();
    const started = Date.now();
    const before = sessionOf(await signIn('cashier', mchId, 'lane-1'));
    const halfASignIn = (Date.now() - started) / 2;
    // Two more, taking their turns (in-turn.ts); the disable lands while the first has its password
    // checked: whether its session opens before the disable or is refused, none may outlive it.
    const racing = [signIn('merchant', mchId, 'lane-1'), signIn('cashier', mchId, 'lane-1')];
    await new Promise((resolve) => setTimeout(resolve, halfASignIn));
    expect((await call('merchant/users/set-status', { name: 'lane-1', status: 'disabled' }, owner.console)).code).toBe(0);
    const after = await signIn('merchant', mchId, 'lane-1');
    const answers = await Promise.all(racing);

    expect((await call('cashier/recent-charges', {}, before)).code).toBe(9120);
    expect(after.code).toBe(9024);
    for (const [i, a] of answers.entries()) {
      expect([0, 9024], a.msg).toContain(a.code);
      if (a.code !== 0) continue;
      const probe = i === 0 ? await call('merchant/users/list', {}, sessionOf(a)) : await call('cashier/recent-charges', {}, sessionOf(a));
      expect(probe.code, `racing sign-in ${i}`).toBe(9120);
    }
  });
});

describe('a user disabled while a request of its session is under way', () => {
  it('has its password asked again answered as disabled (logged), and gets no new password of its own', async () => {
    const { mchId } = await shopWithUsers();
    const [lane] = (await t.p.store.listMerchantUsers(mchId)).filter((u) => u.name === 'lane-1');
    expect(await t.p.store.setUserStatus(mchId, 'lane-1', 'disabled')).toMatchObject({ name: 'lane-1' });
    expect(await t.p.store.checkUserPassword(mchId, 'lane-1', PASSWORD, '127.0.0.1', 'payoutAccount')).toEqual({ kind: 'disabled' });
    const [failed] = await t.p.store.listAuditLog({ action: 'session.signInFailed', limit: 1 });
    expect(failed!.detail).toEqual({ outcome: 'disabled', at: 'payoutAccount' });
    expect(await t.p.store.changeOwnPassword({ userId: lane!.cashierId, mchId, name: 'lane-1' }, 'scrypt$x$y', 'session-hash')).toBeNull();
    expect((await t.p.store.listMerchantUsers(mchId)).find((u) => u.name === 'lane-1')!.passwordHash).toBe(lane!.passwordHash);
  });
});

describe("the operator console's merchant users", () => {
  async function operator(name: string, role: 'admin' | 'finance' | 'support'): Promise<Session> {
    const created = await t.p.store.createOperator(name, await hashPin('operator-pass-1'), null, { role });
    if (typeof created === 'string') throw new Error(created);
    return sessionOf(await call('admin/sign-in', { name, password: 'operator-pass-1' }));
  }

  it('every role lists them; an admin disables an owner (its session ends), gives a cashier a new password shown once, and is logged', async () => {
    const { mchId, owner, lane } = await shopWithUsers();
    const admin = await operator('ops', 'admin');
    const finance = await operator('money', 'finance');
    const listed = await call('admin/merchants/users', { mchId }, finance);
    expect(listed.data!.users.map((u: Record<string, unknown>) => [u.name, u.role, u.status])).toEqual([['boss', 'owner', 'active'], ['lane-1', 'cashier', 'active']]);

    const disabled = await call('admin/merchants/set-user-status', { mchId, name: 'boss', status: 'disabled' }, admin);
    expect(disabled.data!.user).toMatchObject({ name: 'boss', status: 'disabled' });
    expect((await call('merchant/users/list', {}, owner.console)).code).toBe(9120);
    const reset = await call('admin/merchants/reset-user-password', { mchId, name: 'lane-1' }, admin);
    expect(reset.code, reset.msg).toBe(0);
    expect((await call('cashier/recent-charges', {}, lane.till)).code).toBe(9120);
    expectRefused(await signIn('cashier', mchId, 'lane-1'), 9020, 'sign-in failed');
    sessionOf(await signIn('cashier', mchId, 'lane-1', reset.data!.password as string));
    expectRefused(await call('admin/merchants/reset-user-password', { mchId, name: 'boss' }, admin), 9060,
      'action refused: boss is disabled: enable it first, then give it a new password');
    const logged = (await t.p.store.listAuditLog({ actorKind: 'operator', limit: 5 })).map((e) => [e.action, e.actor.name, e.mchId, e.detail]);
    expect(logged.filter(([action]) => String(action).startsWith('user.'))).toEqual([
      ['user.reset', 'ops', mchId, { name: 'lane-1', role: 'cashier' }], ['user.disable', 'ops', mchId, { name: 'boss', role: 'owner' }]]);
  });

  it('an admin gives a merchant made in the console its owner and a cashier, passwords shown once; refusals write nothing', async () => {
    const m = await createMerchant(t.p, 'New Canteen');
    const admin = await operator('ops', 'admin');
    const owner = await call('admin/merchants/create-user', { mchId: m.mchId, name: 'Canteen Boss', role: 'owner' }, admin);
    expect(owner.code, owner.msg).toBe(0);
    expect(owner.data!.user).toMatchObject({ name: 'Canteen Boss', role: 'owner', refundLimit: null, status: 'active' });
    const cashier = await call('admin/merchants/create-user', { mchId: m.mchId, name: 'lane-1', role: 'cashier', refundLimit: '20.00' }, admin);
    expect(cashier.data!.user).toMatchObject({ name: 'lane-1', role: 'cashier', refundLimit: '20.00' });
    // Each signs in where its role does, with the password shown.
    sessionOf(await signIn('merchant', m.mchId, 'Canteen Boss', owner.data!.password as string));
    sessionOf(await signIn('cashier', m.mchId, 'lane-1', cashier.data!.password as string));
    const logged = (await t.p.store.listAuditLog({ actorKind: 'operator', limit: 5 })).map((e) => [e.action, e.actor.name, e.mchId, e.detail]);
    expect(logged.filter(([action]) => action === 'user.create')).toEqual([
      ['user.create', 'ops', m.mchId, { name: 'lane-1', role: 'cashier', refundLimit: '20.00' }],
      ['user.create', 'ops', m.mchId, { name: 'Canteen Boss', role: 'owner', refundLimit: null }],
    ]);

    const before = (await t.p.store.listAuditLog({ limit: 100 })).length;
    expectRefused(await call('admin/merchants/create-user', { mchId: m.mchId, name: 'lane-1', role: 'cashier' }, admin), 1021, 'param error: name is taken: this merchant already has a user named lane-1');
    expectRefused(await call('admin/merchants/create-user', { mchId: m.mchId, name: 'Boss 2', role: 'owner', refundLimit: '5.00' }, admin), 1021,
      'param error: refundLimit is for cashiers: an owner has no refund limit');
    expectRefused(await call('admin/merchants/create-user', { mchId: m.mchId, name: 'x', role: 'manager' }, admin), 1021, 'param error: role must be owner or cashier');
    // A name that would look like another in every list: refused, whoever creates it (the rule is the store's service's).
    for (const name of ['lane-1 ', 'lane  1']) {
      expectRefused(await call('admin/merchants/create-user', { mchId: m.mchId, name, role: 'cashier' }, admin), 1021,
        'param error: name must not end with a space or hold two spaces in a row');
    }
    expect(await t.p.store.createCashier(m.mchId, 'lane-2 ', 'scrypt$x$y')).toEqual({ refused: 'must not end with a space or hold two spaces in a row' });
    expectRefused(await call('admin/merchants/create-user', { mchId: '999999999', name: 'x', role: 'owner' }, admin), 1031, 'no merchant related records: no merchant 999999999');
    for (const role of ['finance', 'support'] as const) {
      expect((await call('admin/merchants/create-user', { mchId: m.mchId, name: 'sneaky', role: 'owner' }, await operator(`op-${role}`, role))).code).toBe(9122);
    }
    expect((await pageCall(t.p, 'admin/merchants/create-user', { mchId: m.mchId, name: 'sneaky', role: 'owner' }, as(admin, null))).code).toBe(9121);
    expect((await t.p.store.listAuditLog({ limit: 100 })).length - before).toBe(2);
    expect((await t.p.store.listMerchantUsers(m.mchId)).map((u) => u.name)).toEqual(['Canteen Boss', 'lane-1']);
  });

  it('refuses the roles that may not change merchants (9122), an unknown merchant (1031) or user (1021), and bad input, writing nothing', async () => {
    const { mchId } = await shopWithUsers();
    const admin = await operator('ops', 'admin');
    const logged = (await t.p.store.listAuditLog({ limit: 100 })).length;
    for (const role of ['finance', 'support'] as const) {
      const s = await operator(`op-${role}`, role);
      expect((await call('admin/merchants/set-user-status', { mchId, name: 'lane-1', status: 'disabled' }, s)).code).toBe(9122);
      expect((await call('admin/merchants/reset-user-password', { mchId, name: 'lane-1' }, s)).code).toBe(9122);
    }
    expectRefused(await call('admin/merchants/users', { mchId: '999999999' }, admin), 1031, 'no merchant related records: no merchant 999999999');
    expectRefused(await call('admin/merchants/set-user-status', { mchId: '999999999', name: 'lane-1', status: 'disabled' }, admin), 1031, 'no merchant related records: no merchant 999999999');
    expectRefused(await call('admin/merchants/set-user-status', { mchId, name: 'nobody', status: 'disabled' }, admin), 1021, 'param error: name: this merchant has no user named nobody');
    expectRefused(await call('admin/merchants/set-user-status', { mchId, name: 'lane-1', status: 'off' }, admin), 1021, 'param error: status must be active or disabled');
    expectRefused(await call('admin/merchants/users', { mchId, extra: 1 }, admin), 1021, 'param error: unknown parameter "extra": not part of this API');
    expect((await pageCall(t.p, 'admin/merchants/set-user-status', { mchId, name: 'lane-1', status: 'disabled' }, as(admin, null))).code).toBe(9121);
    expect((await t.p.store.listAuditLog({ limit: 100 })).length - logged).toBe(2);
    expect((await t.p.store.listMerchantUsers(mchId)).map((u) => u.disabledAtMs)).toEqual([null, null]);
  });
});

describe('merchant-user disable, enable and list (CLI)', () => {
  it("disables an owner (its console session ends), lists the merchant's users with their state, and enables it again", async () => {
    const { mchId, owner } = await shopWithUsers();
    const disabled = await t.cli(['merchant-user', 'disable', '--mch-id', mchId, '--name', 'boss']);
    expect([disabled.code, disabled.stdout.trim()]).toEqual([0,
      `Owner boss of merchant ${mchId} is disabled: its sessions have ended and its sign-ins answer 9024.\n`
      + `Warning: merchant ${mchId} has no active owner now: nobody can manage its users in the merchant console until one is enabled `
      + '(merchant-user enable) or created (merchant-user create --role owner)']);
    expect((await call('merchant/users/list', {}, owner.console)).code).toBe(9120);
    expectRefused(await signIn('merchant', mchId, 'boss'), 9024, "user disabled: ask the merchant's owner to enable you again");

    const listed = await t.cliJ<{ users: Record<string, unknown>[] }>(['merchant-user', 'list', '--mch-id', mchId]);
    expect(listed.users.map((u) => [u.name, u.role, u.refundLimit, u.status, typeof u.disabledAtMs, u.locked])).toEqual([
      ['boss', 'owner', null, 'disabled', 'string', false], ['lane-1', 'cashier', null, 'active', 'object', false]]);
    const text = await t.cli(['merchant-user', 'list', '--mch-id', mchId]);
    const lines = text.stdout.trimEnd().split('\n');
    expect(lines).toHaveLength(2);
    expect(lines[0]).toMatch(/^boss    owner  +created .+ {2}DISABLED since .+$/);
    expect(lines[1]).toMatch(/^lane-1  cashier {2}no refund limit +created [^A-Z]+$/);

    const reset = await t.cli(['merchant-user', 'reset', '--mch-id', mchId, '--name', 'boss']);
    expect([reset.code, reset.stdout]).toEqual([1, '']);
    expect(reset.stderr).toContain('boss is disabled: enable it first, then give it a new password');
    const enabled = await t.cliJ(['merchant-user', 'enable', '--mch-id', mchId, '--name', 'boss']);
    expect(enabled).toEqual({ mchId, name: 'boss', role: 'owner', status: 'active', warning: null });
    sessionOf(await signIn('merchant', mchId, 'boss'));
    const logged = (await t.p.store.listAuditLog({ limit: 2 })).map((e) => [e.action, e.actor.kind]);
    expect(logged).toEqual([['session.signIn', 'merchantUser'], ['user.enable', 'cli']]);
  }, 60_000);

  it('names what is missing: an unknown user or merchant fails with exit 1, a bad merchant id with exit 2', async () => {
    const shop = await createMerchant(t.p, 'Corner Shop');
    const unknownUser = await t.cli(['merchant-user', 'disable', '--mch-id', shop.mchId, '--name', 'nobody']);
    expect([unknownUser.code, unknownUser.stdout]).toEqual([1, '']);
    expect(unknownUser.stderr).toContain(`no user nobody of merchant ${shop.mchId}`);
    const unknownMerchant = await t.cli(['merchant-user', 'list', '--mch-id', '999999999']);
    expect(unknownMerchant.code).toBe(1);
    expect(unknownMerchant.stderr).toContain('no merchant 999999999');
    expect((await t.cli(['merchant-user', 'list', '--mch-id', 'abc'])).code).toBe(2);
    const empty = await t.cli(['merchant-user', 'list', '--mch-id', shop.mchId]);
    expect(empty.stdout.trim()).toBe(`Merchant ${shop.mchId} has no users yet: micropay merchant-user create --mch-id ${shop.mchId} --name NAME --role owner`);
  }, 60_000);
});
