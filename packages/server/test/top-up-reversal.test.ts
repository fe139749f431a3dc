import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { OperatorRole } from '@micropay/protocol/operator-roles';
import { hashPin } from '../src/domain/credentials.js';
import { journalEntry } from '../src/domain/ledger.js';
import { accountBalanceSen, book, execute, sql } from './db-access.js';
import { docBlock } from './doc-blocks.js';
import { createMerchant, micropayParams, postSigned, startTestPlatform, type TestMerchant, type TestPlatform } from './helpers.js';
import { as, pageCall, sessionOf, signInWallet, type Session } from './page-helpers.js';
import { runCli, stopAllChildren } from './process-helpers.js';

/**
 * A top-up made by mistake, taken back (domain/top-up-reversal.ts, docs/operations.md "A top-up
 * made by mistake"), on both stores over real HTTP: the whole amount from the wallet back to the
 * float, once, only while the wallet has it available; shown in the holder's history and the
 * operator's; in the audit log with the reason; refused in words (9060) otherwise, nothing written.
 */
let p: TestPlatform;
let fin: Session;
let ada: Session;
let shop: TestMerchant;

beforeEach(async () => {
  p = await startTestPlatform();
  fin = await operator('fin', 'finance');
  ada = await operator('ada', 'admin');
  shop = await createMerchant(p, 'Canteen');
});
afterEach(async () => {
  await stopAllChildren();
  await p.stop();
});

async function operator(name: string, role: OperatorRole): Promise<Session> {
  if (typeof await p.store.createOperator(name, await hashPin('operator-pass-1'), null, { role }) === 'string') throw new Error('operator');
  return sessionOf(await pageCall(p, 'admin/sign-in', { name, password: 'operator-pass-1' }));
}

/** A wallet opened with `opening` and then topped up by `topUp` (the mistake): its id and the top-up's entry id. */
async function walletToppedUp(opening: string, topUp: string): Promise<{ walletId: string; entryId: string }> {
  const created = await pageCall(p, 'admin/wallets/create', { name: 'Ana', openingBalance: opening }, as(ada));
  const walletId = created.data!.wallet.walletId as string;
  expect((await pageCall(p, 'admin/wallets/top-up', { walletId, amount: topUp }, as(fin))).code).toBe(0);
  const history = await pageCall(p, 'admin/wallets/history', { walletId }, as(fin));
  return { walletId, entryId: history.data!.transactions[0].entryId as string };
}

const reverse = (walletId: string, entryId: string, reason = 'cashier typed 500.00 for 50.00') =>
  pageCall(p, 'admin/wallets/reverse-top-up', { walletId, entryId, reason }, as(fin));

async function pay(walletId: string, order: string, amount: string): Promise<number> {
  const code = await p.store.issuePayCode(walletId, 60_000);
  if (typeof code === 'string') throw new Error(code);
  return (await postSigned(p.url, 'micropay', micropayParams(shop, order, amount, code.code), shop.key)).body.code;
}

/** Everything a refused reversal must leave as it was. */
const ledger = async () => JSON.stringify([await sql(p.store, 'SELECT * FROM journal_entries ORDER BY entry_id'), await sql(p.store, 'SELECT * FROM account_balances ORDER BY id')]);

