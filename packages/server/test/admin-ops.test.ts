import { afterEach, describe, expect, it } from 'vitest';
import { hashPin } from '../src/domain/credentials.js';
import { MINUTE_MS } from '../src/domain/payment-minutes.js';
import { SESSION_IDLE_MS } from '../src/domain/page-access.js';
import { openApiDocument } from '../src/http/openapi/document.js';
import { ROUTES } from '../src/http/routes.js';
import { platformMoneyWire } from '../src/api/platform-money-wire.js';
import { docBlock } from './doc-blocks.js';
import { runCli } from './process-helpers.js';
import { execute, sql } from './db-access.js';
import { createMerchant, createWalletWithCode, ManualClock, micropayParams, postSigned, startTestPlatform, type TestMerchant, type TestPlatform } from './helpers.js';
import { as, pageCall, sessionOf, signInLinkFor, type PageAnswer, type Session } from './page-helpers.js';

/**
 * The operator console's watching sections (docs/consoles.md: Dashboard, Ledger audit,
 * Notifications, Audit log) over real HTTP on both stores, and the audit log's promise: every
 * console action is in it, and nothing in either console can change or delete a row of it.
 */
let p: TestPlatform;
let clock: ManualClock;
afterEach(async () => {
  await p?.stop();
});

const call = (path: string, body: unknown = {}, s: Session | null = null, csrf: string | null = s?.csrf ?? null): Promise<PageAnswer> =>
  pageCall(p, path, body, as(s, csrf));
const PASSWORD = 'operator-pass-1';

async function start(env: Record<string, string> = {}): Promise<void> {
  // 10 s into a minute, so the payments of a test fall in one minute.
  clock = new ManualClock(Math.floor(Date.now() / MINUTE_MS) * MINUTE_MS + 10_000);
  p = await startTestPlatform(env, clock);
}

async function operatorSession(name = 'ops'): Promise<Session> {
  if (typeof (await p.store.createOperator(name, await hashPin(PASSWORD), null)) === 'string') throw new Error('name taken');
  return sessionOf(await call('admin/sign-in', { name, password: PASSWORD }));
}

async function ownerSession(m: TestMerchant, name = 'boss'): Promise<Session> {
  if (typeof (await p.store.createCashier(m.mchId, name, await hashPin(PASSWORD), { role: 'owner' })) === 'string') throw new Error('name taken');
  return sessionOf(await call('merchant/sign-in', { mchId: m.mchId, name, password: PASSWORD }));
}

async function pay(m: TestMerchant, order: string, amount: string, balanceSen: number): Promise<number> {
  const { payCode } = await createWalletWithCode(p, balanceSen);
  return (await postSigned(p.url, 'micropay', micropayParams(m, order, amount, payCode), m.key)).body.code;
}

const auditRows = () => sql<Record<string, unknown>>(p.store, 'SELECT * FROM audit_log ORDER BY log_id');
const actions = async () => (await p.store.listAuditLog({ limit: 100 })).map((e) => [e.action, e.actor.name, e.detail]).reverse();

describe('console sessions in the audit log', () => {
  it("records both consoles' sign-ins, failed sign-ins (never what was typed) and sign-outs, with the address", async () => {
    await start();
    const shop = await createMerchant(p, 'Corner Shop');
    await p.store.createOperator('ops', await hashPin(PASSWORD), null);
    await p.store.createCashier(shop.mchId, 'boss', await hashPin(PASSWORD), { role: 'owner' });
    expect((await call('admin/sign-in', { name: 'ops', password: 'wrong-guess-1' })).code).toBe(9020);
    expect((await call('admin/sign-in', { name: 'nobody', password: 'wrong-guess-2' })).code).toBe(9020);
    const ops = sessionOf(await call('admin/sign-in', { name: 'ops', password: PASSWORD }));
    expect((await call('merchant/sign-in', { mchId: shop.mchId, name: 'boss', password: 'wrong-guess-3' })).code).toBe(9020);
    const boss = sessionOf(await call('merchant/sign-in', { mchId: shop.mchId, name: 'boss', password: PASSWORD }));
    expect((await call('merchant/sign-out', {}, boss)).code).toBe(0);
    expect((await call('admin/sign-out', {}, ops)).code).toBe(0);
    expect(await actions()).toEqual([
      ['session.signInFailed', 'ops', { outcome: 'wrong' }],
      ['session.signIn', 'ops', {}],
      ['session.signInFailed', 'boss', { outcome: 'wrong' }],
      ['session.signIn', 'boss', {}],
      ['session.signOut', 'boss', {}],
      ['session.signOut', 'ops', {}],
    ]);
    const log = await p.store.listAuditLog({ limit: 100 });
    expect(log.every((e) => e.address !== null && /127\.0\.0\.1|::1/.test(e.address))).toBe(true);
    expect(log.filter((e) => e.actor.name === 'boss').every((e) => e.mchId === shop.mchId)).toBe(true);
    const stored = JSON.stringify(await auditRows());
    for (const typed of [PASSWORD, 'wrong-guess-1', 'wrong-guess-2', 'wrong-guess-3', 'nobody']) expect(stored).not.toContain(typed);
  });
});

