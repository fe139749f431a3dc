import { MAX_BANK_TEXT_LENGTH } from '@micropay/protocol/text-limits';
import { callPage } from '../shared/page-api.js';
import { say } from '../shared/page.js';
import { formatTime } from '../shared/time.js';
import { accountNumberElement, bankAccountPhrase, bankAccountRefusal, type BankAccount } from '../console/bank-account.js';
import { askFirst, field, form } from '../console/forms.js';

/**
 * A merchant's payout account in the operator console's Merchants (docs/consoles.md): every role
 * sees it, the number whole for admin and finance and its end for support (the server's rule); an
 * admin (`merchants`) sets it, when the merchant asks by the operator's
 * own checks, after one more question naming the account. The rule is the server's; its refusal
 * is said beside the form. A payout requested within a day of a change is pointed out in Payouts.
 */
interface PayoutAccount extends BankAccount { readonly setAtMs: number }

/** Draws merchant `mchId`'s account into `region`, with the form when `sets`; `status` says the outcome. */
export async function showPayoutAccount(region: HTMLElement, api: string, mchId: string, sets: boolean, status: HTMLElement): Promise<void> {
  const a = await callPage<{ payoutAccount: PayoutAccount | null }>(`${api}merchants/payout-account`, { mchId });
  if (a.data === null) return say(status, a.msg, 'error');
  const heading = Object.assign(document.createElement('h3'), { textContent: `Payout account of merchant ${mchId}`, tabIndex: -1 });
  const confirming = document.createElement('div');
  const note = Object.assign(document.createElement('p'), {
    className: 'help', textContent: 'Set or change it only when the merchant asks, once you have checked that it is the merchant asking: for a day, its payouts show in Payouts as going to a new account.',
  });
  region.replaceChildren(heading, accountView(a.data.payoutAccount), ...(sets ? [note, ...setForm(region, api, mchId, confirming, status), confirming] : []));
  heading.focus();
}

function accountView(account: PayoutAccount | null): HTMLElement {
  if (account === null) return Object.assign(document.createElement('p'), { textContent: 'None set: its payouts are refused (9044) until one is.' });
  const dl = Object.assign(document.createElement('dl'), { className: 'detail' });
  const rows: [string, string | HTMLElement][] = [
    ['Account holder', account.holderName], ['Bank', account.bankName], ['Account number', accountNumberElement(account.accountNumber)], ['Set', formatTime(account.setAtMs)],
  ];
  for (const [term, value] of rows) {
    const dd = document.createElement('dd');
    dd.append(value);
    dl.append(Object.assign(document.createElement('dt'), { textContent: term }), dd);
  }
  return dl;
}

/** The form, then where its refusal is said (under the form's row of fields, not in it). */
function setForm(region: HTMLElement, api: string, mchId: string, confirming: HTMLElement, status: HTMLElement): HTMLElement[] {
  const problem = Object.assign(document.createElement('p'), { className: 'field-error' });
  problem.setAttribute('role', 'alert');
  const f = form('merchant-payout-account', `Set the payout account of merchant ${mchId}`, [
    field('payout-holder', 'Account holder', { maxLength: MAX_BANK_TEXT_LENGTH }), field('payout-bank', 'Bank', { maxLength: MAX_BANK_TEXT_LENGTH }),
    field('payout-account', 'IBAN or account number', { maxLength: 50 }),
  ], 'Set payout account', async (v) => {
    const typed = { holderName: v['payout-holder']!, bankName: v['payout-bank']!, accountNumber: v['payout-account']! };
    // A question about what was typed before has no place beside what is typed now.
    confirming.replaceChildren();
    // What was typed is checked first: the question names the account as it will be kept.
    const checked = await callPage<{ account: BankAccount }>(`${api}merchants/check-payout-account`, typed);
    if (checked.data === null) return refused(checked.msg);
    askFirst(confirming, `Send the payouts of merchant ${mchId} to ${bankAccountPhrase(checked.data.account)} from now on? Payouts already requested keep their account.`,
      `Set the account of ${mchId}`, async () => {
        const a = await callPage<{ payoutAccount: PayoutAccount; changed: boolean }>(`${api}merchants/set-payout-account`, { mchId, ...typed });
        if (a.data === null) return refused(a.msg);
        const where = bankAccountPhrase(a.data.payoutAccount);
        await showPayoutAccount(region, api, mchId, true, status);
        say(status, a.data.changed ? `Payouts of merchant ${mchId} now go to ${where}.` : `Payouts of merchant ${mchId} went to ${where} already: nothing changed.`);
        status.focus();
      }, 'Keep the account');
  });
  f.addEventListener('input', () => { problem.textContent = ''; });
  return [f, problem];

  /** A refusal said under the form, the field it names focused. */
  function refused(msg: string): void {
    const refusal = bankAccountRefusal(msg);
    say(problem, refusal.words, 'error');
    f.querySelector<HTMLInputElement>(`#${FIELD_IDS[refusal.field ?? 'accountNumber']}`)?.focus();
  }
}

const FIELD_IDS: Readonly<Record<keyof BankAccount, string>> = { holderName: 'payout-holder', bankName: 'payout-bank', accountNumber: 'payout-account' };
