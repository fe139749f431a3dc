import type { MicropayCommand, Secret } from '@micropay/protocol';
import type { PaymentDecision } from '../domain/payment.js';
import type { Merchant, MerchantStatus, Order, PayCode, Wallet, WalletStatus } from '../domain/model.js';

/**
 * What the platform needs from a database. Two implementations pass the same test suite:
 * SQLite (embedded default) and PostgreSQL. Rows stop here: callers see domain types only.
 */
export interface Store {
  readonly kind: 'sqlite' | 'postgres';

  createMerchant(input: { name: string; apiKey: Secret }): Promise<Merchant>;
  findMerchant(mchId: string): Promise<Merchant | null>;
  listMerchants(): Promise<Merchant[]>;
  setMerchantStatus(mchId: string, status: MerchantStatus): Promise<Merchant | null>;

  /** Creates a wallet; a positive opening balance is booked as a top-up in the same transaction. */
  createWallet(input: { name: string; openingSen: number }): Promise<Wallet>;
  findWallet(walletId: string): Promise<Wallet | null>;
  setWalletStatus(walletId: string, status: WalletStatus): Promise<Wallet | null>;
  topUp(walletId: string, amountSen: number): Promise<Wallet | null>;
  /** Issues a fresh payment code and retires the wallet's earlier ones. */
  issuePayCode(walletId: string, ttlMs: number): Promise<PayCode | 'NO_WALLET' | 'WALLET_FROZEN'>;

  /** Decides and records one payment, atomically; payments arriving together share a commit. */
  pay(cmd: MicropayCommand): Promise<PaymentDecision>;
  findOrder(mchId: string, mchOrderId: string): Promise<Order | null>;

  audit(): Promise<AuditReport>;
  getSetting(name: string): Promise<string | null>;
  setSetting(name: string, value: string): Promise<void>;
  close(): Promise<void>;
}

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
