import type { OperatorRole } from '@micropay/protocol/operator-roles';
import type { DeviceTerms, OfflineCodeKey, RenewRefusal, WalletDevice } from '../domain/offline-code.js';
import type { EnrolRefusal } from '../services/offline-devices.js';
import type { MicropayCommand, RefundCommand, Secret } from '@micropay/protocol';
import { merchantAccount, type EntryKind } from '../domain/ledger.js';
import type { PaymentDecision } from '../domain/payment.js';
import type { Merchant, MerchantStatus, Order, PayCode, Refund, Wallet, WalletStatus } from '../domain/model.js';
import type { AttemptRecord, Notification, NotificationAttempt, NotificationStatus, TestNotificationResult } from '../domain/notification.js';
import type { NotificationActivity } from './notification-attempts-sql.js';
import type { RefundRecord, RefundRequestDecision } from '../domain/refund.js';
import type { SettleResult } from '../domain/settlement.js';
import type { WalletSecurityChanges } from '../domain/effects.js';
import type { NewWallet, TopUpOutcome } from '../domain/wallet.js';
import type { NewMerchant } from '../domain/merchant.js';
import type { DayWindow, StatementMovements } from '../domain/statement.js';
import type { Payout, PayoutStatus, PayoutRequest, PayoutRequestDecision, PayoutFinishDecision, WalletClosing } from '../domain/payout.js';
import type { DailyReportMovements } from '../domain/daily-report.js';
import type { PlatformDayRow } from '../domain/platform-day.js';
import type { PayoutCursor, WalletSearch } from '../domain/console-pages.js';
import type { FileConfirmation, PayoutFiling, PayoutSelection } from '../domain/payout-file.js';
import type { SchemaUpgrade } from './schema-version.js';
import type { BankAccount, PayoutAccount, PayoutAccountChange } from '../domain/payout-account.js';
import type { InvalidBankAccount } from '../services/payouts.js';
import type { PasswordCheck } from '../services/page-access.js';
import type { Cashier, PageSession, SessionSubject } from '../domain/page-access.js';
import type { CashierSignIn, LinkIssue } from '../services/page-access.js';
import type { CashierCreation, MerchantUserOptions, UserChange } from '../services/merchant-users.js';
import type { OperatorCreation, OperatorSignIn, OperatorStatusChange, RoleChange } from '../services/operators.js';
import type { PlatformCounts, PlatformMoney } from './dashboard-sql.js';
import type { Resealed } from '../services/merchants.js';
import type { Operator, OperatorSummary } from '../domain/operator.js';
import type { RefundingUser, UserStatus } from '../domain/merchant-users.js';
import type { PayCodeOutcome } from './pay-code-outcomes.js';
import type { ActingCashier, CashierChargeRecord, ChargeAttempt, ChargeCursor, ChargeStart } from '../domain/cashier-charge.js';
import type { ProcessMinute } from '../domain/payment-minutes.js';
import type { CashierRefund } from '../services/cashier-charges.js';
import type { ActingAs, AuditLogEntry, AuditRecord, PasswordAskedAt } from '../domain/audit-log.js';
import type { AuditLogFilter } from './audit-log-sql.js';
import type { OrderSearch } from '../domain/order-search.js';
import type { OrderHistory } from '../domain/order-timeline.js';

/**
 * What the platform needs from a database. Rows stop here: callers see domain types only.
 * Every method that changes money or an order's state is one transaction.
 *
 * The audit log (domain/audit-log.ts, docs/audit-log.md): a method that takes `acting` appends
 * one audit log row for the actor in its own transaction when it changes something; without
 * `acting` (the merchant API, background jobs) it logs nothing.
 */
export interface Store extends StoreOps {
  readonly kind: 'sqlite' | 'postgres';
  /** Group commit's counters since the store opened (BatchStats). */
  readonly batchStats: BatchStats;

