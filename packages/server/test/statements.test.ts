import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { formatSen, verify, type BillData, type Envelope, type RefundData, type SignableParams } from '@micropay/protocol';
import { hashPin, hashWalletToken, newWalletToken } from '../src/domain/credentials.js';
import { merchantAccount } from '../src/domain/ledger.js';
import { LONGEST_HOLD_MS } from '../src/domain/pay-time.js';
import { merchantDay } from '../src/services/statements.js';
import { dayWindow, startOfLocalDay } from '../src/domain/statement.js';
import { accountBalanceSen, sql } from './db-access.js';
import {
  createMerchant,
  createWalletWithCode,
  ManualClock,
  micropayParams,
  postRaw,
  postSigned,
  startTestPlatform,
  type TestMerchant,
  type TestPlatform,
} from './helpers.js';
import { runCli } from './process-helpers.js';

const TIME_ZONE = 'Asia/Kuala_Lumpur'; // UTC+8, no daylight saving

describe('day windows in the platform time zone', () => {
  it('a day in Kuala Lumpur starts at 16:00 UTC the day before', () => {
    expect(dayWindow('2024-03-10', 'Asia/Kuala_Lumpur')).toEqual({
      fromMs: Date.UTC(2024, 2, 9, 16),
      toMs: Date.UTC(2024, 2, 10, 16),
    });
    expect(dayWindow('2024-03-10', 'UTC')).toEqual({ fromMs: Date.UTC(2024, 2, 10), toMs: Date.UTC(2024, 2, 11) });
  });

  it('the zones furthest from UTC', () => {
    expect(startOfLocalDay('2024-01-01', 'Pacific/Kiritimati')).toBe(Date.UTC(2023, 11, 31, 10));
    expect(startOfLocalDay('2024-01-01', 'Etc/GMT+12')).toBe(Date.UTC(2024, 0, 1, 12));
  });

  it('daylight-saving days are 23 and 25 hours long', () => {
    const spring = dayWindow('2024-03-10', 'America/New_York');
    expect(spring).toEqual({ fromMs: Date.UTC(2024, 2, 10, 5), toMs: Date.UTC(2024, 2, 11, 4) });
    const autumn = dayWindow('2024-11-03', 'America/New_York');
    expect(autumn.toMs - autumn.fromMs).toBe(25 * 3600_000);
  });

  it('a day whose midnight was skipped starts at its first instant; a skipped day is empty', () => {
    // Brazil's daylight saving of 2018 began at midnight: 00:00 became 01:00 (UTC−2 = 03:00 UTC).
    expect(startOfLocalDay('2018-11-04', 'America/Sao_Paulo')).toBe(Date.UTC(2018, 10, 4, 3));
    // Samoa skipped 30 December 2011 when it crossed the date line.
    const skipped = dayWindow('2011-12-30', 'Pacific/Apia');
    expect(skipped.toMs).toBe(skipped.fromMs);
  });

  it('month and year ends roll over', () => {
    expect(dayWindow('2024-02-29', 'UTC').toMs).toBe(Date.UTC(2024, 2, 1));
    expect(dayWindow('2023-12-31', 'UTC').toMs).toBe(Date.UTC(2024, 0, 1));
  });
});