describe('reversing a top-up', () => {
  it('moves the whole top-up back to the float once, shows it to the holder and the operator, and logs who and why', async () => {
    const { walletId, entryId } = await walletToppedUp('10.00', '500.00');
    const floatBefore = await accountBalanceSen(p.store, 'platform:float');

    const done = await reverse(walletId, entryId);
    expect([done.code, done.data!.wallet.balance, done.data!.wallet.available]).toEqual([0, '10.00', '10.00']);
    expect(await accountBalanceSen(p.store, 'platform:float')).toBe(floatBefore + 500_00);

    const again = await reverse(walletId, entryId);
    const reversal = (await sql<{ entry_id: number }>(p.store, "SELECT entry_id FROM journal_entries WHERE kind = 'topup_reversal'"))[0]!.entry_id;
    expect([again.code, again.msg]).toEqual([9060, `action refused: entry ${entryId} of wallet ${walletId} was not reversed: it was reversed already, by entry ${reversal}`]);

    const operatorView = (await pageCall(p, 'admin/wallets/history', { walletId }, as(fin))).data!.transactions;
    expect(operatorView.map((t: Record<string, unknown>) => [t.type, t.amount, t.status, t.entryId])).toEqual([
      ['TOPUP_REVERSAL', '-500.00', null, String(reversal)], ['TOPUP', '500.00', 'REVERSED', entryId], ['TOPUP', '10.00', null, expect.any(String)],
    ]);
    const holderView = (await pageCall(p, 'wallet/history', {}, as(await signInWallet(p, walletId)))).data!.transactions;
    expect(holderView.map((t: Record<string, unknown>) => [t.type, t.amount, t.status, 'entryId' in t])).toEqual([
      ['TOPUP_REVERSAL', '-500.00', null, false], ['TOPUP', '500.00', 'REVERSED', false], ['TOPUP', '10.00', null, false],
    ]);

    const logged = await sql<{ actor_kind: string; actor_name: string; operator_role: string; detail: string }>(p.store,
      "SELECT actor_kind, actor_name, operator_role, detail FROM audit_log WHERE action = 'wallet.reverseTopUp'");
    expect(logged.map((r) => [r.actor_kind, r.actor_name, r.operator_role, JSON.parse(r.detail)])).toEqual([
      ['operator', 'fin', 'finance', { entryId: Number(entryId), amount: '500.00', reason: 'cashier typed 500.00 for 50.00' }],
    ]);
    expect((await p.store.audit()).ok).toBe(true);
  });

  it('never takes money the holder spent or that is held for a payment awaiting confirmation; a frozen wallet is reversed', async () => {
    const { walletId, entryId } = await walletToppedUp('0', '50.00');
    expect(await pay(walletId, 'lunch-1', '20.00')).toBe(0);
    const before = await ledger();
    const spent = await reverse(walletId, entryId);
    expect([spent.code, spent.msg]).toEqual([9060, `action refused: entry ${entryId} of wallet ${walletId} was not reversed: the wallet has 30.00 available, less than the top-up's 50.00: the holder has spent part of it, or it is held for a payment awaiting confirmation`]);
    expect(await ledger()).toBe(before);

    const second = await walletToppedUp('0', '40.00');
    await p.store.updateWalletSecurity(second.walletId, { confirmLimitSen: 5_00 });
    expect(await pay(second.walletId, 'held-1', '10.00')).toBe(1024);
    expect((await reverse(second.walletId, second.entryId)).msg).toContain('the wallet has 30.00 available, less than the top-up\'s 40.00');
    await p.store.declinePending(second.walletId, (await p.store.listPendingOrders(second.walletId))[0]!.orderId);

    expect((await pageCall(p, 'admin/wallets/freeze', { walletId: second.walletId }, as(await operator('sam', 'support')))).code).toBe(0);
    const frozen = await reverse(second.walletId, second.entryId);
    expect([frozen.code, frozen.data!.wallet.status, frozen.data!.wallet.balance]).toEqual([0, 'frozen', '0.00']);
    expect((await p.store.audit()).ok).toBe(true);
  });

  it('refuses what is no top-up of this wallet, a closed wallet, and bad input, in words, writing nothing', async () => {
    const { walletId, entryId } = await walletToppedUp('5.00', '5.00');
    const other = await walletToppedUp('1.00', '1.00');
    expect(await pay(walletId, 'coffee-1', '2.00')).toBe(0);
    const payment = (await pageCall(p, 'admin/wallets/history', { walletId }, as(fin))).data!.transactions[0];
    expect(payment.type).toBe('PAYMENT');
    const before = await ledger();
    const refusals: [Record<string, unknown>, number, string][] = [
      [{ walletId, entryId: payment.entryId }, 9060, `entry ${payment.entryId} of wallet ${walletId} was not reversed: entry ${payment.entryId} is a payment, not a top-up (a payment is taken back by a refund)`],
      [{ walletId, entryId: other.entryId }, 9060, `entry ${other.entryId} of wallet ${walletId} was not reversed: the wallet has no journal entry ${other.entryId}`],
      [{ walletId: '609999999999', entryId }, 1040, 'no wallet 609999999999'],
      [{ walletId, entryId: '0' }, 1021, "entryId must be the top-up's journal entry id, as the wallet's history shows it"],
      [{ walletId, entryId: '07' }, 1021, "entryId must be the top-up's journal entry id, as the wallet's history shows it"],
      [{ walletId, entryId, reason: '   ' }, 1021, 'reason must be 1 to 200 printable characters'],
      [{ walletId, entryId, reason: 'a\u202Eb' }, 1021, 'reason must be 1 to 200 printable characters'],
      [{ walletId, entryId, reason: 'x'.repeat(201) }, 1021, 'reason must be 1 to 200 printable characters'],
      [{ walletId, entryId, reason: 'ok', amount: '5.00' }, 1021, 'unknown parameter "amount": not part of this API'],
    ];
    for (const [body, code, words] of refusals) {
      const a = await pageCall(p, 'admin/wallets/reverse-top-up', { reason: 'mistake', ...body }, as(fin));
      expect([body, a.code, a.msg.replace(/^[a-z ]+: /, '')]).toEqual([body, code, words]);
    }
    expect(await ledger()).toBe(before);

    const closing = await walletToppedUp('0', '3.00');
    await p.store.closeWallet(closing.walletId);
    expect((await reverse(closing.walletId, closing.entryId)).msg).toBe(
      `action refused: entry ${closing.entryId} of wallet ${closing.walletId} was not reversed: the wallet is closed, and what it held was paid out when it closed`);
  });

  it('racing itself and a payment: one reversal at most, and never both the reversal and the payment of the same money', async () => {
    const { walletId, entryId } = await walletToppedUp('0', '80.00');
    const answers = await Promise.all(Array.from({ length: 8 }, () => reverse(walletId, entryId)));
    expect(answers.filter((a) => a.code === 0)).toHaveLength(1);
    expect(answers.filter((a) => a.code === 9060)).toHaveLength(7);
    expect((await p.store.findWallet(walletId))!.balanceSen).toBe(0);

    for (let round = 0; round < 5; round++) {
      const race = await walletToppedUp('0', '60.00');
      const [reversed, paid] = await Promise.all([reverse(race.walletId, race.entryId), pay(race.walletId, `race-${round}`, '60.00')]);
      // Exactly one of them took the 60.00: the payment (the reversal refused) or the reversal (the payment short of money).
      expect([reversed.code, paid].sort()).toEqual(reversed.code === 0 ? [0, 1028] : [0, 9060]);
      expect((await p.store.findWallet(race.walletId))!.balanceSen).toBe(0);
    }
    expect((await p.store.audit()).ok).toBe(true);
  });
});

