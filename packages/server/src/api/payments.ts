import { parseCloseBill, parseMicropay, parseOfflineCode, parseQueryBill, ResultCode } from '@micropay/protocol';
import { answer } from './answer.js';
import type { Handler } from './context.js';
import { authenticate } from './merchant-auth.js';
import { paymentOutcome, paymentResultCode } from './outcomes.js';
import { signedOrder } from './order-wire.js';

const CLOSED_UNUSED_MSG = 'this order id was closed before any payment under it reached the platform; use a new mchOrderId';
/** 1032's catalogue text speaks of the order number: the detail says what differs from the order it names. */
const DUPLICATE_ORDER_MSG = 'this mchOrderId is already used for a payment with another amount, payCode, goodsInfo, discount or point; data is that order';

/** `POST /api/micropay/micropay`: the spec's payment by user code. */
export const micropay: Handler = async (ctx, req) => {
  const parsed = parseMicropay(req.body, { maxAmountSen: ctx.config.maxAmountSen });
  const auth = await authenticate(ctx, parsed, req.body);
  if (!auth.ok) return auth.answer;
  // The sandbox's rehearsals of this endpoint (sandbox-faults.ts, `rehearsable` in the routes).
  const faults = req.sandbox;
  const offline = offlineTag(auth.cmd.payCode);
  const offlineLimited = offline !== null && !ctx.offlineLimits.allows(offline, ctx.clock.nowMs());
  const decision = await ctx.store.pay(auth.cmd, { sandboxFault: faults?.fault ?? false, forceConfirmation: faults?.pending ?? false, offlineLimited });
  if (offline !== null && !offlineLimited && decision.kind === 'rejected' && decision.reason === 'CODE_UNUSABLE') {
    ctx.offlineLimits.failed(offline, ctx.clock.nowMs());
  }
  const code = paymentResultCode(decision);
  const outcome = paymentOutcome(decision);
  return decision.kind === 'rejected'
    ? answer(code, null, decision.reason === 'ORDER_ID_CLOSED' ? CLOSED_UNUSED_MSG : undefined, outcome)
    : answer(code, signedOrder(decision.order, auth.merchant, ctx.config.timeZone, ctx.clock.nowMs()), code === ResultCode.DUPLICATE_ORDER ? DUPLICATE_ORDER_MSG : undefined, outcome);
};

/** An offline code's device tag (what its failures are counted under), or null for the platform's own codes. */
function offlineTag(payCode: string): string | null {
  return parseOfflineCode(payCode)?.tag ?? null;
}

/** `POST /api/micropay/queryBill`: the order's true state. */
export const queryBill: Handler = async (ctx, req) => {
  const auth = await authenticate(ctx, parseQueryBill(req.body), req.body);
  if (!auth.ok) return auth.answer;
  const order = await ctx.store.findOrder(auth.cmd.mchId, auth.cmd.mchOrderId);
  if (order === null) return answer(ResultCode.NO_RECORD, null, 'no such order for this merchant');
  // Exactly the spec's data, as micropay's: the refund total is queryOrderRefunds' (extension).
  return answer(ResultCode.SUCCESS, signedOrder(order, auth.merchant, ctx.config.timeZone, ctx.clock.nowMs()));
};

/**
 * `POST /api/micropay/closeBill` (extension): a NEW or PENDING order becomes FAILED and its hold is
 * released; closing a FAILED order again is a no-op success; a paid order answers 1023 (refund it).
 */
export const closeBill: Handler = async (ctx, req) => {
  // queryBill's fields and `operation: "CLOSE"`, signed: no signed query can be sent as a close.
  const auth = await authenticate(ctx, parseCloseBill(req.body), req.body);
  if (!auth.ok) return auth.answer;
  const result = await ctx.store.closeOrder(auth.cmd.mchId, auth.cmd.mchOrderId);
  if (result.kind === 'not_found') {
    return answer(ResultCode.NO_RECORD, null, 'no such order for this merchant; the order id is now closed and a payment under it would answer 1025');
  }
  const data = signedOrder(result.order, auth.merchant, ctx.config.timeZone, ctx.clock.nowMs());
  if (result.order.status === 'FAILED') return answer(ResultCode.SUCCESS, data);
  return answer(ResultCode.ORDER_PAID, data, 'a paid order cannot be closed; refund it instead');
};
