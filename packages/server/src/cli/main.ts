#!/usr/bin/env node
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { formatSen, formatWireTime, parseAmountSen, Secret } from '@micropay/protocol';
import { ConfigError, loadConfig, type Config } from '../config.js';
import { newApiKey } from '../domain/ids.js';
import type { Merchant, Wallet } from '../domain/model.js';
import { createLogger } from '../log.js';
import { openStore, startPlatform } from '../platform.js';
import { prepareSandbox } from '../sandbox.js';
import type { Store } from '../store/store.js';
import { callApi } from './api-call.js';

/**
 * The `micropay` command. Admin commands open the store directly (safe while the server runs:
 * their transactions are short and the server waits for them); `pay` and `query` are real signed
 * HTTP calls. Every command prints readable text, or one JSON object with --json.
 */
const USAGE = `Usage: micropay <command> [options]     (global: --db PATH_OR_URL, --json)

  serve [--port N] [--host H] [--sandbox]   start the platform
  merchant create --name NAME               create a merchant (prints mchId and apiKey)
  merchant list | disable MCHID | enable MCHID
  wallet create --name NAME [--balance 100.00]
  wallet topup WALLETID AMOUNT | show WALLETID | freeze WALLETID | unfreeze WALLETID
  paycode WALLETID                          issue a one-time payment code
  pay --url URL --mch-id ID --key KEY --order ID --amount 1.00 --code CODE [--goods TEXT]
  query --url URL --mch-id ID --key KEY --order ID
  audit                                     check the ledger's invariants (exit 1 on a violation)

The store is --db, else DATABASE_URL, else ./data/micropay.db.`;

class UsageError extends Error {}

const OPTIONS = {
  db: { type: 'string' },
  json: { type: 'boolean' },
  port: { type: 'string' },
  host: { type: 'string' },
  sandbox: { type: 'boolean' },
  name: { type: 'string' },
  balance: { type: 'string' },
  url: { type: 'string' },
  'mch-id': { type: 'string' },
  key: { type: 'string' },
  order: { type: 'string' },
  amount: { type: 'string' },
  code: { type: 'string' },
  goods: { type: 'string' },
  discount: { type: 'string' },
  point: { type: 'string' },
  help: { type: 'boolean', short: 'h' },
} satisfies ParseArgsConfig['options'];

type Flags = ReturnType<typeof parse>['values'];

function parse(argv: string[]) {
  return parseArgs({ args: argv, options: OPTIONS, allowPositionals: true, strict: true });
}

interface Output {
  /** Prints `json` with --json, else the readable lines. */
  show(json: unknown, text: string): void;
}

export async function main(argv: string[]): Promise<number> {
  let parsed;
  try {
    parsed = parse(argv);
  } catch (error) {
    process.stderr.write(`${(error as Error).message}\n\n${USAGE}\n`);
    return 2;
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
        return await apiCommand(command, flags, out);
    }
    const store = openStore(config);
    try {
      return await admin(store, config, command, args, flags, out);
    } finally {
      await store.close();
    }
  } catch (error) {
    if (error instanceof UsageError) {
      process.stderr.write(`${error.message}\n\n${USAGE}\n`);
      return 2;
    }
    if (error instanceof ConfigError) {
      process.stderr.write(`micropay: configuration error: ${error.message}\n`);
      return 2;
    }
    process.stderr.write(`micropay: ${(error as Error).message}\n`);
    return 1;
  }
}

async function serve(config: Config): Promise<number> {
  const logger = createLogger(config.logLevel);
  const platform = await startPlatform(config, logger);
  const mode = config.sandbox ? 'sandbox mode' : 'production mode';
  process.stdout.write(`MicroPay is listening on ${platform.url} (SQLite ${config.database}, ${mode})\n`);
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
  await new Promise<void>((resolve) => {
    const stop = () => resolve();
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  });
  await platform.close();
  logger.info('stopped');
  return 0;
}

