import { INSERT_PAYOUT, INSERT_PAYOUT_FILE, PAYOUT_ACCOUNT_UPSERT, payoutAccountValues, payoutValues } from '../payout-schema.js';
import { INSERT_TOP_UP_REQUEST } from '../top-up-reversal-sql.js';
import { ADVANCE_OFFLINE_COUNTER, deviceValues, INSERT_DEVICE, RENEW_DEVICE, REVOKE_DEVICE, REVOKE_WALLET_DEVICES } from '../offline-device-sql.js';
import { randomInt, randomUUID } from 'node:crypto';
import type pg from 'pg';
import { checkEffect, subjectIdOf, type Effect, type NewWalletRecord } from '../../domain/effects.js';
import { assert, merchantAccount, walletAccount, type JournalEntry } from '../../domain/ledger.js';
import type { Order } from '../../domain/model.js';
import { IdClashError } from '../id-clash.js';
import type { MerchantKeyVault } from '../../secrets/merchant-key-vault.js';
import { isPageAccessEffect, pageAccessWrite, type PageAccessEffect } from '../page-access-sql.js';
import { INSERT_TEST_NOTIFICATION_SQL, testNotificationValues } from '../notification-attempts-sql.js';
import { isUniqueViolation } from './pool.js';
import { auditLogValues, INSERT_AUDIT_LOG } from '../audit-log-sql.js';

export type Db = pg.Pool | pg.PoolClient;

/** How often a credit looks for a free balance shard before it waits for a busy one. */
const FREE_SHARD_LOOKS = 20;

interface AccountShape {
  readonly kind: 'platform' | 'wallet' | 'merchant';
  readonly shards: number;
}

/**
 * Applies effects (domain/effects.ts) on PostgreSQL, in the caller's transaction and in their
 * order, each as one statement (or the sharded balance's few) that asserts its invariant. Payments
 * take the set-based path of payment-batch.ts instead; everything else is written here.
 */
export class PgEffects {
  /** Accounts never change kind or shard count, so their shape is cached for good. */
  readonly #shapes = new Map<string, AccountShape>();

  /** `merchantShards`: the balance shards a new merchant's account gets (migrations.ts). */
  /** `keys`: seals merchant keys (secrets/merchant-key-vault.ts). */
  constructor(private readonly merchantShards: number, private readonly keys: MerchantKeyVault) {}

  async apply(c: Db, effects: readonly Effect[]): Promise<void> {
    for (const e of effects) await this.#applyOne(c, e);
  }

