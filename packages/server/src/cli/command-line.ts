import { parseArgs } from 'node:util';
import type { Config } from '../config.js';
import type { Store } from '../store/store.js';
import { UsageError, type Output } from './common.js';

/**
 * The CLI's command table and its parser. Each command declares its words, arguments, options,
 * one-line summary and help text in one place; the parser accepts exactly those (plus the global
 * options) and refuses anything else by name, and every usage text is generated from the table,
 * so the help cannot drift from what the commands take. Node's parseArgs only splits the words
 * (non-strict); every message a person sees is written here.
 */

export interface OptionSpec {
  readonly type: 'string' | 'boolean';
  /** The value's placeholder in the usage: NAME, AMOUNT. */
  readonly value?: string;
  readonly required?: boolean;
  /** One line for the command's help. */
  readonly help: string;
}

export interface PositionalSpec {
  readonly name: string;
  readonly optional?: boolean;
  readonly help: string;
}

/**
 * What a command does with the store: `none` (it talks HTTP or only computes), `existing` (a
 * SQLite path with no file behind it is refused), `creates` (it may create a new store),
 * `upgrades` (migrate: it may create one or upgrade an older one), `own` (serve opens the store
 * itself, and upgrades it). No other command upgrades a store: it may run beside the old server.
 */
export type StoreUse = 'none' | 'existing' | 'creates' | 'upgrades' | 'own';

type OptionValues<O> = {
  readonly [K in keyof O]: O[K] extends { type: 'boolean' } ? boolean : O[K] extends { required: true } ? string : string | undefined;
};
type ArgValues<P extends readonly PositionalSpec[]> = {
  readonly [E in P[number] as E['name']]: E extends { optional: true } ? string | undefined : string;
};

export interface CommandContext<O, P extends readonly PositionalSpec[]> {
  readonly options: OptionValues<O>;
  readonly args: ArgValues<P>;
  readonly config: Config;
  /** The opened store; using it in a command whose `store` is `none` is a bug. */
  readonly store: Store;
  readonly out: Output;
  readonly json: boolean;
}

/** What every command's run() gets, before its declaration gives the values their types. */
export interface RunContext {
  readonly options: Readonly<Record<string, string | boolean | undefined>>;
  readonly args: Readonly<Record<string, string | undefined>>;
  readonly config: Config;
  readonly store: Store;
  readonly out: Output;
  readonly json: boolean;
}

export interface Command {
  /** The words that name it: `merchant create`, `paycode`. */
  readonly name: string;
  readonly summary: string;
  /** Further help paragraphs, after the options. */
  readonly details?: string;
  readonly positionals: readonly PositionalSpec[];
  readonly options: Readonly<Record<string, OptionSpec>>;
  readonly store: StoreUse;
  /** The store use for these options, when it depends on them (`paycode --offline` needs none). */
  readonly storeFor?: (options: RunContext['options']) => StoreUse;
  run(ctx: RunContext): Promise<number>;
}

export interface CommandGroup {
  readonly title: string;
  readonly commands: readonly Command[];
}

/** Declares a command; the types of `ctx.options` and `ctx.args` follow from its declaration. */
export function defineCommand<const O extends Record<string, OptionSpec>, const P extends readonly PositionalSpec[]>(spec: {
  readonly name: string;
  readonly summary: string;
  readonly details?: string;
  readonly positionals: P;
  readonly options: O;
  readonly store: StoreUse;
  readonly storeFor?: (options: OptionValues<O>) => StoreUse;
  run(ctx: CommandContext<O, P>): Promise<number>;
}): Command {
  // The parser gives run() exactly the declared options and arguments, checked: the cast only
  // restores the types the declaration implies.
  return spec as unknown as Command;
}

const DB_OPTION: OptionSpec = { type: 'string', value: 'PATH_OR_URL', help: 'the store: a SQLite path or a postgres:// URL (else DATABASE_URL, else ./data/micropay.db)' };
const JSON_OPTION: OptionSpec = { type: 'boolean', help: 'print one JSON object instead of text (also when the command fails)' };
const HELP_OPTION: OptionSpec = { type: 'boolean', help: 'show this help' };

/** The global options a command takes: --db only where there is a store to open. */
function globalOptions(command: Command): Record<string, OptionSpec> {
  return command.store === 'none' ? { json: JSON_OPTION, help: HELP_OPTION } : { db: DB_OPTION, json: JSON_OPTION, help: HELP_OPTION };
}

