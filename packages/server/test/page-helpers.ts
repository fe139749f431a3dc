import { expect } from 'vitest';
import { hashPin } from '../src/domain/credentials.js';
import type { TestPlatform } from './helpers.js';

/**
 * The page APIs (docs/pages.md) as a browser calls them, shared by the page-API tests: a POST to
 * /api/page/…, the signed-in session it carries, and the sign-ins that make one.
 */

/** An answer of a page API: the HTTP status, the envelope, the cookie set (if any) and the raw text. */
export interface PageAnswer {
  readonly status: number;
  readonly code: number;
  readonly msg: string;
  readonly data: Record<string, any> | null;
  readonly setCookie: string | null;
  /** What the session has left, as the answer tells the page (X-Session-Ends); null without one. */
  readonly sessionEnds: string | null;
  readonly text: string;
}

/** A signed-in page as a browser holds it: the cookie it was set, and the CSRF token it was told. */
export interface Session {
  readonly cookie: string;
  readonly csrf: string;
}

/** POSTs `body` (JSON, or a string sent as it is) to the page API at `path`. */
export async function pageCall(p: TestPlatform, path: string, body: unknown = {}, headers: Record<string, string> = {}): Promise<PageAnswer> {
  const res = await fetch(`${p.url}/api/page/${path}`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', ...headers },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
  const text = await res.text();
  // A download (a statement, the payout file) answers its file, not the envelope: it succeeded.
  if (/^attachment;/.test(res.headers.get('content-disposition') ?? '')) return { status: res.status, code: 0, msg: 'success', data: null, setCookie: null, sessionEnds: res.headers.get('x-session-ends'), text };
  const envelope = JSON.parse(text) as { code: number; msg: string; data: Record<string, any> | null };
  return { status: res.status, ...envelope, setCookie: res.headers.get('set-cookie'), sessionEnds: res.headers.get('x-session-ends'), text };
}

/** The headers a session's page sends: its cookie, and the CSRF token unless `csrf` is null. */
export function as(s: Session | null, csrf: string | null = s?.csrf ?? null): Record<string, string> {
  const headers: Record<string, string> = {};
  if (s !== null) headers.Cookie = s.cookie;
  if (csrf !== null) headers['X-CSRF-Token'] = csrf;
  return headers;
}

/** The session a successful sign-in answer set up. */
export function sessionOf(a: PageAnswer): Session {
  expect(a.code, a.msg).toBe(0);
  return { cookie: a.setCookie!.split(';', 1)[0]!, csrf: a.data!.csrfToken as string };
}

/** A fresh sign-in link's token for the wallet. */
export async function signInLinkFor(p: TestPlatform, walletId: string): Promise<string> {
  const issued = await p.store.issueSignInLink(walletId);
  if (typeof issued === 'string') throw new Error(issued);
  return issued.token;
}

/** The wallet page signed in by a fresh link. */
export async function signInWallet(p: TestPlatform, walletId: string): Promise<Session> {
  return sessionOf(await pageCall(p, 'wallet/sign-in-link', { token: await signInLinkFor(p, walletId) }));
}

/** A new cashier of the merchant, its till page signed in. */
export async function signInCashier(p: TestPlatform, mchId: string, name = 'lane-1', password = 'till-password'): Promise<Session> {
  const created = await p.store.createCashier(mchId, name, await hashPin(password));
  if (typeof created === 'string') throw new Error(created);
  return sessionOf(await pageCall(p, 'cashier/sign-in', { mchId, name, password }));
}
