import { formatSen, formatWireTime } from '@micropay/protocol';
import { merchantNameProblem } from '../domain/merchant.js';
import { DEFAULT_KEY_OVERLAP_MS } from '../domain/merchant-keys.js';
import type { Merchant } from '../domain/model.js';
import { NOTIFY_URL_PROBLEM, NotifyUrlError } from '../notify/message.js';
import { notifyUrlWarning } from '../notify/destinations.js';
import type { Config } from '../config.js';
import { createOrImportMerchant, isBadInput, MAX_KEY_OVERLAP_HOURS, notifyUrlOf, rollKey } from '../services/operator-actions.js';
import { isSandboxStore } from '../sandbox.js';
import { MerchantIdTakenError, type Store } from '../store/store.js';
import { defineCommand, type CommandGroup } from './command-line.js';
import { payoutAccountCommand } from './payout-account-command.js';
import { badInput, cliActing, CommandFailed, notFound, timeText, UsageError } from './common.js';

/** The operator's merchant commands: create (or import), update, show, list, disable, enable, roll-key. */

const MCHID = { name: 'MCHID', help: 'the merchant id' } as const;

/** `--notify-url URL` sets it, `--notify-url ""` clears it, no flag leaves it as it is (undefined). */
function notifyUrlOption(value: string | undefined): string | null | undefined {
  const url = notifyUrlOf(value);
  return isBadInput(url) ? badInput(url) : url;
}

function merchantJson(m: Merchant) {
  return { mchId: m.mchId, name: m.name, status: m.status, notifyUrl: m.notifyUrl };
}

function notifyText(m: Merchant): string {
  return m.notifyUrl === null ? 'no notifications (no notify URL)' : `notifications go to ${m.notifyUrl}`;
}

/** A notify URL this platform will not post to, as configured, is said at once, not found in the logs later. */
async function withWarning(json: Record<string, unknown>, text: string, m: Merchant, config: Config, store: Store): Promise<[Record<string, unknown>, string]> {
  const warning = await cliNotifyWarning(m.notifyUrl, config, store);
  return [{ ...json, warning }, warning === null ? text : `${text}\nWarning: ${warning}.`];
}

/**
 * This command is not the server: on a sandbox's store (`npm start`), a loopback receiver is
 * posted to by a server started with --sandbox, so the warning says when it holds, not "never".
 */
async function cliNotifyWarning(url: string | null, config: Config, store: Store): Promise<string | null> {
  const warning = notifyUrlWarning(url, config.notifyPrivateNetworks);
  if (warning === null || config.sandbox || notifyUrlWarning(url, config.notifyPrivateNetworksInSandbox) !== null) return warning;
  if (!(await isSandboxStore(store))) return warning;
  return `${warning}, unless the server runs with --sandbox (as npm start does), which lets loopback receive`;
}

const create = defineCommand({
  name: 'merchant create',
  summary: 'create a merchant, or import one with its own id and key',
  details: [
    'A new merchant id is the month (yyyyMM, in MICROPAY_TIMEZONE) and a sequence number; a new API key',
    'is 32 characters, shown here only. A merchant moving from another MicroPay platform keeps its',
    'integration unchanged: --mch-id and --key import its id and key (either alone keeps just that one).',
    'An imported key is never printed back.',
  ].join('\n'),
  positionals: [],
  options: {
    name: { type: 'string', value: 'NAME', required: true, help: "the merchant's name, as answers and statements show it" },
    'notify-url': { type: 'string', value: 'URL', help: 'where signed payment and refund notifications are posted' },
    'mch-id': { type: 'string', value: 'MCHID', help: "import: the merchant's id on its old platform (1-19 digits, like 202006001)" },
    key: { type: 'string', value: 'KEY', help: "import: the merchant's API key on its old platform (16-128 printable characters)" },
  },
  store: 'creates',
  async run({ options, store, out, config }) {
    const mchId = options['mch-id'];
    let made: Awaited<ReturnType<typeof createOrImportMerchant>>;
    try {
      made = await createOrImportMerchant(store, { name: options.name, notifyUrl: options['notify-url'], mchId, key: options.key }, cliActing());
    } catch (error) {
      if (error instanceof MerchantIdTakenError) throw new CommandFailed(`merchant ${error.mchId} already exists; nothing was created`);
      throw error;
    }
    if (isBadInput(made)) return badInput(made);
    const { merchant: m, apiKey } = made;
    const how = mchId === undefined ? 'created' : 'imported with its own id';
    out.show(...await withWarning(
      { ...merchantJson(m), ...(apiKey === null ? {} : { apiKey }) },
      apiKey === null
        ? `Merchant ${m.mchId} "${m.name}" ${how}, with the API key given (--key).`
        : `Merchant ${m.mchId} "${m.name}" ${how}.\nAPI key: ${apiKey}   (keep it secret; it signs every request)`,
      m, config, store,
    ));
    return 0;
  },
});

