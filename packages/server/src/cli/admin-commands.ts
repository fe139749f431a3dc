import { Secret } from '@micropay/protocol';
import { describeOperatorRole, isOperatorRole, OPERATOR_ROLES, type OperatorRole } from '@micropay/protocol/operator-roles';
import type { Config } from '../config.js';
import { accountLockEndsAt, hashPin, isAccountLocked } from '../domain/credentials.js';
import { hasActiveAdmin, OPERATOR_NAME, type OperatorSummary } from '../domain/operator.js';
import { newCashierPassword } from '../domain/page-access.js';
import { newTotpSecret, otpauthUri } from '../domain/totp.js';
import { defineCommand, type CommandGroup, type OptionSpec } from './command-line.js';
import { cliActing, CommandFailed, notFound, timeText, UsageError } from './common.js';

/**
 * The platform's operators, who sign in to /admin (docs/consoles.md). The password is generated
 * and printed once; with --totp so is the authenticator's secret (and its otpauth:// URI), which
 * the store keeps encrypted under the master key.
 */
const NAME = {
  name: { type: 'string', value: 'NAME', required: true, help: 'the operator\'s sign-in name (1 to 40 letters, digits, ".", "_", "-")' },
} as const satisfies Record<string, OptionSpec>;

const ROLE = {
  type: 'string', value: 'ROLE',
  help: `what the operator may change at /admin: ${OPERATOR_ROLES.join(', ')} (docs/consoles.md, "Operator roles")`,
} as const satisfies OptionSpec;

function roleOf(role: string): OperatorRole {
  if (!isOperatorRole(role)) throw new UsageError(`--role must be one of ${OPERATOR_ROLES.join(', ')}`);
  return role;
}

function nameOf(name: string): string {
  if (!OPERATOR_NAME.test(name)) throw new UsageError('--name must be 1 to 40 letters, digits, ".", "_" or "-", starting with a letter or digit');
  return name;
}

/** What is shown once: the password, and the TOTP secret when a new one was drawn. */
function secretsShown(name: string, password: string, totp: string | null): { json: Record<string, unknown>; text: string } {
  const lines = [`Sign in at /admin as ${name} with password ${password}   (shown once)`];
  if (totp !== null) {
    lines.push(`TOTP secret ${totp}   (shown once: add it to an authenticator app)`, `  ${otpauthUri(name, totp)}`);
  }
  return { json: { name, password, ...(totp === null ? {} : { totpSecret: totp, otpauthUri: otpauthUri(name, totp) }) }, text: lines.join('\n') };
}

const create = defineCommand({
  name: 'admin create',
  summary: 'create an operator of the /admin console (prints its password, and TOTP secret, once)',
  positionals: [],
  options: {
    ...NAME,
    role: { ...ROLE, help: `${ROLE.help}; admin when not given` },
    totp: { type: 'boolean', help: 'require an authenticator code at sign-in (prints the secret to add to the app)' },
  },
  store: 'existing',
  async run({ options, store, out }) {
    const name = nameOf(options.name);
    const role = roleOf(options.role ?? 'admin');
    const password = newCashierPassword();
    const totp = options.totp ? newTotpSecret() : null;
    const created = await store.createOperator(name, await hashPin(password), totp === null ? null : new Secret(totp), { acting: cliActing(), role });
    if (created === 'NAME_TAKEN') throw new CommandFailed(`an operator named ${name} exists already`);
    const shown = secretsShown(name, password, totp);
    out.show({ ...shown.json, role }, `Operator ${name} created, role ${role}: ${describeOperatorRole(role)}.\n${shown.text}`);
    return 0;
  },
});

const reset = defineCommand({
  name: 'admin reset',
  summary: 'give an operator a new password (prints it, once) and unlock it; --totp draws a new TOTP secret, --no-totp removes it',
  positionals: [],
  options: {
    ...NAME,
    totp: { type: 'boolean', help: 'draw a new TOTP secret (printed once); the old one stops working' },
    'no-totp': { type: 'boolean', help: 'sign in with the password alone from now on' },
  },
  store: 'existing',
  async run({ options, store, out }) {
    const name = nameOf(options.name);
    if (options.totp && options['no-totp']) throw new UsageError('--totp and --no-totp cannot both be given');
    const password = newCashierPassword();
    const totp = options.totp ? newTotpSecret() : null;
    const change = options.totp ? new Secret(totp!) : options['no-totp'] ? null : undefined;
    const op = await store.resetOperator(name, await hashPin(password), change, cliActing());
    if (op === null) return notFound(`operator ${name}`);
    const shown = secretsShown(name, password, totp);
    // The password is set either way; a disabled operator signs in with it once enabled again.
    const disabled = op.disabledAtMs === null ? '' : `\nOperator ${name} is disabled: it signs in with this once enabled (micropay admin enable --name ${name}).`;
    out.show(shown.json, `Operator ${name} has a new password; the old one no longer works and its sessions have ended.\n${shown.text}${disabled}`);
    return 0;
  },
});

