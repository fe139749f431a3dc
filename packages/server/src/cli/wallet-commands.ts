import { formatSen, parseAmountSen } from '@micropay/protocol';
import type { Config } from '../config.js';
import { hashPin, hashWalletToken, newWalletToken, PIN_RULE } from '../domain/credentials.js';
import type { Store } from '../store/store.js';
import { amountSen, need, notFound, UsageError, walletJson, type Output } from './common.js';

interface WalletFlags {
  name?: string | undefined;
  balance?: string | undefined;
  pin?: string | undefined;
  'confirm-limit'?: string | undefined;
}

/**
 * Wallet commands that deal with the wallet app's credentials and limits. Returns null for a
 * subcommand that is not one of these, so the caller can report it.
 */
export async function walletCommand(
  store: Store,
  _config: Config,
  args: string[],
  flags: WalletFlags,
  out: Output,
): Promise<number | null> {
  const [sub, walletId, value] = args;
  switch (sub) {
    case 'create': {
      const openingSen = flags.balance === undefined ? 0 : amountSen(flags.balance, '--balance');
      const pinHash = flags.pin === undefined ? null : await hashPin(pinOf(flags.pin));
      const confirmLimitSen = flags['confirm-limit'] === undefined ? null : limitOf(flags['confirm-limit']);
      const token = newWalletToken();
      const w = await store.createWallet({
        name: need(flags.name, '--name'), openingSen, tokenHash: hashWalletToken(token), pinHash, confirmLimitSen,
      });
      out.show(
        { ...walletJson(w), token },
        `Wallet ${w.walletId} "${w.name}" created with balance ${formatSen(w.balanceSen)}.\n` +
          `Wallet app token: ${token}   (shown once; \`micropay wallet token ${w.walletId}\` issues a new one)`,
      );
      return 0;
    }
    case 'token': {
      const token = newWalletToken();
      const w = await store.updateWalletSecurity(need(walletId, 'WALLETID'), { tokenHash: hashWalletToken(token) });
      if (w === null) return notFound(`wallet ${walletId}`);
      out.show({ walletId: w.walletId, token }, `New wallet app token for ${w.walletId}: ${token}   (the old one no longer works)`);
      return 0;
    }
    case 'set-pin': {
      const pinHash = await hashPin(pinOf(need(flags.pin, '--pin')));
      const w = await store.updateWalletSecurity(need(walletId, 'WALLETID'), { pinHash });
      if (w === null) return notFound(`wallet ${walletId}`);
      out.show(walletJson(w), `PIN of wallet ${w.walletId} set; confirmation unlocked.`);
      return 0;
    }
    case 'unlock': {
      const w = await store.updateWalletSecurity(need(walletId, 'WALLETID'), { pinFailures: 0 });
      if (w === null) return notFound(`wallet ${walletId}`);
      out.show(walletJson(w), `Wallet ${w.walletId} can confirm payments again.`);
      return 0;
    }
    case 'set-limit': {
      const text = need(value, 'AMOUNT (or "default")');
      const confirmLimitSen = text === 'default' ? null : limitOf(text);
      const w = await store.updateWalletSecurity(need(walletId, 'WALLETID'), { confirmLimitSen });
      if (w === null) return notFound(`wallet ${walletId}`);
      const shown = confirmLimitSen === null ? 'the platform default' : formatSen(confirmLimitSen);
      out.show(walletJson(w), `Payments above ${shown} from wallet ${w.walletId} need the holder's confirmation.`);
      return 0;
    }
    case 'close': {
      const w = await store.setWalletStatus(need(walletId, 'WALLETID'), 'closed');
      if (w === null) return notFound(`wallet ${walletId}`);
      out.show(walletJson(w), `Wallet ${w.walletId} is closed: it cannot pay or receive refunds.`);
      return 0;
    }
    default:
      return null;
  }
}

function pinOf(pin: string): string {
  if (!PIN_RULE.test(pin)) throw new UsageError('--pin must be 4 to 6 digits');
  return pin;
}

function limitOf(text: string): number {
  const sen = parseAmountSen(text);
  if (sen === null) throw new UsageError('the confirmation limit must be an amount like 250.00');
  return sen;
}
