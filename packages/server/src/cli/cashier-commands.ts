import { formatSen, MCH_ID } from '@micropay/protocol';
import { hashPin } from '../domain/credentials.js';
import { MERCHANT_ROLES, type MerchantRole } from '../domain/merchant-users.js';
import { CASHIER_NAME, newCashierPassword, type Cashier } from '../domain/page-access.js';
import { defineCommand, type CommandGroup, type OptionSpec } from './command-line.js';
import { amountSen, cliActing, CommandFailed, notFound, UsageError } from './common.js';

/**
 * A merchant's users (docs/consoles.md, docs/pages.md): each belongs to one merchant and signs in
 * with the merchant id, its name and a generated password, printed once and stored as scrypt.
 * `cashier create/reset` are the cashier page's first words for the same accounts; `merchant-user`
 * adds the role (the owner runs the merchant console) and a cashier's refund limit.
 */
const ACCOUNT = {
  'mch-id': { type: 'string', value: 'MCHID', required: true, help: 'the merchant the user belongs to' },
  name: { type: 'string', value: 'NAME', required: true, help: 'the user\'s name, like lane-1 (1 to 40 letters, digits, spaces, ".", "_", "-")' },
} as const satisfies Record<string, OptionSpec>;

const NEW_USER = {
  ...ACCOUNT,
  role: { type: 'string', value: 'ROLE', required: true, help: 'owner (runs the merchant console) or cashier' },
  'refund-limit': { type: 'string', value: 'AMOUNT', help: 'a cashier\'s most per refund, like 20.00 (default: no limit; owners have none)' },
} as const satisfies Record<string, OptionSpec>;

function accountOf(options: { 'mch-id': string; name: string }): { mchId: string; name: string } {
  if (!MCH_ID.test(options['mch-id'])) throw new UsageError('--mch-id must be a merchant id (1 to 19 digits)');
  if (!CASHIER_NAME.test(options.name)) throw new UsageError('--name must be 1 to 40 letters, digits, spaces, ".", "_" or "-", starting with a letter or digit');
  return { mchId: options['mch-id'], name: options.name };
}

function roleOf(role: string, refundLimit: string | undefined): { role: MerchantRole; refundLimitSen: number | null } {
  if (!(MERCHANT_ROLES as readonly string[]).includes(role)) throw new UsageError('--role must be owner or cashier');
  if (refundLimit !== undefined && role === 'owner') throw new UsageError('--refund-limit is for cashiers: an owner has no limit');
  return { role: role as MerchantRole, refundLimitSen: refundLimit === undefined ? null : amountSen(refundLimit, '--refund-limit') };
}

function userJson(c: Cashier, password: string) {
  return { mchId: c.mchId, name: c.name, role: c.role, refundLimit: c.refundLimitSen === null ? null : formatSen(c.refundLimitSen), password };
}

function signInText(c: Cashier, password: string): string {
  const page = c.role === 'owner' ? '/merchant' : '/cashier';
  return `Sign in at ${page} with merchant id ${c.mchId}, ${c.role} ${c.name}, password ${password}   (shown once)`;
}

function roleTitle(c: Cashier): string {
  return c.role === 'owner' ? 'Owner' : 'Cashier';
}

/** `cashier create` and `merchant-user create`: one command body, the first with the role fixed. */
function createCommand(name: 'cashier create' | 'merchant-user create') {
  const withRole = name === 'merchant-user create';
  return defineCommand({
    name,
    summary: withRole ? 'create a merchant\'s owner or cashier (prints its password, once)' : 'create a cashier account for a merchant (prints its password, once)',
    positionals: [],
    options: withRole ? NEW_USER : ACCOUNT,
    store: 'existing',
    async run({ options, store, out }) {
      const { mchId, name: userName } = accountOf(options);
      const o = options as { role?: string; 'refund-limit'?: string };
      const user = withRole ? roleOf(o.role!, o['refund-limit']) : { role: 'cashier' as const, refundLimitSen: null };
      const password = newCashierPassword();
      const created = await store.createCashier(mchId, userName, await hashPin(password), user, cliActing());
      if (created === 'NO_MERCHANT') return notFound(`merchant ${mchId}`);
      if (created === 'NAME_TAKEN') throw new CommandFailed(`merchant ${mchId} already has a user named ${userName}`);
      out.show(userJson(created, password), `${roleTitle(created)} ${userName} of merchant ${mchId} created.\n${signInText(created, password)}`);
      return 0;
    },
  });
}

function resetCommand(name: 'cashier reset' | 'merchant-user reset') {
  return defineCommand({
    name,
    summary: `give a ${name === 'cashier reset' ? 'cashier' : 'merchant user'} a new password (prints it, once); also unlocks the account`,
    positionals: [],
    options: ACCOUNT,
    store: 'existing',
    async run({ options, store, out }) {
      const { mchId, name: userName } = accountOf(options);
      const password = newCashierPassword();
      const user = await store.resetCashierPassword(mchId, userName, await hashPin(password), cliActing());
      if (user === null) return notFound(`user ${userName} of merchant ${mchId}`);
      out.show(userJson(user, password), `${roleTitle(user)} ${userName} of merchant ${mchId} has a new password; the old one no longer works.\n${signInText(user, password)}`);
      return 0;
    },
  });
}

export const cashierCommands: CommandGroup = { title: 'Cashiers', commands: [createCommand('cashier create'), resetCommand('cashier reset')] };
export const merchantUserCommands: CommandGroup = {
  title: 'Merchant users',
  commands: [createCommand('merchant-user create'), resetCommand('merchant-user reset')],
};
