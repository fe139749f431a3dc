import { ResultCode } from '@micropay/protocol/errors';

/**
 * The wallet API's `/api/wallet/paycode` (docs/wallet-api.md), called from the page on the same
 * origin with the wallet's bearer token. The page never decides what a code is: the platform
 * issues it, and retires the previous one, exactly as for the phone app.
 */
export type Issued =
  | { readonly ok: true; readonly payCode: string; readonly validForMs: number }
  | { readonly ok: false; readonly reason: 'unauthorized' | 'frozen' | 'unavailable'; readonly message: string };

interface Envelope {
  readonly code: number;
  readonly msg: string;
  readonly data: { readonly payCode?: string; readonly expiresAtMs?: string } | null;
}

export async function issuePayCode(token: string): Promise<Issued> {
  let response: Response;
  try {
    response = await fetch('/api/wallet/paycode', {
      method: 'POST',
      headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/json' },
      body: '{}',
      cache: 'no-store',
    });
  } catch {
    return { ok: false, reason: 'unavailable', message: 'MicroPay cannot be reached. Check the connection and try again.' };
  }
  const envelope = (await response.json().catch(() => null)) as Envelope | null;
  if (envelope === null) return { ok: false, reason: 'unavailable', message: `MicroPay answered HTTP ${response.status}. Try again.` };
  if (envelope.code === ResultCode.UNAUTHORIZED) return { ok: false, reason: 'unauthorized', message: 'This token does not open a wallet.' };
  if (envelope.code === ResultCode.WALLET_FROZEN) return { ok: false, reason: 'frozen', message: 'This wallet is frozen: it cannot pay.' };
  const { payCode, expiresAtMs } = envelope.data ?? {};
  if (envelope.code !== ResultCode.SUCCESS || payCode === undefined || expiresAtMs === undefined) {
    return { ok: false, reason: 'unavailable', message: `No code was issued (${envelope.code}: ${envelope.msg}).` };
  }
  return { ok: true, payCode, validForMs: Number(expiresAtMs) - serverNowMs(response) };
}

/**
 * The platform's clock at the answer, from its Date header: the expiry is the platform's instant,
 * and a phone's clock can be minutes off. Whole seconds are plenty for a 60 s code.
 */
function serverNowMs(response: Response): number {
  const date = Date.parse(response.headers.get('Date') ?? '');
  return Number.isNaN(date) ? Date.now() : date;
}
