/**
 * Bench setup: merchants through the store's API, then wallets with one fresh payment code each,
 * in bulk. A payment code pays once and a wallet has one active code at a time, so a run of N
 * payments needs N wallets. Creating them one store call at a time (two transactions each) would
 * take minutes, so this writes the same rows the store writes — account, wallet, a top-up journal
 * entry with its two postings and cached balances, an active code — in large transactions. The
 * audit at the end of every scenario checks these rows with the rest of the ledger.
 */
import { randomBytes, randomInt } from 'node:crypto';
import { Secret } from '@micropay/protocol';
import { newApiKey } from '../../packages/server/dist/domain/ids.js';
import { offlineCodeSync } from '../../packages/server/dist/domain/offline-code.js';

const PLATFORM_FLOAT = 'platform:float';

/** Creates `count` merchants through the store API; returns { mchId, key }. */
export async function createMerchants(store, count) {
  const merchants = [];
  for (let i = 0; i < count; i++) {
    const key = newApiKey();
    const m = await store.createMerchant({ name: `Bench merchant ${i + 1}`, apiKey: new Secret(key) });
    merchants.push({ mchId: m.mchId, key });
  }
  return merchants;
}

/** 12-digit wallet ids and 18-digit codes starting 39, unique within the run, from the CSPRNG. */
function ids(count) {
  const walletIds = new Set();
  const codes = new Set();
  while (walletIds.size < count) walletIds.add('60' + digits(10));
  while (codes.size < count) codes.add('39' + digits(16));
  return { walletIds: [...walletIds], codes: [...codes] };
}

function digits(n) {
  const bytes = randomBytes(n);
  let s = '';
  for (const b of bytes) s += String(b % 10);
  return s;
}

/**
 * Creates `count` funded wallets, each with one active code valid for `ttlMs`; returns the codes.
 * `onProgress` is told how many are done after each chunk.
 */
export async function createWalletsWithCodes(store, count, options) {
  return (await createWallets(store, count, options)).codes;
}

/**
 * Creates `count` funded wallets as createWalletsWithCodes does (each keeps its unused code, so
 * both kinds of run pay from the same tables), and enrols one device of each for offline codes
 * (docs/offline-codes.md). Returns `codesFor(counter)`: each device's offline code for that
 * counter, in a random order (the devices shuffled once), to compute just before the codes are
 * used: they pay only within ±40 s of their counter's time.
 */
export async function createWalletsWithDevices(store, count, options) {
  const { walletIds } = await createWallets(store, count, options);
  const key = await store.offlineCodeKey();
  const devices = [];
  const taken = new Set();
  const now = Date.now();
  const rows = walletIds.map((walletId) => {
    let deviceIndex;
    do deviceIndex = randomInt(0, 100_000_000); while (taken.has(deviceIndex));
    taken.add(deviceIndex);
    const salt = randomBytes(16).toString('hex');
    devices.push(key.deviceCredentials({ deviceIndex, salt }));
    return { deviceIndex, walletId, salt };
  });
  if (store.kind === 'sqlite') {
    const insert = store.db.prepare(`INSERT INTO wallet_devices (device_index, wallet_id, status, salt, label, created_at_ms) VALUES (?, ?, 'active', ?, 'bench', ?)`);
    store.db.transaction(() => rows.forEach((r) => insert.run(r.deviceIndex, r.walletId, r.salt, now))).immediate();
  } else {
    await store.pool.query(
      `INSERT INTO wallet_devices (device_index, wallet_id, status, salt, label, created_at_ms)
       SELECT i, w, 'active', s, 'bench', $4 FROM unnest($1::bigint[], $2::text[], $3::text[]) AS x (i, w, s)`,
      [rows.map((r) => r.deviceIndex), rows.map((r) => r.walletId), rows.map((r) => r.salt), now],
    );
    await store.pool.query('ANALYZE wallet_devices');
  }
  const order = shuffle(devices);
  return (counter) => order.map((d) => offlineCodeSync(d, counter));
}

async function createWallets(store, count, { openingSen, ttlMs, onProgress = () => {} }) {
  const { walletIds, codes } = ids(count);
  const chunk = store.kind === 'sqlite' ? 50_000 : 20_000;
  for (let from = 0; from < count; from += chunk) {
    const w = walletIds.slice(from, from + chunk);
    const c = codes.slice(from, from + chunk);
    if (store.kind === 'sqlite') sqliteChunk(store.db, w, c, openingSen, ttlMs);
    else await postgresChunk(store.pool, w, c, openingSen, ttlMs);
    onProgress(Math.min(count, from + chunk));
  }
  // A bulk load leaves the planner's statistics describing nearly empty tables; autovacuum would
  // fix that within a minute in production, but the measured run starts at once. Only the tables
  // loaded here: analysing the still empty orders table would record it as empty, and PostgreSQL
  // would plan the journal's foreign-key check on it as a sequential scan for the whole run.
  // SQLite keeps no statistics unless ANALYZE is run, and statistics taken now (one posting per
  // wallet) would mislead its planner for the audit's joins once merchants have thousands.
  const loaded = ['merchants', 'accounts', 'account_shards', 'wallets', 'pay_codes', 'journal_entries', 'postings'];
  if (store.kind === 'postgres') await store.pool.query(`ANALYZE ${loaded.join(', ')}`);
  return { walletIds, codes };
}

