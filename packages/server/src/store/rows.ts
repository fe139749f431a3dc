import type { OperatorRole } from '@micropay/protocol/operator-roles';
import type { OrderStatus } from '@micropay/protocol';
import type { Notification, NotificationEvent, NotificationStatus } from '../domain/notification.js';
import type { RefundStatus } from '../domain/order-state.js';
import type { Cashier, PageSession, SessionSubject, SignInLink } from '../domain/page-access.js';
import type { MerchantRole } from '../domain/merchant-users.js';
import type { Payout, PayoutStatus } from '../domain/payout.js';
import type { PayoutAccount } from '../domain/payout-account.js';
import type { WalletTransaction } from './store.js';
import type { MerchantKeyVault } from '../secrets/merchant-key-vault.js';
import type {
  FailReason,
  Merchant,
  MerchantStatus,
  Order,
  PayCode,
  PayCodeStatus,
  Refund,
  RefundFailReason,
  Wallet,
  WalletStatus,
} from '../domain/model.js';

/**
 * Rows stop here: the rest of the platform sees domain types only. Both stores name their columns
 * alike and read BIGINT as numbers (postgres/pool.ts), so one mapping serves both.
 */
export type Row = Record<string, unknown>;

/** The merchant with its keys opened by `keys` (they are stored encrypted: secrets/merchant-key-vault.ts). */
export function toMerchant(r: Row, keys: MerchantKeyVault): Merchant {
  const mchId = r.mch_id as string;
  const masterKeyId = (r.master_key_id as string | null | undefined) ?? null;
  return {
    mchId,
    name: r.name as string,
    apiKey: keys.open(mchId, 'current', r.api_key as string, masterKeyId),
    previousKey: r.previous_api_key === null || r.previous_api_key === undefined
      ? null
      : { key: keys.open(mchId, 'previous', r.previous_api_key as string, masterKeyId), untilMs: r.previous_key_until_ms as number },
    keyRolledAtMs: (r.key_rolled_at_ms as number | null | undefined) ?? null,
    keyFirstUsedAtMs: (r.key_first_used_at_ms as number | null | undefined) ?? null,
    status: r.status as MerchantStatus,
    notifyUrl: (r.notify_url as string | null) ?? null,
    createdAtMs: r.created_at_ms as number,
  };
}

/** Expects the wallets row joined with its account's balance_sen and held_sen (each store's own query). */
export function toWallet(r: Row): Wallet {
  return {
    walletId: r.wallet_id as string,
    name: r.name as string,
    status: r.status as WalletStatus,
    balanceSen: r.balance_sen as number,
    heldSen: r.held_sen as number,
    confirmLimitSen: (r.confirm_limit_sen as number | null) ?? null,
    hasPin: r.pin_hash !== null && r.pin_hash !== undefined,
    pinFailures: r.pin_failures as number,
    createdAtMs: r.created_at_ms as number,
  };
}

export function toPayCode(r: Row): PayCode {
  return {
    code: r.code as string,
    walletId: r.wallet_id as string,
    status: r.status as PayCodeStatus,
    issuedAtMs: r.issued_at_ms as number,
    expiresAtMs: r.expires_at_ms as number,
  };
}

/**
 * The order's columns, in the order `orderOfValues` reads them. The hot lookups (queryBill's) ask
 * for the row as an array: better-sqlite3 builds one in about half the time of an object with
 * named properties (docs/benchmarks.md, issue 18).
 */
export const ORDER_COLUMNS = [
  'order_id', 'mch_id', 'mch_order_id', 'amount_sen', 'goods_info', 'discount_sen', 'point', 'wallet_id',
  'status', 'fail_reason', 'fingerprint', 'trade_time_ms', 'pay_time_ms', 'deadline_ms', 'refunded_sen', 'updated_at_ms',
] as const;

/** The select list of ORDER_COLUMNS, for SQL that reads orders as arrays. */
export const ORDER_SELECT_LIST = ORDER_COLUMNS.join(', ');

