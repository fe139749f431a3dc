import { formatSen } from '@micropay/protocol';
import { audited, auditText, type ActingAs, type AuditRecord } from '../domain/audit-log.js';
import { unchanged, type Decided } from '../domain/effects.js';
import { newPayCode, newWalletId } from '../domain/ids.js';
import type { PayCode, Wallet, WalletStatus } from '../domain/model.js';
import {
  canChangeWalletStatus,
  decideTopUp,
  openWallet,
  payCodeFor,
  payCodeRefusal,
  walletAfterSecurity,
  walletSecurityEffects,
  walletStatusEffects,
  type NewWallet,
  type TopUpOutcome,
  type TopUpView,
} from '../domain/wallet.js';
import type { WalletSecurityChanges } from '../domain/effects.js';
import { assert } from '../domain/ledger.js';
import { reverseTopUp as reverseTopUpOf } from '../domain/top-up-reversal.js';
import { retryOnIdClash } from '../store/id-clash.js';
import type { StorePort } from '../store/port.js';
import type { PayCodeRefusal } from '../store/store.js';

/** Wallets and their payment codes, each change one transaction that locks the wallet first. */
export function createWallet(port: StorePort, input: NewWallet, acting?: ActingAs): Promise<Wallet> {
  return retryOnIdClash(() =>
    port.decide({ view: 'none' }, (_none, nowMs) => {
      const { wallet, effects } = openWallet(input, newWalletId(), nowMs);
      return audited({ result: wallet, effects }, acting, nowMs, (w) =>
        walletRecord('wallet.create', w.walletId, { name: auditText(w.name), openingBalance: formatSen(input.openingSen) }));
    }),
  );
}

/**
 * A top-up from the float, under the operator's request id when one is given (domain/wallet.ts
 * decideTopUp: the same id again tops up nothing more). The balance is locked too: the cap is
 * checked against the balance the top-up is added to. null: no such wallet.
 */
export function topUp(port: StorePort, walletId: string, amountSen: number, acting?: ActingAs, requestId: string | null = null): Promise<TopUpOutcome | null> {
  const decide = (view: TopUpView | null, nowMs: number): Decided<TopUpOutcome | null> =>
    view === null ? unchanged(null) : audited(decideTopUp(view, amountSen, requestId, nowMs), acting, nowMs, () =>
      walletRecord('wallet.topUp', walletId, { amount: formatSen(amountSen), ...(requestId === null ? {} : { requestId: auditText(requestId) }) }));
  if (requestId === null) {
    return port.decide({ view: 'wallet', walletId, lockBalance: true }, (wallet, nowMs) => decide(wallet === null ? null : { wallet, earlierSen: null }, nowMs));
  }
  return port.decide({ view: 'topUp', walletId, requestId }, decide);
}

/** Takes a top-up back whole (domain/top-up-reversal.ts), with the operator's reason in the log. null: no such wallet. */
export function reverseTopUp(port: StorePort, walletId: string, entryId: number, reason: string, acting?: ActingAs): Promise<Wallet | null> {
  return port.decide({ view: 'topUpToReverse', walletId, entryId }, (view, nowMs): Decided<Wallet | null> => {
    if (view === null) return unchanged(null);
    const { wallet, effects, amountSen } = reverseTopUpOf(view.wallet, view.entry, entryId, nowMs);
    const detail = { entryId, amount: formatSen(amountSen), reason: auditText(reason) };
    return audited({ result: wallet, effects }, acting, nowMs, () => walletRecord('wallet.reverseTopUp', walletId, detail));
  });
}

function walletRecord(action: AuditRecord['action'], walletId: string, detail: AuditRecord['detail'] = {}): AuditRecord {
  return { action, mchId: null, subjectId: walletId, detail };
}

/** Issues a fresh payment code and retires the wallet's earlier one, atomically per wallet. */
export function issuePayCode(port: StorePort, walletId: string, ttlMs: number, acting?: ActingAs): Promise<PayCode | PayCodeRefusal> {
  return retryOnIdClash(() =>
    port.decide({ view: 'wallet', walletId }, (wallet, nowMs): Decided<PayCode | PayCodeRefusal> => {
      if (wallet === null) return unchanged('NO_WALLET');
      const refusal = payCodeRefusal(wallet.status);
      if (refusal !== null) return unchanged(refusal);
      const code = payCodeFor(wallet, newPayCode(), nowMs, ttlMs);
      // The code itself is a secret of the holder's: the log says only that one was issued.
      return audited({ result: code, effects: [{ kind: 'issueCode', code }] }, acting, nowMs, () => walletRecord('payCode.issue', walletId));
    }),
  );
}

/**
 * Freezes or unfreezes a wallet; a closed wallet stays closed (the result shows it). Closing is
 * payouts.ts closeWallet's: it pays out what the wallet holds in the same transaction.
 */
export function setWalletStatus(port: StorePort, walletId: string, status: WalletStatus, acting?: ActingAs): Promise<Wallet | null> {
  assert(status !== 'closed', 'a wallet is closed by closeWallet, which pays out what it holds');
  return port.decide({ view: 'wallet', walletId }, (wallet, nowMs): Decided<Wallet | null> => {
    if (wallet === null || !canChangeWalletStatus(wallet.status, status) || wallet.status === status) return unchanged(wallet);
    return audited({ result: { ...wallet, status }, effects: walletStatusEffects(walletId, status, nowMs) }, acting, nowMs, () =>
      walletRecord(status === 'frozen' ? 'wallet.freeze' : 'wallet.unfreeze', walletId));
  });
}

export function updateWalletSecurity(port: StorePort, walletId: string, changes: WalletSecurityChanges, acting?: ActingAs): Promise<Wallet | null> {
  return port.decide({ view: 'wallet', walletId }, (wallet, nowMs): Decided<Wallet | null> => {
    if (wallet === null) return unchanged(null);
    const result = walletAfterSecurity(wallet, changes);
    // Unlocking a PIN that is not locked changes nothing, so it writes and logs nothing.
    if (isUnlockOnly(changes) && wallet.pinFailures === changes.pinFailures) return unchanged(result);
    const done = { result, effects: walletSecurityEffects(walletId, changes, nowMs) };
    return audited(done, acting, nowMs, () => securityRecord(walletId, changes));
  });
}

function isUnlockOnly(c: WalletSecurityChanges): boolean {
  return c.pinFailures !== undefined && c.pinHash === undefined && c.tokenHash === undefined && c.confirmLimitSen === undefined;
}

/** Which change it was, never the new PIN's or token's hash: a new PIN also unlocks, so it is named first. */
function securityRecord(walletId: string, c: WalletSecurityChanges): AuditRecord {
  if (c.pinHash !== undefined) return walletRecord('wallet.setPin', walletId);
  if (c.tokenHash !== undefined) return walletRecord('wallet.newToken', walletId);
  if (c.confirmLimitSen !== undefined) {
    return walletRecord('wallet.setConfirmLimit', walletId, { confirmLimit: c.confirmLimitSen === null ? null : formatSen(c.confirmLimitSen) });
  }
  return walletRecord('wallet.unlockPin', walletId);
}
