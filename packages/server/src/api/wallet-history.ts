import { fail, text } from '@micropay/protocol';
import { LEDGER_ID } from '../domain/ledger.js';
import type { Store, WalletTransaction } from '../store/store.js';

/** A posting id as the history hands it out (`older`). */
export const POSTING_ID = LEDGER_ID;

/** The `before` of a history request: the "older" key of the page before it, or undefined for the newest. */
export function beforeOf(body: Record<string, unknown>): number | undefined {
  const before = text(body, 'before');
  if (before !== null && !POSTING_ID.test(before)) fail('before', 'must be the "older" key of the previous page');
  return before === null ? undefined : Number(before);
}

/**
 * A page of a wallet's history, newest first, as the wallet page and the operator console show it,
 * and `older`, the key of the next page, or null when there is none (one more row is read to know,
 * without a count). Keyset paging: a payment arriving meanwhile shifts nothing.
 */
export async function walletHistoryPage(
  store: Pick<Store, 'recentTransactions'>, walletId: string, size: number, before: number | undefined,
): Promise<{ rows: WalletTransaction[]; older: string | null }> {
  const rows = await store.recentTransactions(walletId, size + 1, before);
  const shown = rows.slice(0, size);
  return { rows: shown, older: rows.length > size ? String(shown[shown.length - 1]!.postingId) : null };
}
