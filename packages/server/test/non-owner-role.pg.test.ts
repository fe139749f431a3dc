import pg from 'pg';
import { afterEach, describe, expect, it } from 'vitest';
import { startPlatform } from '../src/platform.js';
import { createMerchant, createWalletWithCode, micropayParams, postSigned, silentLogger, startTestPlatform, testConfig, type TestPlatform } from './helpers.js';

/**
 * docs/operations.md ("A role that does not own the tables"): once the owner has migrated the
 * schema, a server runs as a role with only the grants the docs list, and that role cannot drop
 * the audit log's triggers nor change a row. (PostgreSQL run only; see vitest.config.ts.)
 */
let p: TestPlatform | null = null;
const role = `micropay_app_${process.pid}`;

afterEach(async () => {
  // The role's grants go with its schema; the role itself is the cluster's, so it is dropped here.
  if (p !== null) await asOwner(`DROP OWNED BY ${role}`).catch(() => undefined);
  await p?.stop();
  p = null;
  await adminDropRole();
});

async function adminDropRole(): Promise<void> {
  const client = new pg.Client({ connectionString: process.env.MICROPAY_TEST_PG_URL! });
  await client.connect();
  try {
    await client.query(`DROP ROLE IF EXISTS ${role}`);
  } finally {
    await client.end();
  }
}

const schemaOf = (url: string) => /search_path=(\w+)/.exec(new URL(url).searchParams.get('options') ?? '')![1]!;

async function asOwner(sql: string): Promise<void> {
  const client = new pg.Client({ connectionString: p!.dbPath });
  await client.connect();
  try {
    await client.query(sql);
  } finally {
    await client.end();
  }
}

describe('a server running as a role that does not own the tables', () => {
  it('pays with the documented grants, and cannot drop the audit log triggers or change a row', async () => {
    p = await startTestPlatform();
    const schema = schemaOf(p.dbPath);
    await asOwner(`CREATE ROLE ${role} LOGIN;
      GRANT USAGE ON SCHEMA ${schema} TO ${role};
      GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA ${schema} TO ${role};
      GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA ${schema} TO ${role};`);
    const m = await createMerchant(p);
    const w = await createWalletWithCode(p, 10_00);
    // One audit row, for the DELETE below to meet.
    await p.store.topUp(w.walletId, 1_00, { actor: { kind: 'cli', name: 'test' }, address: null });
    const url = new URL(p.dbPath);
    url.username = role;
    const app = await startPlatform(testConfig({ db: url.toString(), port: '0', host: '127.0.0.1', sandbox: false }), silentLogger);
    try {
      const paid = await postSigned(app.url, 'micropay', micropayParams(m, 'role-1', '2.50', w.payCode), m.key);
      expect(paid.body.code).toBe(0);
      expect((await p.store.findWallet(w.walletId))!.balanceSen).toBe(8_50);
    } finally {
      await app.close();
    }
    const client = new pg.Client({ connectionString: url.toString() });
    await client.connect();
    try {
      await expect(client.query('DROP TRIGGER audit_log_no_change ON audit_log')).rejects.toThrow(/must be owner/);
      await expect(client.query('DELETE FROM audit_log')).rejects.toThrow(/append-only/);
    } finally {
      await client.end();
    }
  });
});
