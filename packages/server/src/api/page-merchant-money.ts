import { formatSen, parse, rejectUnknown, required, ResultCode } from '@micropay/protocol';
import type { AuditLogEntry } from '../domain/audit-log.js';
import type { Payout } from '../domain/payout.js';
import { merchantBalance, merchantPayoutPage, requestMerchantPayout } from '../services/merchant-console.js';
import { answer } from './answer.js';
import { merchantUserActing, withMerchantUser, type MerchantUser } from './console-access.js';
import { bankAccountData } from './page-merchant-payout-account.js';
import { checkedPageOf, pageRequestOf } from './console-pages.js';
import { refuseMoneyAsNumber } from './page-money.js';

/**
 * The merchant console's Balance & payouts section (everyone signed in reads it; requesting a
 * payout is the owner's) and its Activity section (the owner's): the merchant's audit log. Every
 * call acts on the session's merchant.
 */

function payoutData(p: Payout, user: Pick<MerchantUser, 'role'>): Record<string, unknown> {
  return {
    payoutId: p.payoutId, amount: formatSen(p.amountSen), status: p.status, requestedAtMs: p.requestedAtMs, finishedAtMs: p.finishedAtMs, failReason: p.failReason,
    destination: p.destination === null ? null : bankAccountData(p.destination, user),
  };
}

export const showBalance = withMerchantUser('reads', 'anyone', async (ctx, req, user) => {
  const fields = parse(() => rejectUnknown(req.body, []));
  if (!fields.ok) return answer(fields.code, null, fields.msg);
  const balance = await merchantBalance(ctx.store, user.mchId);
  if (balance === null) throw new Error(`the session's merchant ${user.mchId} exists`);
  return answer(ResultCode.SUCCESS, { available: formatSen(balance.availableSen), payoutsRequested: formatSen(balance.payoutsRequestedSen) });
});

/** `{cursor?, limit?}`: the merchant's payouts, newest first. */
export const listPayouts = withMerchantUser('reads', 'anyone', async (ctx, req, user) => {
  const parsed = parse(() => {
    rejectUnknown(req.body, ['cursor', 'limit']);
    return pageRequestOf(req.body);
  });
  if (!parsed.ok) return answer(parsed.code, null, parsed.msg);
  const page = await merchantPayoutPage(ctx.store, user.mchId, parsed.value);
  if ('kind' in page) return answer(ResultCode.PARAM_ERROR, null, page.problem);
  return answer(ResultCode.SUCCESS, { payouts: page.payouts.map((p) => payoutData(p, user)), next: page.next });
});

/**
 * `{amount, requestId}`: a payout of the merchant's balance. The page draws `requestId` once per
 * attempt and sends it again after a lost answer: a repeat answers the same payout (`repeat`).
 */
export const requestPayout = withMerchantUser('changes', 'owner', async (ctx, req, user) => {
  const parsed = parse(() => {
    rejectUnknown(req.body, ['amount', 'requestId']);
    refuseMoneyAsNumber(req.body, ['amount']);
    return { amount: required(req.body, 'amount'), requestId: required(req.body, 'requestId') };
  });
  if (!parsed.ok) return answer(parsed.code, null, parsed.msg);
  const decided = await requestMerchantPayout(ctx.store, { mchId: user.mchId, ...parsed.value }, merchantUserActing(user, req));
  if (decided.kind === 'invalid') return answer(ResultCode.PARAM_ERROR, null, decided.problem);
  if (decided.kind === 'requested' || decided.kind === 'repeat') return answer(ResultCode.SUCCESS, { payout: payoutData(decided.payout, user), repeat: decided.kind === 'repeat' });
  if (decided.reason === 'NO_PAYOUT_ACCOUNT') return answer(ResultCode.NO_PAYOUT_ACCOUNT, null, 'set where payouts go first');
  if (decided.reason === 'EXCEEDS_BALANCE') return answer(ResultCode.PAYOUT_EXCEEDS_BALANCE, null, `the balance is ${formatSen(decided.balanceSen)}`);
  if (decided.reason === 'REQUEST_ID_REUSED') return answer(ResultCode.PAYOUT_REQUEST_ID_REUSED, null, 'this request id was used for another amount: start the request again');
  throw new Error(`the session's merchant ${user.mchId} exists`);
});

/**
 * A row of the merchant's activity. The address is shown for the merchant's own users' actions
 * only: where an operator works from is the platform's to know, not its merchants'.
 */
function activityData(e: AuditLogEntry): Record<string, unknown> {
  const own = e.actor.kind === 'merchantUser';
  const actor = e.actor.kind === 'merchantUser' ? { kind: e.actor.kind, name: e.actor.name, role: e.actor.role } : { kind: e.actor.kind, name: e.actor.name };
  return { logId: e.logId, atMs: e.atMs, action: e.action, actor, address: own ? e.address : null, subjectId: e.subjectId, detail: e.detail };
}

/** `{cursor?, limit?}`: the merchant's audit log, newest first; `cursor` is a page's `next` (the last logId). */
export const listActivity = withMerchantUser('reads', 'owner', async (ctx, req, user) => {
  const asked = checkedPageOf(req.body);
  if (!asked.ok) return asked.answer;
  const limit = asked.limit;
  const cursor = asked.cursor;
  if (cursor !== undefined && cursor !== '' && !/^[1-9][0-9]{0,14}$/.test(cursor)) return answer(ResultCode.PARAM_ERROR, null, 'cursor is not one this list gave');
  const beforeLogId = cursor === undefined || cursor === '' ? undefined : Number(cursor);
  const found = await ctx.store.listAuditLog({ mchId: user.mchId, beforeLogId, limit: limit + 1 });
  const page = found.slice(0, limit);
  const last = page[page.length - 1];
  return answer(ResultCode.SUCCESS, { entries: page.map(activityData), next: found.length > limit && last !== undefined ? String(last.logId) : null });
});
