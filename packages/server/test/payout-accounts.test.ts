import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { hashPin } from '../src/domain/credentials.js';
import { merchantAccount, PLATFORM_PAYOUTS } from '../src/domain/ledger.js';
import { bankAccountOf } from '../src/domain/payout-account.js';
import { openStore } from '../src/platform.js';
import { newAccountAgeMs } from '../src/domain/payout.js';
import { POSTGRES_PAYOUT_ACCOUNT_GUARD, SQLITE_PAYOUT_ACCOUNT_GUARD } from '../src/store/payout-schema.js';
import { SQLITE_MIGRATIONS } from '../src/store/sqlite/migrations.js';
import { POSTGRES_MIGRATIONS } from '../src/store/postgres/migrations.js';
import type { ActingAs } from '../src/domain/audit-log.js';
import { accountBalanceSen, execute, sql } from './db-access.js';
import { createMerchant, createWalletWithCode, ManualClock, micropayParams, postSigned, startTestPlatform, TEST_STORE, type TestMerchant, type TestPlatform } from './helpers.js';
import { as, pageCall, sessionOf, type PageAnswer, type Session } from './page-helpers.js';
import { runCli } from './process-helpers.js';
import { docBlock } from './doc-blocks.js';

/**
 * Payout accounts (docs/operations.md, "Payout accounts"), on both stores: the account's rule, a
 * payout refused without one, each payout keeping the account it was requested to, the owner's
 * password asked again in the console (counted toward the lock), a cashier seeing the number's end
 * only, the CLI, the audit log, and account changes racing payouts from two connections.
 */
let p: TestPlatform;
let clock: ManualClock;
let m: TestMerchant;
const call = (path: string, body: unknown = {}, s: Session | null = null): Promise<PageAnswer> => pageCall(p, path, body, as(s, s?.csrf ?? null));
const ACCOUNT = { holderName: 'Corner Shop Ltd', bankName: 'West Bank', accountNumber: 'GB82 WEST 1234 5698 7654 32' };
const IBAN = 'GB82WEST12345698765432';
const OTHER = { holderName: 'Someone Else', bankName: 'East Bank', accountNumber: 'DE89 3704 0044 0532 0130 00' };
const OPERATOR: ActingAs = { actor: { kind: 'cli', name: 'ops' }, address: null };

async function signIn(name: string, role: 'owner' | 'cashier'): Promise<Session> {
  const created = await p.store.createCashier(m.mchId, name, await hashPin('user-password-1'), { role, refundLimitSen: null });
  if (typeof created === 'string') throw new Error(created);
  return sessionOf(await call('merchant/sign-in', { mchId: m.mchId, name, password: 'user-password-1' }));
}

/** A signed-in operator, signed in anew each time (a session lasts 12 hours at most); made the first time (then NAME_TAKEN). */
async function operatorSession(): Promise<Session> {
  await p.store.createOperator('ops', await hashPin('operator-pass-1'), null);
  return sessionOf(await call('admin/sign-in', { name: 'ops', password: 'operator-pass-1' }));
}

async function earn(amount: string, to: TestMerchant = m): Promise<void> {
  const { payCode } = await createWalletWithCode(p, 100_00);
  const res = await postSigned(p.url, 'micropay', { ...micropayParams(to, `o-${Math.random().toString(36).slice(2, 10)}`, amount, payCode), timestamp: String(clock.now) }, to.key);
  expect(res.body.code, res.text).toBe(0);
}

beforeEach(async () => {
  clock = new ManualClock();
  p = await startTestPlatform({}, clock);
  m = await createMerchant(p, 'Corner Shop');
});
afterEach(async () => {
  const report = await p.store.audit();
  expect(report.checks.filter((c) => c.violations.length > 0)).toEqual([]);
  await p.stop();
});

