import { connect } from 'node:net';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { sign, verify, type SignableParams } from '@micropay/protocol';
import { createLogger } from '../src/log.js';
import { openStore, startPlatform } from '../src/platform.js';
import { MERCHANT_CACHE_TTL_MS } from '../src/store/merchant-cache.js';
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
import { runCli } from './process-helpers.js';

let p: TestPlatform;
let m: TestMerchant;

beforeEach(async () => {
  p = await startTestPlatform();
  m = await createMerchant(p);
});
afterEach(async () => {
  await p.stop();
});

async function balanceOf(walletId: string): Promise<number> {
  return (await p.store.findWallet(walletId))!.balanceSen;
}

describe('a body that reads two ways', () => {
  /** A micropay body signed for 1.00, its text edited after signing: `edit` gets the JSON text. */
  function signedText(payCode: string, order: string, edit: (json: string) => string): string {
    const params: SignableParams = { ...micropayParams(m, order, '1.00', payCode), timestamp: String(Date.now()) };
    return edit(JSON.stringify({ ...params, secureHash: sign(params, m.key) }));
  }

  it('a name given twice is 9105, though the last value is the one signed; nothing is paid', async () => {
    const w = await createWalletWithCode(p, 100_00);
    const body = signedText(w.payCode, 'dup-1', (json) => json.replace('"amount":"1.00"', '"amount":"9.00","amount":"1.00"'));
    const res = await postRaw(p.url, '/api/micropay/micropay', body);
    expect([res.status, res.body.code, res.body.msg]).toEqual([400, 9105, 'malformed JSON: the body must be one JSON object, each name in it once']);
    expect(await balanceOf(w.walletId)).toBe(100_00);
    expect((await postSigned(p.url, 'queryBill', { mchId: m.mchId, mchOrderId: 'dup-1' }, m.key)).body.code).toBe(1031);
  });

  it('a lone surrogate escape in a text is 9105; a pair (one character) pays', async () => {
    const w = await createWalletWithCode(p, 100_00);
    const lone = signedText(w.payCode, 'sur-1', (json) => json.replace('"goodsInfo":"test"', '"goodsInfo":"a\\ud800b"'));
    const refused = await postRaw(p.url, '/api/micropay/micropay', lone);
    expect([refused.status, refused.body.code]).toEqual([400, 9105]);
    expect(refused.body.msg).toContain('not well-formed Unicode');
    expect(await balanceOf(w.walletId)).toBe(100_00);
    const params: SignableParams = { ...micropayParams(m, 'sur-2', '1.00', w.payCode), goodsInfo: 'tea \ud83c\udf75', timestamp: String(Date.now()) };
    const paired = JSON.stringify({ ...params, secureHash: sign(params, m.key) }).replace('\ud83c\udf75', '\\ud83c\\udf75');
    expect(paired).toContain('\\ud83c\\udf75');
    const paid = await postRaw(p.url, '/api/micropay/micropay', paired);
    expect([paid.body.code, (paid.body.data as { goodsInfo: string }).goodsInfo]).toEqual([0, 'tea \ud83c\udf75']);
  });
});

