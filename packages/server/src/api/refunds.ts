import { formatSen, parseDownloadBill, parseQueryBill, parseQueryRefund, parseRefund, ResultCode, signBillData } from '@micropay/protocol';
import { refundableSen, type RefundRequestDecision } from '../domain/refund.js';
import { loadStatement } from '../services/statements.js';
import { dayNotBegunProblem } from '../domain/statement.js';
import { answer } from './answer.js';
import type { Handler } from './context.js';
import { authenticate } from './merchant-auth.js';
import { refundResultCode } from './outcomes.js';
import { signedOrderRefunds, signedRefund } from './refund-wire.js';

/**
 * `POST /api/micropay/refund` (extension, docs/refunds.md): returns part or all of a paid order to
 * the wallet. Both of the refund's transactions run before the answer, so `data.refundStatus` is
 * final (REFUNDED or REFUND_FAILED) unless the platform failed in between.
 */
export const refund: Handler = async (ctx, req) => {
  const auth = await authenticate(ctx, parseRefund(req.body, { maxAmountSen: ctx.config.maxAmountSen }), req.body);
  if (!auth.ok) return auth.answer;
  // Sandbox only (refund-hold): stop after the first transaction, so REFUND_IN_PROCESS can be seen and queried.
  const hold = req.sandbox?.refundHold ?? false;
  const decision = hold ? await ctx.store.requestRefund(auth.cmd) : await ctx.store.refund(auth.cmd);
  const code = refundResultCode(decision);
  if (decision.kind === 'rejected') return answer(code, null, rejectionDetail(decision));
  return answer(code, signedRefund(decision.refund, decision.order, auth.merchant, ctx.config.timeZone, ctx.clock.nowMs()), code === ResultCode.DUPLICATE_ORDER ? DUPLICATE_REFUND_MSG : undefined);
};

/** 1032's catalogue text speaks of the order number; for a refund it is the refund number that clashes. */
const DUPLICATE_REFUND_MSG = 'this mchRefundId is already used for a refund of another mchOrderId, refundAmount or reason; data is that refund';

export function rejectionDetail(decision: Extract<RefundRequestDecision, { kind: 'rejected' }>): string {
  const order = decision.order;
  switch (decision.reason) {
    case 'ORDER_NOT_FOUND':
      return 'no such order for this merchant';
    case 'ORDER_NOT_PAID':
      return `the order is ${order?.status ?? 'not paid'}: nothing was paid yet`;
    case 'ORDER_FAILED':
      return 'the order is FAILED: nothing was paid';
    case 'EXCEEDS_REFUNDABLE':
      return `the refundable amount is ${formatSen(order === null ? 0 : refundableSen(order))}`;
    // Only a merchant user's refund has a limit (api/page-cashier-charges.ts says it with the limit).
    case 'OVER_REFUND_LIMIT':
      return `above the refund limit (${formatSen(order?.refundedSen ?? 0)} of this order is refunded already)`;
  }
}

/** `POST /api/micropay/queryRefund` (extension): the refund's true state. */
export const queryRefund: Handler = async (ctx, req) => {
  const auth = await authenticate(ctx, parseQueryRefund(req.body), req.body);
  if (!auth.ok) return auth.answer;
  const found = await ctx.store.findRefund(auth.cmd.mchId, auth.cmd.mchRefundId);
  if (found === null) return answer(ResultCode.NO_RECORD, null, 'no such refund for this merchant');
  return answer(ResultCode.SUCCESS, signedRefund(found.refund, found.order, auth.merchant, ctx.config.timeZone, ctx.clock.nowMs()));
};

/**
 * `POST /api/micropay/queryOrderRefunds` (extension): how much of an order is refunded. queryBill
 * answers exactly the spec's data, so the refund total is told here.
 */
export const queryOrderRefunds: Handler = async (ctx, req) => {
  // The same fields as queryBill.
  const auth = await authenticate(ctx, parseQueryBill(req.body), req.body);
  if (!auth.ok) return auth.answer;
  const order = await ctx.store.findOrder(auth.cmd.mchId, auth.cmd.mchOrderId);
  if (order === null) return answer(ResultCode.NO_RECORD, null, 'no such order for this merchant');
  return answer(ResultCode.SUCCESS, signedOrderRefunds(order, auth.merchant, ctx.clock.nowMs()));
};

/** How far ahead a merchant's clock may be and have begun its day: a clock's drift, not a day's slip. */
const CLOCK_AHEAD_MS = 5 * 60_000;

/**
 * `POST /api/micropay/downloadBill` (extension, docs/statements.md): the day's statement as CSV in
 * `data.csv`, inside the signed envelope, so the merchant can check it came from the platform.
 */
export const downloadBill: Handler = async (ctx, req) => {
  const auth = await authenticate(ctx, parseDownloadBill(req.body), req.body);
  if (!auth.ok) return auth.answer;
  // A merchant's clock a little ahead (at most CLOCK_AHEAD_MS, whatever the timestamp window): its midnight counts as begun.
  const nowMs = ctx.clock.nowMs();
  const notBegun = dayNotBegunProblem(auth.cmd.billDate, Math.max(nowMs, Math.min(auth.cmd.timestampMs, nowMs + CLOCK_AHEAD_MS)), ctx.config.timeZone);
  if (notBegun !== null) return answer(ResultCode.PARAM_ERROR, null, notBegun);
  const { csv } = await loadStatement(ctx.store, auth.cmd.mchId, auth.cmd.billDate, ctx.config.timeZone);
  return answer(ResultCode.SUCCESS, signBillData({ mchId: auth.cmd.mchId, billDate: auth.cmd.billDate, csv }, ctx.clock.nowMs(), auth.merchant.apiKey.expose()));
};