describe("a payout account's rule", () => {
  it('takes an IBAN whose check digits match, or a local number; spaces and hyphens out, capitals in', () => {
    expect(bankAccountOf(ACCOUNT)).toEqual({ ok: true, account: { ...ACCOUNT, accountNumber: IBAN } });
    expect(bankAccountOf({ ...ACCOUNT, accountNumber: 'gb82-west-1234-5698-7654-32' })).toMatchObject({ ok: true, account: { accountNumber: IBAN } });
    expect(bankAccountOf({ ...ACCOUNT, accountNumber: '000123456789' })).toMatchObject({ ok: true, account: { accountNumber: '000123456789' } });
    // The shortest IBAN (Norway, 15 characters).
    expect(bankAccountOf({ ...ACCOUNT, accountNumber: 'NO93 8601 1117 947' })).toMatchObject({ ok: true, account: { accountNumber: 'NO9386011117947' } });
    expect(bankAccountOf({ ...ACCOUNT, holderName: '  Corner Shop Ltd ' })).toMatchObject({ ok: true, account: { holderName: 'Corner Shop Ltd' } });
  });

  it('refuses a mistyped IBAN, a number of the wrong shape, and blank or unprintable names, naming the field', () => {
    const refused = (typed: Partial<typeof ACCOUNT>) => bankAccountOf({ ...ACCOUNT, ...typed });
    expect(refused({ accountNumber: 'GB83WEST12345698765432' })).toMatchObject({ ok: false, field: 'accountNumber', problem: expect.stringMatching(/check digits/) });
    // Starting with two letters it is an IBAN: a letter O for a zero, or a character left out, is caught,
    // and the problem said is the one there is.
    for (const accountNumber of ['GB8OWEST12345698765432', 'NO938601111794', 'GB82 WEST', 'AB123', 'G882WEST12345698765432', 'ABCDEFGH']) {
      expect(refused({ accountNumber }), accountNumber).toMatchObject({ ok: false, field: 'accountNumber', problem: expect.stringMatching(/not a valid IBAN: an IBAN is two letters, .* a local account number is digits only$/) });
    }
    // A number pasted with no-break spaces is read as typed with spaces.
    expect(bankAccountOf({ ...ACCOUNT, accountNumber: 'GB82\u00A0WEST\u00A01234\u00A05698\u00A07654\u00A032' })).toMatchObject({ ok: true, account: { accountNumber: IBAN } });
    for (const accountNumber of ['GB82WEST1234569876543X', 'GB00WEST12345698765432']) {
      expect(refused({ accountNumber }), accountNumber).toMatchObject({ ok: false, field: 'accountNumber', problem: expect.stringMatching(/check digits do not match/) });
    }
    // Names sent to a bank hold nothing invisible: two holders that look the same are the same.
    for (const holderName of ['Ab\u200Bc', 'Ab\u00ADc', 'Ab\u2060c', 'Ab\uFEFFc', 'Ab\u2028c', 'Ab\u061Cc', 'Ab\uE000c']) {
      expect(refused({ holderName }), JSON.stringify(holderName)).toMatchObject({ ok: false, field: 'holderName' });
    }
    // Only ASCII letters and digits: no letter becomes another one in capitals ("ß" → "SS").
    for (const accountNumber of ['1234', 'x'.repeat(35), '12345/678', '12.345.678', '', '12345ß', '１２３４５６', '١٢٣٤٥٦']) {
      expect(refused({ accountNumber }), accountNumber).toMatchObject({ ok: false, field: 'accountNumber' });
    }
    for (const holderName of ['', '   ', 'a\u202Eb', 'a\nb', 'x'.repeat(101)]) expect(refused({ holderName }), holderName).toMatchObject({ ok: false, field: 'holderName' });
    expect(refused({ bankName: '\u0000' })).toMatchObject({ ok: false, field: 'bankName' });
  });
});

