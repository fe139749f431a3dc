#!/usr/bin/env node
import { existsSync } from 'node:fs';
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { formatSen, formatWireTime, Secret } from '@micropay/protocol';
import { ConfigError, loadConfig, type Config } from '../config.js';
import { newApiKey } from '../domain/ids.js';
import type { Merchant } from '../domain/model.js';
import { createLogger } from '../log.js';
import { isPostgresUrl, openStore, redactUrl, startPlatform } from '../platform.js';
import { prepareSandbox } from '../sandbox.js';
import type { Store } from '../store/store.js';
import { orderCommand, refundCommand } from './client-commands.js';
import { amountSen, CommandFailed, need, notFound, UsageError, walletJson, type Output } from './common.js';
import { walletCommand } from './wallet-commands.js';
import { billCommand } from './refund-commands.js';
import { merchantUpdate, notificationsCommand, notifyUrlOption, notifyUrlText } from './notification-commands.js';

/**
 * The `micropay` command. Admin commands open the store directly (safe while the server runs:
 * their transactions are short and the server waits for them); `pay` and `query` are real signed
 * HTTP calls. Every command prints readable text, or one JSON object with --json.
 */
const USAGE = `Usage: micropay <command> [options]     (global: --db PATH_OR_URL, --json)

  serve [--port N] [--host H] [--sandbox]   start the platform
  merchant create --name NAME [--notify-url URL]   create a merchant (prints mchId and apiKey)
  merchant update MCHID [--name NAME] [--notify-url URL|""]   rename; set or clear the notify URL
  merchant list | disable MCHID | enable MCHID
  wallet create --name NAME [--balance 100.00] [--pin 1234] [--confirm-limit 250.00]
  wallet token WALLETID | set-pin WALLETID --pin P | unlock WALLETID | set-limit WALLETID AMOUNT|default
  wallet topup WALLETID AMOUNT | show WALLETID | freeze WALLETID | unfreeze WALLETID | close WALLETID
  paycode WALLETID                          issue a one-time payment code
  pay --url URL --mch-id ID --key KEY --order ID --amount 1.00 --code CODE [--goods TEXT] [--discount D] [--point P]
      [--wait [--deadline SECONDS]]         --wait: run the whole flow (query, close at the deadline) and print each step
  query --url URL --mch-id ID --key KEY --order ID
  close --url URL --mch-id ID --key KEY --order ID   close an unpaid (NEW or PENDING) order
  refund --url URL --mch-id ID --key KEY --order ID --refund-id RID --amount 1.00 [--reason TEXT]
  refund-query --url URL --mch-id ID --key KEY --refund-id RID
      pay, query, close, refund, refund-query also take [--sandbox-fault F]: sent as X-MicroPay-Sandbox
  bill --mch-id ID --date yyyy-MM-dd        the merchant's statement for that day (CSV, as downloadBill)
  audit                                     check the ledger's invariants (exit 1 on a violation)
  migrate                                   apply pending schema migrations (serve does this too)
  notifications list [--status pending|delivered|dead] [--mch-id ID] [--limit N]
  notifications retry ID                    re-drive a dead (or waiting) notification: due at once

The store is --db, else DATABASE_URL, else ./data/micropay.db.`;

const OPTIONS = {
  db: { type: 'string' },
  json: { type: 'boolean' },
  port: { type: 'string' },
  host: { type: 'string' },
  sandbox: { type: 'boolean' },
  name: { type: 'string' },
  balance: { type: 'string' },
  url: { type: 'string' },
  'sandbox-fault': { type: 'string' },
  'mch-id': { type: 'string' },
  key: { type: 'string' },
  order: { type: 'string' },
  amount: { type: 'string' },
  code: { type: 'string' },
  goods: { type: 'string' },
  discount: { type: 'string' },
  point: { type: 'string' },
  pin: { type: 'string' },
  'confirm-limit': { type: 'string' },
  token: { type: 'string' },
  'notify-url': { type: 'string' },
  status: { type: 'string' },
  limit: { type: 'string' },
  'refund-id': { type: 'string' },
  reason: { type: 'string' },
  date: { type: 'string' },
  wait: { type: 'boolean' },
  deadline: { type: 'string' },
  help: { type: 'boolean', short: 'h' },
} satisfies ParseArgsConfig['options'];

export type Flags = ReturnType<typeof parse>['values'];

function parse(argv: string[]) {
  return parseArgs({ args: argv, options: OPTIONS, allowPositionals: true, strict: true });
}

/**
 * A command that fails says why on stderr; with --json it also prints one JSON object on stdout,
 * `{"error": {"kind", "message"}}`, so a script always gets JSON. Exit 2 for usage and
 * configuration mistakes, 1 for everything else.
 */
function failed(json: boolean, kind: 'usage' | 'config' | 'failed', message: string, text: string): number {
  if (json) process.stdout.write(JSON.stringify({ error: { kind, message } }) + '\n');
  process.stderr.write(text);
  return kind === 'failed' ? 1 : 2;
}

