import { userInfo } from 'node:os';
import { formatSen, formatZonedTime, parseAmountSen } from '@micropay/protocol';
import type { ActingAs } from '../domain/audit-log.js';
import { positiveAmountOf } from '../services/operator-actions.js';
import type { Config } from '../config.js';
import { isPinLocked } from '../domain/credentials.js';
import type { Wallet } from '../domain/model.js';

/** Shared by the CLI's command modules. */
export interface Output {
  /** Prints `json` with --json, else the readable lines. */
  show(json: unknown, text: string): void;
}

/**
 * A mistake in the command line, found by the command itself (a malformed amount, say): printed
 * as one line with where to get help, exit code 2.
 */
export class UsageError extends Error {}

/** The environment variable that may carry a merchant key instead of --key. */
export const KEY_VARIABLE = 'MICROPAY_KEY';
export const KEY_HELP = `(or the ${KEY_VARIABLE} environment variable, which keeps the key out of ps and shell history)`;

/**
 * The merchant key of an API or signing command: --key, else MICROPAY_KEY. A key on the command
 * line is visible to every user of the machine (ps, /proc) and stays in shell history.
 */
export function merchantKey(flag: string | undefined, env: NodeJS.ProcessEnv = process.env): string {
  const key = flag ?? env[KEY_VARIABLE];
  if (key === undefined || key === '') throw new UsageError(`--key is required (or set ${KEY_VARIABLE})`);
  return key;
}

export function amountSen(text: string, what: string): number {
  // The rule is the operator actions' (services/operator-actions.ts), shared with the consoles.
  const sen = positiveAmountOf(text, what.replace(/^--/, ''));
  return typeof sen === 'number' ? sen : badInput(sen);
}

/** The command could not do what was asked (no such wallet, a frozen wallet, no answer): exit 1. */
export class CommandFailed extends Error {}

export function notFound(what: string): never {
  throw new CommandFailed(`no ${what}`);
}

/** A time as a person reads it: in the platform's time zone, with its offset. */
export function timeText(epochMs: number, config: Config): string {
  return formatZonedTime(epochMs, config.timeZone);
}

export function walletJson(w: Wallet) {
  return {
    walletId: w.walletId,
    name: w.name,
    balance: formatSen(w.balanceSen),
    held: formatSen(w.heldSen),
    status: w.status,
    confirmLimit: w.confirmLimitSen === null ? null : formatSen(w.confirmLimitSen),
    hasPin: w.hasPin,
    pinLocked: isPinLocked(w.pinFailures),
  };
}

/**
 * The CLI's actor in the audit log: the OS user who runs the command (an operator on the server),
 * from no network address. A user without a name in the system's database is logged by its uid.
 */
export function cliActing(): ActingAs {
  let name: string;
  try {
    name = userInfo().username;
  } catch {
    name = `uid ${process.getuid?.() ?? 'unknown'}`;
  }
  return { actor: { kind: 'cli', name: name === '' ? 'unknown' : name }, address: null };
}

/** A refusal of the operator's input (services/operator-actions.ts) as a usage error naming the option or argument. */
export function badInput(b: { readonly field: string; readonly problem: string }): never {
  const flag = /^[A-Z]+$/.test(b.field) ? b.field : `--${b.field}`;
  throw new UsageError(`${flag}${/^(must|is) /.test(b.problem) ? ' ' : ': '}${b.problem}`);
}

/** A day not over yet is no settlement: said under the figures, which are those so far (or none, for a day to come). */
export function dayNotOver(window: { fromMs: number; toMs: number }, nowMs: number, config: Config): string[] {
  if (window.fromMs > nowMs) return ['This day has not begun: nothing has moved in it yet.'];
  if (window.toMs > nowMs) return [`This day is not over (it ends ${timeText(window.toMs, config)}): the figures are those so far.`];
  return [];
}
