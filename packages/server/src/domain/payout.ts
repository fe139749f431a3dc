import { formatSen } from '@micropay/protocol';
import { unchanged, type Decided, type Effect } from './effects.js';
import { assert, journalEntry, merchantAccount, PLATFORM_FLOAT, PLATFORM_PAYOUTS, walletAccount, type AccountId } from './ledger.js';
import type { Merchant, Wallet } from './model.js';
import type { BankAccount, PayoutAccount } from './payout-account.js';
import { walletStatusEffects } from './wallet.js';

/**
 * Money out (docs/operations.md, "Payouts"). A payout takes money out of a merchant's account, or
 * out of a wallet that is being closed, into the `platform:payouts` clearing account, where it
 * waits while the bank transfer is made. The operator then records the bank's answer: PAID_OUT
 * moves it from the clearing account to the float (the money has left the platform, the way
 * top-ups brought it in), FAILED returns it to the account it came from. Pure decisions; each is
 * one transaction in the store, with its journal entry.
 *
 *   REQUESTED ──confirm──▶ PAID_OUT
 *       └──────fail─────▶ FAILED
 */
export type PayoutStatus = 'REQUESTED' | 'PAID_OUT' | 'FAILED';

export interface Payout {
  /** `6` + yyyyMMddHHmmss + 7 digits (domain/ids.ts). */
  readonly payoutId: string;
  /** Exactly one of mchId and walletId: whose money it is. */
  readonly mchId: string | null;
  readonly walletId: string | null;
  /** The operator's own id for the request, unique per merchant: a repeat of it pays nothing twice. */
  readonly requestId: string | null;
  readonly amountSen: number;
  readonly status: PayoutStatus;
  /** Why the bank refused it (FAILED only), as the operator recorded it. */
  readonly failReason: string | null;
  readonly requestedAtMs: number;
  readonly finishedAtMs: number | null;
  /**
   * Where the money goes: the merchant's payout account as it was when the payout was requested
   * (domain/payout-account.ts). Null for a closed wallet's payout (the operator pays its holder as
   * its own process says) and for a merchant's payout requested before payout accounts existed.
   */
  readonly destination: BankAccount | null;
  /**
   * When the merchant's payout account it copied was set. Null for a closed wallet's (the operator
   * typed the holder's account at the close) and for payouts requested before this was recorded.
   */
  readonly accountSetAtMs: number | null;
  /**
   * The payout file (domain/payout-file.ts) it was first put in, for finance to take to the bank;
   * null: in none yet. A payout is put in one new file only, so no transfer is made twice.
   */
  readonly fileNo: number | null;
}

/**
 * A payout account set less than this before a payout was requested is new to finance, which is
 * told so before it transfers: a changed account is how a stolen password would redirect money,
 * and a day leaves the owner time to see the change (docs/operations.md, "Payout accounts").
 */
export const NEW_PAYOUT_ACCOUNT_MS = 24 * 60 * 60 * 1000;

/**
 * How long before the payout's request its account was set, when that makes the account new (under
 * a day) and the transfer is still to make (REQUESTED); else null.
 */
export function newAccountAgeMs(p: Payout): number | null {
  if (p.status !== 'REQUESTED' || p.accountSetAtMs === null || p.destination === null) return null;
  const age = p.requestedAtMs - p.accountSetAtMs;
  return age < NEW_PAYOUT_ACCOUNT_MS ? Math.max(0, age) : null;
}

/** Longest request id (the operator's free text; the fail reason's is MAX_REASON_LENGTH). */
export const MAX_PAYOUT_REQUEST_ID_LENGTH = 64;

/** The ledger account a payout's money comes from, and returns to when it fails. */
export function payoutAccount(payout: Payout): AccountId {
  if (payout.mchId !== null) return merchantAccount(payout.mchId);
  assert(payout.walletId !== null, 'a payout belongs to a merchant or a wallet');
  return walletAccount(payout.walletId);
}

/** A payout moves only REQUESTED → PAID_OUT or REQUESTED → FAILED; it is born REQUESTED. */
export function assertPayoutTransition(from: PayoutStatus | null, to: PayoutStatus): void {
  const legal = from === null ? to === 'REQUESTED' : from === 'REQUESTED' && to !== 'REQUESTED';
  assert(legal, `a payout moves ${from ?? '(new)'} → ${to} only along REQUESTED → PAID_OUT | FAILED`);
}