describe('payouts and the account they go to', () => {
  it('without an account a payout is refused and nothing moves; each payout keeps the account it was requested to', async () => {
    await earn('50.00');
    expect(await p.store.requestPayout({ mchId: m.mchId, amountSen: 10_00, requestId: 'w1' })).toEqual({ kind: 'rejected', reason: 'NO_PAYOUT_ACCOUNT' });
    expect(await accountBalanceSen(p.store, merchantAccount(m.mchId))).toBe(50_00);
    expect(await sql(p.store, 'SELECT payout_id FROM payouts')).toEqual([]);

    expect(await p.store.setPayoutAccount(m.mchId, ACCOUNT, OPERATOR)).toMatchObject({ kind: 'set', was: null });
    const first = await p.store.requestPayout({ mchId: m.mchId, amountSen: 10_00, requestId: 'w1' });
    expect(first).toMatchObject({ kind: 'requested', payout: { destination: { ...ACCOUNT, accountNumber: IBAN } } });
    clock.advance(1000);
    expect(await p.store.setPayoutAccount(m.mchId, OTHER, OPERATOR)).toMatchObject({ kind: 'set', was: { accountNumber: IBAN } });
    const second = await p.store.requestPayout({ mchId: m.mchId, amountSen: 5_00, requestId: 'w2' });
    // The first still goes where it was asked to go, read back from the store.
    const [newest, oldest] = await p.store.listPayouts({ mchId: m.mchId, limit: 10 });
    expect(oldest!.destination).toEqual({ ...ACCOUNT, accountNumber: IBAN });
    expect(newest!.destination).toEqual({ ...OTHER, accountNumber: 'DE89370400440532013000' });
    expect(second.kind).toBe('requested');
    // A repeat of the first request answers the first payout, with its own account.
    expect(await p.store.requestPayout({ mchId: m.mchId, amountSen: 10_00, requestId: 'w1' })).toMatchObject({ kind: 'repeat', payout: { destination: { accountNumber: IBAN } } });
    expect(await accountBalanceSen(p.store, PLATFORM_PAYOUTS)).toBe(15_00);
  });

  it('the database itself refuses a new merchant payout without its account (a process on older code left running); one made before is still finished', async () => {
    await earn('20.00');
    const insert = (id: string) => execute(p.store, `INSERT INTO payouts (payout_id, mch_id, amount_sen, status, requested_at_ms) VALUES ('${id}', '${m.mchId}', 100, 'REQUESTED', 1)`);
    await expect(insert('6000000000000000000001')).rejects.toThrow(/a merchant payout needs the payout account it goes to/);
    // As one requested before the upgrade: its account emptied afterwards, as the migration left old rows.
    await p.store.setPayoutAccount(m.mchId, ACCOUNT);
    const made = await p.store.requestPayout({ mchId: m.mchId, amountSen: 2_00, requestId: 'old' });
    if (made.kind !== 'requested') throw new Error(made.kind);
    await execute(p.store, `UPDATE payouts SET to_holder_name = NULL, to_bank_name = NULL, to_account_number = NULL WHERE payout_id = '${made.payout.payoutId}'`);
    expect(await p.store.confirmPayout(made.payout.payoutId)).toMatchObject({ kind: 'finished', payout: { status: 'PAID_OUT', destination: null } });
  });

  it('a payout to an account set under a day before is new to finance, in the operator console and the CLI; a day on it is not, nor a closed wallet\'s', async () => {
    await earn('30.00');
    const ages = async () => Object.fromEntries(((await call('admin/payouts/list', { status: 'all' }, await operatorSession())).data!.payouts as { requestId: string | null; walletId: string | null; newAccountAgeMs: number | null }[])
      .map((x) => [x.requestId ?? `wallet ${x.walletId}`, x.newAccountAgeMs]));
    await p.store.setPayoutAccount(m.mchId, ACCOUNT, OPERATOR);
    clock.advance(2 * 3600_000 + 5 * 60_000);
    await p.store.requestPayout({ mchId: m.mchId, amountSen: 1_00, requestId: 'soon' });
    clock.advance(22 * 3600_000 - 5 * 60_000 - 1);
    await p.store.requestPayout({ mchId: m.mchId, amountSen: 1_00, requestId: 'just-under-a-day' });
    clock.advance(1);
    await p.store.requestPayout({ mchId: m.mchId, amountSen: 1_00, requestId: 'a-day-on' });
    // A change starts the day again; a closed wallet's account was the operator's to type.
    await p.store.setPayoutAccount(m.mchId, OTHER, OPERATOR);
    await p.store.requestPayout({ mchId: m.mchId, amountSen: 1_00, requestId: 'changed' });
    const leaving = await createWalletWithCode(p, 2_00, 'Leaving');
    await p.store.closeWallet(leaving.walletId, OPERATOR, { holderName: 'Ann Lee', bankName: 'West Bank', accountNumber: '12345678' });
    expect(await ages()).toEqual({
      soon: 2 * 3600_000 + 5 * 60_000, 'just-under-a-day': 24 * 3600_000 - 1, 'a-day-on': null, changed: 0, [`wallet ${leaving.walletId}`]: null,
    });
    const listed = (await runCli(['payout', 'list', '--mch-id', m.mchId, '--db', p.dbPath])).stdout;
    expect(listed).toContain('NEW ACCOUNT, set 2 h 5 min before this payout was requested');
    expect(listed).toContain('NEW ACCOUNT, set 23 h 59 min before');
    expect(listed).toContain('NEW ACCOUNT, set under a minute before');
    expect(listed.match(/NEW ACCOUNT/g)).toHaveLength(3);
    // In JSON as the CLI writes every time, a string of milliseconds.
    const json = JSON.parse((await runCli(['payout', 'list', '--mch-id', m.mchId, '--json', '--db', p.dbPath])).stdout) as { payouts: { requestId: string; newAccountAgeMs: string | null }[] };
    expect(json.payouts.find((x) => x.requestId === 'soon')!.newAccountAgeMs).toBe(String(2 * 3600_000 + 5 * 60_000));
    // Once the bank's answer is in, there is no transfer left to check.
    const soon = (await p.store.listPayouts({ mchId: m.mchId, limit: 10 })).find((x) => x.requestId === 'soon')!;
    await p.store.confirmPayout(soon.payoutId);
    expect((await ages()).soon).toBeNull();
  });

  it('an admin sets it in the operator console, audited under the operator; every role reads it whole; a bad number or an unknown merchant changes nothing', async () => {
    const admin = await operatorSession();
    const set = (body: Record<string, unknown>) => call('admin/merchants/set-payout-account', { mchId: m.mchId, ...body }, admin);
    expect((await call('admin/merchants/payout-account', { mchId: m.mchId }, admin)).data).toEqual({ mchId: m.mchId, payoutAccount: null });
    const bad = await set({ ...ACCOUNT, accountNumber: 'GB00WEST12345698765432' });
    expect([bad.code, bad.msg]).toEqual([1021, 'param error: accountNumber is not a valid IBAN: its check digits do not match (a mistyped character?)']);
    expect((await call('admin/merchants/set-payout-account', { mchId: '999999', ...ACCOUNT }, admin)).code).toBe(1031);
    expect(await p.store.findPayoutAccount(m.mchId)).toBeNull();
    // A check first, as the console asks before it sets: the account as it would be kept, nothing written.
    expect((await call('admin/merchants/check-payout-account', ACCOUNT, admin)).data).toEqual({ account: { ...ACCOUNT, accountNumber: IBAN } });
    expect((await call('admin/merchants/check-payout-account', { ...ACCOUNT, accountNumber: 'GB00WEST12345698765432' }, admin)).code).toBe(1021);
    expect(await p.store.findPayoutAccount(m.mchId)).toBeNull();
    const done = await set(ACCOUNT);
    expect([done.code, done.data]).toEqual([0, { mchId: m.mchId, payoutAccount: { ...ACCOUNT, accountNumber: IBAN, setAtMs: clock.now }, changed: true }]);
    expect((await set(ACCOUNT)).data).toMatchObject({ changed: false });
    // Finance reads it whole (it transfers to it) but may not change it.
    await p.store.createOperator('fin', await hashPin('operator-pass-1'), null, { role: 'finance' });
    const finance = sessionOf(await call('admin/sign-in', { name: 'fin', password: 'operator-pass-1' }));
    expect((await call('admin/merchants/payout-account', { mchId: m.mchId }, finance)).data).toMatchObject({ payoutAccount: { accountNumber: IBAN } });
    expect((await call('admin/merchants/set-payout-account', { mchId: m.mchId, ...OTHER }, finance)).code).toBe(9122);
    expect((await p.store.findPayoutAccount(m.mchId))!.accountNumber).toBe(IBAN);
    const rows = (await p.store.listAuditLog({ mchId: m.mchId, limit: 10 })).filter((e) => e.action === 'merchant.setPayoutAccount');
    expect(rows.map((e) => [e.actor.kind, e.actor.name, e.detail.accountNumber])).toEqual([['operator', 'ops', '•••• 5432']]);
  });

  it('the audit log names the holder, the bank and the last four characters, and the account replaced; the same account again logs nothing', async () => {
    await p.store.setPayoutAccount(m.mchId, ACCOUNT, OPERATOR);
    expect(await p.store.setPayoutAccount(m.mchId, { ...ACCOUNT, accountNumber: IBAN.toLowerCase() }, OPERATOR)).toMatchObject({ kind: 'unchanged' });
    await p.store.setPayoutAccount(m.mchId, OTHER, OPERATOR);
    const rows = (await p.store.listAuditLog({ mchId: m.mchId, limit: 10 })).filter((e) => e.action === 'merchant.setPayoutAccount');
    expect(rows.map((e) => e.detail)).toEqual([
      { holderName: 'Someone Else', bankName: 'East Bank', accountNumber: '•••• 3000', was: '•••• 5432' },
      { holderName: 'Corner Shop Ltd', bankName: 'West Bank', accountNumber: '•••• 5432', was: null },
    ]);
    expect(JSON.stringify(rows)).not.toContain('GB82WEST');
  });

  it('account changes racing payouts from two connections: every payout copies one whole account, as it stood', async () => {
    await earn('90.00');
    await p.store.setPayoutAccount(m.mchId, ACCOUNT);
    const other = await openStore(p.config, clock);
    try {
      const work = Array.from({ length: 12 }, (_, i) => (i % 2 === 0
        ? (i % 4 === 0 ? p.store : other).setPayoutAccount(m.mchId, i % 4 === 0 ? OTHER : ACCOUNT)
        : (i % 3 === 0 ? p.store : other).requestPayout({ mchId: m.mchId, amountSen: 1_00, requestId: `r-${i}` })));
      await Promise.all(work);
    } finally {
      await other.close();
    }
    const payouts = await p.store.listPayouts({ mchId: m.mchId, limit: 100 });
    expect(payouts).toHaveLength(6);
    const wholes = [{ ...ACCOUNT, accountNumber: IBAN }, { ...OTHER, accountNumber: 'DE89370400440532013000' }];
    for (const payout of payouts) expect(wholes).toContainEqual(payout.destination);
  });
});