  createMerchant(input: NewMerchant, acting?: ActingAs): Promise<Merchant>;
  /**
   * The sandbox's merchant and funded wallet, and the setting that remembers them, in one
   * transaction: a start that dies half-way leaves nothing behind.
   */
  createSandbox(input: { merchant: NewMerchant; wallet: NewWallet; setting: string }): Promise<{ merchant: Merchant; wallet: Wallet }>;
  findMerchant(mchId: string): Promise<Merchant | null>;
  /**
   * The merchant as the API authenticates requests: an active merchant may come from a cache at
   * most MERCHANT_CACHE_TTL_MS old (merchant-cache.ts). This store's own merchant changes drop
   * the entry at once; changes by other processes apply within the TTL.
   */
  findMerchantForAuth(mchId: string): Promise<Merchant | null>;
  /** Merchants in mchId order: every one, or a page after `page.afterMchId` (the operator console). */
  listMerchants(page?: MerchantPage): Promise<Merchant[]>;
  /** Each merchant's ledger balance in sen; every merchant's when `mchIds` is omitted. */
  merchantBalances(mchIds?: readonly string[]): Promise<Map<string, number>>;
  setMerchantStatus(mchId: string, status: MerchantStatus, acting?: ActingAs): Promise<Merchant | null>;
  /**
   * Gives the merchant `newKey`; the key it has in service keeps verifying requests for `overlapMs`
   * (domain/merchant-keys.ts). Null: no such merchant. This process's auth cache drops the
   * merchant at once; other processes see the roll within MERCHANT_CACHE_TTL_MS.
   */
  rollMerchantKey(mchId: string, newKey: Secret, overlapMs: number, acting?: ActingAs): Promise<Merchant | null>;
  /**
   * Records the first request verified with the merchant's current key `key` after a roll, so
   * answers are signed with it from now on, in every process and after restarts. Changes nothing
   * when the key is no longer current or its first use is recorded already.
   */
  recordKeyFirstUse(mchId: string, key: Secret): Promise<void>;
  updateMerchant(mchId: string, changes: { name?: string; notifyUrl?: string | null }, acting?: ActingAs): Promise<Merchant | null>;
  /** The ids of the master keys the stored secrets (merchant keys, operators' TOTP secrets) are encrypted under (secrets/). */
  masterKeyIdsInUse(): Promise<string[]>;
  /**
   * Re-encrypts merchant keys under the current master key, in one transaction: those still in
   * plain text (`plain`), or every one not under it, with the operators' TOTP secrets (`all`: a
   * rotation). How many merchants and operators changed.
   */
  resealMerchantKeys(scope: 'plain' | 'all', acting?: ActingAs): Promise<Resealed>;

  /** Creates a wallet; a positive opening balance is booked as a top-up in the same transaction. */
  createWallet(input: NewWallet, acting?: ActingAs): Promise<Wallet>;
  findWallet(walletId: string): Promise<Wallet | null>;
  findWalletByTokenHash(tokenHash: string): Promise<Wallet | null>;
  /** Wallets in walletId order, a page at a time (WalletFilter). */
  listWallets(filter: WalletFilter): Promise<Wallet[]>;
  /** The operator console's wallet search: newest first (created, then id), a page after the cursor. */
  searchWallets(search: WalletSearch): Promise<Wallet[]>;
  /**
   * Freezes, unfreezes or closes a wallet; a closed wallet stays closed (the result shows it).
   * Closing pays out what the wallet holds, as closeWallet does.
   */
  setWalletStatus(walletId: string, status: WalletStatus, acting?: ActingAs): Promise<Wallet | null>;
  updateWalletSecurity(walletId: string, changes: WalletSecurityChanges, acting?: ActingAs): Promise<Wallet | null>;
  /** The stored PIN hash, for the wallet API's PIN check only. */
  walletPinHash(walletId: string): Promise<string | null>;
  /**
   * Takes one PIN try before the PIN is compared, atomically, so requests racing with guesses
   * cannot get more than `maxTries` compared: the count after taking it, or null when none is left.
   */
  takePinTry(walletId: string, maxTries: number): Promise<number | null>;
  /** A right PIN: the count goes back to 0, unless other tries were taken meanwhile. */
  clearPinTries(walletId: string, countAfterTaking: number): Promise<void>;
  topUp(walletId: string, amountSen: number, acting?: ActingAs): Promise<Wallet | null>;
  /** A top-up under the operator's request id: the same id again tops up nothing more (domain/wallet.ts decideTopUp). null: no such wallet. */
  topUpOnce(walletId: string, amountSen: number, requestId: string, acting?: ActingAs): Promise<TopUpOutcome | null>;
  /**
   * Takes a top-up (its journal entry's id) back whole: a correction entry from the wallet to the
   * float, once. null: no such wallet; refused (TopUpReversalRefused) when it may not be made.
   */
  reverseTopUp(walletId: string, entryId: number, reason: string, acting?: ActingAs): Promise<Wallet | null>;
  /** Issues a fresh payment code and retires the wallet's earlier ones. */
  issuePayCode(walletId: string, ttlMs: number, acting?: ActingAs): Promise<PayCode | PayCodeRefusal>;
  /** Enrols a device of an active wallet for offline codes (docs/offline-codes.md). */
  enrolOfflineDevice(walletId: string, label: string, terms: DeviceTerms, acting?: ActingAs): Promise<WalletDevice | EnrolRefusal>;
  /** Extends an active device's enrolment by the terms' lifetime from now; an expired or revoked one stays so. */
  renewOfflineDevice(walletId: string, deviceIndex: number, terms: DeviceTerms): Promise<WalletDevice | RenewRefusal | 'NO_WALLET'>;
  /** Revokes one device of the wallet, or all of them (null), and their page sessions: how many it ended; null: no such wallet. */
  revokeOfflineDevices(walletId: string, deviceIndex: number | null, acting?: ActingAs): Promise<number | 'NO_DEVICE' | null>;
  /** A device by its index, whatever its wallet (a device's own sign-out names only itself). */
  offlineDevice(deviceIndex: number): Promise<WalletDevice | null>;
  /** The wallet's enrolled devices, revoked ones too, oldest first. */
  walletDevices(walletId: string): Promise<WalletDevice[]>;
  /**
   * The platform's offline-code key, opened (or made, the first time) under the master key; null
   * without a master key, when offline codes are off.
   */
  offlineCodeKey(): Promise<OfflineCodeKey | null>;
  /**
   * The wallet's latest postings, newest first; with `beforePostingId`, those older than that
   * posting of the same wallet (keyset paging: a posting of another wallet gives none).
   */
  recentTransactions(walletId: string, limit: number, beforePostingId?: number): Promise<WalletTransaction[]>;
  listPendingOrders(walletId: string): Promise<Order[]>;
  /** What became of these payment codes (pay-code-outcomes.ts); an unknown code is left out. Reads only. */
  payCodeOutcomes(codes: readonly string[]): Promise<PayCodeOutcome[]>;