async function admin(store: Store, config: Config, command: string, args: string[], flags: Flags, out: Output): Promise<number> {
  const [sub, id, amount] = args;
  switch (`${command} ${command === 'merchant' || command === 'wallet' ? sub ?? '' : ''}`.trim()) {
    case 'merchant create': {
      const m = await store.createMerchant({ name: need(flags.name, '--name'), apiKey: new Secret(newApiKey()) });
      out.show(
        { mchId: m.mchId, apiKey: m.apiKey.expose(), name: m.name, status: m.status },
        `Merchant ${m.mchId} "${m.name}" created.\nAPI key: ${m.apiKey.expose()}   (keep it secret; it signs every request)`,
      );
      return 0;
    }
    case 'merchant list': {
      const all = await store.listMerchants();
      out.show(
        { merchants: all.map(merchantJson) },
        all.length === 0 ? 'No merchants.' : all.map((m) => `${m.mchId}  ${m.status.padEnd(8)}  ${m.name}`).join('\n'),
      );
      return 0;
    }
    case 'merchant disable':
    case 'merchant enable': {
      const m = await store.setMerchantStatus(need(id, 'MCHID'), sub === 'disable' ? 'disabled' : 'active');
      if (m === null) return notFound(`merchant ${id}`);
      out.show(merchantJson(m), `Merchant ${m.mchId} is ${m.status}.`);
      return 0;
    }
    case 'wallet create': {
      const openingSen = flags.balance === undefined ? 0 : amountSen(flags.balance, '--balance');
      const w = await store.createWallet({ name: need(flags.name, '--name'), openingSen });
      out.show(walletJson(w), `Wallet ${w.walletId} "${w.name}" created with balance ${formatSen(w.balanceSen)}.`);
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
      out.show(walletJson(w), `Wallet ${w.walletId} is ${w.status}.`);
      return 0;
    }
    case 'paycode': {
      const walletId = need(sub, 'WALLETID');
      const code = await store.issuePayCode(walletId, config.payCodeTtlS * 1000);
      if (code === 'NO_WALLET') return notFound(`wallet ${walletId}`);
      if (code === 'WALLET_FROZEN') {
        process.stderr.write(`micropay: wallet ${walletId} is frozen; it cannot issue payment codes\n`);
        return 1;
      }
      const expiresAt = formatWireTime(code.expiresAtMs, config.timeZone);
      out.show(
        { payCode: code.code, walletId, expiresAt, expiresAtMs: code.expiresAtMs },
        `Payment code ${code.code} for wallet ${walletId}, valid until ${expiresAt} (one use).`,
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
    default:
      throw new UsageError(`unknown command: ${[command, ...args].join(' ')}`);
  }
}

async function apiCommand(command: 'pay' | 'query', flags: Flags, out: Output): Promise<number> {
  const url = flags.url ?? 'http://127.0.0.1:8080';
  const key = need(flags.key, '--key');
  const base = { mchId: need(flags['mch-id'], '--mch-id'), mchOrderId: need(flags.order, '--order') };
  const params: Record<string, string> =
    command === 'pay'
      ? {
          ...base,
          amount: need(flags.amount, '--amount'),
          goodsInfo: flags.goods ?? 'MicroPay CLI payment',
          discount: flags.discount ?? '',
          point: flags.point ?? '',
          payCode: need(flags.code, '--code'),
        }
      : base;
  const result = await callApi(url, command === 'pay' ? 'micropay' : 'queryBill', params, key);
  const { envelope } = result;
  const d = envelope.data;
  const lines = [`code ${envelope.code}: ${envelope.msg}`];
  if (d) {
    lines.push(
      `order ${d.merchantOrderId} (${d.wavpayOrderId}) ${d.tradeStatus}, amount ${d.amount}, merchant ${d.merchantName}`,
      `traded ${d.tradeTime}${d.payTime ? `, paid ${d.payTime}` : ''}`,
      result.signatureValid ? 'response signature verified' : 'WARNING: the response signature does NOT verify',
    );
  }
  out.show({ ...envelope, signatureValid: result.signatureValid }, lines.join('\n'));
  return envelope.code === 0 && result.signatureValid !== false ? 0 : 1;
}

function merchantJson(m: Merchant) {
  return { mchId: m.mchId, name: m.name, status: m.status };
}

function walletJson(w: Wallet) {
  return { walletId: w.walletId, name: w.name, balance: formatSen(w.balanceSen), held: formatSen(w.heldSen), status: w.status };
}

function need(value: string | undefined, what: string): string {
  if (value === undefined || value === '') throw new UsageError(`missing ${what}`);
  return value;
}

function amountSen(text: string, what: string): number {
  const sen = parseAmountSen(text);
  if (sen === null || sen <= 0) throw new UsageError(`${what} must be a positive amount like 100.00`);
  return sen;
}

function notFound(what: string): number {
  process.stderr.write(`micropay: no ${what}\n`);
  return 1;
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
