/**
 * Items queued in one turn of the event loop, handed on together: as soon as `max` are waiting,
 * and the rest in the turn's check phase (setImmediate), after every I/O callback of the turn has
 * queued its own. Both stores' point reads are batched so (sqlite/read-turns.ts,
 * postgres/order-lookups.ts); each says why its `max` is what it is.
 */
export class TurnBatch<T> {
  #queue: T[] = [];
  #scheduled = false;

  constructor(
    private readonly max: number,
    private readonly handOn: (items: T[]) => void,
  ) {}

  add(item: T): void {
    this.#queue.push(item);
    if (this.#queue.length >= this.max) return this.#flush();
    if (!this.#scheduled) {
      this.#scheduled = true;
      setImmediate(() => {
        this.#scheduled = false;
        this.#flush();
      });
    }
  }

  #flush(): void {
    const items = this.#queue;
    if (items.length === 0) return;
    this.#queue = [];
    this.handOn(items);
  }
}
