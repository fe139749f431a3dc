import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { OperatorRole } from '@micropay/protocol/operator-roles';
import { cliActing } from '../src/cli/common.js';
import { hashPin } from '../src/domain/credentials.js';
import { ROUTES } from '../src/http/routes.js';
import { sql } from './db-access.js';
import { createMerchant, createWalletWithCode, startTestPlatform, type TestPlatform } from './helpers.js';
import { as, pageCall, sessionOf, type Session } from './page-helpers.js';

/**
 * Operator roles (docs/consoles.md, "Operator roles"), over real HTTP on both stores: every operator
 * reads everything; each change of the operator console is refused (9122) to a role that may not
 * make it, before its body is read and with nothing written; a new role applies to the session's
 * next request; the change of role is in the audit log.
 */
let p: TestPlatform;

beforeEach(async () => {
  p = await startTestPlatform();
});
afterEach(async () => {
  await p.stop();
});

async function operator(name: string, role: OperatorRole): Promise<Session> {
  if (typeof await p.store.createOperator(name, await hashPin('operator-pass-1'), null, { role }) === 'string') throw new Error('operator');
  const signedIn = await pageCall(p, 'admin/sign-in', { name, password: 'operator-pass-1' });
  expect(signedIn.data).toMatchObject({ operatorName: name, role });
  return sessionOf(signedIn);
}

/** Who may make each change, written out here by hand: the test of the rule, not a copy of it. */
const MAY: Readonly<Record<string, readonly OperatorRole[]>> = {
  'admin/merchants/create': ['admin'],
  'admin/merchants/import': ['admin'],
  'admin/merchants/set-status': ['admin'],
  'admin/merchants/roll-key': ['admin'],
  // Where a merchant's money goes: not finance, which confirms the transfers to it.
  'admin/merchants/set-payout-account': ['admin'],
  // A merchant's users: who may sign in to its till and console.
  'admin/merchants/create-user': ['admin'],
  'admin/merchants/set-user-status': ['admin'],
  'admin/merchants/reset-user-password': ['admin'],
  'admin/wallets/create': ['admin'],
  'admin/wallets/close': ['admin'],
  'admin/wallets/top-up': ['admin', 'finance'],
  'admin/wallets/reverse-top-up': ['admin', 'finance'],
  'admin/payouts/confirm': ['admin', 'finance'],
  'admin/payouts/fail': ['admin', 'finance'],
  'admin/payouts/confirm-file': ['admin', 'finance'],
  'admin/wallets/freeze': ['admin', 'support'],
  'admin/wallets/unfreeze': ['admin', 'support'],
  'admin/wallets/unlock-pin': ['admin', 'support'],
  // A holder's ways in let whoever sets them spend the holder's money: the admin's alone.
  'admin/wallets/set-pin': ['admin'],
  'admin/wallets/set-limit': ['admin'],
  'admin/wallets/new-token': ['admin'],
  'admin/wallets/sign-in-link': ['admin'],
  'admin/wallets/revoke-devices': ['admin', 'support'],
  'admin/notifications/retry': ['admin', 'support'],
  // The payout file: every account number whole, for those who make the transfers.
  'admin/payouts/download': ['admin', 'finance'],
  // Changes nothing but records that it ran: everyone.
  'admin/ledger-audit': ['admin', 'finance', 'support'],
  'admin/sign-out': ['admin', 'finance', 'support'],
};

/** For each change refused to some role, a body an admin's call would carry out. */
async function workingBodies(): Promise<Record<string, Record<string, unknown>>> {
  const m = await createMerchant(p, 'Corner Shop');
  const { walletId } = await createWalletWithCode(p, 10_00);
  const [{ entryId: opening }] = await p.store.recentTransactions(walletId, 1) as [{ entryId: number }];
  const leaving = await createWalletWithCode(p, 3_00, 'Leaving');
  const closed = await p.store.closeWallet(leaving.walletId);
  if (closed?.payout === null || closed?.payout === undefined) throw new Error('no payout');
  const one = { walletId };
  if (typeof await p.store.createCashier(m.mchId, 'lane-1', await hashPin('user-password-1')) === 'string') throw new Error('user');
  // Payout file 1, of the closed wallet's payout.
  const filed = await p.store.filePayouts({ status: 'REQUESTED', file: 'new', fromMs: null, toMs: null, from: null, to: null }, 100, cliActing());
  if (filed.kind !== 'filed') throw new Error('no payout file');
  return {
    'admin/merchants/create': { name: 'New Shop' },
    'admin/merchants/import': { name: 'Moved', mchId: '77770001', key: 'k'.repeat(32) },
    'admin/merchants/set-status': { mchId: m.mchId, status: 'disabled' },
    'admin/merchants/roll-key': { mchId: m.mchId },
    'admin/merchants/set-payout-account': { mchId: m.mchId, holderName: 'Corner Shop Ltd', bankName: 'West Bank', accountNumber: '12345678' },
    'admin/merchants/create-user': { mchId: m.mchId, name: 'Owner', role: 'owner' },
    'admin/merchants/set-user-status': { mchId: m.mchId, name: 'lane-1', status: 'disabled' },
    'admin/merchants/reset-user-password': { mchId: m.mchId, name: 'lane-1' },
    'admin/wallets/create': { name: 'Holder', openingBalance: '5.00' },
    'admin/wallets/close': one,
    'admin/wallets/top-up': { walletId, amount: '5.00' },
    // The wallet's opening top-up (its first journal entry after the others' opening ones).
    'admin/wallets/reverse-top-up': { walletId, entryId: String(opening), reason: 'typed twice' },
    'admin/payouts/confirm': { payoutId: closed.payout.payoutId },
    'admin/payouts/fail': { payoutId: closed.payout.payoutId, reason: 'bank refused' },
    'admin/payouts/confirm-file': { file: '1', total: '3.00' },
    'admin/wallets/freeze': one,
    'admin/wallets/unfreeze': one,
    'admin/wallets/unlock-pin': one,
    'admin/wallets/set-pin': { ...one, pin: '2468' },
    'admin/wallets/set-limit': { ...one, confirmLimit: '40.00' },
    'admin/wallets/new-token': one,
    'admin/wallets/sign-in-link': one,
    'admin/wallets/revoke-devices': one,
    'admin/notifications/retry': { notificationId: '00000000-0000-4000-8000-000000000000' },
    'admin/payouts/download': { status: 'all' },
  };
}

