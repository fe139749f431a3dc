#!/usr/bin/env node
import { readFileSync } from 'node:fs';
import { ConfigError, loadConfig, type Config } from '../config.js';
import { isPostgresUrl, openStore, redactUrl, storeExists } from '../store-open.js';
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
    return failed(json, 'failed', message, `micropay: ${message}`);
  }
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
  const store = await openStore(config, undefined, { upgrade: use === 'upgrades' });
  if (creating) process.stderr.write(`micropay: no store was there, so a new one was made ${storeWhere(config.database)}; check --db or DATABASE_URL if you meant another\n`);
  try {
    return await command.run({ options, args, config, out, json, store });
  } finally {
    await store.close();
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
