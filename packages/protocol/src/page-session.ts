/**
 * How long a web page's session has left (docs/pages.md, "Sessions and CSRF"), as the platform
 * tells its own pages in the `X-Session-Ends` header of every page API answer made on a live
 * session. The limits are the server's rules (30 minutes unused, 12 hours at most): a page learns
 * them from here and keeps no copy, so it can warn before its session ends.
 *
 *   X-Session-Ends: idle-left=1740000; left=41400000; idle-limit=1800000
 *
 * Times are milliseconds counted from the answer, not clock times: a page whose clock is wrong
 * still warns on time.
 */
export const SESSION_ENDS_HEADER = 'X-Session-Ends';

export interface SessionEnds {
  /** Until the session ends unless the page calls again (the idle rule). */
  readonly idleLeftMs: number;
  /** Until the session ends however busy (its absolute end, after sign-in). */
  readonly leftMs: number;
  /** How long unused ends a session: the rule itself, for the words that explain the end. */
  readonly idleLimitMs: number;
}

const FIELDS = { 'idle-left': 'idleLeftMs', left: 'leftMs', 'idle-limit': 'idleLimitMs' } as const;

export function formatSessionEnds(ends: SessionEnds): string {
  return `idle-left=${ends.idleLeftMs}; left=${ends.leftMs}; idle-limit=${ends.idleLimitMs}`;
}

/** The header's value read back; null when absent or not in its shape (an answer without a session). */
export function parseSessionEnds(value: string | null | undefined): SessionEnds | null {
  if (value === null || value === undefined) return null;
  const read: Partial<Record<keyof SessionEnds, number>> = {};
  for (const part of value.split(';')) {
    const m = /^\s*([a-z-]+)=(\d{1,15})\s*$/.exec(part);
    const field = m === null ? undefined : FIELDS[m[1] as keyof typeof FIELDS];
    if (field === undefined) return null;
    read[field] = Number(m![2]);
  }
  const { idleLeftMs, leftMs, idleLimitMs } = read;
  if (idleLeftMs === undefined || leftMs === undefined || idleLimitMs === undefined) return null;
  return { idleLeftMs, leftMs, idleLimitMs };
}
