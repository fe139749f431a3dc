import { ResultCode } from '@micropay/protocol/errors';
import { parseSessionEnds, SESSION_ENDS_HEADER } from '@micropay/protocol/page-session';

/**
 * The pages' calls to their own API (`/api/page/...`, docs/pages.md), on the same origin. The
 * session travels in an HttpOnly cookie the page cannot read; what the page keeps is the session's
 * CSRF token, in memory only, sent in `X-CSRF-Token` on every call, reads included: the server
 * answers only the session the token is of, so a tab never reads a session another tab replaced.
 */
export interface PageAnswer<T> {
  readonly code: number;
  readonly msg: string;
  readonly data: T | null;
  /** The platform's clock at the answer (its Date header), in ms. */
  readonly serverNowMs: number;
}

/** Said on the window when a call is refused for the role (9122): a console draws itself again for the role the session has now. */
export const ROLE_REFUSED_EVENT = 'micropay:role-refused';

/**
 * Said on the window, with the reason as its detail, when a call's answer says the session has
 * ended: by that call (the password asked again whose wrong try locked the user), or before it
 * (9120). A console or the till shows its sign-in with the reason rather than screens whose every
 * call would be refused.
 */
export const SIGNED_OUT_EVENT = 'micropay:signed-out';

export function saySignedOut(reason: string): void {
  // The session is gone: its token is of no use, and a late answer of it is not this page's any more.
  csrfToken = null;
  window.dispatchEvent(new CustomEvent<string>(SIGNED_OUT_EVENT, { detail: reason }));
}

/**
 * Said on the window with what the session has left, in this page's clock (`SessionDeadlines`), at
 * each answer that tells it (X-Session-Ends: every call on a live session, and a sign-in); with
 * null at a sign-out, when the page has no session left to time. shared/session-warning.ts warns by it.
 */
export const SESSION_TIME_EVENT = 'micropay:session-time';

/** When the session ends, as the page's clock (Date.now) reads: unused, and however busy. */
export interface SessionDeadlines {
  readonly idleEndsAtMs: number;
  readonly endsAtMs: number;
  /** The server's idle rule (how long unused ends a session), for the words. */
  readonly idleLimitMs: number;
}

export function saySessionTime(deadlines: SessionDeadlines | null): void {
  window.dispatchEvent(new CustomEvent<SessionDeadlines | null>(SESSION_TIME_EVENT, { detail: deadlines }));
}

/**
 * The answer's X-Session-Ends, counted from its arrival: the network's delay makes the page's end
 * a little later than the server's, never earlier, so the page never ends a live session.
 */
function sayTimeLeft(response: Response): void {
  const ends = parseSessionEnds(response.headers.get(SESSION_ENDS_HEADER));
  if (ends === null) return;
  const now = Date.now();
  saySessionTime({ idleEndsAtMs: now + ends.idleLeftMs, endsAtMs: now + ends.leftMs, idleLimitMs: ends.idleLimitMs });
}

/**
 * Why a page finds its session replaced (9121: its token is not the session's the cookie holds now):
 * this browser signed in again in another tab, maybe as someone else. The page shows its sign-in
 * with this and never takes the other session over: what it shows is the signed-in person's.
 */
export const SESSION_REPLACED = 'This browser signed in again in another tab, so this page was signed out. Sign in again to go on here.';

/** Why a page that was signed in finds its session gone (9120): it shows its sign-in with this. */
export const SESSION_ENDED = 'Your session has ended: unused for 30 minutes, signed out elsewhere, given a new password, or your user was disabled. Sign in again.';

/**
 * A refusal that concerns the whole page, not the call: the role (9122), the session another tab's
 * sign-in replaced (9121, a read's as a change's), or the session gone (9120: ended by time, by a
 * reset or a disable elsewhere), said on the window for the page to act on. A 9121 to a call sent
 * with no token, or an earlier session's, is a late answer of a page that signed out already.
 */
function sayIfPageRefused(code: number, sentToken: string | null): void {
  if (code === ResultCode.ROLE_NOT_ALLOWED) window.dispatchEvent(new Event(ROLE_REFUSED_EVENT));
  if (code === ResultCode.CSRF_REJECTED && sentToken !== null && sentToken === csrfToken) saySignedOut(SESSION_REPLACED);
  if (code === ResultCode.SESSION_REQUIRED) saySignedOut(SESSION_ENDED);
}

