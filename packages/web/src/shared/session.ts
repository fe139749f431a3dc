import { ResultCode } from '@micropay/protocol/errors';
import { callPage, saySessionTime, Unreachable, useCsrfToken } from './page-api.js';

/**
 * Sign-in, the session probe and sign-out, the same for both pages (docs/pages.md): a sign-in's
 * answer sets the HttpOnly cookie and gives the CSRF token, which is kept in memory for the calls
 * that change something.
 */
/** The pages and consoles with a session of their own (their API's path: /api/page/NAME/...). */
export type PageName = 'wallet' | 'cashier' | 'merchant' | 'admin';

/** A refusal's `code` is the platform's answer (absent when none came: the network); a page ties the field it blames to the message. */
export type SignInResult<T> = { readonly ok: true; readonly signedIn: T } | { readonly ok: false; readonly message: string; readonly code?: number };

/** Posts a sign-in; a refusal comes back as the page's own words for its code, else the platform's. */
export async function signInAt<T>(path: string, body: Record<string, string>, messages: Readonly<Record<number, string>>): Promise<SignInResult<T>> {
  try {
    // Its CSRF token is kept by callPage as the answer arrives (page-api.ts).
    const a = await callPage<T>(path, body);
    if (a.code === ResultCode.SUCCESS && a.data !== null) return { ok: true, signedIn: a.data };
    return { ok: false, message: messages[a.code] ?? a.msg, code: a.code };
  } catch (error) {
    if (error instanceof Unreachable) return { ok: false, message: error.message };
    throw error;
  }
}

/** The session this browser already has on the page, if it is still live. */
export async function currentSession<T>(page: PageName): Promise<T | null> {
  // A live session's answer carries its CSRF token, which callPage keeps (page-api.ts).
  const a = await callPage<{ signedIn: boolean } & T>(`${page}/session`);
  if (a.code !== ResultCode.SUCCESS || a.data === null || !a.data.signedIn) return null;
  return a.data;
}

/**
 * Ends the session on the server; the page forgets its token whatever the answer. False: the
 * platform could not be reached, so the session may still be alive.
 */
export async function signOut(page: PageName): Promise<boolean> {
  const answered = await callPage(`${page}/sign-out`).then(() => true, () => false);
  useCsrfToken(null);
  // Nothing left to warn about: the page is signed out (or will find so at its next call).
  saySessionTime(null);
  return answered;
}
