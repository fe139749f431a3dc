import { createHash } from 'node:crypto';
import { refundRoomSen, type RefundingUser } from './merchant-users.js';
import type { RefundCommand } from '@micropay/protocol';
import { assert, journalEntry, merchantAccount, walletAccount, type JournalEntry } from './ledger.js';
import type { Order, Refund, RefundFailReason, WalletStatus } from './model.js';
import { orderMove, unchanged, type Decided, type Effect } from './effects.js';
import { assertRefundTransition, statusAfterRefund } from './order-state.js';

/**
 * The refund decisions, free of I/O (docs/refunds.md). A refund takes two transactions:
 *
 *   1. request: check the order and the merchant's refund number, reserve the amount on the order
 *      (orders.refunded_sen grows, so concurrent refunds can never add up to more than was paid),
 *      record the refund REFUND_IN_PROCESS and the order REFUND_IN_PROCESS;
 *   2. finish: move the money from the merchant back to the wallet (REFUNDED), or give up with a
 *      reason and release the reservation (REFUND_FAILED).
 *
 * Splitting them keeps the reservation durable before any money moves: if the platform dies in
 * between, the refund is visibly in process and the refund job finishes it after a restart.
 */

export type RefundRejection =
  /** No order with this mchOrderId for this merchant. */
  | 'ORDER_NOT_FOUND'
  /** The order is NEW or PENDING: nothing was paid yet. */
  | 'ORDER_NOT_PAID'
  /** The order is FAILED: nothing was paid. */
  | 'ORDER_FAILED'
  /** The amount is above what is left to refund. */
  | 'EXCEEDS_REFUNDABLE'
  /** A cashier's refund would take the order's refunds above the cashier's refund limit (merchant-users.ts). */
  | 'OVER_REFUND_LIMIT';

export interface RefundView {
  /** The refund already recorded under (mchId, mchRefundId), with its order. */
  readonly existing: { readonly refund: Refund; readonly order: Order } | null;
  /** The order named by (mchId, mchOrderId). */
  readonly order: Order | null;
}

export type RefundRequestDecision =
  /** The refund number is taken: answer with that refund; a different request moves nothing. */
  | { readonly kind: 'repeat'; readonly refund: Refund; readonly order: Order; readonly sameRequest: boolean }
  /** Refused: nothing is written. `order` is there when one was found. */
  | { readonly kind: 'rejected'; readonly reason: RefundRejection; readonly order: Order | null }
  /**
   * Recorded REFUND_IN_PROCESS; `refundedSen` is what the order's refunded_sen becomes, and the
   * order is REFUND_IN_PROCESS (it already is when another refund of it is in flight).
   */
  | { readonly kind: 'accepted'; readonly refund: Refund; readonly order: Order; readonly refundedSen: number };

/** What defines a refund request: a repeat must match it. "3" and "3.00" are the same amount. */
export function refundFingerprint(cmd: RefundCommand): string {
  const canonical = [cmd.mchOrderId, cmd.refundAmountSen, cmd.reason ?? ''].join('\u001f');
  return createHash('sha256').update(canonical, 'utf8').digest('base64url');
}

/** What is left to refund of an order: the amount paid minus refunds done or in process. */
export function refundableSen(order: Order): number {
  return order.amountSen - order.refundedSen;
}

export function decideRefundRequest(
  cmd: RefundCommand,
  view: RefundView,
  nowMs: number,
  refundId: string,
  fingerprint: string = refundFingerprint(cmd),
  /** Who refunds, when a merchant's user does (the till, the console): its refund limit applies. */
  refunder: RefundingUser | null = null,
): RefundRequestDecision {
  // The refund number is checked first, like the order number of a payment: whatever else the
  // request says, a taken number answers with the refund it already names.
  if (view.existing !== null) {
    const { refund, order } = view.existing;
    return { kind: 'repeat', refund, order, sameRequest: refund.fingerprint === fingerprint };
  }
  const order = view.order;
  if (order === null) return { kind: 'rejected', reason: 'ORDER_NOT_FOUND', order: null };
  switch (order.status) {
    case 'NEW':
    case 'PENDING':
      return { kind: 'rejected', reason: 'ORDER_NOT_PAID', order };
    case 'FAILED':
      return { kind: 'rejected', reason: 'ORDER_FAILED', order };
    // Refunds of one order may be in flight together: each reserves its amount on the order, so
    // together they can never exceed what was paid, and none has to wait for another.
    case 'REFUND_IN_PROCESS':
    case 'PAID':
    case 'REFUNDED':
    case 'REFUND_FAILED':
      break;
  }
  if (cmd.refundAmountSen > refundableSen(order)) return { kind: 'rejected', reason: 'EXCEEDS_REFUNDABLE', order };
  const room = refunder === null ? null : refundRoomSen(refunder, order);
  if (room !== null && cmd.refundAmountSen > room) return { kind: 'rejected', reason: 'OVER_REFUND_LIMIT', order };
  return {
    kind: 'accepted',
    order,
    refundedSen: order.refundedSen + cmd.refundAmountSen,
    refund: {
      refundId,
      mchId: cmd.mchId,
      mchRefundId: cmd.mchRefundId,
      orderId: order.orderId,
      amountSen: cmd.refundAmountSen,
      reason: cmd.reason,
      status: 'REFUND_IN_PROCESS',
      failReason: null,
      fingerprint,
      requestedAtMs: nowMs,
      finishedAtMs: null,
    },
  };
}

/** What the finishing transaction reads besides the refund and its order. */
export interface RefundFinishView {
  readonly merchantBalanceSen: number;
  readonly walletStatus: WalletStatus;
  /** Other refunds of the same order still REFUND_IN_PROCESS. */
  readonly otherRefundsInProcess: number;
}

