import { formatSen, MCH_ID } from '@micropay/protocol';
import { hashPin } from '../domain/credentials.js';
import { hasActiveOwner, MERCHANT_ROLES, userStatus, type MerchantRole, type UserStatus } from '../domain/merchant-users.js';
import { isAccountLocked } from '../domain/credentials.js';
import { CASHIER_NAME, CASHIER_NAME_WORDS, newCashierPassword, type Cashier } from '../domain/page-access.js';
import { isRefused, type UserChange } from '../services/merchant-users.js';
import type { Config } from '../config.js';
import type { Store } from '../store/store.js';
import { defineCommand, type CommandGroup, type OptionSpec } from './command-line.js';
import { amountSen, cliActing, CommandFailed, notFound, timeText, UsageError } from './common.js';

/**
 * A merchant's users (docs/consoles.md, docs/pages.md): each belongs to one merchant and signs in
 * with the merchant id, its name and a generated password, printed once and stored as scrypt.
 * `cashier create/reset` are the cashier page's first words for the same accounts; `merchant-user`
 * adds the role (the owner runs the merchant console) and a cashier's refund limit.
 */
const ACCOUNT = {
  'mch-id': { type: 'string', value: 'MCHID', required: true, help: 'the merchant the user belongs to' },
  name: { type: 'string', value: 'NAME', required: true, help: `the user's name, like lane-1 (${CASHIER_NAME_WORDS})` },
} as const satisfies Record<string, OptionSpec>;

const NEW_USER = {
  ...ACCOUNT,
  role: { type: 'string', value: 'ROLE', required: true, help: 'owner (runs the merchant console) or cashier' },
  'refund-limit': { type: 'string', value: 'AMOUNT', help: 'the most a cashier refunds of one sale, in all, like 20.00 (default: no limit; owners have none)' },
} as const satisfies Record<string, OptionSpec>;

function accountOf(options: { 'mch-id': string; name: string }): { mchId: string; name: string } {
  if (!MCH_ID.test(options['mch-id'])) throw new UsageError('--mch-id must be a merchant id (1 to 19 digits)');
  if (!CASHIER_NAME.test(options.name)) throw new UsageError(`--name must be ${CASHIER_NAME_WORDS}`);
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
      if (isRefused(created)) throw new UsageError(`--name ${created.refused}`);
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
      const user = changed(await store.resetCashierPassword(mchId, userName, await hashPin(password), cliActing()), mchId, userName);
      out.show(userJson(user, password), `${roleTitle(user)} ${userName} of merchant ${mchId} has a new password; the old one no longer works.\n${signInText(user, password)}`);
      return 0;
    },
  });
}

/** A user after a change, or the command fails: no such user, or a rule's refusal (merchant-users.ts). */
function changed(change: UserChange, mchId: string, name: string): Cashier {
  if (change === null) return notFound(`user ${name} of merchant ${mchId}`);
  if (isRefused(change)) throw new CommandFailed(change.refused);
  return change;
}

function statusCommand(to: UserStatus) {
  return defineCommand({
    name: to === 'disabled' ? 'merchant-user disable' : 'merchant-user enable',
    summary: to === 'disabled'
      ? 'disable a merchant\'s user: its sessions end and it signs in nowhere until enabled; its history stays'
      : 'enable a disabled merchant user again, with the password it had',
    positionals: [],
    options: ACCOUNT,
    store: 'existing',
    async run({ options, store, out }) {
      const { mchId, name: userName } = accountOf(options);
      const user = changed(await store.setUserStatus(mchId, userName, to, cliActing()), mchId, userName);
      const said = to === 'disabled'
        ? `${roleTitle(user)} ${userName} of merchant ${mchId} is disabled: its sessions have ended and its sign-ins answer 9024.`
        : `${roleTitle(user)} ${userName} of merchant ${mchId} is enabled: it signs in with the password it had.`;
      const warning = user.role === 'owner' && to === 'disabled' ? await noOwnerLeft(store, mchId) : null;
      out.show({ mchId, name: userName, role: user.role, status: userStatus(user), warning }, warning === null ? said : `${said}\nWarning: ${warning}`);
      return 0;
    },
  });
}

/** Said when the owner just disabled was the merchant's last active one: nobody can manage its users in the console. */
async function noOwnerLeft(store: Store, mchId: string): Promise<string | null> {
  if (hasActiveOwner(await store.listMerchantUsers(mchId))) return null;
  return `merchant ${mchId} has no active owner now: nobody can manage its users in the merchant console until one is enabled (merchant-user enable) or created (merchant-user create --role owner)`;
}

const listCommand = defineCommand({
  name: 'merchant-user list',
  summary: 'list a merchant\'s users: name, role, refund limit, locked or disabled',
  positionals: [],
  options: { 'mch-id': ACCOUNT['mch-id'] },
  store: 'existing',
  async run({ options, store, out, config }) {
    if (!MCH_ID.test(options['mch-id'])) throw new UsageError('--mch-id must be a merchant id (1 to 19 digits)');
    const mchId = options['mch-id'];
    if ((await store.findMerchant(mchId)) === null) return notFound(`merchant ${mchId}`);
    const users = await store.listMerchantUsers(mchId);
    const nowMs = Date.now();
    const row = (c: Cashier) => ({
      name: c.name, role: c.role, refundLimit: c.refundLimitSen === null ? null : formatSen(c.refundLimitSen),
      status: userStatus(c), disabledAtMs: c.disabledAtMs === null ? null : String(c.disabledAtMs), locked: isAccountLocked(c, nowMs),
      createdAtMs: String(c.createdAtMs),
    });
    const text = users.length === 0 ? `Merchant ${mchId} has no users yet: micropay merchant-user create --mch-id ${mchId} --name NAME --role owner` : userLines(users, nowMs, config);
    out.show({ mchId, users: users.map(row) }, text);
    return 0;
  },
});

/** One line a user, owner first: name, role, refund limit, then DISABLED or LOCKED when it is. */
function userLines(users: readonly Cashier[], nowMs: number, config: Config): string {
  const width = Math.max(...users.map((u) => u.name.length));
  return users.map((u) => {
    const limit = u.role === 'owner' ? '' : u.refundLimitSen === null ? 'no refund limit' : `refund limit ${formatSen(u.refundLimitSen)}`;
    const state = [u.disabledAtMs !== null ? `DISABLED since ${timeText(u.disabledAtMs, config)}` : '', isAccountLocked(u, nowMs) ? 'LOCKED' : ''].filter(Boolean).join('  ');
    return [u.name.padEnd(width), u.role.padEnd(7), limit.padEnd(26), `created ${timeText(u.createdAtMs, config)}`, state].join('  ').trimEnd();
  }).join('\n');
}

export const cashierCommands: CommandGroup = { title: 'Cashiers', commands: [createCommand('cashier create'), resetCommand('cashier reset')] };
export const merchantUserCommands: CommandGroup = {
  title: 'Merchant users',
  commands: [createCommand('merchant-user create'), resetCommand('merchant-user reset'), statusCommand('disabled'), statusCommand('active'), listCommand],
};
