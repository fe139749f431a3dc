import { ResultCode } from '@micropay/protocol/errors';
import { callPage, SESSION_REPLACED, Unreachable } from '../shared/page-api.js';

/**
 * A fresh payment code for the signed-in wallet (`/api/page/wallet/paycode`). The page never
 * decides what a code is: the platform issues it, and retires the previous one, as for the app.
 */
export type Issued =
  | { readonly ok: true; readonly payCode: string; readonly validForMs: number }
  | { readonly ok: false; readonly reason: 'signedOut' | 'frozen' | 'unavailable'; readonly message: string };

/**
 * How long the page waits for a code before it counts the platform as unreachable: less than the 5 s
 * a platform code is renewed before it ends (code-lifetime.ts), so the offline code comes in time.
 */
const PAYCODE_TIMEOUT_MS = 3_000;

export async function issuePayCode(): Promise<Issued> {
  try {
    // A holder at the counter cannot wait out a network that hangs: past this, the offline code.
    const a = await callPage<{ payCode: string; expiresAtMs: string }>('wallet/paycode', {}, { timeoutMs: PAYCODE_TIMEOUT_MS });
    // The session ended (signed out elsewhere, expired), or its wallet was closed meanwhile.
    if (a.code === ResultCode.SESSION_REQUIRED || a.code === ResultCode.UNAUTHORIZED) {
      return { ok: false, reason: 'signedOut', message: 'You are signed out. Sign in again to show a code.' };
    }
    // Another tab signed in again: the cookie's session may be another wallet's, whose code is not shown here.
    if (a.code === ResultCode.CSRF_REJECTED) return { ok: false, reason: 'signedOut', message: SESSION_REPLACED };
    if (a.code === ResultCode.WALLET_FROZEN) return { ok: false, reason: 'frozen', message: 'This wallet is frozen: it cannot pay. Ask the operator to unfreeze it.' };
    if (a.code !== ResultCode.SUCCESS || a.data === null) {
      return { ok: false, reason: 'unavailable', message: `No code was issued (${a.code}: ${a.msg}).` };
    }
    // The expiry is the platform's instant, and a phone's clock can be minutes off.
    return { ok: true, payCode: a.data.payCode, validForMs: Number(a.data.expiresAtMs) - a.serverNowMs };
  } catch (error) {
    if (error instanceof Unreachable) return { ok: false, reason: 'unavailable', message: error.message };
    throw error;
  }
}
