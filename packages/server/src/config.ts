import { readFileSync } from 'node:fs';
import { isIP } from 'node:net';
import { isValidTimeZone, parseAmountSen } from '@micropay/protocol';
import { MASTER_KEY_FORMAT, MasterKey } from './secrets/master-key.js';
import { LONGEST_HOLD_MS } from './domain/pay-time.js';
import { DAY_MS, DEFAULT_DEVICE_LIFETIME_DAYS } from './domain/offline-code.js';
import { parseNetworks, type Network } from './notify/destinations.js';

/**
 * The platform's configuration: read once at start from flags and the environment, validated,
 * then passed around as a plain typed value. A bad value stops the start with a message naming it.
 * Every setting is listed in docs/configuration.md.
 */
export interface Config {
  readonly host: string;
  readonly port: number;
  /** Serve /health/* and /metrics on this port (same host) instead of the API's; null: on the API's. */
  readonly adminPort: number | null;
  /** Prometheus metrics at /metrics, and the request and batch instrumentation behind them. */
  readonly metrics: boolean;
  /** Run the request path in-process before listening (http/warm-up.ts); tests turn it off. */
  readonly warmUp: boolean;
  /** New connections the API accepts per event-loop turn at most (http/accept-copies.ts); 1: Node's own one. */
  readonly acceptsPerTurn: number;
  /** SQLite file path, or a postgres:// URL. */
  readonly database: string;
  readonly sandbox: boolean;
  readonly timeZone: string;
  readonly payCodeTtlS: number;
  /** How long an offline-code device's enrolment lasts after enrolment or its last renewal (MICROPAY_OFFLINE_DEVICE_DAYS; docs/offline-codes.md). */
  readonly offlineDeviceLifetimeMs: number;
  readonly timestampWindowS: number;
  readonly maxAmountSen: number;
  /** Payments above this wait for the user's confirmation (a wallet may have its own limit). */
  readonly confirmLimitSen: number;
  readonly confirmTimeoutS: number;
  /** How long an order left NEW by a fault waits before the sweeper fails it. */
  readonly newOrderTimeoutS: number;
  readonly sweepIntervalMs: number;
  /** PostgreSQL only: connections per process, and the longest a statement may run. */
  readonly pgPoolSize: number;
  readonly pgStatementTimeoutMs: number;
  /** A refund still REFUND_IN_PROCESS this long after it was requested is finished by the refund job. */
  readonly refundStaleS: number;
  readonly bodyLimitBytes: number;
  readonly logLevel: LogLevel;
  /** How often the notification worker looks for due notifications. */
  readonly notifyIntervalMs: number;
  /** How long one notification POST may take, response body included. */
  readonly notifyTimeoutMs: number;
  /** Seconds to wait after each failed attempt; after the last, the notification is dead. */
  readonly notifyRetryScheduleS: readonly number[];
  /** Private networks that may receive notifications (notify/destinations.ts); loopback in sandbox mode. */
  readonly notifyPrivateNetworks: readonly Network[];
  /** The same for a server started with --sandbox, for the CLI to tell a sandbox's warnings (cli/merchant-commands.ts). */
  readonly notifyPrivateNetworksInSandbox: readonly Network[];
  /** Browser origins allowed to call the wallet API (CORS); empty: none (http/cors.ts). */
  readonly walletCorsOrigins: readonly string[];
  /** The platform's address as people reach it (behind a proxy), for the links the CLI prints; null: HOST:PORT. */
  readonly publicUrl: string | null;
  /** The key merchant keys are encrypted under at rest (secrets/); null: not set. */
  readonly masterKey: MasterKey | null;
  /** During a rotation, the key being retired: it only decrypts. */
  readonly oldMasterKey: MasterKey | null;
  /** Before a rotation, the key that will replace masterKey: it only decrypts (so every server reads keys the rotation writes). */
  readonly nextMasterKey: MasterKey | null;
  /** On SIGTERM/SIGINT: how long the drain (requests in flight, the last batch, jobs, store) may take. */
  readonly shutdownTimeoutMs: number;
  /** Sign-in attempts per client address: this many at once, refilled over a minute (domain/sign-in-limits.ts). */
  readonly signInPerAddress: number;
  /** Sign-in attempts per account: this many at once, refilled over five minutes. */
  readonly signInPerAccount: number;
}

/** About 24 hours in all: quick retries for a blip, then hourly and longer for an outage. */
export const DEFAULT_NOTIFY_RETRY_SCHEDULE_S = '15,15,30,180,1800,1800,1800,1800,3600,10800,21600,43200';

