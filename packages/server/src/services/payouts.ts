import type { Decided } from '../domain/effects.js';
import type { PayoutIdSource } from '../domain/ids.js';
import {
  decidePayoutFinish,
  decidePayoutRequest,
  decideWalletClose,
  type PayoutFinishDecision,
  type PayoutOutcome,
  type PayoutRequest,
  type PayoutRequestDecision,
  type WalletClosing,
} from '../domain/payout.js';
import { retryOnIdClash } from '../store/id-clash.js';
import type { StorePort } from '../store/port.js';

/**
 * Money out (domain/payout.ts), each step one transaction. A request runs again when the payout
 * id drawn, or the operator's request id, was taken by another writer meanwhile (id-clash.ts):
 * the rerun then answers the other's payout as a repeat.
 */
export function requestPayout(port: StorePort, ids: PayoutIdSource, req: PayoutRequest): Promise<PayoutRequestDecision> {
  return retryOnIdClash(() =>
    port.decide({ view: 'payoutRequest', mchId: req.mchId, requestId: req.requestId }, (view, nowMs) =>
      decidePayoutRequest(req, view, ids.next(nowMs), nowMs),
    ),
  );
}

/** The bank's answer, recorded once: a second confirm (or fail) of the same payout changes nothing. */
export function finishPayout(port: StorePort, payoutId: string, outcome: PayoutOutcome): Promise<PayoutFinishDecision> {
  return port.decide({ view: 'payout', payoutId }, (payout, nowMs) => decidePayoutFinish(payout, outcome, nowMs));
}

/**
 * Closes a wallet and pays out what it holds, in one transaction that locks the wallet and its
 * balance, so no payment or refund lands between the read of the balance and the payout of it.
 * Refused while refunds to it are in process (domain/payout.ts).
 * null: no such wallet.
 */
export function closeWallet(port: StorePort, ids: PayoutIdSource, walletId: string): Promise<WalletClosing | null> {
  return retryOnIdClash(() =>
    port.decide({ view: 'walletToClose', walletId }, (view, nowMs): Decided<WalletClosing | null> =>
      view === null ? { result: null, effects: [] } : decideWalletClose(view, ids.next(nowMs), nowMs),
    ),
  );
}
