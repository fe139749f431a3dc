import { formatSen } from '@micropay/protocol';
import { audited, auditText, type ActingAs, type AuditRecord } from '../domain/audit-log.js';
import type { Decided } from '../domain/effects.js';
import type { PayoutIdSource } from '../domain/ids.js';
import {
  decidePayoutFinish,
  decidePayoutRequest,
  decideWalletClose,
  type Payout,
  type PayoutFinishDecision,
  type PayoutOutcome,
  type PayoutRequest,
  type PayoutRequestDecision,
  type WalletClosing,
} from '../domain/payout.js';
import { bankAccountOf, decidePayoutAccountChange, maskedAccountNumber, type BankAccount, type PayoutAccountChange } from '../domain/payout-account.js';
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
    audited(decidePayoutFinish(payout, outcome, nowMs), acting, nowMs, (d) => (d.kind !== 'finished' ? null : payoutFinishedRecord(d.payout))));
}

/** The audit row of a payout's outcome (`payout.confirm` or `payout.fail`), one at a time or with its file (`file`). */
export function payoutFinishedRecord(p: Payout, file?: number): AuditRecord {
  return {
    action: p.status === 'PAID_OUT' ? 'payout.confirm' : 'payout.fail', mchId: p.mchId, subjectId: p.payoutId,
    detail: { amount: formatSen(p.amountSen), walletId: p.walletId, reason: auditText(p.failReason), ...(file === undefined ? {} : { file }) },
  };
}

/**
 * Closes a wallet and pays out what it holds, in one transaction that locks the wallet and its
 * balance, so no payment or refund lands between the read of the balance and the payout of it.
 * Refused while refunds to it are in process (domain/payout.ts).
 * null: no such wallet.
 */
export function closeWallet(
  port: StorePort, ids: PayoutIdSource, walletId: string, acting?: ActingAs, destination: BankAccount | null = null,
): Promise<WalletClosing | null> {
  const to = destination === null ? null : checkedBankAccount(destination);
  return retryOnIdClash(() =>
    port.decide({ view: 'walletToClose', walletId }, (view, nowMs): Decided<WalletClosing | null> =>
      view === null ? { result: null, effects: [] } : audited(decideWalletClose(view, ids.next(nowMs), nowMs, to), acting, nowMs, (c) => ({
        action: 'wallet.close', mchId: null, subjectId: walletId,
        detail: {
          payoutId: c?.payout?.payoutId ?? null, paidOut: c?.payout ? formatSen(c.payout.amountSen) : null,
          to: c?.payout?.destination ? maskedAccountNumber(c.payout.destination.accountNumber) : null,
        },
      })),
    ),
  );
}

/** The account as bankAccountOf keeps it; callers checked it first (a wrong one is their defect, thrown). */
function checkedBankAccount(typed: BankAccount): BankAccount {
  const checked = bankAccountOf(typed);
  if (!checked.ok) throw new Error(`the caller checks the account first: ${checked.field} ${checked.problem}`);
  return checked.account;
}

/**
 * A bank account typed at a close (the holder's, optional): all three fields or none. Null: none
 * given; else the checked account, or which field is wrong and why.
 */
export function optionalBankAccount(typed: Partial<BankAccount>): BankAccount | null | InvalidBankAccount {
  const given = (['holderName', 'bankName', 'accountNumber'] as const).filter((f) => typed[f] !== undefined && typed[f] !== '');
  if (given.length === 0) return null;
  const missing = (['holderName', 'bankName', 'accountNumber'] as const).find((f) => !given.includes(f));
  if (missing !== undefined) return { kind: 'invalid', field: missing, problem: 'is required: a bank account takes its holder, its bank and its number, all three' };
  const checked = bankAccountOf(typed as BankAccount);
  return checked.ok ? checked.account : { kind: 'invalid', field: checked.field, problem: checked.problem };
}

/** A payout account that breaks bankAccountOf's rule: which field, and why. Nothing was written. */
export interface InvalidBankAccount {
  readonly kind: 'invalid';
  readonly field: keyof BankAccount;
  readonly problem: string;
}

/**
 * Where the merchant's payouts go from now on (domain/payout-account.ts), as typed: the rule is
 * checked here, for the console and the CLI alike. The log names the holder and bank and the
 * number's last four characters, with the last four of the account it replaced.
 */
export function setPayoutAccount(port: StorePort, mchId: string, typed: BankAccount, acting?: ActingAs): Promise<PayoutAccountChange | InvalidBankAccount> {
  const checked = bankAccountOf(typed);
  if (!checked.ok) return Promise.resolve({ kind: 'invalid', field: checked.field, problem: checked.problem });
  return port.decide({ view: 'payoutAccount', mchId }, (view, nowMs) =>
    audited(decidePayoutAccountChange(view, checked.account, nowMs), acting, nowMs, (d) => d.kind !== 'set' ? null : {
      action: 'merchant.setPayoutAccount', mchId, subjectId: mchId,
      detail: {
        holderName: auditText(d.account.holderName), bankName: auditText(d.account.bankName), accountNumber: maskedAccountNumber(d.account.accountNumber),
        was: d.was === null ? null : maskedAccountNumber(d.was.accountNumber),
      },
    }));
}
