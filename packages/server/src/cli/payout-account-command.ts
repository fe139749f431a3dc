import type { BankAccount, PayoutAccount } from '../domain/payout-account.js';
import { defineCommand } from './command-line.js';
import { badInput, cliActing, notFound, timeText, UsageError } from './common.js';
import type { Config } from '../config.js';

/** The options' names for the fields of a bank account, as badInput names them back. */
export const BANK_FLAGS: Record<keyof BankAccount, string> = { holderName: 'holder', bankName: 'bank', accountNumber: 'account' };

export const BANK_OPTIONS = {
  holder: { type: 'string', value: 'NAME', help: 'the account holder, as the bank knows it' },
  bank: { type: 'string', value: 'NAME', help: 'the bank' },
  account: { type: 'string', value: 'NUMBER', help: 'the IBAN or account number' },
} as const;

function accountText(a: PayoutAccount | null, mchId: string, config: Config): string {
  if (a === null) return `Merchant ${mchId} has no payout account: its payouts are refused (9044) until one is set.`;
  return `Payouts of merchant ${mchId} go to ${a.holderName}, ${a.bankName}, account ${a.accountNumber} (set ${timeText(a.setAtMs, config)}).`;
}

function accountJson(a: PayoutAccount | null) {
  return a === null ? null : { holderName: a.holderName, bankName: a.bankName, accountNumber: a.accountNumber, setAtMs: String(a.setAtMs) };
}

/**
 * `merchant payout-account`: where a merchant's payouts go (docs/operations.md, "Payout
 * accounts"). With no option it shows the account; with all three it sets it, as the merchant's
 * owner does in the console. The rule is the store's (bankAccountOf); the change is audited.
 */
export const payoutAccountCommand = defineCommand({
  name: 'merchant payout-account',
  summary: "show or set where a merchant's payouts go: holder, bank and account number (IBAN or local)",
  details: [
    'Each payout copies the account when it is requested; changing it later does not move payouts already',
    'requested. The account number is kept without spaces or hyphens; an IBAN must have matching check digits.',
  ].join('\n'),
  positionals: [{ name: 'MCHID', help: 'the merchant' }],
  options: BANK_OPTIONS,
  store: 'existing',
  async run({ args, options, store, out, config }) {
    const mchId = args.MCHID;
    const given = [options.holder, options.bank, options.account].filter((v) => v !== undefined).length;
    if (given === 0) {
      if ((await store.findMerchant(mchId)) === null) return notFound(`merchant ${mchId}`);
      const account = await store.findPayoutAccount(mchId);
      out.show({ mchId, payoutAccount: accountJson(account) }, accountText(account, mchId, config));
      return 0;
    }
    if (given < 3) throw new UsageError('merchant payout-account sets --holder, --bank and --account together');
    const typed = { holderName: options.holder!, bankName: options.bank!, accountNumber: options.account! };
    const changed = await store.setPayoutAccount(mchId, typed, cliActing());
    if (changed.kind === 'invalid') return badInput({ field: BANK_FLAGS[changed.field], problem: changed.problem });
    if (changed.kind === 'rejected') return notFound(`merchant ${mchId}`);
    const note = changed.kind === 'unchanged' ? ' It was so already: nothing changed.' : '';
    out.show({ mchId, payoutAccount: accountJson(changed.account), changed: changed.kind === 'set' }, accountText(changed.account, mchId, config) + note);
    return 0;
  },
});
