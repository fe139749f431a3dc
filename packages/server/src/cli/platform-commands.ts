import { runLedgerAudit } from '../services/ledger-audit.js';
import { DEFAULT_DATABASE, unknownSettings, type Config } from '../config.js';
import type { ListenError, Platform } from '../platform.js';
import type { Logger } from '../log.js';
import { isPostgresUrl, redactUrl, urlHasPassword } from '../store-open.js';
import type { SchemaUpgrade } from '../store/schema-version.js';
import { prepareSandbox, type SandboxCredentials } from '../sandbox.js';
import { walletSignInUrl } from './wallet-commands.js';
import { defineCommand, type CommandGroup } from './command-line.js';
import { cliActing, CommandFailed, timeText } from './common.js';

/** Running the platform and looking after its store: serve, migrate, audit. */

const serve = defineCommand({
  name: 'serve',
  summary: 'start the platform (API and background jobs)',
  details: [
    'The port and host are also the PORT and HOST settings (docs/configuration.md); the options win.',
    'With --sandbox an empty store gets a sandbox merchant and a funded wallet, printed with a payment',
    'code and a pay command to try.',
  ].join('\n'),
  positionals: [],
  options: {
    port: { type: 'string', value: 'N', help: 'the port to listen on (default PORT, else 8080; 0 picks a free one)' },
    host: { type: 'string', value: 'HOST', help: 'the address to listen on (default HOST, else 127.0.0.1)' },
    'admin-port': { type: 'string', value: 'N', help: 'serve /health/* and /metrics on this port only (default MICROPAY_ADMIN_PORT, else on --port)' },
    sandbox: { type: 'boolean', help: 'sandbox mode: rehearsal faults, and a sandbox merchant and wallet' },
  },
  store: 'own',
  run: ({ config }) => runServer(config),
});

/** Signals this soon after the first are the same stop (runServer). */
const SAME_STOP_MS = 1_000;

async function runServer(config: Config): Promise<number> {
  // Listen for the stop signals before anything starts, so a stop during start-up (or while the
  // sandbox is being prepared) still shuts down cleanly instead of killing the process.
  // A second signal of either kind ends the process at once (a stuck drain can be cut short), but
  // not one within SAME_STOP_MS of the first: Ctrl-C under `npm start` is two SIGINTs at once, the
  // terminal's to the whole process group and the one npm passes on.
  const stopped = new Promise<void>((resolve) => {
    const sameStop = () => undefined;
    const listen = (handler: () => void, on: boolean) => {
      for (const signal of ['SIGINT', 'SIGTERM'] as const) on ? process.on(signal, handler) : process.off(signal, handler);
    };
    const stop = () => {
      listen(stop, false);
      listen(sameStop, true);
      setTimeout(() => listen(sameStop, false), SAME_STOP_MS).unref();
      resolve();
    };
    listen(stop, true);
  });
  // The server's modules (HTTP, jobs, the logger) are loaded here, by serve alone: every other
  // command starts without them, in about half the time.
  const [{ createLogger }, { ListenError, startPlatform }] = await Promise.all([import('../log.js'), import('../platform.js')]);
  const logger = createLogger(config.logLevel);
  // The flags as loaded (PORT, HOST, DATABASE_URL are no MICROPAY_ name): the admin port's is left
  // out, since a flag given is read instead of MICROPAY_ADMIN_PORT, which would then look unread.
  const flags = { host: config.host, port: String(config.port), db: config.database, sandbox: config.sandbox };
  for (const { name, hint } of unknownSettings(process.env, flags)) logger.warn({ setting: name }, `${name} is ignored: ${hint}`);
  const platform = await startPlatform(config, logger).catch((error: unknown) => {
    throw (error instanceof ListenError ? listenFailure(error, config) : null) ?? error;
  });
  const mode = config.sandbox ? 'sandbox mode' : 'production mode';
  const where = platform.store.kind === 'sqlite' ? `SQLite ${config.database}` : `PostgreSQL ${redactUrl(config.database)}`;
  process.stdout.write(`MicroPay is listening on ${platform.url} (${where}, ${mode})\n`);
  if (platform.adminUrl !== null) process.stdout.write(`Health${config.metrics ? ' and metrics' : ''} on ${platform.adminUrl}\n`);
  if (config.sandbox) await startSandbox(platform, config, logger, where);
  logger.info({ url: platform.url, adminUrl: platform.adminUrl, sandbox: config.sandbox }, 'listening');
  await stopped;
  logger.info({ timeoutMs: config.shutdownTimeoutMs }, 'shutting down: draining requests in flight');
  if (!(await closesWithin(platform.close(), config.shutdownTimeoutMs))) {
    logger.error({ timeoutMs: config.shutdownTimeoutMs }, 'shutdown timed out: exiting with requests or store work unfinished');
    // Something still holds the event loop (a request, the store): exit, after the log is written.
    logger.flush(() => process.exit(1));
    return new Promise<number>(() => undefined);
  }
  logger.info('stopped');
  return 0;
}

