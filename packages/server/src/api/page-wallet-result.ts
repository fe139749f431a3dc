import { walletHolderActing } from '../domain/audit-log.js';
import { fail, formatSen, formatWireTime, PAY_CODE, parse, rejectUnknown, required, ResultCode, text } from '@micropay/protocol';
import { WATCHED_STATES, type CodeResultState } from '../domain/code-result.js';
import type { Order } from '../domain/model.js';
import { answer } from './answer.js';
import type { ApiContext, Handler } from './context.js';
import { walletOf } from './page-wallet.js';
import { withPageSession } from './page-session.js';
import { confirmWithPin, declineAsWallet, orderIdOf, type OrderPresenter } from './wallet-api.js';

/**
 * The wallet page's live result (docs/pages.md): after a cashier charges the code on the screen,
 * the page learns what happened (`wallet/code-result`, a long poll) and, above the confirmation
 * limit, confirms with the PIN or declines (`wallet/confirm`, `wallet/decline`) by the wallet API's
 * own rules (wallet-api.ts). Every call acts on the session's wallet: a code or an order of
 * another wallet is answered as one that does not exist.
 */

/** Waits until what became of the code differs from what the page shows (`seen`), or 25 s pass. */
export const walletCodeResult: Handler = withPageSession('wallet', 'reads', async (ctx, req, session) => {
  const parsed = parse(() => {
    rejectUnknown(req.body, ['payCode', 'seen']);
    const payCode = required(req.body, 'payCode');
    if (!PAY_CODE.test(payCode)) fail('payCode', 'must be the 18 digits of the payment code');
    const seen = text(req.body, 'seen') ?? 'WAITING';
    if (!WATCHED_STATES.includes(seen as CodeResultState)) fail('seen', `must be one of ${WATCHED_STATES.join(', ')}`);
    return { payCode, seen: seen as CodeResultState };
  });
  if (!parsed.ok) return answer(parsed.code, null, parsed.msg);
  const result = await ctx.codeResults.wait(walletOf(session), parsed.value.payCode, parsed.value.seen);
  if (result === null) return answer(ResultCode.NO_RECORD, null, 'no such payment code for this wallet');
  const order = 'order' in result ? orderView(ctx, result.order, result.merchantName) : null;
  const a = answer(ResultCode.SUCCESS, { payCode: parsed.value.payCode, state: result.state, order });
  // A closing server waits for its connections: this one, answered as it closes, must not stay open.
  return ctx.codeResults.stopped ? { ...a, headers: { Connection: 'close' } } : a;
});

/** The session wallet's payments waiting for its PIN: a page opened again (reloaded, a phone's tab restored) asks for them again. */
export const walletPending: Handler = withPageSession('wallet', 'reads', async (ctx, req, session) => {
  const fields = parse(() => rejectUnknown(req.body, []));
  if (!fields.ok) return answer(fields.code, null, fields.msg);
  const orders = await ctx.store.listPendingOrders(walletOf(session));
  return answer(ResultCode.SUCCESS, { orders: await Promise.all(orders.map((o) => PAGE_VIEW.order(ctx, o))) });
});

/**
 * One payment of the session wallet as it is now: a confirm screen shown again (a reload, another
 * tab, back online after an offline code) has no code to watch, so it asks this until the payment
 * is no longer PENDING. Another wallet's order is answered as one that does not exist.
 */
export const walletOrder: Handler = withPageSession('wallet', 'reads', async (ctx, req, session) => {
  const parsed = parse(() => {
    rejectUnknown(req.body, ['wavpayOrderId']);
    return orderIdOf(req.body);
  });
  if (!parsed.ok) return answer(parsed.code, null, parsed.msg);
  const order = await ctx.store.findOrderById(parsed.value);
  if (order === null || order.walletId !== walletOf(session)) return answer(ResultCode.NO_RECORD, null, 'no such payment of this wallet');
  return answer(ResultCode.SUCCESS, await PAGE_VIEW.order(ctx, order));
});

/** Confirms the PENDING payment with the PIN: the wallet API's confirmation, with the page's view. */
export const walletConfirm: Handler = withPageSession('wallet', 'changes', async (ctx, req, session) => {
  const parsed = parse(() => {
    rejectUnknown(req.body, ['wavpayOrderId', 'pin']);
    return { orderId: orderIdOf(req.body), pin: text(req.body, 'pin') ?? '' };
  });
  if (!parsed.ok) return answer(parsed.code, null, parsed.msg);
  const acting = walletHolderActing(walletOf(session), 'wallet page', req.clientAddress ?? null);
  return confirmWithPin(ctx, walletOf(session), parsed.value.orderId, parsed.value.pin, PAGE_VIEW, acting, req.requestId);
});

/** Declines the PENDING payment: it fails and the held amount is free again. */
export const walletDecline: Handler = withPageSession('wallet', 'changes', async (ctx, req, session) => {
  const parsed = parse(() => {
    rejectUnknown(req.body, ['wavpayOrderId']);
    return orderIdOf(req.body);
  });
  if (!parsed.ok) return answer(parsed.code, null, parsed.msg);
  return declineAsWallet(ctx, walletOf(session), parsed.value, PAGE_VIEW);
});

const PAGE_VIEW: OrderPresenter = {
  async order(ctx, order) {
    return orderView(ctx, order, (await ctx.store.findMerchant(order.mchId))?.name ?? null);
  },
  wrongPin: (triesLeft) => ({ triesLeft }),
};

/** An order as the wallet page shows it; times are wire times (the platform's time zone), which the page writes for people. */
function orderView(ctx: ApiContext, order: Order, merchantName: string | null): Record<string, unknown> {
  const tz = ctx.config.timeZone;
  const time = (ms: number | null) => (ms === null ? null : formatWireTime(ms, tz));
  return {
    wavpayOrderId: order.orderId,
    merchantName,
    amount: formatSen(order.amountSen),
    goodsInfo: order.goodsInfo,
    tradeStatus: order.status,
    failReason: order.failReason,
    tradeTime: time(order.tradeTimeMs),
    payTime: time(order.payTimeMs),
    confirmBy: order.status === 'PENDING' ? time(order.deadlineMs) : null,
  };
}