const OPS_ROUTES: readonly [string, unknown, 'reads' | 'changes'][] = [
  ['admin/dashboard', {}, 'reads'],
  ['admin/ledger-audit', {}, 'changes'],
  ['admin/notifications/health', {}, 'reads'],
  ['admin/notifications/dead', { mchId: '1000000001' }, 'reads'],
  ['admin/notifications/retry', { notificationId: '00000000-0000-0000-0000-000000000000' }, 'changes'],
  ['admin/audit-log', {}, 'reads'],
];

describe('the operator sections refuse', () => {
  it('without a session, with an expired one, a merchant session, or without CSRF on a change; nothing is written', async () => {
    await start();
    const shop = await createMerchant(p);
    const boss = await ownerSession(shop);
    const ops = await operatorSession();
    const before = await auditRows();
    for (const [path, body, access] of OPS_ROUTES) {
      expect((await call(path, body)).code, path).toBe(9120);
      expect((await call(path, body, boss)).code, path).toBe(9120);
      if (access === 'changes') expect((await call(path, body, ops, null)).code, path).toBe(9121);
      else expect((await call(path, body, ops)).code, path).toBe(0);
    }
    clock.advance(SESSION_IDLE_MS);
    for (const [path, body] of OPS_ROUTES) expect((await call(path, body, ops)).code, path).toBe(9120);
    expect(await auditRows()).toEqual(before);
  });

  it('bad filters with a code and a message, never a 500', async () => {
    await start();
    const ops = await operatorSession();
    for (const [path, body] of [
      ['admin/dashboard', { range: '7d' }], ['admin/dashboard', { range: 3 }], ['admin/notifications/dead', {}], ['admin/notifications/dead', { mchId: 'x' }],
      ['admin/notifications/dead', { mchId: '1000000001', cursor: 'nope' }], ['admin/notifications/retry', { notificationId: "'; DROP TABLE audit_log; --" }],
      ['admin/audit-log', { action: 'audit.delete' }], ['admin/audit-log', { actorKind: 'root' }], ['admin/audit-log', { since: '2026-13-01' }],
      ['admin/audit-log', { cursor: '0' }], ['admin/audit-log', { limit: 100000 }], ['admin/audit-log', { mchId: '1 OR 1=1' }], ['admin/ledger-audit', { fix: true }],
    ] as const) {
      const a = await call(path, body, ops);
      expect([a.status, a.code], `${path} ${JSON.stringify(body)}`).toEqual([200, 1021]);
      expect(a.msg.length).toBeGreaterThan(0);
    }
  });
});

describe('the dashboard', () => {
  it("shows the payments made: per minute, the success rate, today's PAID count, merchants and wallets", async () => {
    await start({ MICROPAY_SWEEP_INTERVAL_MS: '50' });
    const shop = await createMerchant(p);
    await createMerchant(p, 'Second Shop');
    for (const i of [1, 2, 3]) expect(await pay(shop, `dash-${i}`, '1.00', 10_00)).toBe(0);
    expect(await pay(shop, 'dash-poor', '5.00', 1_00)).toBe(1028);
    const ops = await operatorSession();
    const minute = Math.floor(clock.nowMs() / MINUTE_MS) * MINUTE_MS;
    clock.advance(MINUTE_MS);
    let d: PageAnswer;
    const deadline = Date.now() + 5_000;
    do {
      await new Promise((r) => setTimeout(r, 50));
      d = await call('admin/dashboard', {}, ops);
    } while (d.data!.paidToday === 0 && Date.now() < deadline);
    expect(d.code).toBe(0);
    expect(d.data).toMatchObject({ range: '60m', paidToday: 3, merchants: 2, wallets: 4 });
    // From the ledger: four wallets opened with 31.00, three payments of 1.00 with the shop.
    expect(d.data!.money).toEqual({ onPlatform: '31.00', inWallets: '28.00', heldInWallets: '0.00', withMerchants: '3.00', payingOut: '0.00' });
    expect(d.data!.minutes).toHaveLength(60);
    const last = d.data!.minutes.at(-1);
    expect(last).toMatchObject({ minuteStartMs: minute, requests: 4, counts: { paid: 3, declinedBalance: 1 }, successRate: 0.75 });
    expect(last.p50Ms).toBeGreaterThan(0);
    const day = await call('admin/dashboard', { range: '24h' }, ops);
    expect(day.data!.minutes).toHaveLength(24 * 60);
    expect(day.data!.minutes.at(-1)).toEqual(last);
  });
});

