import { describe, expect, it } from 'vitest';
import { sign, signatureBase, verify } from '../src/index.js';
import * as schemas from '../src/schemas.js';

const SPEC_KEY = 'P8yAFr213xcvb41xfgkjELoOhWl';

describe('secureHash', () => {
  it("reproduces the spec's own example", () => {
    const params = { mchId: '202006001', mchOrderId: '333333333333', timestamp: '1646733298647' };
    expect(signatureBase(params, SPEC_KEY)).toBe('202006001|333333333333|1646733298647|P8yAFr213xcvb41xfgkjELoOhWl');
    expect(sign(params, SPEC_KEY)).toBe('70B6E3540261C9BBBF232C3604BDF4CD24ACB25EED5F4EB284CC68A359672782');
  });

  it('sorts names in ASCII order (upper case before lower case), whatever the insertion order', () => {
    expect(signatureBase({ b: '2', a: '1', B: '0', secureHash: 'x' }, 'K')).toBe('0|1|2|K');
  });

  it('gives the same base for a dozen names in any insertion order, values kept beside their names', () => {
    const names = ['wavpayOrderId', 'amount', 'mchId', 'Zeta', 'merchantOrderId', 'payTime', 'a_b', 'aB', 'tradeTime', 'merchantName', 'timestamp', 'A1'];
    // The spec's order, written out by hand: ASCII, so upper case, digits and '_' sort as bytes do.
    const ascii = ['A1', 'Zeta', 'aB', 'a_b', 'amount', 'mchId', 'merchantName', 'merchantOrderId', 'payTime', 'timestamp', 'tradeTime', 'wavpayOrderId'];
    const expected = `${ascii.map((n) => `v-${n}`).join('|')}|K`;
    let seed = 7;
    for (let round = 0; round < 200; round++) {
      const order = [...names];
      for (let i = order.length - 1; i > 0; i--) {
        seed = (seed * 1103515245 + 12345) % 2 ** 31;
        const j = seed % (i + 1);
        [order[i], order[j]] = [order[j]!, order[i]!];
      }
      const params = Object.fromEntries(order.map((n) => [n, `v-${n}`]));
      expect(signatureBase({ ...params, secureHash: 'x', gone: null }, 'K'), order.join(',')).toBe(expected);
    }
  });

  it('leaves out secureHash, null and absent values but keeps empty strings as empty segments', () => {
    const base = signatureBase({ amount: '1.00', discount: '', goodsInfo: null, point: undefined, secureHash: 'AB' }, 'K');
    expect(base).toBe('1.00||K');
  });

  it('signs a JSON number as its string form', () => {
    const asNumber = sign({ mchId: 202006001, timestamp: 1646733298647, mchOrderId: '333333333333' }, SPEC_KEY);
    expect(asNumber).toBe('70B6E3540261C9BBBF232C3604BDF4CD24ACB25EED5F4EB284CC68A359672782');
  });

  it('hashes the UTF-8 bytes of non-ASCII values', () => {
    expect(signatureBase({ goodsInfo: 'Kopi ☕' }, 'K')).toBe('Kopi ☕|K');
    expect(sign({ goodsInfo: 'Kopi ☕' }, 'K')).not.toBe(sign({ goodsInfo: 'Kopi ?' }, 'K'));
  });

  it('refuses to sign objects', () => {
    expect(() => sign({ a: { b: 1 } as never }, 'K')).toThrow(TypeError);
  });

  describe('verify', () => {
    const params = {
      mchId: '202006001', mchOrderId: '333333333333', amount: '1.00', goodsInfo: 'test', discount: '', point: '',
      payCode: '395865319883277944', timestamp: '1646733298647',
    };
    const signed = { ...params, secureHash: sign(params, SPEC_KEY) };

    it('accepts the right signature, in upper or lower case', () => {
      expect(verify(signed, SPEC_KEY)).toBe(true);
      expect(verify({ ...signed, secureHash: signed.secureHash.toLowerCase() }, SPEC_KEY)).toBe(true);
    });

    it('rejects a change of any one character of any signed field', () => {
      for (const [name, value] of Object.entries(params)) {
        const variants = value === '' ? ['0', ' '] : [...value].map((ch, i) => value.slice(0, i) + (ch === '1' ? '2' : '1') + value.slice(i + 1));
        for (const changed of variants) {
          expect(verify({ ...signed, [name]: changed }, SPEC_KEY), `${name}=${changed}`).toBe(false);
        }
      }
    });

    it('rejects an added parameter, a removed one, another key and a malformed hash', () => {
      expect(verify({ ...signed, extra: 'x' }, SPEC_KEY)).toBe(false);
      const { amount: _dropped, ...withoutAmount } = signed;
      expect(verify(withoutAmount, SPEC_KEY)).toBe(false);
      expect(verify(signed, SPEC_KEY + 'x')).toBe(false);
      expect(verify({ ...signed, secureHash: signed.secureHash.slice(1) }, SPEC_KEY)).toBe(false);
      expect(verify({ ...signed, secureHash: 'Z'.repeat(64) }, SPEC_KEY)).toBe(false);
      expect(verify({ ...params }, SPEC_KEY)).toBe(false);
    });

    it('tells an empty string apart from an absent value', () => {
      const withEmpty = { a: '1', b: '' };
      expect(verify({ a: '1', secureHash: sign(withEmpty, 'K') }, 'K')).toBe(false);
      expect(verify({ a: '1', b: null, secureHash: sign({ a: '1' }, 'K') }, 'K')).toBe(true);
    });
  });
});

describe('a signed request cannot be sent as a change at another endpoint (values are signed, not names)', () => {
  const requests = {
    micropay: schemas.MICROPAY_REQUEST, refund: schemas.REFUND_REQUEST, closeBill: schemas.CLOSE_BILL_REQUEST,
    queryBill: schemas.QUERY_BILL_REQUEST, queryOrderRefunds: schemas.QUERY_BILL_REQUEST,
    queryRefund: schemas.QUERY_REFUND_REQUEST, downloadBill: schemas.DOWNLOAD_BILL_REQUEST,
  } as const;
  /** How many values a request of the call signs: its required fields, up to all of them (secureHash not). */
  function signedCounts(schema: schemas.JsonSchema): { least: number; most: number } {
    const s = schema as { required: string[]; properties: Record<string, unknown> };
    return { least: s.required.length - 1, most: Object.keys(s.properties).length - 1 };
  }

  it('closeBill signs a number of values no other call signs, and every read fewer than any change', () => {
    const close = signedCounts(requests.closeBill);
    expect(close).toEqual({ least: 4, most: 4 });
    for (const [call, schema] of Object.entries(requests)) {
      if (call === 'closeBill') continue;
      const { least, most } = signedCounts(schema);
      expect(close.least < least || close.most > most, call).toBe(true);
    }
    const reads = ['queryBill', 'queryOrderRefunds', 'queryRefund', 'downloadBill'] as const;
    const fewestOfAChange = Math.min(...(['micropay', 'refund', 'closeBill'] as const).map((c) => signedCounts(requests[c]).least));
    for (const read of reads) expect(signedCounts(requests[read]).most, read).toBeLessThan(fewestOfAChange);
  });
});