describe("the merchant console's payout account", () => {
  it('the owner sets it with its password again; a wrong one changes nothing and counts toward the lock; a mistyped IBAN costs no try', async () => {
    const owner = await signIn('boss', 'owner');
    expect((await call('merchant/balance/payout-account', {}, owner)).data).toEqual({ payoutAccount: null });
    const bad = await call('merchant/balance/set-payout-account', { ...ACCOUNT, accountNumber: 'GB00WEST12345698765432', password: 'wrong' }, owner);
    expect([bad.code, bad.msg]).toEqual([1021, 'param error: accountNumber is not a valid IBAN: its check digits do not match (a mistyped character?)']);
    for (let i = 0; i < 4; i++) {
      const wrong = await call('merchant/balance/set-payout-account', { ...ACCOUNT, password: 'not-my-password' }, owner);
      expect([wrong.code, wrong.msg]).toEqual([9020, 'sign-in failed: the password is not right: the payout account was not changed']);
    }
    expect(await p.store.findPayoutAccount(m.mchId)).toBeNull();
    const set = await call('merchant/balance/set-payout-account', { ...ACCOUNT, password: 'user-password-1' }, owner);
    expect(set.data).toEqual({ payoutAccount: { ...ACCOUNT, accountNumber: IBAN, setAtMs: clock.now }, changed: true });
    // The right password cleared the count: four more wrong ones do not lock; the fifth in a row does.
    for (let i = 0; i < 4; i++) expect((await call('merchant/balance/set-payout-account', { ...OTHER, password: 'x' }, owner)).code).toBe(9020);
    expect((await call('merchant/balance/set-payout-account', { ...OTHER, password: 'x' }, owner)).code).toBe(9021);
    // The try that locked also ended the session: it cannot guess on once the lock ends.
    expect((await call('merchant/balance/set-payout-account', { ...OTHER, password: 'user-password-1' }, owner)).code).toBe(9120);
    expect((await call('merchant/sign-in', { mchId: m.mchId, name: 'boss', password: 'user-password-1' })).code).toBe(9021);
    expect((await p.store.findPayoutAccount(m.mchId))!.accountNumber).toBe(IBAN);
    const failed = (await p.store.listAuditLog({ mchId: m.mchId, limit: 50 })).filter((e) => e.action === 'session.signInFailed');
    // Newest first: the sign-in tried while locked, the fifth wrong password in a row that locked,
    // and the eight wrong before it; those typed inside the session say where (a session's, not a stranger's).
    expect(failed.map((e) => [e.detail.outcome, e.detail.at ?? 'sign-in'])).toEqual([
      ['locked', 'sign-in'], ['locked', 'payoutAccount'], ...Array(8).fill(['wrong', 'payoutAccount']),
    ]);
  });

  it('the password asked again is paced as sign-ins are: past the account\'s 10 tries, 9023 with Retry-After, uncompared', async () => {
    await p.stop();
    p = await startTestPlatform({ MICROPAY_SIGN_IN_PER_ADDRESS: '100', MICROPAY_SIGN_IN_PER_ACCOUNT: '10' }, clock);
    m = await createMerchant(p, 'Corner Shop');
    const owner = await signIn('boss', 'owner');
    // The sign-in took one try; nine right passwords take the rest (each clears the wrong count, not the pace).
    for (let i = 0; i < 9; i++) {
      expect((await call('merchant/balance/set-payout-account', { ...(i % 2 === 0 ? ACCOUNT : OTHER), password: 'user-password-1' }, owner)).code).toBe(0);
    }
    const paced = await fetch(`${p.url}/api/page/merchant/balance/set-payout-account`, {
      method: 'POST', headers: { 'Content-Type': 'application/json', ...as(owner, owner.csrf) }, body: JSON.stringify({ ...ACCOUNT, password: 'user-password-1' }),
    });
    const envelope = await paced.json() as { code: number; msg: string };
    expect([paced.status, envelope.code, envelope.msg]).toEqual([429, 9023, expect.stringMatching(/^too many sign-in attempts: try again in \d+ s$/)]);
    expect(Number(paced.headers.get('retry-after'))).toBeGreaterThan(0);
    expect((await p.store.findPayoutAccount(m.mchId))!.holderName).toBe(ACCOUNT.holderName);
  });

  it('a cashier sees the number\'s last four characters, on the account and on each payout, and may not change it', async () => {
    await earn('20.00');
    await p.store.setPayoutAccount(m.mchId, ACCOUNT);
    await p.store.requestPayout({ mchId: m.mchId, amountSen: 3_00, requestId: 'r-1' });
    const cashier = await signIn('lane-1', 'cashier');
    const owner = await signIn('boss', 'owner');
    expect((await call('merchant/balance/payout-account', {}, cashier)).data!.payoutAccount).toMatchObject({ accountNumber: '•••• 5432' });
    expect((await call('merchant/balance/payout-account', {}, owner)).data!.payoutAccount).toMatchObject({ accountNumber: IBAN });
    expect((await call('merchant/balance/payouts', {}, cashier)).data!.payouts[0].destination).toEqual({ holderName: ACCOUNT.holderName, bankName: 'West Bank', accountNumber: '•••• 5432' });
    expect((await call('merchant/balance/payouts', {}, owner)).data!.payouts[0].destination.accountNumber).toBe(IBAN);
    const refused = await call('merchant/balance/set-payout-account', { ...OTHER, password: 'user-password-1' }, cashier);
    expect(refused.code).toBe(9122);
    expect((await call('merchant/balance/set-payout-account', { ...OTHER, password: 'user-password-1' }, { ...owner, csrf: 'forged' })).code).toBe(9121);
    expect((await p.store.findPayoutAccount(m.mchId))!.accountNumber).toBe(IBAN);
    // The operator console shows all of it: finance transfers from it.
    expect(JSON.stringify(await p.store.listPayouts({ limit: 5 }))).toContain(IBAN);
  });
});

