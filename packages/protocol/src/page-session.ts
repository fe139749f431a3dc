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

/**
 * The session rule itself, in one place: the server ends a session by it (domain/page-access.ts)
 * and the error catalogue's 9120 states it from here, so the words cannot drift from the rule.
 * Pages still learn it from each answer (idle-limit), never from this copy in their bundle.
 */
export const SESSION_IDLE_MS = 30 * 60_000;
export const SESSION_MAX_MS = 12 * 60 * 60_000;

/** The rule in words: "30 minutes idle, 12 hours at most". */
export function sessionLimitsWords(): string {
  return `${SESSION_IDLE_MS / 60_000} minutes idle, ${SESSION_MAX_MS / 3_600_000} hours at most`;
}

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
