import { existsSync, statSync } from 'node:fs';

/** A file's identity: its device and inode. */
export interface FileIdentity {
  readonly dev: number;
  readonly ino: number;
}

/** The store's three files as opened (the `-wal` and `-shm` once they exist): what a payment thread started later is given. */
export interface StoreFileIdentity {
  readonly db: FileIdentity;
  readonly wal: FileIdentity | null;
  readonly shm: FileIdentity | null;
}

/** The companions SQLite keeps beside the database file in WAL mode, and what they are called in a message. */
const COMPANIONS = [['wal', '-wal', 'write-ahead log'], ['shm', '-shm', 'shared-memory index']] as const;

/**
 * The store's files as this process opened them: the database file, its write-ahead log and its
 * shared-memory index, told by their inodes. SQLite keeps writing to a file it has open after the
 * file is deleted, moved or renamed over, and a commit then lands where no restart reads it (a
 * payment answered PAID would be gone); with the `-shm` replaced, this process and an admin
 * command beside it no longer see each other's commits, and one's are lost. SQLite itself unlinks
 * the `-wal` and `-shm` only when the last connection closes, never while the server holds one.
 * Every write checks first (a stat of each file, microseconds, once per transaction or group
 * commit), and readiness says so (payment-thread.ts).
 *
 * A file copied over the live one (`cp backup.db micropay.db`) keeps its inode: no check of the
 * file's identity sees it, and it corrupts the store. docs/operations.md says to stop the server
 * before a restore. A file system without stable inodes (some network or FUSE mounts) is no place
 * for a SQLite store either.
 */
export class StoreFile {
  #known: { db: FileIdentity; wal: FileIdentity | null; shm: FileIdentity | null };

  /** `known`: the files as another thread of this process opened them (a payment thread started again). */
  constructor(readonly path: string, known?: StoreFileIdentity) {
    const db = identityOf(path);
    if (db === null) throw new StoreFileGoneError(`the database file ${path} is gone`);
    this.#known = known === undefined ? { db, wal: identityOf(`${path}-wal`), shm: identityOf(`${path}-shm`) } : { ...known };
  }

  get identity(): StoreFileIdentity {
    return { ...this.#known };
  }

  /** Why a write now would go where no restart reads it, or null: every file is the one opened. */
  problem(): string | null {
    const db = identityOf(this.path);
    if (db === null) return `the database file ${this.path} is gone`;
    if (!same(db, this.#known.db)) return `the database file ${this.path} is another file`;
    for (const [key, suffix, what] of COMPANIONS) {
      const now = identityOf(`${this.path}${suffix}`);
      const known = this.#known[key];
      // Each exists once a connection in WAL mode has read the file; it is learnt when first seen.
      if (known === null) this.#known[key] = now;
      else if (now === null) return `its ${what} ${this.path}${suffix} is gone`;
      else if (!same(now, known)) return `its ${what} ${this.path}${suffix} is another file`;
    }
    return null;
  }

  /** Throws StoreFileGoneError when a write now would be lost (problem()). */
  check(): void {
    const problem = this.problem();
    if (problem !== null) throw new StoreFileGoneError(problem);
  }
}

function identityOf(path: string): FileIdentity | null {
  const stats = statSync(path, { throwIfNoEntry: false });
  return stats === undefined ? null : { dev: stats.dev, ino: stats.ino };
}

function same(a: FileIdentity, b: FileIdentity): boolean {
  return a.ino === b.ino && a.dev === b.dev;
}

/** Nothing was written: the store's file was deleted or replaced under this process. */
export class StoreFileGoneError extends Error {
  override name = 'StoreFileGoneError';

  constructor(readonly problem: string) {
    super(`${problem}: this process still has the file it opened, which no restart would read, so nothing was written. `
      + 'Put the file back if it was moved, or stop the server and restore the store (docs/operations.md#restore)');
  }
}

/**
 * A write-ahead log with no database file beside it: the store was deleted or moved, and the log
 * may hold its last commits (payments answered PAID). A new store made there would overwrite it,
 * so none is: the file is to be put back, or the log moved away knowingly.
 */
export function refuseOrphanedLog(path: string): void {
  if (path === ':memory:' || existsSync(path) || !existsSync(`${path}-wal`)) return;
  throw new OrphanedLogError(path);
}

export class OrphanedLogError extends Error {
  override name = 'OrphanedLogError';

  constructor(readonly path: string) {
    super(`the SQLite store's write-ahead log ${path}-wal is there but its database file ${path} is not: the store was deleted or moved, `
      + 'and the log may hold its last payments. Put the database file back (docs/operations.md#restore); '
      + 'to start a new, empty store there instead, move the -wal and -shm files away first');
  }
}
