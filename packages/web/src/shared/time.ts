/**
 * Times as people read them, at the till and on the wallet page: in the platform's time zone
 * (MICROPAY_TIMEZONE, which the session call names), without a raw UTC offset. The server sends epoch milliseconds, or the
 * wire's `yyyy-MM-dd HH:mm:ss` (already the platform's wall clock, perhaps followed by its offset).
 */
let platformTimeZone: string | undefined;

/** The zone every time on the page is shown in; undefined (the browser's own) until the session says. */
export function usePlatformTimeZone(timeZone: string | undefined): void {
  platformTimeZone = timeZone;
}

export function formatTime(atMs: number, timeZone = platformTimeZone): string {
  return new Intl.DateTimeFormat('en-GB', {
    timeZone,
    day: 'numeric',
    month: 'short',
    year: 'numeric',
    hour: '2-digit',
    minute: '2-digit',
    second: '2-digit',
    hourCycle: 'h23',
  }).format(atMs);
}

/** The time of day alone (`18:11:58`), in the platform's zone: for a deadline within the minute. */
export function formatClock(atMs: number): string {
  return new Intl.DateTimeFormat('en-GB', { timeZone: platformTimeZone, hour: '2-digit', minute: '2-digit', second: '2-digit', hourCycle: 'h23' }).format(atMs);
}

/** A wire time (`2026-12-05 14:22:01 +08:00`) for people; text that is not one is shown as it is. */
export function formatWireTime(wire: string): string {
  const m = /^(\d{4})-(\d\d)-(\d\d) (\d\d):(\d\d):(\d\d)(?: [+-]\d\d:\d\d)?$/.exec(wire);
  if (m === null) return wire;
  // The wall clock as it is written: read as UTC and shown as UTC, it is shown unchanged.
  return formatTime(Date.UTC(+m[1]!, +m[2]! - 1, +m[3]!, +m[4]!, +m[5]!, +m[6]!), 'UTC');
}
