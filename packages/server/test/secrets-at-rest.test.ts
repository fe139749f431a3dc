import { createDecipheriv } from 'node:crypto';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { Secret } from '@micropay/protocol';
import type { Merchant } from '../src/domain/model.js';
import { newApiKey } from '../src/domain/ids.js';
import { hashPin } from '../src/domain/credentials.js';
import { base32Decode, newTotpSecret, totpCode, totpStepAt } from '../src/domain/totp.js';
import { openStore } from '../src/platform.js';
import { MasterKey } from '../src/secrets/master-key.js';
import { MasterKeyError, MerchantKeyVault } from '../src/secrets/merchant-key-vault.js';
import { MERCHANT_CACHE_TTL_MS } from '../src/store/merchant-cache.js';
import type { Store } from '../src/store/store.js';
import { execute, sql } from './db-access.js';
import { docBlock } from './doc-blocks.js';
import {
  createWalletWithCode,
  emptyTestDatabase,
  seedMerchantWithCodes,
  micropayParams,
  postSigned,
  startTestPlatform,
  TEST_MASTER_KEY,
  TEST_STORE,
  testConfig,
  type TestMerchant,
  type TestPlatform,
} from './helpers.js';
import { runCli, startServerProcess, stopAllChildren, type ServerProcess } from './process-helpers.js';

/**
 * Merchant keys at rest (docs/operations.md, "Secrets at rest"): encrypted under the master key,
 * so a copy of the database alone reveals none; opened only in memory; the master key rotated in
 * one transaction; a missing or wrong master key stops the start with one clear line.
 */
const cleanup: (() => Promise<void>)[] = [];
afterEach(async () => {
  await stopAllChildren();
  for (const step of cleanup.splice(0).reverse()) await step();
});

/** Every way a key could sit in the bytes: as written, in base64 and in hex. */
function encodings(key: string): string[] {
  const bytes = Buffer.from(key, 'utf8');
  return [key, bytes.toString('base64'), bytes.toString('base64url'), bytes.toString('hex'), bytes.toString('hex').toUpperCase()];
}

/** The store as a thief would copy it: the SQLite files' bytes, or every PostgreSQL row as text. */
async function rawStore(p: TestPlatform): Promise<string> {
  if (TEST_STORE === 'sqlite') {
    const files = readdirSync(p.dir).filter((f) => f.startsWith('micropay.db'));
    expect(files).toEqual(expect.arrayContaining(['micropay.db', 'micropay.db-wal']));
    return files.map((f) => readFileSync(join(p.dir, f)).toString('latin1')).join('\n');
  }
  // Every row of every table of the store, as text: what a dump of the database holds.
  const tables = await sql<{ name: string }>(p.store, "SELECT table_name AS name FROM information_schema.tables WHERE table_schema = current_schema()");
  expect(tables.map((t) => t.name)).toEqual(expect.arrayContaining(['merchants', 'orders']));
  const rows = await Promise.all(tables.map((t) => sql<{ row: string }>(p.store, `SELECT row_to_json(t)::text AS row FROM "${t.name}" t`)));
  return rows.flat().map((r) => r.row).join('\n');
}

async function pays(p: { url: string }, m: TestMerchant, key: string, payCode: string, orderId: string): Promise<number> {
  return (await postSigned(p.url, 'micropay', micropayParams(m, orderId, '1.00', payCode), key)).body.code;
}

