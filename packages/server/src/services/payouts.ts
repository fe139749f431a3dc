import { formatSen } from '@micropay/protocol';
import { audited, type ActingAs } from '../domain/audit-log.js';
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
export function requestPayout(port: StorePort, ids: PayoutIdSource, req: PayoutRequest, acting?: ActingAs): Promise<PayoutRequestDecision> {
  return retryOnIdClash(() =>
    port.decide({ view: 'payoutRequest', mchId: req.mchId, requestId: req.requestId }, (view, nowMs) =>
      audited(decidePayoutRequest(req, view, ids.next(nowMs), nowMs), acting, nowMs, (d) => d.kind !== 'requested' ? null : {
        action: 'payout.request', mchId: req.mchId, subjectId: d.payout.payoutId,
        detail: { amount: formatSen(d.payout.amountSen), requestId: req.requestId },
      }),
    ),
  );
}

/** The bank's answer, recorded once: a second confirm (or fail) of the same payout changes nothing. */
export function finishPayout(port: StorePort, payoutId: string, outcome: PayoutOutcome, acting?: ActingAs): Promise<PayoutFinishDecision> {
  return port.decide({ view: 'payout', payoutId }, (payout, nowMs) =>
    audited(decidePayoutFinish(payout, outcome, nowMs), acting, nowMs, (d) => d.kind !== 'finished' ? null : {
      action: outcome.status === 'PAID_OUT' ? 'payout.confirm' : 'payout.fail',
      mchId: d.payout.mchId, subjectId: payoutId,
      detail: { amount: formatSen(d.payout.amountSen), walletId: d.payout.walletId, reason: d.payout.failReason },
    }));
}

/**
 * Closes a wallet and pays out what it holds, in one transaction that locks the wallet and its
 * balance, so no payment or refund lands between the read of the balance and the payout of it.
 * Refused while refunds to it are in process (domain/payout.ts).
 * null: no such wallet.
 */
export function closeWallet(port: StorePort, ids: PayoutIdSource, walletId: string, acting?: ActingAs): Promise<WalletClosing | null> {
  return retryOnIdClash(() =>
    port.decide({ view: 'walletToClose', walletId }, (view, nowMs): Decided<WalletClosing | null> =>
      view === null ? { result: null, effects: [] } : audited(decideWalletClose(view, ids.next(nowMs), nowMs), acting, nowMs, (c) => ({
        action: 'wallet.close', mchId: null, subjectId: walletId,
        detail: { payoutId: c?.payout?.payoutId ?? null, paidOut: c?.payout ? formatSen(c.payout.amountSen) : null },
      })),
    ),
  );
}
