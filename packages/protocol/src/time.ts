/**
 * Wire times: `tradeTime`/`payTime` are `yyyy-MM-dd HH:mm:ss` in the platform's time zone;
 * `timestamp` is milliseconds since the epoch as a string.
 */
export interface WallClockParts {
  readonly year: string;
  readonly month: string;
  readonly day: string;
  readonly hour: string;
  readonly minute: string;
  readonly second: string;
}

const formatters = new Map<string, Intl.DateTimeFormat>();

/**
 * The last second formatted in each zone. Every payment formats its trade time, its order id's
 * time and its response's time, and Intl's formatToParts costs microseconds each time (it was
 * 5 % of the server's CPU in `npm run bench -- --profile`); within one second the answer is the same.
 */
const lastSecond = new Map<string, { second: number; parts: WallClockParts }>();

/** Throws RangeError for a time zone the runtime does not know. */
export function wallClock(epochMs: number, timeZone: string): WallClockParts {
  const second = Math.floor(epochMs / 1000);
  const cached = lastSecond.get(timeZone);
  if (cached !== undefined && cached.second === second) return cached.parts;
  const parts = formatWallClock(epochMs, timeZone);
  lastSecond.set(timeZone, { second, parts });
  return parts;
}

function formatWallClock(epochMs: number, timeZone: string): WallClockParts {
  let fmt = formatters.get(timeZone);
  if (fmt === undefined) {
    fmt = new Intl.DateTimeFormat('en-GB', {
      timeZone,
      hourCycle: 'h23',
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      second: '2-digit',
    });
    formatters.set(timeZone, fmt);
  }
  const parts: Record<string, string> = {};
  for (const part of fmt.formatToParts(epochMs)) parts[part.type] = part.value;
  return {
    year: parts.year!.padStart(4, '0'),
    month: parts.month!,
    day: parts.day!,
    hour: parts.hour!,
    minute: parts.minute!,
    second: parts.second!,
  };
}

/** `yyyy-MM-dd HH:mm:ss` in the given zone. */
export function formatWireTime(epochMs: number, timeZone: string): string {
  const t = wallClock(epochMs, timeZone);
  return `${t.year}-${t.month}-${t.day} ${t.hour}:${t.minute}:${t.second}`;
}

/** `yyyyMMddHHmmss` in the given zone, as used inside wavpayOrderId. */
export function compactWireTime(epochMs: number, timeZone: string): string {
  const t = wallClock(epochMs, timeZone);
  return `${t.year}${t.month}${t.day}${t.hour}${t.minute}${t.second}`;
}

export function isValidTimeZone(timeZone: string): boolean {
  try {
    new Intl.DateTimeFormat('en-GB', { timeZone });
    return true;
  } catch {
    return false;
  }
}
