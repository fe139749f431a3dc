import type { CashierCharge } from './cashier-charge.js';
import type { EntryKind, Posting } from './ledger.js';
import type { FailReason, Order, Refund, RefundFailReason } from './model.js';
import { isPaidOrder } from './order-state.js';

/**
 * The console's order timeline (docs/consoles.md, "Orders"): everything that happened to one order,
 * in time order, built from what the database records and nothing it does not. Pure: the store
 * reads an OrderHistory in one consistent read, this turns it into events; further sources
 * (notification attempts) add their own events through OrderEventSource.
 *
 * What proves what: the order row gives the trade (trade_time_ms) and its outcome (pay_time_ms for
 * a payment, updated_at_ms for a failure, which is final so its last update is the failure). A hold
 * is a counter on the wallet's account, not a journal entry, so it is proven by the order instead:
 * a PENDING order holds its amount now; a payment code records the order it paid or held
 * (pay_codes.order_id), and a FAILED order whose code names it was held (a payment refused at once
 * never uses its code); a paid order whose pay time is after its trade time waited for the
 * confirmation (a payment paid at once has both from one clock reading). Money moves are the journal
 * entries that name the order, each with its postings and real time; refunds are their own rows.
 */

/** A journal entry that names the order (its payment, or one of its refunds). */
export interface OrderEntry {
  readonly entryId: number;
  readonly kind: EntryKind;
  readonly refundId: string | null;
  readonly createdAtMs: number;
  readonly postings: readonly Posting[];
}

/** What the store reads for a timeline, in one consistent read. */
export interface OrderHistory {
  readonly order: Order;
  readonly entries: readonly OrderEntry[];
  /** Oldest first. */
  readonly refunds: readonly Refund[];
  /** The payment code records this order as the one it paid or held (pay_codes.order_id). */
  readonly codeNamesOrder: boolean;
  /** The till's charge that made the order (the cashier_charges rule), if a till made it. */
  readonly charge: CashierCharge | null;
}

/** An event from a source outside the order's own rows (notification attempts): one more kind of fact. */
export interface SourcedEvent {
  readonly kind: 'sourced';
  /** The source's name, e.g. `notification`. */
  readonly source: string;
  /** What happened, in the source's words, e.g. `attempt`. */
  readonly what: string;
  readonly atMs: number;
  readonly detail: Readonly<Record<string, string | number | boolean | null>>;
}

export type TimelineEvent =
  /** A cashier started the charge at the till (recorded before the payment ran). */
  | { readonly kind: 'tillCharge'; readonly atMs: number; readonly cashierId: string }
  /** The payment request reached the platform and the order was recorded. */
  | { readonly kind: 'trade'; readonly atMs: number; readonly amountSen: number }
  /** The amount was held in the wallet, awaiting the user's confirmation until `untilMs` (when known). */
  | { readonly kind: 'held'; readonly atMs: number; readonly amountSen: number; readonly untilMs: number | null }
  /** The payment step failed before it finished (NEW); the order is settled by `untilMs`. */
  | { readonly kind: 'stalled'; readonly atMs: number; readonly untilMs: number | null }
  /** The hold ended: the user confirmed (`paid`) or the order failed. */
  | { readonly kind: 'holdReleased'; readonly atMs: number; readonly amountSen: number; readonly outcome: 'paid' | 'failed' }
  | { readonly kind: 'paid'; readonly atMs: number; readonly amountSen: number }
  | { readonly kind: 'failed'; readonly atMs: number; readonly reason: FailReason | null }
  /** A journal entry moved money: the payment, or a refund. */
  | { readonly kind: 'entry'; readonly atMs: number; readonly entryId: number; readonly entryKind: EntryKind; readonly refundId: string | null; readonly postings: readonly Posting[] }
  | { readonly kind: 'refundRequested'; readonly atMs: number; readonly refundId: string; readonly mchRefundId: string; readonly amountSen: number; readonly reason: string | null }
  | { readonly kind: 'refunded'; readonly atMs: number; readonly refundId: string; readonly mchRefundId: string; readonly amountSen: number }
  | { readonly kind: 'refundFailed'; readonly atMs: number; readonly refundId: string; readonly mchRefundId: string; readonly amountSen: number; readonly reason: RefundFailReason | null }
  | SourcedEvent;

