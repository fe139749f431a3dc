import { formatSen, mchOrderIdOf, mchRefundIdOf, parse, positiveAmountOf, refundReasonOf, rejectUnknown, required, ResultCode } from '@micropay/protocol';
import { isPaidOrder } from '../domain/order-state.js';
import { maskedWalletId, type OrderSearchScope } from '../domain/order-search.js';
import { refundableSen } from '../domain/refund.js';
import type { Order } from '../domain/model.js';
import { notificationAttemptEvents, orderTimeline, searchOrders, type ConsoleEvent, type ConsoleOrderRow, type ConsoleOrderTimeline } from '../services/console-orders.js';
import { answer } from './answer.js';
import { withMerchantUser, type MerchantUser } from './console-access.js';
import { userRefund } from './page-cashier-charges.js';
import { refuseMoneyAsNumber } from './page-money.js';

/**
 * The merchant console's Orders and Order detail (docs/consoles.md, "Orders"): the search, one
 * order with its timeline (notification attempts included), and the Refund button. Owners and
 * cashiers alike; a cashier's scope is its own till's charges, from the session, whatever the body
 * says. Amounts go out as decimal strings, times as epoch ms with the platform's zone to show them in.
 */

/** Who reads: the session's merchant, and a cashier's own till. */
export function scopeOf(user: MerchantUser): OrderSearchScope {
  return { mchId: user.mchId, cashierId: user.role === 'cashier' ? user.userId : null };
}

function rowData(o: ConsoleOrderRow): Record<string, unknown> {
  return {
    mchOrderId: o.mchOrderId, wavpayOrderId: o.orderId, amount: formatSen(o.amountSen), refundedAmount: formatSen(o.refundedSen),
    tradeStatus: o.status, failReason: o.failReason, wallet: o.wallet, tradeTimeMs: o.tradeTimeMs, payTimeMs: o.payTimeMs, till: o.till,
  };
}

/** The search's filters as the body (docs/consoles.md): bad ones answer 1021 or 1033, nothing read. */
export const searchMerchantOrders = withMerchantUser('reads', 'anyone', async (ctx, req, user) => {
  const amounts = parse(() => refuseMoneyAsNumber(req.body, ['minAmount', 'maxAmount']));
  if (!amounts.ok) return answer(amounts.code, null, amounts.msg);
  const page = await searchOrders(ctx.store, scopeOf(user), req.body, ctx.config.timeZone);
  if (!page.ok) return answer(page.code, null, page.msg);
  return answer(ResultCode.SUCCESS, { timeZone: ctx.config.timeZone, orders: page.value.orders.map(rowData), next: page.value.next });
});

function orderDetail(o: ConsoleOrderTimeline['order']): Record<string, unknown> {
  return {
    mchOrderId: o.mchOrderId, wavpayOrderId: o.orderId, goodsInfo: o.goodsInfo, amount: formatSen(o.amountSen),
    refundedAmount: formatSen(o.refundedSen), refundableAmount: formatSen(o.refundableSen),
    tradeStatus: o.status, failReason: o.failReason, wallet: o.wallet, tradeTimeMs: o.tradeTimeMs, payTimeMs: o.payTimeMs, till: o.till,
  };
}

/** An event for the wire: every `...Sen` amount as a decimal string (`amountSen` → `amount`), postings likewise. */
export function eventData(e: ConsoleEvent): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(e)) {
    if (key === 'postings') out.postings = e.kind === 'entry' ? e.postings.map((p) => ({ accountId: p.accountId, amount: formatSen(p.amountSen) })) : value;
    else if (key.endsWith('Sen') && typeof value === 'number') out[key.slice(0, -3)] = formatSen(value);
    else out[key] = value;
  }
  return out;
}

/** `{mchOrderId}`: the order and its timeline; another merchant's, another till's or none: 1031 alike. */
export const merchantOrderDetail = withMerchantUser('reads', 'anyone', async (ctx, req, user) => {
  const parsed = parse(() => {
    rejectUnknown(req.body, ['mchOrderId']);
    return mchOrderIdOf(req.body);
  });
  if (!parsed.ok) return answer(parsed.code, null, parsed.msg);
  const timeline = await orderTimeline(ctx.store, scopeOf(user), parsed.value, [notificationAttemptEvents(ctx.store, user.mchId)]);
  if (timeline === null) return answer(ResultCode.NO_RECORD, null, `no order ${parsed.value} here`);
  return answer(ResultCode.SUCCESS, { timeZone: ctx.config.timeZone, order: orderDetail(timeline.order), events: timeline.events.map(eventData) });
});

/**
 * `{mchOrderId, mchRefundId, refundAmount, reason}`: the detail's Refund button. The owner refunds
 * any order of its merchant by the refund rules every refund follows; a cashier takes the till's
 * path (refundCashierCharge: its own charges only, within its refund limit). The page draws one
 * mchRefundId per attempt and keeps it after a lost answer, so a retry is the same refund.
 */
export const refundMerchantOrder = withMerchantUser('changes', 'anyone', async (ctx, req, user) => {
  const parsed = parse(() => {
    rejectUnknown(req.body, ['mchOrderId', 'mchRefundId', 'refundAmount', 'reason']);
    refuseMoneyAsNumber(req.body, ['refundAmount']);
    const mchOrderId = mchOrderIdOf(req.body);
    const mchRefundId = mchRefundIdOf(req.body);
    const refundAmountSen = positiveAmountOf(req.body, 'refundAmount', ctx.config.maxAmountSen);
    required(req.body, 'reason');
    return { mchId: user.mchId, mchOrderId, mchRefundId, refundAmountSen, reason: refundReasonOf(req.body), timestampMs: ctx.clock.nowMs() };
  });
  if (!parsed.ok) return answer(parsed.code, null, parsed.msg);
  const cmd = parsed.value;
  const refunder = { userId: user.userId, mchId: user.mchId, name: user.name, role: user.role, refundLimitSen: user.refundLimitSen };
  const cashier = { cashierId: user.userId, mchId: user.mchId, role: user.role, refundLimitSen: user.refundLimitSen };
  return userRefund(ctx, req, refunder, (acting) =>
    user.role === 'owner' ? ctx.store.refund(cmd, acting) : ctx.store.refundCashierCharge(cashier, cmd, acting));
});
