import { formatSen } from '@micropay/protocol';
import { unchanged, type Decided, type Effect, type WalletSecurityChanges } from './effects.js';
import { assert, journalEntry, PLATFORM_FLOAT, walletAccount, type JournalEntry } from './ledger.js';
import type { PayCode, Wallet, WalletStatus } from './model.js';
import { walletPageAccessEnd } from './page-access.js';
import { CONTROL_OR_BIDI } from './text.js';

/**
 * The most a wallet may hold: 100,000,000,000.00. Balances are integers of sen in the database and
 * JavaScript numbers in the code, which are exact only up to 2^53 (about 90,071,992,547,409.91);
 * this cap keeps every wallet, and the platform float that funds them all, far inside that.
 */
export const MAX_WALLET_BALANCE_SEN = 100_000_000_000_00;

export class WalletBalanceLimitError extends Error {
  override name = 'WalletBalanceLimitError';
}

/** A change refused because the wallet is closed: closing is final. */
export class WalletClosedError extends Error {
  override name = 'WalletClosedError';
}

/**
 * Throws (so the transaction rolls back) when the wallet is closed. A closed wallet can never pay
 * again, so money topped up into it would be stranded, and a new token, PIN or limit is pointless.
 */
export function checkWalletOpen(wallet: Wallet, change: 'top-ups' | 'new token, PIN or limit'): void {
  if (wallet.status === 'closed') throw new WalletClosedError(`wallet ${wallet.walletId} is closed (closing is final): it takes no ${change}`);
}

/** Throws (so the transaction rolls back) when the wallet is closed or the top-up would take it over the cap. */
export function checkTopUp(wallet: Wallet, amountSen: number): void {
  checkWalletOpen(wallet, 'top-ups');
  if (wallet.balanceSen + amountSen > MAX_WALLET_BALANCE_SEN) {
    throw new WalletBalanceLimitError(
      `top-up refused: wallet ${wallet.walletId} would hold ${formatSen(wallet.balanceSen + amountSen)}, above the limit of ${formatSen(MAX_WALLET_BALANCE_SEN)}`,
    );
  }
}

/** What a top-up under a request id is decided on: the wallet (its balance locked), and the amount topped up under that id before, if any. */
export interface TopUpView {
  readonly wallet: Wallet;
  readonly earlierSen: number | null;
}

export type TopUpOutcome =
  | { readonly kind: 'toppedUp'; readonly wallet: Wallet }
  /** The request id topped up this amount already: nothing moves again. */
  | { readonly kind: 'repeat'; readonly wallet: Wallet }
  /** The request id topped up another amount: nothing moves. */
  | { readonly kind: 'requestIdReused'; readonly wallet: Wallet; readonly earlierSen: number };

/**
 * A top-up from the platform float, under the operator's request id when one is given: the same
 * id again tops up nothing more (a lost answer, a retried script), whatever the wallet is now; with
 * another amount it is refused. Throws as checkTopUp does.
 */
export function decideTopUp(view: TopUpView, amountSen: number, requestId: string | null, nowMs: number): Decided<TopUpOutcome> {
  const { wallet, earlierSen } = view;
  if (earlierSen !== null) {
    return unchanged(earlierSen === amountSen ? { kind: 'repeat', wallet } : { kind: 'requestIdReused', wallet, earlierSen });
  }
  checkTopUp(wallet, amountSen);
  const effects: Effect[] = [{ kind: 'book', entry: topUpEntry(wallet.walletId, amountSen, nowMs) }];
  if (requestId !== null) effects.push({ kind: 'recordTopUpRequest', walletId: wallet.walletId, requestId, amountSen, atMs: nowMs });
  return { result: { kind: 'toppedUp', wallet: { ...wallet, balanceSen: wallet.balanceSen + amountSen } }, effects };
}

/** Why a wallet with this status may not be issued a payment code, or null when it may. */
export function payCodeRefusal(status: WalletStatus): 'WALLET_FROZEN' | 'WALLET_CLOSED' | null {
  if (status === 'active') return null;
  return status === 'closed' ? 'WALLET_CLOSED' : 'WALLET_FROZEN';
}

/** A top-up brings money into a wallet from the platform's float. */
export function topUpEntry(walletId: string, amountSen: number, nowMs: number): JournalEntry {
  return journalEntry(
    'topup',
    {},
    [
      { accountId: PLATFORM_FLOAT, amountSen: -amountSen },
      { accountId: walletAccount(walletId), amountSen },
    ],
    nowMs,
  );
}

/**
 * Wallet status changes: an active or frozen wallet may be frozen, unfrozen or closed; closing is
 * final, so a closed wallet is never frozen or reopened. Setting the status it has already is
 * allowed and changes nothing.
 */
export function canChangeWalletStatus(from: WalletStatus, to: WalletStatus): boolean {
  return from !== 'closed' || to === 'closed';
}

