import { createHash } from 'node:crypto';
import { fail, MCH_ORDER_ID, ORDER_STATUSES, parse, parseAmountSen, ResultCode, text, type OrderStatus, type Parsed } from '@micropay/protocol';
import { dayWindow } from './statement.js';

/**
 * The merchant console's order search (docs/consoles.md, "Orders"), pure: the filters are checked here
 * and turned into an OrderSearch the stores run as one keyset query (store/order-search-sql.ts).
 * Newest first by trade time, ties broken by the order id (unique), so a page ends at a position
 * `(tradeTimeMs, orderId)` and the next page starts strictly after it: orders that arrive while a
 * merchant pages are newer than every cursor and never shift a page, so nothing repeats or is skipped.
 */

/** Who searches: the merchant from the session, and the cashier when a cashier does. */
export interface OrderSearchScope {
  readonly mchId: string;
  /** A cashier sees only the orders its own till charged; null: the merchant owner (any cashier filter). */
  readonly cashierId: string | null;
}

/** Where a page ended: the next page starts after this order. */
export interface SearchPosition {
  readonly tradeTimeMs: number;
  readonly orderId: string;
}

export type OrderIdFilter = { readonly kind: 'exact' | 'prefix'; readonly value: string };

export interface OrderSearch {
  readonly mchId: string;
  /** Trade time in [fromMs, toMs): local days of the platform's time zone. */
  readonly fromMs: number | null;
  readonly toMs: number | null;
  /** Any of these states; null: every state. Sorted, without repeats. */
  readonly statuses: readonly OrderStatus[] | null;
  readonly minSen: number | null;
  readonly maxSen: number | null;
  readonly mchOrderId: OrderIdFilter | null;
  /** Only orders this till charged (the cashier_charges rule, store/cashier-charge-sql.ts). */
  readonly cashierId: string | null;
  /** Only orders some till charged (`till`), or only those the merchant's own system made (`system`); null: both. */
  readonly origin: OrderOrigin | null;
  readonly limit: number;
  readonly after: SearchPosition | null;
}

export const SEARCH_FIELDS = ['from', 'to', 'status', 'minAmount', 'maxAmount', 'mchOrderId', 'mchOrderIdPrefix', 'cashierId', 'till', 'origin', 'limit', 'cursor'] as const;

/** Who made an order: a till (the till page's charge), or the merchant's own system through the API. */
export const ORDER_ORIGINS = ['till', 'system'] as const;
export type OrderOrigin = (typeof ORDER_ORIGINS)[number];

/** The merchant's users by name, for the `till` filter: the console names a till by its user's name. */
export type TillsByName = ReadonlyMap<string, string>;
export const MAX_SEARCH_LIMIT = 100;
export const DEFAULT_SEARCH_LIMIT = 20;
const DATE = /^([0-9]{4})-([0-9]{2})-([0-9]{2})$/;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/**
 * The search from the console's filters (each a string, `status` also a list): a bad filter is
 * answered with its catalogue code (1021, or 1033 for an order id) and a message naming it.
 */
export function parseOrderSearch(
  input: Record<string, unknown>, scope: OrderSearchScope, timeZone: string, tills: TillsByName = new Map(),
): Parsed<OrderSearch> {
  return parse(() => {
    for (const name of Object.keys(input)) {
      if (!(SEARCH_FIELDS as readonly string[]).includes(name)) fail(`unknown filter ${JSON.stringify(name.slice(0, 40))}:`, `not one of ${SEARCH_FIELDS.join(', ')}`);
    }
    const from = dateOf(input, 'from');
    const to = dateOf(input, 'to');
    if (from !== null && to !== null && from > to) fail('from', `must not be after to (${to})`);
    const minSen = amountOf(input, 'minAmount');
    const maxSen = amountOf(input, 'maxAmount');
    if (minSen !== null && maxSen !== null && minSen > maxSen) fail('minAmount', 'must not be above maxAmount');
    const filters = {
      mchId: scope.mchId,
      fromMs: from === null ? null : dayWindow(from, timeZone).fromMs,
      toMs: to === null ? null : dayWindow(to, timeZone).toMs,
      statuses: statusesOf(input.status),
      minSen,
      maxSen,
      mchOrderId: orderIdOf(input),
      cashierId: cashierOf(input, scope, tills),
      origin: originOf(input, scope),
    };
    const cursor = text(input, 'cursor');
    return { ...filters, limit: limitOf(input), after: cursor === null || cursor === '' ? null : readCursor(cursor, filters) };
  });
}

function dateOf(input: Record<string, unknown>, field: string): string | null {
  const value = text(input, field);
  if (value === null || value === '') return null;
  const m = DATE.exec(value);
  const [y, mo, d] = m === null ? [0, 0, 0] : [Number(m[1]), Number(m[2]), Number(m[3])];
  const real = m !== null && new Date(Date.UTC(y, mo - 1, d)).toISOString().slice(0, 10) === value && y >= 2000;
  if (!real) fail(field, 'must be a date yyyy-MM-dd (from 2000), in the platform\'s time zone');
  return value;
}

function amountOf(input: Record<string, unknown>, field: string): number | null {
  const value = text(input, field);
  if (value === null || value === '') return null;
  const sen = parseAmountSen(value);
  if (sen === null) fail(field, 'must be a decimal with at most two places, e.g. "1.00"');
  return sen;
}

