import type { OrderStatus, Secret } from '@micropay/protocol';

export type MerchantStatus = 'active' | 'disabled';
export type WalletStatus = 'active' | 'frozen';
export type PayCodeStatus = 'active' | 'used' | 'retired';

export interface Merchant {
  readonly mchId: string;
  readonly name: string;
  readonly apiKey: Secret;
  readonly status: MerchantStatus;
  readonly createdAtMs: number;
}

export interface Wallet {
  readonly walletId: string;
  readonly name: string;
  readonly status: WalletStatus;
  readonly balanceSen: number;
  /** Money reserved for payments awaiting the user's confirmation; not spendable. */
  readonly heldSen: number;
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
export type FailReason = 'INSUFFICIENT_BALANCE' | 'WALLET_FROZEN';

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
}

export function availableSen(wallet: Wallet): number {
  return wallet.balanceSen - wallet.heldSen;
}
