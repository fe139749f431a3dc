#!/usr/bin/env node
import { readFileSync } from 'node:fs';
import { ConfigError, loadConfig, type Config } from '../config.js';
import { isPostgresUrl, openStore, redactUrl, servesSqliteFile, storeExists } from '../store-open.js';
import { SqliteServeLock, StoreInUseError } from '../store/sqlite/serve-lock.js';
import { OlderSchemaError } from '../store/schema-version.js';
import type { Store } from '../store/store.js';
import { COMMANDS } from './commands.js';
import { CommandLineError, parseCommandLine, usage, type Command, type CommandLine } from './command-line.js';
import { CommandFailed, UsageError, type Output } from './common.js';
import { MasterKeyError } from '../secrets/merchant-key-vault.js';

/**
 * A command that fails says why in one line on stderr; with --json it also prints one JSON object
 * on stdout, `{"error": {"kind", "message"}}`, so a script always gets JSON. Exit 2 for usage and
 * configuration mistakes, 1 for everything else.
 */
function failed(json: boolean, kind: 'usage' | 'config' | 'failed', message: string, line: string): number {
  if (json) process.stdout.write(JSON.stringify({ error: { kind, message } }) + '\n');
  process.stderr.write(`${line}\n`);
  return kind === 'failed' ? 1 : 2;
}

/**
 * The `micropay` command: dispatch only. Each group's file declares its commands (words,
 * arguments, options, help) and runs them (commands.ts lists the groups); this finds the command,
 * loads the configuration, opens the store when the command needs it, and turns failures into one
 * line and an exit code. Every command prints readable text, or one JSON object with --json.
 */
export async function main(argv: string[]): Promise<number> {
  let line: CommandLine;
  try {
    line = parseCommandLine(argv, COMMANDS);
  } catch (error) {
    if (!(error instanceof CommandLineError)) throw error;
    const code = failed(argv.includes('--json'), 'usage', error.message, `micropay${error.subject === null ? '' : ` ${error.subject}`}: ${error.message}`);
    if (error.wantsUsage) process.stderr.write(`\n${usage(COMMANDS)}\n`);
    return code;
  }
  if (line.kind === 'help') {
    process.stdout.write(`${line.text}\n`);
    return 0;
  }
  if (line.kind === 'version') {
    const version = packageVersion();
    process.stdout.write(`${line.json ? JSON.stringify({ version }) : `micropay ${version}`}\n`);
    return 0;
  }
  const { command, json } = line;
  const out: Output = { show: (value, text) => process.stdout.write((json ? JSON.stringify(value) : text) + '\n') };
  try {
    const options = line.options;
    const config = loadConfig({
      db: line.db,
      port: options.port as string | undefined,
      adminPort: options['admin-port'] as string | undefined,
      host: options.host as string | undefined,
      sandbox: options.sandbox === true,
    });
    return await run(command, line, config, out);
  } catch (error) {
    const message = (error as Error).message;
    if (error instanceof UsageError) {
      const full = `${message} (see micropay ${command.name} --help)`;
      return failed(json, 'usage', full, `micropay ${command.name}: ${full}`);
    }
    // A missing or wrong master key is the configuration's mistake too (exit 2), never a stack trace.
    if (error instanceof MasterKeyError) return failed(json, 'config', message, `micropay: ${message}`);
    if (error instanceof ConfigError) return failed(json, 'config', message, `micropay: configuration error: ${message}`);
    const said = sqliteWords(error) ?? message;
    return failed(json, 'failed', said, `micropay: ${said}`);
  }
}

/**
 * SQLite's bare "database is locked" and "disk I/O error" in words that say what happened to the
 * command and what to do: a money command's operator must know whether it is safe to run again.
 */
function sqliteWords(error: unknown): string | null {
  const code = (error as { code?: unknown }).code;
  if (typeof code !== 'string') return null;
  if (code.startsWith('SQLITE_BUSY')) {
    return 'the store is busy: another process held its write lock for 5 s (a sqlite3 shell left in a transaction, a backup tool?). '
      + 'The change the command was making was not recorded: run it again once the lock is let go';
  }
  if (code.startsWith('SQLITE_IOERR')) {
    return `the store's files could not be read or written (${(error as Error).message}): were its -wal or -shm files deleted or moved under a running server? `
      + 'Stop the server and see docs/operations.md#restore';
  }
  return null;
}

/** The server package's version (src/cli and dist/cli are both two levels below its package.json). */
function packageVersion(): string {
  return (JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string }).version;
}