describe('merchant keys at rest', () => {
  it('a copy of the store holds no merchant key (plain, base64 or hex), wallet token or cashier password; payments still verify with each key', async () => {
    const p = await startTestPlatform();
    cleanup.push(() => p.stop());
    const generatedKey = newApiKey();
    const generated = await p.store.createMerchant({ name: 'Key Check Car Park', apiKey: new Secret(generatedKey) });
    const importedKey = 'imported-key-from-another-platform-0042';
    const imported = await p.store.createMerchant({ mchId: '999900001', name: 'Imported Canteen', apiKey: new Secret(importedKey) });
    // A roll keeps the old key verifying: both of the merchant's keys are stored.
    const rolledKey = newApiKey();
    await p.store.rollMerchantKey(generated.mchId, new Secret(rolledKey), 60_000);

    const m1 = { mchId: generated.mchId, key: rolledKey, name: generated.name };
    const m2 = { mchId: imported.mchId, key: importedKey, name: imported.name };
    expect(await pays(p, m1, generatedKey, (await createWalletWithCode(p, 10_00)).payCode, 'rest-previous')).toBe(0);
    expect(await pays(p, m1, rolledKey, (await createWalletWithCode(p, 10_00)).payCode, 'rest-current')).toBe(0);
    expect(await pays(p, m2, importedKey, (await createWalletWithCode(p, 10_00)).payCode, 'rest-imported')).toBe(0);
    expect(await pays(p, m2, generatedKey, (await createWalletWithCode(p, 10_00)).payCode, 'rest-wrong-key')).toBe(1035);

    // Wallet tokens and cashier passwords, made by the CLI as an operator makes them, are hashed.
    const wallet = await runCli(['wallet', 'create', '--name', 'Token Holder', '--pin', '905173', '--db', p.dbPath, '--json']);
    const { token } = JSON.parse(wallet.stdout) as { token: string };
    const cashier = await runCli(['cashier', 'create', '--mch-id', generated.mchId, '--name', 'lane-1', '--db', p.dbPath, '--json']);
    const { password } = JSON.parse(cashier.stdout) as { password: string };
    expect([token.length, password.length].every((n) => n >= 16)).toBe(true);

    const raw = await rawStore(p);
    // The copy is the real one: the merchants' names and orders are in it.
    expect(raw).toContain('Imported Canteen');
    expect(raw).toContain('rest-imported');
    for (const key of [generatedKey, rolledKey, importedKey, token, password]) {
      for (const form of encodings(key)) expect(raw.includes(form), `a key in the copy, as ${form}`).toBe(false);
    }
    const rows = await sql<{ mch_id: string; api_key: string; previous_api_key: string | null; master_key_id: string }>(
      p.store, 'SELECT mch_id, api_key, previous_api_key, master_key_id FROM merchants ORDER BY mch_id',
    );
    const keyId = MasterKey.parse(TEST_MASTER_KEY)!.id;
    expect(rows.map((r) => [r.mch_id, r.master_key_id, r.previous_api_key === null])).toEqual([
      [generated.mchId, keyId, false],
      [imported.mchId, keyId, true],
    ]);
    // 12-byte nonce + ciphertext + 16-byte tag, and a fresh nonce for each: equal keys never look equal.
    expect(Buffer.from(rows[1]!.api_key, 'base64').length).toBe(12 + importedKey.length + 16);
    expect((await p.store.audit()).ok).toBe(true);
  });

  it('a ciphertext moved to another merchant, or to the other key slot, does not open', async () => {
    const vault = new MerchantKeyVault(MasterKey.parse(TEST_MASTER_KEY));
    const merchant: Merchant = {
      mchId: '202612001', name: 'A', apiKey: new Secret(newApiKey()), previousKey: { key: new Secret(newApiKey()), untilMs: 1 },
      keyRolledAtMs: null, keyFirstUsedAtMs: null, status: 'active', notifyUrl: null, createdAtMs: 0,
    };
    const sealed = vault.seal(merchant);
    expect(vault.open('202612001', 'current', sealed.apiKey, sealed.masterKeyId).expose()).toBe(merchant.apiKey.expose());
    expect(() => vault.open('202612002', 'current', sealed.apiKey, sealed.masterKeyId)).toThrow(MasterKeyError);
    expect(() => vault.open('202612001', 'previous', sealed.apiKey, sealed.masterKeyId)).toThrow(/does not decrypt under master key mk-/);
    // Cut short (down to a shorter tag, or less than a nonce and a tag): refused as altered.
    const raw = Buffer.from(sealed.apiKey, 'base64');
    for (const cut of [raw.subarray(0, raw.length - 12), raw.subarray(0, 27), Buffer.alloc(0)]) {
      expect(() => vault.open('202612001', 'current', cut.toString('base64'), sealed.masterKeyId)).toThrow(/does not decrypt under master key mk-/);
    }
    const again = vault.seal(merchant);
    expect(again.apiKey).not.toBe(sealed.apiKey);
  });

  it('keys stored in plain text before the master-key migration are encrypted at the first open with a master key', async () => {
    const p = await startTestPlatform();
    cleanup.push(() => p.stop());
    const key = newApiKey();
    const m = await p.store.createMerchant({ name: 'Old Row', apiKey: new Secret(key) });
    // The row as a version before the master-key migration wrote it.
    await execute(p.store, 'UPDATE merchants SET api_key = ?, master_key_id = NULL WHERE mch_id = ?', [key, m.mchId]);
    // A command without the master key reads it as it is (and writes nothing).
    const keyless = await openStore(testConfig({ db: p.dbPath }, { MICROPAY_MASTER_KEY: '' }));
    expect((await keyless.findMerchant(m.mchId))!.apiKey.expose()).toBe(key);
    await keyless.close();
    expect((await sql(p.store, 'SELECT api_key FROM merchants WHERE mch_id = ?', [m.mchId]))[0]).toEqual({ api_key: key });
    // With it, the open encrypts the row.
    const keyed = await openStore(testConfig({ db: p.dbPath }));
    await keyed.close();
    const [row] = await sql<{ api_key: string; master_key_id: string }>(p.store, 'SELECT api_key, master_key_id FROM merchants WHERE mch_id = ?', [m.mchId]);
    expect(row!.master_key_id).toBe(MasterKey.parse(TEST_MASTER_KEY)!.id);
    expect(row!.api_key).not.toContain(key);
    expect((await p.store.findMerchant(m.mchId))!.apiKey.expose()).toBe(key);
    // Nor is the plain key left anywhere in the store's files (free space, free pages, the WAL).
    const raw = await rawStore(p);
    expect(raw).toContain('Old Row');
    for (const form of encodings(key)) expect(raw.includes(form), `the plain key in the store, as ${form}`).toBe(false);
  });
});

