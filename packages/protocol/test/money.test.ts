import { describe, expect, it } from 'vitest';
import { formatSen, formatWireTime, compactWireTime, parseAmountSen } from '../src/index.js';

describe('money', () => {
  it('parses wire amounts into whole sen without floats', () => {
    expect(parseAmountSen('1.00')).toBe(100);
    expect(parseAmountSen('1.5')).toBe(150);
    expect(parseAmountSen('0.01')).toBe(1);
    expect(parseAmountSen('19.99')).toBe(1999);
    expect(parseAmountSen('1234567.89')).toBe(123456789);
    expect(parseAmountSen('0')).toBe(0);
  });

  it('refuses anything that is not a plain decimal with at most two places', () => {
    for (const bad of ['', '1.', '.5', '1.001', '-1.00', '+1', '01.00', '1e2', ' 1.00', '1,00', 'NaN', '0x10', '1.00 ']) {
      expect(parseAmountSen(bad), bad).toBeNull();
    }
  });

  it('formats sen with two places', () => {
    expect(formatSen(100)).toBe('1.00');
    expect(formatSen(5)).toBe('0.05');
    expect(formatSen(150)).toBe('1.50');
    expect(formatSen(-250)).toBe('-2.50');
    expect(formatSen(123456789)).toBe('1234567.89');
  });
});

describe('wire times', () => {
  it('formats in the platform time zone', () => {
    const ms = Date.UTC(2022, 2, 10, 9, 14, 49); // 17:14:49 in Kuala Lumpur (UTC+8)
    expect(formatWireTime(ms, 'Asia/Kuala_Lumpur')).toBe('2022-03-10 17:14:49');
    expect(formatWireTime(ms, 'UTC')).toBe('2022-03-10 09:14:49');
    expect(compactWireTime(ms, 'Asia/Kuala_Lumpur')).toBe('20220310171449');
    expect(formatWireTime(Date.UTC(2022, 0, 1, 16, 0, 0), 'Asia/Kuala_Lumpur')).toBe('2022-01-02 00:00:00');
  });
});