  async #applyOne(c: Db, e: Effect): Promise<void> {
    checkEffect(e);
    switch (e.kind) {
      case 'insertOrder':
        await c.query(INSERT_ORDER, orderValues(e.order, e.payCode));
        return;
      case 'useCode':
        return changedOne(await c.query(USE_CODE, [e.code, e.orderId]), 'a payment uses an active code exactly once');
      case 'hold':
        return changedOne(await c.query(HOLD, [e.deltaSen, walletAccount(e.walletId)]), `hold on an existing wallet (${e.walletId})`);
      case 'book':
        return this.#book(c, e.entry);
      case 'moveOrder': {
        const { from, to } = e;
        const moved = await c.query(MOVE_ORDER, [
          to.status, to.failReason, to.payTimeMs, to.deadlineMs, to.refundedSen, to.updatedAtMs, from.orderId, from.status, from.refundedSen,
        ]);
        return changedOne(moved, `order ${from.orderId} is still ${from.status} when it moves to ${to.status} (${from.refundedSen} sen refunded)`);
      }
      case 'insertRefund': {
        const r = e.refund;
        const values = [r.refundId, r.mchId, r.mchRefundId, r.orderId, r.amountSen, r.reason, r.status, r.failReason, r.fingerprint, r.requestedAtMs, r.finishedAtMs];
        // The second key: another request with the same refund number won; the rerun answers it as a repeat.
        await clashing(c.query(INSERT_REFUND, values), 'refunds_pkey', 'refunds_mch_id_mch_refund_id_key');
        return;
      }
      case 'moveRefund': {
        const { from, to } = e;
        const moved = await c.query(MOVE_REFUND, [to.status, to.failReason, to.finishedAtMs, from.refundId, from.status]);
        return changedOne(moved, `refund ${from.refundId} is still ${from.status} when it moves to ${to.status}`);
      }
      case 'notify':
        // No row, and no delivery, for a merchant without a notify URL (the SELECT finds none).
        await c.query(NOTIFY, [randomUUID(), e.event, subjectIdOf(e.subject), JSON.stringify(e.subject), e.atMs, e.mchId]);
        return;
      case 'closeOrderId':
        await c.query(CLOSE_ORDER_ID, [e.mchId, e.mchOrderId, e.atMs]);
        return;
      case 'insertPayout': {
        const p = e.payout;
        // The second key: another request with the same request id won; the rerun answers it as a repeat.
        await clashing(c.query(INSERT_PAYOUT, payoutValues(p)), 'payouts_pkey', 'payouts_mch_id_request_id_key');
        return;
      }
      case 'setPayoutAccount':
        await c.query(PAYOUT_ACCOUNT_UPSERT, payoutAccountValues(e.mchId, e.account));
        return;
      case 'movePayout': {
        const { from, to } = e;
        const moved = await c.query(MOVE_PAYOUT, [to.status, to.failReason, to.finishedAtMs, from.payoutId, from.status]);
        return changedOne(moved, `payout ${from.payoutId} is still ${from.status} when it moves to ${to.status}`);
      }
      case 'recordTopUpRequest':
        return void await c.query(INSERT_TOP_UP_REQUEST, [e.walletId, e.requestId, e.amountSen, e.atMs]);
      case 'insertPayoutFile':
        // Numbered under the view's advisory lock: no other file takes the number meanwhile.
        return void await c.query(INSERT_PAYOUT_FILE, [e.fileNo, e.madeAtMs, e.count, e.totalSen]);
      case 'filePayouts': {
        const filed = await c.query(FILE_PAYOUTS, [e.fileNo, e.payoutIds]);
        return assert(filed.rowCount === e.payoutIds.length, `the payouts of file ${e.fileNo} are still REQUESTED and in no file`);
      }
      default:
        return this.#applyToWallet(c, e);
    }
  }

  /** The effects on wallets and their codes. */
  async #applyToWallet(c: Db, e: Effect): Promise<void> {
    switch (e.kind) {
      case 'insertWallet':
        return this.#insertWallet(c, e.wallet);
      case 'issueCode': {
        const code = e.code;
        assert(code.status === 'active', 'a code is issued active');
        await clashing(c.query(ISSUE_CODE, [code.code, code.walletId, code.issuedAtMs, code.expiresAtMs]), 'pay_codes_pkey');
        return;
      }
      case 'setWalletStatus':
        return changedOne(await c.query(SET_WALLET_STATUS, [e.status, e.walletId]), `status of an existing wallet (${e.walletId})`);
      case 'insertDevice':
        await clashing(c.query(INSERT_DEVICE, deviceValues(e.device)), 'wallet_devices_pkey');
        return;
      case 'renewDevice':
        return changedOne(await c.query(RENEW_DEVICE, [e.expiresAtMs, e.sessionHash, e.walletId, e.deviceIndex]), `device ${e.deviceIndex} of wallet ${e.walletId} is still active when renewed`);
      case 'revokeDevices':
        if (e.deviceIndex === null) await c.query(REVOKE_WALLET_DEVICES, [e.atMs, e.walletId]);
        else await c.query(REVOKE_DEVICE, [e.atMs, e.walletId, e.deviceIndex]);
        return;
      case 'advanceOfflineCounter': {
        const r = await c.query(ADVANCE_OFFLINE_COUNTER, [e.counter, walletAccount(e.walletId), e.counter]);
        return changedOne(r, `an offline code's counter is above wallet ${e.walletId}'s last accepted one`);
      }
      case 'setWalletSecurity': {
        const s = e.changes;
        const changed = await c.query(SET_WALLET_SECURITY, [
          s.tokenHash !== undefined, s.tokenHash ?? null, s.pinHash !== undefined, s.pinHash ?? null, s.pinFailures ?? null,
          s.confirmLimitSen !== undefined, s.confirmLimitSen ?? null, e.walletId,
        ]);
        return changedOne(changed, `security of an existing wallet (${e.walletId})`);
      }
      default:
        return this.#applyToMerchant(c, e);
    }
  }

  /** The effects on merchants and settings. */
  async #applyToMerchant(c: Db, e: Effect): Promise<void> {
    switch (e.kind) {
      case 'insertMerchant': {
        const m = e.merchant;
        const sealed = this.keys.seal(m);
        await clashing(c.query(INSERT_MERCHANT, [m.mchId, m.name, sealed.apiKey, sealed.masterKeyId, m.notifyUrl, m.createdAtMs]), 'merchants_pkey');
        return insertAccount(c, merchantAccount(m.mchId), 'merchant', this.merchantShards);
      }
      case 'updateMerchant': {
        const m = e.merchant;
        const sealed = this.keys.seal(m);
        const changed = await c.query(UPDATE_MERCHANT, [
          m.name, sealed.apiKey, sealed.previousApiKey, sealed.masterKeyId, m.previousKey?.untilMs ?? null, m.keyRolledAtMs,
          m.keyFirstUsedAtMs, m.status, m.notifyUrl, m.mchId,
        ]);
        return changedOne(changed, `an existing merchant (${m.mchId})`);
      }
      case 'insertSetting':
        await c.query('INSERT INTO settings (name, value) VALUES ($1, $2)', [e.name, e.value]);
        return;
      case 'notifyTest':
        await c.query(INSERT_TEST_NOTIFICATION_SQL, testNotificationValues(e));
        return;
      case 'appendAuditLog':
        await c.query(INSERT_AUDIT_LOG, auditLogValues(e.entry));
        return;
      default:
        if (isPageAccessEffect(e)) return applyPageAccess(c, e, this.keys);
        throw new Error(`unknown effect ${(e as { kind: string }).kind}`);
    }
  }

  async #insertWallet(c: Db, w: NewWalletRecord): Promise<void> {
    const account = walletAccount(w.walletId);
    await clashing(insertAccount(c, account, 'wallet', 1), 'accounts_pkey');
    await clashing(c.query(
      `INSERT INTO wallets (wallet_id, name, status, account_id, token_hash, pin_hash, confirm_limit_sen, created_at_ms)
       VALUES ($1, $2, 'active', $3, $4, $5, $6, $7)`,
      [w.walletId, w.name, account, w.tokenHash, w.pinHash, w.confirmLimitSen, w.createdAtMs],
    ), 'wallets_pkey');
  }

  /** A journal entry: its postings and the balance shards, together. */
  async #book(c: Db, entry: JournalEntry): Promise<void> {
    const { rows } = await c.query(
      `WITH e AS (INSERT INTO journal_entries (kind, order_id, refund_id, payout_id, reverses_entry_id, created_at_ms) VALUES ($1, $2, $3, $7, $8, $4) RETURNING entry_id)
       INSERT INTO postings (entry_id, account_id, amount_sen)
       SELECT e.entry_id, p.account_id, p.amount_sen FROM e, unnest($5::text[], $6::bigint[]) AS p (account_id, amount_sen)
       RETURNING entry_id`,
      [entry.kind, entry.orderId, entry.refundId, entry.createdAtMs, entry.postings.map((p) => p.accountId), entry.postings.map((p) => p.amountSen),
        entry.payoutId ?? null, entry.reversesEntryId ?? null],
    );
    assert(rows.length === entry.postings.length, 'every posting of an entry is written');
    for (const p of entry.postings) await this.addToBalance(c, p.accountId, p.amountSen);
  }

  /**
   * A credit to a sharded account goes to a shard that no other transaction holds right now
   * (SKIP LOCKED), picked at random, so concurrent payments to one merchant do not wait for each
   * other. Payments hold a shard only until they commit, so when every shard is busy it looks
   * again a few times, briefly, before it waits for a random one. A debit of a sharded account
   * that may not go negative locks all its shards in order and takes from them in turn; the
   * caller has already checked that the total covers it.
   */
  async addToBalance(c: Db, accountId: string, amountSen: number): Promise<void> {
    const shape = await this.#shape(c, accountId);
    if (shape.shards === 1) return this.#addToShard(c, accountId, 0, amountSen);
    if (amountSen > 0 || shape.kind === 'platform') {
      for (let look = 0; look < FREE_SHARD_LOOKS; look++) {
        if ((await c.query(CREDIT_FREE_SHARD, [amountSen, accountId])).rowCount === 1) return;
        await new Promise((r) => setTimeout(r, 1 + look));
      }
      return this.#addToShard(c, accountId, randomInt(0, shape.shards), amountSen);
    }
    const { rows } = await c.query('SELECT shard, balance_sen FROM account_shards WHERE account_id = $1 ORDER BY shard FOR UPDATE', [accountId]);
    let owed = -amountSen;
    for (const row of rows as { shard: number; balance_sen: number }[]) {
      const take = Math.min(owed, row.balance_sen);
      if (take <= 0) continue;
      await this.#addToShard(c, accountId, row.shard, -take);
      owed -= take;
    }
    assert(owed === 0, `the balance of ${accountId} covers the debit`);
  }

  async #addToShard(c: Db, accountId: string, shard: number, amountSen: number): Promise<void> {
    const r = await c.query('UPDATE account_shards SET balance_sen = balance_sen + $1 WHERE account_id = $2 AND shard = $3', [amountSen, accountId, shard]);
    changedOne(r, `posting to an existing account (${accountId})`);
  }

  async #shape(c: Db, accountId: string): Promise<AccountShape> {
    let shape = this.#shapes.get(accountId);
    if (shape === undefined) {
      const { rows } = await c.query('SELECT kind, shards FROM accounts WHERE id = $1', [accountId]);
      assert(rows[0] !== undefined, `posting to an existing account (${accountId})`);
      shape = rows[0] as AccountShape;
      this.#shapes.set(accountId, shape);
    }
    return shape;
  }
}