describe('POST /api/micropay/downloadBill and `micropay bill`', () => {
  let clock: ManualClock;
  let p: TestPlatform;
  let m: TestMerchant;

  beforeEach(async () => {
    // 2024-03-10 23:59:59 in Kuala Lumpur.
    clock = new ManualClock(Date.UTC(2024, 2, 10, 15, 59, 59));
    p = await startTestPlatform({ MICROPAY_TIMEZONE: TIME_ZONE }, clock);
    m = await createMerchant(p);
  });
  afterEach(async () => {
    const report = await p.store.audit();
    await p.stop();
    expect(report.checks.filter((c) => c.violations.length > 0)).toEqual([]);
  });

  const at = (localIso: string) => {
    // localIso is Kuala Lumpur time (UTC+8).
    clock.now = Date.parse(`${localIso}+08:00`);
  };

  async function post<T>(endpoint: string, params: Record<string, string>, merchant = m): Promise<Envelope<T>> {
    return (await postSigned(p.url, endpoint, { ...params, timestamp: String(clock.now) }, merchant.key)).body as unknown as Envelope<T>;
  }

  async function pay(mchOrderId: string, amount: string, balanceSen = 100_00, merchant = m) {
    const w = await createWalletWithCode(p, balanceSen);
    const res = await post<{ wavpayOrderId: string; tradeStatus: string }>('micropay', micropayParams(merchant, mchOrderId, amount, w.payCode), merchant);
    return { walletId: w.walletId, code: res.code, wavpayOrderId: res.data!.wavpayOrderId };
  }

  async function refund(mchOrderId: string, mchRefundId: string, refundAmount: string) {
    const res = await post<RefundData>('refund', { mchId: m.mchId, mchOrderId, mchRefundId, refundAmount });
    expect(res.code).toBe(0);
    return res.data!;
  }

  async function bill(billDate: string, merchant = m): Promise<Envelope<BillData>> {
    return post<BillData>('downloadBill', { mchId: merchant.mchId, billDate }, merchant);
  }

  /** The sum of the postings to the merchant's account from entries created in the day's window. */
  async function ledgerNetSen(billDate: string): Promise<number> {
    const { fromMs, toMs } = dayWindow(billDate, TIME_ZONE);
    const rows = await sql<{ total: number | string }>(
      p.store,
      `SELECT COALESCE(SUM(p.amount_sen), 0) AS total FROM postings p JOIN journal_entries e ON e.entry_id = p.entry_id
        WHERE p.account_id = ? AND e.created_at_ms >= ? AND e.created_at_ms < ?`,
      [merchantAccount(m.mchId), fromMs, toMs],
    );
    return Number(rows[0]!.total);
  }

  function netOf(csv: string): string {
    const lines = csv.trimEnd().split('\r\n');
    return lines[lines.length - 1]!.split(',')[5]!;
  }

  it("lists the day's payments and refunds with totals that reconcile with the ledger", async () => {
    const a = await pay('s-a', '10.00'); // 2024-03-10 23:59:59
    at('2024-03-11T00:00:00.000');
    const b = await pay('s-b', '5.00');
    at('2024-03-11T01:00:00.000');
    const rA1 = await refund('s-a', 'r-a-1', '3.00');
    const c = await pay('s-c', '2.00');
    // Not movements of money, so not on the statement: a failed payment, a pending one, a failed refund.
    expect((await pay('s-poor', '5.00', 1_00)).code).toBe(1028);
    expect((await pay('s-pending', '300.00', 1_000_00)).code).toBe(1024);
    await p.store.setWalletStatus(c.walletId, 'closed');
    expect((await post<RefundData>('refund', { mchId: m.mchId, mchOrderId: 's-c', mchRefundId: 'r-c', refundAmount: '2.00' })).data!.refundStatus).toBe('REFUND_FAILED');
    // Another merchant's payment the same day is not on this merchant's statement.
    const other = await createMerchant(p, 'Other');
    expect((await pay('s-other', '9.00', 100_00, other)).code).toBe(0);
    at('2024-03-11T23:59:59.999');
    const rB = await refund('s-b', 'r-b', '5.00');
    at('2024-03-12T00:00:00.000');
    const rA2 = await refund('s-a', 'r-a-2', '2.00');

    const day10 = await bill('2024-03-10');
    expect(day10.code).toBe(0);
    expect(Object.keys(day10.data!)).toEqual(['mchId', 'billDate', 'csv', 'timestamp', 'secureHash']);
    expect(verify(day10.data as unknown as SignableParams, m.key)).toBe(true);
    expect(day10.data!.csv).toBe(
      [
        'type,time,wavpayOrderId,merchantOrderId,refundId,merchantRefundId,amount,status',
        `PAYMENT,2024-03-10 23:59:59,${a.wavpayOrderId},s-a,,,10.00,PAID`,
        'totals,paymentCount,grossAmount,refundCount,refundAmount,netAmount',
        'TOTAL,1,10.00,0,0.00,10.00',
        '',
      ].join('\r\n'),
    );

    const day11 = await bill('2024-03-11');
    expect(day11.data!.csv).toBe(
      [
        'type,time,wavpayOrderId,merchantOrderId,refundId,merchantRefundId,amount,status',
        `PAYMENT,2024-03-11 00:00:00,${b.wavpayOrderId},s-b,,,5.00,PAID`,
        // The same millisecond: payments first.
        `PAYMENT,2024-03-11 01:00:00,${c.wavpayOrderId},s-c,,,2.00,PAID`,
        `REFUND,2024-03-11 01:00:00,${a.wavpayOrderId},s-a,${rA1.refundId},r-a-1,-3.00,REFUNDED`,
        `REFUND,2024-03-11 23:59:59,${b.wavpayOrderId},s-b,${rB.refundId},r-b,-5.00,REFUNDED`,
        'totals,paymentCount,grossAmount,refundCount,refundAmount,netAmount',
        'TOTAL,2,7.00,2,8.00,-1.00',
        '',
      ].join('\r\n'),
    );

    const day12 = await bill('2024-03-12');
    expect(day12.data!.csv).toBe(
      [
        'type,time,wavpayOrderId,merchantOrderId,refundId,merchantRefundId,amount,status',
        `REFUND,2024-03-12 00:00:00,${a.wavpayOrderId},s-a,${rA2.refundId},r-a-2,-2.00,REFUNDED`,
        'totals,paymentCount,grossAmount,refundCount,refundAmount,netAmount',
        'TOTAL,0,0.00,1,2.00,-2.00',
        '',
      ].join('\r\n'),
    );

    // Reconciliation: each day's net is exactly what the ledger booked to the merchant that day,
    // and the days add up to the merchant's balance.
    let total = 0;
    for (const [date, res] of [['2024-03-10', day10], ['2024-03-11', day11], ['2024-03-12', day12]] as const) {
      expect(netOf(res.data!.csv)).toBe(formatSen(await ledgerNetSen(date)));
      total += await ledgerNetSen(date);
    }
    expect(total).toBe(await accountBalanceSen(p.store, merchantAccount(m.mchId)));

    // An empty day still has its totals.
    expect((await bill('2024-03-09')).data!.csv).toBe(
      'type,time,wavpayOrderId,merchantOrderId,refundId,merchantRefundId,amount,status\r\n' +
        'totals,paymentCount,grossAmount,refundCount,refundAmount,netAmount\r\nTOTAL,0,0.00,0,0.00,0.00\r\n',
    );

    // `micropay bill --csv` reads the store and prints the very same CSV.
    const cli = await runCli(['bill', '--db', p.dbPath, '--mch-id', m.mchId, '--date', '2024-03-11', '--csv'], { env: { MICROPAY_TIMEZONE: TIME_ZONE } });
    expect(cli.stderr).toBe('');
    expect(cli.code).toBe(0);
    expect(cli.stdout).toBe(day11.data!.csv);
    const json = await runCli(['bill', '--db', p.dbPath, '--mch-id', m.mchId, '--date', '2024-03-11', '--json'], { env: { MICROPAY_TIMEZONE: TIME_ZONE } });
    expect(JSON.parse(json.stdout)).toMatchObject({
      csv: day11.data!.csv,
      totals: { paymentCount: 2, grossAmount: '7.00', refundCount: 2, refundAmount: '8.00', netAmount: '-1.00' },
    });
  });

  it('billDate must be a real yyyy-MM-dd date; unknown merchants answer 1031; the signature is checked', async () => {
    for (const billDate of ['2024-02-30', '2024-3-1', '20240301', '2023-02-29', '', '9999-12-31', '3000-01-01', '1969-12-31']) {
      const res = await bill(billDate);
      expect(res.code, billDate).toBe(1021);
      expect(res.msg).toMatch(/billDate/);
    }
    expect((await bill('2024-02-29')).code).toBe(0);
    // Today (23:59:59 in Kuala Lumpur) has its statement so far; tomorrow, a second later, not before.
    expect((await bill('2024-03-10')).code).toBe(0);
    expect(await bill('2024-03-11')).toEqual({
      code: 1021, msg: 'param error: billDate 2024-03-11 has not begun in Asia/Kuala_Lumpur (today is 2024-03-10): a day has a statement from its first instant', data: null,
    });
    // A merchant whose clock runs two seconds ahead (inside the timestamp window) has begun its day.
    const ahead = await postSigned(p.url, 'downloadBill', { mchId: m.mchId, billDate: '2024-03-11', timestamp: String(clock.now + 2000) }, m.key);
    expect(ahead.body.code).toBe(0);
    clock.now += 1000;
    expect((await bill('2024-03-11')).code).toBe(0);
    expect((await post('downloadBill', { mchId: '999999999', billDate: '2024-03-10' })).code).toBe(1031);
    const forged = await postSigned(p.url, 'downloadBill', { mchId: m.mchId, billDate: '2024-03-10', timestamp: String(clock.now) }, 'wrong');
    expect(forged.body.code).toBe(1035);
  });

  it('a merchant clock an hour ahead, inside a day-wide timestamp window, has not begun tomorrow: only a few minutes ahead count', async () => {
    await p.stop();
    p = await startTestPlatform({ MICROPAY_TIMEZONE: TIME_ZONE, MICROPAY_TIMESTAMP_WINDOW_S: '86400' }, clock);
    m = await createMerchant(p);
    const ahead = (ms: number) => postSigned(p.url, 'downloadBill', { mchId: m.mchId, billDate: '2024-03-11', timestamp: String(clock.now + ms) }, m.key);
    at('2024-03-10T23:00:00');
    expect((await ahead(3_600_000)).body.code).toBe(1021);
    at('2024-03-10T23:58:00');
    expect((await ahead(180_000)).body.code).toBe(0);
  });

  it('`micropay bill` refuses a malformed date and an unknown merchant', async () => {
    const bad = await runCli(['bill', '--db', p.dbPath, '--mch-id', m.mchId, '--date', '2024-02-30']);
    expect(bad.code).toBe(2);
    const unknown = await runCli(['bill', '--db', p.dbPath, '--mch-id', '999999999', '--date', '2024-02-28']);
    expect(unknown.code).toBe(1);
  });
});

