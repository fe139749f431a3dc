import { platformMoneyWire } from '../api/platform-money-wire.js';
import { formatDuration, formatSen, isCalendarDate, resultCodeInfo, ResultCode } from '@micropay/protocol';
import type { Config } from '../config.js';
import { MAX_REASON_LENGTH } from '@micropay/protocol/text-limits';
import { MAX_PAYOUT_REQUEST_ID_LENGTH, newAccountAgeMs, type Payout, type PayoutFinishDecision, type PayoutStatus } from '../domain/payout.js';
import { printableTextProblem } from '../domain/text.js';
import { merchantDay } from '../services/statements.js';
import { defineCommand, type CommandGroup } from './command-line.js';
import { amountSen, badInput, cliActing, CommandFailed, dayNotOver, notFound, timeText, UsageError } from './common.js';
import { failPayoutBecause, isBadInput } from '../services/operator-actions.js';
import { fileConfirmationRefusal, fileConfirmationWire, PAYOUT_FILE_NO, payoutFilterOf, unmadeFileProblem } from '../services/payout-file.js';
import { fileConfirmationWords } from '@micropay/protocol/payout-file';
import { platformDay } from './platform-day-command.js';
import { cliPayoutSelection, exportFile, PAYOUT_DAYS, PAYOUT_FILE_OPTION } from './payout-file-command.js';

/**
 * Money out (docs/operations.md, "Payouts" and "Daily settlement report"). Every refusal names its
 * code from the published catalogue (docs/errors.md), whose `msg` it starts with.
 */
function refused(code: number, detail: string): never {
  throw new CommandFailed(`${resultCodeInfo(code)!.msg} (${code}): ${detail}`);
}

export function payoutJson(p: Payout) {
  const age = newAccountAgeMs(p);
  return {
    payoutId: p.payoutId,
    mchId: p.mchId,
    walletId: p.walletId,
    requestId: p.requestId,
    amount: formatSen(p.amountSen),
    status: p.status,
    failReason: p.failReason,
    requestedAtMs: String(p.requestedAtMs),
    finishedAtMs: p.finishedAtMs === null ? null : String(p.finishedAtMs),
    destination: p.destination,
    newAccountAgeMs: age === null ? null : String(age),
    fileNo: p.fileNo,
  };
}

/**
 * Where a payout goes, as finance makes the transfer, saying when the account was new at the
 * request; a closed wallet's holder is paid as the operator's own process says.
 */
export function destinationText(p: Payout): string {
  if (p.destination !== null) return `to ${p.destination.holderName}, ${p.destination.bankName}, account ${p.destination.accountNumber}${newAccountText(p)}`;
  return p.walletId !== null ? "to the wallet's holder by your own means (no bank account was given)" : 'to no recorded account (requested before payout accounts)';
}

/** `; NEW ACCOUNT, set 2 h before this payout: …` when the account was set under a day before the request. */
function newAccountText(p: Payout): string {
  const age = newAccountAgeMs(p);
  return age === null ? '' : `; NEW ACCOUNT, set ${formatDuration(age)} before this payout was requested: check the change with the merchant before transferring`;
}

function payoutLine(p: Payout, config: Config): string {
  const owner = p.mchId !== null ? `merchant ${p.mchId}` : `wallet ${p.walletId} (closed)`;
  const finished = p.finishedAtMs === null ? '' : `, ${p.status === 'PAID_OUT' ? 'paid out' : 'failed'} ${timeText(p.finishedAtMs, config)}`;
  const reason = p.failReason === null ? '' : `: ${p.failReason}`;
  const file = p.fileNo === null ? '' : `, in payout file ${p.fileNo}`;
  return `${p.payoutId}  ${p.status.padEnd(9)}  ${formatSen(p.amountSen).padStart(12)}  ${owner}, requested ${timeText(p.requestedAtMs, config)}${finished}${reason}${file}\n`
    + `${' '.repeat(p.payoutId.length + 2)}${destinationText(p)}`;
}

/** Free text of the operator's, by the payouts' text rule (domain/payout.ts). */
function operatorText(value: string, what: string, max: number): string {
  const problem = printableTextProblem(value, max);
  if (problem !== null) throw new UsageError(`${what} ${problem}`);
  return value;
}

