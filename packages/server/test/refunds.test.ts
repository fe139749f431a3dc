import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  sign,
  verify,
  type Envelope,
  type OrderRefundsData,
  type RefundCommand,
  type RefundData,
  type SignableParams,
} from '@micropay/protocol';
import { journalEntry, merchantAccount, PLATFORM_FLOAT } from '../src/domain/ledger.js';
import { assertRefundTransition, assertTransition } from '../src/domain/order-state.js';
import { decideRefundFinish } from '../src/domain/refund.js';
import type { Platform } from '../src/platform.js';
import { accountBalanceSen, book, execute, sql } from './db-access.js';
import {
  createMerchant,
  givePayoutAccount,
  createWalletWithCode,
  ManualClock,
  micropayParams,
  postRaw,
  postSigned,
  startTestPlatform,
  type TestMerchant,
  type TestPlatform,
} from './helpers.js';

let p: TestPlatform;
let m: TestMerchant;

beforeEach(async () => {
  p = await startTestPlatform();
  m = await createMerchant(p);
});
afterEach(async () => {
  // Whatever a test did, the ledger's invariants (refund checks included) still hold.
  const report = await p.store.audit();
  await p.stop();
  expect(report.checks.filter((c) => c.violations.length > 0)).toEqual([]);
});

const REFUND_KEYS = [
  'merchantOrderId', 'wavpayOrderId', 'mchId', 'merchantRefundId', 'refundId', 'refundAmount', 'refundStatus',
  'refundTime', 'failReason', 'reason', 'timestamp', 'secureHash',
];

function merchantBalance(mchId = m.mchId, platform: Platform = p): Promise<number> {
  return accountBalanceSen(platform.store, merchantAccount(mchId));
}

async function walletBalance(walletId: string, platform: Platform = p): Promise<number> {
  return (await platform.store.findWallet(walletId))!.balanceSen;
}

/** A wallet with `balanceSen` pays `amount` under `mchOrderId`. */
async function paidOrder(mchOrderId: string, amount = '10.00', balanceSen = 100_00, platform: TestPlatform = p, merchant = m) {
  const w = await createWalletWithCode(platform, balanceSen);
  const res = await postSigned(platform.url, 'micropay', micropayParams(merchant, mchOrderId, amount, w.payCode), merchant.key);
  expect(res.body.code).toBe(0);
  return { walletId: w.walletId, wavpayOrderId: res.body.data!.wavpayOrderId };
}

interface RefundAnswer {
  readonly status: number;
  readonly body: Envelope<RefundData>;
}

async function refund(
  mchOrderId: string,
  mchRefundId: string,
  refundAmount: string,
  extra: Record<string, string | null> = {},
  url = p.url,
  merchant = m,
): Promise<RefundAnswer> {
  return (await postSigned(url, 'refund', { mchId: merchant.mchId, mchOrderId, mchRefundId, refundAmount, ...extra }, merchant.key)) as unknown as RefundAnswer;
}

async function queryRefund(mchRefundId: string, url = p.url, merchant = m): Promise<RefundAnswer> {
  return (await postSigned(url, 'queryRefund', { mchId: merchant.mchId, mchRefundId }, merchant.key)) as unknown as RefundAnswer;
}

/** The order's refund total and state (queryOrderRefunds: queryBill answers only the spec's keys). */
async function orderRefunds(mchOrderId: string, url = p.url, merchant = m): Promise<Envelope<OrderRefundsData>> {
  return (await postSigned(url, 'queryOrderRefunds', { mchId: merchant.mchId, mchOrderId }, merchant.key)).body as Envelope<OrderRefundsData>;
}

