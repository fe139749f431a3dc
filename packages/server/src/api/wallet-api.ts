import { walletHolderActing, type ActingAs } from '../domain/audit-log.js';
import {
  fail,
  formatSen,
  formatWireTime,
  parse,
  rejectUnknown,
  required,
  ResultCode,
  text,
} from '@micropay/protocol';
import { hashWalletToken, PIN_RULE } from '../domain/credentials.js';
import type { Order, Wallet } from '../domain/model.js';
import { awaitsConfirmation } from '../domain/settlement.js';
import type { SettleResult, WalletTransaction } from '../store/store.js';
import { answer } from './answer.js';
import { tryWalletPin } from './wallet-pin.js';
import { devicesAnswer, enrolAnswer, renewAnswer, selfSignOutAnswer, signOutAnswer } from './wallet-devices.js';
import type { Answer, ApiContext, ApiRequest, Handler } from './context.js';

/**
 * The wallet app's API (extension): the same envelope and error catalogue as the merchant API,
 * authenticated by the wallet's bearer token (`Authorization: Bearer wt_...`) instead of a
 * merchant signature, since a wallet holds no merchant key.
 */
const ORDER_ID = /^4[0-9]{21}$/;
const RECENT_TRANSACTIONS = 20;

type WalletHandler = (ctx: ApiContext, req: ApiRequest, wallet: Wallet) => Promise<Answer>;

function withWallet(handler: WalletHandler): Handler {
  return async (ctx, req) => {
    const header = req.headers.authorization ?? '';
    const match = /^Bearer (\S{1,200})$/.exec(header);
    const wallet = match === null ? null : await ctx.store.findWalletByTokenHash(hashWalletToken(match[1]!));
    if (wallet === null || wallet.status === 'closed') return answer(ResultCode.UNAUTHORIZED);
    return handler(ctx, req, wallet);
  };
}

/** A call that takes no parameters refuses any, as every call refuses the ones it does not take. */
function unaskedFor(req: ApiRequest): Answer | null {
  const fields = parse(() => rejectUnknown(req.body, []));
  return fields.ok ? null : answer(fields.code, null, fields.msg);
}

/** Issues a fresh one-time payment code for the app to show (QR and barcode). */
export const issuePayCode = withWallet(async (ctx, req, wallet) => unaskedFor(req) ?? payCodeAnswer(ctx, wallet.walletId));

/** Issues the wallet's fresh code and answers it; the wallet page's session calls this too. */
export async function payCodeAnswer(ctx: ApiContext, walletId: string): Promise<Answer> {
  const code = await ctx.store.issuePayCode(walletId, ctx.config.payCodeTtlS * 1000);
  if (code === 'WALLET_FROZEN') return answer(ResultCode.WALLET_FROZEN);
  // Closed (or gone) since its token or session was checked: a closed wallet opens nothing.
  if (code === 'WALLET_CLOSED' || code === 'NO_WALLET') return answer(ResultCode.UNAUTHORIZED);
  return answer(ResultCode.SUCCESS, {
    payCode: code.code,
    expiresAt: formatWireTime(code.expiresAtMs, ctx.config.timeZone),
    expiresAtMs: String(code.expiresAtMs),
  });
}

/** Enrols this device for offline codes: its tag and secret, answered once (docs/offline-codes.md). */
export const enrolDevice = withWallet((ctx, req, wallet) => enrolAnswer(ctx, req, wallet.walletId, 'wallet app', null));

/** Extends this device's enrolment by the lifetime from now: the app calls it whenever it is online. */
export const renewDevice = withWallet((ctx, req, wallet) => renewAnswer(ctx, req, wallet.walletId, null));

/** The wallet's devices, revoked and expired ones too, oldest first. */
export const listDevices = withWallet(async (ctx, req, wallet) => unaskedFor(req) ?? devicesAnswer(ctx, wallet.walletId, true));

/** A device signs itself out with its sign-out proof: no bearer token needed (an app whose token was replaced still can). */
export const selfSignOutDevice: Handler = (ctx, req) => selfSignOutAnswer(ctx, req, 'wallet app');

/** Signs one of the wallet's devices out of offline codes. */
export const signOutDevice = withWallet((ctx, req, wallet) => signOutAnswer(ctx, req, wallet.walletId, 'wallet app'));