/**
 * Sandbox mode's start: its merchant, wallet and users printed with a fresh code. Its rehearsed
 * faults (X-MicroPay-Sandbox) work on every merchant of the store: merchants of the store's own
 * (a store in use?) are said on the screen and warned of in the log.
 */
async function startSandbox(platform: Platform, config: Config, logger: Logger, where: string): Promise<void> {
  const sandbox = await prepareSandbox(platform.store, config, cliActing());
  if (sandbox === null) {
    process.stdout.write('Sandbox: this store already has merchants of its own, so no sandbox merchant was created.\n');
  } else {
    const order = `demo-${Date.now()}`;
    process.stdout.write(
      [
        '',
        `Sandbox merchant  mchId ${sandbox.mchId}   key ${sandbox.apiKey}`,
        `Sandbox wallet    walletId ${sandbox.walletId}   balance ${sandbox.balance}`,
        `Payment code      ${sandbox.payCode}   (one use, valid ${config.payCodeTtlS} s; ${newCodeHint(sandbox.walletId, config.database)})`,
        '',
        ...pageLines(config.publicUrl ?? platform.url, sandbox),
        '',
        'Pay 1.00 with it:',
        `  npx micropay pay --url ${platform.url} --mch-id ${sandbox.mchId} --key ${sandbox.apiKey} --order ${order} --amount 1.00 --code ${sandbox.payCode}`,
        '',
      ].join('\n') + '\n',
    );
    if (sandbox.otherMerchants > 0) {
      const others = sandbox.otherMerchants === 1 ? '1 merchant' : `${sandbox.otherMerchants} merchants`;
      process.stdout.write(`Sandbox: this store also has ${others} besides the sandbox's: X-MicroPay-Sandbox rehearses faults on their payments too.\n`);
    }
  }
  if (sandbox === null || sandbox.otherMerchants > 0) {
    logger.warn({ store: where }, 'sandbox mode over a store with merchants of its own: any caller can rehearse faults (X-MicroPay-Sandbox) on their payments; serve a real store without --sandbox');
  }
}

/** Whether the graceful stop finished within the limit (MICROPAY_SHUTDOWN_TIMEOUT_MS). */
async function closesWithin(closing: Promise<void>, timeoutMs: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const timedOut = new Promise<false>((resolve) => {
    timer = setTimeout(() => resolve(false), timeoutMs);
  });
  try {
    return await Promise.race([closing.then(() => true as const), timedOut]);
  } finally {
    clearTimeout(timer);
  }
}

/** The pages and consoles, signed in: the wallet by its one-time link, the till, owner and operator by their accounts. */
function pageLines(url: string, sandbox: SandboxCredentials): string[] {
  const wallet = sandbox.walletLinkToken === null ? `${url}/wallet` : walletSignInUrl(url, sandbox.walletLinkToken);
  return [
    `Wallet page       ${wallet}   (open on a phone-sized window; the link signs in once, within 15 minutes)`,
    `Cashier page      ${url}/cashier   merchant id ${sandbox.mchId}, cashier ${sandbox.cashierName}, password ${sandbox.cashierPassword}`,
    `Merchant console  ${url}/merchant   merchant id ${sandbox.mchId}, owner ${sandbox.ownerName}, password ${sandbox.ownerPassword}`,
    `Operator console  ${url}/admin   operator ${sandbox.operatorName}, password ${sandbox.operatorPassword}`,
  ];
}

