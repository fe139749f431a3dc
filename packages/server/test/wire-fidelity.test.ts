import { createHash } from 'node:crypto';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { sign, verify, type SignableParams } from '@micropay/protocol';
import { hashPin, hashWalletToken, newWalletToken } from '../src/domain/credentials.js';
import {
  createMerchant,
  createWalletWithCode,
  micropayParams,
  postRaw,
  postSigned,
  startTestPlatform,
  type TestMerchant,
  type TestPlatform,
} from './helpers.js';

/**
 * What a merchant integration built from the spec alone sees: the spec's `data` keys and nothing
 * else, signatures it can check over the spec's fixed field list, no field re-splitting, and
 * error messages that point at the real mistake.
 */

// The spec's "Data result set description" of micropay and queryBill, written out here rather
// than taken from the code, so the code cannot move the goalposts.
const SPEC_DATA_KEYS = [
  'merchantOrderId', 'wavpayOrderId', 'mchId', 'merchantName', 'tradeTime', 'payTime',
  'paySence', 'tradeStatus', 'amount', 'goodsInfo', 'timestamp', 'secureHash',
];

/**
 * The spec's Java sample, as a merchant would port it: a map built from the spec's fixed field
 * list (not from whatever keys arrived), nulls dropped, names sorted, values joined with "|",
 * then "|" and the key, SHA-256, upper-case hex.
 */
function specSignature(data: Record<string, unknown>, key: string): string {
  const params = new Map<string, string>();
  for (const name of SPEC_DATA_KEYS) {
    if (name === 'secureHash') continue;
    const value = data[name];
    if (value !== null && value !== undefined) params.set(name, String(value));
  }
  const names = [...params.keys()].sort();
  const content = names.map((name) => params.get(name)!).join('|');
  return createHash('sha256').update(`${content}|${key}`, 'utf8').digest('hex').toUpperCase();
}

function expectSpecData(data: Record<string, unknown> | null, key: string): void {
  expect(data).not.toBeNull();
  expect(Object.keys(data!).sort()).toEqual([...SPEC_DATA_KEYS].sort());
  expect(data!.secureHash).toBe(specSignature(data!, key));
}

let p: TestPlatform;
let m: TestMerchant;

beforeEach(async () => {
  p = await startTestPlatform({ MICROPAY_CONFIRM_LIMIT: '250.00' });
  m = await createMerchant(p);
});
afterEach(async () => {
  await p.stop();
});

const queryBill = (mchOrderId: string) => postSigned(p.url, 'queryBill', { mchId: m.mchId, mchOrderId }, m.key);
const balanceOf = async (walletId: string) => (await p.store.findWallet(walletId))!.balanceSen;