describe('POST /api/micropay/micropay', () => {
  it('pays: moves the money and answers code 0 with data shaped exactly as the spec', async () => {
    const w = await createWalletWithCode(p, 100_00);
    const before = Date.now();
    const res = await postSigned(p.url, 'micropay', micropayParams(m, '333333333333', '1.00', w.payCode), m.key);

    expect(res.status).toBe(200);
    expect(res.text.startsWith('{"code":0,"msg":"success","data":{')).toBe(true);
    const data = res.body.data!;
    expect(Object.keys(data)).toEqual([
      'merchantOrderId', 'wavpayOrderId', 'mchId', 'merchantName', 'tradeTime', 'payTime', 'paySence',
      'tradeStatus', 'amount', 'goodsInfo', 'timestamp', 'secureHash',
    ]);
    expect(data).toMatchObject({
      merchantOrderId: '333333333333',
      mchId: m.mchId,
      merchantName: 'LPR Parking System',
      paySence: 'MICROPAY',
      tradeStatus: 'PAID',
      amount: '1.00',
      goodsInfo: 'test',
    });
    expect(data.wavpayOrderId).toMatch(/^4\d{21}$/);
    expect(data.tradeTime).toMatch(/^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d$/);
    expect(data.payTime).toBe(data.tradeTime);
    // yyyyMMddHHmmss inside the order id is the trade time in the platform's zone.
    expect(data.wavpayOrderId.slice(1, 15)).toBe(data.tradeTime.replace(/[- :]/g, ''));
    expect(Number(data.timestamp)).toBeGreaterThanOrEqual(before);
    expect(verify(data as unknown as SignableParams, m.key)).toBe(true);

    expect(await balanceOf(w.walletId)).toBe(99_00);
    expect((await p.store.audit()).ok).toBe(true);
  });

  it('formats times in MICROPAY_TIMEZONE', async () => {
    await p.stop();
    p = await startTestPlatform({ MICROPAY_TIMEZONE: 'UTC' });
    m = await createMerchant(p);
    const w = await createWalletWithCode(p, 100_00);
    const sentAt = Date.now();
    const res = await postSigned(p.url, 'micropay', micropayParams(m, 'tz-1', '1.00', w.payCode), m.key);
    const answeredAt = Date.now();
    // Read as UTC, the trade time (whole seconds) falls between the request and its answer.
    const tradeTimeMs = Date.parse(`${res.body.data!.tradeTime.replace(' ', 'T')}Z`);
    expect(tradeTimeMs).toBeGreaterThanOrEqual(Math.floor(sentAt / 1000) * 1000);
    expect(tradeTimeMs).toBeLessThanOrEqual(answeredAt);
  });

  it('answers amounts with two places and accepts one-place and whole amounts', async () => {
    for (const [amount, wire] of [['2', '2.00'], ['2.5', '2.50'], ['0.01', '0.01']] as const) {
      const w = await createWalletWithCode(p, 100_00);
      const res = await postSigned(p.url, 'micropay', micropayParams(m, `amt-${wire.replace(".", "_")}`, amount, w.payCode), m.key);
      expect(res.body.code).toBe(0);
      expect(res.body.data!.amount).toBe(wire);
    }
  });

  it('insufficient balance answers 1028, records the order FAILED with the signed order, and moves nothing', async () => {
    const w = await createWalletWithCode(p, 5_00);
    const res = await postSigned(p.url, 'micropay', micropayParams(m, 'poor-1', '5.01', w.payCode), m.key);
    expect(res.body.code).toBe(1028);
    expect(res.body.msg).toBe('insufficient balance');
    expect(res.body.data).toMatchObject({ merchantOrderId: 'poor-1', tradeStatus: 'FAILED', payTime: null, amount: '5.01' });
    expect(verify(res.body.data as unknown as SignableParams, m.key)).toBe(true);
    expect(await balanceOf(w.walletId)).toBe(5_00);

    const q = await postSigned(p.url, 'queryBill', { mchId: m.mchId, mchOrderId: 'poor-1' }, m.key);
    expect(q.body.code).toBe(0);
    expect(q.body.data!.tradeStatus).toBe('FAILED');

    // The code was not used up: the customer can pay a smaller amount with it.
    const ok = await postSigned(p.url, 'micropay', micropayParams(m, 'poor-2', '5.00', w.payCode), m.key);
    expect(ok.body.code).toBe(0);
    expect(await balanceOf(w.walletId)).toBe(0);
  });

  it('a frozen wallet answers 9001 and records the order FAILED', async () => {
    const w = await createWalletWithCode(p, 50_00);
    await p.store.setWalletStatus(w.walletId, 'frozen');
    const res = await postSigned(p.url, 'micropay', micropayParams(m, 'frozen-1', '1.00', w.payCode), m.key);
    expect(res.body.code).toBe(9001);
    expect(res.body.data!.tradeStatus).toBe('FAILED');
    expect(await balanceOf(w.walletId)).toBe(50_00);
  });

  describe('a repeated mchOrderId never moves money twice', () => {
    it('the same request again answers 1023 with the same signed order', async () => {
      const w = await createWalletWithCode(p, 10_00);
      const params = micropayParams(m, 'rep-1', '3.00', w.payCode);
      const first = await postSigned(p.url, 'micropay', params, m.key);
      const again = await postSigned(p.url, 'micropay', params, m.key);
      expect(first.body.code).toBe(0);
      expect(again.body.code).toBe(1023);
      expect(again.body.msg).toBe('merchant order paid');
      expect(again.body.data!.wavpayOrderId).toBe(first.body.data!.wavpayOrderId);
      expect(again.body.data!.tradeStatus).toBe('PAID');
      expect(verify(again.body.data as unknown as SignableParams, m.key)).toBe(true);
      expect(await balanceOf(w.walletId)).toBe(7_00);
    });

    it('the same request after a FAILED order answers 1025', async () => {
      const w = await createWalletWithCode(p, 1_00);
      const params = micropayParams(m, 'rep-2', '3.00', w.payCode);
      expect((await postSigned(p.url, 'micropay', params, m.key)).body.code).toBe(1028);
      const again = await postSigned(p.url, 'micropay', params, m.key);
      expect(again.body.code).toBe(1025);
      expect(again.body.data!.tradeStatus).toBe('FAILED');
    });

    it('different parameters under a used order id answer 1032 with the existing order', async () => {
      const w = await createWalletWithCode(p, 10_00);
      await postSigned(p.url, 'micropay', micropayParams(m, 'rep-3', '3.00', w.payCode), m.key);
      const other = await createWalletWithCode(p, 10_00, 'Bob');
      for (const params of [
        micropayParams(m, 'rep-3', '4.00', w.payCode),
        micropayParams(m, 'rep-3', '3.00', other.payCode),
        { ...micropayParams(m, 'rep-3', '3.00', w.payCode), goodsInfo: 'other' },
        { ...micropayParams(m, 'rep-3', '3.00', w.payCode), point: '5' },
      ]) {
        const res = await postSigned(p.url, 'micropay', params, m.key);
        expect(res.body.code).toBe(1032);
        expect(res.body.msg).toBe('duplicate merchant order number: this mchOrderId is already used for a payment with another amount, payCode, goodsInfo, discount or point; data is that order');
        expect(res.body.data).toMatchObject({ merchantOrderId: 'rep-3', amount: '3.00', tradeStatus: 'PAID' });
      }
      expect(await balanceOf(w.walletId)).toBe(7_00);
      expect(await balanceOf(other.walletId)).toBe(10_00);
    });

    it('the same amount written differently ("3" and "3.00") is the same request', async () => {
      const w = await createWalletWithCode(p, 10_00);
      await postSigned(p.url, 'micropay', micropayParams(m, 'rep-4', '3.00', w.payCode), m.key);
      const again = await postSigned(p.url, 'micropay', micropayParams(m, 'rep-4', '3', w.payCode), m.key);
      expect(again.body.code).toBe(1023);
    });

    it('order ids are per merchant: another merchant may use the same mchOrderId', async () => {
      const other = await createMerchant(p, 'Campus Canteen');
      const w1 = await createWalletWithCode(p, 10_00);
      const w2 = await createWalletWithCode(p, 10_00, 'Bob');
      expect((await postSigned(p.url, 'micropay', micropayParams(m, 'same', '1.00', w1.payCode), m.key)).body.code).toBe(0);
      expect((await postSigned(p.url, 'micropay', micropayParams(other, 'same', '1.00', w2.payCode), other.key)).body.code).toBe(0);
    });
  });

  describe('payment codes', () => {
    it('a used code answers 1036', async () => {
      const w = await createWalletWithCode(p, 10_00);
      await postSigned(p.url, 'micropay', micropayParams(m, 'c-1', '1.00', w.payCode), m.key);
      const res = await postSigned(p.url, 'micropay', micropayParams(m, 'c-2', '1.00', w.payCode), m.key);
      expect(res.body).toEqual({ code: 1036, msg: 'QR code expired', data: null });
      expect(await p.store.findOrder(m.mchId, 'c-2')).toBeNull();
    });

    it('a code replaced by a newer one answers 1036, and the newer one pays', async () => {
      const w = await createWalletWithCode(p, 10_00);
      const newer = await p.store.issuePayCode(w.walletId, 60_000);
      expect((await postSigned(p.url, 'micropay', micropayParams(m, 'c-3', '1.00', w.payCode), m.key)).body.code).toBe(1036);
      const code = typeof newer === 'string' ? '' : newer.code;
      expect((await postSigned(p.url, 'micropay', micropayParams(m, 'c-3', '1.00', code), m.key)).body.code).toBe(0);
    });

    it('an expired code answers 1036 and the same order id can then be paid with a fresh code', async () => {
      await p.stop();
      p = await startTestPlatform({ MICROPAY_PAYCODE_TTL_S: '1' });
      m = await createMerchant(p);
      const w = await createWalletWithCode(p, 10_00);
      await new Promise((r) => setTimeout(r, 1_100));
      expect((await postSigned(p.url, 'micropay', micropayParams(m, 'c-4', '1.00', w.payCode), m.key)).body.code).toBe(1036);
      const fresh = await p.store.issuePayCode(w.walletId, 60_000);
      const code = typeof fresh === 'string' ? '' : fresh.code;
      expect((await postSigned(p.url, 'micropay', micropayParams(m, 'c-4', '1.00', code), m.key)).body.code).toBe(0);
    });

    it('a well-formed code that no wallet issued answers 1040', async () => {
      const res = await postSigned(p.url, 'micropay', micropayParams(m, 'c-5', '1.00', '391234567890123456'), m.key);
      expect(res.body).toEqual({ code: 1040, msg: 'app user does not exist', data: null });
    });

    it('codes are 18 digits starting with 39', async () => {
      const w = await createWalletWithCode(p, 0);
      expect(w.payCode).toMatch(/^39\d{16}$/);
    });
  });

  describe('merchant and signature', () => {
    it('a bad signature answers 1035 and moves nothing', async () => {
      const w = await createWalletWithCode(p, 10_00);
      const res = await postSigned(p.url, 'micropay', micropayParams(m, 's-1', '1.00', w.payCode), 'wrong-key');
      expect(res.body.code).toBe(1035);
      expect(res.body.data).toBeNull();
      expect(await balanceOf(w.walletId)).toBe(10_00);
    });

    it('a request altered after signing answers 1035', async () => {
      const w = await createWalletWithCode(p, 10_00);
      const body: Record<string, string> = { ...micropayParams(m, 's-2', '1.00', w.payCode), timestamp: String(Date.now()) };
      body.secureHash = sign(body, m.key);
      const res = await postRaw(p.url, '/api/micropay/micropay', { ...body, amount: '9.00' });
      expect(res.body.code).toBe(1035);
    });

    it('a missing secureHash answers 1035', async () => {
      const w = await createWalletWithCode(p, 10_00);
      const res = await postRaw(p.url, '/api/micropay/micropay', { ...micropayParams(m, 's-3', '1.00', w.payCode), timestamp: String(Date.now()) });
      expect(res.body).toEqual({ code: 1035, msg: 'signature error: secureHash is required', data: null });
    });

    it('a secureHash that is not a string answers 1035 saying so', async () => {
      const w = await createWalletWithCode(p, 10_00);
      for (const secureHash of [12345, ['a'], { a: 1 }, true]) {
        const res = await postRaw(p.url, '/api/micropay/micropay', { ...micropayParams(m, 's-3', '1.00', w.payCode), timestamp: String(Date.now()), secureHash });
        expect(res.body).toEqual({ code: 1035, msg: 'signature error: secureHash must be a string of 64 hex digits', data: null });
      }
    });

    it('an unknown merchant answers 1031', async () => {
      const res = await postSigned(p.url, 'micropay', micropayParams({ ...m, mchId: '999999999' }, 's-4', '1.00', '391234567890123456'), m.key);
      expect(res.body.code).toBe(1031);
    });

    it('a disabled merchant answers 1022', async () => {
      const w = await createWalletWithCode(p, 10_00);
      await p.store.setMerchantStatus(m.mchId, 'disabled');
      const res = await postSigned(p.url, 'micropay', micropayParams(m, 's-5', '1.00', w.payCode), m.key);
      expect(res.body).toEqual({ code: 1022, msg: 'merchant locked', data: null });
      expect(await balanceOf(w.walletId)).toBe(10_00);
    });

    it('a merchant disabled by another process (the CLI) is refused at once, though this server knew it active', async () => {
      // The server keeps an active merchant for MERCHANT_CACHE_TTL_MS after authenticating it. The
      // proof counts only when the refused payment was answered within that time of the paid one
      // (so the server still knew the merchant active): on a slow machine it runs again.
      for (let attempt = 1; ; attempt++) {
        const merchant = await createMerchant(p, `Shop ${attempt}`);
        const w1 = await createWalletWithCode(p, 10_00);
        const w2 = await createWalletWithCode(p, 10_00);
        const knownActiveFrom = Date.now();
        expect((await postSigned(p.url, 'micropay', micropayParams(merchant, 's-6', '1.00', w1.payCode), merchant.key)).body.code).toBe(0);
        const disabled = await runCli(['merchant', 'disable', merchant.mchId, '--db', p.dbPath]);
        expect({ code: disabled.code, stderr: disabled.stderr }).toEqual({ code: 0, stderr: '' });
        const res = await postSigned(p.url, 'micropay', micropayParams(merchant, 's-7', '1.00', w2.payCode), merchant.key);
        const answeredAt = Date.now();
        expect(res.body).toEqual({ code: 1022, msg: 'merchant locked', data: null });
        expect(await balanceOf(w2.walletId)).toBe(10_00);
        expect(await p.store.findOrder(merchant.mchId, 's-7')).toBeNull();
        if (answeredAt - knownActiveFrom < MERCHANT_CACHE_TTL_MS) break;
        expect(attempt, 'the CLI never finished within the time the server keeps a merchant').toBeLessThan(5);
      }
    });

    it('accepts JSON numbers for mchId and timestamp, signed as their string form', async () => {
      const w = await createWalletWithCode(p, 10_00);
      const body: Record<string, string | number> = {
        ...micropayParams(m, 'num-1', '1.00', w.payCode),
        mchId: Number(m.mchId),
        timestamp: Date.now(),
      };
      body.secureHash = sign(body, m.key);
      const res = await postRaw(p.url, '/api/micropay/micropay', body);
      expect(res.body.code).toBe(0);
    });
  });

  describe('field rules: a malformed field answers 1021 (1033 for mchOrderId) naming the field, and records nothing', () => {
    const cases: [string, Record<string, unknown>, number, RegExp][] = [
      ['mchOrderId too long', { mchOrderId: 'x'.repeat(33) }, 1033, /mchOrderId/],
      ['mchOrderId with a space', { mchOrderId: 'a b' }, 1033, /mchOrderId/],
      ['mchOrderId missing', { mchOrderId: undefined }, 1033, /mchOrderId/],
      ['mchId not digits', { mchId: 'abc' }, 1021, /mchId/],
      ['amount with three places', { amount: '1.001' }, 1021, /amount/],
      ['amount zero', { amount: '0.00' }, 1021, /amount/],
      ['amount negative', { amount: '-1.00' }, 1021, /amount/],
      ['amount above the maximum', { amount: '50000.01' }, 1021, /amount/],
      ['amount as an object', { amount: { value: 1 } }, 1021, /amount/],
      ['amount missing', { amount: undefined }, 1021, /amount/],
      ['goodsInfo empty', { goodsInfo: '' }, 1021, /goodsInfo/],
      ['goodsInfo too long', { goodsInfo: 'g'.repeat(129) }, 1021, /goodsInfo/],
      ['goodsInfo with a newline', { goodsInfo: 'a\nb' }, 1021, /goodsInfo/],
      ['discount not an amount', { discount: 'ten' }, 1021, /discount/],
      ['discount above amount', { discount: '2.00' }, 1021, /discount/],
      ['point not a whole number', { point: '1.5' }, 1021, /point/],
      ['payCode of 17 digits', { payCode: '39123456789012345' }, 1021, /payCode/],
      ['payCode with letters', { payCode: '39123456789012345a' }, 1021, /payCode/],
      ['timestamp in seconds', { timestamp: String(Math.floor(Date.now() / 1000)) }, 1021, /timestamp/],
      ['timestamp ten minutes old', { timestamp: String(Date.now() - 600_000) }, 1021, /timestamp/],
      ['timestamp ten minutes ahead', { timestamp: String(Date.now() + 600_000) }, 1021, /timestamp/],
      ['an unknown parameter', { tip: '1.00' }, 1021, /tip/],
      ['an array value', { goodsInfo: ['a'] }, 1021, /goodsInfo/],
      ['a boolean value', { point: true }, 1021, /point/],
    ];
    for (const [name, change, code, field] of cases) {
      it(name, async () => {
        const w = await createWalletWithCode(p, 100_00);
        const body: Record<string, unknown> = { ...micropayParams(m, 'f-1', '1.00', w.payCode), timestamp: String(Date.now()), ...change };
        for (const k of Object.keys(body)) if (body[k] === undefined) delete body[k];
        const signable = Object.fromEntries(Object.entries(body).filter(([, v]) => typeof v !== 'object' || v === null));
        body.secureHash = sign(signable as SignableParams, m.key);
        const res = await postRaw(p.url, '/api/micropay/micropay', body);
        expect(res.status).toBe(200);
        expect(res.body.code).toBe(code);
        expect(res.body.msg).toMatch(field);
        expect(res.body.data).toBeNull();
        expect(await balanceOf(w.walletId)).toBe(100_00);
        expect(await p.store.findOrder(m.mchId, 'f-1')).toBeNull();
      });
    }

    it('empty discount and point are accepted, as the spec example sends them; absent ones too', async () => {
      const w = await createWalletWithCode(p, 100_00);
      const { discount: _d, point: _p, ...bare } = micropayParams(m, 'f-2', '1.00', w.payCode);
      expect((await postSigned(p.url, 'micropay', bare, m.key)).body.code).toBe(0);
      const w2 = await createWalletWithCode(p, 100_00);
      const withValues = { ...micropayParams(m, 'f-3', '10.00', w2.payCode), discount: '1.50', point: '20' };
      expect((await postSigned(p.url, 'micropay', withValues, m.key)).body.code).toBe(0);
    });
  });
});

