import type { RefundCommand, Secret } from '@micropay/protocol';
import type { Decided } from '../domain/effects.js';
import { PayoutIdSource, RefundIdSource } from '../domain/ids.js';
import type { PayoutFinishDecision, PayoutRequest, PayoutRequestDecision, WalletClosing } from '../domain/payout.js';
import type { NewMerchant } from '../domain/merchant.js';
import type { Merchant, MerchantStatus, PayCode, Wallet, WalletStatus } from '../domain/model.js';
import type { RefundRecord, RefundRequestDecision } from '../domain/refund.js';
import type { SettleResult } from '../domain/settlement.js';
import type { NewWallet } from '../domain/wallet.js';
import type { WalletSecurityChanges } from '../domain/effects.js';
import type { StorePort, ViewFor, ViewName, ViewOf } from '../store/port.js';
import type { PayCodeRefusal, Store } from '../store/store.js';
import { MerchantCache } from '../store/merchant-cache.js';
import * as merchants from './merchants.js';
import * as pageAccess from './page-access.js';
import * as payouts from './payouts.js';
import type { Cashier, PageSession, SessionSubject } from '../domain/page-access.js';
import * as refunds from './refunds.js';
import * as cashierCharges from './cashier-charges.js';
import type { ActingCashier, CashierChargeRecord, ChargeAttempt, ChargeStart } from '../domain/cashier-charge.js';
import * as settlement from './settlement.js';
import * as wallets from './wallets.js';
import * as offlineDevices from './offline-devices.js';
import type { WalletDevice } from '../domain/offline-code.js';