describe('POST /api/micropay/refund', () => {
  it('a full refund answers REFUNDED, signed, and puts the money back in the wallet', async () => {
    const order = await paidOrder('full-1', '10.00', 50_00);
    expect(await walletBalance(order.walletId)).toBe(40_00);
    expect(await merchantBalance()).toBe(10_00);

    const res = await refund('full-1', 'r-full-1', '10.00', { reason: 'customer returned the goods' });
    expect(res.status).toBe(200);
    expect(res.body.code).toBe(0);
    expect(res.body.msg).toBe('success');
    const data = res.body.data!;
    expect(Object.keys(data)).toEqual(REFUND_KEYS);
    expect(data).toMatchObject({
      merchantOrderId: 'full-1',
      wavpayOrderId: order.wavpayOrderId,
      mchId: m.mchId,
      merchantRefundId: 'r-full-1',
      refundAmount: '10.00',
      refundStatus: 'REFUNDED',
      failReason: null,
      reason: 'customer returned the goods',
    });
    // Shaped like wavpayOrderId, but starting with 5.
    expect(data.refundId).toMatch(/^5\d{21}$/);
    expect(data.refundTime).toMatch(/^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d$/);
    expect(verify(data as unknown as SignableParams, m.key)).toBe(true);

    expect(await walletBalance(order.walletId)).toBe(50_00);
    expect(await merchantBalance()).toBe(0);

    const q = await orderRefunds('full-1');
    expect(q.code).toBe(0);
    expect(q.data!.tradeStatus).toBe('REFUNDED');
    expect(q.data!.refundAmount).toBe('10.00');
    expect(Object.keys(q.data!)).toEqual([
      'merchantOrderId', 'wavpayOrderId', 'mchId', 'tradeStatus', 'amount', 'refundAmount', 'timestamp', 'secureHash',
    ]);
    // refundAmount is covered by the signature.
    expect(verify(q.data as unknown as SignableParams, m.key)).toBe(true);
    expect(verify({ ...q.data, refundAmount: '0.00' } as unknown as SignableParams, m.key)).toBe(false);

    const again = await queryRefund('r-full-1');
    expect(again.body.code).toBe(0);
    const { timestamp: _a, secureHash: _b, ...queried } = again.body.data!;
    const { timestamp: _c, secureHash: _d, ...answered } = data;
    expect(queried).toEqual(answered);
  });

  it('two partial refunds: the order is PAID after the first and REFUNDED after the second; queryOrderRefunds shows the refunded amount', async () => {
    const order = await paidOrder('part-1', '10.00', 10_00);
    const first = await refund('part-1', 'r-part-1', '3');
    expect(first.body.code).toBe(0);
    expect(first.body.data).toMatchObject({ refundStatus: 'REFUNDED', refundAmount: '3.00', reason: null });
    let q = await orderRefunds('part-1');
    expect(q.data).toMatchObject({ tradeStatus: 'PAID', amount: '10.00', refundAmount: '3.00' });
    expect(await walletBalance(order.walletId)).toBe(3_00);

    const second = await refund('part-1', 'r-part-2', '7.00');
    expect(second.body.data).toMatchObject({ refundStatus: 'REFUNDED', refundAmount: '7.00' });
    expect(second.body.data!.refundId).not.toBe(first.body.data!.refundId);
    q = await orderRefunds('part-1');
    expect(q.data).toMatchObject({ tradeStatus: 'REFUNDED', refundAmount: '10.00' });
    expect(await walletBalance(order.walletId)).toBe(10_00);
    expect(await merchantBalance()).toBe(0);
  });

  it('micropay answers keep the spec\'s data exactly: a repeat of a refunded payment has no refundAmount', async () => {
    const w = await createWalletWithCode(p, 10_00);
    const params = micropayParams(m, 'spec-1', '2.00', w.payCode);
    await postSigned(p.url, 'micropay', params, m.key);
    await refund('spec-1', 'r-spec-1', '1.00');
    const repeat = await postSigned(p.url, 'micropay', params, m.key);
    expect(repeat.body.code).toBe(1023);
    expect(Object.keys(repeat.body.data!)).not.toContain('refundAmount');
    expect(repeat.body.data!.tradeStatus).toBe('PAID');
  });

  it('never refunds beyond the paid amount: 9006 names the refundable amount and records nothing', async () => {
    const order = await paidOrder('over-1', '10.00', 10_00);
    const tooMuch = await refund('over-1', 'r-over-1', '10.01');
    expect(tooMuch.body).toEqual({ code: 9006, msg: 'refund amount exceeds the refundable amount: the refundable amount is 10.00', data: null });

    expect((await refund('over-1', 'r-over-2', '6.00')).body.code).toBe(0);
    const rest = await refund('over-1', 'r-over-3', '4.01');
    expect(rest.body.code).toBe(9006);
    expect(rest.body.msg).toMatch(/4\.00$/);
    // Nothing was recorded: the refund number is still free and the money stayed where it was.
    expect((await queryRefund('r-over-3')).body.code).toBe(1031);
    expect(await walletBalance(order.walletId)).toBe(6_00);
    expect((await refund('over-1', 'r-over-3', '4.00')).body.code).toBe(0);
    // Fully refunded: nothing is left to refund.
    expect((await refund('over-1', 'r-over-4', '0.01')).body.code).toBe(9006);
    expect(await walletBalance(order.walletId)).toBe(10_00);
  });

  describe('a repeated mchRefundId never refunds twice', () => {
    it('the same request again answers code 0 with the same refund, and moves nothing more', async () => {
      const order = await paidOrder('rep-1', '10.00', 10_00);
      const first = await refund('rep-1', 'r-rep-1', '2.00', { reason: 'broken' });
      const again = await refund('rep-1', 'r-rep-1', '2', { reason: 'broken' });
      expect(again.body.code).toBe(0);
      expect(again.body.data!.refundId).toBe(first.body.data!.refundId);
      expect(again.body.data!.refundStatus).toBe('REFUNDED');
      expect(again.body.data!.refundTime).toBe(first.body.data!.refundTime);
      expect(verify(again.body.data as unknown as SignableParams, m.key)).toBe(true);
      expect(await walletBalance(order.walletId)).toBe(2_00);
      expect((await orderRefunds('rep-1')).data!.refundAmount).toBe('2.00');
    });

    it('different parameters under a used mchRefundId answer 1032 with the existing refund', async () => {
      const order = await paidOrder('rep-2', '10.00', 10_00);
      await paidOrder('rep-3', '10.00', 10_00);
      const first = await refund('rep-2', 'r-rep-2', '2.00');
      for (const [mchOrderId, amount, extra] of [
        ['rep-2', '3.00', {}],
        ['rep-2', '2.00', { reason: 'other' }],
        ['rep-3', '2.00', {}],
        ['never-paid', '2.00', {}],
      ] as const) {
        const res = await refund(mchOrderId, 'r-rep-2', amount, extra);
        expect(res.body.code).toBe(1032);
        expect(res.body.msg).toBe('duplicate merchant order number: this mchRefundId is already used for a refund of another mchOrderId, refundAmount or reason; data is that refund');
        expect(res.body.data).toMatchObject({ refundId: first.body.data!.refundId, merchantOrderId: 'rep-2', refundAmount: '2.00' });
        expect(verify(res.body.data as unknown as SignableParams, m.key)).toBe(true);
      }
      expect(await walletBalance(order.walletId)).toBe(2_00);
      expect((await orderRefunds('rep-3')).data!.refundAmount).toBe('0.00');
    });

    it('refund numbers are per merchant', async () => {
      const other = await createMerchant(p, 'Campus Canteen');
      await paidOrder('own-1', '5.00');
      await paidOrder('own-1', '5.00', 100_00, p, other);
      expect((await refund('own-1', 'same-r', '1.00')).body.code).toBe(0);
      expect((await refund('own-1', 'same-r', '1.00', {}, p.url, other)).body.code).toBe(0);
    });
  });

  describe('the order must be paid', () => {
    it('an unknown order, or another merchant\'s, answers 1031', async () => {
      expect((await refund('nope', 'r-nope', '1.00')).body).toEqual({
        code: 1031, msg: 'no merchant related records: no such order for this merchant', data: null,
      });
      const other = await createMerchant(p, 'Other');
      await paidOrder('theirs', '5.00', 100_00, p, other);
      expect((await refund('theirs', 'r-theirs', '1.00')).body.code).toBe(1031);
    });

    it('a PENDING order answers 1024 and a FAILED one 1025; nothing is recorded', async () => {
      const rich = await createWalletWithCode(p, 1_000_00);
      // Above the confirmation limit (250.00): the order waits for the user.
      const pending = await postSigned(p.url, 'micropay', micropayParams(m, 'pend-1', '300.00', rich.payCode), m.key);
      expect(pending.body.data!.tradeStatus).toBe('PENDING');
      expect((await refund('pend-1', 'r-pend-1', '1.00')).body.code).toBe(1024);

      const poor = await createWalletWithCode(p, 1_00);
      expect((await postSigned(p.url, 'micropay', micropayParams(m, 'fail-1', '5.00', poor.payCode), m.key)).body.code).toBe(1028);
      expect((await refund('fail-1', 'r-fail-1', '1.00')).body.code).toBe(1025);

      expect((await queryRefund('r-pend-1')).body.code).toBe(1031);
      expect((await queryRefund('r-fail-1')).body.code).toBe(1031);
      expect(await walletBalance(poor.walletId)).toBe(1_00);
    });
  });

  it('20 concurrent refunds whose sum exceeds the amount never refund more than was paid', async () => {
    const order = await paidOrder('conc-1', '10.00', 10_00);
    const answers = await Promise.all(
      Array.from({ length: 20 }, (_, i) => refund('conc-1', `r-conc-${i}`, '1.00')),
    );
    const codes = answers.map((a) => a.body.code).sort((a, b) => a - b);
    expect(codes).toEqual([...Array(10).fill(0), ...Array(10).fill(9006)]);
    expect(answers.filter((a) => a.body.code === 0).every((a) => a.body.data!.refundStatus === 'REFUNDED')).toBe(true);
    expect(await walletBalance(order.walletId)).toBe(10_00);
    expect(await merchantBalance()).toBe(0);
    const q = await orderRefunds('conc-1');
    expect(q.data).toMatchObject({ tradeStatus: 'REFUNDED', refundAmount: '10.00' });
  });

  it('concurrent refunds of random amounts over several orders stay within each order (seeded)', async () => {
    const seed = Date.now() % 100_000;
    let state = seed;
    // A small LCG: the same seed gives the same amounts, so a failure can be replayed.
    const random = () => (state = (state * 1_103_515_245 + 12_345) % 2_147_483_648) / 2_147_483_648;
    const orders = await Promise.all(['rnd-a', 'rnd-b', 'rnd-c'].map((id) => paidOrder(id, '7.77', 10_00)));
    const requests = Array.from({ length: 30 }, (_, i) => {
      const target = ['rnd-a', 'rnd-b', 'rnd-c'][i % 3]!;
      const amountSen = 1 + Math.floor(random() * 300);
      return { target, amountSen, promise: refund(target, `r-rnd-${i}`, (amountSen / 100).toFixed(2)) };
    });
    const answered = await Promise.all(requests.map(async (r) => ({ ...r, answer: await r.promise })));
    // About 45.00 asked of 23.31 paid: refusals are all but certain, and each one is checked.
    expect(answered.filter((r) => r.answer.body.code !== 0).length, `seed ${seed}`).toBeGreaterThan(0);
    for (const [i, id] of ['rnd-a', 'rnd-b', 'rnd-c'].entries()) {
      const done = answered.filter((r) => r.target === id && r.answer.body.code === 0);
      const refundedSen = done.reduce((sum, r) => sum + r.amountSen, 0);
      expect(refundedSen, `seed ${seed}`).toBeLessThanOrEqual(7_77);
      expect(done.every((r) => r.answer.body.data!.refundStatus === 'REFUNDED'), `seed ${seed}`).toBe(true);
      // Each refusal was deserved: it asked for more than was refundable at that moment (the 9006
      // names that amount), and that was at least what is left in the end, since every accepted
      // refund here completes. A server that refused refunds it could make fails both ways.
      const leftSen = 7_77 - refundedSen;
      for (const r of answered.filter((a) => a.target === id && a.answer.body.code !== 0)) {
        const refusal = `seed ${seed}: ${r.amountSen} sen refused with ${r.answer.body.code} ${r.answer.body.msg}, ${leftSen} sen left in the end`;
        const refundable = /^refund amount exceeds the refundable amount: the refundable amount is (\d+\.\d\d)$/.exec(r.answer.body.msg);
        expect(r.answer.body.code, refusal).toBe(9006);
        const refundableSen = Math.round(Number(refundable![1]) * 100);
        expect(r.amountSen, refusal).toBeGreaterThan(refundableSen);
        expect(refundableSen, refusal).toBeGreaterThanOrEqual(leftSen);
      }
      expect(await walletBalance(orders[i]!.walletId), `seed ${seed}`).toBe(10_00 - 7_77 + refundedSen);
    }
  });

  describe('REFUND_FAILED: the refund is recorded with a reason and no money moves', () => {
    it("the merchant's balance cannot cover it: MERCHANT_BALANCE_INSUFFICIENT, order REFUND_FAILED; a later refund may still succeed", async () => {
      const order = await paidOrder('poor-m', '10.00', 10_00);
      // The merchant's money left its account (as a payout would): move 8.00 of it to the float.
      const drain = (sen: number) =>
        book(
          p.store,
          journalEntry('topup', {}, [
            { accountId: merchantAccount(m.mchId), amountSen: -sen },
            { accountId: PLATFORM_FLOAT, amountSen: sen },
          ], Date.now()),
        );
      await drain(8_00);
      expect(await merchantBalance()).toBe(2_00);

      const res = await refund('poor-m', 'r-poor-1', '5.00');
      expect(res.body.code).toBe(0);
      expect(res.body.data).toMatchObject({ refundStatus: 'REFUND_FAILED', failReason: 'MERCHANT_BALANCE_INSUFFICIENT', refundAmount: '5.00' });
      expect(res.body.data!.refundTime).not.toBeNull();
      expect(await merchantBalance()).toBe(2_00);
      expect(await walletBalance(order.walletId)).toBe(0);
      const q = await orderRefunds('poor-m');
      expect(q.data).toMatchObject({ tradeStatus: 'REFUND_FAILED', refundAmount: '0.00' });
      // The repeat tells the same failure; it does not retry.
      const again = await refund('poor-m', 'r-poor-1', '5.00');
      expect(again.body.data).toMatchObject({ refundId: res.body.data!.refundId, refundStatus: 'REFUND_FAILED' });

      // A smaller refund fits; REFUND_FAILED → REFUND_IN_PROCESS → PAID.
      const small = await refund('poor-m', 'r-poor-2', '2.00');
      expect(small.body.data!.refundStatus).toBe('REFUNDED');
      expect((await orderRefunds('poor-m')).data).toMatchObject({ tradeStatus: 'PAID', refundAmount: '2.00' });
      expect(await walletBalance(order.walletId)).toBe(2_00);
      expect(await merchantBalance()).toBe(0);
    });

    it('the wallet is closed: WALLET_CLOSED, order REFUND_FAILED', async () => {
      const order = await paidOrder('closed-w', '4.00', 10_00);
      await p.store.setWalletStatus(order.walletId, 'closed');
      const res = await refund('closed-w', 'r-closed', '4.00');
      expect(res.body.code).toBe(0);
      expect(res.body.data).toMatchObject({ refundStatus: 'REFUND_FAILED', failReason: 'WALLET_CLOSED' });
      // Closing paid the wallet's 6.00 out to its holder (payouts.test.ts); the refund adds nothing.
      expect(await walletBalance(order.walletId)).toBe(0);
      expect(await merchantBalance()).toBe(4_00);
      expect((await orderRefunds('closed-w')).data).toMatchObject({ tradeStatus: 'REFUND_FAILED', refundAmount: '0.00' });
    });

    it('a frozen wallet still receives its refund', async () => {
      const order = await paidOrder('frozen-w', '4.00', 10_00);
      await p.store.setWalletStatus(order.walletId, 'frozen');
      expect((await refund('frozen-w', 'r-frozen', '4.00')).body.data!.refundStatus).toBe('REFUNDED');
      expect(await walletBalance(order.walletId)).toBe(10_00);
    });
  });

  it('writes REFUNDED and REFUND_FAILED notifications with the refund, in the same transaction', async () => {
    const key = m.key;
    const withUrl = await p.store.createMerchant({ name: 'Notified', apiKey: (await p.store.findMerchant(m.mchId))!.apiKey, notifyUrl: 'http://127.0.0.1:9/notify' });
    const merchant = { mchId: withUrl.mchId, key, name: withUrl.name };
    const ok = await paidOrder('n-1', '3.00', 10_00, p, merchant);
    const closed = await paidOrder('n-2', '3.00', 10_00, p, merchant);
    await p.store.setWalletStatus(closed.walletId, 'closed');
    const refundEvents = async () =>
      (await p.store.listNotifications({ mchId: merchant.mchId, limit: 20 }))
        .filter((n) => n.eventType === 'REFUNDED' || n.eventType === 'REFUND_FAILED')
        .map((n) => [n.eventType, n.subjectId, JSON.parse(n.payload).status]);

    // While the outbox refuses refund notifications, neither refund can finish: its money does not
    // move and its status stays REFUND_IN_PROCESS, since they are written in one transaction.
    await refuseRefundNotifications(p);
    for (const [order, id] of [['n-1', 'r-n-1'], ['n-2', 'r-n-2']] as const) {
      expect((await refund(order, id, '3.00', {}, p.url, merchant)).body).toMatchObject({ code: 500, data: null });
      expect((await queryRefund(id, p.url, merchant)).body.data).toMatchObject({ refundStatus: 'REFUND_IN_PROCESS', refundTime: null });
    }
    expect([await walletBalance(ok.walletId), await walletBalance(closed.walletId), await merchantBalance(merchant.mchId)]).toEqual([7_00, 0, 6_00]);
    expect(await refundEvents()).toEqual([]);

    // Once it accepts them again, the merchant's repeats finish both refunds, each with its notification.
    await execute(p.store, p.store.kind === 'sqlite' ? 'DROP TRIGGER refuse_refund_notice' : 'DROP TRIGGER refuse_refund_notice ON notifications');
    const r1 = await refund('n-1', 'r-n-1', '3.00', {}, p.url, merchant);
    const r2 = await refund('n-2', 'r-n-2', '3.00', {}, p.url, merchant);
    expect([r1.body.data!.refundStatus, r2.body.data!.refundStatus]).toEqual(['REFUNDED', 'REFUND_FAILED']);
    expect([await walletBalance(ok.walletId), await walletBalance(closed.walletId), await merchantBalance(merchant.mchId)]).toEqual([10_00, 0, 3_00]);
    const events = await refundEvents();
    expect(events.sort()).toEqual([
      ['REFUNDED', r1.body.data!.refundId, 'REFUNDED'],
      ['REFUND_FAILED', r2.body.data!.refundId, 'REFUND_FAILED'],
    ].sort());
  });

  /** A fault no request can cause: the database refuses to write a refund's notification. */
  async function refuseRefundNotifications(platform: TestPlatform): Promise<void> {
    if (platform.store.kind === 'sqlite') {
      await execute(platform.store, `CREATE TRIGGER refuse_refund_notice BEFORE INSERT ON notifications
        WHEN NEW.event_type IN ('REFUNDED', 'REFUND_FAILED') BEGIN SELECT RAISE(ABORT, 'injected fault'); END`);
    } else {
      await execute(platform.store, `CREATE FUNCTION refuse_refund_notice() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
          IF NEW.event_type IN ('REFUNDED', 'REFUND_FAILED') THEN RAISE EXCEPTION 'injected fault'; END IF;
          RETURN NEW;
        END $$`);
      await execute(platform.store, 'CREATE TRIGGER refuse_refund_notice BEFORE INSERT ON notifications FOR EACH ROW EXECUTE FUNCTION refuse_refund_notice()');
    }
  }

  describe('field rules: a malformed field answers 1021 (1033 for mchOrderId) naming the field, and records nothing', () => {
    const cases: [string, Record<string, string | null>, number, RegExp][] = [
      ['refundAmount zero', { refundAmount: '0.00' }, 1021, /refundAmount/],
      ['refundAmount with three places', { refundAmount: '1.001' }, 1021, /refundAmount/],
      ['refundAmount negative', { refundAmount: '-1.00' }, 1021, /refundAmount/],
      ['refundAmount missing', { refundAmount: null }, 1021, /refundAmount/],
      ['mchRefundId with a space', { mchRefundId: 'a b' }, 1021, /mchRefundId/],
      ['mchRefundId too long', { mchRefundId: 'r'.repeat(33) }, 1021, /mchRefundId/],
      ['mchRefundId missing', { mchRefundId: null }, 1021, /mchRefundId/],
      ['mchOrderId malformed', { mchOrderId: 'a b' }, 1033, /mchOrderId/],
      ['reason too long', { reason: 'x'.repeat(129) }, 1021, /reason/],
      ['reason with a control character', { reason: 'a\tb' }, 1021, /reason/],
      ['an unknown parameter', { refundFee: '1.00' }, 1021, /refundFee/],
    ];
    for (const [name, change, code, field] of cases) {
      it(name, async () => {
        const order = await paidOrder('f-1', '5.00', 5_00);
        const params: Record<string, string | null> = { mchOrderId: 'f-1', mchRefundId: 'r-f-1', refundAmount: '1.00', ...change };
        for (const k of Object.keys(params)) if (params[k] === null) delete params[k];
        const res = (await postSigned(p.url, 'refund', { mchId: m.mchId, ...params }, m.key)) as unknown as RefundAnswer;
        expect(res.body.code).toBe(code);
        expect(res.body.msg).toMatch(field);
        expect(res.body.data).toBeNull();
        expect(await walletBalance(order.walletId)).toBe(0);
      });
    }

    it('an empty reason is no reason; a bad signature answers 1035', async () => {
      await paidOrder('f-2', '5.00');
      expect((await refund('f-2', 'r-f-2', '1.00', { reason: '' })).body.data!.reason).toBeNull();
      expect((await postSigned(p.url, 'refund', { mchId: m.mchId, mchOrderId: 'f-2', mchRefundId: 'r-f-3', refundAmount: '1.00' }, 'bad')).body.code).toBe(1035);
    });
  });
});

