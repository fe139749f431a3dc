/**
 * The payment thread: SQLite calls are synchronous, so a batch written on the main thread stops
 * every HTTP request while it runs. Here the batches run on their own thread and connection, in
 * parallel with the HTTP work. Messages that arrive while a batch is written are written together
 * in the next one (group commit on this side too).
 */
import { parentPort, workerData } from 'node:worker_threads';
import type { PaymentThreadState } from '../store.js';
import { openConnection, PaymentWriter, type PaymentJob, type PaymentWriterOptions } from './payment-writer.js';
import { StoreFile, type StoreFileIdentity } from './store-file.js';
import { WriteTurns } from './write-turns.js';

export interface PaymentThreadData {
  readonly path: string;
  readonly options: PaymentWriterOptions;
  /** WriteTurns' flags, shared with the main thread. */
  readonly turns: SharedArrayBuffer;
  /** The store's files as the main thread opened them (store-file.ts). */
  readonly identity: StoreFileIdentity;
}

/** Main → thread: one message per main-thread batch. */
export interface BatchRequest {
  readonly id: number;
  readonly jobs: PaymentJob[];
}

/**
 * Main → thread: are you there, and could you write a payment? Answered at once, or after the
 * batch being written (health checks), with the probe's finding (`writeProblem`).
 */
export interface Ping {
  readonly id: number;
  readonly ping: true;
}

/** The transaction a reply's payments were written in: its size and how long it took (metrics). */
export interface WrittenBatch {
  readonly payments: number;
  readonly seconds: number;
}

const { path, options, turns: turnFlags, identity } = workerData as PaymentThreadData;
const turns = new WriteTurns(turnFlags);
/**
 * The files as the server opened them: nothing is written once they were deleted or replaced, and
 * a thread started again after that (a crash) opens nothing: it would make a new file at the path.
 */
const file = new StoreFile(path, identity);
file.check();
const db = openConnection(path, { mustExist: true });
file.check();
const writer = new PaymentWriter(db, options);
const port = parentPort!;
const waiting: BatchRequest[] = [];
let scheduled = false;

port.on('message', (request: BatchRequest | Ping) => {
  if ('ping' in request) return port.postMessage({ id: request.id, pong: true, problem: writeProblem() });
  waiting.push(request);
  if (!scheduled) {
    scheduled = true;
    setImmediate(flush);
  }
});

function flush(): void {
  scheduled = false;
  const requests = waiting.splice(0);
  const jobs = requests.flatMap((r) => r.jobs);
  try {
    let seconds = 0;
    const outcomes = turns.batch(() => {
      const started = performance.now();
      try {
        return writer.write(jobs, () => file.check());
      } finally {
        seconds = (performance.now() - started) / 1000;
      }
    });
    let at = 0;
    for (const r of requests) {
      // The transaction is told once, with the first reply.
      const batch: WrittenBatch | undefined = at === 0 ? { payments: jobs.length, seconds } : undefined;
      port.postMessage({ id: r.id, outcomes: outcomes.slice(at, at + r.jobs.length), batch });
      at += r.jobs.length;
    }
  } catch (error) {
    const e = error as Error;
    for (const r of requests) port.postMessage({ id: r.id, error: { name: e.name, message: e.message } });
  }
}

/**
 * Why a payment could not be written now, or null. A deleted or replaced file would take payments
 * into a file no restart opens again (store-file.ts); a write lock held elsewhere would keep every
 * payment waiting (then this waits too, and the ping is answered 'busy'). The lock is taken and let
 * go at once, in the payments' turn; it writes nothing.
 */
function writeProblem(): Exclude<PaymentThreadState, string> | null {
  try {
    const gone = file.problem();
    if (gone !== null) return { cannotWrite: 'file', error: `${gone}: this process still writes the file it opened, which was deleted or replaced` };
    turns.batch(() => {
      db.exec('BEGIN IMMEDIATE');
      db.exec('ROLLBACK');
    });
    return null;
  } catch (error) {
    // A thread left inside the probe's transaction would hold the lock against every process.
    if (db.inTransaction) db.exec('ROLLBACK');
    return { cannotWrite: 'write', error: `a write could not begin: ${(error as Error).message}` };
  }
}