const update = defineCommand({
  name: 'merchant update',
  summary: "rename a merchant, or set or clear its notify URL",
  positionals: [MCHID],
  options: {
    name: { type: 'string', value: 'NAME', help: 'the new name' },
    'notify-url': { type: 'string', value: 'URL', help: 'the new notify URL; "" clears it (no notifications)' },
  },
  store: 'existing',
  async run({ args, options, store, out, config }) {
    // The notify URL's rule is updateMerchant's (services/merchants.ts), the console's too.
    const notifyUrl = options['notify-url'] === '' ? null : options['notify-url'];
    const nameProblem = options.name === undefined ? null : merchantNameProblem(options.name);
    if (nameProblem !== null) throw new UsageError(`--name: ${nameProblem}`);
    if (options.name === undefined && notifyUrl === undefined) throw new UsageError('merchant update needs --name or --notify-url');
    const changes: { name?: string; notifyUrl?: string | null } = {};
    if (options.name !== undefined) changes.name = options.name;
    if (notifyUrl !== undefined) changes.notifyUrl = notifyUrl;
    const m = await store.updateMerchant(args.MCHID, changes, cliActing()).catch((error: unknown) =>
      error instanceof NotifyUrlError ? badInput({ field: 'notify-url', problem: NOTIFY_URL_PROBLEM }) : Promise.reject(error));
    if (m === null) return notFound(`merchant ${args.MCHID}`);
    out.show(...await withWarning(merchantJson(m), `Merchant ${m.mchId} "${m.name}" updated; ${notifyText(m)}.`, m, config, store));
    return 0;
  },
});

const show = defineCommand({
  name: 'merchant show',
  summary: "show a merchant: status, balance, notify URL, key",
  positionals: [MCHID],
  options: {},
  store: 'existing',
  async run({ args, store, out, config }) {
    const m = await store.findMerchant(args.MCHID);
    if (m === null) return notFound(`merchant ${args.MCHID}`);
    const balanceSen = (await store.merchantBalances([m.mchId])).get(m.mchId) ?? 0;
    const lines = [
      `Merchant ${m.mchId} "${m.name}": ${m.status}, balance ${formatSen(balanceSen)}`,
      `Created ${timeText(m.createdAtMs, config)}; ${notifyText(m)}.`,
    ];
    const previous = m.previousKey;
    if (m.keyRolledAtMs !== null && previous !== null) {
      const until = timeText(previous.untilMs, config);
      lines.push(
        `Key rolled ${timeText(m.keyRolledAtMs, config)}; the old key ${previous.untilMs > Date.now() ? 'verifies until' : 'stopped verifying at'} ${until}; ` +
          (m.keyFirstUsedAtMs === null ? 'the new key is not used yet.' : `the new key is in use since ${timeText(m.keyFirstUsedAtMs, config)}.`),
      );
    }
    out.show(
      {
        ...merchantJson(m),
        balance: formatSen(balanceSen),
        createdAtMs: String(m.createdAtMs),
        keyRolledAtMs: m.keyRolledAtMs === null ? null : String(m.keyRolledAtMs),
        previousKeyUntilMs: previous === null ? null : String(previous.untilMs),
        keyFirstUsedAtMs: m.keyFirstUsedAtMs === null ? null : String(m.keyFirstUsedAtMs),
      },
      lines.join('\n'),
    );
    return 0;
  },
});

