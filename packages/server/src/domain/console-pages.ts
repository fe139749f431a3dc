import type { WalletStatus } from './model.js';

/**
 * The consoles' pages (issue 14): what the operator's wallet search and a merchant's payout list
 * take, and their cursors. A cursor is the sort key of the page's last row, given to the page
 * helpers as one opaque string; these rules read it back and refuse anything else.
 */

/** The most rows a console page shows. */
export const CONSOLE_PAGE_MAX = 100;

export interface WalletCursor {
  readonly createdAtMs: number;
  readonly walletId: string;
}

export interface PayoutCursor {
  readonly requestedAtMs: number;
  readonly payoutId: string;
}

/** The operator's wallet search: every filter given must hold; newest first. */
export interface WalletSearch {
  /** The first 1 to 12 digits of the wallet id (12: that wallet). */
  readonly walletIdPrefix?: string;
  /** Part of the holder's name, any case (ASCII letters on SQLite; all letters on PostgreSQL). */
  readonly nameContains?: string;
  readonly status?: WalletStatus;
  readonly before?: WalletCursor;
  readonly limit: number;
}

const WALLET_STATUSES: readonly string[] = ['active', 'frozen', 'closed'] satisfies WalletStatus[];
const MAX_NAME_PART = 100;

/** The search as the console sends it: text fields, all optional. */
export interface WalletSearchInput {
  readonly walletId?: string | undefined;
  readonly name?: string | undefined;
  readonly status?: string | undefined;
  readonly cursor?: string | undefined;
  readonly limit?: number | undefined;
}

/** The search, or why it cannot be run (the page helper answers the catalogue's invalid-parameter code with it). */
export function walletSearchOf(input: WalletSearchInput): WalletSearch | { readonly problem: string } {
  const limit = pageLimitOf(input.limit);
  if (limit === null) return { problem: PAGE_LIMIT_PROBLEM };
  if (input.walletId !== undefined && input.walletId !== '' && !/^[0-9]{1,12}$/.test(input.walletId)) {
    return { problem: 'walletId must be 1 to 12 digits (the start of a wallet id, or all of it)' };
  }
  if (input.name !== undefined && (input.name.length > MAX_NAME_PART || /\p{Cc}/u.test(input.name))) {
    return { problem: `name must be at most ${MAX_NAME_PART} printable characters` };
  }
  if (input.status !== undefined && input.status !== '' && !WALLET_STATUSES.includes(input.status)) {
    return { problem: `status must be one of ${WALLET_STATUSES.join(', ')}` };
  }
  const before = input.cursor === undefined || input.cursor === '' ? undefined : walletCursorOf(input.cursor);
  if (before === null) return { problem: 'cursor is not one this search gave' };
  return {
    limit,
    ...(input.walletId ? { walletIdPrefix: input.walletId } : {}),
    ...(input.name ? { nameContains: input.name } : {}),
    ...(input.status ? { status: input.status as WalletStatus } : {}),
    ...(before === undefined ? {} : { before }),
  };
}

export function walletCursorText(c: WalletCursor): string {
  return `${c.createdAtMs}.${c.walletId}`;
}

export function walletCursorOf(text: string): WalletCursor | null {
  const m = /^([0-9]{1,15})\.([0-9]{12})$/.exec(text);
  return m === null ? null : { createdAtMs: Number(m[1]), walletId: m[2]! };
}

export function payoutCursorText(c: PayoutCursor): string {
  return `${c.requestedAtMs}.${c.payoutId}`;
}

export function payoutCursorOf(text: string): PayoutCursor | null {
  const m = /^([0-9]{1,15})\.([0-9]{1,40})$/.exec(text);
  return m === null ? null : { requestedAtMs: Number(m[1]), payoutId: m[2]! };
}

export const PAGE_LIMIT_PROBLEM = `limit must be a whole number from 1 to ${CONSOLE_PAGE_MAX}`;

/** A page size from the console: 1 to CONSOLE_PAGE_MAX (20 when not given), or null. */
export function pageLimitOf(limit: number | undefined, fallback = 20): number | null {
  const n = limit ?? fallback;
  return Number.isSafeInteger(n) && n >= 1 && n <= CONSOLE_PAGE_MAX ? n : null;
}
