/** The columns toWallet (store/rows.ts) reads, from `wallets w JOIN accounts a ON a.id = w.account_id`. */
export const WALLET_COLUMNS = 'w.*, a.balance_sen, a.held_sen';
