import { INSERT_PAYOUT, INSERT_PAYOUT_FILE, PAYOUT_ACCOUNT_UPSERT, payoutAccountValues, payoutValues } from '../payout-schema.js';
import { INSERT_TOP_UP_REQUEST } from '../top-up-reversal-sql.js';
import { randomUUID } from 'node:crypto';
import type Database from 'better-sqlite3';
import { checkEffect, subjectIdOf, type Effect } from '../../domain/effects.js';
import { assert, merchantAccount, walletAccount, type JournalEntry } from '../../domain/ledger.js';
import type { Order } from '../../domain/model.js';
import { IdClashError } from '../id-clash.js';
import { MerchantKeyVault } from '../../secrets/merchant-key-vault.js';
import { ADVANCE_OFFLINE_COUNTER, deviceValues, INSERT_DEVICE, RENEW_DEVICE, REVOKE_DEVICE, REVOKE_WALLET_DEVICES } from '../offline-device-sql.js';
import { isPageAccessEffect, pageAccessWrite, sqliteSql, type PageAccessEffect } from '../page-access-sql.js';
import { INSERT_TEST_NOTIFICATION_SQL, testNotificationValues } from '../notification-attempts-sql.js';
import { auditLogValues, INSERT_AUDIT_LOG } from '../audit-log-sql.js';

/**
 * What the payment writer read already, so applying a payment's effects reads nothing again: the
 * merchant's notify URL (once per batch) and the code's rowid (a lookup without the code's index).
 */
export interface PaymentContext {
  readonly notifyUrl: string | null;
  readonly codeRowid: number;
}

/**
 * Applies effects (domain/effects.ts) on SQLite, inside the caller's transaction, each as the
 * statements it names, each asserting its invariant. The only place SQLite writes orders, codes,
 * holds, journal entries, refunds, payouts, outbox rows, wallets and merchants.
 */
export class SqliteEffects {
  readonly #s;
  readonly #db: Database.Database;
  readonly #pageAccess = new Map<string, Database.Statement>();

  /** `keys` seals merchant keys; the payment writer writes no merchant and has none. */
  constructor(db: Database.Database, private readonly keys: MerchantKeyVault = new MerchantKeyVault(null)) {
    this.#s = prepare(db);
    this.#db = db;
  }

  apply(effects: readonly Effect[], payment?: PaymentContext): void {
    for (const e of effects) this.#applyOne(e, payment);
  }