/** A ledger account with its balance shards, none of which may go negative. */
export async function insertAccount(c: Db, id: string, kind: 'wallet' | 'merchant', shards: number): Promise<void> {
  await c.query(
    `WITH a AS (INSERT INTO accounts (id, kind, shards) VALUES ($1, $2, $3) RETURNING id)
     INSERT INTO account_shards (account_id, shard, may_go_negative) SELECT a.id, s, FALSE FROM a, generate_series(0, $3::int - 1) AS s`,
    [id, kind, shards],
  );
}

/** A web page's sign-in effect: one statement, written once for both stores (page-access-sql.ts). */
async function applyPageAccess(c: Db, e: PageAccessEffect, keys: MerchantKeyVault): Promise<void> {
  const w = pageAccessWrite(e, keys);
  const result = await c.query(w.sql, [...w.values]);
  if (w.invariant !== null) changedOne(result, w.invariant);
}

function changedOne(result: pg.QueryResult, invariant: string): void {
  assert(result.rowCount === 1, invariant);
}

/** An insert of a drawn id: its unique key taken already is an IdClashError (store/id-clash.ts). */
async function clashing<T>(insert: Promise<T>, ...keys: string[]): Promise<T> {
  try {
    return await insert;
  } catch (error) {
    if (keys.some((key) => isUniqueViolation(error, key))) throw new IdClashError(`${(error as { constraint: string }).constraint} taken`);
    throw error;
  }
}

