import type Database from 'better-sqlite3';
import { TurnBatch } from '../turn-batch.js';

interface QueuedRead {
  readonly read: () => unknown;
  readonly resolve: (value: unknown) => void;
  readonly reject: (error: unknown) => void;
}

/**
 * Reads that share one transaction at most. Four save most of the locking (one pair of fcntl()
 * calls per four reads instead of per read), and waiting for a whole turn's reads measured worse:
 * every request held back until the turn's end survives the garbage collector's next scavenge, so
 * with up to a hundred held back the scavenges cost four to five times as much per request
 * (docs/benchmarks.md, issue 18).
 */
const MAX_SHARED = 4;

/**
 * The main thread's point reads (queryBill's order, a merchant the cache does not hold) share read
 * transactions: the reads queued in one turn of the event loop go together, four at a time, as
 * payments share one write transaction.
 *
 * Why: in WAL mode a statement outside a transaction opens and ends a read transaction of its own,
 * and each takes and drops a read lock on the `-shm` file with two fcntl() calls. On this VM those
 * two system calls were most of a 6–10 µs order lookup (docs/benchmarks.md, issue 18); inside
 * one transaction the same lookup costs about 1 µs.
 *
 * Truth is kept: a shared transaction begins after every request whose read it runs was received
 * (when the fourth read is queued, or in the turn's check phase), so it sees every commit made
 * before any of those requests arrived, from this process or another, exactly as a read of its own
 * would; it ends as soon as its reads are done, so it holds back no checkpoint.
 */
export class ReadTurns {
  readonly #turns = new TurnBatch<QueuedRead>(MAX_SHARED, (turn) => this.#run(turn));
  readonly #begin: Database.Statement;
  readonly #commit: Database.Statement;

  constructor(private readonly db: Database.Database) {
    this.#begin = db.prepare('BEGIN');
    this.#commit = db.prepare('COMMIT');
  }

  read<T>(read: () => T): Promise<T> {
    return new Promise<T>((resolve, reject) => this.#turns.add({ read, resolve: resolve as (value: unknown) => void, reject }));
  }

  #run(turn: readonly QueuedRead[]): void {
    // One read needs no transaction of its own; nor does a connection already in one (never here:
    // better-sqlite3's transactions are synchronous, and no store method awaits inside one).
    const shared = turn.length > 1 && !this.db.inTransaction;
    if (shared) {
      try {
        this.#begin.run();
      } catch (error) {
        // Nothing was read: every request of the turn gets the error (none waits for ever).
        for (const q of turn) q.reject(error);
        return;
      }
    }
    try {
      for (const q of turn) {
        try {
          q.resolve(q.read());
        } catch (error) {
          q.reject(error);
        }
      }
    } finally {
      if (shared) this.#commit.run();
    }
  }
}
