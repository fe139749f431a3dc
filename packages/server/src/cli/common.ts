import { formatSen, parseAmountSen } from '@micropay/protocol';
import { MAX_PIN_FAILURES } from '../domain/credentials.js';
import type { Wallet } from '../domain/model.js';

/** Shared by the CLI's command modules. */
export interface Output {
  /** Prints `json` with --json, else the readable lines. */
  show(json: unknown, text: string): void;
}

/** A mistake in the command line: printed with the usage, exit code 2. */
export class UsageError extends Error {}

export function need(value: string | undefined, what: string): string {
  if (value === undefined || value === '') throw new UsageError(`missing ${what}`);
  return value;
}

export function amountSen(text: string, what: string): number {
  const sen = parseAmountSen(text);
  if (sen === null || sen <= 0) throw new UsageError(`${what} must be a positive amount like 100.00`);
  return sen;
}

/** The command could not do what was asked (no such wallet, a frozen wallet, no answer): exit 1. */
export class CommandFailed extends Error {}

export function notFound(what: string): never {
  throw new CommandFailed(`no ${what}`);
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
    pinLocked: w.pinFailures >= MAX_PIN_FAILURES,
  };
}