/**
 * The order's status after a refund finishes. While other refunds of it are in flight it stays
 * REFUND_IN_PROCESS (and `orderStatus` equals its status: only refunded_sen may change); the last
 * refund to finish sets it by the rule of statusAfterRefund.
 */
export type RefundFinishDecision =
  /** The money moves back: book the entry, the refund is REFUNDED, the order moves to `orderStatus`. */
  | {
      readonly kind: 'refunded';
      readonly refund: Refund;
      readonly entry: JournalEntry;
      readonly orderStatus: 'PAID' | 'REFUNDED' | 'REFUND_IN_PROCESS';
    }
  /** Nothing moves: the refund is REFUND_FAILED, the reservation is released (refunded_sen becomes `refundedSen`). */
  | {
      readonly kind: 'failed';
      readonly refund: Refund;
      readonly refundedSen: number;
      readonly orderStatus: 'REFUND_FAILED' | 'REFUND_IN_PROCESS';
    }
  /** The refund already finished (another finisher won): nothing to do. */
  | { readonly kind: 'none' };

export function decideRefundFinish(refund: Refund, order: Order, view: RefundFinishView, nowMs: number): RefundFinishDecision {
  if (refund.status !== 'REFUND_IN_PROCESS') return { kind: 'none' };
  assert(order.orderId === refund.orderId, 'a refund is finished together with its own order');
  assert(order.status === 'REFUND_IN_PROCESS', `order ${order.orderId} is REFUND_IN_PROCESS while its refund is`);
  assert(order.refundedSen >= refund.amountSen, 'the refund is reserved on its order');

  // A closed wallet's holder has left: money sent there could not be spent or withdrawn. A frozen
  // wallet still receives refunds, because freezing stops spending, not ownership.
  const failReason: RefundFailReason | null =
    view.walletStatus === 'closed'
      ? 'WALLET_CLOSED'
      : view.merchantBalanceSen < refund.amountSen
        ? 'MERCHANT_BALANCE_INSUFFICIENT'
        : null;
  const othersInFlight = view.otherRefundsInProcess > 0;
  if (failReason !== null) {
    return {
      kind: 'failed',
      refund: { ...refund, status: 'REFUND_FAILED', failReason, finishedAtMs: nowMs },
      refundedSen: order.refundedSen - refund.amountSen,
      orderStatus: othersInFlight ? 'REFUND_IN_PROCESS' : 'REFUND_FAILED',
    };
  }
  const status = othersInFlight ? 'REFUND_IN_PROCESS' : statusAfterRefund(order.refundedSen, order.amountSen, true);
  assert(
    status === 'PAID' || status === 'REFUNDED' || status === 'REFUND_IN_PROCESS',
    'a refund that succeeds leaves the order PAID, REFUNDED, or in process for its other refunds',
  );
  return {
    kind: 'refunded',
    refund: { ...refund, status: 'REFUNDED', finishedAtMs: nowMs },
    orderStatus: status,
    entry: refundEntry(refund, order.walletId, nowMs),
  };
}

/** The merchant pays the wallet back: one entry, two postings, the mirror of the payment. */
export function refundEntry(refund: Refund, walletId: string, nowMs: number): JournalEntry {
  return journalEntry(
    'refund',
    { refundId: refund.refundId, orderId: refund.orderId },
    [
      { accountId: merchantAccount(refund.mchId), amountSen: -refund.amountSen },
      { accountId: walletAccount(walletId), amountSen: refund.amountSen },
    ],
    nowMs,
  );
}

/** A refund with the order it refunds, as both are now. */
export interface RefundRecord {
  readonly refund: Refund;
  readonly order: Order;
}

/** What an accepted refund request writes: the refund, and its amount reserved on the order. */
export function refundRequestEffects(decision: RefundRequestDecision, nowMs: number): Decided<RefundRequestDecision> {
  if (decision.kind !== 'accepted') return unchanged(decision);
  assertRefundTransition(null, decision.refund.status);
  // The reservation: the order's CHECK (refunded_sen <= amount_sen) guards it a second time.
  const move = orderMove(decision.order, 'REFUND_IN_PROCESS', nowMs, { refundedSen: decision.refundedSen });
  return { result: { ...decision, order: move.to }, effects: [{ kind: 'insertRefund', refund: decision.refund }, move] };
}

/**
 * What finishing a refund writes: the money moves back (REFUNDED), or the reservation is released
 * (REFUND_FAILED); the refund and its order move, and the merchant is told.
 */
export function refundFinishEffects(refund: Refund, order: Order, decision: RefundFinishDecision, nowMs: number): Decided<RefundRecord> {
  if (decision.kind === 'none') return unchanged({ refund, order });
  assertRefundTransition(refund.status, decision.refund.status);
  const moveRefund: Effect = { kind: 'moveRefund', from: refund, to: decision.refund };
  const refundedSen = decision.kind === 'failed' ? decision.refundedSen : order.refundedSen;
  const move = orderMove(order, decision.orderStatus, nowMs, { refundedSen });
  const notify: Effect = {
    kind: 'notify', mchId: refund.mchId, event: decision.kind === 'refunded' ? 'REFUNDED' : 'REFUND_FAILED', subject: decision.refund, atMs: nowMs,
  };
  const effects: Effect[] = decision.kind === 'refunded' ? [{ kind: 'book', entry: decision.entry }, moveRefund, move, notify] : [moveRefund, move, notify];
  return { result: { refund: decision.refund, order: move.to }, effects };
}