  /**
   * Decides and records one payment, atomically; payments arriving together share a commit.
   * When MAX_WAITING_PAYMENTS are already waiting to be written, it records nothing and answers
   * rejected PLATFORM_BUSY at once (waiting-payments.ts). The options exist for the sandbox only
   * (see PayOptions).
   */
  pay(cmd: MicropayCommand, options?: PayOptions): Promise<PaymentDecision>;
  findOrder(mchId: string, mchOrderId: string): Promise<Order | null>;
  findOrderById(orderId: string): Promise<Order | null>;
  /** The user's answer to a PENDING payment of their wallet. */
  confirmPending(walletId: string, orderId: string): Promise<SettleResult>;
  declinePending(walletId: string, orderId: string): Promise<SettleResult>;
  /**
   * Closes an unsettled order. When no order exists under the id, the id itself is recorded closed
   * (`not_found`): a payment under it is refused from then on.
   */
  closeOrder(mchId: string, mchOrderId: string): Promise<SettleResult>;
  /** Fails unsettled orders whose deadline has passed; returns how many. */
  sweep(): Promise<number>;

  // Refunds (docs/refunds.md): two transactions, reserve then move the money.
  /** Both transactions of a refund, one right after the other; the answer carries the final state. */
  refund(cmd: RefundCommand, acting?: ActingAs): Promise<RefundRequestDecision>;
  /**
   * The first transaction alone: records an accepted refund REFUND_IN_PROCESS and reserves its
   * amount on the order. What a platform that died before the second transaction leaves behind.
   */
  requestRefund(cmd: RefundCommand, acting?: ActingAs): Promise<RefundRequestDecision>;
  /** The second transaction: moves the money or fails the refund; a finished refund is returned as it is. */
  finishRefund(refundId: string): Promise<RefundRecord | null>;
  findRefund(mchId: string, mchRefundId: string): Promise<RefundRecord | null>;
  /** Finishes refunds left REFUND_IN_PROCESS for `olderThanMs` or longer; returns how many. */
  finishStaleRefunds(olderThanMs: number): Promise<number>;
  /** A merchant's payments paid and refunds finished in [fromMs, toMs), for its statement. */
  statementMovements(mchId: string, fromMs: number, toMs: number): Promise<StatementMovements>;

