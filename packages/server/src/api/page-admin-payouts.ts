import { fail, formatSen, parse, rejectUnknown, required, ResultCode } from '@micropay/protocol';
import { newAccountAgeMs, type Payout, type PayoutFinishDecision } from '../domain/payout.js';
import { failPayoutBecause, isBadInput } from '../services/operator-actions.js';
import { payoutPage } from '../services/operator-console.js';
import { answer } from './answer.js';
import type { Answer } from './context.js';
import { operatorActing, withOperator } from './console-access.js';
import { badInputAnswer, optionalText, pageOf } from './operator-acting.js';

/**
 * The operator console's Payouts section (docs/consoles.md): payouts across merchants and closed
 * wallets (REQUESTED by default: what waits for the bank), as `micropay payout list` reads them,
 * and the bank's outcome: Confirm (PAID_OUT) or Fail with the bank's reason (the money goes back).
 */
export function payoutWire(p: Payout): Record<string, unknown> {
  return {
    payoutId: p.payoutId, mchId: p.mchId, walletId: p.walletId, requestId: p.requestId, amount: formatSen(p.amountSen),
    status: p.status, failReason: p.failReason, requestedAtMs: p.requestedAtMs, finishedAtMs: p.finishedAtMs,
    // All of the account: finance makes the transfer from it, told when it is new.
    destination: p.destination,
    newAccountAgeMs: newAccountAgeMs(p),
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
  return answer(ResultCode.SUCCESS, { payout: payoutWire(d.payout), repeat: d.kind === 'repeat' });
}

export const adminPayouts = withOperator('reads', async (ctx, req) => {
  const parsed = parse(() => {
    rejectUnknown(req.body, ['status', 'cursor', 'limit']);
    return { status: optionalText(req.body, 'status'), ...pageOf(req.body) };
  });
  if (!parsed.ok) return answer(parsed.code, null, parsed.msg);
  const page = await payoutPage(ctx.store, parsed.value);
  if ('kind' in page) return answer(ResultCode.PARAM_ERROR, null, page.problem);
  return answer(ResultCode.SUCCESS, { payouts: page.payouts.map(payoutWire), next: page.next });
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