describe("micropay and queryBill answer exactly the spec's data keys", () => {
  it('a paid order, its repeat and queryBill verify over the spec\'s fixed field list', async () => {
    const w = await createWalletWithCode(p, 100_00);
    const params = micropayParams(m, 'spec-paid', '12.50', w.payCode);
    const paid = await postSigned(p.url, 'micropay', params, m.key);
    expect(paid.body.code).toBe(0);
    expectSpecData(paid.body.data as unknown as Record<string, unknown>, m.key);
    const repeat = await postSigned(p.url, 'micropay', params, m.key);
    expect(repeat.body.code).toBe(1023);
    expectSpecData(repeat.body.data as unknown as Record<string, unknown>, m.key);
    const q = await queryBill('spec-paid');
    expect(q.body.code).toBe(0);
    expectSpecData(q.body.data as unknown as Record<string, unknown>, m.key);
  });

  it('after a partial and a full refund queryBill still carries only the spec\'s keys', async () => {
    const w = await createWalletWithCode(p, 100_00);
    expect((await postSigned(p.url, 'micropay', micropayParams(m, 'spec-ref', '10.00', w.payCode), m.key)).body.code).toBe(0);
    const refund = (mchRefundId: string, refundAmount: string) =>
      postSigned(p.url, 'refund', { mchId: m.mchId, mchOrderId: 'spec-ref', mchRefundId, refundAmount }, m.key);
    expect((await refund('spec-ref-1', '4.00')).body.code).toBe(0);
    let q = await queryBill('spec-ref');
    expect(q.body.data).toMatchObject({ tradeStatus: 'PAID' });
    expectSpecData(q.body.data as unknown as Record<string, unknown>, m.key);
    expect((await refund('spec-ref-2', '6.00')).body.code).toBe(0);
    q = await queryBill('spec-ref');
    expect(q.body.data).toMatchObject({ tradeStatus: 'REFUNDED' });
    expectSpecData(q.body.data as unknown as Record<string, unknown>, m.key);
  });

  it('failed (1028), pending (1024) and duplicate (1032) answers carry the spec\'s keys too', async () => {
    const poor = await createWalletWithCode(p, 1_00);
    const failed = await postSigned(p.url, 'micropay', micropayParams(m, 'spec-poor', '5.00', poor.payCode), m.key);
    expect(failed.body.code).toBe(1028);
    expectSpecData(failed.body.data as unknown as Record<string, unknown>, m.key);
    const rich = await createWalletWithCode(p, 1_000_00);
    const pending = await postSigned(p.url, 'micropay', micropayParams(m, 'spec-big', '300.00', rich.payCode), m.key);
    expect(pending.body.code).toBe(1024);
    expectSpecData(pending.body.data as unknown as Record<string, unknown>, m.key);
    const duplicate = await postSigned(p.url, 'micropay', micropayParams(m, 'spec-big', '301.00', rich.payCode), m.key);
    expect(duplicate.body.code).toBe(1032);
    expectSpecData(duplicate.body.data as unknown as Record<string, unknown>, m.key);
  });

  it('the refund total is told by queryOrderRefunds (extension), signed', async () => {
    const w = await createWalletWithCode(p, 100_00);
    await postSigned(p.url, 'micropay', micropayParams(m, 'tot-1', '10.00', w.payCode), m.key);
    const before = await postSigned(p.url, 'queryOrderRefunds', { mchId: m.mchId, mchOrderId: 'tot-1' }, m.key);
    expect(before.body.code).toBe(0);
    const wavpayOrderId = (await queryBill('tot-1')).body.data!.wavpayOrderId;
    expect(before.body.data).toEqual({
      merchantOrderId: 'tot-1', wavpayOrderId, mchId: m.mchId, tradeStatus: 'PAID', amount: '10.00', refundAmount: '0.00',
      timestamp: expect.stringMatching(/^\d{13}$/), secureHash: expect.stringMatching(/^[0-9A-F]{64}$/),
    });
    await postSigned(p.url, 'refund', { mchId: m.mchId, mchOrderId: 'tot-1', mchRefundId: 'tot-r', refundAmount: '2.50' }, m.key);
    const after = await postSigned(p.url, 'queryOrderRefunds', { mchId: m.mchId, mchOrderId: 'tot-1' }, m.key);
    expect(after.body.data).toMatchObject({ tradeStatus: 'PAID', amount: '10.00', refundAmount: '2.50' });
    expect(verify(after.body.data as unknown as SignableParams, m.key)).toBe(true);
    expect(verify({ ...after.body.data, refundAmount: '0.00' } as unknown as SignableParams, m.key)).toBe(false);
    const none = await postSigned(p.url, 'queryOrderRefunds', { mchId: m.mchId, mchOrderId: 'tot-never' }, m.key);
    expect(none.body).toEqual({ code: 1031, msg: 'no merchant related records: no such order for this merchant', data: null });
  });
});