describe('a payment confirmed after midnight (PENDING, the longest confirmation window)', () => {
  let clock: ManualClock;
  let p: TestPlatform;
  let m: TestMerchant;

  beforeEach(async () => {
    clock = new ManualClock(Date.parse('2024-03-10T00:00:00+08:00'));
    // The longest window configuration allows: statements find payments by this bound.
    p = await startTestPlatform({ MICROPAY_TIMEZONE: TIME_ZONE, MICROPAY_CONFIRM_TIMEOUT_S: String(LONGEST_HOLD_MS / 1000) }, clock);
    m = await createMerchant(p);
  });
  afterEach(async () => {
    const report = await p.store.audit();
    await p.stop();
    expect(report.checks.filter((c) => c.violations.length > 0)).toEqual([]);
  });

  const at = (localIso: string) => {
    clock.now = Date.parse(`${localIso}+08:00`);
  };
  async function post<T>(endpoint: string, params: Record<string, string>): Promise<Envelope<T>> {
    return (await postSigned(p.url, endpoint, { ...params, timestamp: String(clock.now) }, m.key)).body as unknown as Envelope<T>;
  }
  const csvLines = async (billDate: string) => (await post<BillData>('downloadBill', { mchId: m.mchId, billDate })).data!.csv.split('\r\n');

  it('is on the statement of the day it was confirmed, not of the day it was traded; its refund on the day the refund finished', async () => {
    // The wallet app: a bearer token and a PIN, its code from the wallet API.
    const token = newWalletToken();
    await p.store.createWallet({ name: 'Alice', openingSen: 1_000_00, tokenHash: hashWalletToken(token), pinHash: await hashPin('123456') });
    const walletApi = (action: string, body: Record<string, unknown>) => postRaw(p.url, `/api/wallet/${action}`, body, { Authorization: `Bearer ${token}` });
    const code = async () => ((await walletApi('paycode', {})).body.data as { payCode: string }).payCode;

    at('2024-03-10T00:00:00.000');
    const early = await post<{ wavpayOrderId: string }>('micropay', micropayParams(m, 'early', '10.00', await code()));
    expect(early.code).toBe(0);
    at('2024-03-10T00:00:30.000');
    const late = await post<{ wavpayOrderId: string }>('micropay', micropayParams(m, 'late', '300.00', await code()));
    expect(late.code).toBe(1024);
    // Confirmed 23 h 59 min 59 s after its trade, just inside the window, on the next day.
    at('2024-03-11T00:00:29.000');
    const confirmed = await walletApi('confirm', { wavpayOrderId: late.data!.wavpayOrderId, pin: '123456' });
    expect(confirmed.body.code).toBe(0);
    at('2024-03-12T00:30:00.000');
    const refund = await post<RefundData>('refund', { mchId: m.mchId, mchOrderId: 'late', mchRefundId: 'late-r', refundAmount: '100.00' });
    expect(refund.data!.refundStatus).toBe('REFUNDED');

    expect(await csvLines('2024-03-10')).toEqual([
      'type,time,wavpayOrderId,merchantOrderId,refundId,merchantRefundId,amount,status',
      `PAYMENT,2024-03-10 00:00:00,${early.data!.wavpayOrderId},early,,,10.00,PAID`,
      'totals,paymentCount,grossAmount,refundCount,refundAmount,netAmount',
      'TOTAL,1,10.00,0,0.00,10.00',
      '',
    ]);
    expect(await csvLines('2024-03-11')).toEqual([
      'type,time,wavpayOrderId,merchantOrderId,refundId,merchantRefundId,amount,status',
      `PAYMENT,2024-03-11 00:00:29,${late.data!.wavpayOrderId},late,,,300.00,PAID`,
      'totals,paymentCount,grossAmount,refundCount,refundAmount,netAmount',
      'TOTAL,1,300.00,0,0.00,300.00',
      '',
    ]);
    expect(await csvLines('2024-03-12')).toEqual([
      'type,time,wavpayOrderId,merchantOrderId,refundId,merchantRefundId,amount,status',
      `REFUND,2024-03-12 00:30:00,${late.data!.wavpayOrderId},late,${refund.data!.refundId},late-r,-100.00,REFUNDED`,
      'totals,paymentCount,grossAmount,refundCount,refundAmount,netAmount',
      'TOTAL,0,0.00,1,100.00,-100.00',
      '',
    ]);
    // The console's day report walks back from today's balance through the payments paid since:
    // the late one counts after the 10th although it was traded on it.
    expect((await merchantDay(p.store, m.mchId, '2024-03-10', TIME_ZONE)).report).toMatchObject({ openingSen: 0, paymentsSen: 10_00, closingSen: 10_00 });
    expect((await merchantDay(p.store, m.mchId, '2024-03-11', TIME_ZONE)).report).toMatchObject({ openingSen: 10_00, paymentsSen: 300_00, closingSen: 310_00 });
  });
});
