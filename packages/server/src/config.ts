import { isValidTimeZone, parseAmountSen } from '@micropay/protocol';

/**
 * The platform's configuration: read once at start from flags and the environment, validated,
 * then passed around as a plain typed value. A bad value stops the start with a message naming it.
 * Every setting is listed in docs/configuration.md.
 */
export interface Config {
  readonly host: string;
  readonly port: number;
  /** SQLite file path, or a postgres:// URL. */
  readonly database: string;
  readonly sandbox: boolean;
  readonly timeZone: string;
  readonly payCodeTtlS: number;
  readonly timestampWindowS: number;
  readonly maxAmountSen: number;
  /** Payments above this wait for the user's confirmation (a wallet may have its own limit). */
  readonly confirmLimitSen: number;
  readonly confirmTimeoutS: number;
  /** How long an order left NEW by a fault waits before the sweeper fails it. */
  readonly newOrderTimeoutS: number;
  readonly sweepIntervalMs: number;
  readonly bodyLimitBytes: number;
  readonly logLevel: LogLevel;
}

export type LogLevel = 'error' | 'info' | 'debug';

export class ConfigError extends Error {
  override name = 'ConfigError';
}

export const DEFAULT_DATABASE = './data/micropay.db';

/** Flags win over the environment; the environment wins over defaults. */
export interface ConfigFlags {
  host?: string | undefined;
  port?: string | undefined;
  db?: string | undefined;
  sandbox?: boolean | undefined;
}

export function loadConfig(flags: ConfigFlags = {}, env: NodeJS.ProcessEnv = process.env): Config {
  const setting = (flag: string | undefined, name: string): string | undefined => {
    const value = flag ?? env[name];
    return value === undefined || value === '' ? undefined : value;
  };
  const timeZone = setting(undefined, 'MICROPAY_TIMEZONE') ?? 'Asia/Kuala_Lumpur';
  if (!isValidTimeZone(timeZone)) throw new ConfigError(`MICROPAY_TIMEZONE: unknown time zone ${JSON.stringify(timeZone)}`);
  const logLevel = setting(undefined, 'MICROPAY_LOG_LEVEL') ?? 'info';
  if (logLevel !== 'error' && logLevel !== 'info' && logLevel !== 'debug') {
    throw new ConfigError(`MICROPAY_LOG_LEVEL: must be error, info or debug, not ${JSON.stringify(logLevel)}`);
  }
  return {
    host: setting(flags.host, 'HOST') ?? '127.0.0.1',
    port: integer(flags.port !== undefined ? '--port' : 'PORT', setting(flags.port, 'PORT'), 8080, 0, 65535),
    database: setting(flags.db, 'DATABASE_URL') ?? DEFAULT_DATABASE,
    sandbox: flags.sandbox ?? false,
    timeZone,
    payCodeTtlS: integer('MICROPAY_PAYCODE_TTL_S', setting(undefined, 'MICROPAY_PAYCODE_TTL_S'), 60, 1, 86_400),
    timestampWindowS: integer('MICROPAY_TIMESTAMP_WINDOW_S', setting(undefined, 'MICROPAY_TIMESTAMP_WINDOW_S'), 300, 1, 86_400),
    maxAmountSen: amount('MICROPAY_MAX_AMOUNT', setting(undefined, 'MICROPAY_MAX_AMOUNT'), '50000.00', 1),
    confirmLimitSen: amount('MICROPAY_CONFIRM_LIMIT', setting(undefined, 'MICROPAY_CONFIRM_LIMIT'), '250.00', 0),
    confirmTimeoutS: integer('MICROPAY_CONFIRM_TIMEOUT_S', setting(undefined, 'MICROPAY_CONFIRM_TIMEOUT_S'), 60, 1, 86_400),
    newOrderTimeoutS: integer('MICROPAY_NEW_ORDER_TIMEOUT_S', setting(undefined, 'MICROPAY_NEW_ORDER_TIMEOUT_S'), 30, 1, 86_400),
    sweepIntervalMs: integer('MICROPAY_SWEEP_INTERVAL_MS', setting(undefined, 'MICROPAY_SWEEP_INTERVAL_MS'), 1_000, 50, 600_000),
    bodyLimitBytes: integer('MICROPAY_BODY_LIMIT_BYTES', setting(undefined, 'MICROPAY_BODY_LIMIT_BYTES'), 16_384, 1_024, 1_048_576),
    logLevel,
  };
}

function amount(name: string, value: string | undefined, fallback: string, minSen: number): number {
  const sen = parseAmountSen(value ?? fallback);
  if (sen === null || sen < minSen) {
    throw new ConfigError(`${name}: must be ${minSen > 0 ? 'a positive' : 'an'} amount like ${fallback}, not ${JSON.stringify(value)}`);
  }
  return sen;
}

function integer(name: string, value: string | undefined, fallback: number, min: number, max: number): number {
  if (value === undefined) return fallback;
  if (!/^[0-9]+$/.test(value) || Number(value) < min || Number(value) > max) {
    throw new ConfigError(`${name}: must be a whole number from ${min} to ${max}, not ${JSON.stringify(value)}`);
  }
  return Number(value);
}