/**
 * What a status change writes. Closing is final, so it also ends the wallet's web page sessions and
 * drops its unused sign-in links, in the close's own transaction: no page acts for a closed wallet.
 * Freezing or closing revokes every device enrolled for offline codes, in the same transaction: an
 * unfrozen wallet's devices enrol again, so a secret copied while it was frozen never pays.
 */
export function walletStatusEffects(walletId: string, status: WalletStatus, nowMs: number): Effect[] {
  const revoke: Effect[] = status === 'active' ? [] : [revokeAllDevices(walletId, nowMs)];
  return [{ kind: 'setWalletStatus', walletId, status }, ...revoke, ...(status === 'closed' ? walletPageAccessEnd(walletId) : [])];
}

/**
 * What a security change writes. A new PIN or app token is what an operator sets when the old one
 * may be known to someone else: everything signed in with the old one ends with it, in the same
 * transaction (the wallet pages' sessions and unused sign-in links, and the devices enrolled for
 * offline codes, which the holder's app enrols again, and the page when the holder asks). A confirmation
 * limit or an unlock leaves them.
 */
export function walletSecurityEffects(walletId: string, changes: WalletSecurityChanges, nowMs: number): Effect[] {
  const set: Effect = { kind: 'setWalletSecurity', walletId, changes };
  if (changes.pinHash === undefined && changes.tokenHash === undefined) return [set];
  return [set, revokeAllDevices(walletId, nowMs), ...walletPageAccessEnd(walletId)];
}

function revokeAllDevices(walletId: string, nowMs: number): Effect {
  return { kind: 'revokeDevices', walletId, deviceIndex: null, atMs: nowMs };
}

/** Why the wallet's status may not become `to`, or null when it may. */
export function walletStatusProblem(wallet: Wallet, to: WalletStatus): string | null {
  return canChangeWalletStatus(wallet.status, to) ? null : `wallet ${wallet.walletId} is closed; closing is final`;
}

/** The longest wallet name: consoles, statements and the audit log show it. */
export const WALLET_NAME_MAX = 100;

/** Why `name` cannot be a wallet's name, or null when it can: 1 to 100 printable characters. */
export function walletNameProblem(name: string): string | null {
  if (name.trim() === '') return 'a wallet name must not be empty';
  if (name.length > WALLET_NAME_MAX) return `a wallet name is at most ${WALLET_NAME_MAX} characters`;
  if (CONTROL_OR_BIDI.test(name)) return 'a wallet name must not contain control characters (tabs, line breaks) or bidi controls';
  return null;
}

export interface NewWallet {
  readonly name: string;
  readonly openingSen: number;
  readonly tokenHash?: string | null;
  readonly pinHash?: string | null;
  readonly confirmLimitSen?: number | null;
}

/** A new wallet's effects and the wallet they make: active, its opening balance booked as a top-up. */
export function openWallet(input: NewWallet, walletId: string, nowMs: number): { wallet: Wallet; effects: Effect[] } {
  // A bug guard: every path that takes a name from outside checks walletNameProblem first.
  const nameProblem = walletNameProblem(input.name);
  assert(nameProblem === null, `wallet name: ${nameProblem}`);
  const record = {
    walletId, name: input.name, tokenHash: input.tokenHash ?? null, pinHash: input.pinHash ?? null,
    confirmLimitSen: input.confirmLimitSen ?? null, createdAtMs: nowMs,
  };
  const empty: Wallet = {
    walletId, name: input.name, status: 'active', balanceSen: 0, heldSen: 0, confirmLimitSen: record.confirmLimitSen,
    hasPin: record.pinHash !== null, pinFailures: 0, createdAtMs: nowMs,
  };
  const effects: Effect[] = [{ kind: 'insertWallet', wallet: record }];
  if (input.openingSen <= 0) return { wallet: empty, effects };
  checkTopUp(empty, input.openingSen);
  effects.push({ kind: 'book', entry: topUpEntry(walletId, input.openingSen, nowMs) });
  return { wallet: { ...empty, balanceSen: input.openingSen }, effects };
}

/** A fresh code for the wallet, valid `ttlMs`; issuing it retires the wallet's earlier one. */
export function payCodeFor(wallet: Wallet, code: string, nowMs: number, ttlMs: number): PayCode {
  return { code, walletId: wallet.walletId, status: 'active', issuedAtMs: nowMs, expiresAtMs: nowMs + ttlMs };
}

/** The wallet after its security changes: a new PIN clears the failed tries, unless a count is given too. */
export function walletAfterSecurity(wallet: Wallet, changes: WalletSecurityChanges): Wallet {
  checkWalletOpen(wallet, 'new token, PIN or limit');
  return {
    ...wallet,
    hasPin: changes.pinHash === undefined ? wallet.hasPin : changes.pinHash !== null,
    pinFailures: changes.pinFailures ?? (changes.pinHash !== undefined ? 0 : wallet.pinFailures),
    confirmLimitSen: changes.confirmLimitSen === undefined ? wallet.confirmLimitSen : changes.confirmLimitSen,
  };
}