describe('POST /api/micropay/queryBill', () => {
  it('returns the paid order exactly as micropay did, freshly signed', async () => {
    const w = await createWalletWithCode(p, 10_00);
    const paid = await postSigned(p.url, 'micropay', micropayParams(m, 'q-1', '2.00', w.payCode), m.key);
    const q = await postSigned(p.url, 'queryBill', { mchId: m.mchId, mchOrderId: 'q-1' }, m.key);
    expect(q.body.code).toBe(0);
    // queryBill's data is micropay's, key for key (the spec's keys only).
    const { timestamp: _a, secureHash: _b, ...queried } = q.body.data!;
    const { timestamp: _c, secureHash: _d, ...original } = paid.body.data!;
    expect(queried).toEqual(original);
    expect(verify(q.body.data as unknown as SignableParams, m.key)).toBe(true);
  });

  it('an unknown order answers 1031', async () => {
    const q = await postSigned(p.url, 'queryBill', { mchId: m.mchId, mchOrderId: 'never' }, m.key);
    expect(q.body.code).toBe(1031);
    expect(q.body.data).toBeNull();
  });

  it("cannot read another merchant's order", async () => {
    const w = await createWalletWithCode(p, 10_00);
    await postSigned(p.url, 'micropay', micropayParams(m, 'q-2', '2.00', w.payCode), m.key);
    const other = await createMerchant(p, 'Other');
    const q = await postSigned(p.url, 'queryBill', { mchId: other.mchId, mchOrderId: 'q-2' }, other.key);
    expect(q.body.code).toBe(1031);
  });

  it('checks the signature (1035) and the fields (1033)', async () => {
    expect((await postSigned(p.url, 'queryBill', { mchId: m.mchId, mchOrderId: 'q-3' }, 'bad')).body.code).toBe(1035);
    expect((await postSigned(p.url, 'queryBill', { mchId: m.mchId, mchOrderId: 'bad id!' }, m.key)).body.code).toBe(1033);
  });
});