  // Notification outbox: rows are written with the state change; these serve the delivery worker.
  /** Leases up to `limit` due pending notifications to `owner` for `leaseMs`, counting one attempt each. */
  claimDueNotifications(owner: string, leaseMs: number, limit: number): Promise<Notification[]>;
  /**
   * Marks it delivered and records the attempt, in one transaction; false (and nothing changes)
   * unless `owner` holds its lease.
   */
  recordDelivery(notificationId: string, owner: string, attempt: AttemptRecord): Promise<boolean>;
  /**
   * Schedules the next attempt, or with null marks it dead, with the attempt's error as its last
   * error, and records the attempt, in one transaction; false unless `owner` holds its lease.
   */
  recordFailedAttempt(notificationId: string, owner: string, attempt: FailedAttemptRecord, nextAttemptAtMs: number | null): Promise<boolean>;
  /** Newest first. */
  listNotifications(filter: NotificationFilter): Promise<Notification[]>;
  /**
   * Re-drives a dead (or pending) notification: due now, attempts kept. With `mchId`, only that
   * merchant's (another merchant's answers not_found, as an unknown id does). With `acting`, a retry
   * that changed the row is in the audit log, in the same transaction.
   */
  retryNotification(notificationId: string, mchId?: string, acting?: ActingAs): Promise<NotificationRetryResult>;
  /** Queues a TEST notification to the merchant's notify URL, due at once (services/notifications.ts). */
  sendTestNotification(mchId: string, acting?: ActingAs): Promise<TestNotificationResult>;
  /**
   * Every dead notification of the merchant due now, attempts kept; how many. With `acting`, a
   * retry of at least one is in the audit log (notificationRetryAllRecord), in the same transaction.
   */
  retryDeadNotifications(mchId: string, acting?: ActingAs): Promise<number>;
  /** The merchant's dead notifications, newest first, after `after` (the last of the previous page). */
  listDeadNotifications(mchId: string, after: DeadLetterCursor | null, limit: number): Promise<Notification[]>;
  /**
   * The merchant's attempts for these subjects (order ids, refund ids), oldest first: the order
   * timeline's notification events. At most ATTEMPT_SUBJECTS_MAX ids.
   */
  notificationAttemptsFor(mchId: string, subjectIds: readonly string[]): Promise<NotificationAttempt[]>;
  /** One notification's attempts, first first. */
  notificationAttempts(notificationId: string): Promise<NotificationAttempt[]>;

  // The web pages' sign-in (docs/pages.md, services/page-access.ts): secrets are handed back once, hashes stored.
  /** A new session for the subject: its id, for the cookie. */
  openPageSession(subject: SessionSubject): Promise<string>;
  /** The live session under this id, its last request recorded; null when unknown, ended or expired. */
  usePageSession(sessionId: string): Promise<PageSession | null>;
  /** With `address`, a sign-out: a console's is logged (session.signOut). */
  endPageSession(sessionId: string, address?: string | null): Promise<void>;
  /** Deletes expired sessions and used or expired sign-in links (at most PAGE_ACCESS_SWEEP_LIMIT of each). */
  sweepPageAccess(): Promise<void>;
  /** A one-time sign-in link's token for the wallet (valid 15 minutes, one use). */
  issueSignInLink(walletId: string, acting?: ActingAs): Promise<LinkIssue>;
  /** Uses the link and opens the wallet's session, in one transaction. */
  signInWithLink(token: string): Promise<{ sessionId: string; walletId: string } | 'INVALID'>;
  /** A merchant's user: a cashier unless `options.role` says owner (docs/consoles.md). */
  createCashier(mchId: string, name: string, passwordHash: string, options?: MerchantUserOptions, acting?: ActingAs): Promise<CashierCreation>;
  /** A cashier's refund limit in sen, null for none; null: no such user, or an owner (who has no limit). */
  setRefundLimit(mchId: string, name: string, refundLimitSen: number | null, acting?: ActingAs): Promise<Cashier | null>;
  /** The merchant's users, by name. */
  listMerchantUsers(mchId: string): Promise<Cashier[]>;
  // Operators (docs/consoles.md, services/operators.ts): TOTP secrets sealed under the master key.
  createOperator(name: string, passwordHash: string, totpSecret: Secret | null, options?: { acting?: ActingAs; role?: OperatorRole }): Promise<OperatorCreation>;
  setOperatorRole(name: string, role: OperatorRole, acting?: ActingAs): Promise<RoleChange | null>;
  /** Disables an operator (its sessions end; its sign-ins answer 9024) or enables it again; null: no such operator. */
  setOperatorStatus(name: string, to: 'active' | 'disabled', acting?: ActingAs): Promise<OperatorStatusChange | null>;
  /** New password, unlocked, its sessions ended; `totp` a new secret, null for none, undefined to keep. Null: no such operator. */
  resetOperator(name: string, passwordHash: string, totp: Secret | null | undefined, acting?: ActingAs): Promise<Operator | null>;
  /** Ends every session of the operator (`admin sign-out`). Null: no such operator. */
  signOutOperator(name: string, acting?: ActingAs): Promise<Operator | null>;
  /** Name + password + code (when the operator has TOTP), with the lockout; opens the session when right. */
  signInOperator(name: string, password: string, code: string | null, address?: string | null): Promise<OperatorSignIn>;
  /** Every operator, by name, without any secret: listing needs no master key. */
  listOperators(): Promise<OperatorSummary[]>;
  /** A new password, which also unlocks the account; null: no such cashier; refused for a disabled user. */
  resetCashierPassword(mchId: string, name: string, passwordHash: string, acting?: ActingAs): Promise<UserChange>;
  /** A signed-in user's own new password; its other sessions end, `keepSessionHash`'s stays. Null: no such user. */
  changeOwnPassword(
    user: { readonly userId: string; readonly mchId: string; readonly name: string }, passwordHash: string, keepSessionHash: string, acting?: ActingAs,
  ): Promise<Cashier | null>;
  /** Disables a user (its sessions end, its sign-ins answer 9024) or enables it; null: no such user. */
  setUserStatus(mchId: string, name: string, status: UserStatus, acting?: ActingAs): Promise<UserChange>;
  /** Merchant id + cashier name + password, with the PIN lockout's rule; opens the session when right. */
  signInCashier(mchId: string, name: string, password: string, page?: 'cashier' | 'merchant', address?: string | null): Promise<CashierSignIn>;
  /** A merchant console user's password asked again before a change (`at`): counted, locked and logged as a sign-in's. */
  checkUserPassword(mchId: string, name: string, password: string, address: string | null, at: PasswordAskedAt): Promise<PasswordCheck>;

