import type { Effect } from '../src/domain/effects.js';
import type { JournalEntry } from '../src/domain/ledger.js';
import type { SqliteStore } from '../src/store/sqlite/sqlite-store.js';
import type { Store } from '../src/store/store.js';

/**
 * Direct database access for tests that must set up a state no API reaches (a merchant whose money
 * left its account) or check the ledger by hand. Written once for both stores: SQL uses `?`
 * placeholders (turned into $1, $2, … for PostgreSQL) and the tables and views both stores share.
 */
interface PgLike {
  readonly pool: { query(text: string, params: unknown[]): Promise<{ rows: unknown[] }> };
}

export async function sql<T = Record<string, unknown>>(store: Store, text: string, params: unknown[] = []): Promise<T[]> {
  if (store.kind === 'sqlite') return (store as unknown as SqliteStore).db.prepare(text).all(...params) as T[];
  let n = 0;
  const { rows } = await (store as unknown as PgLike).pool.query(text.replace(/\?/g, () => `$${++n}`), params);
  return rows as T[];
}

export async function execute(store: Store, text: string, params: unknown[] = []): Promise<void> {
  if (store.kind === 'sqlite') (store as unknown as SqliteStore).db.prepare(text).run(...params);
  else await sql(store, text, params);
}

/** Books a journal entry directly, in its own transaction, as the store's own writes do (the book effect). */
export async function book(store: Store, entry: JournalEntry): Promise<void> {
  await (store as unknown as { applyEffects(effects: readonly Effect[]): Promise<void> }).applyEffects([{ kind: 'book', entry }]);
}

/** An account's balance in sen (PostgreSQL answers BIGINT sums as text). */
export async function accountBalanceSen(store: Store, accountId: string): Promise<number> {
  const rows = await sql<{ balance_sen: number | string }>(store, 'SELECT balance_sen FROM account_balances WHERE id = ?', [accountId]);
  return Number(rows[0]!.balance_sen);
}