/** What the command line asks for. */
export type CommandLine =
  | { readonly kind: 'help'; readonly text: string }
  | { readonly kind: 'version'; readonly json: boolean }
  | {
      readonly kind: 'run';
      readonly command: Command;
      readonly options: Readonly<Record<string, string | boolean | undefined>>;
      readonly args: Readonly<Record<string, string | undefined>>;
      readonly db: string | undefined;
      readonly json: boolean;
    };

/**
 * A mistake in the command line, with where to get help: `micropay merchant create: --name is
 * required (see micropay merchant create --help)`.
 */
export class CommandLineError extends UsageError {
  constructor(
    /** The command or group it is about (`merchant create`, `merchant`); null: the command line as a whole. */
    readonly subject: string | null,
    problem: string,
    /** No command at all was given: the whole usage follows the line. */
    readonly wantsUsage = false,
  ) {
    super(`${problem} (see micropay ${subject === null ? '' : `${subject} `}--help)`);
  }
}

type Token = NonNullable<ReturnType<typeof parseArgs>['tokens']>[number];

export function parseCommandLine(argv: readonly string[], groups: readonly CommandGroup[]): CommandLine {
  const commands = groups.flatMap((g) => g.commands);
  const { tokens } = parseArgs({
    args: [...argv],
    options: allOptionTypes(commands),
    allowPositionals: true,
    strict: false,
    tokens: true,
  });
  const words = tokens.filter((t) => t.kind === 'positional').map((t) => t.value);
  const wantsHelp = tokens.some((t) => t.kind === 'option' && t.name === 'help');
  if (words[0] === 'help') return { kind: 'help', text: helpFor(words.slice(1), groups) };
  const command = findCommand(words, commands);
  if (command === null) {
    if (wantsHelp) return { kind: 'help', text: helpFor(words, groups) };
    if (words.length === 0) return withoutCommand(tokens);
    throw unknownCommand(words, commands);
  }
  if (wantsHelp) return { kind: 'help', text: commandHelp(command) };
  const known = { ...command.options, ...globalOptions(command) };
  const argWords = words.slice(command.name.split(' ').length);
  // After "--" every word is an argument: `merchant create -- --name X` meant --name as an option,
  // so the extra argument is the mistake to name, not the "missing" --name.
  const terminated = tokens.some((t) => t.kind === 'option-terminator');
  if (terminated) argValues(command, argWords, terminated);
  const options = optionValues(command, known, tokens);
  const args = argValues(command, argWords, terminated);
  return {
    kind: 'run',
    command,
    options,
    args,
    db: options.db as string | undefined,
    json: options.json === true,
  };
}

/** `micropay --version`; else, with no command, the first unknown option, or "no command given". */
function withoutCommand(tokens: readonly Token[]): CommandLine {
  const options = tokens.filter((t): t is Extract<Token, { kind: 'option' }> => t.kind === 'option');
  const isVersion = (t: Token) => t.kind === 'option' && t.rawName === '--version' && t.value === undefined;
  if (options.some(isVersion) && options.every((t) => isVersion(t) || (t.name === 'json' && t.value === undefined))) {
    return { kind: 'version', json: options.some((t) => t.name === 'json') };
  }
  const unknown = options.find((t) => t.name !== 'db' && t.name !== 'json');
  if (unknown !== undefined) throw new CommandLineError(null, `unknown option ${unknown.rawName}`);
  throw new CommandLineError(null, 'no command given', true);
}

/** Every option name any command takes, with its type, so parseArgs knows which take a value. */
function allOptionTypes(commands: readonly Command[]): Record<string, { type: 'string' | 'boolean'; short?: string }> {
  const types: Record<string, { type: 'string' | 'boolean'; short?: string }> = {
    db: { type: 'string' },
    json: { type: 'boolean' },
    help: { type: 'boolean', short: 'h' },
  };
  for (const command of commands) {
    for (const [name, spec] of Object.entries(command.options)) {
      const seen = types[name];
      if (seen !== undefined && seen.type !== spec.type) {
        throw new Error(`bug: option --${name} is a ${spec.type} in ${command.name} but a ${seen.type} elsewhere`);
      }
      types[name] = { type: spec.type };
    }
  }
  return types;
}

