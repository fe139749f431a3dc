import { describe, expect, it } from 'vitest';
import { formatSessionEnds, parseSessionEnds } from '../src/page-session.js';

describe('the X-Session-Ends header', () => {
  it('reads back what it wrote', () => {
    const ends = { idleLeftMs: 1_740_000, leftMs: 41_400_000, idleLimitMs: 1_800_000 };
    expect(formatSessionEnds(ends)).toBe('idle-left=1740000; left=41400000; idle-limit=1800000');
    expect(parseSessionEnds(formatSessionEnds(ends))).toEqual(ends);
  });

  it('is no session time at all when absent, incomplete or not its shape', () => {
    for (const bad of [null, undefined, '', 'idle-left=1; left=2', 'idle-left=1; left=2; idle-limit=x', 'idle-left=-1; left=2; idle-limit=3', 'idle-left=1; left=2; idle-limit=3; other=4']) {
      expect([bad, parseSessionEnds(bad)]).toEqual([bad, null]);
    }
  });
});
