import { existsSync, linkSync, rmSync } from 'node:fs';
import { dirname } from 'node:path';
import Database from 'better-sqlite3';
import { createOwnerOnly } from './owner-only.js';

export interface SqliteBackup {
  readonly file: string;
  readonly pages: number;
  readonly bytes: number;
  readonly schemaVersion: number;
  /** When the copy's snapshot was taken: every commit before it is in the backup. */
  readonly startedAtMs: number;
}

/** How long the backup's connection waits for a lock held by the server (a checkpoint). */
const BUSY_TIMEOUT_MS = 5_000;
/**
 * Pages per backup step: all of them. better-sqlite3's first step copies nothing and reads the page
 * count; asking then for every page (its maximum, 0x7fffffff) makes the next step the whole copy.
 * Asking for the count seen before would leave a step short whenever the store grew meanwhile, and
 * the copy restarts after any other connection's commit between two steps.
 */
const ALL_PAGES = 0x7fffffff;

/**
 * A consistent copy of a live SQLite store, through SQLite's online backup API (better-sqlite3's
 * `db.backup`), from a connection of its own: the server keeps serving. In WAL mode a reader never
 * blocks the writer, so the whole file is copied in one backup step, inside one read transaction:
 * the copy is the database as of one commit, and it cannot be restarted forever by a busy server
 * (a step of a few pages would start again after each commit of another connection).
 *
 * The copy is written to `to.partial` and linked to `to` only once it is complete and checked, so
 * a file at `to` is always a whole backup. Neither `to` nor `to.partial` may exist (the latter may be
 * another backup's copy under way), and a `to` that appears meanwhile is not replaced.
 */
export async function backupSqlite(from: string, to: string, nowMs: () => number): Promise<SqliteBackup> {
  if (existsSync(to)) throw new BackupError(`${to} exists already: back up to a new file`);
  const partial = `${to}.partial`;
  // SQLite's own words for a missing folder name no path ("Cannot save backup because the directory does not exist").
  if (!existsSync(dirname(to))) throw new BackupError(`${dirname(to)} does not exist: create the folder first, or back up elsewhere`);
  // The copy is made here, its owner's alone; one there already may be another backup's under way.
  if (!createOwnerOnly(partial)) throw new BackupError(`${partial} exists: another backup may be writing it (remove it if none is)`);
  // Read-only: a backup never writes to the store it copies.
  let source: Database.Database;
  try {
    source = new Database(from, { fileMustExist: true, readonly: true });
  } catch (error) {
    rmSync(partial, { force: true });
    throw error;
  }
  let startedAtMs = 0;
  try {
    source.pragma(`busy_timeout = ${BUSY_TIMEOUT_MS}`);
    startedAtMs = nowMs();
    await source.backup(partial, { progress: () => ALL_PAGES });
  } catch (error) {
    rmSync(partial, { force: true });
    throw error;
  } finally {
    source.close();
  }
  try {
    const checked = checkCopy(partial);
    // A link, unlike a rename, fails (EEXIST) rather than replace a file made under `to` meanwhile.
    linkSync(partial, to);
    return { file: to, ...checked, startedAtMs };
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') throw new BackupError(`${to} exists already: back up to a new file`);
    throw error;
  } finally {
    rmSync(partial, { force: true });
  }
}

/** The copy opens, passes SQLite's own check, and is a MicroPay store. */
function checkCopy(file: string): { pages: number; bytes: number; schemaVersion: number } {
  const copy = new Database(file, { fileMustExist: true });
  try {
    const check = copy.pragma('quick_check', { simple: true });
    if (check !== 'ok') throw new BackupError(`the copy failed SQLite's quick_check: ${String(check)}`);
    const { version } = copy.prepare('SELECT MAX(version) AS version FROM schema_migrations').get() as { version: number | null };
    if (version === null) throw new BackupError('the copy holds no MicroPay schema');
    const pages = copy.pragma('page_count', { simple: true }) as number;
    const pageSize = copy.pragma('page_size', { simple: true }) as number;
    return { pages, bytes: pages * pageSize, schemaVersion: version };
  } finally {
    copy.close();
  }
}

export class BackupError extends Error {
  override name = 'BackupError';
}