const create = defineCommand({
  name: 'payout create',
  summary: "pay part of a merchant's balance out to its bank: it waits, REQUESTED, in platform:payouts",
  details: [
    'The amount leaves the merchant\'s balance at once, never more than the balance (9040). The payout copies',
    'the merchant\'s payout account (9044 without one: merchant payout-account). Make the bank transfer to it,',
    'then record its outcome with payout confirm or payout fail. --request-id makes a retry safe: the same',
    'id and amount answer the payout already made (9043 if the amount differs).',
  ].join('\n'),
  positionals: [],
  options: {
    'mch-id': { type: 'string', value: 'MCHID', required: true, help: 'the merchant' },
    amount: { type: 'string', value: 'AMOUNT', required: true, help: 'how much, like 100.00' },
    'request-id': { type: 'string', value: 'ID', help: `your id for this payout, unique per merchant (at most ${MAX_PAYOUT_REQUEST_ID_LENGTH} characters)` },
  },
  store: 'existing',
  async run({ options, store, out, config }) {
    const sen = amountSen(options.amount, '--amount');
    const requestId = options['request-id'] === undefined ? null : operatorText(options['request-id'], '--request-id', MAX_PAYOUT_REQUEST_ID_LENGTH);
    const mchId = options['mch-id'];
    const decision = await store.requestPayout({ mchId, amountSen: sen, requestId }, cliActing());
    switch (decision.kind) {
      case 'rejected':
        if (decision.reason === 'NO_MERCHANT') return notFound(`merchant ${mchId}`);
        if (decision.reason === 'NO_PAYOUT_ACCOUNT') {
          return refused(ResultCode.NO_PAYOUT_ACCOUNT, `merchant ${mchId} has no payout account (micropay merchant payout-account ${mchId} --holder … --bank … --account …); nothing was paid out`);
        }
        if (decision.reason === 'EXCEEDS_BALANCE') {
          return refused(ResultCode.PAYOUT_EXCEEDS_BALANCE, `merchant ${mchId} has a balance of ${formatSen(decision.balanceSen)}; nothing was paid out`);
        }
        return refused(ResultCode.PAYOUT_REQUEST_ID_REUSED,
          `request id ${requestId} is payout ${decision.payout.payoutId} of ${formatSen(decision.payout.amountSen)}; nothing was paid out`);
      default: {
        const p = decision.payout;
        const text = decision.kind === 'repeat'
          ? `Payout ${p.payoutId} was made already under request id ${requestId}: nothing moved again.\n${payoutLine(p, config)}`
          : `Payout ${p.payoutId} of ${formatSen(p.amountSen)} for merchant ${mchId} is REQUESTED: the money waits in platform:payouts.\n` +
            `Transfer it ${destinationText(p)}.\nOnce the bank has paid: micropay payout confirm ${p.payoutId}`;
        out.show({ ...payoutJson(p), repeat: decision.kind === 'repeat' }, text);
        return 0;
      }
    }
  },
});

/** Shows a recorded outcome, or says why there is none. */
function showFinish(decision: PayoutFinishDecision, payoutId: string, want: PayoutStatus, out: { show(json: unknown, text: string): void }, config: Config): number {
  if (decision.kind === 'rejected') {
    if (decision.reason === 'NOT_FOUND') return refused(ResultCode.PAYOUT_NOT_FOUND, `no payout ${payoutId}`);
    return refused(ResultCode.PAYOUT_NOT_REQUESTED, `payout ${payoutId} is ${decision.payout.status} already; it cannot become ${want}`);
  }
  const p = decision.payout;
  const what = want === 'PAID_OUT' ? 'the money has left the platform' : `${formatSen(p.amountSen)} went back to ${p.mchId !== null ? `merchant ${p.mchId}` : `wallet ${p.walletId}`}`;
  const again = want === 'FAILED' && p.walletId !== null ? ` Run \`micropay wallet close ${p.walletId}\` again to pay it out.` : '';
  const text = decision.kind === 'repeat' ? `Payout ${p.payoutId} was ${want} already: nothing moved again.` : `Payout ${p.payoutId} is ${want}: ${what}.${again}`;
  out.show({ ...payoutJson(p), repeat: decision.kind === 'repeat' }, `${text}\n${payoutLine(p, config)}`);
  return 0;
}

