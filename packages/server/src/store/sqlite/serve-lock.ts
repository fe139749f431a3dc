import { existsSync, mkdirSync, realpathSync } from 'node:fs';
import { hostname } from 'node:os';
import { basename, dirname, join, resolve } from 'node:path';
import Database from 'better-sqlite3';

/**
 * One serving process per SQLite file (docs/operations.md). A server holds a write lock on a small
 * companion file, `<store>-serve.lock` (itself a SQLite database), for as long as it serves. The
 * lock is the operating system's (SQLite's POSIX advisory lock), so it goes away with the process
 * however it ends, kill -9 included: no stale lock file to clean up, no pid to check for liveness.
 * Admin commands never take it, so they keep working beside the server; `micropay migrate` takes it
 * for an upgrade. The holder's pid, host and what it is (a server or an upgrade) are written in the
 * file before the lock is held, so a refused process can say who holds it.
 *
 * Nothing else in the holding process may open the lock file: closing any descriptor of a file
 * drops the process's POSIX locks on it. Only SQLite opens it, and SQLite guards against that.
 */
export class SqliteServeLock {
  private constructor(
    private readonly db: Database.Database,
    /** The lock file, next to the store's real path (symbolic links resolved). */
    readonly path: string,
  ) {}

  /**
   * Takes the lock for the store at `storePath`, as a server for its life or as `micropay migrate`
   * for an upgrade, or throws StoreInUseError naming the store and its holder.
   */
  static acquire(storePath: string, holding: HoldingFor = 'serving'): SqliteServeLock {
    const store = realStorePath(storePath);
    const path = `${store}-serve.lock`;
    const db = new Database(path, { timeout: 0 });
    try {
      // Written in a short transaction of its own, then held by a second one: readers can read the
      // holder while a server holds the lock (a write lock lets readers in), writers cannot begin.
      if (!tryBegin(db)) throw new StoreInUseError(store, holderOf(db));
      db.pragma('busy_timeout = 2000');
      // Made anew each time: a lock file an older version made has no `holding` column. Its default
      // lets an older version, rolled back to, write its holder (pid and host alone) as before.
      db.exec('DROP TABLE IF EXISTS holder');
      db.exec("CREATE TABLE holder (pid INTEGER NOT NULL, host TEXT NOT NULL, holding TEXT NOT NULL DEFAULT 'serving')");
      db.prepare('INSERT INTO holder (pid, host, holding) VALUES (?, ?, ?)').run(process.pid, hostname(), holding);
      db.exec('COMMIT');
      // Another server may have slipped in between the two: then it holds the lock, not this one.
      if (!tryBegin(db)) throw new StoreInUseError(store, holderOf(db));
      return new SqliteServeLock(db, path);
    } catch (error) {
      db.close();
      throw error;
    }
  }

  release(): void {
    if (this.db.open) this.db.close();
  }
}

/** Why the lock is held: a server serves the store, or `micropay migrate` upgrades it. */
export type HoldingFor = 'serving' | 'upgrading';

/** Who holds the lock, as its file says (a holder of an older version: serving). */
export interface LockHolder {
  /** "process 1234 on host" */
  readonly process: string;
  readonly holding: HoldingFor;
}

/** Another process holds the store; the message names the store and that process. */
export class StoreInUseError extends Error {
  override name = 'StoreInUseError';

  constructor(readonly storePath: string, readonly holder: LockHolder | null) {
    super(
      holder?.holding === 'upgrading'
        ? `micropay migrate (${holder.process}) is upgrading the SQLite store ${storePath}: start the server when it has finished`
        : `another MicroPay server${holder === null ? '' : ` (${holder.process})`} is serving the SQLite store ${storePath}: ` +
            'a SQLite store takes one server at a time. Stop that server first (admin commands may run beside it), ' +
            'or use PostgreSQL to run several servers',
    );
  }
}

/** The store's path with symbolic links resolved, so every spelling of one file shares one lock. */
function realStorePath(storePath: string): string {
  const absolute = resolve(storePath);
  if (existsSync(absolute)) return realpathSync(absolute);
  // A store's folder is its owner's alone, as openConnection would make it (payment-writer.ts).
  mkdirSync(dirname(absolute), { recursive: true, mode: 0o700 });
  return join(realpathSync(dirname(absolute)), basename(absolute));
}

/** BEGIN IMMEDIATE without waiting: false when another connection holds the write lock. */
function tryBegin(db: Database.Database): boolean {
  db.pragma('busy_timeout = 0');
  try {
    db.exec('BEGIN IMMEDIATE');
    return true;
  } catch (error) {
    if ((error as { code?: string }).code === 'SQLITE_BUSY') return false;
    throw error;
  }
}

/** The holder, or null when it has not written itself yet. */
function holderOf(db: Database.Database): LockHolder | null {
  db.pragma('busy_timeout = 2000');
  try {
    const row = db.prepare('SELECT * FROM holder').get() as { pid: number; host: string; holding?: string } | undefined;
    if (row === undefined) return null;
    return { process: `process ${row.pid} on ${row.host}`, holding: row.holding === 'upgrading' ? 'upgrading' : 'serving' };
  } catch {
    return null;
  }
}