export type LogLevel = 'error' | 'warn' | 'info' | 'debug';
const LOG_LEVELS: readonly LogLevel[] = ['error', 'warn', 'info', 'debug'];

export class ConfigError extends Error {
  override name = 'ConfigError';
}

export const DEFAULT_DATABASE = './data/micropay.db';

/** Flags win over the environment; the environment wins over defaults. */
export interface ConfigFlags {
  host?: string | undefined;
  port?: string | undefined;
  adminPort?: string | undefined;
  db?: string | undefined;
  sandbox?: boolean | undefined;
}

/** MICROPAY_ names read by programs other than the server: the CLI's merchant key, the test suite's. */
const OTHER_PROGRAMS = /^MICROPAY_(KEY|TEST_[A-Z0-9_]*|REQUIRE_POSTGRES|CHROMIUM)$/;
/** Names people reach for that are spelled otherwise here. */
const SPELLED_OTHERWISE: Readonly<Record<string, string>> = { MICROPAY_PORT: 'PORT', MICROPAY_HOST: 'HOST', MICROPAY_DATABASE_URL: 'DATABASE_URL', MICROPAY_DB: 'DATABASE_URL or --db' };

/**
 * `MICROPAY_` names in the environment that no setting reads, each with a word on what was meant:
 * a typo (MICROPAY_CONFRIM_LIMIT) or a name spelled otherwise here (MICROPAY_PORT: the port is PORT)
 * would otherwise be dropped without a word. The names read are those loadConfig asks for.
 */
export function unknownSettings(env: NodeJS.ProcessEnv = process.env, flags: ConfigFlags = {}): { readonly name: string; readonly hint: string }[] {
  const read = new Set<string>();
  const watched = new Proxy(env, { get: (target, name) => (typeof name === 'string' && read.add(name), Reflect.get(target, name)) });
  try {
    // With the flags the command was given: a flag that overrides a bad variable lets the load read on.
    loadConfig(flags, watched);
  } catch {
    // A bad value stops the real start with its own message; the names read up to it are known.
  }
  const settings = [...read].filter((name) => name.startsWith('MICROPAY_'));
  return Object.keys(env).filter((name) => name.startsWith('MICROPAY_') && !read.has(name) && !OTHER_PROGRAMS.test(name)).map((name) => {
    if (SPELLED_OTHERWISE[name] !== undefined) return { name, hint: `not a setting: it is ${SPELLED_OTHERWISE[name]}` };
    const near = nearest(name, settings);
    return { name, hint: near === null ? 'not a setting (docs/configuration.md)' : `not a setting: did you mean ${near}?` };
  });
}

/** The setting a typo most likely meant: within a few letters of it (edits, or a part left off). */
function nearest(name: string, settings: readonly string[]): string | null {
  let best: { name: string; distance: number } | null = null;
  for (const setting of settings) {
    const distance = editDistance(name, setting);
    if (distance <= 3 && (best === null || distance < best.distance)) best = { name: setting, distance };
  }
  return best?.name ?? null;
}

