import { codeResultOf, type CodeResult, type CodeResultState } from '../domain/code-result.js';
import type { PayCodeOutcome } from '../store/pay-code-outcomes.js';

/**
 * The wallet page's live result (docs/pages.md): a page's request waits here until what became of
 * its payment code differs from what the page shows. It is read from the database, so a payment
 * written by another process (another server on the same PostgreSQL database, an admin command)
 * is seen like one of this process, and the payment path does no extra work for it: one statement
 * per interval reads every code being watched in this process, and only while one is.
 */
export interface CodeWatchOptions {
  /** How often the watched codes are read: the page changes at most this long after the payment. */
  readonly intervalMs: number;
  /** A wait ends after this with the code as it is (the page asks again). */
  readonly maxWaitMs: number;
  /** Waits of one wallet at a time; one more ends its oldest. A page has one, two while it renews its code. */
  readonly maxPerWallet: number;
  /** Waits of the whole process; past it a wait is answered at the next read. */
  readonly maxWaits: number;
}

export const CODE_WATCH: CodeWatchOptions = { intervalMs: 250, maxWaitMs: 25_000, maxPerWallet: 4, maxWaits: 10_000 };

/** The code's result, or null when it is no code of this wallet (never told apart: another wallet's code is unknown). */
export type WatchAnswer = CodeResult & { readonly merchantName: string | null } | null;

interface Wait {
  readonly walletId: string;
  readonly code: string;
  readonly seen: CodeResultState;
  /** Answer at the next read whatever it finds: the wait is over. */
  due: boolean;
  readonly resolve: (a: WatchAnswer) => void;
  readonly reject: (error: unknown) => void;
  timer: ReturnType<typeof setTimeout> | undefined;
}

type ReadOutcomes = (codes: readonly string[]) => Promise<PayCodeOutcome[]>;

export class CodeResultWatch {
  readonly #waits = new Set<Wait>();
  #timer: ReturnType<typeof setTimeout> | undefined;
  #stopped = false;

  constructor(
    private readonly read: ReadOutcomes,
    private readonly nowMs: () => number,
    private readonly options: CodeWatchOptions = CODE_WATCH,
  ) {}

  /** Waits until the code's result is not `seen` (or the wait is over), reading it at the next interval. */
  wait(walletId: string, code: string, seen: CodeResultState): Promise<WatchAnswer> {
    return new Promise((resolve, reject) => {
      const w: Wait = { walletId, code, seen, due: this.#stopped || this.#waits.size >= this.options.maxWaits, resolve, reject, timer: undefined };
      this.#endOldestBeyondLimit(walletId);
      w.timer = setTimeout(() => (w.due = true), this.options.maxWaitMs);
      this.#waits.add(w);
      if (this.#stopped) void this.#readOnce();
      else this.#schedule();
    });
  }

  /** The server is closing: no wait holds it up. */
  get stopped(): boolean {
    return this.#stopped;
  }

  /** Every wait is answered at once with its code as it is: the server is closing. */
  async stop(): Promise<void> {
    this.#stopped = true;
    for (const w of this.#waits) w.due = true;
    clearTimeout(this.#timer);
    this.#timer = undefined;
    await this.#readOnce();
  }

  #endOldestBeyondLimit(walletId: string): void {
    const ofWallet = [...this.#waits].filter((w) => w.walletId === walletId && !w.due);
    if (ofWallet.length >= this.options.maxPerWallet) ofWallet[0]!.due = true;
  }

  #schedule(): void {
    if (this.#timer !== undefined || this.#stopped) return;
    this.#timer = setTimeout(() => {
      void this.#readOnce().finally(() => {
        this.#timer = undefined;
        if (this.#waits.size > 0) this.#schedule();
      });
    }, this.options.intervalMs);
  }

  async #readOnce(): Promise<void> {
    const waits = [...this.#waits];
    if (waits.length === 0) return;
    let outcomes: PayCodeOutcome[];
    try {
      outcomes = await this.read([...new Set(waits.map((w) => w.code))]);
    } catch (error) {
      // The database failed: each request answers "system error", and the page asks again later.
      for (const w of waits) this.#end(w, () => w.reject(error));
      return;
    }
    const byCode = new Map(outcomes.map((o) => [o.code, o]));
    const nowMs = this.nowMs();
    for (const w of waits) {
      const outcome = byCode.get(w.code);
      if (outcome === undefined || outcome.walletId !== w.walletId) {
        this.#end(w, () => w.resolve(null));
        continue;
      }
      const result = codeResultOf(outcome, outcome.order, nowMs);
      if (w.due || result.state !== w.seen) this.#end(w, () => w.resolve({ ...result, merchantName: outcome.merchantName }));
    }
  }

  #end(w: Wait, answer: () => void): void {
    clearTimeout(w.timer);
    this.#waits.delete(w);
    answer();
  }
}
