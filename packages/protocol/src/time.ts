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

/**
 * `yyyy-MM-dd HH:mm:ss +08:00`: a time as a person reads it, with the zone's offset at that instant,
 * so nobody has to know which zone the platform runs in. The wire keeps the spec's form without it.
 */
export function formatZonedTime(epochMs: number, timeZone: string): string {
  return `${formatWireTime(epochMs, timeZone)} ${offsetText(zoneOffsetMs(epochMs, timeZone))}`;
}

/**
 * A wire time (`yyyy-MM-dd HH:mm:ss` in `timeZone`, as tradeTime) with the zone's offset at that
 * wall-clock time appended. Text that is not a wire time is returned as it is: it came from an answer.
 */
export function zonedWireTime(wireTime: string, timeZone: string): string {
  const m = /^(\d{4})-(\d\d)-(\d\d) (\d\d):(\d\d):(\d\d)$/.exec(wireTime);
  if (m === null) return wireTime;
  const asUtc = Date.UTC(+m[1]!, +m[2]! - 1, +m[3]!, +m[4]!, +m[5]!, +m[6]!);
  // The offset of the instant the wall clock names: the guess's offset, corrected once in case the
  // guess fell on the other side of a daylight-saving change.
  const guess = zoneOffsetMs(asUtc, timeZone);
  const offset = zoneOffsetMs(asUtc - guess, timeZone);
  return `${wireTime} ${offsetText(offset)}`;
}

/** How far the zone's wall clock is ahead of UTC at `epochMs`, in whole seconds' milliseconds. */
function zoneOffsetMs(epochMs: number, timeZone: string): number {
  const t = wallClock(epochMs, timeZone);
  const wallAsUtc = Date.UTC(+t.year, +t.month - 1, +t.day, +t.hour, +t.minute, +t.second);
  return wallAsUtc - Math.floor(epochMs / 1000) * 1000;
}

/** `+08:00`, `-03:30`, `+00:00`. */
function offsetText(offsetMs: number): string {
  const minutes = Math.round(Math.abs(offsetMs) / 60_000);
  const hh = String(Math.floor(minutes / 60)).padStart(2, '0');
  const mm = String(minutes % 60).padStart(2, '0');
  return `${offsetMs < 0 ? '-' : '+'}${hh}:${mm}`;
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