function statusesOf(value: unknown): OrderStatus[] | null {
  // No states named, as text or as a list, is no filter: every state.
  if (value === undefined || value === null || value === '' || (Array.isArray(value) && value.length === 0)) return null;
  const list = typeof value === 'string' ? value.split(',') : Array.isArray(value) ? value : null;
  if (list === null || list.length > ORDER_STATUSES.length * 2) fail('status', 'must be order states separated by commas');
  const known = ORDER_STATUSES as readonly unknown[];
  for (const s of list) if (!known.includes(s)) fail('status', `must be among ${ORDER_STATUSES.join(', ')}`);
  return [...new Set(list as OrderStatus[])].sort();
}

function orderIdOf(input: Record<string, unknown>): OrderIdFilter | null {
  const exact = text(input, 'mchOrderId', ResultCode.ORDER_ID_ERROR);
  const prefix = text(input, 'mchOrderIdPrefix', ResultCode.ORDER_ID_ERROR);
  const given = [exact, prefix].filter((v) => v !== null && v !== '');
  if (given.length === 0) return null;
  if (given.length > 1) fail('mchOrderIdPrefix', 'cannot be given together with mchOrderId', ResultCode.ORDER_ID_ERROR);
  const field = exact !== null && exact !== '' ? 'mchOrderId' : 'mchOrderIdPrefix';
  const value = given[0]!;
  if (!MCH_ORDER_ID.test(value)) fail(field, 'must be 1 to 32 characters of A-Z, a-z, 0-9, "_" and "-"', ResultCode.ORDER_ID_ERROR);
  return { kind: field === 'mchOrderId' ? 'exact' : 'prefix', value };
}

/**
 * A cashier's search is its own till's, whatever it asks; the owner may pick a till, by its id or
 * by its user's name (`till`).
 */
function cashierOf(input: Record<string, unknown>, scope: OrderSearchScope, tills: TillsByName): string | null {
  const askedId = text(input, 'cashierId');
  const askedName = text(input, 'till');
  let cashierId = askedId === null || askedId === '' ? null : askedId;
  if (cashierId !== null && !UUID.test(cashierId)) fail('cashierId', 'must be a cashier id (a UUID)');
  if (askedName !== null && askedName !== '') {
    if (cashierId !== null) fail('till', 'cannot be given together with cashierId');
    // A cashier is told the same of every name but its own: which names exist is the owner's to know.
    if (scope.cashierId !== null && tills.get(askedName) !== scope.cashierId) fail('till', 'a cashier searches only its own charges');
    cashierId = tills.get(askedName) ?? fail('till', `this merchant has no user named ${JSON.stringify(askedName.slice(0, 40))}`);
  }
  if (scope.cashierId === null) return cashierId;
  if (cashierId !== null && cashierId !== scope.cashierId) fail('cashierId', 'a cashier searches only its own charges');
  return scope.cashierId;
}

/** `till` or `system`; a cashier's orders are all its till's, so `system` is not a cashier's to ask. */
function originOf(input: Record<string, unknown>, scope: OrderSearchScope): OrderOrigin | null {
  const asked = text(input, 'origin');
  if (asked === null || asked === '') return null;
  if (!(ORDER_ORIGINS as readonly string[]).includes(asked)) fail('origin', 'must be till or system');
  if (asked === 'system' && (scope.cashierId !== null || text(input, 'cashierId') || text(input, 'till'))) {
    fail('origin', scope.cashierId !== null ? 'a cashier searches only its own charges' : 'system cannot be given together with a till');
  }
  return asked as OrderOrigin;
}

function limitOf(input: Record<string, unknown>): number {
  const value = text(input, 'limit');
  if (value === null || value === '') return DEFAULT_SEARCH_LIMIT;
  if (!/^[1-9][0-9]{0,2}$/.test(value) || Number(value) > MAX_SEARCH_LIMIT) fail('limit', `must be a whole number from 1 to ${MAX_SEARCH_LIMIT}`);
  return Number(value);
}

type Filters = Omit<OrderSearch, 'limit' | 'after'>;

/**
 * The cursor: the position, with a check over the position and the filters it was made for. The
 * check is no secret signature (a forged cursor could only start a page of the same merchant's own
 * orders elsewhere): it catches an edited cursor, or one from another search, with a clear error
 * instead of a page that silently belongs to nothing.
 */
export function searchCursor(filters: Filters, position: SearchPosition): string {
  const body = `${position.tradeTimeMs}.${position.orderId}`;
  return Buffer.from(`${body}.${cursorCheck(filters, body)}`, 'utf8').toString('base64url');
}

function readCursor(cursor: string, filters: Filters): SearchPosition {
  const decoded = /^[A-Za-z0-9_-]{1,200}$/.test(cursor) ? Buffer.from(cursor, 'base64url').toString('utf8') : '';
  const m = /^([0-9]{1,16})\.([0-9]{22})\.([A-Za-z0-9_-]{16})$/.exec(decoded);
  if (m === null) fail('cursor', 'is not a cursor this search gave out (it was changed or cut short): start again from the first page');
  if (cursorCheck(filters, `${m[1]}.${m[2]}`) !== m[3]) {
    fail('cursor', 'belongs to another search (its filters changed) or was changed: start again from the first page');
  }
  return { tradeTimeMs: Number(m[1]), orderId: m[2]! };
}

function cursorCheck(f: Filters, body: string): string {
  const canonical = JSON.stringify([f.mchId, f.fromMs, f.toMs, f.statuses, f.minSen, f.maxSen, f.mchOrderId, f.cashierId, f.origin, body]);
  return createHash('sha256').update(canonical, 'utf8').digest('base64url').slice(0, 16);
}

/** A wallet id as the console may show it: the customer's wallet id is a credential's half, so its last four digits only. */
export function maskedWalletId(walletId: string): string {
  return `•••• ${walletId.slice(-4)}`;
}
