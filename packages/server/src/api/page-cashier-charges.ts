import { fail, formatSen, MCH_ORDER_ID, mchOrderIdOf, mchRefundIdOf, parse, positiveAmountOf, rejectUnknown, ResultCode } from '@micropay/protocol';
import { refundRoomSen, type RefundingUser } from '../domain/merchant-users.js';
import { maskedPayCode, ownsCharge, type CashierChargeRecord, type ChargeCursor } from '../domain/cashier-charge.js';
import type { Order, Refund } from '../domain/model.js';
import { merchantUserActing } from './console-access.js';
import { isPaidOrder } from '../domain/order-state.js';
import { refundableSen } from '../domain/refund.js';
import { answer } from './answer.js';
import { refundResultCode } from './outcomes.js';
import { cashierOf } from './page-cashier.js';
import { withPageSession } from './page-session.js';
import type { Answer, ApiContext, ApiRequest } from './context.js';
import type { CashierRefund } from '../services/cashier-charges.js';
import type { MerchantRole } from '../domain/merchant-users.js';
import type { ActingAs } from '../domain/audit-log.js';
import { rejectionDetail } from './refunds.js';
import { refuseMoneyAsNumber } from './page-money.js';

/**
 * The cashier page after the charge (docs/pages.md): the cashier's own recent charges, refunds of
 * them, and receipts. Everything is the session's cashier's: another cashier's charge, the
 * merchant's own orders and other merchants' are answered alike (9031), as if they did not exist.
 * Times go out as epoch milliseconds with the platform's time zone, for the page to format.
 */
const PAGE_SIZE = 10;

/** `{before?}`: a page of the cashier's charges, newest first; `next` is where the following page starts. */
export const recentCharges = withPageSession('cashier', 'reads', async (ctx, req, session) => {
  const parsed = parse(() => {
    rejectUnknown(req.body, ['before']);
    return req.body.before === undefined || req.body.before === null ? null : cursorOf(req.body.before);
  });
  if (!parsed.ok) return answer(parsed.code, null, parsed.msg);
  const rows = await ctx.store.listCashierCharges(cashierOf(session).cashierId, parsed.value, PAGE_SIZE + 1);
  const page = rows.slice(0, PAGE_SIZE);
  const last = page.at(-1);
  const next = rows.length > PAGE_SIZE && last !== undefined ? { chargedAtMs: last.charge.chargedAtMs, mchOrderId: last.charge.mchOrderId } : null;
  return answer(ResultCode.SUCCESS, { timeZone: ctx.config.timeZone, charges: page.map((r) => chargeData(r, cashierOf(session))), next });
});

function cursorOf(value: unknown): ChargeCursor {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return fail('before', 'must be the `next` of the previous page');
  const body = value as Record<string, unknown>;
  const keys = Object.keys(body).sort().join(',');
  const { chargedAtMs, mchOrderId } = body;
  if (keys !== 'chargedAtMs,mchOrderId' || !Number.isSafeInteger(chargedAtMs) || (chargedAtMs as number) < 0
    || typeof mchOrderId !== 'string' || !MCH_ORDER_ID.test(mchOrderId)) {
    return fail('before', 'must be the `next` of the previous page');
  }
  return { chargedAtMs: chargedAtMs as number, mchOrderId };
}

/**
 * `{mchOrderId, mchRefundId, refundAmount}`: refunds part or all of the cashier's own charge. The
 * page draws one mchRefundId per refund attempt, so a double submit is one refund.
 */
export const refundCharge = withPageSession('cashier', 'changes', async (ctx, req, session) => {
  const cashier = cashierOf(session);
  const parsed = parse(() => {
    rejectUnknown(req.body, ['mchOrderId', 'mchRefundId', 'refundAmount']);
    refuseMoneyAsNumber(req.body, ['refundAmount']);
    return {
      mchId: cashier.mchId,
      mchOrderId: mchOrderIdOf(req.body),
      mchRefundId: mchRefundIdOf(req.body),
      refundAmountSen: positiveAmountOf(req.body, 'refundAmount', ctx.config.maxAmountSen),
      reason: `refunded at the till by ${cashier.name}`,
      timestampMs: ctx.clock.nowMs(),
    };
  });
  if (!parsed.ok) return answer(parsed.code, null, parsed.msg);
  const refunder = { userId: cashier.cashierId, mchId: cashier.mchId, name: cashier.name, role: cashier.role, refundLimitSen: cashier.refundLimitSen };
  return userRefund(ctx, req, refunder, (acting) => ctx.store.refundCashierCharge(cashier, parsed.value, acting));
});

/** Who refunds, as the audit log records it and its refund limit is said: a merchant user from the session. */
export interface Refunder {
  readonly userId: string;
  readonly mchId: string;
  readonly name: string;
  readonly role: MerchantRole;
  readonly refundLimitSen: number | null;
}