export interface OrderTimeline {
  readonly order: Order;
  readonly events: readonly TimelineEvent[];
}

/** One more source of events for an order, e.g. its notification attempts; it reads only the merchant's own order. */
export type OrderEventSource = (order: Order) => Promise<readonly SourcedEvent[]>;

export function buildTimeline(history: OrderHistory, sourced: readonly SourcedEvent[] = []): OrderTimeline {
  const { order } = history;
  const events: TimelineEvent[] = [];
  if (history.charge !== null) events.push({ kind: 'tillCharge', atMs: history.charge.chargedAtMs, cashierId: history.charge.cashierId });
  events.push({ kind: 'trade', atMs: order.tradeTimeMs, amountSen: order.amountSen });
  events.push(...paymentEvents(history));
  for (const e of history.entries) {
    events.push({ kind: 'entry', atMs: e.createdAtMs, entryId: e.entryId, entryKind: e.kind, refundId: e.refundId, postings: e.postings });
  }
  for (const r of history.refunds) events.push(...refundEvents(r));
  events.push(...sourced);
  return { order, events: events.map((e, i) => [e, i] as const).sort(inTimeOrder).map(([e]) => e) };
}

/** The payment's outcome as the order row proves it (see the module comment). */
function paymentEvents(h: OrderHistory): TimelineEvent[] {
  const o = h.order;
  const amountSen = o.amountSen;
  if (o.status === 'PENDING') return [{ kind: 'held', atMs: o.tradeTimeMs, amountSen, untilMs: o.deadlineMs }];
  if (o.status === 'NEW') return [{ kind: 'stalled', atMs: o.tradeTimeMs, untilMs: o.deadlineMs }];
  if (isPaidOrder(o.status) && o.payTimeMs !== null) {
    const paid: TimelineEvent = { kind: 'paid', atMs: o.payTimeMs, amountSen };
    if (o.payTimeMs === o.tradeTimeMs) return [paid];
    return [{ kind: 'held', atMs: o.tradeTimeMs, amountSen, untilMs: null }, { kind: 'holdReleased', atMs: o.payTimeMs, amountSen, outcome: 'paid' }, paid];
  }
  const failed: TimelineEvent = { kind: 'failed', atMs: o.updatedAtMs, reason: o.failReason };
  const wasHeld = h.codeNamesOrder || o.failReason === 'DECLINED' || o.failReason === 'CONFIRM_TIMEOUT';
  if (wasHeld) return [{ kind: 'held', atMs: o.tradeTimeMs, amountSen, untilMs: null }, { kind: 'holdReleased', atMs: o.updatedAtMs, amountSen, outcome: 'failed' }, failed];
  // Only a payment whose step failed (NEW) ends FAILED later without a hold: closed, or swept.
  if (o.failReason === 'SYSTEM_ERROR' || o.failReason === 'CLOSED') return [{ kind: 'stalled', atMs: o.tradeTimeMs, untilMs: null }, failed];
  return [failed];
}

function refundEvents(r: Refund): TimelineEvent[] {
  const base = { refundId: r.refundId, mchRefundId: r.mchRefundId, amountSen: r.amountSen };
  const requested: TimelineEvent = { kind: 'refundRequested', atMs: r.requestedAtMs, ...base, reason: r.reason };
  if (r.finishedAtMs === null) return [requested];
  if (r.status === 'REFUNDED') return [requested, { kind: 'refunded', atMs: r.finishedAtMs, ...base }];
  return [requested, { kind: 'refundFailed', atMs: r.finishedAtMs, ...base, reason: r.failReason }];
}

/** Within one millisecond, the order in which the platform does things; then as built (stable). */
const STEP: Record<TimelineEvent['kind'], number> = {
  tillCharge: 0, trade: 1, held: 2, stalled: 2, holdReleased: 3, entry: 4, paid: 5, failed: 5,
  refundRequested: 6, refunded: 8, refundFailed: 8, sourced: 9,
};

function inTimeOrder([a, i]: readonly [TimelineEvent, number], [b, j]: readonly [TimelineEvent, number]): number {
  return a.atMs - b.atMs || step(a) - step(b) || i - j;
}

/** A refund's entry comes after its request and before it is marked done, as the refund runs. */
function step(e: TimelineEvent): number {
  return e.kind === 'entry' && e.entryKind === 'refund' ? 7 : STEP[e.kind];
}