/** The platform could not be reached, or did not answer with the envelope. */
export class Unreachable extends Error {}

let csrfToken: string | null = null;

/** Keeps the token of the session just signed in to (or found), or forgets it on sign-out. */
export function useCsrfToken(token: string | null): void {
  csrfToken = token;
}

/** The token of the session this page is signed in to; null when it is signed in to none. */
export function currentCsrfToken(): string | null {
  return csrfToken;
}

/** `timeoutMs`: past it, the call counts as unreachable (a network that hangs rather than fails). */
export interface CallOptions {
  readonly timeoutMs?: number;
}

export async function callPage<T>(path: string, body: Record<string, unknown> = {}, options: CallOptions = {}): Promise<PageAnswer<T>> {
  const sentToken = csrfToken;
  const response = await post(path, body, options);
  const envelope = (await response.json().catch(() => null)) as { code: number; msg: string; data: T | null } | null;
  if (envelope === null || typeof envelope.code !== 'number') throw new Unreachable(`MicroPay answered HTTP ${response.status}. Try again.`);
  // A sign-in's or session read's token is the page's before its time is said: the time is of that session.
  const token = (envelope.data as { csrfToken?: unknown } | null)?.csrfToken;
  if (typeof token === 'string') useCsrfToken(token);
  sayTimeLeft(response);
  sayIfPageRefused(envelope.code, sentToken);
  const date = Date.parse(response.headers.get('Date') ?? '');
  return { ...envelope, serverNowMs: Number.isNaN(date) ? Date.now() : date };
}

/** A file a page API answered (a statement's CSV): its bytes and the name the server gave it. */
export interface PageFile {
  readonly file: Blob;
  readonly fileName: string;
  /** The answer's headers: a file's summary travels in them (the payout file's count and total). */
  readonly headers: Headers;
}

/**
 * A download from a page API (POST JSON, with the CSRF token like any call): the file when the
 * answer is one (Content-Disposition: attachment), else the envelope of the refusal.
 */
export async function downloadPage(path: string, body: Record<string, unknown>): Promise<PageFile | PageAnswer<null>> {
  const sentToken = csrfToken;
  const response = await post(path, body, {});
  const name = /attachment; filename="([^"]+)"/.exec(response.headers.get('Content-Disposition') ?? '');
  sayTimeLeft(response);
  if (name !== null && response.ok) {
    const file = await response.blob().catch(() => { throw new Unreachable('The file did not arrive whole. Check the connection and try again.'); });
    return { file, fileName: name[1]!, headers: response.headers };
  }
  const envelope = (await response.json().catch(() => null)) as { code: number; msg: string } | null;
  if (envelope === null || typeof envelope.code !== 'number') throw new Unreachable(`MicroPay answered HTTP ${response.status}. Try again.`);
  sayIfPageRefused(envelope.code, sentToken);
  return { code: envelope.code, msg: envelope.msg, data: null, serverNowMs: Date.now() };
}

/** One POST to a page API, with the CSRF token; a network failure (or the timeout) is Unreachable. */
async function post(path: string, body: Record<string, unknown>, options: CallOptions): Promise<Response> {
  const headers: Record<string, string> = { 'Content-Type': 'application/json' };
  if (csrfToken !== null) headers['X-CSRF-Token'] = csrfToken;
  // AbortController with a timer, not AbortSignal.timeout: the browsers the pages are built for (Safari 15) lack it.
  const controller = options.timeoutMs === undefined ? null : new AbortController();
  const timer = controller === null ? undefined : setTimeout(() => controller.abort(), options.timeoutMs);
  try {
    return await fetch(`/api/page/${path}`, {
      method: 'POST', headers, body: JSON.stringify(body), cache: 'no-store', credentials: 'same-origin', signal: controller?.signal ?? null,
    });
  } catch {
    throw new Unreachable('MicroPay cannot be reached. Check the connection and try again.');
  } finally {
    clearTimeout(timer);
  }
}
