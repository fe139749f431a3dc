import type { OrderStatus, Secret } from '@micropay/protocol';
import type { RefundStatus } from './order-state.js';

export type MerchantStatus = 'active' | 'disabled';
export type WalletStatus = 'active' | 'frozen' | 'closed';
export type PayCodeStatus = 'active' | 'used' | 'retired';

export interface Merchant {
  readonly mchId: string;
  readonly name: string;
  /** The current key: the newest one. Which key signs answers is answerKey's choice (merchant-keys.ts). */
  readonly apiKey: Secret;
  /** The key before the last roll; it verifies requests until `untilMs`. Null: never rolled. */
  readonly previousKey: { readonly key: Secret; readonly untilMs: number } | null;
  /** When the key was last rolled; null: never. */
  readonly keyRolledAtMs: number | null;
  /** When a request first verified with `apiKey` after the last roll; null: not yet, or never rolled. */
  readonly keyFirstUsedAtMs: number | null;
  readonly status: MerchantStatus;
  /** Where signed notifications are posted; null: the merchant only queries. */
  readonly notifyUrl: string | null;
  readonly createdAtMs: number;
}

export interface Wallet {
  readonly walletId: string;
  readonly name: string;
  readonly status: WalletStatus;
  readonly balanceSen: number;
  /** Money reserved for payments awaiting the user's confirmation; not spendable. */
  readonly heldSen: number;
  /** Payments above this wait for the user's confirmation; null: the platform default. */
  readonly confirmLimitSen: number | null;
  readonly hasPin: boolean;
  /** Wrong PINs in a row; at the limit, confirmation is locked until an operator resets it. */
  readonly pinFailures: number;
  readonly createdAtMs: number;
}

export interface PayCode {
  readonly code: string;
  readonly walletId: string;
  readonly status: PayCodeStatus;
  readonly issuedAtMs: number;
  readonly expiresAtMs: number;
}

/** Why an order ended FAILED; kept with the order and shown to the operator. */
export type FailReason =
  | 'INSUFFICIENT_BALANCE'
  | 'WALLET_FROZEN'
  | 'DECLINED'
  | 'CLOSED'
  | 'CONFIRM_TIMEOUT'
  | 'SYSTEM_ERROR';

export interface Order {
  /** wavpayOrderId. */
  readonly orderId: string;
  readonly mchId: string;
  readonly mchOrderId: string;
  readonly amountSen: number;
  readonly goodsInfo: string;
  readonly discountSen: number | null;
  readonly point: number | null;
  readonly walletId: string;
  readonly status: OrderStatus;
  readonly failReason: FailReason | null;
  /** Hash of the parameters that define the payment; a repeat must match it. */
  readonly fingerprint: string;
  readonly tradeTimeMs: number;
  readonly payTimeMs: number | null;
  /** A NEW or PENDING order is settled by then at the latest. */
  readonly deadlineMs: number | null;
  /** Refunds in process or done; never above amountSen. */
  readonly refundedSen: number;
  readonly updatedAtMs: number;
}

export type RefundFailReason = 'MERCHANT_BALANCE_INSUFFICIENT' | 'WALLET_CLOSED';

export interface Refund {
  readonly refundId: string;
  readonly mchId: string;
  readonly mchRefundId: string;
  /** The refunded order's wavpayOrderId. */
  readonly orderId: string;
  readonly amountSen: number;
  readonly reason: string | null;
  readonly status: RefundStatus;
  readonly failReason: RefundFailReason | null;
  readonly fingerprint: string;
  readonly requestedAtMs: number;
  readonly finishedAtMs: number | null;
}

export function availableSen(wallet: Wallet): number {
  return wallet.balanceSen - wallet.heldSen;
}

/** Limits of the payment decision, from the platform's configuration. */
export interface PaymentPolicy {
  /** Payments above this wait for the user's confirmation, unless the wallet has its own limit. */
  readonly confirmLimitSen: number;
  /** How long a PENDING payment waits for the user. */
  readonly confirmTimeoutMs: number;
  /** Every payment waits for confirmation (the sandbox's `pending` rehearsal). */
  readonly forceConfirmation?: boolean;
}
