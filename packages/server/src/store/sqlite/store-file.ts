import { existsSync, statSync, type Stats } from 'node:fs';

/**
 * The store's files as this process opened them: the database file and its write-ahead log, told
 * by their inodes. SQLite keeps writing to a file it has open after the file is deleted, moved or
 * renamed over, and a commit then lands where no restart reads it: a payment answered PAID would
 * be gone. Every write checks first (a stat of each file, microseconds, once per transaction or
 * group commit), and readiness says so (payment-thread.ts).
 *
 * A file copied over the live one (`cp backup.db micropay.db`) keeps its inode: no check of the
 * file's identity sees it, and it corrupts the store. docs/operations.md says to stop the server
 * before a restore.
 */
export class StoreFile {
  readonly #opened: Stats;
  #log: Stats | null;

  constructor(readonly path: string) {
    this.#opened = statSync(path);
    // The log exists once a connection in WAL mode has read the file; it is learnt when first seen.
    this.#log = statSync(`${path}-wal`, { throwIfNoEntry: false }) ?? null;
  }

  /** Why a write now would go where no restart reads it, or null: both files are those opened. */
  problem(): string | null {
    const now = statSync(this.path, { throwIfNoEntry: false });
    if (now === undefined) return `the database file ${this.path} is gone`;
    if (!same(now, this.#opened)) return `the database file ${this.path} is another file`;
    const log = statSync(`${this.path}-wal`, { throwIfNoEntry: false });
    if (this.#log === null) {
      this.#log = log ?? null;
      return null;
    }
    if (log === undefined) return `its write-ahead log ${this.path}-wal is gone`;
    return same(log, this.#log) ? null : `its write-ahead log ${this.path}-wal is another file`;
  }

  /** Throws StoreFileGoneError when a write now would be lost (problem()). */
  check(): void {
    const problem = this.problem();
    if (problem !== null) throw new StoreFileGoneError(problem);
  }
}

function same(a: Stats, b: Stats): boolean {
  return a.ino === b.ino && a.dev === b.dev;
}

/** Nothing was written: the store's file was deleted or replaced under this process. */
export class StoreFileGoneError extends Error {
  override name = 'StoreFileGoneError';

  constructor(readonly problem: string) {
    super(`${problem}: this process still has the file it opened, which no restart would read, so nothing was written. `
      + 'Stop the server and put the store back where it was (docs/operations.md#restore)');
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
