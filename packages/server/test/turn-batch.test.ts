import { describe, expect, it } from 'vitest';
import { TurnBatch } from '../src/store/turn-batch.js';

/** The batching both stores' point reads stand on (store/turn-batch.ts). */
describe('a turn batch', () => {
  it('hands on `max` items as soon as they are queued, and the rest of the turn in its check phase', async () => {
    const handed: number[][] = [];
    const batch = new TurnBatch<number>(4, (items) => handed.push(items));
    for (let i = 1; i <= 10; i++) batch.add(i);
    expect(handed).toEqual([[1, 2, 3, 4], [5, 6, 7, 8]]);
    await new Promise((r) => setImmediate(r));
    expect(handed).toEqual([[1, 2, 3, 4], [5, 6, 7, 8], [9, 10]]);
  });

  it('waits for the I/O callbacks of its turn, and never hands on an empty batch', async () => {
    const handed: string[][] = [];
    const batch = new TurnBatch<string>(3, (items) => handed.push(items));
    // Two timer callbacks of one turn queue one each: they go together in its check phase.
    await new Promise<void>((done) => {
      let left = 2;
      for (const item of ['a', 'b']) {
        setTimeout(() => {
          batch.add(item);
          if (--left === 0) done();
        }, 0);
      }
    });
    expect(handed).toEqual([]);
    await new Promise((r) => setImmediate(r));
    expect(handed).toEqual([['a', 'b']]);
    for (const item of ['c', 'd', 'e']) batch.add(item);
    await new Promise((r) => setImmediate(r));
    // 'c' to 'e' filled a batch at once; the check phase found nothing more to hand on.
    expect(handed).toEqual([['a', 'b'], ['c', 'd', 'e']]);
  });
});
