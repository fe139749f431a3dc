import { fail, formatSen, parse, rejectUnknown, required, ResultCode } from '@micropay/protocol';
import { newAccountAgeMs, type Payout, type PayoutFinishDecision } from '../domain/payout.js';
import { bankAccountSeen } from '../domain/payout-account.js';
import { failPayoutBecause, isBadInput, positiveAmountOf } from '../services/operator-actions.js';
import { payoutPage } from '../services/operator-console.js';
import {
  fileConfirmationRefusal, fileConfirmationWire, PAYOUT_FILE_NO, PAYOUT_FILE_NO_PROBLEM, payoutFile, payoutSelectionOf, type PayoutQuery,
} from '../services/payout-file.js';
import { PAYOUT_FILE_HEADERS as H } from '@micropay/protocol/payout-file';
import { answer } from './answer.js';
import type { Answer } from './context.js';
import { operatorActing, seesAccountsWhole, withOperator } from './console-access.js';
import { badInputAnswer, optionalText, pageOf } from './operator-acting.js';

/**
 * The operator console's Payouts section (docs/consoles.md): payouts across merchants and closed
 * wallets (by default those in no payout file yet: what is still to send), as `micropay payout list` reads them,
 * and the bank's outcome: Confirm (PAID_OUT) or Fail with the bank's reason (the money goes back).
 */
export function payoutWire(p: Payout, wholeAccount: boolean): Record<string, unknown> {
  return {
    payoutId: p.payoutId, mchId: p.mchId, walletId: p.walletId, requestId: p.requestId, amount: formatSen(p.amountSen),
    status: p.status, failReason: p.failReason, requestedAtMs: p.requestedAtMs, finishedAtMs: p.finishedAtMs,
    // All of the account for finance, who makes the transfer from it (told when it is new); its end for support.
    destination: p.destination === null ? null : bankAccountSeen(p.destination, wholeAccount),
    newAccountAgeMs: newAccountAgeMs(p),
    fileNo: p.fileNo,
  };
}

function payoutIdOf(body: Record<string, unknown>): string {
  const payoutId = required(body, 'payoutId');
  if (!/^[0-9]{1,40}$/.test(payoutId)) fail('payoutId', 'must be the digits of a payout id');
  return payoutId;
}

/** The outcome recorded (or recorded already: `repeat`), or why not, as `payout confirm`/`fail` say it. */
function finished(d: PayoutFinishDecision, payoutId: string): Answer {
  if (d.kind === 'rejected') {
    if (d.reason === 'NOT_FOUND') return answer(ResultCode.PAYOUT_NOT_FOUND, null, `no payout ${payoutId}`);
    return answer(ResultCode.PAYOUT_NOT_REQUESTED, null, `payout ${payoutId} is ${d.payout.status} already`);
  }
  // Confirm and fail are the money role's: it sees the account whole.
  return answer(ResultCode.SUCCESS, { payout: payoutWire(d.payout, true), repeat: d.kind === 'repeat' });
}

/** `{status?, from?, to?, file?}`: the Payouts section's choice, as the list and the file read it. */
function payoutQueryOf(body: Record<string, unknown>): PayoutQuery {
  return { status: optionalText(body, 'status'), from: optionalText(body, 'from'), to: optionalText(body, 'to'), file: optionalText(body, 'file') };
}

const PAYOUT_QUERY_FIELDS = ['status', 'from', 'to', 'file'];

export const adminPayouts = withOperator('reads', async (ctx, req, operator) => {
  const parsed = parse(() => {
    rejectUnknown(req.body, [...PAYOUT_QUERY_FIELDS, 'cursor', 'limit']);
    return { ...payoutQueryOf(req.body), ...pageOf(req.body) };
  });
  if (!parsed.ok) return answer(parsed.code, null, parsed.msg);
  const page = await payoutPage(ctx.store, parsed.value, ctx.config.timeZone);
  if ('kind' in page) return answer(ResultCode.PARAM_ERROR, null, page.problem);
  const whole = seesAccountsWhole(operator.role);
  return answer(ResultCode.SUCCESS, { payouts: page.payouts.map((p) => payoutWire(p, whole)), next: page.next });
});

