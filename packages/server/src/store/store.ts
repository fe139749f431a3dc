import type { MicropayCommand, Secret } from '@micropay/protocol';
import type { PaymentDecision } from '../domain/payment.js';
import type { Merchant, MerchantStatus, Order, PayCode, Wallet, WalletStatus } from '../domain/model.js';

/**
 * What the platform needs from a database. Rows stop here: callers see domain types only.
 * Every method that changes money or an order's state is one transaction.
 */
export interface Store {
  readonly kind: 'sqlite' | 'postgres';

  createMerchant(input: { name: string; apiKey: Secret; notifyUrl?: string | null }): Promise<Merchant>;
  findMerchant(mchId: string): Promise<Merchant | null>;
  listMerchants(): Promise<Merchant[]>;
  setMerchantStatus(mchId: string, status: MerchantStatus): Promise<Merchant | null>;
  updateMerchant(mchId: string, changes: { name?: string; notifyUrl?: string | null }): Promise<Merchant | null>;

  /** Creates a wallet; a positive opening balance is booked as a top-up in the same transaction. */
  createWallet(input: NewWallet): Promise<Wallet>;
  findWallet(walletId: string): Promise<Wallet | null>;
  findWalletByTokenHash(tokenHash: string): Promise<Wallet | null>;
  setWalletStatus(walletId: string, status: WalletStatus): Promise<Wallet | null>;
  updateWalletSecurity(walletId: string, changes: WalletSecurityChanges): Promise<Wallet | null>;
  /** The stored PIN hash, for the wallet API's PIN check only. */
  walletPinHash(walletId: string): Promise<string | null>;
  /** Counts one more wrong PIN; returns the count. */
  recordPinFailure(walletId: string): Promise<number>;
  topUp(walletId: string, amountSen: number): Promise<Wallet | null>;
  /** Issues a fresh payment code and retires the wallet's earlier ones. */
  issuePayCode(walletId: string, ttlMs: number): Promise<PayCode | 'NO_WALLET' | 'WALLET_FROZEN'>;
  recentTransactions(walletId: string, limit: number): Promise<WalletTransaction[]>;
  listPendingOrders(walletId: string): Promise<Order[]>;

  /**
   * Decides and records one payment, atomically; payments arriving together share a commit.
   * `faultForSandbox` makes the payment step fail on purpose (sandbox only), as a real fault would.
   */
  pay(cmd: MicropayCommand, options?: { faultForSandbox?: boolean }): Promise<PaymentDecision>;
  findOrder(mchId: string, mchOrderId: string): Promise<Order | null>;
  findOrderById(orderId: string): Promise<Order | null>;
  /** The user's answer to a PENDING payment of their wallet. */
  confirmPending(walletId: string, orderId: string): Promise<SettleResult>;
  declinePending(walletId: string, orderId: string): Promise<SettleResult>;
  closeOrder(mchId: string, mchOrderId: string): Promise<SettleResult>;
  /** Fails unsettled orders whose deadline has passed; returns how many. */
  sweep(): Promise<number>;

  audit(): Promise<AuditReport>;
  getSetting(name: string): Promise<string | null>;
  setSetting(name: string, value: string): Promise<void>;
  close(): Promise<void>;
}

export interface NewWallet {
  readonly name: string;
  readonly openingSen: number;
  readonly tokenHash?: string | null;
  readonly pinHash?: string | null;
  readonly confirmLimitSen?: number | null;
}

export interface WalletSecurityChanges {
  readonly tokenHash?: string;
  readonly pinHash?: string | null;
  readonly pinFailures?: number;
  readonly confirmLimitSen?: number | null;
}

/** One posting to a wallet, as its holder sees it. */
export interface WalletTransaction {
  readonly entryId: number;
  readonly kind: 'topup' | 'payment' | 'refund';
  readonly amountSen: number;
  readonly orderId: string | null;
  readonly refundId: string | null;
  readonly merchantName: string | null;
  readonly createdAtMs: number;
}

/** The outcome of confirm, decline or close: the order as it now is, or why nothing happened. */
export type SettleResult =
  | { readonly kind: 'settled'; readonly order: Order }
  | { readonly kind: 'unchanged'; readonly order: Order }
  | { readonly kind: 'not_found' };

export interface AuditCheck {
  readonly name: string;
  readonly violations: readonly string[];
}

export interface AuditReport {
  readonly ok: boolean;
  readonly checks: readonly AuditCheck[];
  readonly totals: { readonly entries: number; readonly postings: number; readonly orders: number };
}

export function auditReport(checks: AuditCheck[], totals: AuditReport['totals']): AuditReport {
  return { ok: checks.every((c) => c.violations.length === 0), checks, totals };
}
