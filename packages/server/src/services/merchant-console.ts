import { pageLimitOf, PAGE_LIMIT_PROBLEM, payoutCursorOf, payoutCursorText } from '../domain/console-pages.js';
import { MAX_PAYOUT_REQUEST_ID_LENGTH, type Payout, type PayoutRequestDecision } from '../domain/payout.js';
import { printableTextProblem } from '../domain/text.js';
import type { ActingAs } from '../domain/audit-log.js';
import type { Store } from '../store/store.js';
import { positiveAmountOf } from './operator-actions.js';
import { bankAccountOf, type BankAccount, type PayoutAccountChange } from '../domain/payout-account.js';
import type { InvalidBankAccount } from './payouts.js';

/**
 * The merchant console's money (issue 14, "Balance"; issue 15: a merchant may request a payout,
 * which an operator confirms): read models over the store, and the payout request through the
 * same service as `micropay payout create`. Statements are services/statements.ts' merchantDay.
 */

/** Why the console's input cannot be used: the page helper answers it as an invalid parameter. */
export interface Invalid {
  readonly kind: 'invalid';
  readonly problem: string;
}

export interface MerchantBalance {
  /** The merchant's ledger balance: what it may still pay out. */
  readonly availableSen: number;
  /** Payouts REQUESTED and not yet answered by the bank: left the balance, not yet the platform. */
  readonly payoutsRequestedSen: number;
}

/**
 * null: no such merchant. Two reads, not one snapshot: a payout requested between them shows in
 * both sums until the next look (no money is at risk: the request itself locks the balance).
 */
export async function merchantBalance(store: Store, mchId: string): Promise<MerchantBalance | null> {
  const balance = (await store.merchantBalances([mchId])).get(mchId);
  if (balance === undefined) return null;
  return { availableSen: balance, payoutsRequestedSen: await store.requestedPayoutsSen(mchId) };
}

export interface PayoutPage {
  /** Newest first: payoutId, amountSen, status, requestedAtMs, finishedAtMs, failReason. */
  readonly payouts: readonly Payout[];
  /** The cursor of the next (older) page; null on the last page. */
  readonly next: string | null;
}

/** A page of the merchant's payouts, newest first; `cursor` is a page's `next`. */
export async function merchantPayoutPage(
  store: Store, mchId: string, page: { readonly cursor?: string | undefined; readonly limit?: number | undefined },
): Promise<PayoutPage | Invalid> {
  const limit = pageLimitOf(page.limit);
  if (limit === null) return { kind: 'invalid', problem: PAGE_LIMIT_PROBLEM };
  const before = page.cursor === undefined || page.cursor === '' ? null : payoutCursorOf(page.cursor);
  if (before === null && page.cursor) return { kind: 'invalid', problem: 'cursor is not one this list gave' };
  // One more than the page: whether an older page exists, without another query.
  const found = await store.merchantPayouts(mchId, before, limit + 1);
  const payouts = found.slice(0, limit);
  const last = payouts[payouts.length - 1];
  return { payouts, next: found.length > limit && last !== undefined ? payoutCursorText(last) : null };
}

/**
 * The console's "Request payout": the amount as the form sends it ("100.00") and the request id
 * the page made when it drew the form, so a double click, or a retry after a lost answer, answers
 * the payout already made (kind 'repeat') and pays nothing twice. The decision is services/payouts.ts'
 * requestPayout's, as for `micropay payout create --request-id`. `acting` (the signed-in owner) is
 * required: a request that moves money is logged with who made it, a repeat logs nothing.
 */
export async function requestMerchantPayout(
  store: Store, req: { readonly mchId: string; readonly amount: string; readonly requestId: string }, acting: ActingAs,
): Promise<PayoutRequestDecision | Invalid> {
  const amountSen = positiveAmountOf(req.amount, 'amount');
  if (typeof amountSen !== 'number') return { kind: 'invalid', problem: `amount ${amountSen.problem}` };
  const problem = printableTextProblem(req.requestId, MAX_PAYOUT_REQUEST_ID_LENGTH);
  if (problem !== null) return { kind: 'invalid', problem: `requestId ${problem}` };
  return store.requestPayout({ mchId: req.mchId, amountSen, requestId: req.requestId }, acting);
}

/**
 * The console's "Change payout account": whoever changes it decides where the merchant's money
 * goes, so the owner's password is asked again, counted and locked as a sign-in's. The account's
 * rule is checked first, so a mistyped IBAN costs no try.
 */
export async function setMerchantPayoutAccount(
  store: Store, user: { readonly mchId: string; readonly name: string }, typed: BankAccount, password: string, acting: ActingAs,
): Promise<PayoutAccountChange | InvalidBankAccount | { readonly kind: 'wrong' | 'locked' | 'disabled' }> {
  const checked = bankAccountOf(typed);
  if (!checked.ok) return { kind: 'invalid', field: checked.field, problem: checked.problem };
  const proof = await store.checkUserPassword(user.mchId, user.name, password, acting.address, 'payoutAccount');
  if (proof.kind !== 'right') return proof;
  return store.setPayoutAccount(user.mchId, checked.account, acting);
}
