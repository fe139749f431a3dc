/** What the till's page APIs answer about its charges (packages/server/src/api/page-cashier-charges.ts). */
import { orderStatusWords } from '@micropay/protocol/order-status';
export interface ChargeRow {
  readonly mchOrderId: string;
  readonly wavpayOrderId: string;
  readonly goodsInfo: string;
  readonly amount: string;
  readonly refundedAmount: string;
  readonly refundableAmount: string;
  /** How much more the signed-in user may refund of it, within its refund limit; null: no limit of its own. */
  readonly refundRoom: string | null;
  /** That user's refund limit for each sale, as it is now; null: none. */
  readonly refundLimit: string | null;
  readonly tradeStatus: string;
  readonly failReason: string | null;
  readonly payTimeMs: number | null;
  readonly chargedAtMs: number;
  /** Masked: its last four digits only. */
  readonly payCode: string;
}

export interface RefundRow {
  readonly mchRefundId: string;
  readonly refundId: string;
  readonly refundAmount: string;
  readonly refundStatus: 'REFUND_IN_PROCESS' | 'REFUNDED' | 'REFUND_FAILED';
  readonly failReason: string | null;
  readonly requestedAtMs: number;
  readonly refundTimeMs: number | null;
}

export interface ChargesPage {
  readonly charges: readonly ChargeRow[];
  readonly next: { readonly chargedAtMs: number; readonly mchOrderId: string } | null;
}

export interface Receipt extends ChargeRow {
  readonly merchantName: string | null;
  readonly mchId: string;
  readonly cashierName: string;
  readonly refunds: readonly RefundRow[];
}

/** A charge's state in words a cashier says to a customer (the merchant console says the same). */
export const chargeStatusWords = orderStatusWords;

export const REFUND_STATUS_WORDS: Readonly<Record<string, string>> = {
  REFUND_IN_PROCESS: 'In process',
  REFUNDED: 'Refunded',
  REFUND_FAILED: 'Failed',
};

/** A child element with text: the pages build their rows with textContent only, never HTML. */
export function el<K extends keyof HTMLElementTagNameMap>(tag: K, text = '', className = ''): HTMLElementTagNameMap[K] {
  const e = document.createElement(tag);
  if (text !== '') e.textContent = text;
  if (className !== '') e.className = className;
  return e;
}