export async function main(argv: string[]): Promise<number> {
  let parsed;
  try {
    parsed = parse(argv);
  } catch (error) {
    const message = (error as Error).message;
    return failed(argv.includes('--json'), 'usage', message, `${message}\n\n${USAGE}\n`);
  }
  const { values: flags, positionals } = parsed;
  const [command, ...args] = positionals;
  if (flags.help || command === undefined || command === 'help') {
    process.stdout.write(USAGE + '\n');
    return command === undefined && !flags.help ? 2 : 0;
  }
  const out: Output = {
    show: (json, text) => process.stdout.write((flags.json ? JSON.stringify(json) : text) + '\n'),
  };
  try {
    const config = loadConfig({ db: flags.db, port: flags.port, host: flags.host, sandbox: flags.sandbox });
    switch (command) {
      case 'serve':
        return await serve(config);
      case 'pay':
      case 'query':
      case 'close':
        return await orderCommand(command, flags, out);
      case 'refund':
      case 'refund-query':
        return await refundCommand(command, flags, out);
    }
    refuseMissingStore(config.database, command, args[0]);
    const store = await openStore(config);
    try {
      return await admin(store, config, command, args, flags, out);
    } finally {
      await store.close();
    }
  } catch (error) {
    const json = flags.json === true;
    const message = (error as Error).message;
    if (error instanceof UsageError) return failed(json, 'usage', message, `${message}\n\n${USAGE}\n`);
    if (error instanceof ConfigError) return failed(json, 'config', message, `micropay: configuration error: ${message}\n`);
    return failed(json, 'failed', message, `micropay: ${message}\n`);
  }
}

/**
 * Only the commands that start a platform or create something may create a new SQLite file; any
 * other command on a path with no file is a mistyped --db or DATABASE_URL, and an empty store
 * would answer it wrongly (an audit of nothing is "clean").
 */
function refuseMissingStore(database: string, command: string, sub: string | undefined): void {
  const creates = command === 'migrate' || ((command === 'merchant' || command === 'wallet') && sub === 'create');
  if (creates || isPostgresUrl(database) || database === ':memory:' || existsSync(database)) return;
  throw new CommandFailed(
    `no store at ${database}: check --db or DATABASE_URL (serve, migrate, merchant create and wallet create create a new store)`,
  );
}

async function serve(config: Config): Promise<number> {
  const logger = createLogger(config.logLevel);
  // Listen for the stop signals before anything starts, so a stop during start-up (or while the
  // sandbox is being prepared) still shuts down cleanly instead of killing the process.
  const stopped = new Promise<void>((resolve) => {
    process.once('SIGINT', () => resolve());
    process.once('SIGTERM', () => resolve());
  });
  const platform = await startPlatform(config, logger);
  const mode = config.sandbox ? 'sandbox mode' : 'production mode';
  const where = platform.store.kind === 'sqlite' ? `SQLite ${config.database}` : `PostgreSQL ${redactUrl(config.database)}`;
  process.stdout.write(`MicroPay is listening on ${platform.url} (${where}, ${mode})\n`);
  if (config.sandbox) {
    const sandbox = await prepareSandbox(platform.store, config);
    if (sandbox === null) {
      process.stdout.write('Sandbox: this store already has merchants of its own, so no sandbox merchant was created.\n');
    } else {
      const order = `demo-${Date.now()}`;
      process.stdout.write(
        [
          '',
          `Sandbox merchant  mchId ${sandbox.mchId}   key ${sandbox.apiKey}`,
          `Sandbox wallet    walletId ${sandbox.walletId}   balance ${sandbox.balance}`,
          `Payment code      ${sandbox.payCode}   (one use, valid ${config.payCodeTtlS} s; new one: npx micropay paycode ${sandbox.walletId})`,
          '',
          'Pay 1.00 with it:',
          `  npx micropay pay --url ${platform.url} --mch-id ${sandbox.mchId} --key ${sandbox.apiKey} --order ${order} --amount 1.00 --code ${sandbox.payCode}`,
          '',
        ].join('\n') + '\n',
      );
    }
  }
  logger.info('listening', { url: platform.url, sandbox: config.sandbox });
  await stopped;
  await platform.close();
  logger.info('stopped');
  return 0;
}

