import { ResultCode } from '@micropay/protocol/errors';
import type { DeviceListing } from '@micropay/protocol/offline-code';
import { callPage, SESSION_REPLACED, Unreachable } from '../shared/page-api.js';

/**
 * The wallet page's account calls (`/api/page/wallet/balance`, `history`, `freeze`, `offline-devices`,
 * `offline-device-sign-out`; docs/pages.md).
 * The wallet is always the session's: no call names one.
 */
export interface Balances {
  readonly walletId: string;
  readonly name: string;
  readonly status: 'active' | 'frozen' | 'closed';
  readonly balance: string;
  readonly held: string;
  readonly available: string;
}

/** One movement: `amount` signed from the wallet's side, `zonedTime` in the platform's zone with its offset. */
export interface Movement {
  readonly type: 'PAYMENT' | 'REFUND' | 'TOPUP' | 'TOPUP_REVERSAL';
  readonly amount: string;
  readonly merchantName: string | null;
  readonly status: string | null;
  /** A payment's refunds so far, in process included ("0.00": none); null on other rows. */
  readonly refundedAmount: string | null;
  readonly zonedTime: string;
}

export interface HistoryPage {
  readonly transactions: readonly Movement[];
  /** The key of the next, older page; null on the last. */
  readonly older: string | null;
  readonly timeZone: string;
}

export type Outcome<T> =
  | { readonly ok: true; readonly data: T }
  | { readonly ok: false; readonly signedOut: boolean; readonly message: string };

async function ask<T>(path: string, body: Record<string, unknown> = {}): Promise<Outcome<T>> {
  try {
    const a = await callPage<T>(path, body);
    if (a.code === ResultCode.SUCCESS && a.data !== null) return { ok: true, data: a.data };
    if (a.code === ResultCode.SESSION_REQUIRED) return { ok: false, signedOut: true, message: 'You are signed out. Sign in again to see your wallet.' };
    // Another tab signed in again: what the cookie opens now may be another wallet, never shown here.
    if (a.code === ResultCode.CSRF_REJECTED) return { ok: false, signedOut: true, message: SESSION_REPLACED };
    return { ok: false, signedOut: false, message: `The platform refused (${a.code}: ${a.msg}).` };
  } catch (error) {
    if (error instanceof Unreachable) return { ok: false, signedOut: false, message: error.message };
    throw error;
  }
}

export function readBalances(): Promise<Outcome<Balances>> {
  return ask('wallet/balance');
}

export function readHistory(before: string | null): Promise<Outcome<HistoryPage>> {
  return ask('wallet/history', before === null ? {} : { before });
}

export function freezeWallet(): Promise<Outcome<Balances>> {
  return ask('wallet/freeze');
}

export function readDevices(): Promise<Outcome<{ devices: readonly DeviceListing[] }>> {
  return ask('wallet/offline-devices');
}

/** Signs one of the wallet's devices out: its offline codes pay no more. */
export function signOutDeviceById(deviceId: string): Promise<Outcome<{ deviceId: string }>> {
  return ask('wallet/offline-device-sign-out', { deviceId });
}
