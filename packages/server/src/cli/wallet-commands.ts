import { formatSen, formatWireTime, parseAmountSen, resultCodeInfo, ResultCode } from '@micropay/protocol';
import { MAX_PAYOUT_REQUEST_ID_LENGTH } from '../domain/payout.js';
import type { Wallet, WalletStatus } from '../domain/model.js';
import {
  createHolderWallet, freezeWallet, isBadInput, newWalletAppToken, setWalletConfirmLimit, setWalletPin, topUpWallet, unlockWalletPin,
} from '../services/operator-actions.js';
import { defaultUrl } from './client-commands.js';
import { defineCommand, type CommandGroup } from './command-line.js';
import { amountSen, badInput, cliActing, CommandFailed, notFound, timeText, UsageError, walletJson, type Output } from './common.js';
import { destinationText, payoutJson } from './payout-commands.js';
import { BANK_FLAGS, BANK_OPTIONS } from './payout-account-command.js';
import { optionalBankAccount } from '../services/payouts.js';
import type { Store } from '../store/store.js';
import { enrolDevice, listDevices, offlinePaycode, renewDevice, revokeDevices } from './device-commands.js';
import { history, reverseTopUp } from './wallet-history-commands.js';

/** The operator's wallet commands, and `paycode`, which issues a wallet's payment code. */

const WALLETID = { name: 'WALLETID', help: 'the wallet id (12 digits, starting 60)' } as const;

function balanceText(w: Wallet): string {
  return `balance ${formatSen(w.balanceSen)} (held ${formatSen(w.heldSen)})`;
}

const create = defineCommand({
  name: 'wallet create',
  summary: "create a wallet (prints its id and app token, once)",
  details: 'The opening balance is booked as a top-up from the platform float.',
  positionals: [],
  options: {
    name: { type: 'string', value: 'NAME', required: true, help: "the holder's name" },
    balance: { type: 'string', value: 'AMOUNT', help: 'the opening balance, like 100.00 (default 0.00)' },
    pin: { type: 'string', value: 'PIN', help: 'a PIN of 4 to 6 digits for confirming large payments' },
    'confirm-limit': { type: 'string', value: 'AMOUNT', help: "payments above it wait for the holder's confirmation (default MICROPAY_CONFIRM_LIMIT)" },
  },
  store: 'creates',
  async run({ options, store, out }) {
    const made = await createHolderWallet(store, { name: options.name, openingBalance: options.balance, pin: options.pin, confirmLimit: options['confirm-limit'] }, cliActing());
    if (isBadInput(made)) return badInput(made);
    const { wallet: w, token } = made;
    out.show(
      { ...walletJson(w), token },
      `Wallet ${w.walletId} "${w.name}" created with balance ${formatSen(w.balanceSen)}.\n` +
        `Wallet app token: ${token}   (shown once; \`micropay wallet token ${w.walletId}\` issues a new one)`,
    );
    return 0;
  },
});

const token = defineCommand({
  name: 'wallet token',
  summary: "issue a new wallet app token (the old one stops working; the wallet's pages are signed out and its devices revoked)",
  positionals: [WALLETID],
  options: {},
  store: 'existing',
  async run({ args, store, out }) {
    const issued = await newWalletAppToken(store, args.WALLETID, cliActing());
    if (issued === null) return notFound(`wallet ${args.WALLETID}`);
    const { wallet: w, token: fresh } = issued;
    out.show({ walletId: w.walletId, token: fresh }, `New wallet app token for ${w.walletId}: ${fresh}   (the old one no longer works; the wallet's pages are signed out and its offline-code devices revoked)`);
    return 0;
  },
});

const setPin = defineCommand({
  name: 'wallet set-pin',
  summary: "set a wallet's PIN (also unlocks confirmation; the wallet's pages are signed out and its devices revoked)",
  positionals: [WALLETID],
  options: { pin: { type: 'string', value: 'PIN', required: true, help: 'the new PIN, 4 to 6 digits' } },
  store: 'existing',
  async run({ args, options, store, out }) {
    const w = await setWalletPin(store, args.WALLETID, options.pin, cliActing());
    if (isBadInput(w)) return badInput(w);
    if (w === null) return notFound(`wallet ${args.WALLETID}`);
    out.show(walletJson(w), `PIN of wallet ${w.walletId} set; confirmation unlocked. Its wallet pages are signed out and its offline-code devices revoked.`);
    return 0;
  },
});

const unlock = defineCommand({
  name: 'wallet unlock',
  summary: 'let a wallet locked by wrong PINs confirm payments again',
  positionals: [WALLETID],
  options: {},
  store: 'existing',
  async run({ args, store, out }) {
    const w = await unlockWalletPin(store, args.WALLETID, cliActing());
    if (w === null) return notFound(`wallet ${args.WALLETID}`);
    out.show(walletJson(w), `Wallet ${w.walletId} can confirm payments again.`);
    return 0;
  },
});

