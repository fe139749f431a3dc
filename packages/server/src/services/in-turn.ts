/**
 * Work that takes turns per key in this process: each task for a key starts when the one before it
 * for the same key has ended (resolved or failed). Password and PIN tries use it: a try is counted
 * before its slow comparison and a right one clears only the count it took, so tries of one account
 * overlapping in flight would add up to a lock that no wrong password made. Across processes the
 * store's count still holds the lock.
 */
export class InTurn {
  /** The last task waiting or running for each key with tasks in flight. */
  readonly #last = new Map<string, Promise<void>>();

  run<T>(key: string, task: () => Promise<T>): Promise<T> {
    const result = (this.#last.get(key) ?? Promise.resolve()).then(task);
    const ended = result.then(() => {}, () => {});
    this.#last.set(key, ended);
    void ended.then(() => {
      if (this.#last.get(key) === ended) this.#last.delete(key);
    });
    return result;
  }
}

/**
 * The accounts whose password (or PIN) tries take turns: a wallet's PIN (api/wallet-pin.ts), a
 * merchant user's and an operator's password (services/page-access.ts, services/operators.ts).
 */
export const ACCOUNT_TRIES = new InTurn();
