/**
 * What closing a wallet waits for, the same SQL on both stores (`?` is the wallet id): the sum of
 * the refunds to it still in process (domain/payout.ts decideWalletClose). It starts from the
 * refunds in process (their partial index), a short list, then their orders.
 */
export const REFUNDS_IN_PROCESS_TO_WALLET = `SELECT COALESCE(SUM(r.amount_sen), 0) AS sen
  FROM refunds r JOIN orders o ON o.order_id = r.order_id
 WHERE r.status = 'REFUND_IN_PROCESS' AND o.wallet_id = ?`;