describe("where the platform's money is", () => {
  it('is read from the ledger: wallets (held money too), merchants and payouts being made add up to the money on the platform', async () => {
    await start();
    const shop = await createMerchant(p);
    await p.store.setPayoutAccount(shop.mchId, { holderName: 'Corner Shop Ltd', bankName: 'West Bank', accountNumber: '12345678' });
    expect(await pay(shop, 'money-1', '20.00', 50_00)).toBe(0);
    // Above the wallet's confirmation limit: PENDING, its amount held in the wallet.
    const careful = await p.store.createWallet({ name: 'Careful', openingSen: 100_00, confirmLimitSen: 1_00 });
    const code = await p.store.issuePayCode(careful.walletId, 60_000);
    if (typeof code === 'string') throw new Error(code);
    expect((await postSigned(p.url, 'micropay', micropayParams(shop, 'money-2', '45.00', code.code), shop.key)).body.code).toBe(1024);
    const paidOut = await p.store.requestPayout({ mchId: shop.mchId, amountSen: 3_00, requestId: null });
    if (paidOut.kind !== 'requested') throw new Error(paidOut.kind);
    expect((await p.store.confirmPayout(paidOut.payout.payoutId)).kind).toBe('finished');
    expect((await p.store.requestPayout({ mchId: shop.mchId, amountSen: 5_00, requestId: null })).kind).toBe('requested');
    // A top-up made by mistake and reversed leaves nothing behind.
    const extra = await createWalletWithCode(p, 7_00);
    const [topUp] = await p.store.recentTransactions(extra.walletId, 1);
    await p.store.reverseTopUp(extra.walletId, topUp!.entryId, 'typed twice');
    // 157.00 topped up, 7.00 reversed, 3.00 paid out: 147.00 on the platform.
    const expected = { onPlatform: '147.00', inWallets: '130.00', heldInWallets: '45.00', withMerchants: '12.00', payingOut: '5.00' };
    expect(platformMoneyWire(await p.store.platformMoney())).toEqual(expected);
    expect((await call('admin/dashboard', {}, await operatorSession())).data!.money).toEqual(expected);
    // The CLI says the same, as docs/cli.md shows it.
    const text = await runCli(['report', 'balances', '--db', p.dbPath]);
    expect(`$ micropay report balances\n${text.stdout}`).toBe(docBlock('cli.md', 'report-balances'));
    expect(JSON.parse((await runCli(['report', 'balances', '--json', '--db', p.dbPath])).stdout)).toEqual(expected);
    expect((await p.store.audit()).ok).toBe(true);
  });
});

describe('the ledger audit', () => {
  it("runs every check of `micropay audit`, answers each with its result, and is logged as the operator's", async () => {
    await start();
    const shop = await createMerchant(p);
    expect(await pay(shop, 'audit-1', '1.00', 10_00)).toBe(0);
    const ops = await operatorSession();
    const run = await call('admin/ledger-audit', {}, ops);
    expect(run.code).toBe(0);
    expect(run.data!.ok).toBe(true);
    expect(run.data!.checks.map((c: { name: string }) => c.name)).toEqual((await p.store.audit()).checks.map((c) => c.name));
    expect(run.data!.checks.every((c: { violations: string[] }) => c.violations.length === 0)).toBe(true);
    // A broken invariant is named in words.
    await execute(p.store, "UPDATE orders SET status = 'FAILED' WHERE mch_order_id = 'audit-1'");
    const broken = await call('admin/ledger-audit', {}, ops);
    expect(broken.data!.ok).toBe(false);
    expect(broken.data!.checks.flatMap((c: { violations: string[] }) => c.violations).join('\n')).toMatch(/order .* \(FAILED\) has payment entry/);
    const runs = await p.store.listAuditLog({ action: 'ledgerAudit.run', limit: 10 });
    expect(runs.map((e) => [e.actor.kind, e.actor.name, e.detail.ok])).toEqual([['operator', 'ops', false], ['operator', 'ops', true]]);
  });
});