describe('micropay merchant payout-account', () => {
  it('shows, sets and refuses as the console does; payout create says where to transfer, or 9044', async () => {
    const cli = (args: string[]) => runCli([...args, '--db', p.dbPath]);
    await earn('30.00');
    const none = await cli(['payout', 'create', '--mch-id', m.mchId, '--amount', '5.00']);
    expect([none.code, none.stderr]).toEqual([1, expect.stringContaining('no payout account (9044)')]);
    expect((await cli(['merchant', 'payout-account', m.mchId])).stdout).toMatch(/has no payout account/);
    const bad = await cli(['merchant', 'payout-account', m.mchId, '--holder', 'A', '--bank', 'B', '--account', 'GB00WEST12345698765432']);
    expect([bad.code, bad.stderr]).toEqual([2, expect.stringContaining('--account is not a valid IBAN: its check digits do not match')]);
    expect((await cli(['merchant', 'payout-account', m.mchId, '--holder', 'A'])).code).toBe(2);
    const set = await cli(['merchant', 'payout-account', m.mchId, '--holder', ACCOUNT.holderName, '--bank', ACCOUNT.bankName, '--account', ACCOUNT.accountNumber]);
    expect(set.stdout).toMatch(new RegExp(`go to Corner Shop Ltd, West Bank, account ${IBAN}`));
    const made = await cli(['payout', 'create', '--mch-id', m.mchId, '--amount', '5.00']);
    // The account was set a moment before: finance is told it is new.
    const isNew = 'NEW ACCOUNT, set under a minute before this payout was requested: check the change with the merchant before transferring';
    expect(made.stdout).toContain(`Transfer it to Corner Shop Ltd, West Bank, account ${IBAN}; ${isNew}.`);
    expect((await cli(['payout', 'list', '--mch-id', m.mchId])).stdout).toContain(`to Corner Shop Ltd, West Bank, account ${IBAN}; ${isNew}`);
    const rows = await p.store.listAuditLog({ mchId: m.mchId, limit: 10 });
    expect(rows.map((e) => [e.action, e.actor.kind])).toContainEqual(['merchant.setPayoutAccount', 'cli']);
  });
});

