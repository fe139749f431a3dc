import { describe, expect, it } from 'vitest';
import { groupDigits, isPayCode, maskDigits, normalizePayCode } from '../src/shared/pay-code.js';

describe('payment codes as people see and type them', () => {
  it('are shown in groups of four, the last one shorter: 4-4-4-4-2', () => {
    expect(groupDigits('395714874945038155')).toEqual(['3957', '1487', '4945', '0381', '55']);
  });

  it('masked, keep the groups but no digit', () => {
    expect(maskDigits('395714874945038155')).toEqual(['••••', '••••', '••••', '••••', '••']);
  });

  it('typed with the spaces or dashes of their groups, read as the digits', () => {
    expect(normalizePayCode(' 3957 1487-4945 0381 55 ')).toBe('395714874945038155');
  });

  it('are 18 digits, by the wire rule: nothing shorter, longer or not a digit', () => {
    expect(isPayCode('395714874945038155')).toBe(true);
    for (const bad of ['39571487494503815', '3957148749450381551', '39571487494503815x', '']) expect(isPayCode(bad)).toBe(false);
  });
});