describe('HTTP edges answer the envelope with a 4xx, never a 5xx', () => {
  const cases: [string, () => Promise<Response>, number, number][] = [
    ['unknown path', () => fetch(`${p.url}/api/micropay/nope`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: '{}' }), 404, 9101],
    ['GET on an endpoint', () => fetch(`${p.url}/api/micropay/micropay`), 405, 9102],
    ['wrong content type', () => fetch(`${p.url}/api/micropay/micropay`, { method: 'POST', headers: { 'Content-Type': 'text/plain' }, body: '{}' }), 415, 9103],
    ['no content type', () => fetch(`${p.url}/api/micropay/micropay`, { method: 'POST', body: new Uint8Array([123, 125]) }), 415, 9103],
    ['oversized body', () => fetch(`${p.url}/api/micropay/micropay`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ goodsInfo: 'x'.repeat(20_000) }) }), 413, 9104],
    ['invalid JSON', () => fetch(`${p.url}/api/micropay/micropay`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: '{"mchId":' }), 400, 9105],
    ['a JSON array', () => fetch(`${p.url}/api/micropay/micropay`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: '[1,2]' }), 400, 9105],
    ['JSON null', () => fetch(`${p.url}/api/micropay/queryBill`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: 'null' }), 400, 9105],
    ['an empty body', () => fetch(`${p.url}/api/micropay/queryBill`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: '' }), 400, 9105],
  ];
  for (const [name, send, status, code] of cases) {
    it(name, async () => {
      const res = await send();
      expect(res.status).toBe(status);
      expect(res.headers.get('content-type')).toBe('application/json; charset=utf-8');
      const body = (await res.json()) as { code: number; msg: string; data: unknown };
      expect(body.code).toBe(code);
      expect(typeof body.msg).toBe('string');
      expect(body.data).toBeNull();
    });
  }

  /** Sends bytes as they are over a raw socket and returns what came back before the close. */
  function rawHttp(bytes: string): Promise<string> {
    const { hostname, port } = new URL(p.url);
    return new Promise((resolve, reject) => {
      const socket = connect(Number(port), hostname, () => socket.end(bytes));
      let received = '';
      socket.on('data', (chunk) => (received += chunk.toString('utf8')));
      socket.on('close', () => resolve(received));
      socket.on('error', reject);
    });
  }

  const rawCases: [string, string, string, number][] = [
    ['headers larger than Node accepts', `POST /api/micropay/micropay HTTP/1.1\r\nHost: x\r\nX-Big: ${'a'.repeat(20_000)}\r\n\r\n`, '431', 9108],
    ['a Content-Length that is not a number', 'POST /api/micropay/micropay HTTP/1.1\r\nHost: x\r\nContent-Length: abc\r\n\r\n{}', '400', 9107],
    ['a request line that is not HTTP', 'HELLO THERE\r\n\r\n', '400', 9107],
  ];
  for (const [name, bytes, status, code] of rawCases) {
    it(`${name}: ${status} with the envelope, then the connection closes`, async () => {
      const response = await rawHttp(bytes);
      const [head, body] = response.split('\r\n\r\n');
      expect(head).toMatch(new RegExp(`^HTTP/1\\.1 ${status} `));
      expect(head).toContain('Content-Type: application/json; charset=utf-8');
      expect(JSON.parse(body!)).toMatchObject({ code, data: null });
    });
  }

  it('a client that goes away in the middle of its body is not logged as a fault of ours', async () => {
    // A platform on the same store whose log lines the test reads. It gets its own connection to
    // the store, opened here: a SQLite file takes one server that opens the store itself.
    const lines: { level: string; msg: string }[] = [];
    const logger = createLogger('info', (line) => void lines.push(JSON.parse(line)));
    const logged = await startPlatform(p.config, logger, { store: await openStore(p.config) });
    try {
      const { hostname, port } = new URL(logged.url);
      const socket = connect(Number(port), hostname);
      await new Promise((r) => socket.once('connect', r));
      // The server has the request (its headers) and is reading the body when the client goes.
      const received = new Promise((r) => logged.server.once('request', r));
      socket.write('POST /api/micropay/micropay HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{"mchId":');
      await received;
      socket.destroy();
      // Whatever the server makes of it, it logs one line: wait for that line.
      await until(() => lines.some((l) => l.msg === 'request aborted by the client' || l.level === 'error'));
      expect(lines.filter((l) => l.level === 'error')).toEqual([]);
      expect(lines.map((l) => l.msg)).toContain('request aborted by the client');
      // The server is fine, and answers the next request.
      expect((await postRaw(logged.url, '/api/micropay/micropay', {})).body.code).toBe(1021);
    } finally {
      await logged.close();
    }
  });

  it('an empty JSON object answers 1021 naming the first missing field', async () => {
    const res = await postRaw(p.url, '/api/micropay/micropay', {});
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ code: 1021, msg: 'param error: mchId is required', data: null });
  });

  it('accepts application/json with a charset', async () => {
    const res = await fetch(`${p.url}/api/micropay/queryBill`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json; charset=UTF-8' },
      body: '{}',
    });
    expect(res.status).toBe(200);
  });
});

/** Waits until `done` holds, checking every 10 ms; fails after `timeoutMs`. */
async function until(done: () => boolean, timeoutMs = 5_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!done()) {
    if (Date.now() > deadline) throw new Error(`still not the case after ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 10));
  }
}