describe('the CLI', () => {
  it('lists a wallet\'s movements with their entry ids, and reverses a top-up by one', async () => {
    const { walletId, entryId } = await walletToppedUp('10.00', '500.00');
    const listed = await runCli(['wallet', 'history', walletId, '--db', p.dbPath]);
    expect(listed.code).toBe(0);
    expect(listed.stdout).toMatch(new RegExp(`^entry ${entryId} +\\d{4}-\\d\\d-\\d\\d \\d\\d:\\d\\d:\\d\\d [+-]\\d\\d:\\d\\d +500\\.00  top-up\\nentry \\d+ .* +10\\.00  top-up\\n$`));

    const refused = await runCli(['wallet', 'reverse-topup', walletId, entryId, '--db', p.dbPath]);
    expect([refused.code, refused.stderr]).toEqual([2, expect.stringContaining('--reason')]);
    const done = await runCli(['wallet', 'reverse-topup', walletId, entryId, '--reason', 'typed 500 for 50', '--db', p.dbPath]);
    expect([done.code, done.stdout]).toEqual([0, `Top-up ${entryId} of wallet ${walletId} reversed; balance 10.00.\n`]);
    const twice = await runCli(['wallet', 'reverse-topup', walletId, entryId, '--reason', 'again', '--db', p.dbPath]);
    expect([twice.code, twice.stderr]).toEqual([1, expect.stringMatching(new RegExp(`^micropay: entry ${entryId} of wallet ${walletId} was not reversed: it was reversed already, by entry \\d+\\n$`))]);
    const after = await runCli(['wallet', 'history', walletId, '--json', '--db', p.dbPath]);
    const movements = JSON.parse(after.stdout).movements as Record<string, unknown>[];
    expect(movements.map((m) => [m.type, m.amount, m.status])).toEqual([
      ['TOPUP_REVERSAL', '-500.00', null], ['TOPUP', '500.00', 'REVERSED'], ['TOPUP', '10.00', null],
    ]);
    expect(movements[0]!.atMs).toMatch(/^\d{13}$/);
    expect((await runCli(['wallet', 'history', walletId, '--db', p.dbPath])).stdout).toMatch(/^entry \d+ +\S+ \S+ \S+ +-500\.00  top-up reversal\n/);
  });
});