describe('POST /api/micropay/queryRefund', () => {
  it('an unknown refund answers 1031; fields are checked', async () => {
    expect((await queryRefund('never')).body).toEqual({ code: 1031, msg: 'no merchant related records: no such refund for this merchant', data: null });
    expect((await queryRefund('bad id')).body.code).toBe(1021);
  });
});

describe('refunds of one order in flight together', () => {
  it('the order stays REFUND_IN_PROCESS until the last finishes, whose outcome it then shows', async () => {
    const order = await paidOrder('fly-1', '10.00', 10_00);
    const cmd = (mchRefundId: string, refundAmountSen: number): RefundCommand => ({
      mchId: m.mchId, mchOrderId: 'fly-1', mchRefundId, refundAmountSen, reason: null, timestampMs: Date.now(),
    });
    const a = await p.store.requestRefund(cmd('r-fly-a', 6_00));
    const b = await p.store.requestRefund(cmd('r-fly-b', 4_00));
    expect([a.kind, b.kind]).toEqual(['accepted', 'accepted']);
    // Both reserved: nothing is left to refund.
    expect((await p.store.requestRefund(cmd('r-fly-c', 1))).kind).toBe('rejected');
    expect((await orderRefunds('fly-1')).data).toMatchObject({ tradeStatus: 'REFUND_IN_PROCESS', refundAmount: '10.00' });

    const doneA = await p.store.finishRefund(a.kind === 'accepted' ? a.refund.refundId : '');
    expect(doneA!.refund.status).toBe('REFUNDED');
    expect(doneA!.order).toMatchObject({ status: 'REFUND_IN_PROCESS', refundedSen: 10_00 });
    expect(await walletBalance(order.walletId)).toBe(6_00);

    // A payout takes the merchant's last 4.00 (it does not reserve for refunds in process), so B fails.
    await givePayoutAccount(p, m.mchId);
    expect((await p.store.requestPayout({ mchId: m.mchId, amountSen: 4_00, requestId: null })).kind).toBe('requested');
    const doneB = await p.store.finishRefund(b.kind === 'accepted' ? b.refund.refundId : '');
    expect(doneB!.refund).toMatchObject({ status: 'REFUND_FAILED', failReason: 'MERCHANT_BALANCE_INSUFFICIENT' });
    expect(doneB!.order).toMatchObject({ status: 'REFUND_FAILED', refundedSen: 6_00 });
    expect((await orderRefunds('fly-1')).data).toMatchObject({ tradeStatus: 'REFUND_FAILED', refundAmount: '6.00' });
    expect(await walletBalance(order.walletId)).toBe(6_00);
  });
});