const setLimit = defineCommand({
  name: 'wallet set-limit',
  summary: "set the amount above which payments wait for confirmation",
  positionals: [WALLETID, { name: 'LIMIT', help: 'an amount like 150.00, or "default" for MICROPAY_CONFIRM_LIMIT' }],
  options: {},
  store: 'existing',
  async run({ args, store, out, config }) {
    const w = await setWalletConfirmLimit(store, args.WALLETID, args.LIMIT, cliActing());
    if (isBadInput(w)) return badInput(w);
    if (w === null) return notFound(`wallet ${args.WALLETID}`);
    const confirmLimitSen = w.confirmLimitSen;
    const shown = confirmLimitSen === null ? `${formatSen(config.confirmLimitSen)} (the default, MICROPAY_CONFIRM_LIMIT)` : formatSen(confirmLimitSen);
    out.show(walletJson(w), `Payments above ${shown} from wallet ${w.walletId} need the holder's confirmation.`);
    return 0;
  },
});

const topup = defineCommand({
  name: 'wallet topup',
  summary: 'top a wallet up from the platform float',
  positionals: [WALLETID, { name: 'AMOUNT', help: 'the amount, like 25.00' }],
  options: {
    'request-id': { type: 'string', value: 'ID', help: `your id for this top-up (at most ${MAX_PAYOUT_REQUEST_ID_LENGTH} characters): run again with it, it tops up nothing more` },
  },
  store: 'existing',
  async run({ args, options, store, out }) {
    const requestId = options['request-id'] ?? null;
    const t = await topUpWallet(store, args.WALLETID, args.AMOUNT, cliActing(), requestId);
    if (isBadInput(t)) return badInput(t);
    if (t === null) return notFound(`wallet ${args.WALLETID}`);
    const amount = formatSen(parseAmountSen(args.AMOUNT)!);
    if (t.kind === 'requestIdReused') {
      const code = ResultCode.TOP_UP_REQUEST_ID_REUSED;
      throw new CommandFailed(`${resultCodeInfo(code)!.msg} (${code}): request id ${requestId} topped wallet ${args.WALLETID} up by ${formatSen(t.earlierSen)}; nothing was topped up`);
    }
    const w = t.wallet;
    const said = t.kind === 'repeat'
      ? `Wallet ${w.walletId} was topped up by ${amount} under request id ${requestId} already: nothing moved again; balance ${formatSen(w.balanceSen)}.`
      : `Wallet ${w.walletId} topped up by ${amount}; balance ${formatSen(w.balanceSen)}.`;
    out.show({ ...walletJson(w), repeat: t.kind === 'repeat' }, said);
    return 0;
  },
});

const show = defineCommand({
  name: 'wallet show',
  summary: "show a wallet's status and balance",
  positionals: [WALLETID],
  options: {},
  store: 'existing',
  async run({ args, store, out }) {
    const w = await store.findWallet(args.WALLETID);
    if (w === null) return notFound(`wallet ${args.WALLETID}`);
    out.show(walletJson(w), `Wallet ${w.walletId} "${w.name}": ${w.status}, ${balanceText(w)}`);
    return 0;
  },
});

const WALLET_STATUSES: readonly WalletStatus[] = ['active', 'frozen', 'closed'];
const LIST_LIMIT_DEFAULT = 50;
const LIST_LIMIT_MAX = 1000;