/** The Store methods written once, here, over the port; each store supplies the rest. */
type ServiceMethods =
  | 'createMerchant' | 'createSandbox' | 'findMerchantForAuth' | 'setMerchantStatus' | 'updateMerchant'
  | 'rollMerchantKey' | 'recordKeyFirstUse' | 'resealMerchantKeys'
  | 'confirmPending' | 'declinePending' | 'closeOrder' | 'sweep'
  | 'requestRefund' | 'finishRefund' | 'refund' | 'finishStaleRefunds'
  | 'createWallet' | 'topUp' | 'issuePayCode' | 'setWalletStatus' | 'updateWalletSecurity'
  | 'openPageSession' | 'usePageSession' | 'endPageSession' | 'sweepPageAccess' | 'issueSignInLink' | 'signInWithLink'
  | 'createCashier' | 'resetCashierPassword' | 'signInCashier'
  | 'startCashierCharge' | 'refundCashierCharge'
  | 'requestPayout' | 'confirmPayout' | 'failPayout' | 'closeWallet'
  | 'enrolOfflineDevice' | 'revokeOfflineDevices';

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

  createMerchant(input: NewMerchant): Promise<Merchant> {
    return merchants.createMerchant(this, this.#timeZone, input);
  }

  createSandbox(input: { merchant: NewMerchant; wallet: NewWallet; setting: string }): Promise<{ merchant: Merchant; wallet: Wallet }> {
    return merchants.createSandbox(this, this.#timeZone, input);
  }

  findMerchantForAuth(mchId: string): Promise<Merchant | null> {
    return this.#merchantCache.get(mchId, Date.now(), (id) => this.findMerchant(id));
  }

  setMerchantStatus(mchId: string, status: MerchantStatus): Promise<Merchant | null> {
    return this.#forgetting(mchId, merchants.setMerchantStatus(this, mchId, status));
  }

  updateMerchant(mchId: string, changes: { name?: string; notifyUrl?: string | null }): Promise<Merchant | null> {
    return this.#forgetting(mchId, merchants.updateMerchant(this, mchId, changes));
  }

  rollMerchantKey(mchId: string, newKey: Secret, overlapMs: number): Promise<Merchant | null> {
    return this.#forgetting(mchId, merchants.rollMerchantKey(this, mchId, newKey, overlapMs));
  }

  resealMerchantKeys(scope: 'plain' | 'all'): Promise<number> {
    return merchants.resealMerchantKeys(this, scope);
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

  requestRefund(cmd: RefundCommand): Promise<RefundRequestDecision> {
    return refunds.requestRefund(this, this.#refundIds, cmd);
  }

  finishRefund(refundId: string): Promise<RefundRecord | null> {
    return refunds.finishRefund(this, refundId);
  }

  refund(cmd: RefundCommand): Promise<RefundRequestDecision> {
    return refunds.refund(this, this.#refundIds, cmd);
  }

  finishStaleRefunds(olderThanMs: number): Promise<number> {
    return refunds.finishStaleRefunds(this, olderThanMs);
  }

  createWallet(input: NewWallet): Promise<Wallet> {
    return wallets.createWallet(this, input);
  }

  topUp(walletId: string, amountSen: number): Promise<Wallet | null> {
    return wallets.topUp(this, walletId, amountSen);
  }

  enrolOfflineDevice(walletId: string, label: string): Promise<WalletDevice | offlineDevices.EnrolRefusal> {
    return offlineDevices.enrolOfflineDevice(this, walletId, label);
  }

  revokeOfflineDevices(walletId: string, deviceIndex: number | null): Promise<boolean> {
    return offlineDevices.revokeOfflineDevices(this, walletId, deviceIndex);
  }

  issuePayCode(walletId: string, ttlMs: number): Promise<PayCode | PayCodeRefusal> {
    return wallets.issuePayCode(this, walletId, ttlMs);
  }

  /** Closing pays out what the wallet holds (closeWallet); freezing and unfreezing move no money. */
  async setWalletStatus(walletId: string, status: WalletStatus): Promise<Wallet | null> {
    if (status !== 'closed') return wallets.setWalletStatus(this, walletId, status);
    return (await this.closeWallet(walletId))?.wallet ?? null;
  }

  closeWallet(walletId: string): Promise<WalletClosing | null> {
    return payouts.closeWallet(this, this.#payoutIds, walletId);
  }

  requestPayout(req: PayoutRequest): Promise<PayoutRequestDecision> {
    return payouts.requestPayout(this, this.#payoutIds, req);
  }

  confirmPayout(payoutId: string): Promise<PayoutFinishDecision> {
    return payouts.finishPayout(this, payoutId, { status: 'PAID_OUT' });
  }

  failPayout(payoutId: string, reason: string): Promise<PayoutFinishDecision> {
    return payouts.finishPayout(this, payoutId, { status: 'FAILED', reason });
  }

  updateWalletSecurity(walletId: string, changes: WalletSecurityChanges): Promise<Wallet | null> {
    return wallets.updateWalletSecurity(this, walletId, changes);
  }

  openPageSession(subject: SessionSubject): Promise<string> {
    return pageAccess.openSession(this, subject);
  }

  usePageSession(sessionId: string): Promise<PageSession | null> {
    return pageAccess.useSession(this, sessionId);
  }

  endPageSession(sessionId: string): Promise<void> {
    return pageAccess.endSession(this, sessionId);
  }

  sweepPageAccess(): Promise<void> {
    return pageAccess.sweepPageAccess(this);
  }

  issueSignInLink(walletId: string): Promise<pageAccess.LinkIssue> {
    return pageAccess.issueSignInLink(this, walletId);
  }

  signInWithLink(token: string): Promise<{ sessionId: string; walletId: string } | 'INVALID'> {
    return pageAccess.signInWithLink(this, token);
  }

  createCashier(mchId: string, name: string, passwordHash: string): Promise<pageAccess.CashierCreation> {
    return pageAccess.createCashier(this, mchId, name, passwordHash);
  }

  resetCashierPassword(mchId: string, name: string, passwordHash: string): Promise<Cashier | null> {
    return pageAccess.resetCashierPassword(this, mchId, name, passwordHash);
  }

  signInCashier(mchId: string, name: string, password: string): Promise<pageAccess.CashierSignIn> {
    return pageAccess.signInCashier(this, mchId, name, password);
  }

  startCashierCharge(cashier: ActingCashier, attempt: ChargeAttempt): Promise<ChargeStart> {
    return cashierCharges.startCashierCharge(this, cashier, attempt);
  }

  refundCashierCharge(cashier: ActingCashier, cmd: RefundCommand): Promise<cashierCharges.CashierRefund> {
    return cashierCharges.refundCashierCharge(this, this.#refundIds, (m, o) => this.findCashierCharge(m, o), cashier, cmd);
  }
}
