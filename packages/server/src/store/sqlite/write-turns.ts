/**
 * Turn-taking between the main thread's writes (confirmations, closes, refunds, top-ups, codes,
 * the notification outbox) and the payment thread's batches, which share one SQLite file.
 *
 * SQLite's write lock is what keeps them apart; this only makes the handoff prompt. Without it a
 * main-thread write that meets a batch sleeps in SQLite's busy handler (1, 2, 5, 10 … ms) and
 * retries at instants when, under load, the next batch already holds the lock again, stalling
 * every HTTP request behind it for tens of milliseconds. With it, the main thread says it wants
 * to write and awaits (without blocking) the end of the batch under way, and the payment thread
 * lets it go before starting the next one. Two shared counters, no queue: if both start at the
 * same instant, SQLite's lock and busy timeout decide as before, and every wait here is bounded,
 * so a thread that dies holding a flag cannot stop the other.
 */
/** How many main-thread writes are waiting or running. */
const MAIN_WANTS = 0;
/** 1 while the payment thread writes a batch. */
const BATCH_RUNNING = 1;
/** Longer than any batch; past it SQLite's busy timeout takes over. */
const MAIN_MAX_WAIT_MS = 1_000;
/** A stream of main-thread writes must not hold payments back for long. */
const BATCH_MAX_WAIT_MS = 20;

export class WriteTurns {
  readonly #flags: Int32Array;

  constructor(buffer: SharedArrayBuffer = new SharedArrayBuffer(2 * Int32Array.BYTES_PER_ELEMENT)) {
    this.#flags = new Int32Array(buffer);
  }

  /** Shared with the payment thread (through workerData). */
  get buffer(): SharedArrayBuffer {
    return this.#flags.buffer as SharedArrayBuffer;
  }

  /**
   * Main thread: waits, without blocking the event loop, for the batch being written (if any),
   * then writes before the next one starts.
   */
  async main<T>(write: () => T): Promise<T> {
    const flags = this.#flags;
    Atomics.add(flags, MAIN_WANTS, 1);
    try {
      const deadline = Date.now() + MAIN_MAX_WAIT_MS;
      while (Atomics.load(flags, BATCH_RUNNING) === 1 && Date.now() < deadline) {
        const waiting = Atomics.waitAsync(flags, BATCH_RUNNING, 1, 50);
        if (waiting.async) await waiting.value;
      }
      return write();
    } finally {
      Atomics.sub(flags, MAIN_WANTS, 1);
      Atomics.notify(flags, MAIN_WANTS);
    }
  }

  /** Payment thread: lets waiting main-thread writes go first (briefly), then writes its batch. */
  batch<T>(write: () => T): T {
    const flags = this.#flags;
    const deadline = Date.now() + BATCH_MAX_WAIT_MS;
    for (let wanted = Atomics.load(flags, MAIN_WANTS); wanted > 0 && Date.now() < deadline; wanted = Atomics.load(flags, MAIN_WANTS)) {
      Atomics.wait(flags, MAIN_WANTS, wanted, 5);
    }
    Atomics.store(flags, BATCH_RUNNING, 1);
    try {
      return write();
    } finally {
      Atomics.store(flags, BATCH_RUNNING, 0);
      Atomics.notify(flags, BATCH_RUNNING);
    }
  }

  /** Whether the payment thread is writing a batch at this moment (tests kill it then). */
  get batchRunning(): boolean {
    return Atomics.load(this.#flags, BATCH_RUNNING) === 1;
  }

  /** The payment thread died: it is no longer writing a batch. */
  batchAbandoned(): void {
    Atomics.store(this.#flags, BATCH_RUNNING, 0);
    Atomics.notify(this.#flags, BATCH_RUNNING);
  }
}

/** Runs a main-thread write in its turn; stores without a payment thread just run it. */
export type MainWrite = <T>(write: () => T) => Promise<T>;