describe('docs/cli.md', () => {
  it('the reverse-topup example prints what the doc says, for Bob\'s wallet (500.00 opened, 25.00 topped up)', async () => {
    const bob = (await p.store.createWallet({ name: 'Bob', openingSen: 500_00 })).walletId;
    await p.store.topUp(bob, 25_00);
    const [{ entryId: first }] = (await p.store.recentTransactions(bob, 2)).slice(-1) as [{ entryId: number }];
    // The doc's wallet and entry ids (its opening top-up is entry 3) are this store's; its `# exit 1` is no argument.
    const ours = (text: string) =>
      text.replaceAll('600526900243', bob).replace(/ +# exit \d+$/gm, '').replace(/(entry |Top-up |reverse-topup \d+ )(\d+)/g, (_m, before: string, n: string) => `${before}${Number(n) - 3 + first}`);
    const time = (text: string) => text.replace(/\d{4}-\d\d-\d\d \d\d:\d\d:\d\d [+-]\d\d:\d\d/g, 'TIME');
    for (const block of docBlock('cli.md', 'reverse-topup-example').trim().split('\n\n')) {
      const [command, ...printed] = ours(block).split('\n');
      const args = [...command!.slice('$ micropay '.length).matchAll(/"([^"]*)"|(\S+)/g)].map((w) => w[1] ?? w[2]!);
      const res = await runCli([...args, '--db', p.dbPath]);
      const expected = printed.join('\n');
      expect([res.code, time(expected.startsWith('micropay: ') ? res.stderr : res.stdout).trimEnd()]).toEqual([expected.startsWith('micropay: ') ? 1 : 0, time(expected)]);
    }
  });
});

describe('the ledger audit', () => {
  it('finds an entry that names a top-up without being its reversal, and a reversal that does not move back what its top-up moved', async () => {
    const { walletId, entryId } = await walletToppedUp('0', '9.00');
    expect((await reverse(walletId, entryId)).code).toBe(0);
    const failing = async () => (await p.store.audit()).checks.filter((c) => c.violations.length > 0).map((c) => c.name);
    expect(await failing()).toEqual([]);
    // By hand, as only a bug (or a hand in the database) could: the reversal's wallet posting one sen short.
    await execute(p.store, "UPDATE postings SET amount_sen = amount_sen + 1 WHERE account_id = ? AND amount_sen = -900", [`wallet:${walletId}`]);
    expect(await failing()).toContain('every top-up reversal moves back exactly what its top-up moved, account by account');
    await execute(p.store, "UPDATE journal_entries SET kind = 'payment' WHERE reverses_entry_id IS NOT NULL");
    expect(await failing()).toContain('every top-up reversal names a top-up, and only reversals name one');
  });

  it('the database itself refuses a second reversal of one top-up, past every check of the code', async () => {
    const { walletId, entryId } = await walletToppedUp('5.00', '9.00');
    expect((await reverse(walletId, entryId)).code).toBe(0);
    const again = journalEntry('topup_reversal', { reversesEntryId: Number(entryId) }, [
      { accountId: `wallet:${walletId}`, amountSen: -9_00 }, { accountId: 'platform:float', amountSen: 9_00 },
    ], Date.now());
    await expect(book(p.store, again)).rejects.toThrow(/unique|duplicate/i);
    expect((await p.store.findWallet(walletId))!.balanceSen).toBe(5_00);
  });
});
