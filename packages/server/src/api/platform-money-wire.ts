import { formatSen } from '@micropay/protocol';
import type { PlatformMoney } from '../store/dashboard-sql.js';

/** Where the platform's money is, on the wire (the dashboard, `report balances --json`): decimal strings. */
export function platformMoneyWire(m: PlatformMoney): Record<'onPlatform' | 'inWallets' | 'heldInWallets' | 'withMerchants' | 'payingOut', string> {
  return {
    onPlatform: formatSen(m.onPlatformSen), inWallets: formatSen(m.walletsSen), heldInWallets: formatSen(m.heldSen),
    withMerchants: formatSen(m.merchantsSen), payingOut: formatSen(m.payingOutSen),
  };
}