/** The entry of each step: into the clearing account, out of the platform, or back. */
function payoutEntry(payout: Payout, step: 'payout' | 'payout_paid' | 'payout_returned', nowMs: number) {
  const [from, to] =
    step === 'payout' ? [payoutAccount(payout), PLATFORM_PAYOUTS]
      : step === 'payout_paid' ? [PLATFORM_PAYOUTS, PLATFORM_FLOAT]
        : [PLATFORM_PAYOUTS, payoutAccount(payout)];
  const postings = [
    { accountId: from, amountSen: -payout.amountSen },
    { accountId: to, amountSen: payout.amountSen },
  ];
  // A store locks an entry's accounts in the order of its postings, and its one lock order puts
  // the clearing account after a merchant's or wallet's (pg-store.ts): the account comes first.
  if (step === 'payout_returned') postings.reverse();
  return journalEntry(step, { payoutId: payout.payoutId }, postings, nowMs);
}

function requestEffects(payout: Payout, nowMs: number): Effect[] {
  return [{ kind: 'insertPayout', payout }, { kind: 'book', entry: payoutEntry(payout, 'payout', nowMs) }];
}

// --- a merchant's payout ---------------------------------------------------------------------

export interface PayoutRequest {
  readonly mchId: string;
  readonly amountSen: number;
  readonly requestId: string | null;
}

/** What a merchant's payout is decided on, read with the merchant's whole balance locked. */
export interface PayoutRequestView {
  readonly merchant: Merchant | null;
  readonly balanceSen: number;
  /** The payout already recorded under the request id, if one was given. */
  readonly existing: Payout | null;
  /** Where its payouts go; a change of it waits for this payout's transaction, or this for the change's. */
  readonly payoutAccount: PayoutAccount | null;
}

export type PayoutRequestDecision =
  | { readonly kind: 'requested'; readonly payout: Payout }
  /** The request id was used before for the same amount: that payout, nothing moved again. */
  | { readonly kind: 'repeat'; readonly payout: Payout }
  | { readonly kind: 'rejected'; readonly reason: 'NO_MERCHANT' }
  /** The merchant has no payout account: the money would have nowhere to go. */
  | { readonly kind: 'rejected'; readonly reason: 'NO_PAYOUT_ACCOUNT' }
  | { readonly kind: 'rejected'; readonly reason: 'EXCEEDS_BALANCE'; readonly balanceSen: number }
  | { readonly kind: 'rejected'; readonly reason: 'REQUEST_ID_REUSED'; readonly payout: Payout };

/**
 * A merchant's payout: never more than its balance, which can therefore never go negative; and
 * only to the merchant's payout account, which it copies.
 */
export function decidePayoutRequest(
  req: PayoutRequest,
  view: PayoutRequestView,
  payoutId: string,
  nowMs: number,
): Decided<PayoutRequestDecision> {
  assert(Number.isSafeInteger(req.amountSen) && req.amountSen > 0, 'a payout is a positive whole number of sen');
  if (view.merchant === null) return unchanged({ kind: 'rejected', reason: 'NO_MERCHANT' });
  if (view.existing !== null) {
    const same = view.existing.amountSen === req.amountSen;
    return unchanged(same ? { kind: 'repeat', payout: view.existing } : { kind: 'rejected', reason: 'REQUEST_ID_REUSED', payout: view.existing });
  }
  if (view.payoutAccount === null) return unchanged({ kind: 'rejected', reason: 'NO_PAYOUT_ACCOUNT' });
  if (req.amountSen > view.balanceSen) return unchanged({ kind: 'rejected', reason: 'EXCEEDS_BALANCE', balanceSen: view.balanceSen });
  const { holderName, bankName, accountNumber, setAtMs } = view.payoutAccount;
  const payout: Payout = {
    payoutId, mchId: req.mchId, walletId: null, requestId: req.requestId, amountSen: req.amountSen, status: 'REQUESTED', failReason: null,
    requestedAtMs: nowMs, finishedAtMs: null, destination: { holderName, bankName, accountNumber }, accountSetAtMs: setAtMs, fileNo: null,
  };
  return { result: { kind: 'requested', payout }, effects: requestEffects(payout, nowMs) };
}

// --- the bank's answer -----------------------------------------------------------------------

export type PayoutOutcome = { readonly status: 'PAID_OUT' } | { readonly status: 'FAILED'; readonly reason: string };