/** Levenshtein's distance: the fewest letters added, removed or changed to turn one into the other. */
function editDistance(a: string, b: string): number {
  let row = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const next = [i];
    for (let j = 1; j <= b.length; j++) next[j] = Math.min(row[j]! + 1, next[j - 1]! + 1, row[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
    row = next;
  }
  return row[b.length]!;
}

export function loadConfig(flags: ConfigFlags = {}, env: NodeJS.ProcessEnv = process.env): Config {
  const setting = (flag: string | undefined, name: string): string | undefined => {
    const value = flag ?? env[name];
    return value === undefined || value === '' ? undefined : value;
  };
  const secret = (name: string) => secretSetting(name, setting(undefined, name), setting(undefined, `${name}_FILE`));
  const timeZone = setting(undefined, 'MICROPAY_TIMEZONE') ?? 'Asia/Kuala_Lumpur';
  if (!isValidTimeZone(timeZone)) throw new ConfigError(`MICROPAY_TIMEZONE: unknown time zone ${JSON.stringify(timeZone)}`);
  const logLevel = (setting(undefined, 'MICROPAY_LOG_LEVEL') ?? 'info') as LogLevel;
  if (!LOG_LEVELS.includes(logLevel)) throw new ConfigError(`MICROPAY_LOG_LEVEL: must be ${LOG_LEVELS.join(', ')}, not ${JSON.stringify(logLevel)}`);
  const portName = flags.port !== undefined ? '--port' : 'PORT';
  const port = integer(portName, setting(flags.port, 'PORT'), 8080, 0, 65535);
  const adminPortName = flags.adminPort !== undefined ? '--admin-port' : 'MICROPAY_ADMIN_PORT';
  const admin = adminPort(adminPortName, setting(flags.adminPort, 'MICROPAY_ADMIN_PORT'));
  // Two listeners cannot share a port; 0 asks each for a free one of its own.
  if (admin !== null && admin !== 0 && admin === port) {
    throw new ConfigError(`${adminPortName}: must differ from ${portName} (${port}): health and metrics get a listener of their own`);
  }
  return {
    host: host(flags.host !== undefined ? '--host' : 'HOST', setting(flags.host, 'HOST') ?? '127.0.0.1'),
    port,
    adminPort: admin,
    metrics: onOff('MICROPAY_METRICS', setting(undefined, 'MICROPAY_METRICS'), true),
    warmUp: onOff('MICROPAY_WARM_UP', setting(undefined, 'MICROPAY_WARM_UP'), true),
    acceptsPerTurn: integer('MICROPAY_ACCEPTS_PER_TURN', setting(undefined, 'MICROPAY_ACCEPTS_PER_TURN'), 16, 1, 64),
    database: database(flags.db !== undefined ? '--db' : 'DATABASE_URL', setting(flags.db, 'DATABASE_URL') ?? DEFAULT_DATABASE),
    sandbox: flags.sandbox ?? false,
    timeZone,
    payCodeTtlS: integer('MICROPAY_PAYCODE_TTL_S', setting(undefined, 'MICROPAY_PAYCODE_TTL_S'), 60, 1, 86_400),
    offlineDeviceLifetimeMs: integer('MICROPAY_OFFLINE_DEVICE_DAYS', setting(undefined, 'MICROPAY_OFFLINE_DEVICE_DAYS'), DEFAULT_DEVICE_LIFETIME_DAYS, 1, 365) * DAY_MS,
    timestampWindowS: integer('MICROPAY_TIMESTAMP_WINDOW_S', setting(undefined, 'MICROPAY_TIMESTAMP_WINDOW_S'), 300, 1, 86_400),
    maxAmountSen: amount('MICROPAY_MAX_AMOUNT', setting(undefined, 'MICROPAY_MAX_AMOUNT'), '50000.00', 1),
    confirmLimitSen: amount('MICROPAY_CONFIRM_LIMIT', setting(undefined, 'MICROPAY_CONFIRM_LIMIT'), '250.00', 0),
    // At most the longest hold, which statements rely on (domain/pay-time.ts).
    confirmTimeoutS: integer('MICROPAY_CONFIRM_TIMEOUT_S', setting(undefined, 'MICROPAY_CONFIRM_TIMEOUT_S'), 60, 1, LONGEST_HOLD_MS / 1000),
    newOrderTimeoutS: integer('MICROPAY_NEW_ORDER_TIMEOUT_S', setting(undefined, 'MICROPAY_NEW_ORDER_TIMEOUT_S'), 30, 1, 86_400),
    pgPoolSize: integer('MICROPAY_PG_POOL_SIZE', setting(undefined, 'MICROPAY_PG_POOL_SIZE'), 20, 1, 500),
    pgStatementTimeoutMs: integer(
      'MICROPAY_PG_STATEMENT_TIMEOUT_MS', setting(undefined, 'MICROPAY_PG_STATEMENT_TIMEOUT_MS'), 10_000, 100, 600_000,
    ),
    sweepIntervalMs: integer('MICROPAY_SWEEP_INTERVAL_MS', setting(undefined, 'MICROPAY_SWEEP_INTERVAL_MS'), 1_000, 50, 600_000),
    refundStaleS: integer('MICROPAY_REFUND_STALE_S', setting(undefined, 'MICROPAY_REFUND_STALE_S'), 5, 1, 3_600),
    bodyLimitBytes: integer('MICROPAY_BODY_LIMIT_BYTES', setting(undefined, 'MICROPAY_BODY_LIMIT_BYTES'), 16_384, 1_024, 1_048_576),
    logLevel,
    notifyIntervalMs: integer('MICROPAY_NOTIFY_INTERVAL_MS', setting(undefined, 'MICROPAY_NOTIFY_INTERVAL_MS'), 1_000, 50, 600_000),
    notifyTimeoutMs: integer('MICROPAY_NOTIFY_TIMEOUT_MS', setting(undefined, 'MICROPAY_NOTIFY_TIMEOUT_MS'), 5_000, 100, 60_000),
    notifyRetryScheduleS: schedule('MICROPAY_NOTIFY_RETRY_SCHEDULE_S', setting(undefined, 'MICROPAY_NOTIFY_RETRY_SCHEDULE_S')),
    notifyPrivateNetworks: networks('MICROPAY_NOTIFY_PRIVATE_NETWORKS', setting(undefined, 'MICROPAY_NOTIFY_PRIVATE_NETWORKS'), flags.sandbox ?? false),
    notifyPrivateNetworksInSandbox: networks('MICROPAY_NOTIFY_PRIVATE_NETWORKS', setting(undefined, 'MICROPAY_NOTIFY_PRIVATE_NETWORKS'), true),
    walletCorsOrigins: origins('MICROPAY_WALLET_CORS_ORIGINS', setting(undefined, 'MICROPAY_WALLET_CORS_ORIGINS')),
    publicUrl: publicUrl(setting(undefined, 'MICROPAY_PUBLIC_URL')),
    ...masterKeys(secret('MICROPAY_MASTER_KEY'), secret('MICROPAY_OLD_MASTER_KEY'), secret('MICROPAY_NEXT_MASTER_KEY')),
    shutdownTimeoutMs: integer('MICROPAY_SHUTDOWN_TIMEOUT_MS', setting(undefined, 'MICROPAY_SHUTDOWN_TIMEOUT_MS'), 10_000, 100, 600_000),
    signInPerAddress: integer('MICROPAY_SIGN_IN_PER_ADDRESS', setting(undefined, 'MICROPAY_SIGN_IN_PER_ADDRESS'), 10, 1, 100_000),
    signInPerAccount: integer('MICROPAY_SIGN_IN_PER_ACCOUNT', setting(undefined, 'MICROPAY_SIGN_IN_PER_ACCOUNT'), 10, 1, 100_000),
  };
}

/**
 * A secret from the environment, or from the file its `_FILE` setting names (a systemd
 * credential, a mounted secret), its surrounding whitespace and line end dropped. Never both; a
 * file that cannot be read is named, never its contents.
 */
function secretSetting(name: string, value: string | undefined, file: string | undefined): Secret {
  if (file === undefined) return { value, from: name };
  if (value !== undefined) throw new ConfigError(`${name} and ${name}_FILE: are both set; set one of them`);
  try {
    // A value found wrong is blamed on the file it came from, not on a variable nobody set.
    return { value: readFileSync(file, 'utf8').trim(), from: `${name}_FILE (${file})` };
  } catch (error) {
    throw new ConfigError(`${name}_FILE: cannot read ${file} (${(error as NodeJS.ErrnoException).code ?? 'unreadable'})`);
  }
}

/** A secret setting's value, and where it came from: the variable, or its `_FILE` and the file's path. */
interface Secret {
  readonly value: string | undefined;
  readonly from: string;
}

/** The master keys; a bad one is named by where it came from but never repeated (it is a secret). */
function masterKeys(current: Secret, old: Secret, next: Secret): Pick<Config, 'masterKey' | 'oldMasterKey' | 'nextMasterKey'> {
  const parse = ({ value, from }: Secret): MasterKey | null => {
    if (value === undefined) return null;
    const key = MasterKey.parse(value);
    if (key === null) throw new ConfigError(`${from}: must be ${MASTER_KEY_FORMAT}`);
    return key;
  };
  const masterKey = parse(current);
  const oldMasterKey = parse(old);
  const nextMasterKey = parse(next);
  if (oldMasterKey !== null && masterKey === null) throw new ConfigError('MICROPAY_OLD_MASTER_KEY: is set without MICROPAY_MASTER_KEY (the new key)');
  if (oldMasterKey !== null && oldMasterKey.id === masterKey!.id) throw new ConfigError('MICROPAY_OLD_MASTER_KEY: is the same key as MICROPAY_MASTER_KEY');
  if (nextMasterKey !== null && masterKey === null) throw new ConfigError('MICROPAY_NEXT_MASTER_KEY: is set without MICROPAY_MASTER_KEY (the key in use)');
  if (nextMasterKey !== null && nextMasterKey.id === masterKey!.id) throw new ConfigError('MICROPAY_NEXT_MASTER_KEY: is the same key as MICROPAY_MASTER_KEY');
  if (nextMasterKey !== null && oldMasterKey !== null) {
    throw new ConfigError('MICROPAY_NEXT_MASTER_KEY: is set with MICROPAY_OLD_MASTER_KEY: a rotation has one of them at a time (docs/operations.md#rotating-the-master-key)');
  }
  return { masterKey, oldMasterKey, nextMasterKey };
}

/**
 * A postgres:// or postgresql:// URL, or a SQLite file path. Any other `scheme://` is a mistake
 * (mysql://, a misspelt postgress://), not a file name: taken as a path it would create a stray
 * directory and an empty store.
 */
function database(name: string, value: string): string {
  const scheme = /^([A-Za-z][A-Za-z0-9+.-]*):\/\//.exec(value);
  if (scheme !== null && !/^postgres(ql)?$/i.test(scheme[1]!)) {
    throw new ConfigError(`${name}: must be a postgres:// or postgresql:// URL or a SQLite file path, not a ${scheme[1]}:// URL`);
  }
  return value;
}

/** An IP address or a host name; a dotted number that is no IPv4 address (999.1.1.1) is refused. */
function host(name: string, value: string): string {
  const hostname = /^(?=.{1,253}$)[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?(\.[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*$/;
  const ok = isIP(value) !== 0 || (hostname.test(value) && !/^[0-9.]+$/.test(value));
  if (!ok) throw new ConfigError(`${name}: must be an IP address or a host name, not ${JSON.stringify(value)}`);
  return value;
}

/** Comma-separated whole seconds, 1 to 50 of them, each at most a week. */
function schedule(name: string, value: string | undefined): number[] {
  const parts = (value ?? DEFAULT_NOTIFY_RETRY_SCHEDULE_S).split(',').map((part) => part.trim());
  if (parts.length > 50 || parts.some((part) => !/^[0-9]{1,6}$/.test(part) || Number(part) > 604_800)) {
    throw new ConfigError(`${name}: must be 1 to 50 comma-separated whole seconds (each at most 604800), like 15,30,180, not ${JSON.stringify(value)}`);
  }
  return parts.map(Number);
}

/** A sandbox's receiver is usually the developer's own machine: loopback is allowed unless set (`none`: no network). */
function networks(name: string, value: string | undefined, sandbox: boolean): Network[] {
  if (value?.trim() === 'none') return [];
  const parsed = parseNetworks(value ?? (sandbox ? '127.0.0.0/8,::1/128' : ''));
  if (typeof parsed === 'string') throw new ConfigError(`${name}: ${parsed}`);
  return parsed;
}

/**
 * Comma-separated origins exactly as a browser sends them in `Origin`: scheme, host and port
 * (`https://wallet.example.com`, `http://localhost:5173`), no path and no trailing slash. A
 * wildcard is not offered: the operator names each wallet app it trusts.
 */
function origins(name: string, value: string | undefined): string[] {
  if (value === undefined) return [];
  const parts = value.split(',').map((part) => part.trim());
  for (const part of parts) {
    let origin: string | null = null;
    try {
      const url = new URL(part);
      if (url.protocol === 'http:' || url.protocol === 'https:') origin = url.origin;
    } catch {
      origin = null;
    }
    if (origin !== part || parts.length > 50) {
      throw new ConfigError(`${name}: must be 1 to 50 comma-separated origins like https://wallet.example.com (scheme, host and port; no path), not ${JSON.stringify(value)}`);
    }
  }
  return parts;
}

/** An http(s) address without a path, query or fragment (a trailing slash is dropped), or null when unset. */
function publicUrl(value: string | undefined): string | null {
  if (value === undefined) return null;
  const url = URL.canParse(value) ? new URL(value) : null;
  if (url === null || (url.protocol !== 'http:' && url.protocol !== 'https:') || url.pathname !== '/' || url.search !== '' || url.hash !== '' || url.username !== '') {
    throw new ConfigError(`MICROPAY_PUBLIC_URL: must be an http:// or https:// address without a path, like https://pay.example.com, not ${JSON.stringify(value)}`);
  }
  return url.origin;
}

function adminPort(name: string, value: string | undefined): number | null {
  return value === undefined ? null : integer(name, value, 0, 0, 65535);
}

function onOff(name: string, value: string | undefined, fallback: boolean): boolean {
  if (value === undefined) return fallback;
  if (value !== 'on' && value !== 'off') throw new ConfigError(`${name}: must be on or off, not ${JSON.stringify(value)}`);
  return value === 'on';
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
