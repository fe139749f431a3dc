import { accountNumberElement, type BankAccount } from '../console/bank-account.js';
import type { ConsoleContext } from '../console/section.js';
import { ask, facts, heading, timeText } from './controls.js';
import { payoutAccountForm } from './payout-account-form.js';
import type { MerchantUser } from './who.js';

/**
 * The Payout account part of Balance & payouts (docs/consoles.md): the bank account the merchant's
 * payouts go to, for everyone signed in (a cashier sees the number's last four characters, as the
 * server answers it), and for the owner the form that sets it. Without one no payout can be
 * requested (9044), so the part says so.
 */
export interface PayoutAccount extends BankAccount {
  readonly setAtMs: number;
}

export interface PayoutAccountPart {
  readonly elements: HTMLElement[];
  /** Reads the account and shows it; `known` hears of it, now and after every change. */
  load(): Promise<void>;
}

/** `status`: the section's status line, where a failed read is said. */
export function payoutAccountPart(
  ctx: ConsoleContext<MerchantUser>, status: HTMLElement, known: (account: PayoutAccount | null) => void,
): PayoutAccountPart {
  const shown = document.createElement('div');
  const form = ctx.who.role === 'owner' ? payoutAccountForm(ctx, show) : null;
  return {
    elements: [heading('Payout account'), shown, ...(form?.elements ?? [])],
    async load() {
      const a = await ask<{ payoutAccount: PayoutAccount | null }>(status, `${ctx.api}balance/payout-account`);
      if (a !== null) show(a.payoutAccount);
    },
  };

  function show(account: PayoutAccount | null): void {
    shown.replaceChildren(account === null ? noAccount(ctx.who.role) : accountFacts(account));
    form?.showFor(account);
    known(account);
  }
}

function noAccount(role: MerchantUser['role']): HTMLParagraphElement {
  const next = role === 'owner' ? 'Set one below' : 'The owner sets it';
  return Object.assign(document.createElement('p'), {
    textContent: `No payout account is set. Payouts need one: until it is set, no payout can be requested. ${next}.`,
  });
}

/** On a phone the number gets the screen's width under its label (console.css `.account-facts`), not a broken half. */
function accountFacts(account: PayoutAccount): HTMLDListElement {
  const dl = facts([
    ['Account holder', account.holderName],
    ['Bank', account.bankName],
    ['Account number', account.accountNumber],
    ['Set', timeText(account.setAtMs)],
  ]);
  dl.classList.add('account-facts');
  dl.querySelectorAll('dd')[2]!.replaceChildren(accountNumberElement(account.accountNumber));
  return dl;
}