  #applyOne(e: Effect, payment: PaymentContext | undefined): void {
    checkEffect(e);
    const s = this.#s;
    switch (e.kind) {
      case 'insertOrder':
        return void s.insertOrder.run(...orderRow(e.order, e.payCode));
      case 'useCode': {
        const r = payment === undefined ? s.useCode.run(e.orderId, e.code) : s.useCodeByRowid.run(e.orderId, payment.codeRowid);
        return check(r, 'a payment uses an active code exactly once');
      }
      case 'advanceOfflineCounter': {
        const r = s.advanceOfflineCounter.run(e.counter, walletAccount(e.walletId), e.counter);
        return check(r, `an offline code's counter is above wallet ${e.walletId}'s last accepted one`);
      }
      case 'hold':
        return check(s.addToHold.run(e.deltaSen, e.walletId), `hold on an existing wallet (${e.walletId})`);
      case 'book':
        return this.#book(e.entry);
      case 'moveOrder': {
        const { from, to } = e;
        const r = s.moveOrder.run(to.status, to.failReason, to.payTimeMs, to.deadlineMs, to.refundedSen, to.updatedAtMs, from.orderId, from.status, from.refundedSen);
        return check(r, `order ${from.orderId} is still ${from.status} when it moves to ${to.status} (${from.refundedSen} sen refunded)`);
      }
      case 'insertRefund': {
        const r = e.refund;
        return clashing('refunds.refund_id', () => s.insertRefund.run(
          r.refundId, r.mchId, r.mchRefundId, r.orderId, r.amountSen, r.reason, r.status, r.failReason, r.fingerprint, r.requestedAtMs, r.finishedAtMs,
        ));
      }
      case 'moveRefund': {
        const r = s.moveRefund.run(e.to.status, e.to.failReason, e.to.finishedAtMs, e.from.refundId, e.from.status);
        return check(r, `refund ${e.from.refundId} is still ${e.from.status} when it moves to ${e.to.status}`);
      }
      case 'notify': {
        const url = payment === undefined ? this.#notifyUrl(e.mchId) : payment.notifyUrl;
        if (url === null) return;
        return void s.insertNotification.run(randomUUID(), e.mchId, e.event, subjectIdOf(e.subject), url, JSON.stringify(e.subject), e.atMs, e.atMs);
      }
      case 'closeOrderId':
        return void s.closeOrderId.run(e.mchId, e.mchOrderId, e.atMs);
      case 'insertPayout': {
        const p = e.payout;
        return clashing('payouts.payout_id', () => s.insertPayout.run(...payoutValues(p)));
      }
      case 'setPayoutAccount':
        return void s.setPayoutAccount.run(...payoutAccountValues(e.mchId, e.account));
      case 'movePayout': {
        const r = s.movePayout.run(e.to.status, e.to.failReason, e.to.finishedAtMs, e.from.payoutId, e.from.status);
        return check(r, `payout ${e.from.payoutId} is still ${e.from.status} when it moves to ${e.to.status}`);
      }
      case 'recordTopUpRequest':
        return void s.insertTopUpRequest.run(e.walletId, e.requestId, e.amountSen, e.atMs);
      case 'insertPayoutFile':
        return void s.insertPayoutFile.run(e.fileNo, e.madeAtMs, e.count, e.totalSen);
      case 'filePayouts': {
        const r = s.filePayouts.run(e.fileNo, JSON.stringify(e.payoutIds));
        return assert(r.changes === e.payoutIds.length, `the payouts of file ${e.fileNo} are still REQUESTED and in no file`);
      }
      default:
        return this.#applyToWallet(e);
    }
  }

  /** The effects on wallets and their codes (the money and order effects are above). */
  #applyToWallet(e: Effect): void {
    const s = this.#s;
    switch (e.kind) {
      case 'insertWallet': {
        const w = e.wallet;
        clashing('accounts.id', () => s.insertAccount.run(walletAccount(w.walletId), 'wallet'));
        return void s.insertWallet.run(w.walletId, w.name, walletAccount(w.walletId), w.tokenHash, w.pinHash, w.confirmLimitSen, w.createdAtMs);
      }
      case 'issueCode': {
        const c = e.code;
        s.retireActiveCode.run(c.walletId);
        clashing('pay_codes.code', () => s.insertPayCode.run(c.code, c.walletId, c.issuedAtMs, c.expiresAtMs));
        return check(s.setActiveCode.run(c.code, c.walletId), `code for an existing wallet (${c.walletId})`);
      }
      case 'setWalletStatus':
        return check(s.setWalletStatus.run(e.status, e.walletId), `status of an existing wallet (${e.walletId})`);
      case 'insertDevice':
        return clashing('wallet_devices.device_index', () => s.insertDevice.run(...deviceValues(e.device)));
      case 'renewDevice':
        return check(s.renewDevice.run(e.expiresAtMs, e.sessionHash, e.walletId, e.deviceIndex), `device ${e.deviceIndex} of wallet ${e.walletId} is still active when renewed`);
      case 'revokeDevices':
        if (e.deviceIndex === null) return void s.revokeWalletDevices.run(e.atMs, e.walletId);
        return void s.revokeDevice.run(e.atMs, e.walletId, e.deviceIndex);
      case 'setWalletSecurity': {
        const { walletId, changes: c } = e;
        if (c.tokenHash !== undefined) s.setWalletToken.run(c.tokenHash, walletId);
        if (c.pinHash !== undefined) s.setWalletPin.run(c.pinHash, walletId);
        if (c.pinFailures !== undefined) s.setPinFailures.run(c.pinFailures, walletId);
        if (c.confirmLimitSen !== undefined) s.setConfirmLimit.run(c.confirmLimitSen, walletId);
        return;
      }
      default:
        return this.#applyToMerchant(e);
    }
  }

  /** The effects on merchants and settings. */
  #applyToMerchant(e: Effect): void {
    const s = this.#s;
    switch (e.kind) {
      case 'insertMerchant': {
        const m = e.merchant;
        const sealed = this.keys.seal(m);
        clashing('merchants.mch_id', () => s.insertMerchant.run(m.mchId, m.name, sealed.apiKey, sealed.masterKeyId, m.notifyUrl, m.createdAtMs));
        return void s.insertAccount.run(merchantAccount(m.mchId), 'merchant');
      }
      case 'updateMerchant': {
        const m = e.merchant;
        const sealed = this.keys.seal(m);
        const r = s.updateMerchant.run(
          m.name, sealed.apiKey, sealed.previousApiKey, sealed.masterKeyId, m.previousKey?.untilMs ?? null, m.keyRolledAtMs,
          m.keyFirstUsedAtMs, m.status, m.notifyUrl, m.mchId,
        );
        return check(r, `an existing merchant (${m.mchId})`);
      }
      case 'insertSetting':
        return void s.insertSetting.run(e.name, e.value);
      case 'notifyTest':
        return void s.insertTestNotification.run(...testNotificationValues(e));
      case 'appendAuditLog':
        return void s.appendAuditLog.run(...auditLogValues(e.entry));
      default:
        if (isPageAccessEffect(e)) return this.#applyPageAccess(e);
        throw new Error(`unknown effect ${(e as { kind: string }).kind}`);
    }
  }

  /** A web page's sign-in effect: one statement, written once for both stores (page-access-sql.ts). */
  #applyPageAccess(e: PageAccessEffect): void {
    const w = pageAccessWrite(e, this.keys);
    let statement = this.#pageAccess.get(w.sql);
    if (statement === undefined) this.#pageAccess.set(w.sql, statement = this.#db.prepare(sqliteSql(w.sql)));
    const r = statement.run(...w.values);
    if (w.invariant !== null) check(r, w.invariant);
  }

  /** A journal entry: its postings, each account's posting chain and cached balance, together. */
  #book(entry: JournalEntry): void {
    const s = this.#s;
    const entryId = s.insertEntry.run(entry.kind, entry.orderId, entry.refundId, entry.payoutId ?? null, entry.reversesEntryId ?? null, entry.createdAtMs).lastInsertRowid;
    for (const p of entry.postings) {
      const postingId = s.insertPosting.run(entryId, p.accountId, p.amountSen, p.accountId).lastInsertRowid;
      check(s.addToBalance.run(p.amountSen, postingId, p.accountId), `posting to an existing account (${p.accountId})`);
    }
  }

  #notifyUrl(mchId: string): string | null {
    return (this.#s.notifyUrl.get(mchId) as { notify_url: string | null } | undefined)?.notify_url ?? null;
  }
}

