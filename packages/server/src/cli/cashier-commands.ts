import { MCH_ID } from '@micropay/protocol';
import { hashPin } from '../domain/credentials.js';
import { CASHIER_NAME, newCashierPassword, type Cashier } from '../domain/page-access.js';
import { defineCommand, type CommandGroup, type OptionSpec } from './command-line.js';
import { cliActing, CommandFailed, notFound, UsageError } from './common.js';

/**
 * Cashier accounts for the cashier page (docs/pages.md): each belongs to one merchant and signs in
 * with the merchant id, its name and a generated password, printed once and stored as scrypt.
 */
const ACCOUNT = {
  'mch-id': { type: 'string', value: 'MCHID', required: true, help: 'the merchant the cashier takes payments for' },
  name: { type: 'string', value: 'NAME', required: true, help: 'the cashier account\'s name, like lane-1 (1 to 40 letters, digits, spaces, ".", "_", "-")' },
} as const satisfies Record<string, OptionSpec>;

function accountOf(options: { 'mch-id': string; name: string }): { mchId: string; name: string } {
  if (!MCH_ID.test(options['mch-id'])) throw new UsageError('--mch-id must be a merchant id (1 to 19 digits)');
  if (!CASHIER_NAME.test(options.name)) throw new UsageError('--name must be 1 to 40 letters, digits, spaces, ".", "_" or "-", starting with a letter or digit');
  return { mchId: options['mch-id'], name: options.name };
}

function cashierJson(c: Cashier, password: string) {
  return { mchId: c.mchId, name: c.name, password };
}

function signInText(c: Cashier, password: string): string {
  return `Sign in at /cashier with merchant id ${c.mchId}, cashier ${c.name}, password ${password}   (shown once)`;
}

const create = defineCommand({
  name: 'cashier create',
  summary: 'create a cashier account for a merchant (prints its password, once)',
  positionals: [],
  options: ACCOUNT,
  store: 'existing',
  async run({ options, store, out }) {
    const { mchId, name } = accountOf(options);
    const password = newCashierPassword();
    const created = await store.createCashier(mchId, name, await hashPin(password), cliActing());
    if (created === 'NO_MERCHANT') return notFound(`merchant ${mchId}`);
    if (created === 'NAME_TAKEN') throw new CommandFailed(`merchant ${mchId} already has a cashier named ${name}`);
    out.show(cashierJson(created, password), `Cashier ${name} of merchant ${mchId} created.\n${signInText(created, password)}`);
    return 0;
  },
});

const reset = defineCommand({
  name: 'cashier reset',
  summary: "give a cashier a new password (prints it, once); also unlocks the account",
  positionals: [],
  options: ACCOUNT,
  store: 'existing',
  async run({ options, store, out }) {
    const { mchId, name } = accountOf(options);
    const password = newCashierPassword();
    const cashier = await store.resetCashierPassword(mchId, name, await hashPin(password), cliActing());
    if (cashier === null) return notFound(`cashier ${name} of merchant ${mchId}`);
    out.show(cashierJson(cashier, password), `Cashier ${name} of merchant ${mchId} has a new password; the old one no longer works.\n${signInText(cashier, password)}`);
    return 0;
  },
});

export const cashierCommands: CommandGroup = { title: 'Cashiers', commands: [create, reset] };
