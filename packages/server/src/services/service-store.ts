import type { OperatorRole } from '@micropay/protocol/operator-roles';
import type { RefundCommand, Secret } from '@micropay/protocol';
import type { Decided } from '../domain/effects.js';
import { PayoutIdSource, RefundIdSource } from '../domain/ids.js';
import type { PayoutFinishDecision, PayoutRequest, PayoutRequestDecision, WalletClosing } from '../domain/payout.js';
import type { NewMerchant } from '../domain/merchant.js';
import type { Merchant, MerchantStatus, PayCode, Wallet, WalletStatus } from '../domain/model.js';
import type { RefundRecord, RefundRequestDecision } from '../domain/refund.js';
import type { SettleResult } from '../domain/settlement.js';
import type { NewWallet, TopUpOutcome } from '../domain/wallet.js';
import type { WalletSecurityChanges } from '../domain/effects.js';
import type { StorePort, ViewFor, ViewName, ViewOf } from '../store/port.js';
import type { PayCodeRefusal, Store } from '../store/store.js';
import { MerchantCache } from '../store/merchant-cache.js';
import * as merchants from './merchants.js';
import * as notifications from './notifications.js';
import type { TestNotificationResult } from '../domain/notification.js';
import * as pageAccess from './page-access.js';
import * as merchantUsers from './merchant-users.js';
import * as payouts from './payouts.js';
import * as payoutFiles from './payout-file.js';
import type { FileConfirmation, PayoutFiling, PayoutSelection } from '../domain/payout-file.js';
import type { InvalidBankAccount } from './payouts.js';
import type { BankAccount, PayoutAccountChange } from '../domain/payout-account.js';
import type { Cashier, PageSession, SessionSubject } from '../domain/page-access.js';
import * as refunds from './refunds.js';
import * as cashierCharges from './cashier-charges.js';
import type { ActingCashier, CashierChargeRecord, ChargeAttempt, ChargeStart } from '../domain/cashier-charge.js';
import * as settlement from './settlement.js';
import * as wallets from './wallets.js';
import * as offlineDevices from './offline-devices.js';
import type { DeviceTerms, RenewRefusal, WalletDevice } from '../domain/offline-code.js';
import { recordAction } from './audit-log.js';
import type { ActingAs, AuditRecord, PasswordAskedAt } from '../domain/audit-log.js';
import * as operators from './operators.js';
import type { Operator } from '../domain/operator.js';
import type { RefundingUser, UserStatus } from '../domain/merchant-users.js';

/** The Store methods written once, here, over the port; each store supplies the rest. */
type ServiceMethods =
  | 'createMerchant' | 'createSandbox' | 'findMerchantForAuth' | 'setMerchantStatus' | 'updateMerchant'
  | 'rollMerchantKey' | 'recordKeyFirstUse' | 'resealMerchantKeys'
  | 'confirmPending' | 'declinePending' | 'closeOrder' | 'sweep'
  | 'requestRefund' | 'finishRefund' | 'refund' | 'finishStaleRefunds'
  | 'createWallet' | 'topUp' | 'topUpOnce' | 'reverseTopUp' | 'issuePayCode' | 'setWalletStatus' | 'updateWalletSecurity'
  | 'openPageSession' | 'usePageSession' | 'endPageSession' | 'sweepPageAccess' | 'issueSignInLink' | 'signInWithLink'
  | 'createCashier' | 'resetCashierPassword' | 'changeOwnPassword' | 'setUserStatus' | 'signInCashier' | 'checkUserPassword' | 'setRefundLimit'
  | 'createOperator' | 'resetOperator' | 'signOutOperator' | 'signInOperator'
  | 'startCashierCharge' | 'refundCashierCharge'
  | 'requestPayout' | 'confirmPayout' | 'confirmPayoutFile' | 'failPayout' | 'closeWallet' | 'setPayoutAccount' | 'filePayouts' | 'recordAction'
  | 'sendTestNotification' | 'enrolOfflineDevice' | 'renewOfflineDevice' | 'revokeOfflineDevices';

/**
 * The service layer as a store's base: every flow of merchants, wallets, settlement and refunds is
 * written once (./merchants.ts, ./wallets.ts, ./settlement.ts, ./refunds.ts) and runs on any
 * store that implements the port (store/port.ts). A store is then an adapter: its SQL, its locks,
 * its engine's needs. Payments are the stores' own: each batches them its engine's way, deciding
 * with domain/payment.ts and applying paymentEffects.
 */
