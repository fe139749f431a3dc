import { MicroPayAbortedError, MicroPayApiError, MicroPayClient, PaymentOutcomeUnknownError, type PayOutcome, type PayProgress } from '@micropay/client';
import { mchOrderIdOf, parse, parseMicropay, rejectUnknown, required, resultCodeInfo, ResultCode } from '@micropay/protocol';
import { ownsCharge } from '../domain/cashier-charge.js';
import { answer } from './answer.js';
import type { Answer, ApiContext, ApiRequest } from './context.js';
import type { PageSession } from '../domain/page-access.js';
import type { FailReason, Order } from '../domain/model.js';
import { cashierOf } from './page-cashier.js';
import { withPageSession } from './page-session.js';
import { refuseMoneyAsNumber } from './page-money.js';

/** What the till says of a charge the server stopped waiting for because it is stopping. */
export const RESTARTING_WORDS = 'MicroPay is restarting. The customer may have confirmed already, or can still confirm: check again in a moment, and the same order is never charged twice.';

/** Stands in for the signature while the field rules check a charge before the client signs it. */
const UNSIGNED = 'unsigned';

/**
 * The cashier page's charge (docs/pages.md): the merchant's own safe pay → query → close flow
 * (@micropay/client's pay()), run on the server for the session's merchant, with the merchant's
 * key, which never leaves the server. The page draws one mchOrderId per charge attempt and sends it
 * again on a resubmit, so a double submit is the same order, which the platform charges once.
 */
export const charge = withPageSession('cashier', 'changes', async (ctx, req, session) => {
  const parsed = parse(() => parseCharge(req.body));
  if (!parsed.ok) return answer(parsed.code, null, parsed.msg);
  const cashier = cashierOf(session);
  const { mchId } = cashier;
  const merchant = await ctx.store.findMerchant(mchId);
  if (merchant === null) return answer(ResultCode.NO_RECORD);
  // As the merchant API refuses a disabled merchant (merchant-auth.ts): before any claim is recorded.
  if (merchant.status !== 'active') return answer(ResultCode.MERCHANT_LOCKED);
  // The payment's own field rules first (the client checks them again), so bad input records nothing.
  const checked = parseMicropay({ ...parsed.value, mchId, timestamp: String(ctx.clock.nowMs()), secureHash: UNSIGNED }, { maxAmountSen: ctx.config.maxAmountSen });
  if (!checked.ok) return answer(checked.code, null, checked.msg);
  // Recorded for this cashier before it runs, so the till lists and refunds its own charges only.
  // It owns the order only if its own charge makes it with this code (store/cashier-charge-sql.ts).
  const { mchOrderId, payCode } = parsed.value;
  if (await ctx.store.startCashierCharge(cashier, { mchOrderId, payCode }) === 'TAKEN') return answer(ResultCode.ORDER_ID_TAKEN);
  const client = new MicroPayClient({ ...ownApi(req), mchId, apiKey: merchant.apiKey.expose() });
  const stop = stopsWaitingAtStop(ctx.stopping);
  try {
    // Past the confirmation window the platform fails the order itself; the flow then closes it.
    const outcome = await client.pay(parsed.value, { deadlineMs: ctx.config.confirmTimeoutS * 1000 + 5_000, signal: stop.signal, onProgress: stop.onProgress });
    const made = outcome.order === null ? null : await ctx.store.findCashierCharge(mchId, mchOrderId);
    // The merchant's own system made the order under the id meanwhile: not the till's to show.
    if (outcome.order !== null && made === null) return answer(ResultCode.ORDER_ID_TAKEN);
    return answer(ResultCode.SUCCESS, outcomeData(outcome, made?.order.failReason ?? null));
  } catch (error) {
    if (error instanceof PaymentOutcomeUnknownError) {
      return answer(ResultCode.SUCCESS, { status: 'UNKNOWN', mchOrderId: parsed.value.mchOrderId, message: 'The outcome is not known yet: query the order before charging again.' });
    }
    // The server is stopping (a restart): the order stands, and the customer may still confirm it.
    if (error instanceof MicroPayAbortedError) return answer(ResultCode.SUCCESS, { status: 'UNKNOWN', mchOrderId: parsed.value.mchOrderId, message: RESTARTING_WORDS });
    // The request's fault (1021 with the field named), or the merchant's state (1022): said as the API says it.
    if (error instanceof MicroPayApiError && resultCodeInfo(error.code) !== undefined) return refusal(error.code, error.msg);
    throw error;
  } finally {
    stop.done();
  }
});

/**
 * The charge's flow stops once it waits for the customer while the server is stopping, at once or
 * when its wait begins: a wait of up to the confirmation window would hold the drain past its
 * limit. A charge the platform decides at once (PAID, refused) runs to its end as before.
 */
function stopsWaitingAtStop(stopping: AbortSignal): { signal: AbortSignal; onProgress: (e: PayProgress) => void; done: () => void } {
  const flow = new AbortController();
  let waiting = false;
  const stop = () => { if (waiting) flow.abort(stopping.reason); };
  stopping.addEventListener('abort', stop, { once: true });
  return {
    signal: flow.signal,
    onProgress: (e) => {
      // Closing the order at its deadline, or done: the wait is over, and so is cutting it short.
      if (e.step === 'closing' || e.step === 'done') waiting = false;
      if (e.step !== 'waiting-for-customer') return;
      waiting = true;
      if (stopping.aborted) flow.abort(stopping.reason);
    },
    // The platform's signal outlives every charge: each takes its listener away when it ends.
    done: () => stopping.removeEventListener('abort', stop),
  };
}