describe('a "|" in a signed value is refused (1021): the fields cannot be re-split under one secureHash', () => {
  it('the re-split attack: discount "0.50" + goodsInfo "Nasi lemak" resent as goodsInfo "0.50|Nasi lemak" charges nothing', async () => {
    const w = await createWalletWithCode(p, 100_00);
    const signed: Record<string, string> = {
      mchId: m.mchId, mchOrderId: 'split-1', amount: '12.50', goodsInfo: 'Nasi lemak', discount: '0.50', point: '',
      payCode: w.payCode, timestamp: String(Date.now()),
    };
    signed.secureHash = sign(signed, m.key);
    const forged: Record<string, string> = { ...signed, goodsInfo: '0.50|Nasi lemak' };
    delete forged.discount;
    // The forgery carries a valid signature: only the field rule stands in its way.
    expect(verify(forged, m.key)).toBe(true);
    const res = await postRaw(p.url, '/api/micropay/micropay', forged);
    expect(res.status).toBe(200);
    expect(res.body).toEqual({
      code: 1021,
      msg: 'param error: goodsInfo must not contain "|": values are joined with "|" to be signed, so a "|" would let the signed fields be re-split',
      data: null,
    });
    expect(await balanceOf(w.walletId)).toBe(100_00);
    expect(await p.store.findOrder(m.mchId, 'split-1')).toBeNull();
    // The genuine request still pays.
    expect((await postRaw(p.url, '/api/micropay/micropay', signed)).body.code).toBe(0);
  });

  const cases: [string, string][] = [
    ['micropay', 'mchId'],
    ['micropay', 'mchOrderId'],
    ['micropay', 'amount'],
    ['micropay', 'goodsInfo'],
    ['micropay', 'discount'],
    ['micropay', 'point'],
    ['micropay', 'payCode'],
    ['micropay', 'timestamp'],
    ['queryBill', 'mchOrderId'],
    ['closeBill', 'mchOrderId'],
    ['queryOrderRefunds', 'mchOrderId'],
    ['refund', 'mchOrderId'],
    ['refund', 'mchRefundId'],
    ['refund', 'refundAmount'],
    ['refund', 'reason'],
    ['queryRefund', 'mchRefundId'],
    ['downloadBill', 'billDate'],
  ];
  const valid: Record<string, Record<string, string>> = {
    micropay: { mchOrderId: 'pipe-1', amount: '1.00', goodsInfo: 'Tea', discount: '0.10', point: '5', payCode: '395865319883277944' },
    queryBill: { mchOrderId: 'pipe-1' },
    closeBill: { mchOrderId: 'pipe-1', operation: 'CLOSE' },
    queryOrderRefunds: { mchOrderId: 'pipe-1' },
    refund: { mchOrderId: 'pipe-1', mchRefundId: 'pipe-r', refundAmount: '1.00', reason: 'returned' },
    queryRefund: { mchRefundId: 'pipe-r' },
    downloadBill: { billDate: '2026-01-02' },
  };
  for (const [endpoint, field] of cases) {
    it(`${endpoint}: ${field} with a "|" answers 1021 naming ${field}`, async () => {
      const body: Record<string, string> = { mchId: m.mchId, timestamp: String(Date.now()), ...valid[endpoint] };
      body[field] = `${body[field]!.slice(0, 2)}|${body[field]!.slice(2)}`;
      body.secureHash = sign(body, m.key);
      const res = await postRaw(p.url, `/api/micropay/${endpoint}`, body);
      expect(res.body).toEqual({ code: 1021, msg: `param error: ${field} must not contain "|": values are joined with "|" to be signed, so a "|" would let the signed fields be re-split`, data: null });
    });
  }
});