const confirm = defineCommand({
  name: 'payout confirm',
  summary: 'record that the bank paid a REQUESTED payout: PAID_OUT, the money leaves the platform',
  positionals: [{ name: 'PAYOUTID', help: 'the payout' }],
  options: {},
  store: 'existing',
  async run({ args, store, out, config }) {
    return showFinish(await store.confirmPayout(args.PAYOUTID, cliActing()), args.PAYOUTID, 'PAID_OUT', out, config);
  },
});

const confirmFile = defineCommand({
  name: 'payout confirm-file',
  summary: "record that the bank paid the rest of a payout file: its payouts still REQUESTED, checked against the bank's total, PAID_OUT together",
  details: [
    'Record the transfers the bank refused first (micropay payout fail). Then --total is what the bank',
    'reports it paid of the file: the payouts of the file still REQUESTED must sum to it exactly, or',
    'none is confirmed (9045; the refusal is an audit row, payout.confirmFileRefused). All of them',
    'become PAID_OUT in one transaction, or none.',
  ].join('\n'),
  positionals: [{ name: 'FILE', help: "the payout file's number (payout export names it)" }],
  options: {
    total: { type: 'string', value: 'AMOUNT', required: true, help: 'what the bank paid of the file, e.g. 4520.00' },
  },
  store: 'existing',
  async run({ args, options, store, out }) {
    if (!PAYOUT_FILE_NO.test(args.FILE)) throw new UsageError('FILE must be a payout file\'s number, e.g. 12');
    const fileNo = Number(args.FILE);
    const totalSen = amountSen(options.total, '--total');
    const c = await store.confirmPayoutFile(fileNo, totalSen, cliActing());
    const refusal = fileConfirmationRefusal(c, fileNo, totalSen);
    if (refusal !== null) return refused(refusal.code, refusal.detail);
    const wire = fileConfirmationWire(c, fileNo);
    out.show(wire, fileConfirmationWords(wire));
    return 0;
  },
});

const fail = defineCommand({
  name: 'payout fail',
  summary: 'record that the bank refused a REQUESTED payout: FAILED, the money goes back',
  positionals: [{ name: 'PAYOUTID', help: 'the payout' }],
  options: {
    reason: { type: 'string', value: 'TEXT', required: true, help: `why, as the bank said (at most ${MAX_REASON_LENGTH} characters)` },
  },
  store: 'existing',
  async run({ args, options, store, out, config }) {
    const decision = await failPayoutBecause(store, args.PAYOUTID, options.reason, cliActing());
    if (isBadInput(decision)) return badInput(decision);
    return showFinish(decision, args.PAYOUTID, 'FAILED', out, config);
  },
});

const list = defineCommand({
  name: 'payout list',
  summary: 'list payouts, newest first',
  positionals: [],
  options: {
    'mch-id': { type: 'string', value: 'MCHID', help: "only this merchant's" },
    'wallet-id': { type: 'string', value: 'WALLETID', help: "only this (closed) wallet's" },
    status: { type: 'string', value: 'STATUS', help: 'only REQUESTED, PAID_OUT or FAILED, or new: REQUESTED in no payout file yet (default all)' },
    ...PAYOUT_DAYS,
    file: PAYOUT_FILE_OPTION,
    limit: { type: 'string', value: 'N', help: 'at most N (1 to 1000, default 100)' },
  },
  store: 'existing',
  async run({ options, store, out, config }) {
    const selection = cliPayoutSelection({ ...options, status: options.status ?? 'all' }, config);
    const unmade = await unmadeFileProblem(store, selection);
    if (unmade !== null) throw new UsageError(`--${unmade.problem}`);
    const limit = options.limit === undefined ? 100 : Number(options.limit);
    if (!Number.isSafeInteger(limit) || limit < 1 || limit > 1000 || !/^\d+$/.test(options.limit ?? '1')) throw new UsageError('--limit must be a whole number from 1 to 1000');
    const payouts = await store.listPayouts({ ...payoutFilterOf(selection, undefined, limit), mchId: options['mch-id'], walletId: options['wallet-id'] });
    out.show({ payouts: payouts.map(payoutJson) }, payouts.length === 0 ? 'No payouts.' : payouts.map((p) => payoutLine(p, config)).join('\n'));
    return 0;
  },
});

