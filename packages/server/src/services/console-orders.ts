import type { OrderStatus, Parsed } from '@micropay/protocol';
import { MICROPAY_ORDER_ID } from '../domain/ids.js';
import type { FailReason, Order } from '../domain/model.js';
import { ownsCharge } from '../domain/cashier-charge.js';
import { maskedWalletId, parseOrderSearch, searchCursor, type OrderSearch, type OrderSearchScope, type TillsByName } from '../domain/order-search.js';
import { buildTimeline, type OrderEventSource, type SourcedEvent, type TimelineEvent } from '../domain/order-timeline.js';
import { isPaidOrder } from '../domain/order-state.js';
import { refundableSen } from '../domain/refund.js';
import { ATTEMPT_SUBJECTS_MAX } from '../store/notification-attempts-sql.js';
import type { Posting } from '../domain/ledger.js';
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
  /** The name of the user whose till charged it; null: the merchant's own system did (the API). */
  readonly till: string | null;
}

export interface OrderPage {
  readonly orders: readonly ConsoleOrderRow[];
  /** The cursor of the next page; null: this page is the last. */
  readonly next: string | null;
}

export type OrderReads = Pick<Store, 'searchOrders' | 'orderHistory' | 'findOrderById' | 'listMerchantUsers' | 'tillsOfOrders'>;

/**
 * One page of the search the console's filters ask (domain/order-search.ts names them). A bad
 * filter or cursor is answered with its catalogue code and message, and nothing is read.
 */
export async function searchOrders(
  store: OrderReads, scope: OrderSearchScope, filters: Record<string, unknown>, timeZone: string,
): Promise<Parsed<OrderPage>> {
  const byName = typeof filters.till === 'string' && filters.till !== '' ? await tillsByName(store, scope.mchId) : undefined;
  const parsed = parseOrderSearch(filters, scope, timeZone, byName);
  if (!parsed.ok) return parsed;
  return { ok: true, value: await orderPage(store, parsed.value) };
}

/** The merchant's users by name, for the `till` filter (read only when it is given). */
async function tillsByName(store: OrderReads, mchId: string): Promise<TillsByName> {
  return new Map((await store.listMerchantUsers(mchId)).map((u) => [u.name, u.cashierId]));
}

/** A checked search's page: one more order than the page holds is asked for, to know whether a next page exists. */
export async function orderPage(store: OrderReads, search: OrderSearch): Promise<OrderPage> {
  const found = await searchWithMicroPayOrderId(store, search);
  const orders = found.slice(0, search.limit);
  const last = orders[orders.length - 1];
  const next = found.length > search.limit && last !== undefined ? searchCursor(search, { tradeTimeMs: last.tradeTimeMs, orderId: last.orderId }) : null;
  // Each order's till, read for the page's orders alone, after the search (never inside it: a search that sorts would read it for every order it matched).
  const tills = await store.tillsOfOrders(search.mchId, orders.map((o) => o.mchOrderId));
  return { orders: orders.map((o) => consoleOrderRow(o, tills.get(o.mchOrderId) ?? null)), next };
}

/**
 * An exact order id may be MicroPay's, as the till and the receipt show it: when it names an order
 * of this merchant, that order is searched by its own id too, each search by the unique index as
 * any exact id is (an OR, or an IN, of the two lured SQLite onto a walk of the date range), and the
 * two pages merged in the search's order. The cursor stays the typed search's: the order an id
 * names never changes.
 */
async function searchWithMicroPayOrderId(store: OrderReads, search: OrderSearch): Promise<Order[]> {
  const id = search.mchOrderId;
  const order = id?.kind === 'exact' && MICROPAY_ORDER_ID.test(id.value) ? await store.findOrderById(id.value) : null;
  if (order === null || order.mchId !== search.mchId || order.mchOrderId === id!.value) return store.searchOrders(search);
  const [typed, named] = await Promise.all([store.searchOrders(search), store.searchOrders({ ...search, mchOrderId: { kind: 'exact', value: order.mchOrderId } })]);
  return [...typed, ...named].sort(newestFirst).slice(0, search.limit + 1);
}

/** The search's order: trade time, newest first, then the order id (store/order-search-sql.ts). */
function newestFirst(a: Order, b: Order): number {
  return b.tradeTimeMs - a.tradeTimeMs || (a.orderId < b.orderId ? 1 : a.orderId > b.orderId ? -1 : 0);
}

export function consoleOrderRow(o: Order, till: string | null): ConsoleOrderRow {
  return {
    mchOrderId: o.mchOrderId, orderId: o.orderId, amountSen: o.amountSen, refundedSen: o.refundedSen, status: o.status,
    failReason: o.failReason, wallet: maskedWalletId(o.walletId), tradeTimeMs: o.tradeTimeMs, payTimeMs: o.payTimeMs, till,
  };
}

/** The timeline as the console shows it: the order as the list shows it, wallet accounts masked too. */
export interface ConsoleOrderTimeline {
  readonly order: ConsoleOrderRow & { readonly goodsInfo: string | null; readonly refundableSen: number };
  readonly events: readonly ConsoleEvent[];
}

/** An event as the console shows it: the till's charge names its user, as the list's Till column does. */
export type ConsoleEvent = Exclude<TimelineEvent, { kind: 'tillCharge' }> | (Extract<TimelineEvent, { kind: 'tillCharge' }> & { readonly till: string | null });

/** A posting to the customer's wallet names it as the list does (`wallet:•••• 1234`); other accounts are the merchant's or the platform's. */
function consolePosting(p: Posting): Posting {
  return p.accountId.startsWith('wallet:') ? { ...p, accountId: `wallet:${maskedWalletId(p.accountId.slice('wallet:'.length))}` } : p;
}

function consoleEvent(e: TimelineEvent, till: string | null): ConsoleEvent {
  if (e.kind === 'tillCharge') return { ...e, till };
  return e.kind === 'entry' ? { ...e, postings: e.postings.map(consolePosting) } : e;
}

/**
 * The merchant's order under `mchOrderId` with everything that happened to it, in time order;
 * null when the merchant has no such order (another merchant's order is "not found" as well, its
 * data never read), and for a cashier when its own till did not charge it (ownsCharge). `sources`
 * add their own events (notification attempts), each asked with the merchant's own order only.
 */
export async function orderTimeline(
  store: OrderReads, scope: OrderSearchScope, mchOrderId: string, sources: readonly OrderEventSource[] = [],
): Promise<ConsoleOrderTimeline | null> {
  const history = await store.orderHistory(scope.mchId, mchOrderId);
  if (history === null) return null;
  if (scope.cashierId !== null && !ownsCharge(history.charge, { mchId: scope.mchId, cashierId: scope.cashierId })) return null;
  const sourced = await Promise.all(sources.map((source) => source(history.order)));
  // The merchant sees the order as its list shows it: never the full wallet id, nor the code's fingerprint.
  const timeline = buildTimeline(history, sourced.flat());
  const o = timeline.order;
  const refundable = isPaidOrder(o.status) ? refundableSen(o) : 0;
  const till = history.charge === null ? null : (await store.tillsOfOrders(scope.mchId, [mchOrderId])).get(mchOrderId) ?? null;
  return { order: { ...consoleOrderRow(o, till), goodsInfo: o.goodsInfo, refundableSen: refundable }, events: timeline.events.map((e) => consoleEvent(e, till)) };
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