export function orderValues(o: Order, payCode: string): unknown[] {
  return [
    o.orderId, o.mchId, o.mchOrderId, o.amountSen, o.goodsInfo, o.discountSen, o.point, payCode, o.walletId,
    o.status, o.failReason, o.fingerprint, o.tradeTimeMs, o.payTimeMs, o.deadlineMs, o.refundedSen, o.updatedAtMs,
  ];
}

const INSERT_ORDER = `INSERT INTO orders (order_id, mch_id, mch_order_id, amount_sen, goods_info, discount_sen, point, pay_code,
                            wallet_id, status, fail_reason, fingerprint, trade_time_ms, pay_time_ms, deadline_ms,
                            refunded_sen, updated_at_ms)
  VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17)`;
/** The code records the one order it pays (or holds for confirmation), in its own row. */
const USE_CODE = `UPDATE pay_codes SET status = 'used', order_id = $2 WHERE code = $1 AND status = 'active'`;
const HOLD = 'UPDATE accounts SET held_sen = held_sen + $1 WHERE id = $2';
/** Compare-and-set on both what the decision read: the status and the amount reserved by refunds. */
const MOVE_ORDER = `UPDATE orders SET status = $1, fail_reason = $2, pay_time_ms = $3, deadline_ms = $4, refunded_sen = $5, updated_at_ms = $6
  WHERE order_id = $7 AND status = $8 AND refunded_sen = $9`;
