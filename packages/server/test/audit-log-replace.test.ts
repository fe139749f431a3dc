import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Secret } from '@micropay/protocol';
import { newApiKey } from '../src/domain/ids.js';
import { execute, sql } from './db-access.js';
import { startTestPlatform, TEST_STORE, type TestPlatform } from './helpers.js';

/**
 * The audit log's rows cannot be overwritten under their own log id (docs/audit-log.md), on both
 * stores: SQLite's REPLACE INTO and INSERT OR REPLACE, PostgreSQL's INSERT ... ON CONFLICT DO
 * UPDATE. The row stays as it was, and the store's own appends still work.
 */
let p: TestPlatform;
beforeEach(async () => {
  p = await startTestPlatform();
});
afterEach(async () => {
  await p.stop();
});

const CLI_ACTOR = { actor: { kind: 'cli' as const, name: 'root' }, address: null };
const COLUMNS = "(log_id, at_ms, actor_kind, actor_name, action, detail) VALUES ($1, 1, 'cli', 'forger', 'merchant.create', '{}')";

describe('an audit log row', () => {
  it('cannot be replaced under its log id', async () => {
    await p.store.createMerchant({ name: 'A', apiKey: new Secret(newApiKey()) }, CLI_ACTOR);
    const before = await sql<{ log_id: number | string }>(p.store, 'SELECT * FROM audit_log');
    const logId = Number(before[0]!.log_id);
    const overwrites = TEST_STORE === 'sqlite'
      ? [`REPLACE INTO audit_log ${COLUMNS}`, `INSERT OR REPLACE INTO audit_log ${COLUMNS}`]
      // Its identity column refuses a given log_id unless told to take it; told, the conflict is an update.
      : [`INSERT INTO audit_log ${COLUMNS.replace(' VALUES', ' OVERRIDING SYSTEM VALUE VALUES')} ON CONFLICT (log_id) DO UPDATE SET actor_name = EXCLUDED.actor_name`];
    for (const statement of overwrites) {
      await expect(execute(p.store, statement.replace('$1', String(logId))), statement).rejects.toThrow(/append-only/);
    }
    expect(await sql(p.store, 'SELECT * FROM audit_log')).toEqual(before);
    await p.store.createMerchant({ name: 'B', apiKey: new Secret(newApiKey()) }, CLI_ACTOR);
    expect((await p.store.listAuditLog({ limit: 10 })).map((e) => e.action)).toEqual(['merchant.create', 'merchant.create']);
  });
});