const signOut = defineCommand({
  name: 'admin sign-out',
  summary: 'end every /admin session of an operator (a lost laptop, a shared screen); the password stays',
  positionals: [],
  options: NAME,
  store: 'existing',
  async run({ options, store, out }) {
    const name = nameOf(options.name);
    const op = await store.signOutOperator(name, cliActing());
    if (op === null) return notFound(`operator ${name}`);
    out.show({ name }, `Operator ${name} is signed out everywhere.`);
    return 0;
  },
});

const setRole = defineCommand({
  name: 'admin set-role',
  summary: 'change what an operator may change at /admin; it applies from the operator\'s next request',
  positionals: [],
  options: { ...NAME, role: { ...ROLE, required: true } },
  store: 'existing',
  async run({ options, store, out }) {
    const name = nameOf(options.name);
    const role = roleOf(options.role);
    const changed = await store.setOperatorRole(name, role, cliActing());
    if (changed === null) return notFound(`operator ${name}`);
    const said = changed.was === role ? `Operator ${name} is ${role} already: nothing changed.` : `Operator ${name} is now ${role} (was ${changed.was}): ${describeOperatorRole(role)}.`;
    out.show({ name, role, was: changed.was }, said);
    return 0;
  },
});

/** `admin disable` / `enable`: someone who left (or the sandbox's operator) signs in nowhere; enabling lets them in with the password they had. */
function statusCommand(to: 'active' | 'disabled') {
  return defineCommand({
    name: to === 'disabled' ? 'admin disable' : 'admin enable',
    summary: to === 'disabled'
      ? 'disable an operator: its sessions end and its sign-ins answer 9024 until enabled; its log rows stay'
      : 'enable a disabled operator again, with the password it had',
    positionals: [],
    options: NAME,
    store: 'existing',
    async run({ options, store, out }) {
      const name = nameOf(options.name);
      const change = await store.setOperatorStatus(name, to, cliActing());
      if (change === null) return notFound(`operator ${name}`);
      const said = !change.changed ? `Operator ${name} is ${to === 'disabled' ? 'disabled' : 'active'} already: nothing changed.`
        : to === 'disabled' ? `Operator ${name} is disabled: its sessions have ended and its sign-ins answer 9024.`
          : `Operator ${name} is enabled: it signs in with the password it had.`;
      const warning = !hasActiveAdmin(await store.listOperators()) ? 'no active admin operator is left: the operator console can no longer manage merchants or wallets\' accounts (admin enable, or admin create --role admin)' : null;
      out.show({ name, status: to, changed: change.changed, warning }, warning === null ? said : `${said}\nWarning: ${warning}`);
      return 0;
    },
  });
}

const list = defineCommand({
  name: 'admin list',
  summary: 'list the operators: name, role, TOTP on or off, locked or disabled or not',
  positionals: [],
  options: {},
  store: 'existing',
  async run({ store, out, config }) {
    const operators = await store.listOperators();
    const row = (o: OperatorSummary) => ({
      name: o.name, role: o.role, totp: o.totpOn, locked: isAccountLocked(o, Date.now()), lockedUntilMs: nullableMs(accountLockEndsAt(o, Date.now())), disabledAtMs: o.disabledAtMs === null ? null : String(o.disabledAtMs), createdAtMs: String(o.createdAtMs),
    });
    const text = operators.length === 0 ? 'No operators yet: micropay admin create --name NAME [--totp]'
      : operatorLines(operators, Date.now(), config);
    out.show({ operators: operators.map(row) }, text);
    return 0;
  },
});

/** A time in the JSON's form (milliseconds as a string), or null. */
const nullableMs = (ms: number | null): string | null => (ms === null ? null : String(ms));

export const adminCommands: CommandGroup = { title: 'Operators of the /admin console', commands: [create, reset, setRole, signOut, statusCommand('disabled'), statusCommand('active'), list] };

/**
 * One line per operator, the columns lined up: names padded to the longest, the state (DISABLED,
 * LOCKED) in a column of its own when any operator has one.
 */
function operatorLines(operators: readonly OperatorSummary[], nowMs: number, config: Config): string {
  const width = Math.max(...operators.map((o) => o.name.length));
  const stateOf = (o: OperatorSummary): string => {
    if (o.disabledAtMs !== null) return 'DISABLED';
    const ends = accountLockEndsAt(o, nowMs);
    // Until when: the lock ends by itself (or now, with admin reset).
    return ends === null ? '' : `LOCKED until ${timeText(ends, config)}`;
  };
  const states = operators.map(stateOf);
  const stateWidth = Math.max(...states.map((s) => s.length));
  return operators.map((o, i) => {
    const lockColumn = stateWidth > 0 ? `${states[i]!.padEnd(stateWidth)}  ` : '';
    return `${o.name.padEnd(width)}  ${o.role.padEnd(7)}  TOTP ${o.totpOn ? 'on ' : 'off'}  ${lockColumn}created ${timeText(o.createdAtMs, config)}`;
  }).join('\n');
}