/** Balance, what is held for pending payments, and the latest movements. */
export const showBalance = withWallet(async (ctx, req, wallet) => {
  const refused = unaskedFor(req);
  if (refused !== null) return refused;
  const transactions = await ctx.store.recentTransactions(wallet.walletId, RECENT_TRANSACTIONS);
  return answer(ResultCode.SUCCESS, {
    ...balanceData(wallet),
    transactions: transactions.map((t) => transactionData(t, ctx.config.timeZone)),
  });
});

/** A wallet's balances as the wallet API and the wallet page show them: available is what can pay. */
export function balanceData(wallet: Wallet): Record<string, string> {
  return {
    walletId: wallet.walletId,
    name: wallet.name,
    status: wallet.status,
    balance: formatSen(wallet.balanceSen),
    held: formatSen(wallet.heldSen),
    available: formatSen(wallet.balanceSen - wallet.heldSen),
  };
}

/** One movement of a wallet on the wire: a signed amount (a payment is negative), the platform's time. */
export function transactionData(t: WalletTransaction, timeZone: string): Record<string, string | null> {
  return {
    type: t.kind.toUpperCase(),
    amount: formatSen(t.amountSen),
    merchantName: t.merchantName,
    wavpayOrderId: t.orderId,
    refundId: t.refundId,
    status: t.status,
    // A part refunded leaves the payment PAID: how much came back is told here.
    refundedAmount: t.refundedSen === null ? null : formatSen(t.refundedSen),
    time: formatWireTime(t.createdAtMs, timeZone),
  };
}

/** Payments waiting for this wallet's confirmation. */
export const listPending = withWallet(async (ctx, req, wallet) => {
  const refused = unaskedFor(req);
  if (refused !== null) return refused;
  const orders = await ctx.store.listPendingOrders(wallet.walletId);
  const shown = await Promise.all(orders.map((o) => pendingView(ctx, o)));
  return answer(ResultCode.SUCCESS, { orders: shown });
});

/** Confirms a PENDING payment with the wallet's PIN: the held amount is paid to the merchant. */
export const confirmPayment = withWallet(async (ctx, req, wallet) => {
  const parsed = parse(() => {
    rejectUnknown(req.body, ['wavpayOrderId', 'pin']);
    const orderId = orderIdOf(req.body);
    const pin = text(req.body, 'pin') ?? '';
    return { orderId, pin };
  });
  if (!parsed.ok) return answer(parsed.code, null, parsed.msg);
  const acting = walletHolderActing(wallet.walletId, 'wallet app', req.clientAddress ?? null);
  return confirmWithPin(ctx, wallet.walletId, parsed.value.orderId, parsed.value.pin, WALLET_API_VIEW, acting, req.requestId);
});

/** Declines a PENDING payment: the order fails and the hold is released. */
export const declinePayment = withWallet(async (ctx, req, wallet) => {
  const parsed = parse(() => {
    rejectUnknown(req.body, ['wavpayOrderId']);
    return orderIdOf(req.body);
  });
  if (!parsed.ok) return answer(parsed.code, null, parsed.msg);
  return declineAsWallet(ctx, wallet.walletId, parsed.value, WALLET_API_VIEW);
});

/**
 * How an answer about an order is shown: the wallet API's view, or the wallet page's
 * (page-wallet-result.ts), which also says how many PIN tries are left.
 */
export interface OrderPresenter {
  order(ctx: ApiContext, order: Order): Promise<unknown>;
  wrongPin(triesLeft: number): unknown;
}

const WALLET_API_VIEW: OrderPresenter = { order: pendingView, wrongPin: () => null };

/**
 * A confirmation by the wallet's holder, for the wallet API and the wallet page alike: the order
 * must be the wallet's, the PIN counts against the one lock (wallet-pin.ts), and the services'
 * confirmPending pays it.
 */