  // The cashier page after the charge (docs/pages.md, services/cashier-charges.ts).
  /** Records the charge's order id and code for this cashier before it runs (TAKEN: not this cashier's id). */
  startCashierCharge(cashier: ActingCashier, attempt: ChargeAttempt): Promise<ChargeStart>;
  /** A charge with the order it made; null when there is no such charge or its charge made no order. */
  findCashierCharge(mchId: string, mchOrderId: string): Promise<CashierChargeRecord | null>;
  /** The cashier's charges that became orders, newest first, after the cursor. */
  listCashierCharges(cashierId: string, before: ChargeCursor | null, limit: number): Promise<CashierChargeRecord[]>;
  /** A refund of the cashier's own charge only, by the refund rules (refund()). */
  refundCashierCharge(cashier: ActingCashier & RefundingUser, cmd: RefundCommand, acting?: ActingAs): Promise<CashierRefund>;
  /** Every refund of the order, oldest first. */
  refundsOfOrder(orderId: string): Promise<Refund[]>;
  // The merchant console's orders (docs/consoles.md, "Orders", services/console-orders.ts). Reads only.
  /** The merchant's orders that match, newest first by trade time then order id, after the search's cursor: at most `limit + 1`. */
  searchOrders(search: OrderSearch): Promise<Order[]>;
  /** The name of the user whose till charged each of these orders of the merchant (the cashier_charges rule); orders no till charged are absent. */
  tillsOfOrders(mchId: string, mchOrderIds: readonly string[]): Promise<ReadonlyMap<string, string>>;
  /** The merchant's order under its id with what its timeline is built from, read at one moment; null: no such order of this merchant. */
  orderHistory(mchId: string, mchOrderId: string): Promise<OrderHistory | null>;
  // Money out (domain/payout.ts, docs/operations.md "Payouts"): each step one transaction.
  /** Moves `amountSen` of the merchant's balance into the payouts clearing account, never more than it has. */
  requestPayout(req: PayoutRequest, acting?: ActingAs): Promise<PayoutRequestDecision>;
  /** The bank paid it: the money leaves the platform (clearing account → float). */
  confirmPayout(payoutId: string, acting?: ActingAs): Promise<PayoutFinishDecision>;
  /**
   * The bank paid the rest of a payout file: its payouts still REQUESTED, when they sum to the
   * bank's total, become PAID_OUT together (services/payout-file.ts confirmPayoutFile).
   */
  confirmPayoutFile(fileNo: number, controlTotalSen: number, acting: ActingAs): Promise<FileConfirmation>;
  /** The bank refused it: the money goes back to the merchant or wallet it came from. */
  failPayout(payoutId: string, reason: string, acting?: ActingAs): Promise<PayoutFinishDecision>;
  /**
   * Closes the wallet (again, if it is closed already) and pays out what it holds to its holder,
   * to `destination` when given (the holder's bank account, checked by bankAccountOf first).
   * Throws WalletHoldsPendingError while payments await its confirmation. null: no such wallet.
   */
  closeWallet(walletId: string, acting?: ActingAs, destination?: BankAccount | null): Promise<WalletClosing | null>;
  findPayout(payoutId: string): Promise<Payout | null>;
  /**
   * Where the merchant's payouts go from now on (domain/payout-account.ts): the account as typed,
   * checked by bankAccountOf ('invalid': nothing written); the same account again changes nothing.
   */
  setPayoutAccount(mchId: string, account: BankAccount, acting?: ActingAs): Promise<PayoutAccountChange | InvalidBankAccount>;
  /** The merchant's payout account; null: none set. */
  findPayoutAccount(mchId: string): Promise<PayoutAccount | null>;
  /** Payouts newest first (by request time, then id), a page of at most `limit` after `before`. */
  listPayouts(filter: PayoutFilter): Promise<Payout[]>;
  /**
   * A new payout file of the REQUESTED payouts in no file yet within the selection's days
   * (services/payout-file.ts filePayouts): numbered, its payouts marked, its download recorded.
   */
  filePayouts(s: PayoutSelection, maxRows: number, acting: ActingAs): Promise<PayoutFiling>;
  /** The last payout file's number; 0: none made yet. */
  lastPayoutFileNo(): Promise<number>;
  /** One merchant's payouts, newest first (by request time, then id), the page after `before`. */
  merchantPayouts(mchId: string, before: PayoutCursor | null, limit: number): Promise<Payout[]>;
  /** The sum of the merchant's payouts still REQUESTED: its money waiting in platform:payouts. */
  requestedPayoutsSen(mchId: string): Promise<number>;
  /** What a merchant's daily report is made of, read at one moment (domain/daily-report.ts). */
  dailyReportMovements(mchId: string, window: DayWindow): Promise<DailyReportMovements>;
  /** The ledger's postings before the day's end, summed for the platform's day, of one moment (platform-day-sql.ts). */
  platformDayRows(window: DayWindow): Promise<PlatformDayRow[]>;