function check(result: Database.RunResult, invariant: string): void {
  assert(result.changes === 1, invariant);
}

/** Runs an insert of a drawn id; its key taken already is an IdClashError (store/id-clash.ts). */
function clashing(key: string, insert: () => unknown): void {
  try {
    insert();
  } catch (error) {
    const e = error as { code?: string; message?: string };
    if (e.code === 'SQLITE_CONSTRAINT_PRIMARYKEY' && e.message === `UNIQUE constraint failed: ${key}`) throw new IdClashError(`${key} taken`);
    throw error;
  }
}

function orderRow(o: Order, payCode: string): unknown[] {
  return [
    o.orderId, o.mchId, o.mchOrderId, o.amountSen, o.goodsInfo, o.discountSen, o.point, payCode, o.walletId,
    o.status, o.failReason, o.fingerprint, o.tradeTimeMs, o.payTimeMs, o.deadlineMs, o.refundedSen, o.updatedAtMs,
  ];
}

function prepare(db: Database.Database) {
  return {
    insertOrder: db.prepare(
      `INSERT INTO orders (order_id, mch_id, mch_order_id, amount_sen, goods_info, discount_sen, point, pay_code,
                           wallet_id, status, fail_reason, fingerprint, trade_time_ms, pay_time_ms, deadline_ms,
                           refunded_sen, updated_at_ms)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    ),
    // The code records the one order it pays: one code, one order, in the row itself.
    useCode: db.prepare(`UPDATE pay_codes SET status = 'used', order_id = ? WHERE code = ? AND status = 'active'`),
    useCodeByRowid: db.prepare(`UPDATE pay_codes SET status = 'used', order_id = ? WHERE rowid = ? AND status = 'active'`),
    addToHold: db.prepare('UPDATE accounts SET held_sen = held_sen + ? WHERE id = (SELECT account_id FROM wallets WHERE wallet_id = ?)'),
    moveOrder: db.prepare(
      `UPDATE orders SET status = ?, fail_reason = ?, pay_time_ms = ?, deadline_ms = ?, refunded_sen = ?, updated_at_ms = ?
        WHERE order_id = ? AND status = ? AND refunded_sen = ?`,
    ),
    insertEntry: db.prepare('INSERT INTO journal_entries (kind, order_id, refund_id, payout_id, reverses_entry_id, created_at_ms) VALUES (?, ?, ?, ?, ?, ?)'),
    // The posting links to the account's previous latest posting; the account then points at it.
    insertPosting: db.prepare(
      `INSERT INTO postings (entry_id, account_id, amount_sen, prev_posting_id)
       VALUES (?, ?, ?, (SELECT last_posting_id FROM accounts WHERE id = ?))`,
    ),
    addToBalance: db.prepare('UPDATE accounts SET balance_sen = balance_sen + ?, last_posting_id = ? WHERE id = ?'),
    insertRefund: db.prepare(
      `INSERT INTO refunds (refund_id, mch_id, mch_refund_id, order_id, amount_sen, reason, status, fail_reason,
                            fingerprint, requested_at_ms, finished_at_ms)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    ),
    moveRefund: db.prepare('UPDATE refunds SET status = ?, fail_reason = ?, finished_at_ms = ? WHERE refund_id = ? AND status = ?'),
    notifyUrl: db.prepare('SELECT notify_url FROM merchants WHERE mch_id = ?'),
    insertTestNotification: db.prepare(sqliteSql(INSERT_TEST_NOTIFICATION_SQL)),
    insertNotification: db.prepare(
      `INSERT INTO notifications (notification_id, mch_id, event_type, subject_id, url, payload, status,
                                  attempts, next_attempt_at_ms, created_at_ms)
       VALUES (?, ?, ?, ?, ?, ?, 'pending', 0, ?, ?)`,
    ),
    insertPayout: db.prepare(sqliteSql(INSERT_PAYOUT)),
    setPayoutAccount: db.prepare(sqliteSql(PAYOUT_ACCOUNT_UPSERT)),
    movePayout: db.prepare('UPDATE payouts SET status = ?, fail_reason = ?, finished_at_ms = ? WHERE payout_id = ? AND status = ?'),
    insertPayoutFile: db.prepare(sqliteSql(INSERT_PAYOUT_FILE)),
    insertTopUpRequest: db.prepare(sqliteSql(INSERT_TOP_UP_REQUEST)),
    filePayouts: db.prepare(`UPDATE payouts SET file_no = ? WHERE payout_id IN (SELECT value FROM json_each(?)) AND status = 'REQUESTED' AND file_no IS NULL`),
    closeOrderId: db.prepare('INSERT OR IGNORE INTO closed_order_ids (mch_id, mch_order_id, closed_at_ms) VALUES (?, ?, ?)'),
    insertAccount: db.prepare('INSERT INTO accounts (id, kind) VALUES (?, ?)'),
    insertMerchant: db.prepare(
      `INSERT INTO merchants (mch_id, name, api_key, master_key_id, status, notify_url, created_at_ms) VALUES (?, ?, ?, ?, 'active', ?, ?)`,
    ),
    updateMerchant: db.prepare(
      `UPDATE merchants SET name = ?, api_key = ?, previous_api_key = ?, master_key_id = ?, previous_key_until_ms = ?, key_rolled_at_ms = ?,
                            key_first_used_at_ms = ?, status = ?, notify_url = ?
        WHERE mch_id = ?`,
    ),
    insertSetting: db.prepare('INSERT INTO settings (name, value) VALUES (?, ?)'),
    appendAuditLog: db.prepare(sqliteSql(INSERT_AUDIT_LOG)),
    insertWallet: db.prepare(
      `INSERT INTO wallets (wallet_id, name, status, account_id, token_hash, pin_hash, confirm_limit_sen, created_at_ms)
       VALUES (?, ?, 'active', ?, ?, ?, ?, ?)`,
    ),
    // Through the wallet's pointer to its active code (migration 2), not an index.
    retireActiveCode: db.prepare(
      `UPDATE pay_codes SET status = 'retired' WHERE code = (SELECT active_code FROM wallets WHERE wallet_id = ?) AND status = 'active'`,
    ),
    insertPayCode: db.prepare(`INSERT INTO pay_codes (code, wallet_id, status, issued_at_ms, expires_at_ms) VALUES (?, ?, 'active', ?, ?)`),
    setActiveCode: db.prepare('UPDATE wallets SET active_code = ? WHERE wallet_id = ?'),
    setWalletStatus: db.prepare('UPDATE wallets SET status = ? WHERE wallet_id = ?'),
    insertDevice: db.prepare(sqliteSql(INSERT_DEVICE)),
    renewDevice: db.prepare(sqliteSql(RENEW_DEVICE)),
    revokeDevice: db.prepare(sqliteSql(REVOKE_DEVICE)),
    revokeWalletDevices: db.prepare(sqliteSql(REVOKE_WALLET_DEVICES)),
    advanceOfflineCounter: db.prepare(sqliteSql(ADVANCE_OFFLINE_COUNTER)),
    setWalletToken: db.prepare('UPDATE wallets SET token_hash = ? WHERE wallet_id = ?'),
    setWalletPin: db.prepare('UPDATE wallets SET pin_hash = ?, pin_failures = 0 WHERE wallet_id = ?'),
    setPinFailures: db.prepare('UPDATE wallets SET pin_failures = ? WHERE wallet_id = ?'),
    setConfirmLimit: db.prepare('UPDATE wallets SET confirm_limit_sen = ? WHERE wallet_id = ?'),
  };
}