/** A refusal as the API words it: the platform's msg as it is; the client's own check's with the catalogue's words first. */
function refusal(code: number, msg: string): Answer {
  const catalogue = resultCodeInfo(code)!.msg;
  if (msg !== catalogue && !msg.startsWith(`${catalogue}: `)) return answer(code, null, msg);
  const a = answer(code);
  return { ...a, envelope: { ...a.envelope, msg } };
}

/** What the till shows while a charge runs: the state of the order its own charge made, and no other. */
export const chargeStatus = withPageSession('cashier', 'reads', async (ctx, req, session) => {
  const asked = await ownChargeAsked(ctx, req, session);
  if (!asked.ok) return asked.answer;
  // confirmByMs: until when a PENDING order waits for the customer, for the till to say.
  const confirmByMs = asked.order?.status === 'PENDING' ? asked.order.deadlineMs : null;
  return answer(ResultCode.SUCCESS, { mchOrderId: asked.mchOrderId, tradeStatus: asked.order?.status ?? null, confirmByMs });
});

/**
 * `{mchOrderId}`: the cashier gives up the till's own charge while it waits for the customer (who
 * walked away, or will pay another way). It is closeBill's rule (the store's closeOrder), applied
 * to the till's own order: the hold is released, and the running charge ends FAILED at its next
 * query; closing again is harmless. 1023: the customer paid first. Any order not this cashier's
 * own charge is 9031, as for a refund. A merchant disabled meanwhile does not keep the customer's
 * money held: the close is the customer's relief, not the merchant's request.
 */
export const cancelCharge = withPageSession('cashier', 'changes', async (ctx, req, session) => {
  const asked = await ownChargeAsked(ctx, req, session);
  if (!asked.ok) return asked.answer;
  if (asked.order === null) return answer(ResultCode.NOT_THIS_CASHIERS_CHARGE);
  const closed = await ctx.store.closeOrder(asked.mchId, asked.mchOrderId);
  // Its order exists (ownChargeAsked found it), and orders are never deleted.
  if (closed.kind === 'not_found') return answer(ResultCode.NOT_THIS_CASHIERS_CHARGE);
  if (closed.order.status !== 'FAILED') return answer(ResultCode.ORDER_PAID, null, 'the customer paid first: a paid charge is refunded, not cancelled');
  return answer(ResultCode.SUCCESS, { mchOrderId: asked.mchOrderId, tradeStatus: closed.order.status });
});

/** A `{mchOrderId}` request about a charge, and the order only if the session's cashier's own charge made it. */
async function ownChargeAsked(ctx: ApiContext, req: ApiRequest, session: PageSession): Promise<
  { ok: false; answer: Answer } | { ok: true; mchId: string; mchOrderId: string; order: Order | null }
> {
  const parsed = parse(() => {
    rejectUnknown(req.body, ['mchOrderId']);
    return mchOrderIdOf(req.body);
  });
  if (!parsed.ok) return { ok: false, answer: answer(parsed.code, null, parsed.msg) };
  const cashier = cashierOf(session);
  const found = await ctx.store.findCashierCharge(cashier.mchId, parsed.value);
  const order = found !== null && ownsCharge(found.charge, cashier) ? found.order : null;
  return { ok: true, mchId: cashier.mchId, mchOrderId: parsed.value, order };
}

/** The charge's fields as text; their rules are micropay's own, checked by the client before it sends (1021). */
function parseCharge(body: Record<string, unknown>): { mchOrderId: string; amount: string; goodsInfo: string; payCode: string } {
  rejectUnknown(body, ['mchOrderId', 'amount', 'goodsInfo', 'payCode']);
  refuseMoneyAsNumber(body, ['amount']);
  return { mchOrderId: mchOrderIdOf(body), amount: required(body, 'amount'), goodsInfo: required(body, 'goodsInfo'), payCode: required(body, 'payCode') };
}


/** `orderFailReason`: the platform's own reason, which tells a decline from a confirmation that never came (NOT_CONFIRMED). */
function outcomeData(o: PayOutcome, orderFailReason: FailReason | null): Record<string, unknown> {
  const order = o.order === null ? null : { wavpayOrderId: o.order.wavpayOrderId, amount: o.order.amount, tradeStatus: o.order.tradeStatus, payTime: o.order.payTime };
  if (o.status === 'PAID') return { status: 'PAID', mchOrderId: o.mchOrderId, order };
  if (o.status === 'FAILED') return { status: 'FAILED', mchOrderId: o.mchOrderId, reason: o.reason, message: o.message, order, orderFailReason };
  return { status: 'CLOSED', mchOrderId: o.mchOrderId, message: o.message, order };
}

/** This platform's merchant API, answered in-process by the server the request reached. */
function ownApi(req: ApiRequest): { baseUrl: string; fetch: typeof fetch } {
  if (req.ownApi === undefined) throw new Error('a page request knows the platform it arrived on');
  return req.ownApi;
}