export abstract class ServiceStore implements StorePort, Pick<Store, ServiceMethods> {
  readonly #refundIds: RefundIdSource;
  readonly #payoutIds: PayoutIdSource;
  readonly #timeZone: string;
  /** The merchants the API authenticates with; every merchant change here drops its entry at once. */
  readonly #merchantCache = new MerchantCache();

  protected constructor(timeZone: string) {
    this.#timeZone = timeZone;
    this.#refundIds = new RefundIdSource(timeZone);
    this.#payoutIds = new PayoutIdSource(timeZone);
  }

  abstract decide<N extends ViewName, R>(request: ViewFor<N>, decide: (view: ViewOf[N], nowMs: number) => Decided<R>): Promise<R>;
  abstract dueUnsettledOrderIds(nowMs: number, limit: number): Promise<string[]>;
  abstract staleRefundIds(beforeMs: number, limit: number): Promise<string[]>;
  abstract nowMs(): number;
  abstract findMerchant(mchId: string): Promise<Merchant | null>;
  abstract findCashierCharge(mchId: string, mchOrderId: string): Promise<CashierChargeRecord | null>;

  createMerchant(input: NewMerchant, acting?: ActingAs): Promise<Merchant> {
    return merchants.createMerchant(this, this.#timeZone, input, acting);
  }

  sendTestNotification(mchId: string, acting?: ActingAs): Promise<TestNotificationResult> {
    return notifications.sendTestNotification(this, mchId, acting);
  }

  createSandbox(input: { merchant: NewMerchant; wallet: NewWallet; setting: string }): Promise<{ merchant: Merchant; wallet: Wallet }> {
    return merchants.createSandbox(this, this.#timeZone, input);
  }

  findMerchantForAuth(mchId: string): Promise<Merchant | null> {
    return this.#merchantCache.get(mchId, Date.now(), (id) => this.findMerchant(id));
  }

  setMerchantStatus(mchId: string, status: MerchantStatus, acting?: ActingAs): Promise<Merchant | null> {
    return this.#forgetting(mchId, merchants.setMerchantStatus(this, mchId, status, acting));
  }

  updateMerchant(mchId: string, changes: { name?: string; notifyUrl?: string | null }, acting?: ActingAs): Promise<Merchant | null> {
    return this.#forgetting(mchId, merchants.updateMerchant(this, mchId, changes, acting));
  }

  rollMerchantKey(mchId: string, newKey: Secret, overlapMs: number, acting?: ActingAs): Promise<Merchant | null> {
    return this.#forgetting(mchId, merchants.rollMerchantKey(this, mchId, newKey, overlapMs, acting));
  }

  resealMerchantKeys(scope: 'plain' | 'all', acting?: ActingAs): Promise<merchants.Resealed> {
    return merchants.resealMerchantKeys(this, scope, acting);
  }

  recordKeyFirstUse(mchId: string, key: Secret): Promise<void> {
    return this.#forgetting(mchId, merchants.recordKeyFirstUse(this, mchId, key));
  }

  /** This process sees its own merchant changes at once; other processes within the cache's TTL. */
  async #forgetting<T>(mchId: string, change: Promise<T>): Promise<T> {
    try {
      return await change;
    } finally {
      this.#merchantCache.forget(mchId);
    }
  }

  confirmPending(walletId: string, orderId: string): Promise<SettleResult> {
    return settlement.confirmPending(this, walletId, orderId);
  }

  declinePending(walletId: string, orderId: string): Promise<SettleResult> {
    return settlement.declinePending(this, walletId, orderId);
  }

  closeOrder(mchId: string, mchOrderId: string): Promise<SettleResult> {
    return settlement.closeOrder(this, mchId, mchOrderId);
  }

  sweep(): Promise<number> {
    return settlement.sweep(this);
  }

  requestRefund(cmd: RefundCommand, acting?: ActingAs): Promise<RefundRequestDecision> {
    return refunds.requestRefund(this, this.#refundIds, cmd, acting);
  }

  finishRefund(refundId: string): Promise<RefundRecord | null> {
    return refunds.finishRefund(this, refundId);
  }

  refund(cmd: RefundCommand, acting?: ActingAs): Promise<RefundRequestDecision> {
    return refunds.refund(this, this.#refundIds, cmd, acting);
  }

  finishStaleRefunds(olderThanMs: number): Promise<number> {
    return refunds.finishStaleRefunds(this, olderThanMs);
  }

  createWallet(input: NewWallet, acting?: ActingAs): Promise<Wallet> {
    return wallets.createWallet(this, input, acting);
  }

  async topUp(walletId: string, amountSen: number, acting?: ActingAs): Promise<Wallet | null> {
    return (await wallets.topUp(this, walletId, amountSen, acting))?.wallet ?? null;
  }

  topUpOnce(walletId: string, amountSen: number, requestId: string, acting?: ActingAs): Promise<TopUpOutcome | null> {
    return wallets.topUp(this, walletId, amountSen, acting, requestId);
  }

  reverseTopUp(walletId: string, entryId: number, reason: string, acting?: ActingAs): Promise<Wallet | null> {
    return wallets.reverseTopUp(this, walletId, entryId, reason, acting);
  }

  enrolOfflineDevice(walletId: string, label: string, terms: DeviceTerms, acting?: ActingAs): Promise<WalletDevice | offlineDevices.EnrolRefusal> {
    return offlineDevices.enrolOfflineDevice(this, walletId, label, terms, acting);
  }

  renewOfflineDevice(walletId: string, deviceIndex: number, terms: DeviceTerms): Promise<WalletDevice | RenewRefusal | 'NO_WALLET'> {
    return offlineDevices.renewOfflineDevice(this, walletId, deviceIndex, terms);
  }

  revokeOfflineDevices(walletId: string, deviceIndex: number | null, acting?: ActingAs): Promise<number | 'NO_DEVICE' | null> {
    return offlineDevices.revokeOfflineDevices(this, walletId, deviceIndex, acting);
  }

  issuePayCode(walletId: string, ttlMs: number, acting?: ActingAs): Promise<PayCode | PayCodeRefusal> {
    return wallets.issuePayCode(this, walletId, ttlMs, acting);
  }

  /** Closing pays out what the wallet holds (closeWallet); freezing and unfreezing move no money. */
  async setWalletStatus(walletId: string, status: WalletStatus, acting?: ActingAs): Promise<Wallet | null> {
    if (status !== 'closed') return wallets.setWalletStatus(this, walletId, status, acting);
    return (await this.closeWallet(walletId, acting))?.wallet ?? null;
  }

  closeWallet(walletId: string, acting?: ActingAs, destination?: BankAccount | null): Promise<WalletClosing | null> {
    return payouts.closeWallet(this, this.#payoutIds, walletId, acting, destination ?? null);
  }

  requestPayout(req: PayoutRequest, acting?: ActingAs): Promise<PayoutRequestDecision> {
    return payouts.requestPayout(this, this.#payoutIds, req, acting);
  }

  setPayoutAccount(mchId: string, account: BankAccount, acting?: ActingAs): Promise<PayoutAccountChange | InvalidBankAccount> {
    return payouts.setPayoutAccount(this, mchId, account, acting);
  }

  filePayouts(s: PayoutSelection, maxRows: number, acting: ActingAs): Promise<PayoutFiling> {
    return payoutFiles.filePayouts(this, s, maxRows, acting);
  }

  confirmPayout(payoutId: string, acting?: ActingAs): Promise<PayoutFinishDecision> {
    return payouts.finishPayout(this, payoutId, { status: 'PAID_OUT' }, acting);
  }

  confirmPayoutFile(fileNo: number, controlTotalSen: number, acting: ActingAs): Promise<FileConfirmation> {
    return payoutFiles.confirmPayoutFile(this, fileNo, controlTotalSen, acting);
  }

  failPayout(payoutId: string, reason: string, acting?: ActingAs): Promise<PayoutFinishDecision> {
    return payouts.finishPayout(this, payoutId, { status: 'FAILED', reason }, acting);
  }

  updateWalletSecurity(walletId: string, changes: WalletSecurityChanges, acting?: ActingAs): Promise<Wallet | null> {
    return wallets.updateWalletSecurity(this, walletId, changes, acting);
  }

  recordAction(acting: ActingAs, record: AuditRecord): Promise<void> {
    return recordAction(this, acting, record);
  }

  openPageSession(subject: SessionSubject): Promise<string> {
    return pageAccess.openSession(this, subject);
  }

  usePageSession(sessionId: string): Promise<PageSession | null> {
    return pageAccess.useSession(this, sessionId);
  }

  endPageSession(sessionId: string, address?: string | null): Promise<void> {
    return pageAccess.endSession(this, sessionId, address);
  }

  sweepPageAccess(): Promise<void> {
    return pageAccess.sweepPageAccess(this);
  }

  issueSignInLink(walletId: string, acting?: ActingAs): Promise<pageAccess.LinkIssue> {
    return pageAccess.issueSignInLink(this, walletId, acting);
  }

  signInWithLink(token: string): Promise<{ sessionId: string; walletId: string } | 'INVALID'> {
    return pageAccess.signInWithLink(this, token);
  }

  createCashier(mchId: string, name: string, passwordHash: string, options?: merchantUsers.MerchantUserOptions, acting?: ActingAs): Promise<merchantUsers.CashierCreation> {
    return merchantUsers.createCashier(this, mchId, name, passwordHash, options, acting);
  }

  setRefundLimit(mchId: string, name: string, refundLimitSen: number | null, acting?: ActingAs): Promise<Cashier | null> {
    return merchantUsers.setRefundLimit(this, mchId, name, refundLimitSen, acting);
  }

  /** `role`: admin unless said, as every operator was before roles. */
  createOperator(name: string, passwordHash: string, totpSecret: Secret | null, options: { acting?: ActingAs; role?: OperatorRole } = {}): Promise<operators.OperatorCreation> {
    return operators.createOperator(this, { name, passwordHash, totpSecret, role: options.role ?? 'admin' }, options.acting);
  }

  setOperatorRole(name: string, role: OperatorRole, acting?: ActingAs): Promise<operators.RoleChange | null> {
    return operators.setOperatorRole(this, name, role, acting);
  }

  setOperatorStatus(name: string, to: 'active' | 'disabled', acting?: ActingAs): Promise<operators.OperatorStatusChange | null> {
    return operators.setOperatorStatus(this, name, to, acting);
  }

  resetOperator(name: string, passwordHash: string, totp: Secret | null | undefined, acting?: ActingAs): Promise<Operator | null> {
    return operators.resetOperator(this, name, passwordHash, totp, acting);
  }

  signOutOperator(name: string, acting?: ActingAs): Promise<Operator | null> {
    return operators.signOutOperator(this, name, acting);
  }

  signInOperator(name: string, password: string, code: string | null, address?: string | null): Promise<operators.OperatorSignIn> {
    return operators.signInOperator(this, name, password, code, address ?? null);
  }

  resetCashierPassword(mchId: string, name: string, passwordHash: string, acting?: ActingAs): Promise<merchantUsers.UserChange> {
    return merchantUsers.resetCashierPassword(this, mchId, name, passwordHash, acting);
  }

  changeOwnPassword(
    user: { readonly userId: string; readonly mchId: string; readonly name: string }, passwordHash: string, keepSessionHash: string, acting?: ActingAs,
  ): Promise<Cashier | null> {
    return merchantUsers.changeOwnPassword(this, user, passwordHash, keepSessionHash, acting);
  }

  setUserStatus(mchId: string, name: string, status: UserStatus, acting?: ActingAs): Promise<merchantUsers.UserChange> {
    return merchantUsers.setUserStatus(this, mchId, name, status, acting);
  }

  checkUserPassword(mchId: string, name: string, password: string, address: string | null, at: PasswordAskedAt): Promise<pageAccess.PasswordCheck> {
    return pageAccess.checkUserPassword(this, mchId, name, password, 'merchant', address, at);
  }

  signInCashier(mchId: string, name: string, password: string, page?: 'cashier' | 'merchant', address?: string | null): Promise<pageAccess.CashierSignIn> {
    return pageAccess.signInCashier(this, mchId, name, password, page, address ?? null);
  }

  startCashierCharge(cashier: ActingCashier, attempt: ChargeAttempt): Promise<ChargeStart> {
    return cashierCharges.startCashierCharge(this, cashier, attempt);
  }

  refundCashierCharge(cashier: ActingCashier & RefundingUser, cmd: RefundCommand, acting?: ActingAs): Promise<cashierCharges.CashierRefund> {
    return cashierCharges.refundCashierCharge(this, this.#refundIds, (m, o) => this.findCashierCharge(m, o), cashier, cmd, acting);
  }
}