describe('operator roles', () => {
  it('each role makes only its own changes (9122 for the rest, with a body that would work, nothing written) and reads everything', async () => {
    const sessions = { admin: await operator('ada', 'admin'), finance: await operator('fin', 'finance'), support: await operator('sam', 'support') };
    const adminPaths = [...ROUTES.keys()].map((path) => path.replace('/api/page/', '')).filter((path) => path.startsWith('admin/'));
    const reads = adminPaths.filter((path) => MAY[path] === undefined && !['admin/session', 'admin/sign-in'].includes(path));
    // Every change of the console is in the table above: a new one must say who may make it.
    expect(reads.sort()).toEqual([
      'admin/audit-log', 'admin/dashboard', 'admin/merchants/check-payout-account', 'admin/merchants/list', 'admin/merchants/payout-account', 'admin/merchants/users', 'admin/notifications/dead', 'admin/notifications/health', 'admin/operators',
      'admin/payouts/list', 'admin/wallets/detail', 'admin/wallets/history', 'admin/wallets/search',
    ]);
    const bodies = await workingBodies();
    const state = async () => JSON.stringify(await Promise.all(['merchants', 'wallets', 'payouts', 'journal_entries', 'audit_log', 'wallet_devices', 'cashiers'].map((t) =>
      sql(p.store, `SELECT * FROM ${t} ORDER BY 1`))));
    for (const path of Object.keys(MAY).filter((x) => x !== 'admin/sign-out')) {
      for (const role of ['admin', 'finance', 'support'] as const) {
        if (MAY[path]!.includes(role)) {
          // A role that may is answered for the body: an empty one is a parameter error (the ledger audit takes none).
          // The payout file's choice has defaults: a status it does not know is its parameter error.
          const body = path === 'admin/payouts/download' ? { status: 'PAID' } : {};
          expect([path, role, (await pageCall(p, path, body, as(sessions[role]))).code]).toEqual([path, role, path === 'admin/ledger-audit' ? 0 : 1021]);
          continue;
        }
        const before = await state();
        const a = await pageCall(p, path, bodies[path]!, as(sessions[role]));
        expect([path, role, a.code, a.status]).toEqual([path, role, 9122, 403]);
        expect(await state()).toBe(before);
      }
    }
    for (const path of reads) {
      for (const role of ['finance', 'support'] as const) expect([path, role, (await pageCall(p, path, {}, as(sessions[role]))).code]).not.toEqual([path, role, 9122]);
    }
  });

  it('support freezes a wallet and finance tops it up, not the other way round; a new role applies to the next request of a session already open', async () => {
    const sam = await operator('sam', 'support');
    const fin = await operator('fin', 'finance');
    const frozen = await createWalletWithCode(p, 1_00, 'Bob');
    expect((await pageCall(p, 'admin/wallets/freeze', { walletId: frozen.walletId }, as(sam))).code).toBe(0);
    const refused = await pageCall(p, 'admin/wallets/freeze', { walletId: frozen.walletId }, as(fin));
    expect([refused.code, refused.msg]).toEqual([9122, 'role not allowed: the finance role may not make wallet care changes; admin or support may']);
    expect((await pageCall(p, 'admin/wallets/top-up', { walletId: frozen.walletId, amount: '5.00' }, as(sam))).code).toBe(9122);
    expect((await pageCall(p, 'admin/wallets/top-up', { walletId: frozen.walletId, amount: '5.00' }, as(fin))).code).toBe(0);
    expect((await p.store.findWallet(frozen.walletId))!.balanceSen).toBe(6_00);

    // As `micropay admin set-role` does it: by the CLI's user, in the audit log.
    expect(await p.store.setOperatorRole('sam', 'finance', cliActing())).toMatchObject({ operator: { role: 'finance' }, was: 'support' });
    expect((await pageCall(p, 'admin/wallets/top-up', { walletId: frozen.walletId, amount: '1.00' }, as(sam))).code).toBe(0);
    expect((await pageCall(p, 'admin/wallets/unfreeze', { walletId: frozen.walletId }, as(sam))).code).toBe(9122);
    expect((await pageCall(p, 'admin/session', {}, as(sam))).data).toMatchObject({ operatorName: 'sam', role: 'finance' });
    const changes = async () => (await sql<{ detail: string }>(p.store, "SELECT detail FROM audit_log WHERE action = 'operator.setRole'")).map((r) => JSON.parse(r.detail));
    expect(await changes()).toEqual([{ name: 'sam', role: 'finance', was: 'support' }]);
    // The same role again changes nothing, and writes nothing.
    expect(await p.store.setOperatorRole('sam', 'finance', cliActing())).toMatchObject({ operator: { role: 'finance' }, was: 'finance' });
    expect(await changes()).toHaveLength(1);
    expect(await p.store.setOperatorRole('nobody', 'admin')).toBeNull();
  });
});
