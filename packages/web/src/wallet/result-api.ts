import { ResultCode } from '@micropay/protocol/errors';
import { callPage, Unreachable } from '../shared/page-api.js';

/**
 * The wallet page's live result calls (`/api/page/wallet/code-result`, `confirm`, `decline`,
 * docs/pages.md). The platform decides everything; the page shows what it answers.
 */
export interface PageOrder {
  readonly wavpayOrderId: string;
  readonly merchantName: string | null;
  readonly amount: string;
  readonly goodsInfo: string;
  readonly tradeStatus: string;
  readonly failReason: string | null;
  readonly tradeTime: string;
  readonly payTime: string | null;
  readonly confirmBy: string | null;
}

export type CodeState = 'WAITING' | 'PENDING' | 'PAID' | 'FAILED' | 'ENDED';

export type CodeAnswer =
  | { readonly kind: 'state'; readonly state: CodeState; readonly order: PageOrder | null }
  | { readonly kind: 'signedOut' }
  /** Not a code of this wallet (any more): nothing to wait for. */
  | { readonly kind: 'unknown' }
  | { readonly kind: 'trouble'; readonly message: string };

/** Waits (up to 25 s, on the server) until what became of the code is not `seen`. */
export async function codeResult(payCode: string, seen: 'WAITING' | 'PENDING'): Promise<CodeAnswer> {
  try {
    const a = await callPage<{ state: CodeState; order: PageOrder | null }>('wallet/code-result', { payCode, seen });
    if (a.code === ResultCode.SESSION_REQUIRED) return { kind: 'signedOut' };
    if (a.code === ResultCode.NO_RECORD) return { kind: 'unknown' };
    if (a.code !== ResultCode.SUCCESS || a.data === null) return { kind: 'trouble', message: `${a.code}: ${a.msg}` };
    return { kind: 'state', state: a.data.state, order: a.data.order };
  } catch (error) {
    if (error instanceof Unreachable) return { kind: 'trouble', message: error.message };
    throw error;
  }
}

/** Payments of this wallet waiting for its PIN (none when they cannot be read now: the code screen follows). */
export async function pendingOrders(): Promise<PageOrder[]> {
  try {
    const a = await callPage<{ orders: PageOrder[] }>('wallet/pending');
    return a.code === ResultCode.SUCCESS && a.data !== null ? a.data.orders : [];
  } catch (error) {
    if (error instanceof Unreachable) return [];
    throw error;
  }
}

/**
 * One payment of this wallet as it is now; 'signedOut' when the session ended, 'gone' when it is no
 * payment of this wallet, null when it cannot be read now (the caller asks again).
 */
export async function orderNow(wavpayOrderId: string): Promise<PageOrder | 'signedOut' | 'gone' | null> {
  try {
    const a = await callPage<PageOrder>('wallet/order', { wavpayOrderId });
    if (a.code === ResultCode.SESSION_REQUIRED) return 'signedOut';
    if (a.code === ResultCode.NO_RECORD) return 'gone';
    return a.code === ResultCode.SUCCESS ? a.data : null;
  } catch {
    // Unreachable, or an answer that is no JSON (a proxy's error page): read again at the next turn.
    return null;
  }
}

export type SettleAnswer =
  | { readonly kind: 'done'; readonly order: PageOrder }
  | { readonly kind: 'wrongPin'; readonly triesLeft: number }
  | { readonly kind: 'refused'; readonly code: number; readonly message: string };

/** Confirms with the PIN (`pin` given) or declines; the answer carries the order as it now is. */
export async function settle(wavpayOrderId: string, pin: string | null): Promise<SettleAnswer> {
  try {
    const a = pin === null
      ? await callPage<PageOrder | { triesLeft: number }>('wallet/decline', { wavpayOrderId })
      : await callPage<PageOrder | { triesLeft: number }>('wallet/confirm', { wavpayOrderId, pin });
    if (a.data !== null && 'triesLeft' in a.data) return { kind: 'wrongPin', triesLeft: a.data.triesLeft };
    // Paid now, or already final (paid, failed, closed): the order says which.
    if (a.data !== null && 'wavpayOrderId' in a.data) return { kind: 'done', order: a.data };
    return { kind: 'refused', code: a.code, message: a.msg };
  } catch (error) {
    if (error instanceof Unreachable) return { kind: 'refused', code: 0, message: error.message };
    throw error;
  }
}