async function admin(store: Store, config: Config, command: string, args: string[], flags: Flags, out: Output): Promise<number> {
  const [sub, id, amount] = args;
  switch (`${command} ${command === 'merchant' || command === 'wallet' ? sub ?? '' : ''}`.trim()) {
    case 'merchant create': {
      const notifyUrl = notifyUrlOption(flags['notify-url']) ?? null;
      const m = await store.createMerchant({ name: need(flags.name, '--name'), apiKey: new Secret(newApiKey()), notifyUrl });
      out.show(
        { mchId: m.mchId, apiKey: m.apiKey.expose(), name: m.name, status: m.status, notifyUrl: m.notifyUrl },
        `Merchant ${m.mchId} "${m.name}" created.\nAPI key: ${m.apiKey.expose()}   (keep it secret; it signs every request)`,
      );
      return 0;
    }
    case 'merchant list': {
      const all = await store.listMerchants();
      out.show(
        { merchants: all.map(merchantJson) },
        all.length === 0 ? 'No merchants.' : all.map((m) => `${m.mchId}  ${m.status.padEnd(8)}  ${m.name}${notifyUrlText(m)}`).join('\n'),
      );
      return 0;
    }
    case 'merchant update':
      return await merchantUpdate(store, id, flags, out);
    case 'merchant disable':
    case 'merchant enable': {
      const m = await store.setMerchantStatus(need(id, 'MCHID'), sub === 'disable' ? 'disabled' : 'active');
      if (m === null) return notFound(`merchant ${id}`);
      out.show(merchantJson(m), `Merchant ${m.mchId} is ${m.status}.`);
      return 0;
    }
    case 'wallet topup': {
      const sen = amountSen(need(amount, 'AMOUNT'), 'AMOUNT');
      const w = await store.topUp(need(id, 'WALLETID'), sen);
      if (w === null) return notFound(`wallet ${id}`);
      out.show(walletJson(w), `Wallet ${w.walletId} topped up by ${formatSen(sen)}; balance ${formatSen(w.balanceSen)}.`);
      return 0;
    }
    case 'wallet show': {
      const w = await store.findWallet(need(id, 'WALLETID'));
      if (w === null) return notFound(`wallet ${id}`);
      out.show(
        walletJson(w),
        `Wallet ${w.walletId} "${w.name}": ${w.status}, balance ${formatSen(w.balanceSen)} (held ${formatSen(w.heldSen)})`,
      );
      return 0;
    }
    case 'wallet freeze':
    case 'wallet unfreeze': {
      const w = await store.setWalletStatus(need(id, 'WALLETID'), sub === 'freeze' ? 'frozen' : 'active');
      if (w === null) return notFound(`wallet ${id}`);
      if (w.status === 'closed') {
        throw new CommandFailed(`wallet ${w.walletId} is closed; closing is final`);
      }
      out.show(walletJson(w), `Wallet ${w.walletId} is ${w.status}.`);
      return 0;
    }
    case 'paycode': {
      const walletId = need(sub, 'WALLETID');
      const code = await store.issuePayCode(walletId, config.payCodeTtlS * 1000);
      if (code === 'NO_WALLET') return notFound(`wallet ${walletId}`);
      if (code === 'WALLET_FROZEN') {
        throw new CommandFailed(`wallet ${walletId} is frozen; it cannot issue payment codes`);
      }
      const expiresAt = formatWireTime(code.expiresAtMs, config.timeZone);
      out.show(
        { payCode: code.code, walletId, expiresAt, expiresAtMs: code.expiresAtMs },
        `Payment code ${code.code} for wallet ${walletId}, valid until ${expiresAt} (one use).`,
      );
      return 0;
    }
    case 'bill':
      return await billCommand(store, config, flags, out);
    case 'migrate': {
      // Opening the store applied whatever was pending (one process at a time on PostgreSQL).
      const version = await store.schemaVersion();
      const applied = await store.appliedMigrations();
      const lines = applied.map((m) => `  ${m.version}  ${formatWireTime(m.appliedAtMs, config.timeZone)}  ${m.name}`);
      out.show(
        { schemaVersion: version, store: store.kind, migrations: applied },
        [`The ${store.kind === 'sqlite' ? 'SQLite' : 'PostgreSQL'} schema is at version ${version}. Applied:`, ...lines].join('\n'),
      );
      return 0;
    }
    case 'audit': {
      const report = await store.audit();
      const lines = report.checks.map((c) =>
        c.violations.length === 0
          ? `ok    ${c.name}`
          : `FAIL  ${c.name}\n${c.violations.map((v) => `        ${v}`).join('\n')}`,
      );
      const t = report.totals;
      lines.push(`${report.ok ? 'Audit clean' : 'Audit FAILED'}: ${t.entries} journal entries, ${t.postings} postings, ${t.orders} orders.`);
      out.show(report, lines.join('\n'));
      return report.ok ? 0 : 1;
    }
    default: {
      const handled =
        command === 'wallet' ? await walletCommand(store, config, args, flags, out)
        : command === 'notifications' ? await notificationsCommand(store, config, args, flags, out)
        : null;
      if (handled !== null) return handled;
      throw new UsageError(`unknown command: ${[command, ...args].join(' ')}`);
    }
  }
}

function merchantJson(m: Merchant) {
  return { mchId: m.mchId, name: m.name, status: m.status, notifyUrl: m.notifyUrl };
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    process.stderr.write(`micropay: ${(error as Error).message}\n`);
    process.exitCode = 1;
  },
);