  /** The ledger audit (`micropay audit`): the books' invariants. Not the audit log. */
  audit(): Promise<AuditReport>;

  // The audit log (domain/audit-log.ts): append-only, in the database itself (SQLite migration 13, PostgreSQL 14).
  /** An action that changes nothing else (a ledger audit run, a download): its row alone. */
  recordAction(acting: ActingAs, record: AuditRecord): Promise<void>;
  /** Entries newest first (by logId), filtered; the next page: beforeLogId = the last logId shown. */
  listAuditLog(filter: AuditLogFilter): Promise<AuditLogEntry[]>;
  /** How many merchants, and wallets not closed (the operator dashboard's headline). */
  platformCounts(): Promise<PlatformCounts>;
  /** Where the platform's money is, of one moment (dashboard-sql.ts). */
  platformMoney(): Promise<PlatformMoney>;
  /** The newest migration applied to the database (opening a store applies the pending ones). */
  schemaVersion(): Promise<number>;
  /** Every migration applied, oldest first, as `schema_migrations` records it. */
  appliedMigrations(): Promise<AppliedMigration[]>;
  getSetting(name: string): Promise<string | null>;
  setSetting(name: string, value: string): Promise<void>;
  close(): Promise<void>;
}

/**
 * What the health checks and metrics read (ops/): cheap, safe at any moment, and never part of
 * a money movement.
 */
