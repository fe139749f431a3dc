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

  it('waits for the other callbacks of its phase, never hands on an empty batch, and starts again next turn', async () => {
    const handed: string[][] = [];
    const batch = new TurnBatch<string>(3, (items) => handed.push(items));
    // Two callbacks of one check phase queue one each: nothing is handed on before both are queued
    // (an immediate queued in a check phase runs in the next one).
    const seenAfterBoth = await new Promise<string[][]>((done) => {
      setImmediate(() => batch.add('a'));
      setImmediate(() => {
        batch.add('b');
        done(handed.slice());
      });
    });
    expect(seenAfterBoth).toEqual([]);
    await new Promise((r) => setImmediate(r));
    expect(handed).toEqual([['a', 'b']]);
    for (const item of ['c', 'd', 'e']) batch.add(item);
    await new Promise((r) => setImmediate(r));
    // 'c' to 'e' filled a batch at once; the check phase found nothing more to hand on.
    expect(handed).toEqual([['a', 'b'], ['c', 'd', 'e']]);
    // A later turn's partial batch is handed on in that turn's check phase.
    batch.add('f');
    await new Promise((r) => setImmediate(r));
    expect(handed).toEqual([['a', 'b'], ['c', 'd', 'e'], ['f']]);
  });
});
