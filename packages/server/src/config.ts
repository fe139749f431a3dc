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
  const maxAmount = setting(undefined, 'MICROPAY_MAX_AMOUNT') ?? '50000.00';
  const maxAmountSen = parseAmountSen(maxAmount);
  if (maxAmountSen === null || maxAmountSen <= 0) {
    throw new ConfigError(`MICROPAY_MAX_AMOUNT: must be a positive amount like 50000.00, not ${JSON.stringify(maxAmount)}`);
  }
  return {
    host: setting(flags.host, 'HOST') ?? '127.0.0.1',
    port: integer(flags.port !== undefined ? '--port' : 'PORT', setting(flags.port, 'PORT'), 8080, 0, 65535),
    database: setting(flags.db, 'DATABASE_URL') ?? DEFAULT_DATABASE,
    sandbox: flags.sandbox ?? false,
    timeZone,
    payCodeTtlS: integer('MICROPAY_PAYCODE_TTL_S', setting(undefined, 'MICROPAY_PAYCODE_TTL_S'), 60, 1, 86_400),
    timestampWindowS: integer('MICROPAY_TIMESTAMP_WINDOW_S', setting(undefined, 'MICROPAY_TIMESTAMP_WINDOW_S'), 300, 1, 86_400),
    maxAmountSen,
    bodyLimitBytes: integer('MICROPAY_BODY_LIMIT_BYTES', setting(undefined, 'MICROPAY_BODY_LIMIT_BYTES'), 16_384, 1_024, 1_048_576),
    logLevel,
  };
}

function integer(name: string, value: string | undefined, fallback: number, min: number, max: number): number {
  if (value === undefined) return fallback;
  if (!/^[0-9]+$/.test(value) || Number(value) < min || Number(value) > max) {
    throw new ConfigError(`${name}: must be a whole number from ${min} to ${max}, not ${JSON.stringify(value)}`);
  }
  return Number(value);
}
