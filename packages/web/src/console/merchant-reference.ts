/** What a notification tells of, by the merchant's own number: its order's, or its refund's. */
export interface MerchantReference {
  readonly merchantOrderId: string | null;
  readonly merchantRefundId: string | null;
}

/** The merchant's order or refund number for a table cell; a TEST has none. */
export function merchantNumber(n: MerchantReference): string {
  return n.merchantOrderId ?? n.merchantRefundId ?? '—';
}
