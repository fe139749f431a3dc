import { pino, type DestinationStream } from 'pino';
import type { LogLevel } from './config.js';

/**
 * The platform's log: pino, one JSON object per line on stderr, written asynchronously (a log
 * line never waits for the terminal or the disk; what is buffered is flushed when the process
 * exits). Callers pass plain facts first and the event second: `logger.info({ path }, 'event')`.
 *
 * Request bodies, keys, tokens, PINs and payment codes are never given to the logger. The
 * redaction below is the second line of defence: a field with one of these names, at the top or
 * one level down, is printed as "[redacted]" whoever passes it. test/logs-redaction.test.ts runs
 * real traffic and faults and searches every line for the secrets it used.
 */
export type Logger = pino.Logger;

const SECRET_FIELDS = [
  'key', 'apiKey', 'previousApiKey', 'secureHash', 'payCode', 'pin', 'token', 'password',
  'authorization', 'cookie', 'body', 'masterKey', 'oldMasterKey', 'nextMasterKey', 'deviceSecret', 'proof',
];

export const REDACTED_PATHS: readonly string[] = [
  ...SECRET_FIELDS,
  ...SECRET_FIELDS.map((name) => `*.${name}`),
  'headers.authorization',
  'headers.cookie',
];

/**
 * `destination`: where the lines go; tests pass a function that collects them (each line is one
 * JSON object followed by a newline). By default, stderr.
 */
export function createLogger(level: LogLevel, destination?: (line: string) => void): Logger {
  const stream: DestinationStream = destination === undefined
    ? pino.destination({ dest: 2, sync: false })
    : { write: destination };
  return pino(
    {
      level,
      // Readable in a terminal and by every log shipper; `level` as its name, not pino's number.
      timestamp: pino.stdTimeFunctions.isoTime,
      formatters: { level: (label) => ({ level: label }) },
      redact: { paths: [...REDACTED_PATHS], censor: '[redacted]' },
    },
    stream,
  );
}

export const silentLogger: Logger = pino({ level: 'silent' }, { write() {} });

/** An error as one line for the log: its name and message, never its other fields (a driver's may hold values). */
export function describeError(error: unknown): string {
  return error instanceof Error ? `${error.name}: ${error.message}` : String(error);
}

/** How often a line that comes in floods is told at most. */
export const ONCE_A_MINUTE_MS = 60_000;

/**
 * Once a minute per key at most, for lines that come in floods (refused sign-ins over the pace, a
 * job failing run after run): `tell` answers how many were kept quiet since the last time told, or
 * null to keep this one quiet; `forget` answers how many are still untold and starts the key anew.
 * Bounded: past `maxKeys` the oldest key is forgotten, and with it its count.
 */
export class OncePerMinute {
  readonly #last = new Map<string, { atMs: number; quiet: number }>();

  constructor(private readonly maxKeys: number) {}

  tell(key: string, nowMs: number): number | null {
    const seen = this.#last.get(key);
    // A clock stepped back does not keep a key quiet for the length of the step.
    if (seen !== undefined && nowMs >= seen.atMs && nowMs - seen.atMs < ONCE_A_MINUTE_MS) {
      seen.quiet += 1;
      return null;
    }
    this.#last.delete(key);
    this.#last.set(key, { atMs: nowMs, quiet: 0 });
    if (this.#last.size > this.maxKeys) this.#last.delete(this.#last.keys().next().value!);
    return seen?.quiet ?? 0;
  }

  forget(key: string): number {
    const untold = this.#last.get(key)?.quiet ?? 0;
    this.#last.delete(key);
    return untold;
  }
}
