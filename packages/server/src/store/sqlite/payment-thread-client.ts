import { Worker } from 'node:worker_threads';
import { compiledScript } from '../../compiled-script.js';
import type { BatchObserver, PaymentThreadState } from '../store.js';
import type { BatchRequest, Ping, PaymentThreadData, WrittenBatch } from './payment-thread.js';
import type { PaymentJob, PaymentOutcome, PaymentWriterOptions } from './payment-writer.js';
import type { WriteTurns } from './write-turns.js';
import type { StoreFileIdentity } from './store-file.js';

type Reply =
  | { id: number; outcomes: PaymentOutcome[]; batch?: WrittenBatch }
  | { id: number; error: { name: string; message: string } }
  | { id: number; pong: true; problem: Exclude<PaymentThreadState, string> | null };

interface InFlight {
  readonly resolve: (outcomes: PaymentOutcome[]) => void;
  readonly reject: (error: Error) => void;
  /** The thread that has the batch. */
  readonly worker: Worker;
}

/** A health check waiting for a thread's answer. */
interface PingWaiting {
  readonly answer: (answered: PaymentThreadState) => void;
  readonly worker: Worker;
}

/**
 * The main thread's side of the payment thread: sends batches, matches answers to them. If the
 * thread dies, the batches it held fail (their payments answer "system error"; whatever it had
 * committed is on disk and queryBill tells it) and the next batch starts a new thread.
 */
export class PaymentThread {
  /** What each thread started is given: the store's files as they are known when it starts. */
  readonly #data: () => PaymentThreadData;
  readonly #inFlight = new Map<number, InFlight>();
  /** Health checks waiting for the thread's answer: told its state when it answers, 'stopped' when it dies. */
  readonly #pings = new Map<number, PingWaiting>();
  #worker: Worker | null = null;
  #nextId = 1;
  #closed = false;
  /** Told of every transaction the thread commits (metrics). */
  observer: BatchObserver | null = null;

  readonly #turns: WriteTurns;

  constructor(path: string, options: PaymentWriterOptions, turns: WriteTurns, identity: () => StoreFileIdentity) {
    this.#turns = turns;
    this.#data = () => ({ path, options, turns: turns.buffer, identity: identity() });
    this.#worker = this.#start();
  }

  write(jobs: PaymentJob[]): Promise<PaymentOutcome[]> {
    const worker = (this.#worker ??= this.#start());
    const id = this.#nextId++;
    return new Promise((resolve, reject) => {
      // Held while batches are in flight: their answers must arrive before the process may exit.
      worker.ref();
      this.#inFlight.set(id, { resolve, reject, worker });
      worker.postMessage({ id, jobs } satisfies BatchRequest);
    });
  }

  /**
   * Whether the thread answers within `timeoutMs`, and could write (payment-thread.ts's probe). A
   * ping waits behind the batch being written, and the probe for the write lock, so a thread
   * stuck on another process's lock is 'busy'. A thread that died is started again first, as the
   * next payment would start it.
   */
  ping(timeoutMs: number): Promise<PaymentThreadState> {
    if (this.#closed) return Promise.resolve('stopped');
    const worker = (this.#worker ??= this.#start());
    const id = this.#nextId++;
    return new Promise((resolve) => {
      const timer = setTimeout(() => answer('busy'), timeoutMs);
      timer.unref();
      const answer = (state: PaymentThreadState) => {
        clearTimeout(timer);
        this.#pings.delete(id);
        resolve(state);
      };
      this.#pings.set(id, { answer, worker });
      worker.postMessage({ id, ping: true } satisfies Ping);
    });
  }

  /** Waits for the batches in flight, then stops the thread. */
  async close(): Promise<void> {
    this.#closed = true;
    while (this.#inFlight.size > 0) await new Promise((r) => setTimeout(r, 1));
    await this.terminate();
  }

  /**
   * Stops the thread now, as a crash would: batches in flight fail, whatever the thread committed
   * stays committed. The next write starts a new thread.
   */
  async terminate(): Promise<void> {
    const worker = this.#worker;
    this.#worker = null;
    await worker?.terminate();
  }

  /** Whether batches in flight wait for `worker`. */
  #holds(worker: Worker): boolean {
    for (const waiting of this.#inFlight.values()) if (waiting.worker === worker) return true;
    return false;
  }

  #start(): Worker {
    const worker = new Worker(compiledScript('store/sqlite/payment-thread.js'), { workerData: this.#data() });
    worker.on('message', (reply: Reply) => {
      if ('pong' in reply) return this.#pings.get(reply.id)?.answer(reply.problem ?? 'alive');
      if ('batch' in reply && reply.batch !== undefined) this.observer?.(reply.batch.payments, reply.batch.seconds);
      const waiting = this.#inFlight.get(reply.id);
      if (waiting === undefined) return;
      this.#inFlight.delete(reply.id);
      if (!this.#holds(worker)) worker.unref();
      if ('outcomes' in reply) waiting.resolve(reply.outcomes);
      else waiting.reject(Object.assign(new Error(reply.error.message), { name: reply.error.name }));
    });
    // A thread's 'exit' follows its 'error', by when a new thread may have the next batches (and
    // the batch flag): what the old one drops is only its own.
    const lost = (error: Error) => {
      const newer = this.#worker !== null && this.#worker !== worker;
      if (this.#worker === worker) this.#worker = null;
      if (!newer) this.#turns.batchAbandoned();
      for (const [id, waiting] of this.#inFlight) {
        if (waiting.worker !== worker) continue;
        this.#inFlight.delete(id);
        waiting.reject(error);
      }
      for (const ping of this.#pings.values()) if (ping.worker === worker) ping.answer('stopped');
    };
    worker.on('error', lost);
    worker.on('exit', (code) => lost(new Error(`the payment thread stopped (exit code ${code})`)));
    // An idle thread alone does not keep the process alive (the HTTP server does when serving).
    worker.unref();
    return worker;
  }
}
