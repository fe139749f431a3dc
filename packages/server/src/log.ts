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
