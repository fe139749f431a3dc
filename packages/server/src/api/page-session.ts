import { parse, rejectUnknown, ResultCode } from '@micropay/protocol';
import { formatSessionEnds, SESSION_ENDS_HEADER } from '@micropay/protocol/page-session';
import { csrfMatches, csrfTokenOf, NEW_SESSION_TIME_LEFT, SESSION_MAX_MS, sessionTimeLeft, type PageSession, type SessionKind } from '../domain/page-access.js';
import { answer } from './answer.js';
import type { Answer, ApiContext, ApiRequest, Handler } from './context.js';

/**
 * Sessions of the web pages' APIs (`/api/page/...`, docs/pages.md, docs/consoles.md). Each page has its own cookie,
 * so a wallet and a till open side by side in one browser do not sign each other out. The cookie
 * is HttpOnly (no script reads it), SameSite=Strict (no other site's request carries it), Path=/,
 * and Secure over TLS. A call that changes something must also carry the session's CSRF token in
 * `X-CSRF-Token`, which only the page itself can have read from its session call.
 */
const COOKIE: Readonly<Record<SessionKind, string>> = {
  wallet: 'micropay_wallet', cashier: 'micropay_cashier', merchant: 'micropay_merchant', operator: 'micropay_admin',
};
/** A session id as newSecretToken draws it; anything else is no session, and is never looked up. */
const SESSION_ID = /^[A-Za-z0-9_-]{43}$/;
export const CSRF_HEADER = 'x-csrf-token';

function cookieHeader(kind: SessionKind, value: string, maxAgeS: number, req: ApiRequest): string {
  const secure = req.overTls === true ? '; Secure' : '';
  return `${COOKIE[kind]}=${value}; Path=/; HttpOnly; SameSite=Strict; Max-Age=${maxAgeS}${secure}`;
}

/** The page's session id from its cookie, when it has the shape of one. */
export function sessionIdOf(kind: SessionKind, req: ApiRequest): string | null {
  const header = req.headers.cookie;
  if (header === undefined) return null;
  for (const part of header.split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0 && part.slice(0, eq).trim() === COOKIE[kind]) {
      const value = part.slice(eq + 1).trim();
      return SESSION_ID.test(value) ? value : null;
    }
  }
  return null;
}

/** A sign-in's answer: the session's cookie set, and the CSRF token the page sends from now on. */
export function signedIn(kind: SessionKind, sessionId: string, req: ApiRequest, data: Record<string, unknown>): Answer {
  const a = answer(ResultCode.SUCCESS, { ...data, csrfToken: csrfTokenOf(sessionId) });
  const headers = { 'Set-Cookie': cookieHeader(kind, sessionId, SESSION_MAX_MS / 1000, req), [SESSION_ENDS_HEADER]: formatSessionEnds(NEW_SESSION_TIME_LEFT) };
  return { ...a, headers };
}

export function withCookieCleared(kind: SessionKind, req: ApiRequest, a: Answer): Answer {
  return { ...a, headers: { 'Set-Cookie': cookieHeader(kind, '', 0, req) } };
}

/** Ends the page's earlier session, if the browser still has one: a new sign-in replaces it. */
export async function endEarlierSession(ctx: ApiContext, kind: SessionKind, req: ApiRequest): Promise<void> {
  const earlier = sessionIdOf(kind, req);
  if (earlier !== null) await ctx.store.endPageSession(earlier);
}

export type SessionHandler = (ctx: ApiContext, req: ApiRequest, session: PageSession, sessionId: string) => Promise<Answer>;

/**
 * A page API that needs its page's live session and its CSRF token, reads and changes alike,
 * checked before the session is looked up, so a refused call reads and writes nothing (not even
 * the session's last use). A read needs the token too: the cookie is the browser's, shared by its
 * tabs, so after another tab signed in again it holds that session, and only the token says which
 * session the calling tab is showing. Without it a tab signed in as one user would be answered
 * another's data. The page APIs are the pages' alone, and the pages send it on every call.
 * `access` names what the call does (docs/pages.md's table, the API reference).
 */
export function withPageSession(kind: SessionKind, _access: 'reads' | 'changes', handler: SessionHandler): Handler {
  return async (ctx, req) => {
    const sessionId = sessionIdOf(kind, req);
    if (sessionId === null) return answer(ResultCode.SESSION_REQUIRED);
    if (!csrfMatches(sessionId, csrfOf(req))) return answer(ResultCode.CSRF_REJECTED);
    const session = await ctx.store.usePageSession(sessionId);
    if (session === null || session.subject.kind !== kind) return withCookieCleared(kind, req, answer(ResultCode.SESSION_REQUIRED));
    return withTimeLeft(ctx, session, await handler(ctx, req, session, sessionId));
  };
}

/**
 * The answer with what its session has left (X-Session-Ends), counted when it is sent: a charge or
 * a long poll that waited answers with less. An answer that clears the cookie ended the session
 * (a sign-out, a lock), so it has no time left to tell.
 */
function withTimeLeft(ctx: ApiContext, session: PageSession, a: Answer): Answer {
  if (a.headers?.['Set-Cookie'] !== undefined) return a;
  return { ...a, headers: { ...a.headers, [SESSION_ENDS_HEADER]: formatSessionEnds(sessionTimeLeft(session, ctx.clock.nowMs())) } };
}

function csrfOf(req: ApiRequest): string | undefined {
  const value = req.headers[CSRF_HEADER];
  return typeof value === 'string' ? value : undefined;
}

/**
 * "Who is signed in here?": the page asks on load. Without a live session it answers
 * `signedIn: false` (and reads nothing else), so a page that is not signed in sees no error.
 */
export function sessionProbe(kind: SessionKind, describe: (ctx: ApiContext, session: PageSession) => Promise<Record<string, unknown>>): Handler {
  return async (ctx, req) => {
    const fields = parse(() => rejectUnknown(req.body, []));
    if (!fields.ok) return answer(fields.code, null, fields.msg);
    const sessionId = sessionIdOf(kind, req);
    const session = sessionId === null ? null : await ctx.store.usePageSession(sessionId);
    if (session === null || session.subject.kind !== kind) return answer(ResultCode.SUCCESS, { signedIn: false });
    return withTimeLeft(ctx, session, answer(ResultCode.SUCCESS, { signedIn: true, ...(await describe(ctx, session)), csrfToken: csrfTokenOf(sessionId!) }));
  };
}

/** Sign-out: the session ends on the server, and the browser is told to forget its cookie. */
export function signOut(kind: SessionKind): Handler {
  return withPageSession(kind, 'changes', async (ctx, req, _session, sessionId) => {
    const fields = parse(() => rejectUnknown(req.body, []));
    if (!fields.ok) return answer(fields.code, null, fields.msg);
    await ctx.store.endPageSession(sessionId, req.clientAddress ?? null);
    return withCookieCleared(kind, req, answer(ResultCode.SUCCESS, { signedIn: false }));
  });
}
