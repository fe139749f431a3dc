import type { OrderStatus, Parsed } from '@micropay/protocol';
import type { FailReason, Order } from '../domain/model.js';
import { ownsCharge } from '../domain/cashier-charge.js';
import { maskedWalletId, parseOrderSearch, searchCursor, type OrderSearch, type OrderSearchScope } from '../domain/order-search.js';
import { buildTimeline, type OrderEventSource, type OrderTimeline, type SourcedEvent } from '../domain/order-timeline.js';
import { ATTEMPT_SUBJECTS_MAX } from '../store/notification-attempts-sql.js';
import type { Store } from '../store/store.js';

/**
 * The merchant console's orders (docs/consoles.md, "Orders"): the search, a page at a time by cursor,
 * and one order's timeline. Reads only; the merchant (and the cashier) come from the caller's
 * session, never from the filters, and every read is keyed by the merchant.
 */

/** An order as the console lists it: amounts in sen, times in ms, the wallet masked. */
export interface ConsoleOrderRow {
  readonly mchOrderId: string;
  /** wavpayOrderId. */
  readonly orderId: string;
  readonly amountSen: number;
  readonly refundedSen: number;
  readonly status: OrderStatus;
  readonly failReason: FailReason | null;
  /** The last four digits of the customer's wallet id (maskedWalletId). */
  readonly wallet: string;
  readonly tradeTimeMs: number;
  readonly payTimeMs: number | null;
}

export interface OrderPage {
  readonly orders: readonly ConsoleOrderRow[];
  /** The cursor of the next page; null: this page is the last. */
  readonly next: string | null;
}

export type OrderReads = Pick<Store, 'searchOrders' | 'orderHistory'>;

/**
 * One page of the search the console's filters ask (domain/order-search.ts names them). A bad
 * filter or cursor is answered with its catalogue code and message, and nothing is read.
 */
export async function searchOrders(
  store: OrderReads, scope: OrderSearchScope, filters: Record<string, unknown>, timeZone: string,
): Promise<Parsed<OrderPage>> {
  const parsed = parseOrderSearch(filters, scope, timeZone);
  if (!parsed.ok) return parsed;
  return { ok: true, value: await orderPage(store, parsed.value) };
}

/** A checked search's page: one more order than the page holds is asked for, to know whether a next page exists. */
export async function orderPage(store: OrderReads, search: OrderSearch): Promise<OrderPage> {
  const found = await store.searchOrders(search);
  const orders = found.slice(0, search.limit);
  const last = orders[orders.length - 1];
  const next = found.length > search.limit && last !== undefined ? searchCursor(search, { tradeTimeMs: last.tradeTimeMs, orderId: last.orderId }) : null;
  return { orders: orders.map(consoleOrderRow), next };
}

export function consoleOrderRow(o: Order): ConsoleOrderRow {
  return {
    mchOrderId: o.mchOrderId, orderId: o.orderId, amountSen: o.amountSen, refundedSen: o.refundedSen, status: o.status,
    failReason: o.failReason, wallet: maskedWalletId(o.walletId), tradeTimeMs: o.tradeTimeMs, payTimeMs: o.payTimeMs,
  };
}

/**
 * The merchant's order under `mchOrderId` with everything that happened to it, in time order;
 * null when the merchant has no such order (another merchant's order is "not found" as well, its
 * data never read), and for a cashier when its own till did not charge it (ownsCharge). `sources`
 * add their own events (notification attempts), each asked with the merchant's own order only.
 */
export async function orderTimeline(
  store: OrderReads, scope: OrderSearchScope, mchOrderId: string, sources: readonly OrderEventSource[] = [],
): Promise<OrderTimeline | null> {
  const history = await store.orderHistory(scope.mchId, mchOrderId);
  if (history === null) return null;
  if (scope.cashierId !== null && !ownsCharge(history.charge, { mchId: scope.mchId, cashierId: scope.cashierId })) return null;
  const sourced = await Promise.all(sources.map((source) => source(history.order)));
  return buildTimeline(history, sourced.flat());
}

export type AttemptReads = Pick<Store, 'notificationAttemptsFor' | 'refundsOfOrder'>;

/**
 * The order's notification attempts as timeline events: those of the order itself (PAID, FAILED)
 * and of each of its refunds (REFUNDED, REFUND_FAILED), each with its outcome and the receiver's
 * answer. Read by the merchant's id as well, so only the merchant's own notifications are found.
 */
export function notificationAttemptEvents(store: AttemptReads, mchId: string): OrderEventSource {
  return async (order) => {
    const refundIds = (await store.refundsOfOrder(order.orderId)).map((r) => r.refundId);
    const subjects = [order.orderId, ...refundIds];
    const events: SourcedEvent[] = [];
    // An order may have more refunds than one read takes subjects: read them in slices.
    for (let i = 0; i < subjects.length; i += ATTEMPT_SUBJECTS_MAX) {
      for (const a of await store.notificationAttemptsFor(mchId, subjects.slice(i, i + ATTEMPT_SUBJECTS_MAX))) {
        events.push({
          kind: 'sourced', source: 'notification', what: 'attempt', atMs: a.atMs,
          detail: {
            notificationId: a.notificationId, event: a.eventType, subjectId: a.subjectId, attempt: a.attempt, outcome: a.outcome,
            httpStatus: a.httpStatus, answer: a.answerExcerpt, error: a.error, durationMs: a.durationMs,
          },
        });
      }
    }
    return events;
  };
}