/** The command whose words begin the positionals; the longest such name wins. */
function findCommand(words: readonly string[], commands: readonly Command[]): Command | null {
  let found: Command | null = null;
  for (const command of commands) {
    const name = command.name.split(' ');
    if (name.every((w, i) => words[i] === w) && (found === null || name.length > found.name.split(' ').length)) found = command;
  }
  return found;
}

/** The commands under the first `depth` words (`wallet`, `wallet devices`). */
function groupUnder(words: readonly string[], depth: number, commands: readonly Command[]): Command[] {
  const prefix = `${words.slice(0, depth).join(' ')} `;
  return commands.filter((c) => c.name.startsWith(prefix));
}

/** The most words that name a group of commands (`wallet devices` of `wallet devices x`); 0: none. */
function groupDepth(words: readonly string[], commands: readonly Command[]): number {
  let depth = 0;
  while (depth < words.length && groupUnder(words, depth + 1, commands).length > 0) depth++;
  return depth;
}

function unknownCommand(words: readonly string[], commands: readonly Command[]): CommandLineError {
  if (words.length === 0) return new CommandLineError(null, 'no command given', true);
  const depth = groupDepth(words, commands);
  if (depth === 0) return new CommandLineError(null, `unknown command: ${words[0]}`);
  const name = words.slice(0, depth).join(' ');
  if (words.length === depth) {
    const subs = [...new Set(groupUnder(words, depth, commands).map((c) => c.name.split(' ')[depth]))].join(', ');
    return new CommandLineError(name, `a subcommand is needed: ${subs}`);
  }
  return new CommandLineError(name, `unknown command: ${name} ${words[depth]}`);
}

function optionValues(command: Command, known: Record<string, OptionSpec>, tokens: readonly Token[]): Record<string, string | boolean | undefined> {
  const fail = (problem: string) => new CommandLineError(command.name, problem);
  const values: Record<string, string | boolean | undefined> = {};
  for (const token of tokens) {
    if (token.kind !== 'option') continue;
    const spec = known[token.name];
    // parseArgs names an unknown `-x` "x"; the person typed rawName.
    if (spec === undefined || (token.rawName.length === 2 && token.name !== 'help')) {
      throw fail(`unknown option ${token.rawName}${/^-[0-9]/.test(token.rawName) ? ' (no argument is a negative number)' : ''}`);
    }
    if (token.name in values) throw fail(`--${token.name} is given twice`);
    if (spec.type === 'boolean') {
      if (token.value !== undefined) throw fail(`--${token.name} takes no value`);
      values[token.name] = true;
      continue;
    }
    // `--name --json` is a forgotten value, not a name: a value may start with "--" only inline.
    if (token.value === undefined || (!token.inlineValue && token.value.startsWith('--'))) {
      throw fail(`--${token.name} needs a value (${known[token.name]!.value ?? 'VALUE'})`);
    }
    values[token.name] = token.value;
  }
  for (const [name, spec] of Object.entries(command.options)) {
    if (spec.type === 'boolean') values[name] ??= false;
    else if (spec.required && (values[name] === undefined || values[name] === '')) {
      throw fail(values[name] === '' ? `--${name} must not be empty` : `--${name} is required`);
    }
  }
  values.json ??= false;
  return values;
}

/** `terminated`: the command line has a "--", after which an option-like word is an argument. */
function argValues(command: Command, words: readonly string[], terminated: boolean): Record<string, string | undefined> {
  const fail = (problem: string) => new CommandLineError(command.name, problem);
  if (words.length > command.positionals.length) {
    const extra = words[command.positionals.length]!;
    const why = terminated && extra.startsWith('-') ? ' (after "--" every word is an argument, not an option)' : '';
    throw fail(`unexpected argument ${JSON.stringify(extra.slice(0, 60))}${why}`);
  }
  const args: Record<string, string | undefined> = {};
  command.positionals.forEach((p, i) => {
    const word = words[i];
    if (word === '') throw fail(`${p.name} must not be empty`);
    if (word === undefined && !p.optional) throw fail(`${p.name} is required`);
    args[p.name] = word;
  });
  return args;
}

// ---------------------------------------------------------------------------------------------
// Help, generated from the table.

