import { existsSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { hashPin } from '../src/domain/credentials.js';
import { csvField } from '../src/domain/csv.js';
import { payoutFile, payoutSelectionOf } from '../src/services/payout-file.js';
import type { PayoutSelection } from '../src/domain/payout-file.js';
import { createMerchant, createWalletWithCode, ManualClock, micropayParams, postSigned, startTestPlatform, type TestMerchant, type TestPlatform } from './helpers.js';
import { as, pageCall, sessionOf, type PageAnswer, type Session } from './page-helpers.js';
import { runCli } from './process-helpers.js';
import { execute } from './db-access.js';
import { waitingPayoutsToFileOne } from '../src/store/payout-schema.js';
import { docBlock } from './doc-blocks.js';

/**
 * The payout file (docs/operations.md, "The payout file"), on both stores: the days chosen in the
 * platform's time zone (Asia/Kuala_Lumpur, UTC+8, in tests), the exact bytes, the operator
 * console's download (any role, CSRF, the audit log) and `micropay payout export` / `payout list`.
 */
let p: TestPlatform;
let clock: ManualClock;
let canteen: TestMerchant;
let kiosk: TestMerchant;
const ids: Record<string, string> = {};
const OPS = { actor: { kind: 'cli', name: 'ops' }, address: null } as const;
const call = (path: string, body: unknown = {}, s: Session | null = null, csrf = s?.csrf ?? null): Promise<PageAnswer> => pageCall(p, path, body, as(s, csrf));
/** A wall-clock time in Kuala Lumpur. */
const kl = (text: string) => Date.parse(`${text}+08:00`);

async function earn(m: TestMerchant, amount: string): Promise<void> {
  const { payCode } = await createWalletWithCode(p, 100_00);
  const res = await postSigned(p.url, 'micropay', { ...micropayParams(m, `o-${Math.random().toString(36).slice(2, 10)}`, amount, payCode), timestamp: String(clock.now) }, m.key);
  expect(res.body.code, res.text).toBe(0);
}

async function payout(name: string, m: TestMerchant, amount: number, at: string): Promise<void> {
  clock.now = kl(at);
  const d = await p.store.requestPayout({ mchId: m.mchId, amountSen: amount, requestId: name }, OPS);
  if (d.kind !== 'requested') throw new Error(JSON.stringify(d));
  ids[name] = d.payout.payoutId;
}

async function operator(name: string, role: 'admin' | 'finance' | 'support'): Promise<Session> {
  await p.store.createOperator(name, await hashPin('operator-pass-1'), null, { role });
  return sessionOf(await call('admin/sign-in', { name, password: 'operator-pass-1' }));
}

const downloads = async () => (await p.store.listAuditLog({ action: 'payout.download', limit: 10 })).map((e) => ({ actor: e.actor, detail: e.detail }));

beforeEach(async () => {
  clock = new ManualClock(kl('2026-11-28T10:00:00'));
  p = await startTestPlatform({}, clock);
  canteen = await createMerchant(p, 'Canteen');
  kiosk = await createMerchant(p, 'Kiosk');
  await p.store.setPayoutAccount(canteen.mchId, { holderName: 'Campus Canteen Sdn Bhd', bankName: 'West Bank', accountNumber: 'GB82 WEST 1234 5698 7654 32' });
  await earn(canteen, '50.00');
  await earn(kiosk, '20.00');
  await payout('c-1', canteen, 5_00, '2026-12-01T00:00:00');
  // The kiosk's account is set 2 hours before its payout: new to finance while REQUESTED.
  clock.now = kl('2026-12-02T21:59:59.999');
  await p.store.setPayoutAccount(kiosk.mchId, { holderName: "-2+3+cmd|' /C calc'!A0", bankName: '=HYPERLINK("x")', accountNumber: 'DE89370400440532013000' });
  await payout('k-1', kiosk, 3_00, '2026-12-02T23:59:59.999');
  await payout('c-2', canteen, 2_50, '2026-12-03T00:00:00');
  await payout('c-3', canteen, 1_00, '2026-12-03T12:30:00');
  // After every window the tests choose but the unbounded ones.
  await payout('c-4', canteen, 50, '2026-12-05T08:00:00');
  clock.now = kl('2026-12-05T09:15:00');
  await p.store.confirmPayout(ids['c-2']!, OPS);
  await p.store.failPayout(ids['c-3']!, 'account closed, "per bank"', OPS);
});
afterEach(async () => {
  const report = await p.store.audit();
  expect(report.checks.filter((c) => c.violations.length > 0)).toEqual([]);
  await p.stop();
});

const HEADER = 'payoutId,status,amount,merchantId,walletId,requestId,holderName,bankName,accountNumber,newAccount,requestedAt,finishedAt,failReason,file\r\n';
/** Each payout's row; `file`: the payout file it is in. */
const row = {
  c4: (file = '') => `${ids['c-4']},REQUESTED,0.50,${canteen.mchId},,c-4,Campus Canteen Sdn Bhd,West Bank,GB82WEST12345698765432,,2026-12-05 08:00:00,,,${file}\r\n`,
  c1: (file = '') => `${ids['c-1']},REQUESTED,5.00,${canteen.mchId},,c-1,Campus Canteen Sdn Bhd,West Bank,GB82WEST12345698765432,,2026-12-01 00:00:00,,,${file}\r\n`,
  k1: (file = '') => `${ids['k-1']},REQUESTED,3.00,${kiosk.mchId},,k-1,'-2+3+cmd|' /C calc'!A0,"'=HYPERLINK(""x"")",DE89370400440532013000,yes,2026-12-02 23:59:59,,,${file}\r\n`,
  c2: () => `${ids['c-2']},PAID_OUT,2.50,${canteen.mchId},,c-2,Campus Canteen Sdn Bhd,West Bank,GB82WEST12345698765432,,2026-12-03 00:00:00,2026-12-05 09:15:00,,\r\n`,
  c3: () => `${ids['c-3']},FAILED,1.00,${canteen.mchId},,c-3,Campus Canteen Sdn Bhd,West Bank,GB82WEST12345698765432,,2026-12-03 12:30:00,2026-12-05 09:15:00,"account closed, ""per bank""",\r\n`,
};

describe('the payout file', () => {
  it('holds the payouts requested on the days chosen, in the platform time zone, newest first, exactly', async () => {
    const file = async (status: string, from?: string, to?: string) => {
      const s = payoutSelectionOf({ status, from, to }, p.config.timeZone) as PayoutSelection;
      return payoutFile(p.store, s, p.config.timeZone, OPS, { page: 2, maxRows: 10 });
    };
    // The last millisecond of 2 December is the 2nd's; the first of the 3rd is the 3rd's.
    expect(await file('all', '2026-12-02', '2026-12-02')).toEqual({
      fileName: 'payouts-all-2026-12-02-to-2026-12-02.csv', csv: HEADER + row.k1(), fileNo: null, count: 1, totalSen: 3_00, newAccounts: 1, inEarlierFiles: 0, finished: 0,
    });
    // Read two at a time: the pages meet without a payout lost or said twice.
    expect((await file('all')).csv).toBe(HEADER + row.c4() + row.c3() + row.c2() + row.k1() + row.c1());
    expect((await file('all', '2026-12-01', '2026-12-03')).csv).toBe(HEADER + row.c3() + row.c2() + row.k1() + row.c1());
    expect(await file('REQUESTED', undefined, '2026-12-02')).toMatchObject({ fileName: 'payouts-REQUESTED-start-to-2026-12-02.csv', csv: HEADER + row.k1() + row.c1(), totalSen: 8_00 });
    expect((await file('FAILED', '2026-12-03')).csv).toBe(HEADER + row.c3());
    expect(await file('PAID_OUT', '2026-12-05')).toMatchObject({ csv: HEADER, count: 0, totalSen: 0 });
    expect(await file('all', undefined, undefined)).toMatchObject({ count: 5, totalSen: 12_00, newAccounts: 1 });
    // No status chosen: what waits for the bank in no payout file yet; a file chosen: all of its payouts.
    expect(payoutSelectionOf({}, p.config.timeZone)).toMatchObject({ status: 'REQUESTED', file: 'new', fromMs: null, toMs: null });
    expect(payoutSelectionOf({ file: '12' }, p.config.timeZone)).toMatchObject({ status: 'REQUESTED', file: 12 });
    // Reading a choice marks nothing.
    expect((await p.store.listPayouts({ limit: 10 })).map((x) => x.fileNo)).toEqual([null, null, null, null, null]);
  });

  it('is refused past the most one file holds, and a selection it cannot read is named', async () => {
    const s = payoutSelectionOf({ status: 'all' }, p.config.timeZone) as PayoutSelection;
    // As many as a file holds is a file; one more is refused, and is not in the audit log.
    expect(await payoutFile(p.store, s, p.config.timeZone, OPS, { page: 2, maxRows: 5 })).toMatchObject({ count: 5 });
    expect(await payoutFile(p.store, s, p.config.timeZone, OPS, { page: 2, maxRows: 3 }))
      .toEqual({ kind: 'invalid', problem: 'more than 3 payouts are chosen, more than one file holds: choose fewer days (from, to)' });
    expect((await downloads()).map((d) => d.detail.count)).toEqual([5]);
    expect(payoutSelectionOf({ status: 'PAID' }, 'UTC')).toEqual({ kind: 'invalid', problem: 'status must be one of new, REQUESTED, PAID_OUT, FAILED, all' });
    expect(payoutSelectionOf({ file: '0' }, 'UTC')).toEqual({ kind: 'invalid', problem: 'file must be a payout file\'s number, e.g. "12"' });
    expect(payoutSelectionOf({ file: '1e3' }, 'UTC')).toEqual({ kind: 'invalid', problem: 'file must be a payout file\'s number, e.g. "12"' });
    expect(payoutSelectionOf({ status: 'new', file: '3' }, 'UTC'))
      .toEqual({ kind: 'invalid', problem: 'status new is the payouts in no file yet, not file 3\'s: choose a status for a file' });
    expect(payoutSelectionOf({ status: 'all', from: '2026-02-30' }, 'UTC')).toEqual({ kind: 'invalid', problem: 'from must be a date as yyyy-MM-dd, e.g. "2026-12-01"' });
    expect(payoutSelectionOf({ status: 'all', from: '2026-12-03', to: '2026-12-01' }, 'UTC')).toEqual({ kind: 'invalid', problem: 'from (2026-12-03) is after to (2026-12-01)' });
  });

  it('keeps a spreadsheet from reading a value as a formula, and leaves numbers as they are', () => {
    expect(['-3.00', '-12', 's-b', '2026-12-01 00:00:00', 'plain'].map(csvField)).toEqual(['-3.00', '-12', 's-b', '2026-12-01 00:00:00', 'plain']);
    expect(['=1+1', '+1', '@SUM(A1)', '\tx', '\rx', '-1+1', '-A1-B1', '-SUM', '-1.5.5'].map(csvField))
      .toEqual(["'=1+1", "'+1", "'@SUM(A1)", "'\tx", "\"'\rx\"", "'-1+1", "'-A1-B1", "'-SUM", "'-1.5.5"]);
    expect(['a,b', 'say "hi"', 'two\nlines'].map(csvField)).toEqual(['"a,b"', '"say ""hi"""', '"two\nlines"']);
  });
});

describe("the operator console's Payouts", () => {
  it('lists the days chosen to every role; finance downloads them, with the CSRF token, and the download is in the audit log', async () => {
    const support = await operator('sam', 'support');
    const finance = await operator('fay', 'finance');
    const listed = await call('admin/payouts/list', { status: 'all', from: '2026-12-02', to: '2026-12-03' }, support);
    expect(listed.data!.payouts.map((x: { payoutId: string }) => x.payoutId)).toEqual([ids['c-3'], ids['c-2'], ids['k-1']]);
    // The first page of a window, and the next, stay in it.
    const first = await call('admin/payouts/list', { status: 'all', from: '2026-12-02', to: '2026-12-03', limit: 2 }, support);
    const second = await call('admin/payouts/list', { status: 'all', from: '2026-12-02', to: '2026-12-03', limit: 2, cursor: first.data!.next }, support);
    expect([...first.data!.payouts, ...second.data!.payouts].map((x: { payoutId: string }) => x.payoutId)).toEqual([ids['c-3'], ids['c-2'], ids['k-1']]);
    expect(second.data!.next).toBeNull();
    // A cursor from beyond the last day (a page of another choice) does not carry the list past it.
    const unbounded = await call('admin/payouts/list', { status: 'all', limit: 1 }, support);
    expect(unbounded.data!.payouts[0].payoutId).toBe(ids['c-4']);
    const late = await call('admin/payouts/list', { status: 'all', to: '2026-12-02', cursor: unbounded.data!.next, limit: 5 }, support);
    expect(late.data!.payouts.map((x: { payoutId: string }) => x.payoutId)).toEqual([ids['k-1'], ids['c-1']]);
    // Support reads where each goes by the account number's end; finance, who transfers, whole.
    const day = { status: 'all', from: '2026-12-01', to: '2026-12-01' };
    const canteenAccount = { holderName: 'Campus Canteen Sdn Bhd', bankName: 'West Bank', accountNumber: 'GB82WEST12345698765432' };
    expect((await call('admin/payouts/list', day, support)).data!.payouts[0].destination).toEqual({ ...canteenAccount, accountNumber: '•••• 5432' });
    expect((await call('admin/payouts/list', day, finance)).data!.payouts[0].destination).toEqual(canteenAccount);
    expect((await call('admin/merchants/payout-account', { mchId: canteen.mchId }, support)).data!.payoutAccount).toMatchObject({ ...canteenAccount, accountNumber: '•••• 5432' });
    expect((await call('admin/merchants/payout-account', { mchId: canteen.mchId }, finance)).data!.payoutAccount).toMatchObject(canteenAccount);
    // The file is the money roles': support reads the list, and gets no file.
    const refused = await call('admin/payouts/download', { from: '2026-12-01' }, support);
    expect([refused.code, refused.status]).toEqual([9122, 403]);

    const res = await fetch(`${p.url}/api/page/admin/payouts/download`, { method: 'POST', headers: { 'Content-Type': 'application/json', ...as(finance) }, body: JSON.stringify({ from: '2026-12-01', to: '' }) });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('text/csv; charset=utf-8');
    // No status: the payouts in no file yet, which become payout file 1.
    expect(res.headers.get('content-disposition')).toBe('attachment; filename="payout-file-1.csv"');
    expect(await res.text()).toBe(HEADER + row.c4('1') + row.k1('1') + row.c1('1'));
    expect(['x-payout-count', 'x-payout-total', 'x-payout-new-accounts', 'x-payout-file', 'x-payout-in-earlier-files'].map((h) => res.headers.get(h)))
      .toEqual(['3', '8.50', '1', '1', null]);
    expect(await downloads()).toMatchObject([{
      actor: { kind: 'operator', name: 'fay', role: 'finance' }, detail: { status: 'new', file: 1, from: '2026-12-01', to: null, count: 3, total: '8.50', newAccounts: 1 },
    }]);
    const filed = await call('admin/payouts/list', { file: '1' }, support);
    expect(filed.data!.payouts.map((x: { payoutId: string; fileNo: number }) => [x.payoutId, x.fileNo])).toEqual([[ids['c-4'], 1], [ids['k-1'], 1], [ids['c-1'], 1]]);
    expect((await call('admin/payouts/list', {}, support)).data!.payouts).toEqual([]);
  });

  it('refuses a download without the CSRF token or a session, and a bad choice, recording nothing', async () => {
    const finance = await operator('fay', 'finance');
    expect((await call('admin/payouts/download', {}, finance, null)).code).toBe(9121);
    expect((await call('admin/payouts/download', {}, null)).code).toBe(9120);
    const bad = await call('admin/payouts/download', { status: 'all', from: '2026-12-09', to: '2026-12-01' }, finance);
    expect([bad.code, bad.msg]).toEqual([1021, 'param error: from (2026-12-09) is after to (2026-12-01)']);
    expect((await call('admin/payouts/download', { status: 'all', limit: 5 }, finance)).code).toBe(1021);
    expect((await call('admin/payouts/list', { status: 'all', to: '1 Dec' }, finance)).msg).toBe('param error: to must be a date as yyyy-MM-dd, e.g. "2026-12-01"');
    expect(await downloads()).toEqual([]);
  });
});

describe('payout files: each payout in one new file', () => {
  const newFile = (reads = { page: 2, maxRows: 10 }, q: { from?: string; to?: string } = {}) =>
    payoutFile(p.store, payoutSelectionOf(q, p.config.timeZone) as PayoutSelection, p.config.timeZone, OPS, reads);

  it('numbers a file of the payouts in none, which no later new file holds again; a file is saved again by its number', async () => {
    expect(await newFile()).toEqual({
      fileName: 'payout-file-1.csv', csv: HEADER + row.c4('1') + row.k1('1') + row.c1('1'), fileNo: 1, count: 3, totalSen: 8_50, newAccounts: 1, inEarlierFiles: 0, finished: 0,
    });
    // Nothing waits outside a file: no file 2, a header alone, and the look recorded all the same.
    expect(await newFile()).toMatchObject({ fileName: 'payouts-new-start-to-now.csv', csv: HEADER, fileNo: null, count: 0 });
    // What waits for the bank says which file each is in, and that file 1 may be at the bank.
    const waiting = payoutSelectionOf({ status: 'REQUESTED' }, p.config.timeZone) as PayoutSelection;
    expect(await payoutFile(p.store, waiting, p.config.timeZone, OPS)).toMatchObject({ csv: HEADER + row.c4('1') + row.k1('1') + row.c1('1'), fileNo: null, inEarlierFiles: 3 });
    // A payout requested after file 1 is file 2's alone; file 1 is saved again as its payouts are now.
    await payout('c-5', canteen, 25, '2026-12-06T10:00:00');
    await p.store.confirmPayout(ids['c-1']!, OPS);
    expect(await newFile()).toMatchObject({ fileName: 'payout-file-2.csv', fileNo: 2, count: 1, totalSen: 25 });
    // Saved again to resend, file 1 holds what of it still waits; asked for all, it says what was answered.
    const fileOne = (status?: string) => payoutFile(p.store, payoutSelectionOf({ file: '1', status }, p.config.timeZone) as PayoutSelection, p.config.timeZone, OPS);
    expect(await fileOne()).toMatchObject({ fileName: 'payout-file-1.csv', csv: HEADER + row.c4('1') + row.k1('1'), fileNo: 1, count: 2, finished: 0 });
    const all = await fileOne('all');
    expect(all).toMatchObject({ fileName: 'payout-file-1.csv', fileNo: 1, count: 3, inEarlierFiles: 0, finished: 1 });
    expect((all as { csv: string }).csv).toContain(`${ids['c-1']},PAID_OUT,5.00,`);
    // A file never made is named, not saved empty, and not recorded.
    const never = payoutSelectionOf({ file: '9' }, p.config.timeZone) as PayoutSelection;
    expect(await payoutFile(p.store, never, p.config.timeZone, OPS)).toEqual({ kind: 'invalid', problem: 'file 9 was never made: the last payout file is 2' });
    expect((await downloads()).map((d) => [d.detail.status, d.detail.file, d.detail.count])).toEqual([
      ['all', 1, 3], ['REQUESTED', 1, 2], ['new', 2, 1], ['REQUESTED', null, 3], ['new', null, 0], ['new', 1, 3],
    ]);
  });

  it('marks nothing when there are more than a file holds, and takes only the days chosen', async () => {
    expect(await newFile({ page: 2, maxRows: 2 })).toEqual({ kind: 'invalid', problem: 'more than 2 payouts are chosen, more than one file holds: choose fewer days (from, to)' });
    expect((await p.store.listPayouts({ status: 'REQUESTED', unfiled: true, limit: 10 })).map((x) => x.payoutId)).toEqual([ids['c-4'], ids['k-1'], ids['c-1']]);
    expect(await downloads()).toEqual([]);
    expect(await newFile(undefined, { from: '2026-12-02', to: '2026-12-02' })).toMatchObject({ fileNo: 1, csv: HEADER + row.k1('1') });
    expect(await newFile(undefined, { to: '2026-12-05' })).toMatchObject({ fileNo: 2, csv: HEADER + row.c4('2') + row.c1('2') });
  });

  it('puts each payout in one file when files are made at once, and while outcomes are recorded', async () => {
    for (let i = 0; i < 12; i++) await payout(`r-${i}`, i % 2 === 0 ? canteen : kiosk, 10 + i, `2026-12-06T10:00:${String(i).padStart(2, '0')}`);
    const waiting = (await p.store.listPayouts({ status: 'REQUESTED', limit: 100 })).map((x) => x.payoutId);
    const outcomes = [ids['r-0']!, ids['r-5']!].map((id) => p.store.confirmPayout(id, OPS));
    const files = await Promise.all(Array.from({ length: 6 }, () => newFile({ page: 1000, maxRows: 100 })));
    await Promise.all(outcomes);
    const made = files.map((f) => f as { fileNo: number | null; count: number }).filter((f) => f.fileNo !== null);
    // Numbered 1, 2, … with no gap; together they hold each payout that waited exactly once.
    expect(made.map((f) => f.fileNo).sort((a, b) => a! - b!)).toEqual(made.map((_, i) => i + 1));
    const all = await p.store.listPayouts({ limit: 100 });
    const filed = all.filter((x) => x.fileNo !== null);
    expect(made.reduce((n, f) => n + f.count, 0)).toBe(filed.length);
    // A payout confirmed before a file took it stays in none; every other one is in a file.
    const unfiled = all.filter((x) => x.fileNo === null && waiting.includes(x.payoutId)).map((x) => x.payoutId);
    expect(unfiled.every((id) => id === ids['r-0'] || id === ids['r-5'])).toBe(true);
    expect(filed.length + unfiled.length).toBe(waiting.length);
    expect(await downloads()).toHaveLength(6);
  });

  it('makes files of different days at once one after another, each numbered once', async () => {
    const days = [['2026-12-01', '2026-12-01'], ['2026-12-02', '2026-12-02'], ['2026-12-05', '2026-12-05'], ['2026-12-06', '2026-12-06']] as const;
    for (let i = 0; i < 6; i++) await payout(`d-${i}`, canteen, 10 + i, `2026-12-06T09:00:0${i}`);
    const files = await Promise.all(days.map(([from, to]) => newFile(undefined, { from, to })));
    expect(files.map((f) => (f as { fileNo: number }).fileNo).sort()).toEqual([1, 2, 3, 4]);
    expect(files.map((f) => (f as { count: number }).count)).toEqual([1, 1, 1, 6]);
  });

  it('on upgrading, puts the payouts waiting for the bank in payout file 1: an older version may have sent them', async () => {
    // As before the upgrade: no payout in a file, no file.
    await execute(p.store, 'UPDATE payouts SET file_no = NULL');
    await execute(p.store, 'DELETE FROM payout_files');
    const sqlite = p.store.kind === 'sqlite';
    const statements = waitingPayoutsToFileOne(sqlite ? "CAST(strftime('%s', 'now') AS INTEGER) * 1000" : 'CAST(EXTRACT(EPOCH FROM now()) * 1000 AS BIGINT)');
    for (const statement of statements.split(';').map((x) => x.trim()).filter((x) => x !== '')) await execute(p.store, statement);
    expect((await p.store.listPayouts({ limit: 10 })).map((x) => [x.payoutId, x.fileNo])).toEqual([
      [ids['c-4'], 1], [ids['c-3'], null], [ids['c-2'], null], [ids['k-1'], 1], [ids['c-1'], 1],
    ]);
    // Nothing is new; the next file is 2.
    expect(await newFile()).toMatchObject({ fileNo: null, count: 0 });
    await payout('c-6', canteen, 30, '2026-12-06T10:00:00');
    expect(await newFile()).toMatchObject({ fileNo: 2, count: 1 });
  });
});

describe('the bank paid the rest of a payout file: micropay payout confirm-file', () => {
  const newFile = () => payoutFile(p.store, payoutSelectionOf({}, p.config.timeZone) as PayoutSelection, p.config.timeZone, OPS);
  const cli = (...args: string[]) => runCli(['payout', 'confirm-file', ...args, '--db', p.dbPath]);
  const statusOf = async (name: string) => (await p.store.findPayout(ids[name]!))!.status;

  it("checks the bank's total, records its refusal first, then moves the rest out together; again, nothing moves", async () => {
    expect(await newFile()).toMatchObject({ fileNo: 1, count: 3, totalSen: 8_50 });
    const before = await p.store.platformMoney();
    // The bank paid 5.50 of 8.50: the kiosk's 3.00 bounced, and is not recorded yet.
    const differs = await cli('1', '--total', '5.50');
    expect([differs.code, differs.stderr]).toEqual([1, 'micropay: payout file total differs (9045): the 3 payouts of file 1 still REQUESTED come to 8.50, not 5.50: '
      + "no payout was confirmed. Record the bank's refusals first, then confirm the rest\n"]);
    expect(await statusOf('c-1')).toBe('REQUESTED');
    // The refusal is in the audit log, with what was reported against what waited.
    const refused = await p.store.listAuditLog({ action: 'payout.confirmFileRefused', limit: 10 });
    expect(refused.map((e) => [e.actor.kind, e.detail])).toEqual([['cli', { file: 1, total: '5.50', waiting: 3, waitingTotal: '8.50' }]]);
    await p.store.failPayout(ids['k-1']!, 'account closed', OPS);
    const done = await cli('1', '--total', '5.50');
    expect([done.code, done.stdout, done.stderr]).toEqual([0, 'Payout file 1: 2 payouts are PAID_OUT, 5.50 in all: the money has left the platform.\n', '']);
    expect([await statusOf('c-1'), await statusOf('c-4'), await statusOf('k-1')]).toEqual(['PAID_OUT', 'PAID_OUT', 'FAILED']);
    // The clearing account gave up 5.50 to the bank and 3.00 back to the kiosk.
    const after = await p.store.platformMoney();
    expect([before.payingOutSen - after.payingOutSen, before.onPlatformSen - after.onPlatformSen]).toEqual([8_50, 5_50]);
    const confirms = await p.store.listAuditLog({ action: 'payout.confirm', limit: 10 });
    expect(confirms.filter((e) => e.detail.file === 1).map((e) => [e.subjectId, e.detail.amount, e.actor.kind]).sort()).toEqual(
      [[ids['c-1'], '5.00', 'cli'], [ids['c-4'], '0.50', 'cli']].sort());
    const again = await cli('1', '--total', '5.50', '--json');
    expect([again.code, JSON.parse(again.stdout)]).toEqual([0, { file: 1, confirmed: 0, total: '0.00', payoutIds: [], repeat: true }]);
    expect((await p.store.platformMoney()).onPlatformSen).toBe(after.onPlatformSen);
    const never = await cli('2', '--total', '1.00');
    expect([never.code, never.stderr]).toEqual([1, 'micropay: param error (1021): file 2 was never made: the last payout file is 1\n']);
    const typo = await cli('1', '--total', '5.5x');
    expect(typo.code).toBe(2);
  });

  it("runs operations.md's example", async () => {
    await newFile();
    await p.store.failPayout(ids['k-1']!, 'account closed', OPS);
    const [command, said] = docBlock('operations.md', 'payout-confirm-file-example').split('\n').map((line) => line.trim());
    const done = await runCli([...command!.replace(/^\$ micropay /, '').split(' '), '--db', p.dbPath]);
    expect(done.stdout).toBe(`${said}\n`);
  });

  it('with single outcomes recorded at once, each payout gets exactly one, and the file all or nothing', async () => {
    // With the three that wait from the start: 13 in the file.
    for (let i = 0; i < 10; i++) await payout(`f-${i}`, i % 2 === 0 ? canteen : kiosk, 10 + i, `2026-12-06T10:00:0${i}`);
    const file = await newFile() as { fileNo: number; totalSen: number };
    const singles = [p.store.failPayout(ids['f-3']!, 'bounced', OPS), p.store.confirmPayout(ids['f-7']!, OPS)];
    // The whole file with the total of all of it: right only if it ran before both singles.
    const whole = p.store.confirmPayoutFile(file.fileNo, file.totalSen, OPS);
    const [outcome, failed, confirmed] = await Promise.all([whole, ...singles]);
    const filed = await p.store.listPayouts({ fileNo: file.fileNo, limit: 100 });
    expect(filed).toHaveLength(13);
    if (outcome.kind === 'confirmed') {
      // It ran first: the fail of f-3 found it PAID_OUT and was refused; f-7's confirm was a repeat.
      expect(filed.every((x) => x.status === 'PAID_OUT')).toBe(true);
      expect([failed!.kind, confirmed!.kind]).toEqual(['rejected', 'repeat']);
    } else {
      // A single ran first: the file's total no longer matched, and nothing of it moved.
      expect(outcome.kind).toBe('totalDiffers');
      expect(failed!.kind === 'finished' || confirmed!.kind === 'finished').toBe(true);
      const done = filed.filter((x) => x.status !== 'REQUESTED').map((x) => x.payoutId).sort();
      expect(done).toEqual([failed, confirmed].flatMap((d, i) => (d!.kind === 'finished' ? [ids[i === 0 ? 'f-3' : 'f-7']!] : [])).sort());
    }
  });
});

describe('micropay payout export and payout list', () => {
  it('writes the same file, new and owner-only, says what it holds, and refuses to overwrite one', async () => {
    const out = join(p.dir, 'payouts.csv');
    const done = await runCli(['payout', 'export', '--from', '2026-12-02', '--to', '2026-12-03', '--out', out, '--db', p.dbPath]);
    expect([done.code, done.stdout]).toEqual([0, `Wrote ${out} (REQUESTED in no payout file yet, requested 2026-12-02 to 2026-12-03): Payout file 1: 1 payout, 3.00 in all; `
      + '1 to a NEW ACCOUNT (newAccount yes): check it with the merchant before transferring. It is marked as in file 1, and no new file will hold it again; '
      + 'confirm or fail each when the bank answers.\n']);
    expect(readFileSync(out, 'utf8')).toBe(HEADER + row.k1('1'));
    expect(statSync(out).mode & 0o777).toBe(0o600);
    const again = await runCli(['payout', 'export', '--status', 'all', '--out', out, '--db', p.dbPath]);
    expect([again.code, again.stderr]).toEqual([1, `micropay: ${out} exists already: the payout file is always a new file\n`]);
    expect(readFileSync(out, 'utf8')).toBe(HEADER + row.k1('1'));
    expect((await downloads()).map((d) => d.actor.kind)).toEqual(['cli']);
    // A folder that is not there is not made: the file is refused, and nothing is recorded.
    const nowhere = await runCli(['payout', 'export', '--out', join(p.dir, 'no-such-folder', 'p.csv'), '--db', p.dbPath]);
    expect([nowhere.code, nowhere.stderr]).toEqual([1, `micropay: cannot write ${join(p.dir, 'no-such-folder', 'p.csv')}: its folder does not exist\n`]);
    expect(existsSync(join(p.dir, 'no-such-folder'))).toBe(false);
    expect(await downloads()).toHaveLength(1);

    const bad = await runCli(['payout', 'export', '--from', '2026-12-31', '--to', '2026-12-01', '--out', join(p.dir, 'x.csv'), '--db', p.dbPath]);
    expect([bad.code, bad.stderr]).toEqual([2, 'micropay payout export: --from (2026-12-31) is after to (2026-12-01) (see micropay payout export --help)\n']);
    const listed = JSON.parse((await runCli(['payout', 'list', '--to', '2026-12-02', '--json', '--db', p.dbPath])).stdout) as { payouts: { payoutId: string }[] };
    expect(listed.payouts.map((x) => x.payoutId)).toEqual([ids['k-1'], ids['c-1']]);
    const inFile = await runCli(['payout', 'list', '--file', '1', '--db', p.dbPath]);
    expect(inFile.stdout).toContain(`${ids['k-1']}  REQUESTED          3.00  merchant ${kiosk.mchId}, requested 2026-12-02 23:59:59 +08:00, in payout file 1\n`);
    expect(inFile.stdout).not.toContain(ids['c-1']);
    const never = await runCli(['payout', 'list', '--file', '9', '--db', p.dbPath]);
    expect([never.code, never.stderr]).toEqual([2, 'micropay payout list: --file 9 was never made: the last payout file is 1 (see micropay payout list --help)\n']);
  });

  it("runs operations.md's example", async () => {
    const lines = docBlock('operations.md', 'payout-export-example').split('\n').filter((line) => line !== '');
    // Each command in turn, its file written in the test's folder, says exactly what the docs show.
    for (let i = 0; i < lines.length; i += 2) {
      const name = /--out (\S+)$/.exec(lines[i]!)![1]!;
      const args = lines[i]!.replace(/^\$ micropay /, '').split(' ').map((a) => (a === name ? join(p.dir, name) : a));
      const done = await runCli([...args, '--db', p.dbPath]);
      expect(done.stdout).toBe(`${lines[i + 1]!.replace(name, join(p.dir, name))}\n`);
    }
    expect(readFileSync(join(p.dir, 'payout-file-1.csv'), 'utf8')).toBe(HEADER + row.c4('1') + row.k1('1') + row.c1('1'));
    expect(readFileSync(join(p.dir, 'nothing-new.csv'), 'utf8')).toBe(HEADER);
    const out = join(p.dir, 'payouts-2026-12-03.csv');
    expect(readFileSync(out, 'utf8')).toBe(HEADER + row.c3() + row.c2());
    // The file shown under it is this one, but for the ids this run drew.
    const shown = docBlock('operations.md', 'payout-file-example').replace(/\n/g, '\r\n')
      .replace('6202612030430001234569', ids['c-3']!).replace('6202612021600001234568', ids['c-2']!).replace(/202611003/g, canteen.mchId);
    expect(readFileSync(out, 'utf8')).toBe(shown);
  });
});