export type PayoutFinishDecision =
  | { readonly kind: 'finished'; readonly payout: Payout }
  /** It already has this outcome: nothing moves again. */
  | { readonly kind: 'repeat'; readonly payout: Payout }
  | { readonly kind: 'rejected'; readonly reason: 'NOT_FOUND' }
  /** It already has the other outcome, which is final. */
  | { readonly kind: 'rejected'; readonly reason: 'NOT_REQUESTED'; readonly payout: Payout };

/** The operator records the bank's answer: the money leaves the platform, or goes back. */
export function decidePayoutFinish(payout: Payout | null, outcome: PayoutOutcome, nowMs: number): Decided<PayoutFinishDecision> {
  if (payout === null) return unchanged({ kind: 'rejected', reason: 'NOT_FOUND' });
  if (payout.status !== 'REQUESTED') {
    return unchanged(payout.status === outcome.status ? { kind: 'repeat', payout } : { kind: 'rejected', reason: 'NOT_REQUESTED', payout });
  }
  const to: Payout = { ...payout, status: outcome.status, failReason: outcome.status === 'FAILED' ? outcome.reason : null, finishedAtMs: nowMs };
  const entry = payoutEntry(payout, outcome.status === 'PAID_OUT' ? 'payout_paid' : 'payout_returned', nowMs);
  return { result: { kind: 'finished', payout: to }, effects: [{ kind: 'movePayout', from: payout, to }, { kind: 'book', entry }] };
}

// --- closing a wallet ------------------------------------------------------------------------

/** A wallet closed, and the payout of what it held (null: it held nothing). */
export interface WalletClosing {
  readonly wallet: Wallet;
  readonly payout: Payout | null;
}

/** Closing refused: payments wait for the holder's confirmation, and their money is held. */
export class WalletHoldsPendingError extends Error {
  override name = 'WalletHoldsPendingError';
}

/** Closing refused: refunds to the wallet are in process, and would fail WALLET_CLOSED. */
export class WalletRefundsInProcessError extends Error {
  override name = 'WalletRefundsInProcessError';
}

/** What a close is decided on: the wallet with its balance locked, and the refunds on their way to it. */
export interface WalletToClose {
  readonly wallet: Wallet;
  /** The sum of the REFUND_IN_PROCESS refunds of the wallet's orders. */
  readonly refundsInProcessSen: number;
}

/**
 * Closing a wallet (or closing it again) pays out everything it holds to its holder, through the
 * clearing account, so no money is stranded in an account that can never pay again. A wallet with
 * payments awaiting confirmation is not closed (thrown, so nothing is written): their holds would
 * come back to a closed wallet if they failed; decline them or let them time out first. Nor is
 * one with refunds to it in process: they would fail WALLET_CLOSED and the holder never get them.
 * `destination` is the holder's bank account when the operator was given one (null: the operator
 * pays the holder by its own means, such as cash at the desk).
 */
export function decideWalletClose(
  { wallet, refundsInProcessSen }: WalletToClose, payoutId: string, nowMs: number, destination: BankAccount | null = null,
): Decided<WalletClosing> {
  if (refundsInProcessSen > 0) {
    throw new WalletRefundsInProcessError(
      `wallet ${wallet.walletId} has ${formatSen(refundsInProcessSen)} of refunds to it in process; ` +
        "they must finish (a running server's refund finisher ends them) before it is closed",
    );
  }
  if (wallet.heldSen > 0) {
    throw new WalletHoldsPendingError(
      `wallet ${wallet.walletId} has ${formatSen(wallet.heldSen)} held for payments awaiting confirmation; ` +
        'they must be confirmed, declined or time out before it is closed',
    );
  }
  // Closing also ends the wallet's page sessions and links (walletStatusEffects), in this transaction.
  const effects: Effect[] = wallet.status === 'closed' ? [] : walletStatusEffects(wallet.walletId, 'closed', nowMs);
  if (wallet.balanceSen === 0) return { result: { wallet: { ...wallet, status: 'closed' }, payout: null }, effects };
  const payout: Payout = {
    payoutId, mchId: null, walletId: wallet.walletId, requestId: null, amountSen: wallet.balanceSen,
    status: 'REQUESTED', failReason: null, requestedAtMs: nowMs, finishedAtMs: null, destination, accountSetAtMs: null, fileNo: null,
  };
  return {
    result: { wallet: { ...wallet, status: 'closed', balanceSen: 0 }, payout },
    effects: [...effects, ...requestEffects(payout, nowMs)],
  };
}