export interface StoreOps {
  /** The newest migration this code knows: what schemaVersion() answers on a current database. */
  readonly codeSchemaVersion: number;
  /** What opening this store applied (store/schema-version.ts): none when it was current. */
  readonly schemaUpgrade: SchemaUpgrade;
  /**
   * Whether the payment thread answers within `timeoutMs` ('busy' when it does not), and could
   * write a payment now (its probe: the store's file is still the one it opened, and the write lock
   * can be taken). A thread that died is started again first, as the next payment would; 'stopped' once the store is closed,
   * 'none' for a store that writes payments without one (PostgreSQL, admin commands).
   */
  paymentThread(timeoutMs: number): Promise<PaymentThreadState>;
  /**
   * Readies what a server's first requests would otherwise wait for, so its first seconds answer
   * like the next (docs/benchmarks.md, issue 18): the payment thread started and answering
   * (SQLite), the pool's connections open (PostgreSQL). Called before the server listens.
   */
  warmUp(): Promise<void>;
  /** Notifications waiting to be delivered, and dead ones (every attempt failed). */
  notificationBacklog(): Promise<NotificationBacklog>;
  /** The oldest pending notification, the attempts since `sinceMs`, the `top` merchants by dead count. */
  notificationActivity(sinceMs: number, top: number): Promise<NotificationActivity>;
  /** The PostgreSQL connection pool's connections; null on SQLite. */
  poolUsage(): PoolUsage | null;
  /** `observer` is told of every group commit from now on (null: no longer). */
  observeBatches(observer: BatchObserver | null): void;
  /**
   * Writes processes' minutes of payment statistics (a row already there for the minute and
   * process is replaced) and deletes every row of a minute before `deleteBeforeMs`, in one transaction.
   */
  writePaymentMinutes(minutes: readonly ProcessMinute[], deleteBeforeMs: number): Promise<void>;
  /** Every process's rows of the minutes starting in [fromMs, toMs), by minute then process. */
  readPaymentMinutes(fromMs: number, toMs: number): Promise<ProcessMinute[]>;
}

/**
 * `cannotWrite`: the thread answered but could not take a payment now: the file it writes is no
 * longer the store's file (`file`: deleted or replaced under the server), or its write lock could
 * not be taken (`write`, SQLite's error in `error`).
 */
export type PaymentThreadState = 'alive' | 'busy' | 'stopped' | 'none' | { readonly cannotWrite: 'file' | 'write'; readonly error: string };

export interface NotificationBacklog {
  readonly pending: number;
  readonly dead: number;
}

export interface PoolUsage {
  readonly total: number;
  readonly idle: number;
  /** Callers waiting for a connection. */
  readonly waiting: number;
}

/** One group commit: the payments it wrote and the seconds its transaction took, commit included. */
export type BatchObserver = (payments: number, seconds: number) => void;

/** Why no payment code was issued: no such wallet, or its status (domain/wallet.ts, payCodeRefusal). */
export type PayCodeRefusal = 'NO_WALLET' | 'WALLET_FROZEN' | 'WALLET_CLOSED';

/** Sandbox rehearsals of the edges; the API sets them only in sandbox mode. */
export interface PayOptions {
  /** The payment step fails as a real fault would: the order is left NEW, nothing moves. */
  readonly sandboxFault?: boolean;
  /** The payment waits for the user's confirmation whatever its amount. */
  readonly forceConfirmation?: boolean;
  /**
   * The offline code's device (or the platform) is over its failed-code limit: the code is refused
   * unchecked (1036), after the order id's repeat is answered as always.
   */
  readonly offlineLimited?: boolean;
}

/** Thrown inside a payment's transaction when the sandbox asks for a fault: it rolls the payment back. */
export class SandboxFault extends Error {
  override name = 'SandboxFault';

  constructor() {
    super('sandbox: fault injected into the payment step');
  }
}

/**
 * The sandbox's fault strikes a payment that would be PAID, after its writes and inside its
 * transaction, so they roll back as a real fault's would. Repeats and refusals are answered.
 */
export function strikeSandboxFault(options: PayOptions, decision: PaymentDecision): void {
  if (options.sandboxFault === true && decision.kind === 'paid') throw new SandboxFault();
}

export { importedMerchantId, MerchantIdTakenError, type NewMerchant } from '../domain/merchant.js';
export type { AuditLogFilter } from './audit-log-sql.js';

/** A LIKE pattern (with ESCAPE '\\') matching any text that contains `part`, wildcards taken literally. */
export function containsPattern(part: string): string {
  return '%' + part.replace(/[\\%_]/g, (c) => '\\' + c) + '%';
}

/** The page size asked of listWallets, checked: a bug, not a user's error, when it is not a count. */
export function checkedLimit(limit: number): number {
  if (!Number.isSafeInteger(limit) || limit < 1) throw new RangeError(`a page holds at least one wallet, not ${limit}`);
  return limit;
}

/** A page of merchants in id order: those after `afterMchId`, at most `limit`. */
export interface MerchantPage {
  readonly afterMchId?: string | undefined;
  readonly limit: number;
}

export interface WalletFilter {
  readonly status?: WalletStatus;
  /** Part of the wallet's name, any case (ASCII letters on SQLite; all letters on PostgreSQL). */
  readonly nameContains?: string;
  /** Only wallets after this id: the last walletId of the previous page. */
  readonly afterWalletId?: string;
  readonly limit: number;
}

