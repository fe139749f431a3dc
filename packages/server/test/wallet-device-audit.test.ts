import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { deviceSignOutProof } from '@micropay/protocol';
import { checkAuditEntry, type AuditLogEntry } from '../src/domain/audit-log.js';
import { hashWalletToken, newWalletToken } from '../src/domain/credentials.js';
import { openStore } from '../src/platform.js';
import { SQLITE_MIGRATIONS } from '../src/store/sqlite/migrations.js';
import { execute, sql } from './db-access.js';
import { postRaw, startTestPlatform, TEST_STORE, testConfig, type TestPlatform } from './helpers.js';
import { as, pageCall, signInWallet } from './page-helpers.js';

/**
 * A wallet holder's own offline-code devices in the audit log (docs/audit-log.md), on both stores:
 * enrolled and signed out through the wallet API (bearer token) and the wallet page (session), each
 * a row naming the holder, the channel and the request's address, and none holding a secret.
 */
let p: TestPlatform | null = null;
afterEach(async () => {
  await p?.stop();
  p = null;
});

const LOCAL = /^(::ffff:)?127\.0\.0\.1$/;
const deviceRows = async (t: TestPlatform): Promise<AuditLogEntry[]> =>
  (await t.store.listAuditLog({ limit: 100 })).filter((e) => e.action.startsWith('device.')).reverse();

