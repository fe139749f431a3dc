import { describe, expect, it } from 'vitest';
import { formatDuration, hoursWords } from '../src/duration.js';

describe('formatDuration', () => {
  it('says whole minutes and hours, as the CLI and the operator console tell finance how new an account is', () => {
    expect([0, 59_999, 60_000, 59 * 60_000 + 59_999, 3600_000, 2 * 3600_000 + 5 * 60_000, 24 * 3600_000 - 1].map(formatDuration)).toEqual([
      'under a minute', 'under a minute', '1 min', '59 min', '1 h', '2 h 5 min', '23 h 59 min',
    ]);
  });

  it('reads a negative length (a clock stepped back) as none', () => {
    expect(formatDuration(-5_000)).toBe('under a minute');
  });
});

describe('hoursWords', () => {
  it('says one hour in the singular, as a key roll\'s overlap is told', () => {
    expect(['1', '2', '24', '0'].map(hoursWords)).toEqual(['1 hour', '2 hours', '24 hours', '0 hours']);
  });
});