/** `micropay help`, `micropay help merchant`, `micropay help merchant create`. */
function helpFor(words: readonly string[], groups: readonly CommandGroup[]): string {
  const commands = groups.flatMap((g) => g.commands);
  if (words.length === 0) return usage(groups);
  if (words[0] === 'help' && words.length === 1) return HELP_HELP;
  const command = findCommand(words, commands);
  if (command !== null) return commandHelp(command);
  if (groupDepth(words, commands) === words.length) return groupHelp(words.join(' '), groupUnder(words, words.length, commands));
  throw unknownCommand(words, commands);
}

/** The top-level usage: every command with its arguments and summary. */
export function usage(groups: readonly CommandGroup[]): string {
  const lines = ['Usage: micropay <command> [options]', ''];
  for (const group of groups) {
    lines.push(`${group.title}:`, ...group.commands.map(listLine), '');
  }
  const storeless = groups.flatMap((g) => g.commands).filter((c) => c.store === 'none').map((c) => c.name);
  lines.push(
    'Every command takes --json (one JSON object, also on failure) and -h/--help.',
    `The commands that use the store (all but ${storeless.join(', ')}) take --db PATH_OR_URL:`,
    '  a SQLite path or a postgres:// URL; else DATABASE_URL, else ./data/micropay.db.',
    "A command's options: micropay <command> --help, or micropay help <command>. The version: micropay --version.",
  );
  return lines.join('\n');
}

const HELP_HELP = [
  'Usage: micropay help [COMMAND]',
  '',
  'Show the list of commands, or the help of a command or group:',
  'micropay help merchant create is micropay merchant create --help; micropay help merchant lists the',
  "merchant commands. micropay --help is micropay help.",
].join('\n');

const LIST_COLUMN = 40;

/** A command in a list: its words, arguments and required options, and its summary. */
function listLine(command: Command): string {
  const required = Object.entries(command.options).filter(([, spec]) => spec.required);
  const head = `  ${[command.name, ...command.positionals.map(positionalText), ...required.map(([name, spec]) => optionText(name, spec))].join(' ')}`;
  return head.length <= LIST_COLUMN - 2 ? `${head.padEnd(LIST_COLUMN)}${command.summary}` : `${head}\n${' '.repeat(LIST_COLUMN)}${command.summary}`;
}

function groupHelp(word: string, group: readonly Command[]): string {
  return [`Usage: micropay ${word} <command> [options]`, '', ...group.map(listLine), '', `A command's options: micropay ${word} <command> --help.`].join('\n');
}

function positionalText(p: PositionalSpec): string {
  return p.optional ? `[${p.name}]` : p.name;
}

function optionText(name: string, spec: OptionSpec): string {
  const text = spec.type === 'boolean' ? `--${name}` : `--${name} ${spec.value ?? 'VALUE'}`;
  return spec.required ? text : `[${text}]`;
}

/** A command's own help: its synopsis, summary, arguments, options and further text. */
export function commandHelp(command: Command): string {
  const globals = globalOptions(command);
  const synopsis = [
    `micropay ${command.name}`,
    ...command.positionals.map(positionalText),
    ...Object.entries(command.options).map(([name, spec]) => optionText(name, spec)),
  ].join(' ');
  const rows = (entries: [string, string][]) => {
    const width = Math.max(...entries.map(([left]) => left.length)) + 3;
    return entries.map(([left, right]) => `  ${left.padEnd(width)}${right}`);
  };
  const lines = [`Usage: ${synopsis}`, '', `${command.summary[0]!.toUpperCase()}${command.summary.slice(1)}.`];
  if (command.positionals.length > 0) {
    lines.push('', 'Arguments:', ...rows(command.positionals.map((p) => [p.name, p.help])));
  }
  const optionRows = (options: Record<string, OptionSpec>): [string, string][] =>
    Object.entries(options).map(([name, spec]) => [
      name === 'help' ? '-h, --help' : spec.type === 'boolean' ? `--${name}` : `--${name} ${spec.value ?? 'VALUE'}`,
      spec.required ? `${spec.help} (required)` : spec.help,
    ]);
  if (Object.keys(command.options).length > 0) lines.push('', 'Options:', ...rows(optionRows(command.options)));
  lines.push('', 'Global options:', ...rows(optionRows(globals)));
  if (command.details !== undefined) lines.push('', command.details);
  return lines.join('\n');
}