const INSERT_REFUND = `INSERT INTO refunds (refund_id, mch_id, mch_refund_id, order_id, amount_sen, reason, status, fail_reason,
                             fingerprint, requested_at_ms, finished_at_ms)
  VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)`;
const MOVE_REFUND = 'UPDATE refunds SET status = $1, fail_reason = $2, finished_at_ms = $3 WHERE refund_id = $4 AND status = $5';
const NOTIFY = `INSERT INTO notifications (notification_id, mch_id, event_type, subject_id, url, payload, status, attempts,
                                   next_attempt_at_ms, created_at_ms)
  SELECT $1, mch_id, $2, $3, notify_url, $4, 'pending', 0, $5, $5 FROM merchants WHERE mch_id = $6 AND notify_url IS NOT NULL`;
/** Compare-and-set on the status the decision read under the payout's row lock. */
const MOVE_PAYOUT = 'UPDATE payouts SET status = $1, fail_reason = $2, finished_at_ms = $3 WHERE payout_id = $4 AND status = $5';

/** Compare-and-set on each payout the file's decision read locked: still REQUESTED, in no file. */
const FILE_PAYOUTS = `UPDATE payouts SET file_no = $1 WHERE payout_id = ANY($2::text[]) AND status = 'REQUESTED' AND file_no IS NULL`;
const CLOSE_ORDER_ID = 'INSERT INTO closed_order_ids (mch_id, mch_order_id, closed_at_ms) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING';
/** One statement: the wallet's active codes are retired as its new one is inserted (the wallet row is locked). */
const ISSUE_CODE = `WITH retired AS (UPDATE pay_codes SET status = 'retired' WHERE wallet_id = $2 AND status = 'active')
  INSERT INTO pay_codes (code, wallet_id, status, issued_at_ms, expires_at_ms) VALUES ($1, $2, 'active', $3, $4)`;
const SET_WALLET_STATUS = 'UPDATE wallets SET status = $1 WHERE wallet_id = $2';
/** A new PIN clears the failed tries unless a count is given too (domain/wallet.ts, walletAfterSecurity). */
const SET_WALLET_SECURITY = `UPDATE wallets SET token_hash = CASE WHEN $1 THEN $2 ELSE token_hash END,
                            pin_hash = CASE WHEN $3 THEN $4 ELSE pin_hash END,
                            pin_failures = COALESCE($5::int, CASE WHEN $3 THEN 0 ELSE pin_failures END),
                            confirm_limit_sen = CASE WHEN $6 THEN $7::bigint ELSE confirm_limit_sen END
  WHERE wallet_id = $8`;
const CREDIT_FREE_SHARD = `UPDATE account_shards SET balance_sen = balance_sen + $1
  WHERE (account_id, shard) = (SELECT account_id, shard FROM account_shards WHERE account_id = $2 ORDER BY random() LIMIT 1 FOR UPDATE SKIP LOCKED)`;
const INSERT_MERCHANT = `INSERT INTO merchants (mch_id, name, api_key, master_key_id, status, notify_url, created_at_ms)
  VALUES ($1, $2, $3, $4, 'active', $5, $6)`;
/** The whole row as the decision made it: it read the merchant under its row lock. */
const UPDATE_MERCHANT = `UPDATE merchants SET name = $1, api_key = $2, previous_api_key = $3, master_key_id = $4, previous_key_until_ms = $5,
                            key_rolled_at_ms = $6, key_first_used_at_ms = $7, status = $8, notify_url = $9
  WHERE mch_id = $10`;
export const SET_SETTING = 'INSERT INTO settings (name, value) VALUES ($1, $2) ON CONFLICT (name) DO UPDATE SET value = excluded.value';