/** A failure to listen, said as what to do about it: the port or host to choose instead. */
function listenFailure(error: ListenError, config: Config): CommandFailed | null {
  const code = (error.cause as NodeJS.ErrnoException | undefined)?.code;
  const where = `port ${error.port} on ${config.host}`;
  const setting = error.option === '--port' ? 'PORT' : 'MICROPAY_ADMIN_PORT';
  const choosePort = `choose another with ${error.option} N (or the ${setting} setting; 0 picks a free one)`;
  if (code === 'EADDRINUSE') return new CommandFailed(`${where} is in use by another program or server (EADDRINUSE): ${choosePort}`);
  if (code === 'EACCES') return new CommandFailed(`${where} needs privileges this user does not have (EACCES; ports below 1024 do): ${choosePort}`);
  if (code === 'EADDRNOTAVAIL') return new CommandFailed(`${config.host} is no address of this machine (EADDRNOTAVAIL): choose another with --host HOST (or the HOST setting)`);
  return null;
}

/**
 * How to get a new payment code for the sandbox wallet: a paycode command on the store this server
 * uses, so `--db` is repeated unless it is the default. A PostgreSQL URL's password is never
 * printed: the hint then says to add --db.
 */
export function newCodeHint(walletId: string, database: string): string {
  const command = `new one: npx micropay paycode ${walletId}`;
  if (database === DEFAULT_DATABASE) return command;
  if (database === ':memory:') return 'new ones come from the wallet API: this store is in memory, no other process sees it';
  if (isPostgresUrl(database) && urlHasPassword(database)) return `${command} --db with this server's database URL (its password is not printed)`;
  return `${command} --db ${shellWord(database)}`;
}

/** A word a POSIX shell reads back unchanged: quoted unless it is plainly safe. */
function shellWord(text: string): string {
  return /^[A-Za-z0-9_@%+=:,./-]+$/.test(text) ? text : `'${text.replace(/'/g, `'\\''`)}'`;
}

const migrate = defineCommand({
  name: 'migrate',
  summary: 'apply pending schema migrations and list the applied ones',
  positionals: [],
  options: {},
  store: 'upgrades',
  async run({ store, out, config }) {
    // Opening the store applied whatever was pending (one process at a time on PostgreSQL).
    const version = await store.schemaVersion();
    const applied = await store.appliedMigrations();
    const lines = applied.map((m) => `  ${m.version}  ${timeText(m.appliedAtMs, config)}  ${m.name}`);
    const now = store.schemaUpgrade;
    out.show(
      {
        schemaVersion: version,
        store: store.kind,
        // What this run did, for an upgrade's script: the versions it applied (none: nothing was pending) and from which.
        thisRun: { from: now.from, applied: now.applied },
        migrations: applied.map((m) => ({ version: m.version, name: m.name, appliedAtMs: String(m.appliedAtMs) })),
      },
      [`The ${store.kind === 'sqlite' ? 'SQLite' : 'PostgreSQL'} schema is at version ${version}: ${thisRunWords(now)}. Applied:`, ...lines].join('\n'),
    );
    return 0;
  },
});

/** What one `migrate` did, beside the whole history: an upgrade's operator needs to tell a run that applied something from one that did not. */
function thisRunWords(u: SchemaUpgrade): string {
  if (u.applied.length === 0) return 'nothing to apply';
  if (u.from === 0) return `this run created it (migrations ${u.applied[0]} to ${u.applied.at(-1)})`;
  return `this run applied ${u.applied.join(', ')} (it was at version ${u.from})`;
}

const audit = defineCommand({
  name: 'audit',
  summary: "check the ledger's invariants (exit 1 on a violation)",
  positionals: [],
  options: {},
  store: 'existing',
  async run({ store, out }) {
    const report = await runLedgerAudit(store, cliActing());
    const lines = report.checks.map((c) =>
      c.violations.length === 0 ? `ok    ${c.name}` : `FAIL  ${c.name}\n${c.violations.map((v) => `        ${v}`).join('\n')}`,
    );
    for (const a of report.actions) if (a.findings.length > 0) lines.push(`ACT   ${a.name}\n${a.findings.map((v) => `        ${v}`).join('\n')}`);
    const t = report.totals;
    const count = (n: number, one: string, many: string) => `${n} ${n === 1 ? one : many}`;
    lines.push(`${report.ok ? 'Audit clean' : 'Audit FAILED'}: ${count(t.entries, 'journal entry', 'journal entries')}, ${count(t.postings, 'posting', 'postings')}, ${count(t.orders, 'order', 'orders')}.`);
    out.show(report, lines.join('\n'));
    return report.ok ? 0 : 1;
  },
});

export const platformCommands: CommandGroup = { title: 'Platform', commands: [serve, migrate, audit] };