const list = defineCommand({
  name: 'wallet list',
  summary: 'list wallets in id order, a page at a time',
  details: 'A full page ends with the command for the next one (--after the last wallet id shown).',
  positionals: [],
  options: {
    status: { type: 'string', value: 'STATUS', help: `only wallets with this status: ${WALLET_STATUSES.join(', ')}` },
    name: { type: 'string', value: 'TEXT', help: "only wallets whose name contains TEXT (any case)" },
    after: { type: 'string', value: 'WALLETID', help: 'the page after this wallet id (the last one of the previous page)' },
    limit: { type: 'string', value: 'N', help: `wallets per page (default ${LIST_LIMIT_DEFAULT}, at most ${LIST_LIMIT_MAX})` },
  },
  store: 'existing',
  async run({ options, store, out }) {
    const status = options.status as WalletStatus | undefined;
    if (status !== undefined && !WALLET_STATUSES.includes(status)) throw new UsageError(`--status must be one of ${WALLET_STATUSES.join(', ')}`);
    const limit = options.limit === undefined ? LIST_LIMIT_DEFAULT : Number(options.limit);
    if (!/^[0-9]+$/.test(options.limit ?? '1') || !Number.isInteger(limit) || limit < 1 || limit > LIST_LIMIT_MAX) {
      throw new UsageError(`--limit must be a whole number from 1 to ${LIST_LIMIT_MAX}`);
    }
    // One more than the page, to know whether a next page exists without another query.
    const found = await store.listWallets({
      limit: limit + 1,
      ...(status === undefined ? {} : { status }),
      ...(options.name === undefined || options.name === '' ? {} : { nameContains: options.name }),
      ...(options.after === undefined ? {} : { afterWalletId: options.after }),
    });
    const page = found.slice(0, limit);
    const next = found.length > limit ? page[page.length - 1]!.walletId : null;
    // The names line up: the balances are padded to the widest on the page.
    const balanceWidth = Math.max(0, ...page.map((w) => balanceText(w).length));
    const lines = page.map((w) => `${w.walletId}  ${w.status.padEnd(6)}  ${balanceText(w).padEnd(balanceWidth)}  ${w.name}`);
    if (page.length === 0) lines.push('No wallets.');
    if (next !== null) lines.push(`More: micropay wallet list --after ${next}${sameFilters(options)}`);
    out.show({ wallets: page.map(walletJson), next }, lines.join('\n'));
    return 0;
  },
});

/** The filters of this listing, to repeat in the next page's command. */
function sameFilters(options: { status?: string | undefined; name?: string | undefined; limit?: string | undefined }): string {
  let text = '';
  if (options.status !== undefined) text += ` --status ${options.status}`;
  if (options.name !== undefined && options.name !== '') text += ` --name ${JSON.stringify(options.name)}`;
  if (options.limit !== undefined) text += ` --limit ${options.limit}`;
  return text;
}

function statusCommand(verb: 'freeze' | 'unfreeze' | 'close') {
  const status: WalletStatus = verb === 'freeze' ? 'frozen' : verb === 'unfreeze' ? 'active' : 'closed';
  const summaries = {
    freeze: 'freeze a wallet: its payments fail (9001) and it gets no codes',
    unfreeze: 'let a frozen wallet pay again',
    close: 'close a wallet for good (it cannot pay or receive refunds) and pay out what it holds to its holder',
  };
  return defineCommand({
    name: `wallet ${verb}`,
    summary: summaries[verb],
    positionals: [WALLETID],
    options: verb === 'close' ? BANK_OPTIONS : {},
    ...(verb === 'close' ? { details: "--holder, --bank and --account (together): the holder's bank account, which the payout copies for finance to transfer to." } : {}),
    store: 'existing',
    async run({ args, store, out, options }) {
      if (verb === 'close') return closeWallet(args.WALLETID, store, out, options as { holder?: string; bank?: string; account?: string });
      const changed = await freezeWallet(store, args.WALLETID, status === 'frozen', cliActing());
      if (changed === null) return notFound(`wallet ${args.WALLETID}`);
      // The store left a wallet it may not change as it was: say why, in the domain's words.
      if (changed.kind === 'refused') throw new CommandFailed(changed.problem);
      const w = changed.wallet;
      out.show(walletJson(w), `Wallet ${w.walletId} is ${w.status}.`);
      return 0;
    },
  });
}

/**
 * Closing is final, and what the wallet holds is paid out to its holder as a payout (REQUESTED,
 * through platform:payouts), so no money is stranded in it. Closing a closed wallet again pays
 * out what came back to it from a failed payout.
 */
async function closeWallet(walletId: string, store: Store, out: Output, typed: { holder?: string; bank?: string; account?: string }): Promise<number> {
  const to = optionalBankAccount({ holderName: typed.holder, bankName: typed.bank, accountNumber: typed.account });
  if (to !== null && 'kind' in to) return badInput({ field: BANK_FLAGS[to.field], problem: to.problem });
  const closing = await store.closeWallet(walletId, cliActing(), to);
  if (closing === null) return notFound(`wallet ${walletId}`);
  const { wallet: w, payout } = closing;
  const paid = payout === null
    ? `It holds no money${to === null ? '' : ', so the bank account given was not needed'}.`
    : `Its balance of ${formatSen(payout.amountSen)} is paid out to its holder: payout ${payout.payoutId} is REQUESTED.\n` +
      `Pay it ${destinationText(payout)}; once paid: micropay payout confirm ${payout.payoutId}`;
  out.show({ ...walletJson(w), payout: payout === null ? null : payoutJson(payout) }, `Wallet ${w.walletId} is closed: it cannot pay or receive refunds. ${paid}`);
  return 0;
}