/**
 * A merchant user's refund, at the till and in the merchant console alike: the disabled merchant's
 * refusal, the audit log's actor with the request's address, and the answer of each outcome. `run`
 * is the refund path the user may take (the till's own charges, or any order for the owner).
 */
export async function userRefund(ctx: ApiContext, req: ApiRequest, refunder: Refunder, run: (acting: ActingAs) => Promise<CashierRefund>): Promise<Answer> {
  // As the merchant API refuses a disabled merchant's refunds (merchant-auth.ts), so do the till and the console.
  if ((await ctx.store.findMerchant(refunder.mchId))?.status !== 'active') return answer(ResultCode.MERCHANT_LOCKED);
  // A refund is the user's action: the audit log records it with the request's address.
  const acting = merchantUserActing(refunder, req);
  const decision = await run(acting);
  if (decision.kind === 'notYours') return answer(ResultCode.NOT_THIS_CASHIERS_CHARGE);
  if (decision.kind === 'rejected' && decision.reason === 'OVER_REFUND_LIMIT') return overLimit(refunder.refundLimitSen ?? 0, decision.order?.refundedSen ?? 0);
  const code = refundResultCode(decision);
  if (decision.kind === 'rejected') return answer(code, null, rejectionDetail(decision));
  if (code !== ResultCode.SUCCESS) return answer(code, null, 'this refund number was used for another refund: start the refund again');
  return answer(code, { refund: refundData(decision.refund), charge: orderData(decision.order, refunder) });
}

/** 9032: the user's refund limit and what the order's refunds hold of it already (not secrets: the user's own). */
export function overLimit(limitSen: number, refundedSen: number) {
  const already = refundedSen === 0 ? '' : `, and ${formatSen(refundedSen)} of this sale is refunded already`;
  return answer(ResultCode.REFUND_OVER_LIMIT, null, `your refund limit is ${formatSen(limitSen)} for each sale${already}`);
}

/** `{mchOrderId}`: what a receipt of the cashier's own charge, and of its refunds, shows. */
export const chargeReceipt = withPageSession('cashier', 'reads', async (ctx, req, session) => {
  const cashier = cashierOf(session);
  const parsed = parse(() => {
    rejectUnknown(req.body, ['mchOrderId']);
    return mchOrderIdOf(req.body);
  });
  if (!parsed.ok) return answer(parsed.code, null, parsed.msg);
  const found = await ctx.store.findCashierCharge(cashier.mchId, parsed.value);
  if (found === null || !ownsCharge(found.charge, cashier)) return answer(ResultCode.NOT_THIS_CASHIERS_CHARGE);
  const merchant = await ctx.store.findMerchant(cashier.mchId);
  const refunds = await ctx.store.refundsOfOrder(found.order.orderId);
  return answer(ResultCode.SUCCESS, {
    timeZone: ctx.config.timeZone,
    merchantName: merchant?.name ?? null,
    mchId: cashier.mchId,
    cashierName: cashier.name,
    ...chargeData(found, cashier),
    refunds: refunds.map(refundData),
  });
});

function chargeData(r: CashierChargeRecord, cashier: RefundingUser): Record<string, unknown> {
  return { ...orderData(r.order, cashier), chargedAtMs: r.charge.chargedAtMs, payCode: maskedPayCode(r.payCode) };
}

/**
 * A charge as the till shows it; with the user who refunds from there, `refundRoom`: how much more
 * that user may refund of it (what is left, within its refund limit; null: no limit of its own).
 */
export function orderData(o: Order, refunder: RefundingUser | null = null): Record<string, unknown> {
  const paid = isPaidOrder(o.status);
  const left = paid ? refundableSen(o) : 0;
  const room = refunder === null ? null : refundRoomSen(refunder, o);
  return {
    mchOrderId: o.mchOrderId,
    wavpayOrderId: o.orderId,
    goodsInfo: o.goodsInfo,
    amount: formatSen(o.amountSen),
    refundedAmount: formatSen(o.refundedSen),
    refundableAmount: formatSen(left),
    refundRoom: room === null ? null : formatSen(Math.min(room, left)),
    // The limit the room comes from, as it is now (the owner may have changed it since sign-in).
    refundLimit: room === null ? null : formatSen(refunder!.refundLimitSen!),
    tradeStatus: o.status,
    failReason: o.failReason,
    payTimeMs: o.payTimeMs,
  };
}

export function refundData(r: Refund): Record<string, unknown> {
  return {
    mchRefundId: r.mchRefundId,
    refundId: r.refundId,
    refundAmount: formatSen(r.amountSen),
    refundStatus: r.status,
    failReason: r.failReason,
    requestedAtMs: r.requestedAtMs,
    refundTimeMs: r.finishedAtMs,
  };
}