describe('upgrading to payouts that record when their account was set (SQLite migration 26, PostgreSQL 27)', () => {
  it("gives a REQUESTED payout the time of the account it copied, if that is still the merchant's; refuses a payout without it from older code", async () => {
    await earn('30.00');
    const other = await createMerchant(p, 'Other Shop');
    await earn('10.00', other);
    const request = async (requestId: string, mchId = m.mchId) => {
      const made = await p.store.requestPayout({ mchId, amountSen: 1_00, requestId });
      if (made.kind !== 'requested') throw new Error(made.kind);
      return made.payout.payoutId;
    };
    await p.store.setPayoutAccount(m.mchId, ACCOUNT, OPERATOR);
    clock.advance(3_600_000);
    const replaced = await request('replaced');
    clock.advance(1000);
    await p.store.setPayoutAccount(m.mchId, OTHER, OPERATOR);
    const otherSetAtMs = clock.now;
    clock.advance(7 * 60_000);
    const current = await request('current');
    const paid = await request('paid');
    await p.store.confirmPayout(paid);
    // The other merchant's account set again, the same, after its payout: which setting the payout copied is not known.
    await p.store.setPayoutAccount(other.mchId, ACCOUNT, OPERATOR);
    const again = await request('again', other.mchId);
    await p.store.setPayoutAccount(other.mchId, OTHER, OPERATOR);
    clock.advance(2 * 60_000);
    await p.store.setPayoutAccount(other.mchId, ACCOUNT, OPERATOR);
    // The tables as they were before: no time on any payout, the guard asking for the account only.
    const sqlite = TEST_STORE === 'sqlite';
    await execute(p.store, sqlite ? 'DROP TRIGGER payouts_need_an_account' : 'DROP TRIGGER payouts_need_an_account ON payouts');
    if (!sqlite) await execute(p.store, 'DROP FUNCTION payouts_need_an_account()');
    await execute(p.store, 'ALTER TABLE payouts DROP COLUMN to_account_set_at_ms');
    await execute(p.store, sqlite ? SQLITE_PAYOUT_ACCOUNT_GUARD : POSTGRES_PAYOUT_ACCOUNT_GUARD);
    const migration = (sqlite ? SQLITE_MIGRATIONS : POSTGRES_MIGRATIONS).find((x) => x.name.startsWith('payouts record when their account was set'))!;
    await execute(p.store, `DELETE FROM schema_migrations WHERE version = ${migration.version}`);
    const upgraded = await openStore(p.config);
    try {
      const after = new Map((await upgraded.listPayouts({ mchId: m.mchId, limit: 10 })).map((x) => [x.payoutId, x]));
      // The latest copied the account still set: 7 minutes old at its request, told new.
      expect(after.get(current)!.accountSetAtMs).toBe(otherSetAtMs);
      expect(newAccountAgeMs(after.get(current)!)).toBe(7 * 60_000);
      // One copied an account since replaced, one the same account set again since: their times are not
      // known. One paid out already (to the current account): nothing to tell.
      const setAgain = (await upgraded.listPayouts({ mchId: other.mchId, limit: 10 })).find((x) => x.payoutId === again)!;
      expect([after.get(replaced)!.accountSetAtMs, setAgain.accountSetAtMs, after.get(paid)!.accountSetAtMs]).toEqual([null, null, null]);
      // A process on the code before, inserting without the time, is refused.
      const old = `INSERT INTO payouts (payout_id, mch_id, amount_sen, status, requested_at_ms, to_holder_name, to_bank_name, to_account_number)
        VALUES ('6000000000000000000009', '${m.mchId}', 100, 'REQUESTED', 1, 'A', 'B', '12345678')`;
      await expect(execute(upgraded, old)).rejects.toThrow(/a merchant payout needs the payout account it goes to and when that was set/);
    } finally {
      await upgraded.close();
    }
  });
});