describe("a wallet holder's offline devices in the audit log", () => {
  it('enrolment and sign-out through the wallet API and the wallet page each write a row by the holder, without a secret', async () => {
    p = await startTestPlatform();
    const token = newWalletToken();
    const wallet = await p.store.createWallet({ name: 'Hal', openingSen: 10_00, tokenHash: hashWalletToken(token) });
    const bearer = { Authorization: `Bearer ${token}` };

    const byApp = await postRaw(p.url, '/api/wallet/devices/enrol', { label: 'phone' }, bearer);
    expect(byApp.body.code).toBe(0);
    const appDevice = byApp.body.data as unknown as Record<string, string>;
    expect((await postRaw(p.url, '/api/wallet/devices/sign-out', { deviceId: appDevice.deviceId }, bearer)).body.code).toBe(0);

    const session = await signInWallet(p, wallet.walletId);
    const byPage = await pageCall(p, 'wallet/offline-device', { label: 'browser' }, as(session));
    expect(byPage.code).toBe(0);
    const pageDevice = byPage.data as Record<string, string>;
    expect((await pageCall(p, 'wallet/offline-device-sign-out', { deviceId: pageDevice.deviceId }, as(session))).code).toBe(0);
    // Signing the browser's device out signed its page out too. From a new session: signing out a
    // device that is signed out already answers the same and logs nothing more, and a refused
    // sign-out (no such device) changes nothing and logs nothing.
    expect((await pageCall(p, 'wallet/balance', {}, as(session))).code).toBe(9120);
    const next = await signInWallet(p, wallet.walletId);
    expect((await pageCall(p, 'wallet/offline-device-sign-out', { deviceId: pageDevice.deviceId }, as(next))).code).toBe(0);
    expect((await pageCall(p, 'wallet/offline-device-sign-out', { deviceId: pageDevice.deviceId === '00000000' ? '00000001' : '00000000' }, as(next))).code).toBe(1031);

    const rows = await deviceRows(p);
    expect(rows.map((e) => [e.action, e.subjectId, e.mchId, e.actor, e.detail])).toEqual([
      ['device.enrol', wallet.walletId, null, { kind: 'walletHolder', walletId: wallet.walletId, name: 'wallet app' }, { deviceId: appDevice.deviceId, label: 'phone' }],
      ['device.revoke', wallet.walletId, null, { kind: 'walletHolder', walletId: wallet.walletId, name: 'wallet app' }, { deviceId: appDevice.deviceId }],
      ['device.enrol', wallet.walletId, null, { kind: 'walletHolder', walletId: wallet.walletId, name: 'wallet page' }, { deviceId: pageDevice.deviceId, label: 'browser' }],
      ['device.revoke', wallet.walletId, null, { kind: 'walletHolder', walletId: wallet.walletId, name: 'wallet page' }, { deviceId: pageDevice.deviceId }],
    ]);
    for (const row of rows) expect(row.address).toMatch(LOCAL);

    // No secret anywhere in the table's raw rows: the device secrets, the token (and its hash), the session and its CSRF token.
    const raw = JSON.stringify(await sql(p.store, 'SELECT * FROM audit_log'));
    const secrets = [appDevice.deviceSecret, pageDevice.deviceSecret, token, hashWalletToken(token), session.cookie.split('=')[1], session.csrf];
    for (const secret of secrets) {
      expect(secret, 'each secret was answered').toBeTruthy();
      expect(raw).not.toContain(secret);
    }
    // The operator's filter finds them under the new actor kind.
    expect((await p.store.listAuditLog({ actorKind: 'walletHolder', limit: 10 })).length).toBe(4);
  });

  it('a device signs itself out with its proof, without a token or session; a wrong proof, or another device\'s, ends nothing', async () => {
    p = await startTestPlatform();
    const token = newWalletToken();
    const wallet = await p.store.createWallet({ name: 'Hal', openingSen: 10_00, tokenHash: hashWalletToken(token) });
    const enrol = async () => (await postRaw(p!.url, '/api/wallet/devices/enrol', { label: 'phone' }, { Authorization: `Bearer ${token}` })).body.data as unknown as Record<string, string>;
    const [phone, tablet] = [await enrol(), await enrol()];
    const proof = await deviceSignOutProof(phone.deviceSecret!, phone.deviceId!);
    const tabletProof = await deviceSignOutProof(tablet.deviceSecret!, tablet.deviceId!);
    const selfSignOut = async (path: string, body: Record<string, unknown>) => (await postRaw(p!.url, path, body)).body.code;
    expect(await selfSignOut('/api/wallet/devices/self-sign-out', { deviceId: phone.deviceId, proof: tabletProof })).toBe(1031);
    expect(await selfSignOut('/api/wallet/devices/self-sign-out', { deviceId: '00000000', proof })).toBe(phone.deviceId === '00000000' ? 0 : 1031);
    expect(await selfSignOut('/api/wallet/devices/self-sign-out', { deviceId: phone.deviceId, proof: 'x' })).toBe(1021);
    expect((await p.store.walletDevices(wallet.walletId)).map((d) => d.status)).toEqual(['active', 'active']);
    expect(await selfSignOut('/api/page/wallet/offline-device-self-sign-out', { deviceId: phone.deviceId, proof })).toBe(0);
    // Sent again (a page that did not see the answer): the same answer, and no second row.
    expect(await selfSignOut('/api/wallet/devices/self-sign-out', { deviceId: phone.deviceId, proof })).toBe(0);
    const statuses = new Map((await p.store.walletDevices(wallet.walletId)).map((d) => [String(d.deviceIndex).padStart(8, '0'), d.status]));
    expect([statuses.get(phone.deviceId!), statuses.get(tablet.deviceId!)]).toEqual(['revoked', 'active']);
    const rows = await deviceRows(p);
    expect(rows.filter((r) => r.action === 'device.revoke').map((r) => [r.actor, r.detail])).toEqual([
      [{ kind: 'walletHolder', walletId: wallet.walletId, name: 'wallet page' }, { deviceId: phone.deviceId }],
    ]);
    expect(JSON.stringify(await sql(p.store, 'SELECT * FROM audit_log'))).not.toContain(proof);
  });

  it('signing out a browser\'s device ends the page session it was enrolled or last renewed in; another wallet\'s device is 1031', async () => {
    p = await startTestPlatform();
    const token = newWalletToken();
    const wallet = await p.store.createWallet({ name: 'Hal', openingSen: 10_00, tokenHash: hashWalletToken(token) });
    const bearer = { Authorization: `Bearer ${token}` };
    const friends = await signInWallet(p, wallet.walletId);
    const laptop = ((await pageCall(p, 'wallet/offline-device', { label: 'Chrome on Linux' }, as(friends))).data as Record<string, string>).deviceId!;
    // A second session renews the first's device: the device now answers to the second session.
    const later = await signInWallet(p, wallet.walletId);
    expect((await pageCall(p, 'wallet/offline-device-renew', { deviceId: laptop }, as(later))).code).toBe(0);
    const own = await signInWallet(p, wallet.walletId);
    const phone = ((await pageCall(p, 'wallet/offline-device', { label: 'Safari on iPhone' }, as(own))).data as Record<string, string>).deviceId!;

    // Another wallet's session and token cannot end this wallet's devices, nor the console under the other wallet's id.
    const stranger = await p.store.createWallet({ name: 'Sly', openingSen: 0 });
    const strangers = await signInWallet(p, stranger.walletId);
    expect((await pageCall(p, 'wallet/offline-device-sign-out', { deviceId: laptop }, as(strangers))).code).toBe(1031);
    expect((await pageCall(p, 'wallet/offline-device-renew', { deviceId: laptop }, as(strangers))).code).toBe(1031);
    expect((await p.store.revokeOfflineDevices(stranger.walletId, Number(laptop)))).toBe('NO_DEVICE');

    // The holder signs the laptop out from the phone's page: the laptop's device and its page end; the phone's page lives on.
    expect((await pageCall(p, 'wallet/offline-device-sign-out', { deviceId: laptop }, as(own))).code).toBe(0);
    expect((await pageCall(p, 'wallet/balance', {}, as(later))).code).toBe(9120);
    expect((await pageCall(p, 'wallet/balance', {}, as(friends))).code).toBe(0);
    expect((await pageCall(p, 'wallet/balance', {}, as(own))).code).toBe(0);
    // From the app: the phone's device, and with it the phone's page.
    expect((await postRaw(p.url, '/api/wallet/devices/sign-out', { deviceId: phone }, bearer)).body.code).toBe(0);
    expect((await pageCall(p, 'wallet/balance', {}, as(own))).code).toBe(9120);
    expect((await p.store.walletDevices(wallet.walletId)).map((d) => d.status)).toEqual(['revoked', 'revoked']);
  });

  it("the holder's own freeze at the wallet page is logged as theirs, once", async () => {
    p = await startTestPlatform();
    const wallet = await p.store.createWallet({ name: 'Hal', openingSen: 10_00 });
    const session = await signInWallet(p, wallet.walletId);
    expect((await pageCall(p, 'wallet/freeze', {}, as(session))).code).toBe(0);
    expect((await pageCall(p, 'wallet/freeze', {}, as(session))).code).toBe(0);
    const rows = await p.store.listAuditLog({ action: 'wallet.freeze', limit: 10 });
    expect(rows.map((e) => [e.subjectId, e.actor])).toEqual([[wallet.walletId, { kind: 'walletHolder', walletId: wallet.walletId, name: 'wallet page' }]]);
    expect(rows[0]!.address).toMatch(LOCAL);
  });

  it("a holder's row concerns the holder's own wallet only, as the code and the database check", async () => {
    p = await startTestPlatform();
    const holder = { kind: 'walletHolder' as const, walletId: '600000000001', name: 'wallet app' as const };
    const entry = { atMs: Date.now(), actor: holder, address: null, action: 'device.enrol' as const, mchId: null, detail: {} };
    expect(() => checkAuditEntry({ ...entry, subjectId: '600000000002' })).toThrow(/own wallet/);
    expect(() => checkAuditEntry({ ...entry, subjectId: holder.walletId, mchId: '202611001' })).toThrow(/own wallet/);
    expect(() => checkAuditEntry({ ...entry, subjectId: holder.walletId })).not.toThrow();
    const insert = (actorId: string | null, mchId: string | null) => execute(p!.store,
      `INSERT INTO audit_log (at_ms, actor_kind, actor_id, actor_name, mch_id, action, detail) VALUES (1, 'walletHolder', ?, 'wallet app', ?, 'device.enrol', '{}')`,
      [actorId, mchId]);
    await expect(insert(null, null)).rejects.toThrow(/CHECK|check constraint/i);
    await expect(insert('600000000001', '202611001')).rejects.toThrow(/CHECK|check constraint/i);
    await insert('600000000001', null);
    await expect(execute(p.store, "INSERT INTO audit_log (at_ms, actor_kind, actor_name, action, detail) VALUES (1, 'somebody', 'x', 'device.enrol', '{}')"))
      .rejects.toThrow(/CHECK|check constraint/i);
  });
});