export async function confirmWithPin(
  ctx: ApiContext, walletId: string, orderId: string, pin: string, view: OrderPresenter, acting: ActingAs, requestId: string,
): Promise<Answer> {
  // Look the order up first, so a wrong order id does not cost a PIN try.
  const order = await ctx.store.findOrderById(orderId);
  if (order === null || order.walletId !== walletId) return answer(ResultCode.NO_RECORD, null, 'no such order for this wallet');
  // An order already paid or failed (a double tap, a retry) is answered with its state: no try.
  if (!awaitsConfirmation(order)) return settledAnswer(ctx, { kind: 'unchanged', order }, view);
  const stored = await ctx.store.walletPinHash(walletId);
  if (stored !== null) {
    // A PIN that is missing or could never match is a malformed request, not a guess: no try.
    const malformed = pinProblem(pin);
    if (malformed !== null) return answer(ResultCode.PARAM_ERROR, null, malformed);
    const check = await tryWalletPin(ctx, walletId, pin, acting);
    if (check.kind === 'locked') return confirmationRefused(ctx, requestId, walletId, acting, answer(ResultCode.CONFIRMATION_LOCKED));
    if (check.kind === 'wrong') {
      const wrong = answer(ResultCode.WRONG_PIN, view.wrongPin(check.triesLeft), `${check.triesLeft} ${check.triesLeft === 1 ? 'try' : 'tries'} left`);
      return confirmationRefused(ctx, requestId, walletId, acting, wrong, check.triesLeft);
    }
  }
  return settledAnswer(ctx, await ctx.store.confirmPending(walletId, orderId), view);
}

/**
 * A wrong PIN at a payment's confirmation in the operator's log, as a refused sign-in is
 * (sign-in-limits.ts): someone guessing a holder's PIN shows before the lock. Never the PIN.
 */
function confirmationRefused(ctx: ApiContext, requestId: string, walletId: string, acting: ActingAs, refusal: Answer, triesLeft?: number): Answer {
  const via = acting.actor.kind === 'walletHolder' ? acting.actor.name : null;
  const entry = { reqId: requestId, account: `wallet ${walletId}`, via, address: acting.address, code: refusal.envelope.code, ...(triesLeft === undefined ? {} : { triesLeft }) };
  if (triesLeft === undefined) ctx.logger.warn({ ...entry, outcome: 'locked' }, 'payment confirmation refused');
  else ctx.logger.info({ ...entry, outcome: 'wrong' }, 'payment confirmation refused');
  return refusal;
}

/** A decline by the wallet's holder (wallet API and wallet page): the order fails, the hold is released. */
export async function declineAsWallet(ctx: ApiContext, walletId: string, orderId: string, view: OrderPresenter): Promise<Answer> {
  return settledAnswer(ctx, await ctx.store.declinePending(walletId, orderId), view);
}

function pinProblem(pin: string): string | null {
  if (pin === '') return 'pin is required: this wallet confirms payments with its PIN';
  return PIN_RULE.test(pin) ? null : 'pin must be 4 to 6 digits';
}

export function orderIdOf(body: Record<string, unknown>): string {
  const id = required(body, 'wavpayOrderId');
  if (!ORDER_ID.test(id)) fail('wavpayOrderId', 'must be the 22-digit order id');
  return id;
}

/**
 * The order after confirm or decline. Code 0 only when this call paid it; an order that was
 * already final answers with the code of its state, as a repeated micropay would.
 */
async function settledAnswer(ctx: ApiContext, result: SettleResult, presenter: OrderPresenter): Promise<Answer> {
  if (result.kind === 'not_found') return answer(ResultCode.NO_RECORD, null, 'no such order for this wallet');
  const order = result.order;
  const view = await presenter.order(ctx, order);
  switch (order.status) {
    case 'PAID':
      return answer(result.kind === 'settled' ? ResultCode.SUCCESS : ResultCode.ORDER_PAID, view);
    case 'FAILED':
      return answer(ResultCode.ORDER_CLOSED, view, `the payment failed (${order.failReason ?? 'closed'})`);
    case 'PENDING':
    case 'NEW':
      return answer(ResultCode.ORDER_PAYING, view);
    default:
      return answer(ResultCode.ORDER_PAID, view);
  }
}

async function pendingView(ctx: ApiContext, order: Order) {
  const tz = ctx.config.timeZone;
  const merchant = await ctx.store.findMerchant(order.mchId);
  return {
    wavpayOrderId: order.orderId,
    merchantOrderId: order.mchOrderId,
    merchantName: merchant?.name ?? null,
    amount: formatSen(order.amountSen),
    goodsInfo: order.goodsInfo,
    tradeStatus: order.status,
    tradeTime: formatWireTime(order.tradeTimeMs, tz),
    confirmBy: order.deadlineMs === null ? null : formatWireTime(order.deadlineMs, tz),
    failReason: order.failReason,
  };
}