describe('docs/cli.md: the payout-account example', () => {
  it('prints what the doc shows, but for the merchant id and the time', async () => {
    const blocks = docBlock('cli.md', 'payout-account-example').trim().split('\n\n');
    for (const block of blocks) {
      const [command, ...printed] = block.split('\n');
      // The doc's own quoting, split as a shell would: words, and "…" as one.
      const args = [...command!.slice('$ micropay '.length).matchAll(/"([^"]*)"|(\S+)/g)].map((w) => w[1] ?? w[2]!).map((w) => (w === '202611003' ? m.mchId : w));
      const res = await runCli([...args, '--db', p.dbPath]);
      expect(res.code, res.stderr).toBe(0);
      const expected = printed.join('\n').replaceAll('202611003', m.mchId).replace(/\d{4}-\d\d-\d\d \d\d:\d\d:\d\d [+-]\d\d:\d\d/, 'TIME');
      expect(res.stdout.trimEnd().replace(/\d{4}-\d\d-\d\d \d\d:\d\d:\d\d [+-]\d\d:\d\d/, 'TIME')).toBe(expected);
    }
  });
});

describe("a closed wallet's payout to its holder's account", () => {
  it('the operator console and the CLI give the holder\'s account when closing; the payout copies it; half an account or a bad one closes nothing', async () => {
    const ops = await operatorSession();
    const leaving = await createWalletWithCode(p, 12_50, 'Leaving');
    for (const [body, msg] of [
      [{ holderName: 'Ann Lee', bankName: 'West Bank' }, 'param error: accountNumber is required: a bank account takes its holder, its bank and its number, all three'],
      [{ holderName: 'Ann Lee', bankName: 'West Bank', accountNumber: 'GB00WEST12345698765432' }, 'param error: accountNumber is not a valid IBAN: its check digits do not match (a mistyped character?)'],
      [{ holderName: ['Ann'], bankName: 'West Bank', accountNumber: IBAN }, 'param error: holderName must be a string'],
    ] as const) {
      const refused = await call('admin/wallets/close', { walletId: leaving.walletId, ...body }, ops);
      expect([refused.code, refused.msg]).toEqual([1021, msg]);
    }
    expect((await p.store.findWallet(leaving.walletId))!.status).toBe('active');
    const closed = await call('admin/wallets/close', { walletId: leaving.walletId, holderName: 'Ann Lee', bankName: 'West Bank', accountNumber: 'gb82 west 1234 5698 7654 32' }, ops);
    expect(closed.code).toBe(0);
    const [payout] = await p.store.listPayouts({ walletId: leaving.walletId, limit: 5 });
    expect(payout).toMatchObject({ amountSen: 12_50, destination: { holderName: 'Ann Lee', bankName: 'West Bank', accountNumber: IBAN } });
    const audit = (await p.store.listAuditLog({ limit: 20 })).find((e) => e.action === 'wallet.close');
    expect(audit!.detail).toMatchObject({ paidOut: '12.50', to: '•••• 5432' });

    // The CLI: without an account, and with one.
    const cash = await createWalletWithCode(p, 3_00, 'Cash');
    const byCash = await runCli(['wallet', 'close', cash.walletId, '--db', p.dbPath]);
    expect(byCash.stdout).toContain("Pay it to the wallet's holder by your own means (no bank account was given); once paid: micropay payout confirm");
    const empty = await createWalletWithCode(p, 0, 'Empty');
    const emptyClosed = await runCli(['wallet', 'close', empty.walletId, '--holder', 'Em', '--bank', 'East Bank', '--account', '000123456789', '--db', p.dbPath]);
    expect(emptyClosed.stdout).toContain('It holds no money, so the bank account given was not needed.');
    const bank = await createWalletWithCode(p, 4_00, 'Bank');
    expect((await runCli(['wallet', 'close', bank.walletId, '--holder', 'Bo', '--db', p.dbPath])).code).toBe(2);
    const byBank = await runCli(['wallet', 'close', bank.walletId, '--holder', 'Bo Tan', '--bank', 'East Bank', '--account', '000123456789', '--db', p.dbPath]);
    expect(byBank.stdout).toContain('Pay it to Bo Tan, East Bank, account 000123456789; once paid:');
    const listed = await runCli(['payout', 'list', '--wallet-id', bank.walletId, '--db', p.dbPath]);
    expect(listed.stdout).toContain('to Bo Tan, East Bank, account 000123456789');
  });
});
