import { describe, expect, it } from 'vitest';
import {
  parseDownloadBill,
  parseMicropay,
  parseQueryBill,
  parseQueryRefund,
  parseRefund,
  signatureBase,
  timestampWindowDetail,
} from '../src/index.js';

const LIMITS = { maxAmountSen: 50_000_00 };
const TS = '1646733298647';
const micropay = {
  mchId: '202006001', mchOrderId: '333333333333', amount: '1.00', goodsInfo: 'Nasi lemak', discount: '0.50', point: '',
  payCode: '395865319883277944', timestamp: TS, secureHash: 'x',
};

describe('"|" in a signed value', () => {
  it('would let two different requests share one signed string, which is why it is refused', () => {
    const { discount: _d, ...resplit } = { ...micropay, goodsInfo: '0.50|Nasi lemak' };
    expect(signatureBase(resplit, 'k')).toBe(signatureBase(micropay, 'k'));
    expect(parseMicropay(resplit, LIMITS)).toEqual({
      ok: false,
      code: 1021,
      msg: 'goodsInfo must not contain "|": values are joined with "|" to be signed, so a "|" would let the signed fields be re-split',
    });
  });

  it('is refused by every merchant endpoint\'s rules, naming the field', () => {
    const refused = (parsed: { ok: boolean; code?: number; msg?: string }, field: string) =>
      expect(parsed).toMatchObject({ ok: false, code: 1021, msg: expect.stringMatching(new RegExp(`^${field} must not contain "\\|"`)) });
    refused(parseQueryBill({ mchId: '1', mchOrderId: 'a|b', timestamp: TS, secureHash: 'x' }), 'mchOrderId');
    refused(parseRefund({ mchId: '1', mchOrderId: 'a', mchRefundId: 'r', refundAmount: '1', reason: 'x|y', timestamp: TS, secureHash: 'x' }, LIMITS), 'reason');
    refused(parseQueryRefund({ mchId: '1', mchRefundId: 'r|1', timestamp: TS, secureHash: 'x' }), 'mchRefundId');
    refused(parseDownloadBill({ mchId: '1', billDate: '2022|03-10', timestamp: TS, secureHash: 'x' }), 'billDate');
  });
});

describe('field rules whose messages point at the real mistake', () => {
  it('a whole JSON number beyond 2^53 is refused by name: its digits were rounded before anyone could check them', () => {
    expect(parseMicropay({ ...micropay, payCode: 395865319883277944 }, LIMITS)).toEqual({
      ok: false, code: 1021, msg: 'payCode must be sent as a JSON string: as a JSON number it has too many digits to arrive unchanged',
    });
    // A number that survives JSON intact is still taken in its string form.
    expect(parseMicropay({ ...micropay, timestamp: 1646733298647 }, LIMITS).ok).toBe(true);
  });

  it('a length counts UTF-16 code units, and the refusal says so: 65 emoji are 130', () => {
    expect(parseMicropay({ ...micropay, goodsInfo: '🍜'.repeat(65) }, LIMITS)).toEqual({
      ok: false, code: 1021, msg: 'goodsInfo must be at most 128 characters, counted as UTF-16 code units (an emoji counts 2)',
    });
    expect(parseMicropay({ ...micropay, goodsInfo: '🍜'.repeat(64) }, LIMITS).ok).toBe(true);
  });

  it('an mchId or a point of digits that breaks the rule says the rule, not "digits"', () => {
    for (const mchId of ['0202612001', '18446744073709551616', '']) {
      expect(parseQueryBill({ mchId, mchOrderId: 'a', timestamp: TS, secureHash: 'x' }), mchId).toMatchObject({
        ok: false, code: 1021, msg: mchId === '' ? 'mchId is required' : 'mchId must be the merchant id: 1 to 19 digits, the first not 0',
      });
    }
    for (const point of ['01', '1000000000', '1.5']) {
      expect(parseMicropay({ ...micropay, point }, LIMITS), point).toEqual({
        ok: false, code: 1021, msg: 'point must be empty or a whole number of points from 0 to 999999999, without leading zeros',
      });
    }
  });

  it('amounts: a sign says "greater than 0", too much names the maximum', () => {
    const amount = (value: string) => parseMicropay({ ...micropay, amount: value, discount: '' }, LIMITS);
    expect(amount('-1')).toMatchObject({ msg: 'amount must be greater than 0' });
    expect(amount('0')).toMatchObject({ msg: 'amount must be greater than 0' });
    expect(amount('-x')).toMatchObject({ msg: 'amount must be a decimal with at most two places, e.g. "1.00"' });
    expect(amount('50000.01')).toMatchObject({ msg: 'amount must not exceed the platform maximum of 50000.00' });
    expect(amount('50000.00').ok).toBe(true);
    // More whole digits than any amount can have is still "too much", not a format mistake.
    expect(amount('99999999999999.00')).toMatchObject({ msg: 'amount must not exceed the platform maximum of 50000.00' });
    expect(amount('1000000000000')).toMatchObject({ msg: 'amount must not exceed the platform maximum of 50000.00' });
    // The usual slips are named with the amount as it should be written.
    expect(amount('01.00')).toMatchObject({ msg: 'amount must not start with 0, e.g. "1.00"' });
    expect(amount('00012.30')).toMatchObject({ msg: 'amount must not start with 0, e.g. "12.30"' });
    expect(amount('1,50')).toMatchObject({ msg: 'amount must use a point for the decimals, e.g. "1.50"' });
    expect(amount('.5')).toMatchObject({ msg: 'amount must be a decimal with at most two places, e.g. "1.00"' });
    expect(amount('1.001')).toMatchObject({ msg: 'amount must be a decimal with at most two places, e.g. "1.00"' });
  });

  it('a timestamp outside the window: ten digits get the seconds hint, sixteen the microseconds one, thirteen none', () => {
    expect(timestampWindowDetail(1646733298, 300)).toBe(
      'timestamp is more than 300 s away from the server clock; it looks like seconds, but it must be milliseconds since the epoch (13 digits)',
    );
    expect(timestampWindowDetail(1646733298647123, 300)).toBe(
      'timestamp is more than 300 s away from the server clock; it looks like microseconds, but it must be milliseconds since the epoch (13 digits)',
    );
    expect(timestampWindowDetail(999999999999999, 300)).toBe('timestamp is more than 300 s away from the server clock');
    expect(timestampWindowDetail(1646733298647, 300)).toBe('timestamp is more than 300 s away from the server clock');
  });
});
