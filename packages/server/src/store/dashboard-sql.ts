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
