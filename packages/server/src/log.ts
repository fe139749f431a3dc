import type { LogLevel } from './config.js';

/**
 * One JSON line per event on stderr. Callers pass plain facts; request bodies, keys, tokens and
 * payment codes are never given to the logger, so they can never be printed.
 */
export interface Logger {
  error(event: string, fields?: Record<string, unknown>): void;
  info(event: string, fields?: Record<string, unknown>): void;
  debug(event: string, fields?: Record<string, unknown>): void;
}

const RANK: Record<LogLevel, number> = { error: 0, info: 1, debug: 2 };

export function createLogger(level: LogLevel, write: (line: string) => void = (l) => process.stderr.write(l)): Logger {
  const at = (lvl: LogLevel) => (event: string, fields: Record<string, unknown> = {}) => {
    if (RANK[lvl] > RANK[level]) return;
    write(JSON.stringify({ time: new Date().toISOString(), level: lvl, event, ...fields }) + '\n');
  };
  return { error: at('error'), info: at('info'), debug: at('debug') };
}

export const silentLogger: Logger = { error() {}, info() {}, debug() {} };