function sqliteChunk(db, walletIds, codes, openingSen, ttlMs) {
  const now = Date.now();
  const s = {
    account: db.prepare(`INSERT INTO accounts (id, kind, balance_sen) VALUES (?, 'wallet', ?)`),
    wallet: db.prepare(
      `INSERT INTO wallets (wallet_id, name, status, account_id, active_code, created_at_ms) VALUES (?, 'bench', 'active', ?, ?, ?)`,
    ),
    entry: db.prepare(`INSERT INTO journal_entries (kind, order_id, refund_id, created_at_ms) VALUES ('topup', NULL, NULL, ?)`),
    // The same posting chain the store keeps (migration 2): each posting links to its account's last.
    posting: db.prepare(
      `INSERT INTO postings (entry_id, account_id, amount_sen, prev_posting_id)
       VALUES (?, ?, ?, (SELECT last_posting_id FROM accounts WHERE id = ?))`,
    ),
    last: db.prepare('UPDATE accounts SET last_posting_id = ? WHERE id = ?'),
    code: db.prepare(`INSERT INTO pay_codes (code, wallet_id, status, issued_at_ms, expires_at_ms) VALUES (?, ?, 'active', ?, ?)`),
    float: db.prepare('UPDATE accounts SET balance_sen = balance_sen + ? WHERE id = ?'),
  };
  db.transaction(() => {
    for (let i = 0; i < walletIds.length; i++) {
      const walletId = walletIds[i];
      const account = `wallet:${walletId}`;
      s.account.run(account, openingSen);
      s.wallet.run(walletId, account, codes[i], now);
      const entryId = s.entry.run(now).lastInsertRowid;
      s.last.run(s.posting.run(entryId, PLATFORM_FLOAT, -openingSen, PLATFORM_FLOAT).lastInsertRowid, PLATFORM_FLOAT);
      s.last.run(s.posting.run(entryId, account, openingSen, account).lastInsertRowid, account);
      s.code.run(codes[i], walletId, now, now + ttlMs);
    }
    s.float.run(-openingSen * walletIds.length, PLATFORM_FLOAT);
  }).immediate();
}

async function postgresChunk(pool, walletIds, codes, openingSen, ttlMs) {
  const now = Date.now();
  const c = await pool.connect();
  try {
    // Setup only: the measured run keeps synchronous_commit as the server has it.
    await c.query('BEGIN');
    await c.query('SET LOCAL synchronous_commit = off');
    await c.query(`INSERT INTO accounts (id, kind, shards) SELECT 'wallet:' || w, 'wallet', 1 FROM unnest($1::text[]) AS w`, [walletIds]);
    await c.query(
      `INSERT INTO account_shards (account_id, shard, balance_sen, may_go_negative)
       SELECT 'wallet:' || w, 0, $2, FALSE FROM unnest($1::text[]) AS w`,
      [walletIds, openingSen],
    );
    await c.query(
      `INSERT INTO wallets (wallet_id, name, status, account_id, created_at_ms)
       SELECT w, 'bench', 'active', 'wallet:' || w, $2 FROM unnest($1::text[]) AS w`,
      [walletIds, now],
    );
    await c.query(
      `WITH src AS MATERIALIZED (
         SELECT w, nextval(pg_get_serial_sequence('journal_entries', 'entry_id')) AS entry_id FROM unnest($1::text[]) AS w),
       e AS (INSERT INTO journal_entries (entry_id, kind, created_at_ms) SELECT entry_id, 'topup', $3 FROM src)
       INSERT INTO postings (entry_id, account_id, amount_sen)
       SELECT entry_id, 'wallet:' || w, $2::bigint FROM src UNION ALL SELECT entry_id, $4, -($2::bigint) FROM src`,
      [walletIds, openingSen, now, PLATFORM_FLOAT],
    );
    await c.query(`UPDATE account_shards SET balance_sen = balance_sen - $1 WHERE account_id = $2 AND shard = 0`, [
      openingSen * walletIds.length, PLATFORM_FLOAT,
    ]);
    await c.query(
      `INSERT INTO pay_codes (code, wallet_id, status, issued_at_ms, expires_at_ms)
       SELECT code, w, 'active', $3, $4 FROM unnest($1::text[], $2::text[]) AS x (code, w)`,
      [codes, walletIds, now, now + ttlMs],
    );
    await c.query('COMMIT');
  } catch (error) {
    await c.query('ROLLBACK').catch(() => undefined);
    throw error;
  } finally {
    c.release();
  }
}

/** Fisher–Yates, in place: the order in which the seeded wallets pay. */
export function shuffle(items) {
  for (let i = items.length - 1; i > 0; i--) {
    const j = randomInt(i + 1);
    [items[i], items[j]] = [items[j], items[i]];
  }
  return items;
}