const link = defineCommand({
  name: 'wallet link',
  summary: 'print a one-time sign-in link to the wallet page (one use, valid 15 minutes)',
  details: 'Opening it signs the wallet page in as this wallet; only a hash of it is stored. Give it to the holder only.',
  positionals: [WALLETID],
  options: {
    url: { type: 'string', value: 'URL', help: "the platform's address as the holder's phone reaches it (default MICROPAY_PUBLIC_URL, else http://HOST:PORT from the settings)" },
  },
  store: 'existing',
  async run({ args, options, store, out, config }) {
    const base = pageBaseUrl(options.url ?? config.publicUrl ?? defaultUrl(config));
    const issued = await store.issueSignInLink(args.WALLETID, cliActing());
    if (issued === 'NO_WALLET') return notFound(`wallet ${args.WALLETID}`);
    if (issued === 'WALLET_CLOSED') throw new CommandFailed(`wallet ${args.WALLETID} is closed; it cannot sign in`);
    const url = walletSignInUrl(base, issued.token);
    const note = thisMachineOnly(base) ? THIS_MACHINE_ONLY : null;
    out.show(
      { walletId: args.WALLETID, link: url, expiresAt: formatWireTime(issued.expiresAtMs, config.timeZone), ...(note === null ? {} : { note }) },
      `Sign-in link for wallet ${args.WALLETID} (one use, valid until ${timeText(issued.expiresAtMs, config)}):\n  ${url}${note === null ? '' : `\n${note}`}`,
    );
    return 0;
  },
});

/** Said under a link to this machine's own address: a holder's phone cannot open it. */
const THIS_MACHINE_ONLY = "This address is this machine's own: only a browser on this machine opens it. Set MICROPAY_PUBLIC_URL (or give --url) to the address the holder's phone reaches.";

/** A link's address that only this machine reaches: loopback (defaultUrl's for a wildcard HOST too). */
function thisMachineOnly(base: string): boolean {
  const host = new URL(base).hostname;
  return host === 'localhost' || host === '[::1]' || host.startsWith('127.');
}

/** The wallet page with the link's token in the fragment: a browser never sends a fragment to a server or in a Referer. */
export function walletSignInUrl(base: string, token: string): string {
  return `${base}/wallet#link=${token}`;
}

/** An http(s) base URL without its trailing slash. */
export function pageBaseUrl(url: string): string {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new UsageError('--url must be an http:// or https:// URL, like http://127.0.0.1:8080');
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') throw new UsageError('--url must be an http:// or https:// URL, like http://127.0.0.1:8080');
  return url.replace(/\/+$/, '');
}

const paycode = defineCommand({
  name: 'paycode',
  summary: "issue a wallet's one-time payment code; with --offline, compute the device file's next offline code (no store, no network)",
  positionals: [{ ...WALLETID, optional: true }],
  options: {
    offline: { type: 'string', value: 'DEVICE-FILE', help: 'the device file `wallet devices enrol` wrote: print its next offline code, computed locally' },
  },
  store: 'existing',
  storeFor: (options) => (options.offline === undefined ? 'existing' : 'none'),
  async run(ctx) {
    // `ctx.store` is read only when a store is open: with --offline there is none.
    const { args, options, out, config } = ctx;
    if ((args.WALLETID === undefined) === (options.offline === undefined)) throw new UsageError('give either WALLETID or --offline DEVICE-FILE');
    if (options.offline !== undefined) return offlinePaycode(options.offline, out, Date.now());
    const store = ctx.store;
    const walletId = args.WALLETID!;
    const code = await store.issuePayCode(walletId, config.payCodeTtlS * 1000, cliActing());
    if (code === 'NO_WALLET') return notFound(`wallet ${walletId}`);
    if (code === 'WALLET_FROZEN') throw new CommandFailed(`wallet ${walletId} is frozen; it cannot issue payment codes`);
    if (code === 'WALLET_CLOSED') throw new CommandFailed(`wallet ${walletId} is closed; it cannot issue payment codes`);
    // As the wallet API gives it: expiresAt in the wire's form, expiresAtMs as a string.
    out.show(
      { payCode: code.code, walletId, expiresAt: formatWireTime(code.expiresAtMs, config.timeZone), expiresAtMs: String(code.expiresAtMs) },
      `Payment code ${code.code} for wallet ${walletId}, valid until ${timeText(code.expiresAtMs, config)} (one use).`,
    );
    return 0;
  },
});

export const walletCommands: CommandGroup = {
  title: 'Wallets',
  commands: [
    create, show, list, topup, history, reverseTopUp, token, setPin, unlock, setLimit,
    statusCommand('freeze'), statusCommand('unfreeze'), statusCommand('close'), link, paycode,
    enrolDevice, listDevices, renewDevice, revokeDevices,
  ],
};