/** `micropay serve` on `db` with these master keys; '' for none. */
function serve(db: string, keys: { master: string; old?: string }, extra: readonly string[] = []): Promise<ServerProcess> {
  return startServerProcess(['--port', '0', '--db', db, ...extra], {
    env: { MICROPAY_MASTER_KEY: keys.master, MICROPAY_OLD_MASTER_KEY: keys.old ?? '', MICROPAY_SWEEP_INTERVAL_MS: '200' },
  });
}

async function stopServer(server: ServerProcess): Promise<void> {
  server.child.kill('SIGTERM');
  await server.exited;
}

/** A merchant with a known key and wallets with codes, written by an admin connection with `masterKey`. */
const seed = (db: string, masterKey: string, wallets: number) =>
  seedMerchantWithCodes(db, { name: 'Rotation Car Park', wallets, openingSen: 10_00, env: { MICROPAY_MASTER_KEY: masterKey } });

describe('rotating the master key', () => {
  it('with servers up, step by step (next key, then new key, then the rotation): every merchant stays usable by both servers at every step', async () => {
    const db = await emptyTestDatabase();
    cleanup.push(db.drop);
    const OLD = TEST_MASTER_KEY;
    const NEW = MasterKey.generate();
    const keys = (master: string, extra: { old?: string; next?: string } = {}) =>
      ({ MICROPAY_MASTER_KEY: master, MICROPAY_OLD_MASTER_KEY: extra.old ?? '', MICROPAY_NEXT_MASTER_KEY: extra.next ?? '' });
    // Two servers on one database, restarted one at a time (docs/operations.md, the runbook's steps).
    const steps: { name: string; a: Record<string, string>; b: Record<string, string> }[] = [
      { name: 'before', a: keys(OLD), b: keys(OLD) },
      { name: 'step 1, half way', a: keys(OLD, { next: NEW }), b: keys(OLD) },
      { name: 'step 1 done', a: keys(OLD, { next: NEW }), b: keys(OLD, { next: NEW }) },
      { name: 'step 2, half way', a: keys(NEW, { old: OLD }), b: keys(OLD, { next: NEW }) },
      { name: 'step 2 done', a: keys(NEW, { old: OLD }), b: keys(NEW, { old: OLD }) },
      { name: 'step 3: rotated', a: keys(NEW, { old: OLD }), b: keys(NEW, { old: OLD }) },
      { name: 'step 4, half way', a: keys(NEW), b: keys(NEW, { old: OLD }) },
      { name: 'step 4 done', a: keys(NEW), b: keys(NEW) },
    ];
    const known = new Map<string, string>();
    for (const step of steps) {
      if (step.name === 'step 3: rotated') {
        const rotated = await runCli(['rotate-master-key', '--db', db.dbPath], { env: { MICROPAY_MASTER_KEY: NEW, MICROPAY_OLD_MASTER_KEY: OLD } });
        expect(rotated.code, rotated.stderr).toBe(0);
      }
      const a = await openStore(testConfig({ db: db.dbPath }, step.a));
      const b = await openStore(testConfig({ db: db.dbPath }, step.b));
      try {
        // Each server writes: a new merchant, and a roll of the first merchant's key.
        for (const [server, name] of [[a, 'A'], [b, 'B']] as const) {
          const key = newApiKey();
          const m = await server.createMerchant({ name: `${name} ${step.name}`, apiKey: new Secret(key) });
          known.set(m.mchId, key);
          const first = [...known.keys()][0]!;
          const rolled = newApiKey();
          await server.rollMerchantKey(first, new Secret(rolled), 60_000);
          known.set(first, rolled);
        }
        // ...and each reads every merchant, whoever wrote it under whichever key.
        for (const [server, name] of [[a, 'A'], [b, 'B']] as const) {
          for (const [mchId, key] of known) {
            const m = await server.findMerchant(mchId).catch((error: unknown) => String(error));
            expect(typeof m === 'string' ? m : m?.apiKey.expose(), `${step.name}: server ${name} reads merchant ${mchId}`).toBe(key);
          }
        }
      } finally {
        await a.close();
        await b.close();
      }
    }
    const after = await openStore(testConfig({ db: db.dbPath }, keys(NEW)));
    cleanup.push(() => after.close());
    expect(await after.masterKeyIdsInUse()).toEqual([MasterKey.parse(NEW)!.id]);
  });

  it('with servers up (started with both keys): every key re-encrypted in one go, payments go on, the old key opens nothing after', async () => {
    const db = await emptyTestDatabase();
    cleanup.push(db.drop);
    const OLD = TEST_MASTER_KEY;
    const NEW = MasterKey.generate();
    const oldId = MasterKey.parse(OLD)!.id;
    const newId = MasterKey.parse(NEW)!.id;
    const { merchant, codes } = await seed(db.dbPath, OLD, 4);
    // An operator with TOTP: its secret is sealed under the master key too, and must move with it.
    const totp = newTotpSecret();
    const before = await openStore(testConfig({ db: db.dbPath }, { MICROPAY_MASTER_KEY: OLD }));
    expect(await before.createOperator('rotation-ops', await hashPin('operator-pass-1'), new Secret(totp))).not.toBe('NAME_TAKEN');
    await before.close();
    const stderr: string[] = [];

    // Step 1 of the runbook: the server runs with the new key and the old one.
    const both = await serve(db.dbPath, { master: NEW, old: OLD });
    expect(await pays(both, merchant, merchant.key, codes[0]!, 'rot-before')).toBe(0);
    // Step 2: the rotation, while it serves.
    const rotated = await runCli(['rotate-master-key', '--db', db.dbPath, '--json'], { env: { MICROPAY_MASTER_KEY: NEW, MICROPAY_OLD_MASTER_KEY: OLD } });
    stderr.push(rotated.stderr);
    expect(rotated.code).toBe(0);
    expect(JSON.parse(rotated.stdout)).toEqual({ resealed: 1, operators: 1, from: oldId, to: newId });
    const store = await openStore(testConfig({ db: db.dbPath }, { MICROPAY_MASTER_KEY: NEW }));
    cleanup.push(() => store.close());
    expect(await store.masterKeyIdsInUse()).toEqual([newId]);
    // The new key alone opens the operator's TOTP secret, unchanged: a code from it signs in.
    const code = totpCode(base32Decode(totp)!, totpStepAt(Date.now()));
    const signedIn = await store.signInOperator('rotation-ops', 'operator-pass-1', code);
    expect(signedIn.kind === 'signedIn' ? signedIn.operator.totpSecret?.expose() : signedIn.kind).toBe(totp);
    await new Promise((r) => setTimeout(r, MERCHANT_CACHE_TTL_MS + 100));
    expect(await pays(both, merchant, merchant.key, codes[1]!, 'rot-during')).toBe(0);
    await stopServer(both);
    stderr.push(both.stderr());

    // The old key alone no longer opens anything: the server refuses to start, in one line …
    const oldOnly = await runCli(['serve', '--port', '0', '--db', db.dbPath], { env: { MICROPAY_MASTER_KEY: OLD } });
    expect(oldOnly.code).toBe(2);
    expect(oldOnly.stderr).toBe(
      `micropay: cannot open this store: the merchant keys are encrypted under master key ${newId}, but the master key given is ${oldId} ` +
        '(MICROPAY_MASTER_KEY must be the key they were encrypted under; during a rotation set MICROPAY_OLD_MASTER_KEY too: docs/operations.md#rotating-the-master-key)\n',
    );
    stderr.push(oldOnly.stderr);
    // … and even a thief holding the old key and the ciphertext cannot decrypt it.
    const [row] = await sql<{ api_key: string }>(store, 'SELECT api_key FROM merchants WHERE mch_id = ?', [merchant.mchId]);
    const raw = Buffer.from(row!.api_key, 'base64');
    const decipher = createDecipheriv('aes-256-gcm', MasterKey.parse(OLD)!.expose(), raw.subarray(0, 12));
    decipher.setAAD(Buffer.from(`micropay merchant key|current|${merchant.mchId}`));
    decipher.setAuthTag(raw.subarray(raw.length - 16));
    expect(() => Buffer.concat([decipher.update(raw.subarray(12, raw.length - 16)), decipher.final()])).toThrow();

    // Step 3: the new key alone serves.
    const fresh = await serve(db.dbPath, { master: NEW });
    expect(await pays(fresh, merchant, merchant.key, codes[2]!, 'rot-after')).toBe(0);
    await stopServer(fresh);
    stderr.push(fresh.stderr());

    // A second rotation with nothing left under the old key changes nothing.
    const again = await runCli(['rotate-master-key', '--db', db.dbPath, '--json'], { env: { MICROPAY_MASTER_KEY: NEW, MICROPAY_OLD_MASTER_KEY: OLD } });
    expect(JSON.parse(again.stdout)).toMatchObject({ resealed: 0, operators: 0 });
    const againText = await runCli(['rotate-master-key', '--db', db.dbPath], { env: { MICROPAY_MASTER_KEY: NEW, MICROPAY_OLD_MASTER_KEY: OLD } });
    expect(againText.stdout).toMatch(/^Nothing was under master key mk-[0-9a-f]{16}: every secret is under mk-[0-9a-f]{16} already\. /);
    const missing = await runCli(['rotate-master-key', '--db', db.dbPath], { env: { MICROPAY_MASTER_KEY: NEW } });
    expect(missing.code).toBe(1);
    expect(missing.stderr).toMatch(/set MICROPAY_OLD_MASTER_KEY to the master key in use and MICROPAY_MASTER_KEY to the new one/);
    stderr.push(again.stderr, missing.stderr);
    expect((await store.audit()).ok).toBe(true);

    // No key, master key or ciphertext in any log line or error message of the whole story.
    const said = stderr.join('\n');
    expect(said).toContain('"msg":"listening"');
    for (const secret of [merchant.key, OLD, NEW, row!.api_key, ...encodings(merchant.key).slice(1)]) expect(said).not.toContain(secret);
  });

  it('a missing, malformed or wrong master key stops the start with one clear line, never a stack trace or the key', async () => {
    const db = await emptyTestDatabase();
    cleanup.push(db.drop);
    const { merchant } = await seed(db.dbPath, TEST_MASTER_KEY, 0);
    const missing = await runCli(['serve', '--port', '0', '--db', db.dbPath], { env: { MICROPAY_MASTER_KEY: '' } });
    expect([missing.code, missing.stderr]).toEqual([
      2,
      'micropay: configuration error: MICROPAY_MASTER_KEY is not set: a production server needs the key merchant keys are encrypted under ' +
        '(set it to the key this store was set up with; a new store takes one from `micropay master-key generate`, kept in your secret store: docs/operations.md#secrets-at-rest)\n',
    ]);
    const short = 'c2hvcnQta2V5';
    const malformed = await runCli(['serve', '--port', '0', '--db', db.dbPath], { env: { MICROPAY_MASTER_KEY: short } });
    expect(malformed.code).toBe(2);
    expect(malformed.stderr).toMatch(/^micropay: configuration error: MICROPAY_MASTER_KEY: must be 32 random bytes in base64/);
    expect(malformed.stderr).not.toContain(short);
    const wrongKey = MasterKey.generate();
    const wrong = await runCli(['merchant', 'show', merchant.mchId, '--db', db.dbPath], { env: { MICROPAY_MASTER_KEY: wrongKey } });
    expect(wrong.code).toBe(2);
    expect(wrong.stderr).toMatch(/^micropay: cannot open this store: the merchant keys are encrypted under master key mk-[0-9a-f]{16}, but the master key given is mk-/);
    expect(wrong.stderr.split('\n').filter((l) => l !== '')).toHaveLength(1);
    for (const r of [missing, malformed, wrong]) {
      expect(r.stderr).not.toMatch(/\n\s+at /);
      for (const secret of [wrongKey, TEST_MASTER_KEY, merchant.key]) expect(r.stderr + r.stdout).not.toContain(secret);
    }
    // docs/operations.md shows these three lines, key ids aside.
    const ids = (text: string) => text.replace(/mk-[0-9a-f]{16}/g, 'mk-ID');
    expect(ids([missing, malformed, wrong].map((r) => r.stderr).join(''))).toBe(ids(docBlock('operations.md', 'master-key-errors')));
    // A command that reads no merchant key needs no master key.
    expect((await runCli(['audit', '--db', db.dbPath], { env: { MICROPAY_MASTER_KEY: '' } })).code).toBe(0);
  });
});