describe("a signed request cannot be sent to another endpoint (the signature covers values, not names or the path)", () => {
  /** A signed request's exact bytes, as anyone who saw them could send them again. */
  function captured(fields: Record<string, string>): Record<string, string> {
    const body = { mchId: m.mchId, ...fields, timestamp: String(Date.now()) };
    return { ...body, secureHash: sign(body, m.key) };
  }

  it("a captured queryBill, queryOrderRefunds or renamed queryRefund sent as closeBill closes nothing: 1021 naming operation", async () => {
    const w = await createWalletWithCode(p, 500_00);
    // 300.00 is above the confirmation limit: PENDING while the customer is asked.
    expect((await postSigned(p.url, 'micropay', micropayParams(m, 'big-1', '300.00', w.payCode), m.key)).body.code).toBe(1024);
    const refused = { code: 1021, msg: 'param error: operation must be "CLOSE", signed with the other fields, so that no signed query can be sent as a close (a client older than this rule does not send it: update it)', data: null };
    const query = captured({ mchOrderId: 'big-1' });
    expect((await postRaw(p.url, '/api/micropay/queryBill', query)).body.data?.tradeStatus).toBe('PENDING');
    expect((await postRaw(p.url, '/api/micropay/closeBill', query)).body).toEqual(refused);
    expect((await postRaw(p.url, '/api/micropay/closeBill', { ...query, operation: 'CLOSE' })).body.code).toBe(1035);
    // queryRefund's one field renamed: the same values in the same order, so the same signature.
    const { mchRefundId, ...rest } = captured({ mchRefundId: 'never-used-1' });
    expect((await postRaw(p.url, '/api/micropay/closeBill', { ...rest, mchOrderId: mchRefundId! })).body).toEqual(refused);
    expect((await p.store.findOrder(m.mchId, 'big-1'))?.status).toBe('PENDING');
    // The id the renamed request named was not closed: a payment under it goes through.
    const other = await createWalletWithCode(p, 10_00, 'Other');
    expect((await postSigned(p.url, 'micropay', micropayParams(m, 'never-used-1', '1.00', other.payCode), m.key)).body.code).toBe(0);
    // The merchant's own close, signed with operation, closes it.
    const closed = await postSigned(p.url, 'closeBill', { mchId: m.mchId, mchOrderId: 'big-1', operation: 'CLOSE' }, m.key);
    expect([closed.body.code, closed.body.data?.tradeStatus]).toEqual([0, 'FAILED']);
  });

  it("a captured micropay renamed to a refund's fields is refused before any refund", async () => {
    const w = await createWalletWithCode(p, 10_00);
    const paid = captured({ mchOrderId: 'pay-1', amount: '1.00', goodsInfo: 'Tea', payCode: w.payCode });
    expect((await postRaw(p.url, '/api/micropay/micropay', paid)).body.code).toBe(0);
    // Sorted names: amount goodsInfo mchId mchOrderId payCode timestamp; a refund's with a reason:
    // mchId mchOrderId mchRefundId reason refundAmount timestamp. Its mchId would be "1.00".
    const renamed = { mchId: paid.amount!, mchOrderId: paid.goodsInfo!, mchRefundId: paid.mchId!, reason: paid.mchOrderId!, refundAmount: paid.payCode!, timestamp: paid.timestamp!, secureHash: paid.secureHash! };
    expect((await postRaw(p.url, '/api/micropay/refund', renamed)).body.code).toBe(1021);
    expect((await p.store.findOrder(m.mchId, 'pay-1'))?.refundedSen).toBe(0);
  });
});