describe('notifications health', () => {
  it("shows the outbox's figures and the merchants by dead count; the operator lists a merchant's dead letters and retries one, logged", async () => {
    await start();
    const shop = await createMerchant(p);
    await p.store.updateMerchant(shop.mchId, { notifyUrl: 'http://127.0.0.1:9/notify' });
    for (let i = 0; i < 2; i++) expect((await p.store.sendTestNotification(shop.mchId)).kind).toBe('queued');
    await execute(p.store, "UPDATE notifications SET status = 'dead', attempts = 8, last_error = 'connection refused'");
    const ops = await operatorSession();
    const health = await call('admin/notifications/health', {}, ops);
    expect(health.data).toMatchObject({ pending: 0, dead: 2, oldestPendingAgeMs: null, deadByMerchant: [{ mchId: shop.mchId, dead: 2 }] });
    const dead = await call('admin/notifications/dead', { mchId: shop.mchId }, ops);
    expect(dead.data!.notifications).toHaveLength(2);
    expect(dead.data!.notifications[0]).toMatchObject({ mchId: shop.mchId, eventType: 'TEST', attempts: 8, lastError: 'connection refused' });
    const id = dead.data!.notifications[0].notificationId as string;
    const retried = await call('admin/notifications/retry', { notificationId: id }, ops);
    expect(retried.data).toEqual({ retried: true, status: 'pending' });
    expect((await call('admin/notifications/health', {}, ops)).data).toMatchObject({ pending: 1, dead: 1 });
    const [logged] = await p.store.listAuditLog({ action: 'notification.retry', limit: 5 });
    expect([logged!.actor.name, logged!.subjectId, logged!.mchId]).toEqual(['ops', id, shop.mchId]);
    expect((await call('admin/notifications/retry', { notificationId: '00000000-0000-0000-0000-000000000000' }, ops)).code).toBe(9051);
  });
});

describe('the audit log section', () => {
  it('lists every row newest first, filtered by merchant, actor kind, action and day, a page at a time', async () => {
    await start();
    const a = await createMerchant(p, 'Shop A');
    const b = await createMerchant(p, 'Shop B');
    await ownerSession(a, 'boss-a');
    await ownerSession(b, 'boss-b');
    const ops = await operatorSession();
    expect((await call('admin/ledger-audit', {}, ops)).code).toBe(0);
    const all = await call('admin/audit-log', {}, ops);
    expect(all.data!.entries.map((e: { action: string }) => e.action)).toEqual(['ledgerAudit.run', 'session.signIn', 'session.signIn', 'session.signIn']);
    expect(all.data!.next).toBeNull();
    const ofA = await call('admin/audit-log', { mchId: a.mchId }, ops);
    expect(ofA.data!.entries.map((e: { actor: { name: string } }) => e.actor.name)).toEqual(['boss-a']);
    const byOps = await call('admin/audit-log', { actorKind: 'operator', action: 'session.signIn' }, ops);
    expect(byOps.data!.entries.map((e: { actor: { name: string } }) => e.actor.name)).toEqual(['ops']);
    const first = await call('admin/audit-log', { limit: 3 }, ops);
    expect(first.data!.entries).toHaveLength(3);
    const second = await call('admin/audit-log', { limit: 3, cursor: first.data!.next }, ops);
    expect([...first.data!.entries, ...second.data!.entries]).toEqual(all.data!.entries);
    expect(second.data!.next).toBeNull();
    // The largest page allowed reads as any other (it once reached the store as 1,001 rows: code 500).
    const largest = await call('admin/audit-log', { limit: 1000 }, ops);
    expect([largest.code, largest.data!.entries]).toEqual([0, all.data!.entries]);
    const tomorrow = new Date(clock.nowMs() + 2 * 86_400_000).toISOString().slice(0, 10);
    expect((await call('admin/audit-log', { since: tomorrow }, ops)).data!.entries).toEqual([]);
  });
});