describe.runIf(TEST_STORE === 'sqlite')('upgrading a SQLite file with an audit log to the wallet holder actor (migration 20)', () => {
  it('keeps every row and its log id, stays append-only, and goes on numbering after the last row', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'micropay-audit-upgrade-'));
    const path = join(dir, 'v19.db');
    const before = new Database(path);
    before.exec(`CREATE TABLE schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at_ms INTEGER NOT NULL) STRICT`);
    for (const m of SQLITE_MIGRATIONS.filter((m) => m.version <= 19)) {
      before.exec(m.sql);
      before.prepare('INSERT INTO schema_migrations VALUES (?, ?, 0)').run(m.version, m.name);
    }
    before.exec(`
      INSERT INTO audit_log (at_ms, actor_kind, actor_id, actor_name, actor_role, mch_id, action, subject_id, detail, address) VALUES
        (1, 'cli', NULL, 'root', NULL, NULL, 'wallet.create', '600000000001', '{"name":"Alice"}', NULL),
        (2, 'merchantUser', 'u-1', 'ann', 'owner', '202611001', 'statement.download', NULL, '{"date":"2026-11-27"}', '198.51.100.4'),
        (3, 'operator', 'op-1', 'ops', NULL, NULL, 'wallet.freeze', '600000000001', '{}', '203.0.113.7');
    `);
    const rowsBefore = before.prepare('SELECT * FROM audit_log ORDER BY log_id').all();
    before.close();

    const store = await openStore(testConfig({ db: path }, {}));
    try {
      expect(await store.schemaVersion()).toBe(Math.max(...SQLITE_MIGRATIONS.map((m) => m.version)));
      // Every row as it was; the operator's role (migration 28) is unknown for rows written before it.
      expect(await sql(store, 'SELECT * FROM audit_log ORDER BY log_id')).toEqual(rowsBefore.map((r) => ({ ...(r as object), operator_role: null })));
      expect((await store.listAuditLog({ limit: 1, actorKind: 'operator' }))[0]!.actor).toEqual({ kind: 'operator', operatorId: 'op-1', name: 'ops', role: null });
      await expect(execute(store, "UPDATE audit_log SET actor_name = 'forger'")).rejects.toThrow(/append-only/);
      await expect(execute(store, 'DELETE FROM audit_log')).rejects.toThrow(/append-only/);
      await expect(execute(store, "REPLACE INTO audit_log (log_id, at_ms, actor_kind, actor_name, action, detail) VALUES (3, 1, 'cli', 'x', 'wallet.create', '{}')"))
        .rejects.toThrow(/append-only/);
      const wallet = await store.createWallet({ name: 'Hal', openingSen: 0 });
      await store.enrolOfflineDevice(wallet.walletId, 'phone', { lifetimeMs: 86_400_000, sessionHash: null }, { actor: { kind: 'walletHolder', walletId: wallet.walletId, name: 'wallet page' }, address: '192.0.2.1' });
      const newest = (await store.listAuditLog({ limit: 1 }))[0]!;
      expect([newest.logId, newest.action, newest.actor.kind]).toEqual([4, 'device.enrol', 'walletHolder']);
      expect(await sql(store, "SELECT name FROM sqlite_master WHERE type IN ('trigger', 'index') AND tbl_name = 'audit_log' ORDER BY name")).toEqual([
        { name: 'audit_log_by_merchant' }, { name: 'audit_log_no_delete' }, { name: 'audit_log_no_replace' }, { name: 'audit_log_no_update' },
      ]);
    } finally {
      await store.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