describe("operators' TOTP secrets at rest", () => {
  it('`admin list` needs no master key: an operator with TOTP is listed with TOTP on, its secret left sealed', async () => {
    const db = await emptyTestDatabase();
    cleanup.push(db.drop);
    const store = await openStore(testConfig({ db: db.dbPath }));
    expect(await store.createOperator('ops', await hashPin('operator-pass-1'), new Secret(newTotpSecret()))).not.toBe('NAME_TAKEN');
    expect(await store.createOperator('sam', await hashPin('operator-pass-2'), null, { role: 'support' })).not.toBe('NAME_TAKEN');
    await store.close();
    const keyless = { env: { MICROPAY_MASTER_KEY: '' } };
    const [text, json] = await Promise.all([runCli(['admin', 'list', '--db', db.dbPath], keyless), runCli(['admin', 'list', '--db', db.dbPath, '--json'], keyless)]);
    expect([text.code, text.stderr, json.code, json.stderr]).toEqual([0, '', 0, '']);
    expect(text.stdout).toMatch(/^ops {2}admin {4}TOTP on {3}created .+\nsam {2}support {2}TOTP off {2}created .+\n$/);
    expect((JSON.parse(json.stdout) as { operators: unknown[] }).operators).toEqual([
      { name: 'ops', role: 'admin', totp: true, locked: false, lockedUntilMs: null, disabledAtMs: null, createdAtMs: expect.stringMatching(/^\d{13}$/) },
      { name: 'sam', role: 'support', totp: false, locked: false, lockedUntilMs: null, disabledAtMs: null, createdAtMs: expect.stringMatching(/^\d{13}$/) },
    ]);
  });
});