/** One order by its merchant's key ($1 mchId, $2 mchOrderId), as an array. */
export const ORDER_BY_KEY = `SELECT ${ORDER_SELECT_LIST} FROM orders WHERE mch_id = $1 AND mch_order_id = $2`;

/** Where the order's key lies in such an array: PostgreSQL's several-at-once lookup matches on it. */
export const ORDER_KEY_AT = { mchId: ORDER_COLUMNS.indexOf('mch_id'), mchOrderId: ORDER_COLUMNS.indexOf('mch_order_id') } as const;

/** An order from its columns as an array in ORDER_COLUMNS order. */
export function orderOfValues(v: readonly unknown[]): Order {
  return {
    orderId: v[0] as string,
    mchId: v[1] as string,
    mchOrderId: v[2] as string,
    amountSen: v[3] as number,
    goodsInfo: v[4] as string,
    discountSen: v[5] as number | null,
    point: v[6] as number | null,
    walletId: v[7] as string,
    status: v[8] as OrderStatus,
    failReason: v[9] as FailReason | null,
    fingerprint: v[10] as string,
    tradeTimeMs: v[11] as number,
    payTimeMs: v[12] as number | null,
    deadlineMs: v[13] as number | null,
    refundedSen: v[14] as number,
    updatedAtMs: v[15] as number,
  };
}

/** An order from a row with named columns (any query that selects them all). */
export function toOrder(r: Row): Order {
  return orderOfValues(ORDER_COLUMNS.map((column) => r[column]));
}

export function toRefund(r: Row): Refund {
  return {
    refundId: r.refund_id as string,
    mchId: r.mch_id as string,
    mchRefundId: r.mch_refund_id as string,
    orderId: r.order_id as string,
    amountSen: r.amount_sen as number,
    reason: r.reason as string | null,
    status: r.status as RefundStatus,
    failReason: r.fail_reason as RefundFailReason | null,
    fingerprint: r.fingerprint as string,
    requestedAtMs: r.requested_at_ms as number,
    finishedAtMs: r.finished_at_ms as number | null,
  };
}

export function toNotification(r: Row): Notification {
  return {
    notificationId: r.notification_id as string,
    mchId: r.mch_id as string,
    eventType: r.event_type as NotificationEvent,
    subjectId: r.subject_id as string,
    url: r.url as string,
    payload: r.payload as string,
    status: r.status as NotificationStatus,
    attempts: r.attempts as number,
    nextAttemptAtMs: r.next_attempt_at_ms as number,
    lastError: r.last_error as string | null,
    createdAtMs: r.created_at_ms as number,
    deliveredAtMs: r.delivered_at_ms as number | null,
  };
}

/** A wallet's posting as its holder sees it; both stores select these columns. */
export function toWalletTransaction(r: Row): WalletTransaction {
  return {
    postingId: r.posting_id as number,
    entryId: r.entry_id as number,
    kind: r.kind as WalletTransaction['kind'],
    amountSen: r.amount_sen as number,
    orderId: r.order_id as string | null,
    refundId: r.refund_id as string | null,
    merchantName: r.merchant_name as string | null,
    status: (r.status as string | null | undefined) ?? null,
    refundedSen: r.refunded_sen === null || r.refunded_sen === undefined ? null : Number(r.refunded_sen),
    createdAtMs: r.created_at_ms as number,
  };
}

/** A page session row (PAGE_SESSION_SELECT): a wallet, a merchant's user (at the till or the console), or an operator. */
export function toPageSession(r: Row): PageSession {
  return { sessionHash: r.session_hash as string, subject: subjectOf(r), createdAtMs: r.created_at_ms as number, lastSeenAtMs: r.last_seen_at_ms as number };
}

function subjectOf(r: Row): SessionSubject {
  const limit = r.user_refund_limit_sen === null || r.user_refund_limit_sen === undefined ? null : Number(r.user_refund_limit_sen);
  switch (r.kind as SessionSubject['kind']) {
    case 'wallet':
      return { kind: 'wallet', walletId: r.wallet_id as string };
    case 'cashier':
      return { kind: 'cashier', cashierId: r.cashier_id as string, mchId: r.mch_id as string, name: r.cashier_name as string,
        role: r.user_role as MerchantRole, refundLimitSen: limit };
    case 'merchant':
      return { kind: 'merchant', userId: r.cashier_id as string, mchId: r.mch_id as string, name: r.cashier_name as string,
        role: r.user_role as MerchantRole, refundLimitSen: limit };
    case 'operator':
      return { kind: 'operator', operatorId: r.operator_id as string, name: r.operator_name as string, role: r.operator_role as OperatorRole };
  }
}