describe('errors that point at the real mistake', () => {
  it('an 18-digit payCode sent as a JSON number answers 1021 naming payCode (not 1035), and charges nothing', async () => {
    const w = await createWalletWithCode(p, 100_00);
    // Signed over the digits as the merchant meant them, sent as a number that JSON rounds.
    const params: Record<string, string> = { ...micropayParams(m, 'num-1', '1.00', w.payCode), timestamp: String(Date.now()) };
    const secureHash = sign(params, m.key);
    const text = JSON.stringify({ ...params, secureHash }).replace(`"payCode":"${w.payCode}"`, `"payCode":${w.payCode}`);
    expect(text).toContain(`"payCode":${w.payCode},`);
    const res = await postRaw(p.url, '/api/micropay/micropay', text);
    expect(res.body).toEqual({
      code: 1021,
      msg: 'param error: payCode must be sent as a JSON string: as a JSON number it has too many digits to arrive unchanged',
      data: null,
    });
    expect(await balanceOf(w.walletId)).toBe(100_00);
  });

  it('a negative amount says it must be greater than 0; an amount above the maximum names the maximum', async () => {
    const w = await createWalletWithCode(p, 100_00);
    const pay = (amount: string) => postSigned(p.url, 'micropay', micropayParams(m, 'amt-1', amount, w.payCode), m.key);
    expect((await pay('-1')).body.msg).toBe('param error: amount must be greater than 0');
    expect((await pay('-1.50')).body.msg).toBe('param error: amount must be greater than 0');
    expect((await pay('50000.01')).body.msg).toBe('param error: amount must not exceed the platform maximum of 50000.00');
    const refund = (refundAmount: string) =>
      postSigned(p.url, 'refund', { mchId: m.mchId, mchOrderId: 'amt-1', mchRefundId: 'amt-r', refundAmount }, m.key);
    expect((await refund('-1.00')).body).toEqual({ code: 1021, msg: 'param error: refundAmount must be greater than 0', data: null });
    expect((await refund('50000.01')).body.msg).toBe('param error: refundAmount must not exceed the platform maximum of 50000.00');
    expect(await balanceOf(w.walletId)).toBe(100_00);
  });

  it('a timestamp in seconds gets the hint that milliseconds are expected', async () => {
    const w = await createWalletWithCode(p, 100_00);
    const seconds = String(Math.floor(Date.now() / 1000));
    const res = await postSigned(p.url, 'micropay', { ...micropayParams(m, 'ts-1', '1.00', w.payCode), timestamp: seconds }, m.key);
    expect(res.body).toEqual({
      code: 1021,
      msg: 'param error: timestamp is more than 300 s away from the server clock; it looks like seconds, but it must be milliseconds since the epoch (13 digits)',
      data: null,
    });
    // A millisecond timestamp that is merely stale gets no such hint.
    const stale = await postSigned(p.url, 'queryBill', { mchId: m.mchId, mchOrderId: 'ts-1', timestamp: String(Date.now() - 600_000) }, m.key);
    expect(stale.body.msg).toBe('param error: timestamp is more than 300 s away from the server clock');
  });

  describe('wallet API: confirming a payment', () => {
    async function pendingPayment(pin: string | null) {
      const token = newWalletToken();
      const wallet = await p.store.createWallet({
        name: 'Alice', openingSen: 1_000_00, tokenHash: hashWalletToken(token), ...(pin === null ? {} : { pinHash: await hashPin(pin) }),
      });
      const code = await p.store.issuePayCode(wallet.walletId, 60_000);
      if (typeof code === 'string') throw new Error(code);
      const res = await postSigned(p.url, 'micropay', micropayParams(m, `pin-${wallet.walletId}`, '300.00', code.code), m.key);
      expect(res.body.code).toBe(1024);
      const confirm = (body: Record<string, unknown>) =>
        postRaw(p.url, '/api/wallet/confirm', { wavpayOrderId: res.body.data!.wavpayOrderId, ...body }, { Authorization: `Bearer ${token}` });
      return { walletId: wallet.walletId, confirm };
    }

    it('without pin answers 1021 and uses no PIN try; a malformed pin neither', async () => {
      const w = await pendingPayment('123456');
      for (let i = 0; i < 6; i++) {
        expect((await w.confirm({})).body).toEqual({ code: 1021, msg: 'param error: pin is required: this wallet confirms payments with its PIN', data: null });
        expect((await w.confirm({ pin: '' })).body.code).toBe(1021);
        expect((await w.confirm({ pin: 'abc' })).body).toEqual({ code: 1021, msg: 'param error: pin must be 4 to 6 digits', data: null });
      }
      expect((await p.store.findWallet(w.walletId))!.pinFailures).toBe(0);
      // The first real guess is still the first of five.
      expect((await w.confirm({ pin: '000000' })).body).toEqual({ code: 9003, msg: 'wrong PIN: 4 tries left', data: null });
      expect((await w.confirm({ pin: '123456' })).body.code).toBe(0);
    });

    it('the last try before the lock reads "1 try left"', async () => {
      const w = await pendingPayment('123456');
      const msgs: string[] = [];
      for (let i = 0; i < 4; i++) msgs.push((await w.confirm({ pin: '000000' })).body.msg);
      expect(msgs).toEqual(['wrong PIN: 4 tries left', 'wrong PIN: 3 tries left', 'wrong PIN: 2 tries left', 'wrong PIN: 1 try left']);
    });

    it('a wallet without a PIN still confirms with its token alone', async () => {
      const w = await pendingPayment(null);
      expect((await w.confirm({})).body.code).toBe(0);
    });
  });
});