describe('state machines', () => {
  it('illegal refund and order transitions are rejected', () => {
    expect(() => assertRefundTransition(null, 'REFUNDED')).toThrow(/invariant/);
    expect(() => assertRefundTransition('REFUNDED', 'REFUND_IN_PROCESS')).toThrow(/invariant/);
    expect(() => assertRefundTransition('REFUNDED', 'REFUND_FAILED')).toThrow(/invariant/);
    expect(() => assertRefundTransition('REFUND_FAILED', 'REFUNDED')).toThrow(/invariant/);
    expect(() => assertRefundTransition('REFUND_IN_PROCESS', 'REFUND_IN_PROCESS')).toThrow(/invariant/);
    expect(() => assertRefundTransition('REFUND_IN_PROCESS', 'REFUNDED')).not.toThrow();
    expect(() => assertTransition('REFUNDED', 'REFUND_IN_PROCESS')).toThrow(/invariant/);
    expect(() => assertTransition('FAILED', 'REFUND_IN_PROCESS')).toThrow(/invariant/);
    expect(() => assertTransition('PENDING', 'REFUND_IN_PROCESS')).toThrow(/invariant/);
    expect(() => assertTransition('REFUND_IN_PROCESS', 'REFUND_IN_PROCESS')).toThrow(/invariant/);
  });

  it('finishing a finished refund changes nothing', async () => {
    const order = await paidOrder('fin-1', '5.00', 5_00);
    const res = await refund('fin-1', 'r-fin-1', '5.00');
    const entries = async () => Number((await sql<{ n: number }>(p.store, 'SELECT COUNT(*) AS n FROM journal_entries'))[0]!.n);
    const before = await entries();
    const again = await p.store.finishRefund(res.body.data!.refundId);
    expect(again!.refund.status).toBe('REFUNDED');
    expect(await entries()).toBe(before);
    expect(await walletBalance(order.walletId)).toBe(5_00);
    const decision = decideRefundFinish(again!.refund, again!.order, { merchantBalanceSen: 100_00, walletStatus: 'active', otherRefundsInProcess: 0 }, Date.now());
    expect(decision.kind).toBe('none');
    expect(await p.store.finishRefund('5000000000000000000000')).toBeNull();
  });

  it('the database refuses refunded_sen above the amount, whatever the code does', async () => {
    await paidOrder('db-1', '5.00');
    await expect(execute(p.store, `UPDATE orders SET refunded_sen = 501 WHERE mch_order_id = 'db-1'`)).rejects.toThrow(/check/i);
  });

  it('the audit reports a refunded_sen that does not match the refunds', async () => {
    await paidOrder('aud-1', '5.00');
    await execute(p.store, `UPDATE orders SET refunded_sen = 100 WHERE mch_order_id = 'aud-1'`);
    const report = await p.store.audit();
    const failed = report.checks.filter((c) => c.violations.length > 0).map((c) => c.name);
    expect(failed).toContain("every order's refunded_sen equals the sum of its refunds in process or refunded");
    await execute(p.store, `UPDATE orders SET refunded_sen = 0 WHERE mch_order_id = 'aud-1'`);
  });
});