describe("operators' TOTP secrets left sealed", () => {
  it('set-role, sign-out and a reset that keeps TOTP need no master key for an operator with TOTP; a new secret does', async () => {
    const db = await emptyTestDatabase();
    cleanup.push(db.drop);
    const secret = newTotpSecret();
    const setup = await openStore(testConfig({ db: db.dbPath }));
    expect(await setup.createOperator('ops', await hashPin('operator-pass-1'), new Secret(secret))).not.toBe('NAME_TAKEN');
    expect(await setup.createOperator('ann', await hashPin('operator-pass-2'), null)).not.toBe('NAME_TAKEN');
    await setup.close();
    const keyless = (args: string[]) => runCli([...args, '--db', db.dbPath], { env: { MICROPAY_MASTER_KEY: '' } });
    const roled = await keyless(['admin', 'set-role', '--name', 'ops', '--role', 'finance']);
    const signedOut = await keyless(['admin', 'sign-out', '--name', 'ops']);
    const reset = await keyless(['admin', 'reset', '--name', 'ops', '--json']);
    for (const r of [roled, signedOut, reset]) expect([r.code, r.stderr]).toEqual([0, '']);
    expect(roled.stdout).toMatch(/^Operator ops is now finance \(was admin\)/);
    // A new secret is sealed under the master key: without it, the command says so and changes nothing.
    const newSecret = await keyless(['admin', 'reset', '--name', 'ops', '--totp']);
    expect(newSecret.code).toBe(2);
    expect(newSecret.stderr).toContain('MICROPAY_MASTER_KEY');
    // Named by its name here too, and told to set the store's own key, not to make a new one.
    expect(newSecret.stderr).toContain('cannot write the TOTP secret of operator ops: MICROPAY_MASTER_KEY is not set');
    expect(newSecret.stderr).toContain('set it to the key this store was set up with');
    // A new operator with TOTP is named by the name given, not an id no one has seen.
    const newOperator = await keyless(['admin', 'create', '--name', 'ops3', '--totp']);
    expect(newOperator.code).toBe(2);
    expect(newOperator.stderr).toContain('the TOTP secret of operator ops3');
    expect((await keyless(['admin', 'list', '--json'])).stdout).not.toContain('ops3');
    // The secret was never opened nor changed: with the key, the new password and a code from it sign in.
    const store = await openStore(testConfig({ db: db.dbPath }));
    cleanup.push(() => store.close());
    const { password } = JSON.parse(reset.stdout) as { password: string };
    const signedIn = await store.signInOperator('ops', password, totpCode(base32Decode(secret)!, totpStepAt(Date.now())));
    expect(signedIn.kind === 'signedIn' ? signedIn.operator.role : signedIn.kind).toBe('finance');
  });
});

