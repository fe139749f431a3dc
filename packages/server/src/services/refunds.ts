import type { RefundCommand } from '@micropay/protocol';
import type { RefundingUser } from '../domain/merchant-users.js';
import { formatSen } from '@micropay/protocol';
import { audited, type ActingAs } from '../domain/audit-log.js';
import { unchanged, type Decided } from '../domain/effects.js';
import type { RefundIdSource } from '../domain/ids.js';
import { assert } from '../domain/ledger.js';
import {
  decideRefundFinish,
  decideRefundRequest,
  refundFingerprint,
  refundFinishEffects,
  refundRequestEffects,
  type RefundRecord,
  type RefundRequestDecision,
} from '../domain/refund.js';
import { retryOnIdClash } from '../store/id-clash.js';
import type { StorePort } from '../store/port.js';

/** Refunds the refund job finishes per run. */
const STALE_LIMIT = 500;

/**
 * Refunds take two transactions (docs/refunds.md): the request reserves the amount on the order,
 * the finish moves the money or fails the refund. The first runs again when the refund id drawn,
 * or the merchant's refund number, was taken by another writer meanwhile (id-clash.ts).
 */
export function requestRefund(
  port: StorePort, ids: RefundIdSource, cmd: RefundCommand, acting?: ActingAs, refunder: RefundingUser | null = null,
): Promise<RefundRequestDecision> {
  return retryOnIdClash(() =>
    port.decide({ view: 'refundRequest', cmd }, (view, nowMs) =>
      audited(refundRequestEffects(decideRefundRequest(cmd, view, nowMs, ids.next(nowMs), refundFingerprint(cmd), refunder), nowMs), acting, nowMs, (d) =>
        d.kind !== 'accepted' ? null : {
          action: 'refund.request', mchId: d.refund.mchId, subjectId: d.refund.refundId,
          detail: { orderId: d.refund.orderId, mchOrderId: d.order.mchOrderId, mchRefundId: d.refund.mchRefundId, amount: formatSen(d.refund.amountSen) },
        }),
    ),
  );
}

/**
 * The second transaction: safe to run any number of times and from any process; a refund that
 * already finished is returned as it is. null: no such refund.
 */
export async function finishRefund(port: StorePort, refundId: string): Promise<RefundRecord | null> {
  return (await finishing(port, refundId)).record;
}

/** The refund as finishing left it, and whether this call is the one that finished it. */
interface Finishing {
  readonly record: RefundRecord | null;
  readonly finished: boolean;
}

function finishing(port: StorePort, refundId: string): Promise<Finishing> {
  return port.decide({ view: 'refundToFinish', refundId }, (found, nowMs): Decided<Finishing> => {
    if (found === null) return unchanged({ record: null, finished: false });
    const { refund, order, finish } = found;
    if (finish === null) return unchanged({ record: { refund, order }, finished: false });
    const done = refundFinishEffects(refund, order, decideRefundFinish(refund, order, finish, nowMs), nowMs);
    return { result: { record: done.result, finished: done.effects.length > 0 }, effects: done.effects };
  });
}

/**
 * Both transactions, one right after the other. A repeat of a refund still in process (its first
 * request died between the two) finishes it, so the merchant's retry learns the outcome.
 */
export async function refund(
  port: StorePort, ids: RefundIdSource, cmd: RefundCommand, acting?: ActingAs, refunder: RefundingUser | null = null,
): Promise<RefundRequestDecision> {
  const decision = await requestRefund(port, ids, cmd, acting, refunder);
  if (decision.kind === 'rejected' || decision.refund.status !== 'REFUND_IN_PROCESS') return decision;
  const finished = await finishRefund(port, decision.refund.refundId);
  assert(finished !== null, 'a recorded refund can be finished');
  return { ...decision, refund: finished.refund, order: finished.order };
}

/** Finishes refunds left REFUND_IN_PROCESS for `olderThanMs` or longer; returns how many it finished. */
export async function finishStaleRefunds(port: StorePort, olderThanMs: number): Promise<number> {
  let finished = 0;
  for (const refundId of await port.staleRefundIds(port.nowMs() - olderThanMs, STALE_LIMIT)) {
    if ((await finishing(port, refundId)).finished) finished += 1;
  }
  return finished;
}