export type { NewWallet } from '../domain/wallet.js';

export type { WalletSecurityChanges } from '../domain/effects.js';

/** One posting to a wallet, as its holder sees it. */
export interface WalletTransaction {
  /** The posting's id: the history's paging key (recentTransactions' beforePostingId). */
  readonly postingId: number;
  readonly entryId: number;
  readonly kind: EntryKind;
  readonly amountSen: number;
  readonly orderId: string | null;
  readonly refundId: string | null;
  readonly merchantName: string | null;
  /** The paid order's status now (a payment), the refund's (a refund); null for a top-up. */
  readonly status: string | null;
  /** A payment's refunds so far (REFUNDED or in process); null for every other movement. */
  readonly refundedSen: number | null;
  readonly createdAtMs: number;
}

export type { RefundRecord } from '../domain/refund.js';
export type { SettleResult } from '../domain/settlement.js';

export interface NotificationFilter {
  readonly status?: NotificationStatus | undefined;
  readonly mchId?: string | undefined;
  readonly limit: number;
}

/** Where a page of dead notifications ends: the last one's creation time and id. */
export interface DeadLetterCursor {
  readonly createdAtMs: number;
  readonly notificationId: string;
}

/** A failed attempt always says why. */
export type FailedAttemptRecord = AttemptRecord & { readonly error: string };

export type NotificationRetryResult =
  | { readonly kind: 'retried'; readonly notification: Notification }
  /** Already delivered: it is not sent again. */
  | { readonly kind: 'unchanged'; readonly notification: Notification }
  | { readonly kind: 'not_found' };

export interface PayoutFilter {
  readonly mchId?: string | undefined;
  readonly walletId?: string | undefined;
  readonly status?: PayoutStatus | undefined;
  /** The page after this payout (a page's last one); absent: from the newest. */
  readonly before?: PayoutCursor | undefined;
  /** Only payouts requested at or after this; absent: from the first. */
  readonly requestedFromMs?: number | undefined;
  /** Only payouts in no payout file yet (domain/payout-file.ts). */
  readonly unfiled?: boolean | undefined;
  /** Only this payout file's payouts. */
  readonly fileNo?: number | undefined;
  readonly limit: number;
}

export interface AuditCheck {
  readonly name: string;
  readonly violations: readonly string[];
}

export interface AuditReport {
  /** No invariant is broken (actions do not count). */
  readonly ok: boolean;
  readonly checks: readonly AuditCheck[];
  /** What the operator must act on (store/audit.ts, `action`): each with its findings. */
  readonly actions: readonly { readonly name: string; readonly findings: readonly string[] }[];
  readonly totals: { readonly entries: number; readonly postings: number; readonly orders: number };
}

/** The report of every audit query's rows; an `action` query's rows are findings, not violations. */
export function auditReport(results: (AuditCheck & { readonly action?: true })[], totals: AuditReport['totals']): AuditReport {
  const checks = results.filter((r) => r.action !== true).map(({ name, violations }) => ({ name, violations }));
  const actions = results.filter((r) => r.action === true).map(({ name, violations }) => ({ name, findings: violations }));
  return { ok: checks.every((c) => c.violations.length === 0), checks, actions, totals };
}

/**
 * Group commit at work, for operators and tests: batches of payments committed, payments in them,
 * and batches that fell back to one payment at a time (PostgreSQL, when a set-based batch fails;
 * SQLite retries only the failing payment inside its batch, so its count stays 0).
 */
export interface BatchStats {
  readonly batches: number;
  readonly payments: number;
  readonly fallbacks: number;
}

/** A versioned schema change; each store keeps its own list (append only, never edit an applied one). */
export interface Migration {
  readonly version: number;
  readonly name: string;
  readonly sql: string;
}

export interface AppliedMigration {
  readonly version: number;
  readonly name: string;
  readonly appliedAtMs: number;
}

/**
 * merchantBalances' answer from the balances a store read by ledger account: each merchant asked
 * for whose account exists, by mchId (an unknown merchant is left out).
 */
export function balancesByMerchant(mchIds: readonly string[], byAccount: ReadonlyMap<string, number>): Map<string, number> {
  const balances = new Map<string, number>();
  for (const mchId of mchIds) {
    const balance = byAccount.get(merchantAccount(mchId));
    if (balance !== undefined) balances.set(mchId, balance);
  }
  return balances;
}
