import { randomInt } from 'node:crypto';
import { readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { offlineStep, ResultCode, type OfflineDevice } from '@micropay/protocol';
import { DAY_MS, MAX_ACTIVE_DEVICES, offlineCodeSync } from '../src/domain/offline-code.js';
import { DEVICE_FAILURES_PER_WINDOW } from '../src/domain/offline-code-limits.js';
import type { Platform } from '../src/platform.js';
import { openStore } from '../src/platform.js';
import { MasterKey } from '../src/secrets/master-key.js';
import { execute } from './db-access.js';
import { SQLITE_MIGRATIONS } from '../src/store/sqlite/migrations.js';
import { POSTGRES_MIGRATIONS } from '../src/store/postgres/migrations.js';
import { createMerchant, emptyTestDatabase, ManualClock, micropayParams, postSigned, startTestPlatform, TEST_MASTER_KEY, TEST_STORE, testConfig, type TestMerchant, type TestPlatform } from './helpers.js';
import { runCli } from './process-helpers.js';

/** Offline payment codes on the store under test (docs/offline-codes.md), through the merchant API. */
const LIFETIME_MS = 7 * DAY_MS;
let p: TestPlatform | null = null;
afterEach(async () => {
  await p?.stop();
  p = null;
});

/** A wallet with `openingSen` and one device enrolled, as the device file holds it. */
async function enrolledWallet(platform: Platform, openingSen: number): Promise<{ walletId: string; device: OfflineDevice; deviceIndex: number }> {
  const wallet = await platform.store.createWallet({ name: 'Offline Olive', openingSen });
  const enrolled = await platform.store.enrolOfflineDevice(wallet.walletId, 'phone', { lifetimeMs: LIFETIME_MS, sessionHash: null });
  if (typeof enrolled === 'string') throw new Error(enrolled);
  const key = (await platform.store.offlineCodeKey())!;
  return { walletId: wallet.walletId, device: key.deviceCredentials(enrolled), deviceIndex: enrolled.deviceIndex };
}

let orderNo = 0;
/** The platform's clock: requests are timestamped by it, so a test may move it days ahead. */
let clock = new ManualClock();
async function pay(m: TestMerchant, code: string, amount = '1.00') {
  const params = { ...micropayParams(m, `OFF${Date.now()}${orderNo++}`, amount, code), timestamp: String(clock.now) };
  const res = await postSigned(p!.url, 'micropay', params, m.key);
  return res.body;
}

async function setUp(openingSen = 100_00) {
  clock = new ManualClock();
  p = await startTestPlatform({}, clock);
  const m = await createMerchant(p);
  const w = await enrolledWallet(p, openingSen);
  return { clock, m, ...w, step: () => offlineStep(clock.now) };
}

describe('offline payment codes', () => {
  it('a code pays once; its replay, and an earlier code after a later one paid, answer 1036', async () => {
    const { m, walletId, device, step } = await setUp();
    const first = offlineCodeSync(device, step());
    const second = offlineCodeSync(device, step() + 1);
    expect(first).toMatch(/^38[0-9]{16}$/);
    expect((await pay(m, first)).code).toBe(ResultCode.SUCCESS);
    expect((await pay(m, first)).code).toBe(ResultCode.CODE_EXPIRED);
    // A second payment within the step takes the next counter, which the window accepts.
    expect((await pay(m, second)).code).toBe(ResultCode.SUCCESS);
    const third = offlineCodeSync(device, step() + 3);
    const skipped = offlineCodeSync(device, step() + 2);
    expect((await pay(m, third)).code).toBe(ResultCode.SUCCESS);
    expect((await pay(m, skipped)).code).toBe(ResultCode.CODE_EXPIRED);
    expect((await p!.store.findWallet(walletId))!.balanceSen).toBe(97_00);
    expect((await p!.store.audit()).ok).toBe(true);
  });

  it('a code outside the ±40 s window answers 1036, and one within it pays', async () => {
    const { clock, m, device, step } = await setUp();
    const old = offlineCodeSync(device, step());
    clock.advance(60_000);
    expect((await pay(m, old)).code).toBe(ResultCode.CODE_EXPIRED);
    const ahead = offlineCodeSync(device, step() + 5);
    expect((await pay(m, ahead)).code).toBe(ResultCode.CODE_EXPIRED);
    const lateButInWindow = offlineCodeSync(device, step() - 4);
    expect((await pay(m, lateButInWindow)).code).toBe(ResultCode.SUCCESS);
  });

  it('a revoked device, and every device of a frozen wallet, is refused at once (1036), also after unfreezing', async () => {
    const { m, walletId, device, deviceIndex, step } = await setUp();
    const other = await p!.store.enrolOfflineDevice(walletId, 'tablet', { lifetimeMs: LIFETIME_MS, sessionHash: null });
    if (typeof other === 'string') throw new Error(other);
    const tablet = (await p!.store.offlineCodeKey())!.deviceCredentials(other);
    expect(await p!.store.revokeOfflineDevices(walletId, deviceIndex)).toBe(1);
    expect((await pay(m, offlineCodeSync(device, step()))).code).toBe(ResultCode.CODE_EXPIRED);
    expect((await pay(m, offlineCodeSync(tablet, step()))).code).toBe(ResultCode.SUCCESS);
    await p!.store.setWalletStatus(walletId, 'frozen');
    await p!.store.setWalletStatus(walletId, 'active');
    expect((await pay(m, offlineCodeSync(tablet, step() + 1))).code).toBe(ResultCode.CODE_EXPIRED);
    const devices = await p!.store.walletDevices(walletId);
    expect(devices.map((d) => d.status)).toEqual(['revoked', 'revoked']);
    expect(await p!.store.enrolOfflineDevice(walletId, 'x', { lifetimeMs: LIFETIME_MS, sessionHash: null }).then((d) => typeof d)).toBe('object');
  });

  it('an enrolment lasts its lifetime unless renewed; an expired device is refused (1036) and not renewed', async () => {
    const { clock, m, walletId, device, deviceIndex, step } = await setUp();
    const enrolledAtMs = clock.now;
    clock.advance(LIFETIME_MS - 60_000);
    expect((await pay(m, offlineCodeSync(device, step()))).code).toBe(ResultCode.SUCCESS);
    // Renewed a minute before its end: a full lifetime from now, so it pays past its first expiry.
    const renewed = await p!.store.renewOfflineDevice(walletId, deviceIndex, { lifetimeMs: LIFETIME_MS, sessionHash: null });
    expect(renewed).toMatchObject({ deviceIndex, status: 'active', expiresAtMs: clock.now + LIFETIME_MS });
    clock.advance(120_000);
    expect(clock.now).toBeGreaterThan(enrolledAtMs + LIFETIME_MS);
    expect((await pay(m, offlineCodeSync(device, step()))).code).toBe(ResultCode.SUCCESS);
    // At its expiry it pays no more, and a renewal does not bring it back.
    clock.advance(LIFETIME_MS - 120_000);
    expect((await pay(m, offlineCodeSync(device, step()))).code).toBe(ResultCode.CODE_EXPIRED);
    expect(await p!.store.renewOfflineDevice(walletId, deviceIndex, { lifetimeMs: LIFETIME_MS, sessionHash: null })).toBe('EXPIRED');
    expect((await p!.store.walletDevices(walletId))[0]).toMatchObject({ status: 'active', expiresAtMs: clock.now });
    expect((await p!.store.findWallet(walletId))!.balanceSen).toBe(98_00);
  });

  it('a revoked device, another wallet\'s device and a frozen wallet\'s device are not renewed', async () => {
    const { walletId, deviceIndex } = await setUp();
    const stranger = await enrolledWallet(p!, 0);
    expect(await p!.store.renewOfflineDevice(walletId, stranger.deviceIndex, { lifetimeMs: LIFETIME_MS, sessionHash: null })).toBe('NO_DEVICE');
    expect(await p!.store.renewOfflineDevice('609999999999', deviceIndex, { lifetimeMs: LIFETIME_MS, sessionHash: null })).toBe('NO_WALLET');
    await p!.store.setWalletStatus(stranger.walletId, 'frozen');
    expect(await p!.store.renewOfflineDevice(stranger.walletId, stranger.deviceIndex, { lifetimeMs: LIFETIME_MS, sessionHash: null })).toBe('WALLET_FROZEN');
    await p!.store.revokeOfflineDevices(walletId, deviceIndex);
    expect(await p!.store.renewOfflineDevice(walletId, deviceIndex, { lifetimeMs: LIFETIME_MS, sessionHash: null })).toBe('REVOKED');
  });

  it('a renewal racing a revocation: the device ends revoked either way, and its codes are refused', async () => {
    const { m, walletId, device, deviceIndex, step } = await setUp();
    const [renewed] = await Promise.all([
      p!.store.renewOfflineDevice(walletId, deviceIndex, { lifetimeMs: LIFETIME_MS, sessionHash: null }),
      p!.store.revokeOfflineDevices(walletId, deviceIndex),
    ]);
    expect(['REVOKED', 'object']).toContain(typeof renewed === 'string' ? renewed : 'object');
    expect((await p!.store.walletDevices(walletId))[0]!.status).toBe('revoked');
    expect((await pay(m, offlineCodeSync(device, step()))).code).toBe(ResultCode.CODE_EXPIRED);
  });

  it('upgrading a store whose devices had no expiry: active ones last the default lifetime from the upgrade', async () => {
    const { walletId, deviceIndex } = await setUp();
    const revoked = await p!.store.enrolOfflineDevice(walletId, 'old phone', { lifetimeMs: LIFETIME_MS, sessionHash: null });
    if (typeof revoked === 'string') throw new Error(revoked);
    await p!.store.revokeOfflineDevices(walletId, revoked.deviceIndex);
    await execute(p!.store, 'ALTER TABLE wallet_devices DROP COLUMN expires_at_ms');
    await execute(p!.store, 'ALTER TABLE wallet_devices DROP COLUMN session_hash');
    const expiry = (TEST_STORE === 'sqlite' ? SQLITE_MIGRATIONS : POSTGRES_MIGRATIONS).find((m) => m.name.startsWith('offline devices expire'))!;
    await execute(p!.store, `DELETE FROM schema_migrations WHERE version = ${expiry.version}`);
    const before = Math.floor(Date.now() / 1000) * 1000;
    const upgraded = await openStore(p!.config);
    try {
      const devices = await upgraded.walletDevices(walletId);
      const [active, ended] = [deviceIndex, revoked.deviceIndex].map((i) => devices.find((d) => d.deviceIndex === i));
      expect(active!.expiresAtMs).toBeGreaterThanOrEqual(before + 7 * DAY_MS);
      expect(active!.expiresAtMs).toBeLessThanOrEqual(Date.now() + 7 * DAY_MS);
      expect(ended!.expiresAtMs).toBe(ended!.revokedAtMs);
      expect([active!.sessionHash, ended!.sessionHash]).toEqual([null, null]);
    } finally {
      await upgraded.close();
    }
  });

  it(`a wallet has at most ${MAX_ACTIVE_DEVICES} active devices: revoked and expired ones leave room`, async () => {
    const { clock, walletId, deviceIndex } = await setUp();
    for (let i = 1; i < MAX_ACTIVE_DEVICES; i++) expect(typeof (await p!.store.enrolOfflineDevice(walletId, `phone ${i}`, { lifetimeMs: LIFETIME_MS, sessionHash: null }))).toBe('object');
    expect(await p!.store.enrolOfflineDevice(walletId, 'one too many', { lifetimeMs: LIFETIME_MS, sessionHash: null })).toBe('TOO_MANY_DEVICES');
    expect(await p!.store.revokeOfflineDevices(walletId, deviceIndex)).toBe(1);
    expect(typeof (await p!.store.enrolOfflineDevice(walletId, 'in its place', { lifetimeMs: LIFETIME_MS, sessionHash: null }))).toBe('object');
    expect(await p!.store.enrolOfflineDevice(walletId, 'one too many', { lifetimeMs: LIFETIME_MS, sessionHash: null })).toBe('TOO_MANY_DEVICES');
    clock.advance(LIFETIME_MS);
    expect(typeof (await p!.store.enrolOfflineDevice(walletId, 'after a week away', { lifetimeMs: LIFETIME_MS, sessionHash: null }))).toBe('object');
    // Revoking all ends the expired ones' rows too; a second revocation ends nothing and writes nothing.
    expect(await p!.store.revokeOfflineDevices(walletId, null)).toBe(MAX_ACTIVE_DEVICES + 1);
    const logged = (await p!.store.listAuditLog({ action: 'device.revoke', limit: 10 })).length;
    expect(await p!.store.revokeOfflineDevices(walletId, null)).toBe(0);
    expect(await p!.store.revokeOfflineDevices(walletId, deviceIndex)).toBe(0);
    expect((await p!.store.listAuditLog({ action: 'device.revoke', limit: 10 })).length).toBe(logged);
    expect(await p!.store.revokeOfflineDevices('609999999999', null)).toBeNull();
    // Another wallet's device is not this wallet's to revoke: it stays as it was.
    const other = await enrolledWallet(p!, 0);
    expect(await p!.store.revokeOfflineDevices(walletId, other.deviceIndex)).toBe('NO_DEVICE');
    expect((await p!.store.walletDevices(other.walletId))[0]!.status).toBe('active');
  });

  it('a frozen wallet enrols no device', async () => {
    const { walletId } = await setUp();
    await p!.store.setWalletStatus(walletId, 'frozen');
    expect(await p!.store.enrolOfflineDevice(walletId, 'phone', { lifetimeMs: LIFETIME_MS, sessionHash: null })).toBe('WALLET_FROZEN');
  });

  it('PENDING, insufficient balance and refunds behave as for the platform\'s own codes', async () => {
    const { m, walletId, device, step } = await setUp(300_00);
    // Above the 250.00 confirmation limit: held, and the code is used (its replay is 1036).
    const held = offlineCodeSync(device, step());
    expect((await pay(m, held, '260.00')).code).toBe(ResultCode.ORDER_PAYING);
    expect((await pay(m, held, '1.00')).code).toBe(ResultCode.CODE_EXPIRED);
    // Too much for what is left: FAILED, and the code stays usable.
    const tooMuch = offlineCodeSync(device, step() + 1);
    expect((await pay(m, tooMuch, '50.00')).code).toBe(ResultCode.INSUFFICIENT_BALANCE);
    const paid = await pay(m, tooMuch, '5.00');
    expect(paid.code).toBe(ResultCode.SUCCESS);
    const wallet = (await p!.store.findWallet(walletId))!;
    expect([wallet.balanceSen, wallet.heldSen]).toEqual([295_00, 260_00]);
    const refund = await p!.store.refund({ mchId: m.mchId, mchOrderId: paid.data!.merchantOrderId, mchRefundId: 'R1', refundAmountSen: 5_00, reason: null, timestampMs: Date.now() });
    expect(refund.kind).toBe('accepted');
    expect((await p!.store.audit()).ok).toBe(true);
  });

  it(`after ${DEVICE_FAILURES_PER_WINDOW} failed codes a device's codes are refused unchecked, even a right one`, async () => {
    const { m, device, step } = await setUp();
    const right = offlineCodeSync(device, step());
    const wrong = right.slice(0, 11) + String((Number(right.slice(11)) + 1) % 10_000_000).padStart(7, '0');
    for (let i = 0; i < DEVICE_FAILURES_PER_WINDOW; i++) expect((await pay(m, wrong)).code).toBe(ResultCode.CODE_EXPIRED);
    expect((await pay(m, right)).code).toBe(ResultCode.CODE_EXPIRED);
  });

  it('100,000 random well-formed offline codes pay nothing', async () => {
    const { m, walletId, device, step } = await setUp();
    const tag = device.deviceTag;
    const counterDigit = String(step() % 10);
    let paid = 0;
    // Half on the wallet's own tag and step (the strongest guess: only the 7 one-time digits are
    // unknown), half fully random; through the store, so the API's failure limits do not stop them.
    for (let batch = 0; batch < 100; batch++) {
      const codes = Array.from({ length: 1_000 }, (_, i) =>
        i % 2 === 0
          ? '38' + tag + counterDigit + String(randomInt(0, 10_000_000)).padStart(7, '0')
          : '38' + String(randomInt(0, 100_000_000)).padStart(8, '0') + String(randomInt(0, 100_000_000)).padStart(8, '0'),
      );
      const decisions = await Promise.all(codes.map((payCode, i) => p!.store.pay({
        mchId: m.mchId, mchOrderId: `G${batch}-${i}`, amountSen: 1_00, goodsInfo: 'guess', discountSen: null, point: null, payCode,
      })));
      paid += decisions.filter((d) => d.kind === 'paid' || d.kind === 'pending').length;
    }
    expect(paid).toBe(0);
    expect((await p!.store.findWallet(walletId))!.balanceSen).toBe(100_00);
  }, 300_000);
});

describe('offline codes from the command line', () => {
  it('`wallet devices enrol` writes the device file; `paycode --offline` prints codes from it alone, which pay; `revoke` ends them', async () => {
    const { m } = await setUp();
    const wallet = await p!.store.createWallet({ name: 'Cli Cleo', openingSen: 10_00 });
    const file = join(p!.dir, 'cleo-phone.json');
    const enrol = await runCli(['wallet', 'devices', 'enrol', wallet.walletId, '--out', file, '--label', 'Cleo phone', '--db', p!.dbPath, '--json']);
    expect(enrol.code).toBe(0);
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect((await runCli(['wallet', 'devices', 'enrol', wallet.walletId, '--out', file, '--db', p!.dbPath])).code).toBe(2);
    // No store and no network: no --db, a DATABASE_URL that goes nowhere, no master key.
    const offlineEnv = { DATABASE_URL: 'postgres://nobody@127.0.0.1:9/none', MICROPAY_MASTER_KEY: '' };
    const first = await runCli(['paycode', '--offline', file, '--json'], { env: offlineEnv });
    const second = await runCli(['paycode', '--offline', file], { env: offlineEnv });
    expect(first.code).toBe(0);
    const one = JSON.parse(first.stdout) as { payCode: string; counter: string };
    const two = second.stdout.trim();
    expect(one.payCode).toMatch(/^38[0-9]{16}$/);
    expect(two).toMatch(/^38[0-9]{16}$/);
    expect(two).not.toBe(one.payCode);
    expect((await pay(m, two)).code).toBe(ResultCode.SUCCESS);
    // The later code paid: the earlier one is retired.
    expect((await pay(m, one.payCode)).code).toBe(ResultCode.CODE_EXPIRED);
    const deviceId = (JSON.parse(enrol.stdout) as { deviceId: string }).deviceId;
    expect((await runCli(['wallet', 'devices', 'revoke', wallet.walletId, deviceId, '--db', p!.dbPath])).code).toBe(0);
    const third = (await runCli(['paycode', '--offline', file], { env: offlineEnv })).stdout.trim();
    expect((await pay(m, third)).code).toBe(ResultCode.CODE_EXPIRED);
    const listed = JSON.parse((await runCli(['wallet', 'devices', 'list', wallet.walletId, '--db', p!.dbPath, '--json'])).stdout) as { devices: { deviceId: string; status: string }[] };
    expect(listed.devices).toMatchObject([{ deviceId, status: 'revoked' }]);
    // --json lists a device exactly as the wallet API does: wire times, ms as a string.
    const wire = /^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}$/;
    expect(listed.devices[0]).toEqual({
      deviceId, label: expect.any(String), status: 'revoked', enrolledAt: expect.stringMatching(wire), expiresAt: expect.stringMatching(wire),
      expiresAtMs: expect.stringMatching(/^\d{13}$/), revokedAt: expect.stringMatching(wire),
    });
  });

  it('`wallet devices renew --file` moves the expiry in the store and the file; an expired file prints no code', async () => {
    await setUp();
    const wallet = await p!.store.createWallet({ name: 'Cli Rene', openingSen: 0 });
    const file = join(p!.dir, 'rene-phone.json');
    const db = ['--db', p!.dbPath];
    const enrolled = JSON.parse((await runCli(['wallet', 'devices', 'enrol', wallet.walletId, '--out', file, ...db, '--json'])).stdout) as { deviceId: string; expiresAtMs: string };
    const inFile = () => JSON.parse(readFileSync(file, 'utf8')) as { expiresAtMs: string };
    expect(inFile().expiresAtMs).toBe(enrolled.expiresAtMs);
    expect(Number(enrolled.expiresAtMs) - Date.now()).toBeGreaterThan(7 * DAY_MS - 60_000);
    // Another wallet's id with this file is refused before anything changes.
    expect((await runCli(['wallet', 'devices', 'renew', '600000000001', enrolled.deviceId, '--file', file, ...db])).code).toBe(2);
    const renewed = await runCli(['wallet', 'devices', 'renew', wallet.walletId, enrolled.deviceId, '--file', file, ...db], { env: { MICROPAY_OFFLINE_DEVICE_DAYS: '30' } });
    expect(renewed.code).toBe(0);
    expect(renewed.stdout).toMatch(new RegExp(`^Device ${enrolled.deviceId} of wallet ${wallet.walletId} is enrolled until .+\\.\n$`));
    const until = Number(inFile().expiresAtMs);
    expect(until - Date.now()).toBeGreaterThan(30 * DAY_MS - 60_000);
    expect((await p!.store.walletDevices(wallet.walletId))[0]!.expiresAtMs).toBe(until);
    const listed = await runCli(['wallet', 'devices', 'list', wallet.walletId, ...db]);
    expect(listed.stdout).toMatch(new RegExp(`^${enrolled.deviceId}  active   enrolled .+  expires .+  "device"\n$`));
    // A file past its expiry prints nothing: the platform would refuse its code.
    writeFileSync(file, JSON.stringify({ ...inFile(), expiresAtMs: String(Date.now() - 1) }));
    const expired = await runCli(['paycode', '--offline', file]);
    expect([expired.code, expired.stdout]).toEqual([1, '']);
    expect(expired.stderr).toContain('enrolment has expired');
    expect((await runCli(['wallet', 'devices', 'revoke', wallet.walletId, '--all', ...db])).stdout).toBe(`1 device of wallet ${wallet.walletId} revoked.\n`);
    expect((await runCli(['wallet', 'devices', 'revoke', wallet.walletId, enrolled.deviceId, ...db])).stdout)
      .toBe(`Device ${enrolled.deviceId} of wallet ${wallet.walletId} was revoked already.\n`);
    const refused = await runCli(['wallet', 'devices', 'renew', wallet.walletId, enrolled.deviceId, ...db]);
    expect([refused.code, refused.stderr]).toEqual([1, expect.stringContaining('it is revoked; enrol a new device')]);
    // A device file that cannot be written enrols no device whose secret nobody would have.
    const nowhere = await runCli(['wallet', 'devices', 'enrol', wallet.walletId, '--out', join(p!.dir, 'no-such-dir', 'x.json'), ...db]);
    expect([nowhere.code, nowhere.stderr]).toEqual([1, expect.stringContaining('cannot write the device file')]);
    expect(await p!.store.walletDevices(wallet.walletId)).toHaveLength(1);
  });
});

