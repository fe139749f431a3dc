import { unchanged, type Decided } from '../domain/effects.js';
import { newPayCode, newWalletId } from '../domain/ids.js';
import type { PayCode, Wallet, WalletStatus } from '../domain/model.js';
import {
  canChangeWalletStatus,
  checkTopUp,
  openWallet,
  payCodeFor,
  payCodeRefusal,
  topUpEntry,
  walletAfterSecurity,
  walletStatusEffects,
  type NewWallet,
} from '../domain/wallet.js';
import type { WalletSecurityChanges } from '../domain/effects.js';
import { assert } from '../domain/ledger.js';
import { retryOnIdClash } from '../store/id-clash.js';
import type { StorePort } from '../store/port.js';
import type { PayCodeRefusal } from '../store/store.js';

/** Wallets and their payment codes, each change one transaction that locks the wallet first. */
export function createWallet(port: StorePort, input: NewWallet): Promise<Wallet> {
  return retryOnIdClash(() =>
    port.decide({ view: 'none' }, (_none, nowMs) => {
      const { wallet, effects } = openWallet(input, newWalletId(), nowMs);
      return { result: wallet, effects };
    }),
  );
}

export function topUp(port: StorePort, walletId: string, amountSen: number): Promise<Wallet | null> {
  // The balance is locked too: the cap is checked against the balance the top-up is added to.
  return port.decide({ view: 'wallet', walletId, lockBalance: true }, (wallet, nowMs): Decided<Wallet | null> => {
    if (wallet === null) return unchanged(null);
    checkTopUp(wallet, amountSen);
    return { result: { ...wallet, balanceSen: wallet.balanceSen + amountSen }, effects: [{ kind: 'book', entry: topUpEntry(walletId, amountSen, nowMs) }] };
  });
}

/** Issues a fresh payment code and retires the wallet's earlier one, atomically per wallet. */
export function issuePayCode(port: StorePort, walletId: string, ttlMs: number): Promise<PayCode | PayCodeRefusal> {
  return retryOnIdClash(() =>
    port.decide({ view: 'wallet', walletId }, (wallet, nowMs): Decided<PayCode | PayCodeRefusal> => {
      if (wallet === null) return unchanged('NO_WALLET');
      const refusal = payCodeRefusal(wallet.status);
      if (refusal !== null) return unchanged(refusal);
      const code = payCodeFor(wallet, newPayCode(), nowMs, ttlMs);
      return { result: code, effects: [{ kind: 'issueCode', code }] };
    }),
  );
}

/**
 * Freezes or unfreezes a wallet; a closed wallet stays closed (the result shows it). Closing is
 * payouts.ts closeWallet's: it pays out what the wallet holds in the same transaction.
 */
export function setWalletStatus(port: StorePort, walletId: string, status: WalletStatus): Promise<Wallet | null> {
  assert(status !== 'closed', 'a wallet is closed by closeWallet, which pays out what it holds');
  return port.decide({ view: 'wallet', walletId }, (wallet, nowMs): Decided<Wallet | null> => {
    if (wallet === null || !canChangeWalletStatus(wallet.status, status) || wallet.status === status) return unchanged(wallet);
    return { result: { ...wallet, status }, effects: walletStatusEffects(walletId, status, nowMs) };
  });
}

export function updateWalletSecurity(port: StorePort, walletId: string, changes: WalletSecurityChanges): Promise<Wallet | null> {
  return port.decide({ view: 'wallet', walletId }, (wallet): Decided<Wallet | null> => {
    if (wallet === null) return unchanged(null);
    return { result: walletAfterSecurity(wallet, changes), effects: [{ kind: 'setWalletSecurity', walletId, changes }] };
  });
}