describe("an operator's TOTP secret that does not open", () => {
  it('fails the sign-in before a try is counted, whatever the password', async () => {
    const db = await emptyTestDatabase();
    cleanup.push(db.drop);
    const store = await openStore(testConfig({ db: db.dbPath }));
    cleanup.push(() => store.close());
    const secret = newTotpSecret();
    expect(await store.createOperator('ops', await hashPin('operator-pass-1'), new Secret(secret))).not.toBe('NAME_TAKEN');
    // A row altered or moved from another store: the sealed secret no longer opens under its key.
    await execute(store, 'UPDATE operators SET totp_secret = ? WHERE name = ?', [Buffer.alloc(48, 7).toString('base64'), 'ops']);
    const code = totpCode(base32Decode(secret)!, totpStepAt(Date.now()));
    for (const password of ['operator-pass-1', 'wrong-password']) {
      await expect(store.signInOperator('ops', password, code)).rejects.toThrow(/TOTP secret of operator ops/);
    }
    expect((await store.listOperators()).map((o) => o.failures)).toEqual([0]);
  });
});

describe('the sandbox master key', () => {
  it.runIf(TEST_STORE === 'sqlite')('is generated beside the SQLite file (0600) with a warning, and used again by the next start and by admin commands', async () => {
    const db = await emptyTestDatabase();
    cleanup.push(db.drop);
    const first = await serve(db.dbPath, { master: '' }, ['--sandbox']);
    const sandboxKey = await first.waitForStdout(/Sandbox merchant {2}mchId (\d+) {3}key (\S+)/);
    await stopServer(first);
    const file = `${db.dbPath}.master-key`;
    expect(statSync(file).mode & 0o777).toBe(0o600);
    const written = readFileSync(file, 'utf8').trim();
    const id = MasterKey.parse(written)!.id;
    const warning = first.stderr().split('\n').filter((l) => l.includes('"level":"warn"'));
    expect(warning.map((l) => JSON.parse(l) as Record<string, unknown>)).toEqual([
      expect.objectContaining({
        file, masterKeyId: id,
        msg: 'sandbox: MICROPAY_MASTER_KEY is not set, so a master key was generated and stored beside the database (for development only: set MICROPAY_MASTER_KEY in production)',
      }),
    ]);
    expect(first.stderr()).not.toContain(written);
    expect(first.stderr()).not.toContain(sandboxKey[2]!);

    const second = await serve(db.dbPath, { master: '' }, ['--sandbox']);
    expect(second.stderr()).toContain('so the master key stored beside the database is used');
    await stopServer(second);
    expect(readFileSync(file, 'utf8').trim()).toBe(written);
    const shown = await runCli(['merchant', 'show', sandboxKey[1]!, '--db', db.dbPath, '--json'], { env: { MICROPAY_MASTER_KEY: '' } });
    expect(shown.code).toBe(0);
    // Production never reads the file: without MICROPAY_MASTER_KEY it does not start.
    expect((await runCli(['serve', '--port', '0', '--db', db.dbPath], { env: { MICROPAY_MASTER_KEY: '' } })).code).toBe(2);
  });

  it.runIf(TEST_STORE === 'postgres')('is not generated for PostgreSQL: the start says to set MICROPAY_MASTER_KEY', async () => {
    const db = await emptyTestDatabase();
    cleanup.push(db.drop);
    const r = await runCli(['serve', '--sandbox', '--port', '0', '--db', db.dbPath], { env: { MICROPAY_MASTER_KEY: '' } });
    expect([r.code, r.stderr]).toEqual([
      2,
      'micropay: configuration error: MICROPAY_MASTER_KEY is not set: serve --sandbox generates one only for a SQLite file (it is kept beside the file); set it for PostgreSQL\n',
    ]);
  });
});
