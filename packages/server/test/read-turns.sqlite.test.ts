import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { ReadTurns } from '../src/store/sqlite/read-turns.js';

/** SQLite's shared read transactions (store/sqlite/read-turns.ts), on a WAL file with two connections. */
let dir: string | null = null;
const open: Database.Database[] = [];
afterEach(() => {
  for (const db of open.splice(0)) db.close();
  if (dir !== null) rmSync(dir, { recursive: true, force: true });
  dir = null;
});

function twoConnections(): { reader: Database.Database; writer: Database.Database } {
  dir = mkdtempSync(join(tmpdir(), 'micropay-read-turns-'));
  const file = join(dir, 'reads.db');
  const writer = new Database(file);
  writer.pragma('journal_mode = WAL');
  writer.exec('CREATE TABLE t (k TEXT PRIMARY KEY, v TEXT)');
  const reader = new Database(file);
  open.push(reader, writer);
  return { reader, writer };
}

describe('shared read transactions', () => {
  it('begin when their reads run, not when the first was queued: a commit in between is seen', async () => {
    const { reader, writer } = twoConnections();
    const turns = new ReadTurns(reader);
    const get = reader.prepare('SELECT v FROM t WHERE k = ?').pluck();
    const reads = [turns.read(() => get.get('x')), turns.read(() => get.get('x')), turns.read(() => get.get('x'))];
    writer.prepare('INSERT INTO t VALUES (?, ?)').run('x', 'committed');
    expect(await Promise.all(reads)).toEqual(['committed', 'committed', 'committed']);
    expect(reader.inTransaction).toBe(false);
  });

  it('run four at a time as soon as the fourth is queued, each batch seeing commits made before it', async () => {
    const { reader, writer } = twoConnections();
    const turns = new ReadTurns(reader);
    const get = reader.prepare('SELECT v FROM t WHERE k = ?').pluck();
    const put = writer.prepare('INSERT OR REPLACE INTO t VALUES (?, ?)');
    put.run('x', 'first');
    const firstFour = [1, 2, 3, 4].map(() => turns.read(() => get.get('x')));
    // The fourth read ran the batch at once, before this commit; the next batch begins after it.
    put.run('x', 'second');
    const nextTwo = [1, 2].map(() => turns.read(() => get.get('x')));
    expect(await Promise.all(firstFour)).toEqual(['first', 'first', 'first', 'first']);
    expect(await Promise.all(nextTwo)).toEqual(['second', 'second']);
    expect(reader.inTransaction).toBe(false);
  });

  it('when the transaction cannot begin, every read of it fails with the reason', async () => {
    const { reader } = twoConnections();
    const turns = new ReadTurns(reader);
    reader.close();
    const results = await Promise.allSettled([turns.read(() => 1), turns.read(() => 2)]);
    expect(results.map((r) => r.status)).toEqual(['rejected', 'rejected']);
    expect(String((results[0] as PromiseRejectedResult).reason)).toMatch(/not open/);
  });

  it('a read that throws fails alone; the others of its transaction are answered, and it is closed', async () => {
    const { reader } = twoConnections();
    const turns = new ReadTurns(reader);
    const get = reader.prepare('SELECT COUNT(*) FROM t').pluck();
    const results = await Promise.allSettled([
      turns.read(() => get.get()),
      turns.read(() => reader.prepare('SELECT no_such_column FROM t').get()),
      turns.read(() => get.get()),
    ]);
    expect(results.map((r) => r.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
    expect(reader.inTransaction).toBe(false);
  });
});