const daily = defineCommand({
  name: 'report daily',
  summary: "a merchant's daily settlement: opening balance, payments, refunds, payouts, closing balance",
  details: [
    'The day is a day in MICROPAY_TIMEZONE. opening + payments − refunds − payouts = closing, exactly; payments',
    'and refunds are the day\'s statement (micropay bill, downloadBill). Payouts are those requested that day',
    'less those that failed that day (their money came back).',
  ].join('\n'),
  positionals: [],
  options: {
    'mch-id': { type: 'string', value: 'MCHID', required: true, help: 'the merchant' },
    date: { type: 'string', value: 'yyyy-MM-dd', required: true, help: 'the day, in the platform time zone' },
  },
  store: 'existing',
  async run({ options, store, out, config }) {
    const mchId = options['mch-id'];
    if (!isCalendarDate(options.date)) throw new UsageError('--date must be a date as yyyy-MM-dd');
    const merchant = await store.findMerchant(mchId);
    if (merchant === null) return notFound(`merchant ${mchId}`);
    // The merchant console's day, whose statement is downloadBill's: one read, one build.
    const { report: r } = await merchantDay(store, mchId, options.date, config.timeZone);
    const window = r.window;
    const row = (label: string, sen: number, note = '') => `  ${label.padEnd(17)}${formatSen(sen).padStart(16)}${note}`;
    const text = [
      `Daily settlement of merchant ${mchId} "${merchant.name}" for ${options.date}: ` +
        `${timeText(window.fromMs, config)} to ${timeText(window.toMs, config)} (${config.timeZone})`,
      row('opening balance', r.openingSen),
      row('+ payments', r.paymentsSen, `  (${r.paymentCount})`),
      row('− refunds', r.refundsSen, `  (${r.refundCount})`),
      row('− payouts', r.payoutsSen, r.payoutsReturnedSen === 0 ? '' : `  (${formatSen(r.payoutsRequestedSen)} requested, ${formatSen(r.payoutsReturnedSen)} returned)`),
      row('closing balance', r.closingSen),
      ...dayNotOver(window, Date.now(), config),
    ].join('\n');
    out.show({
      mchId, date: options.date, timeZone: config.timeZone, fromMs: String(window.fromMs), toMs: String(window.toMs),
      openingBalance: formatSen(r.openingSen), paymentCount: r.paymentCount, payments: formatSen(r.paymentsSen),
      refundCount: r.refundCount, refunds: formatSen(r.refundsSen), payoutsRequested: formatSen(r.payoutsRequestedSen),
      payoutsReturned: formatSen(r.payoutsReturnedSen), payouts: formatSen(r.payoutsSen), closingBalance: formatSen(r.closingSen),
      dayOver: window.toMs <= Date.now(),
    }, text);
    return 0;
  },
});

const balances = defineCommand({
  name: 'report balances',
  summary: "where the platform's money is now: in wallets, with merchants, being paid out",
  details: [
    'From the ledger, of one moment. Money on the platform is top-ups less reversals and payouts made;',
    'it is exactly what wallets, merchants and payouts being made hold (micropay audit checks that the',
    'ledger sums to zero).',
  ].join('\n'),
  positionals: [],
  options: {},
  store: 'existing',
  async run({ store, out }) {
    const m = await store.platformMoney();
    const row = (label: string, sen: number) => `  ${label.padEnd(30)}${formatSen(sen).padStart(16)}`;
    out.show(platformMoneyWire(m), [
      'Money on the platform now (top-ups less reversals and payouts made):',
      row('in wallets', m.walletsSen),
      row('  of it held for confirmation', m.heldSen),
      row('with merchants', m.merchantsSen),
      row('being paid out', m.payingOutSen),
      row('on the platform', m.onPlatformSen),
    ].join('\n'));
    return 0;
  },
});

export const payoutCommands: CommandGroup = { title: 'Payouts and settlement', commands: [create, confirm, confirmFile, fail, list, exportFile, daily, platformDay, balances] };