/** Bodies a hostile console user might send: unknown fields, wrong types, SQL, huge, not an object. */
const HOSTILE_BODIES: readonly unknown[] = [
  {},
  { logId: 1, action: 'delete', sql: 'DELETE FROM audit_log', table: 'audit_log' },
  { name: "x'; DELETE FROM audit_log; --", mchId: '1 OR 1=1', password: "' OR '1'='1", cursor: '1; DROP TABLE audit_log' },
  { mchId: "1000000001'; UPDATE audit_log SET action = 'x'; --", action: 'session.signIn', actorKind: 'cli', since: '1970-01-01' },
  { name: ['a'], refundLimit: { $ne: null }, limit: -1, range: '../../etc' },
  [1, 2, 3],
  'DELETE FROM audit_log',
  'x'.repeat(20_000),
];

describe('the audit log cannot be changed from a console', () => {
  it("every console route of http/routes.ts, with an owner's and an operator's session and hostile bodies, leaves every row as it was", async () => {
    await start();
    const shop = await createMerchant(p);
    const boss = await ownerSession(shop);
    const ops = await operatorSession();
    expect((await call('admin/ledger-audit', {}, ops)).code).toBe(0);
    const before = await auditRows();
    expect(before.length).toBeGreaterThanOrEqual(3);
    // Sign-outs last: they end the sessions the other calls use.
    const routes = [...ROUTES.keys()].filter((r) => /^\/api\/page\/(merchant|admin)\//.test(r)).map((r) => r.slice('/api/page/'.length))
      .sort((x, y) => Number(x.endsWith('sign-out')) - Number(y.endsWith('sign-out')));
    expect(routes.length).toBeGreaterThanOrEqual(14);
    for (const route of routes) {
      for (const session of [boss, ops]) {
        for (const body of HOSTILE_BODIES) {
          const a = await call(route, body, session);
          expect(a.status, `${route} ${JSON.stringify(body).slice(0, 80)}`).not.toBe(500);
        }
      }
    }
    const after = await auditRows();
    expect(after.slice(0, before.length)).toEqual(before);
    // What the walk added is only what it did: sessions (sign-outs last), audit runs and the bodies
    // that are valid requests of their route (an empty roll-key: a new key; an empty payout file:
    // the REQUESTED ones, downloaded), never a change of a row.
    const added = after.slice(before.length).map((r) => r.action as string);
    expect(added.filter((a) => !['session.signOut', 'ledgerAudit.run', 'session.signInFailed', 'merchant.rollKey', 'payout.download'].includes(a))).toEqual([]);
    expect(added.filter((a) => a === 'session.signOut')).toHaveLength(2);
  });

  it('every page route, each of its fields alone with a NUL or a name every object inherits, answers without a fault', async () => {
    await start();
    const shop = await createMerchant(p);
    const { walletId } = await createWalletWithCode(p, 50_00);
    if (typeof (await p.store.createCashier(shop.mchId, 'lane-1', await hashPin(PASSWORD))) === 'string') throw new Error('name taken');
    const sessions: Record<string, Session> = {
      admin: await operatorSession(),
      merchant: await ownerSession(shop),
      wallet: sessionOf(await call('wallet/sign-in-link', { token: await signInLinkFor(p, walletId) })),
      cashier: sessionOf(await call('cashier/sign-in', { mchId: shop.mchId, name: 'lane-1', password: PASSWORD })),
    };
    // Each field alone, so a route's refusal of unknown fields does not stop the walk at its first rule.
    const calls = Object.entries(openApiDocument().paths).filter(([path]) => path.startsWith('/api/page/'))
      .flatMap(([path, item]) => Object.keys(requestSchemaOf(item).properties ?? {}).map((field) => [path.slice('/api/page/'.length), field] as const))
      .sort(([x], [y]) => Number(x.endsWith('sign-out')) - Number(y.endsWith('sign-out')));
    expect(calls.length).toBeGreaterThanOrEqual(100);
    for (const [route, field] of calls) {
      for (const value of ['a\u0000b', '\u0000', 'constructor', '__proto__', 'toString']) {
        const a = await call(route, { [field]: value }, sessions[route.split('/', 1)[0]!] ?? null);
        expect(a.status, `${route} ${field}: ${JSON.stringify(value)}`).not.toBe(500);
      }
    }
  });
});

/** The JSON schema of a path's POST body, as the OpenAPI document gives it inline. */
function requestSchemaOf(item: unknown): { properties?: Record<string, unknown> } {
  const post = (item as { post?: { requestBody?: { content?: Record<string, { schema?: object }> } } }).post;
  return post?.requestBody?.content?.['application/json']?.schema ?? {};
}
