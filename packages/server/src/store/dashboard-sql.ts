/**
 * The operator dashboard's headline counts (services/dashboard.ts), one standard query for both
 * stores: merchants, and wallets that are not closed. Counting scans each table's primary key: at a
 * million wallets that is tens of milliseconds, read once per dashboard refresh (30 s).
 */
export const PLATFORM_COUNTS_SQL = `SELECT (SELECT COUNT(*) FROM merchants) AS merchants,
  (SELECT COUNT(*) FROM wallets WHERE status <> 'closed') AS wallets`;

export interface PlatformCounts {
  readonly merchants: number;
  readonly wallets: number;
}

export function toPlatformCounts(r: { merchants: number | string; wallets: number | string }): PlatformCounts {
  return { merchants: Number(r.merchants), wallets: Number(r.wallets) };
}

/**
 * Where the platform's money is, read in one statement (one moment) from `account_balances`, the
 * view both stores keep in one shape: the float (top-ups less reversals and payouts made, as a
 * debit), and what wallets, merchants and payouts being made hold (and how much of the wallets'
 * is held for confirmation). The ledger sums to zero, so wallets, merchants and payouts being made
 * add up to the float's debit (the audit checks it).
 */
export const PLATFORM_MONEY_SQL = `SELECT
  COALESCE(SUM(CASE WHEN id = 'platform:float' THEN balance_sen END), 0) AS float_sen,
  COALESCE(SUM(CASE WHEN kind = 'wallet' THEN balance_sen END), 0) AS wallets_sen,
  COALESCE(SUM(CASE WHEN kind = 'wallet' THEN held_sen END), 0) AS held_sen,
  COALESCE(SUM(CASE WHEN kind = 'merchant' THEN balance_sen END), 0) AS merchants_sen,
  COALESCE(SUM(CASE WHEN id = 'platform:payouts' THEN balance_sen END), 0) AS paying_out_sen
  FROM account_balances`;

export interface PlatformMoney {
  /** Money on the platform: top-ups less reversals and payouts made (the float's debit). */
  readonly onPlatformSen: number;
  readonly walletsSen: number;
  readonly heldSen: number;
  readonly merchantsSen: number;
  /** Payouts requested and not yet confirmed or failed (the clearing account). */
  readonly payingOutSen: number;
}

type MoneyRow = Record<'float_sen' | 'wallets_sen' | 'held_sen' | 'merchants_sen' | 'paying_out_sen', number | string>;

export function toPlatformMoney(r: MoneyRow): PlatformMoney {
  return {
    onPlatformSen: -Number(r.float_sen), walletsSen: Number(r.wallets_sen), heldSen: Number(r.held_sen),
    merchantsSen: Number(r.merchants_sen), payingOutSen: Number(r.paying_out_sen),
  };
}