async function run(command: Command, line: Extract<CommandLine, { kind: 'run' }>, config: Config, out: Output): Promise<number> {
  const { options, args, json } = line;
  const use = command.storeFor?.(options) ?? command.store;
  if (use === 'none' || use === 'own') {
    return command.run({
      options, args, config, out, json,
      get store(): Store {
        throw new Error(`bug: ${command.name} declares no store`);
      },
    });
  }
  if (use === 'existing' && !(await storeExists(config.database))) {
    throw new CommandFailed(
      `no store ${storeWhere(config.database)}: check --db or DATABASE_URL (serve, migrate, merchant create and wallet create create a new store)`,
    );
  }
  // A command that makes a store where none was (a shell without DATABASE_URL makes the default
  // ./data/micropay.db) says so, on stderr: merchants and keys made in a store nobody serves are lost.
  const creating = (use === 'creates' || use === 'upgrades') && !(await storeExists(config.database));
  const lock = use === 'upgrades' && !creating ? await upgradeLock(config) : null;
  try {
    const store = lock instanceof StoreInUseError ? await servedStore(config, lock) : await openStore(config, undefined, { upgrade: use === 'upgrades' });
    if (creating) process.stderr.write(`micropay: no store was there, so a new one was made ${storeWhere(config.database)}; check --db or DATABASE_URL if you meant another\n`);
    try {
      return await command.run({ options, args, config, out, json, store });
    } finally {
      await store.close();
    }
  } finally {
    if (lock instanceof SqliteServeLock) lock.release();
  }
}

/** The store opened as it is, or null when it needs an upgrade (OlderSchemaError). */
async function currentStore(config: Config): Promise<Store | null> {
  try {
    return await openStore(config, undefined, { upgrade: false });
  } catch (error) {
    if (error instanceof OlderSchemaError) return null;
    throw error;
  }
}

/** How long an upgrade waits for the serve lock: another `migrate` holds it for seconds, a server for good. */
const UPGRADE_LOCK_WAIT_MS = 5000;

/**
 * A SQLite store is upgraded only while no server serves it: the server's lock is taken for the
 * upgrade (store/sqlite/serve-lock.ts). An older server left serving would go on taking payments,
 * and making payout files by its own rules, on the new schema. Answers the lock, or who holds it.
 * PostgreSQL's servers are upgraded as docs/operations.md#migrations says: no lock.
 */
async function upgradeLock(config: Config, waitMs = 0): Promise<SqliteServeLock | StoreInUseError | null> {
  if (!servesSqliteFile(config)) return null;
  const deadline = Date.now() + waitMs;
  for (;;) {
    try {
      return SqliteServeLock.acquire(config.database, 'upgrading');
    } catch (error) {
      if (!(error instanceof StoreInUseError)) throw error;
      if (Date.now() >= deadline) return error;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }
}

/**
 * The store another process serves: opened as it is when it needs no upgrade (migrate then lists
 * it); else the lock is waited for a little (another migrate may hold it), and refused when a
 * server keeps it.
 */
async function servedStore(config: Config, serving: StoreInUseError): Promise<Store> {
  const current = await currentStore(config);
  if (current !== null) return current;
  const lock = await upgradeLock(config, UPGRADE_LOCK_WAIT_MS);
  if (!(lock instanceof SqliteServeLock)) {
    // Upgraded meanwhile (by a server starting, or another migrate): nothing is left to do.
    const upgraded = await currentStore(config);
    if (upgraded !== null) return upgraded;
    const holder = (lock ?? serving).holder;
    if (holder?.holding === 'upgrading') {
      throw new CommandFailed(`another micropay migrate (${holder.process}) is upgrading the SQLite store ${serving.storePath}: let it finish`);
    }
    throw new CommandFailed(`a MicroPay server${holder === null ? '' : ` (${holder.process})`} is serving the SQLite store ${serving.storePath}: stop it before upgrading ` +
      'the store, then run micropay migrate again, or start the new server, which upgrades it (docs/operations.md#migrations)');
  }
  // Held only for the upgrade: the store keeps no lock of its own (serve holds one for its life).
  try {
    return await openStore(config, undefined, { upgrade: true });
  } finally {
    lock.release();
  }
}

/** Where the store is, in a message: the SQLite file, or the PostgreSQL database without its password. */
function storeWhere(database: string): string {
  return isPostgresUrl(database) ? `in the PostgreSQL database ${redactUrl(database)}` : `at ${database}`;
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