/** The values of a page_sessions row, in the column order both stores' inserts name. */
export function pageSessionValues(s: PageSession): unknown[] {
  const sub = s.subject;
  const user = sub.kind === 'cashier' ? sub.cashierId : sub.kind === 'merchant' ? sub.userId : null;
  const mchId = sub.kind === 'cashier' || sub.kind === 'merchant' ? sub.mchId : null;
  return [s.sessionHash, sub.kind, sub.kind === 'wallet' ? sub.walletId : null, user, mchId,
    sub.kind === 'operator' ? sub.operatorId : null, s.createdAtMs, s.lastSeenAtMs];
}

/** A session with its user's name, role and limit, or its operator's name; both stores' session view (the caller adds its lock). */
export const PAGE_SESSION_SELECT = `SELECT s.*, c.name AS cashier_name, c.role AS user_role, c.refund_limit_sen AS user_refund_limit_sen,
  o.name AS operator_name, o.role AS operator_role FROM page_sessions s
  LEFT JOIN cashiers c ON c.cashier_id = s.cashier_id LEFT JOIN operators o ON o.operator_id = s.operator_id WHERE s.session_hash = $1`;

export const INSERT_PAGE_SESSION_COLUMNS = 'session_hash, kind, wallet_id, cashier_id, mch_id, operator_id, created_at_ms, last_seen_at_ms';

export function toSignInLink(r: Row): SignInLink {
  return {
    linkHash: r.link_hash as string,
    walletId: r.wallet_id as string,
    createdAtMs: r.created_at_ms as number,
    expiresAtMs: r.expires_at_ms as number,
    usedAtMs: (r.used_at_ms as number | null) ?? null,
  };
}

export function toCashier(r: Row): Cashier {
  return {
    cashierId: r.cashier_id as string,
    mchId: r.mch_id as string,
    name: r.name as string,
    role: r.role as MerchantRole,
    refundLimitSen: r.refund_limit_sen === null ? null : Number(r.refund_limit_sen),
    passwordHash: r.password_hash as string,
    failures: r.failures as number,
    lockedAtMs: r.locked_at_ms === null || r.locked_at_ms === undefined ? null : Number(r.locked_at_ms),
    disabledAtMs: r.disabled_at_ms === null || r.disabled_at_ms === undefined ? null : Number(r.disabled_at_ms),
    createdAtMs: r.created_at_ms as number,
  };
}

export function toPayout(r: Row): Payout {
  return {
    payoutId: r.payout_id as string,
    mchId: r.mch_id as string | null,
    walletId: r.wallet_id as string | null,
    requestId: r.request_id as string | null,
    amountSen: r.amount_sen as number,
    status: r.status as PayoutStatus,
    failReason: r.fail_reason as string | null,
    requestedAtMs: r.requested_at_ms as number,
    finishedAtMs: r.finished_at_ms as number | null,
    destination: r.to_account_number === null || r.to_account_number === undefined ? null : {
      holderName: r.to_holder_name as string, bankName: r.to_bank_name as string, accountNumber: r.to_account_number as string,
    },
    accountSetAtMs: r.to_account_set_at_ms === null || r.to_account_set_at_ms === undefined ? null : Number(r.to_account_set_at_ms),
    fileNo: r.file_no === null || r.file_no === undefined ? null : Number(r.file_no),
  };
}

/** A payout_accounts row (payout-schema.ts PAYOUT_ACCOUNT_SELECT). */
export function toPayoutAccount(r: Row): PayoutAccount {
  return {
    holderName: r.holder_name as string, bankName: r.bank_name as string, accountNumber: r.account_number as string, setAtMs: Number(r.set_at_ms),
  };
}