const list = defineCommand({
  name: 'merchant list',
  summary: 'list every merchant with its status and balance',
  positionals: [],
  options: {},
  store: 'existing',
  async run({ store, out }) {
    const all = await store.listMerchants();
    const balances = await store.merchantBalances();
    const balance = (m: Merchant) => formatSen(balances.get(m.mchId) ?? 0);
    // Columns line up: ids, names and balances padded to the widest in the list.
    const width = (texts: string[]) => Math.max(0, ...texts.map((t) => t.length));
    const idWidth = width(all.map((m) => m.mchId));
    const nameWidth = width(all.map((m) => m.name));
    const balanceWidth = width(all.map(balance));
    const line = (m: Merchant) =>
      `${m.mchId.padEnd(idWidth)}  ${m.status.padEnd(8)}  ${m.name.padEnd(nameWidth)}  balance ${balance(m).padStart(balanceWidth)}` +
      (m.notifyUrl === null ? '' : `  notify ${m.notifyUrl}`);
    out.show(
      { merchants: all.map((m) => ({ ...merchantJson(m), balance: balance(m) })) },
      all.length === 0 ? 'No merchants.' : all.map(line).join('\n'),
    );
    return 0;
  },
});

function statusCommand(verb: 'disable' | 'enable') {
  return defineCommand({
    name: `merchant ${verb}`,
    summary: verb === 'disable' ? "lock a merchant out: its requests answer 1022" : 'let a disabled merchant use the API again',
    positionals: [MCHID],
    options: {},
    store: 'existing',
    async run({ args, store, out }) {
      const m = await store.setMerchantStatus(args.MCHID, verb === 'disable' ? 'disabled' : 'active', cliActing());
      if (m === null) return notFound(`merchant ${args.MCHID}`);
      out.show(merchantJson(m), `Merchant ${m.mchId} is ${m.status}.`);
      return 0;
    },
  });
}

const rollKeyCommand = defineCommand({
  name: 'merchant roll-key',
  summary: 'give a merchant a new API key; the old one verifies a while',
  details: [
    'The new key is printed once. Until the window ends both keys verify requests; answers and',
    'notifications are signed with the old key until the merchant first sends a request signed with',
    'the new one, and with the new key from then on. --overlap-hours 0 stops the old key at once.',
  ].join('\n'),
  positionals: [MCHID],
  options: {
    'overlap-hours': { type: 'string', value: 'N', help: `how long the old key keeps verifying, in hours (default ${DEFAULT_KEY_OVERLAP_MS / 3_600_000}, at most ${MAX_KEY_OVERLAP_HOURS})` },
  },
  store: 'existing',
  async run({ args, options, store, out, config }) {
    const m = await rollKey(store, args.MCHID, options['overlap-hours'], cliActing());
    if (isBadInput(m)) return badInput(m);
    if (m === null) return notFound(`merchant ${args.MCHID}`);
    const untilMs = m.previousKey?.untilMs ?? Date.now();
    const until = timeText(untilMs, config);
    out.show(
      { mchId: m.mchId, apiKey: m.apiKey.expose(), previousKeyUntil: formatWireTime(untilMs, config.timeZone), previousKeyUntilMs: String(untilMs) },
      `New API key of merchant ${m.mchId}: ${m.apiKey.expose()}   (shown once; keep it secret)\n` +
        (m.previousKey !== null && m.previousKey.untilMs === m.keyRolledAtMs
          ? 'The old key stopped verifying now.'
          : `The old key keeps verifying until ${until}; each answer is signed with its request's key; notifications with the new key once the merchant has used it.`),
    );
    return 0;
  },
});

export const merchantCommands: CommandGroup = {
  title: 'Merchants',
  commands: [create, update, show, list, statusCommand('disable'), statusCommand('enable'), rollKeyCommand, payoutAccountCommand],
};