/**
 * `{status?, from?, to?, file?}`: the payout file of what the section shows (`text/csv`,
 * attachment), every page of it, with its count, total, payouts to new accounts, number and
 * payouts in earlier files in headers for the page to say. The payouts in no file yet (`new`)
 * become a new numbered file (services/payout-file.ts). Finance's and the admin's (the money
 * role): it holds every account number whole, a bulk copy of what a row on the screen shows.
 * Recorded in the audit log (payout.download).
 */
export const adminDownloadPayouts = withOperator('money', async (ctx, req, operator) => {
  const parsed = parse(() => {
    rejectUnknown(req.body, PAYOUT_QUERY_FIELDS);
    return payoutQueryOf(req.body);
  });
  if (!parsed.ok) return answer(parsed.code, null, parsed.msg);
  const selection = payoutSelectionOf(parsed.value, ctx.config.timeZone);
  if ('kind' in selection) return answer(ResultCode.PARAM_ERROR, null, selection.problem);
  const file = await payoutFile(ctx.store, selection, ctx.config.timeZone, operatorActing(operator, req));
  if ('kind' in file) return answer(ResultCode.PARAM_ERROR, null, file.problem);
  return {
    ...answer(ResultCode.SUCCESS), file: { contentType: 'text/csv', fileName: file.fileName, body: file.csv },
    headers: {
      [H.count]: String(file.count), [H.total]: formatSen(file.totalSen), [H.newAccounts]: String(file.newAccounts),
      ...(file.fileNo === null ? {} : { [H.fileNo]: String(file.fileNo) }), ...(file.inEarlierFiles === 0 ? {} : { [H.inEarlierFiles]: String(file.inEarlierFiles) }),
      ...(file.finished === 0 ? {} : { [H.finished]: String(file.finished) }),
    },
  };
});

/** `{payoutId}`: the bank paid it; the money leaves the platform. */
export const adminConfirmPayout = withOperator('money', async (ctx, req, operator) => {
  const parsed = parse(() => {
    rejectUnknown(req.body, ['payoutId']);
    return payoutIdOf(req.body);
  });
  if (!parsed.ok) return answer(parsed.code, null, parsed.msg);
  return finished(await ctx.store.confirmPayout(parsed.value, operatorActing(operator, req)), parsed.value);
});

/** `{payoutId, reason}`: the bank refused it; the money goes back to the merchant or wallet. */
export const adminFailPayout = withOperator('money', async (ctx, req, operator) => {
  const parsed = parse(() => {
    rejectUnknown(req.body, ['payoutId', 'reason']);
    return { payoutId: payoutIdOf(req.body), reason: required(req.body, 'reason') };
  });
  if (!parsed.ok) return answer(parsed.code, null, parsed.msg);
  const decision = await failPayoutBecause(ctx.store, parsed.value.payoutId, parsed.value.reason, operatorActing(operator, req));
  return isBadInput(decision) ? badInputAnswer(decision, 'reason') : finished(decision, parsed.value.payoutId);
});

/**
 * `{file, total}`: the bank paid the rest of payout file `file`, `total` in all: its payouts still
 * REQUESTED become PAID_OUT together when they sum to it (9045 otherwise), as `payout confirm-file`.
 */
export const adminConfirmPayoutFile = withOperator('money', async (ctx, req, operator) => {
  const parsed = parse(() => {
    rejectUnknown(req.body, ['file', 'total']);
    const file = required(req.body, 'file');
    if (!PAYOUT_FILE_NO.test(file)) fail('file', PAYOUT_FILE_NO_PROBLEM);
    const total = positiveAmountOf(required(req.body, 'total'), 'total');
    if (typeof total !== 'number') fail('total', total.problem);
    return { fileNo: Number(file), totalSen: total };
  });
  if (!parsed.ok) return answer(parsed.code, null, parsed.msg);
  const { fileNo, totalSen } = parsed.value;
  const c = await ctx.store.confirmPayoutFile(fileNo, totalSen, operatorActing(operator, req));
  const refusal = fileConfirmationRefusal(c, fileNo, totalSen);
  if (refusal !== null) return answer(refusal.code, null, refusal.detail);
  return answer(ResultCode.SUCCESS, fileConfirmationWire(c, fileNo));
});