describe('a refund left REFUND_IN_PROCESS by a crash between its two transactions', () => {
  it('is reported truthfully, does not hold up other refunds of the order, and is finished by the refund job after a restart', async () => {
    const order = await paidOrder('crash-1', '10.00', 10_00);

    // Only the first transaction, as a platform that died right after it leaves things.
    const cmd: RefundCommand = { mchId: m.mchId, mchOrderId: 'crash-1', mchRefundId: 'r-crash-1', refundAmountSen: 4_00, reason: null, timestampMs: Date.now() };
    const reserved = await p.store.requestRefund(cmd);
    expect(reserved.kind).toBe('accepted');
    // Not stale yet: the job leaves it to the request that is (for all it knows) still running.
    expect(await p.store.finishStaleRefunds(60_000)).toBe(0);

    const inProcess = await queryRefund('r-crash-1');
    expect(inProcess.body.data).toMatchObject({ refundStatus: 'REFUND_IN_PROCESS', refundTime: null, refundAmount: '4.00' });
    expect((await orderRefunds('crash-1')).data).toMatchObject({ tradeStatus: 'REFUND_IN_PROCESS', refundAmount: '4.00' });
    // Another refund of the order need not wait: it reserves its own amount and finishes, while
    // the order stays REFUND_IN_PROCESS for the one in flight, whose amount stays reserved.
    expect((await refund('crash-1', 'r-crash-2', '1.00')).body.data!.refundStatus).toBe('REFUNDED');
    expect((await orderRefunds('crash-1')).data).toMatchObject({ tradeStatus: 'REFUND_IN_PROCESS', refundAmount: '5.00' });
    expect((await refund('crash-1', 'r-crash-3', '5.01')).body.code).toBe(9006);
    expect(await walletBalance(order.walletId)).toBe(1_00);

    // The platform goes down, and comes back later on the same database: the refund job's first
    // run (at start) finishes the refund.
    await p.close();
    const clock = new ManualClock(Date.now() + 10_000);
    p = await startTestPlatform({}, clock, { dir: p.dir });
    const second = p;
    let done: RefundAnswer | null = null;
    for (let i = 0; i < 50 && done === null; i++) {
      const q = (await postSigned(second.url, 'queryRefund', { mchId: m.mchId, mchRefundId: 'r-crash-1', timestamp: String(clock.now) }, m.key)) as unknown as RefundAnswer;
      if (q.body.data?.refundStatus !== 'REFUND_IN_PROCESS') done = q;
      else await new Promise((r) => setTimeout(r, 100));
    }
    expect(done?.body.data).toMatchObject({ refundStatus: 'REFUNDED', refundId: inProcess.body.data!.refundId });
    expect(await walletBalance(order.walletId, second)).toBe(5_00);
    const q = (await postSigned(second.url, 'queryOrderRefunds', { mchId: m.mchId, mchOrderId: 'crash-1', timestamp: String(clock.now) }, m.key)).body as Envelope<OrderRefundsData>;
    expect(q.data).toMatchObject({ tradeStatus: 'PAID', refundAmount: '5.00' });
    const report = await second.store.audit();
    expect(report.checks.filter((c) => c.violations.length > 0)).toEqual([]);
  });

  it('sandbox rehearsal: X-MicroPay-Sandbox refund-hold leaves the refund REFUND_IN_PROCESS for the refund job to finish', async () => {
    await p.stop();
    p = await startTestPlatform({ MICROPAY_REFUND_STALE_S: '1', MICROPAY_SWEEP_INTERVAL_MS: '100' }, undefined, { sandbox: true });
    m = await createMerchant(p);
    const order = await paidOrder('hold-1', '10.00', 10_00);
    const body: Record<string, string> = { timestamp: String(Date.now()), mchId: m.mchId, mchOrderId: 'hold-1', mchRefundId: 'r-hold-1', refundAmount: '4.00' };
    body.secureHash = sign(body, m.key);
    const held = await postRaw(p.url, '/api/micropay/refund', body, { 'X-MicroPay-Sandbox': 'refund-hold' });
    expect(held.body).toMatchObject({ code: 0, data: { refundStatus: 'REFUND_IN_PROCESS', refundTime: null } });
    expect((await orderRefunds('hold-1')).data).toMatchObject({ tradeStatus: 'REFUND_IN_PROCESS', refundAmount: '4.00' });
    expect(await walletBalance(order.walletId)).toBe(0);
    let finished: RefundAnswer | null = null;
    for (let i = 0; i < 50 && finished === null; i++) {
      const q = await queryRefund('r-hold-1');
      if (q.body.data?.refundStatus !== 'REFUND_IN_PROCESS') finished = q;
      else await new Promise((r) => setTimeout(r, 100));
    }
    expect(finished?.body.data).toMatchObject({ refundStatus: 'REFUNDED' });
    expect(await walletBalance(order.walletId)).toBe(4_00);
    expect((await orderRefunds('hold-1')).data).toMatchObject({ tradeStatus: 'PAID', refundAmount: '4.00' });
  });

  it("sandbox rehearsals of a refund's answer: system-error answers 500 with the refund made, drop closes the connection with it made; a payment's fault is refused and refunds nothing; a read rehearses nothing", async () => {
    await p.stop();
    p = await startTestPlatform({}, undefined, { sandbox: true });
    m = await createMerchant(p);
    const order = await paidOrder('rh-1', '10.00', 10_00);
    const signedRefund = (mchRefundId: string, amount: string) => {
      const body: Record<string, string> = { timestamp: String(Date.now()), mchId: m.mchId, mchOrderId: 'rh-1', mchRefundId, refundAmount: amount };
      body.secureHash = sign(body, m.key);
      return body;
    };
    // A value of another endpoint (or none) is refused before anything is done: no refund is made.
    for (const value of ['pending', 'fault', 'bogus']) {
      const refused = await postRaw(p.url, '/api/micropay/refund', signedRefund(`r-${value}`, '1.00'), { 'X-MicroPay-Sandbox': value });
      expect(refused.body).toEqual({
        code: 1021, data: null,
        msg: `param error: X-MicroPay-Sandbox: "${value}" is not a sandbox fault of refund; use system-error, slow=MS (0 to 60000), drop or refund-hold, comma-separated; nothing was done`,
      });
    }
    expect(await walletBalance(order.walletId)).toBe(0);
    // A refusal is never hidden behind the rehearsed 500: more than is refundable is answered as it is.
    const over = await postRaw(p.url, '/api/micropay/refund', signedRefund('r-over', '99.00'), { 'X-MicroPay-Sandbox': 'system-error' });
    expect([over.status, over.body.code]).toEqual([200, 9006]);
    const failed = await postRaw(p.url, '/api/micropay/refund', signedRefund('r-500', '1.00'), { 'X-MicroPay-Sandbox': 'system-error' });
    expect([failed.status, failed.body.code]).toEqual([500, 500]);
    expect((await queryRefund('r-500')).body.data).toMatchObject({ refundStatus: 'REFUNDED', refundAmount: '1.00' });
    await expect(postRaw(p.url, '/api/micropay/refund', signedRefund('r-drop', '2.00'), { 'X-MicroPay-Sandbox': 'drop' })).rejects.toThrow();
    expect((await queryRefund('r-drop')).body.data).toMatchObject({ refundStatus: 'REFUNDED', refundAmount: '2.00' });
    expect(await walletBalance(order.walletId)).toBe(3_00);
    // The merchant's retry of each, with the same mchRefundId, is the same refund: nothing more moves.
    for (const [id, amount] of [['r-500', '1.00'], ['r-drop', '2.00']] as const) {
      expect((await postRaw(p.url, '/api/micropay/refund', signedRefund(id, amount))).body).toMatchObject({ code: 0, data: { refundStatus: 'REFUNDED', refundAmount: amount } });
    }
    expect(await walletBalance(order.walletId)).toBe(3_00);
    // A read moves no money and rehearses nothing: it ignores the values (a pay flow's queries carry
    // its header) and refuses a typo.
    const signedQuery = () => {
      const body: Record<string, string> = { timestamp: String(Date.now()), mchId: m.mchId, mchOrderId: 'rh-1' };
      body.secureHash = sign(body, m.key);
      return body;
    };
    for (const value of ['drop', 'system-error, pending', 'refund-hold', 'slow=10']) {
      expect((await postRaw(p.url, '/api/micropay/queryBill', signedQuery(), { 'X-MicroPay-Sandbox': value })).body, value).toMatchObject({ code: 0, data: { tradeStatus: 'PAID' } });
    }
    expect((await postRaw(p.url, '/api/micropay/queryBill', signedQuery(), { 'X-MicroPay-Sandbox': 'drop, bogus' })).body).toEqual({
      code: 1021, data: null, msg: 'param error: X-MicroPay-Sandbox: "bogus" is not a sandbox fault (queryBill rehearses none: micropay and refund do); nothing was done',
    });
  });

  it('outside sandbox mode the refund-hold header is ignored: the refund finishes at once', async () => {
    await paidOrder('hold-2', '10.00', 10_00);
    const body: Record<string, string> = { timestamp: String(Date.now()), mchId: m.mchId, mchOrderId: 'hold-2', mchRefundId: 'r-hold-2', refundAmount: '4.00' };
    body.secureHash = sign(body, m.key);
    const res = await postRaw(p.url, '/api/micropay/refund', body, { 'X-MicroPay-Sandbox': 'refund-hold' });
    expect(res.body).toMatchObject({ code: 0, data: { refundStatus: 'REFUNDED' } });
  });

  it('a repeat of the interrupted request finishes it at once', async () => {
    const order = await paidOrder('crash-2', '10.00', 10_00);
    const cmd: RefundCommand = { mchId: m.mchId, mchOrderId: 'crash-2', mchRefundId: 'r-crash-3', refundAmountSen: 10_00, reason: 'x', timestampMs: Date.now() };
    expect((await p.store.requestRefund(cmd)).kind).toBe('accepted');
    const res = await refund('crash-2', 'r-crash-3', '10.00', { reason: 'x' });
    expect(res.body.code).toBe(0);
    expect(res.body.data!.refundStatus).toBe('REFUNDED');
    expect(await walletBalance(order.walletId)).toBe(10_00);
    expect((await orderRefunds('crash-2')).data!.tradeStatus).toBe('REFUNDED');
  });
});