describe('the offline-code key at rest', () => {
  it('is sealed under the master key, and `rotate-master-key` seals it under the new one: devices keep their secrets', async () => {
    const NEW = 'q5P5bXCxm7Dk0H1nF5fJ9sV0oR8bS2aQ3zY4wT6uE1c=';
    const empty = await emptyTestDatabase();
    try {
      const before = await openStore(testConfig({ db: empty.dbPath }));
      const wallet = await before.createWallet({ name: 'Rotating Rita', openingSen: 0 });
      const device = await before.enrolOfflineDevice(wallet.walletId, 'phone', { lifetimeMs: LIFETIME_MS, sessionHash: null });
      if (typeof device === 'string') throw new Error(device);
      const credentials = (await before.offlineCodeKey())!.deviceCredentials(device);
      const stored = (await before.getSetting('offline_code_key'))!;
      await before.close();
      // Stored as the master key's id and a ciphertext: no byte of the key in the clear.
      expect(stored.split(':')[0]).toBe(MasterKey.parse(TEST_MASTER_KEY)!.id);
      expect(stored).not.toContain(credentials.deviceSecret);

      const rotated = await runCli(['rotate-master-key', '--db', empty.dbPath], { env: { MICROPAY_MASTER_KEY: NEW, MICROPAY_OLD_MASTER_KEY: TEST_MASTER_KEY } });
      expect(rotated.code).toBe(0);
      const after = await openStore(testConfig({ db: empty.dbPath }, { MICROPAY_MASTER_KEY: NEW }));
      try {
        expect((await after.getSetting('offline_code_key'))!.split(':')[0]).toBe(MasterKey.parse(NEW)!.id);
        expect((await after.offlineCodeKey())!.deviceCredentials(device)).toEqual(credentials);
      } finally {
        await after.close();
      }
    } finally {
      await empty.drop();
    }
  });
});
