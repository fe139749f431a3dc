import { nextOfflineCounter, offlinePayCode, type DeviceListing, type EnrolledDevice, type OfflineDevice } from '@micropay/protocol/offline-code';
import { ResultCode } from '@micropay/protocol/errors';
import { callPage, Unreachable } from '../shared/page-api.js';

/**
 * Offline codes on the wallet page (docs/offline-codes.md): once signed in, the page enrols this
 * browser as a device and keeps its tag, secret and expiry in localStorage; each later start while
 * signed in and online renews the enrolment (a device that ended is forgotten and enrolled anew).
 * When the platform cannot be reached, the code screen shows a code computed here with the
 * reference generator (WebCrypto), until the enrolment's expiry. WebCrypto needs a secure
 * context: HTTPS, or localhost.
 */
interface StoredDevice extends OfflineDevice {
  readonly deviceId: string;
  /** The platform's expiry of the enrolment; from then its codes are refused, so none is shown. */
  readonly expiresAtMs: number;
  readonly lastCounter: number | null;
}

const keyOf = (walletId: string) => `micropay.offline.${walletId}`;

function stored(walletId: string): StoredDevice | null {
  try {
    const text = localStorage.getItem(keyOf(walletId));
    const device = text === null ? null : (JSON.parse(text) as StoredDevice);
    // A device kept by an older page has no expiry: it is renewed (or enrolled anew) like any other.
    return device === null ? null : { ...device, expiresAtMs: Number(device.expiresAtMs ?? 0) };
  } catch {
    return null;
  }
}

function store(walletId: string, device: StoredDevice): void {
  localStorage.setItem(keyOf(walletId), JSON.stringify(device));
}

/** Forgets this browser's device for the wallet (its wallet was frozen, or it was signed out). */
export function forgetDevice(walletId: string): void {
  localStorage.removeItem(keyOf(walletId));
}

/** This browser's device id for the wallet, or null: the device list marks it. */
export function thisDeviceId(walletId: string): string | null {
  return stored(walletId)?.deviceId ?? null;
}

/**
 * Renews this browser's enrolment for the wallet, or enrols it when it has none or its one ended.
 * No network, or a refusal (a frozen wallet), only leaves offline codes as they were.
 */
export async function ensureEnrolled(walletId: string): Promise<void> {
  if (globalThis.crypto?.subtle === undefined) return;
  try {
    const device = stored(walletId);
    if (device !== null) {
      const renewed = await callPage<DeviceListing>('wallet/offline-device-renew', { deviceId: device.deviceId });
      if (renewed.code === ResultCode.SUCCESS && renewed.data !== null) return store(walletId, { ...device, expiresAtMs: Number(renewed.data.expiresAtMs) });
      if (renewed.code !== ResultCode.DEVICE_ENDED && renewed.code !== ResultCode.NO_RECORD) return;
      forgetDevice(walletId);
    }
    const a = await callPage<EnrolledDevice>('wallet/offline-device', { label: 'wallet page' });
    if (a.code === ResultCode.SUCCESS && a.data !== null) {
      const { deviceId, deviceTag, deviceSecret, expiresAtMs } = a.data;
      store(walletId, { deviceId, deviceTag, deviceSecret, expiresAtMs: Number(expiresAtMs), lastCounter: null });
    }
  } catch (error) {
    if (!(error instanceof Unreachable)) throw error;
  }
}

export type OfflineCode =
  | { readonly ok: true; readonly code: string }
  /** none: not enrolled, or the window ahead is used up; expired: the enrolment ended at `expiresAtMs`. */
  | { readonly ok: false; readonly reason: 'none' } | { readonly ok: false; readonly reason: 'expired'; readonly expiresAtMs: number };

/** This browser's next offline code for the wallet, or why there is none. */
export async function nextOfflineCode(walletId: string): Promise<OfflineCode> {
  const device = stored(walletId);
  if (device === null || globalThis.crypto?.subtle === undefined) return { ok: false, reason: 'none' };
  const nowMs = Date.now();
  if (nowMs >= device.expiresAtMs) return { ok: false, reason: 'expired', expiresAtMs: device.expiresAtMs };
  const counter = nextOfflineCounter(nowMs, device.lastCounter);
  if (counter === null) return { ok: false, reason: 'none' };
  const code = await offlinePayCode(device, counter);
  store(walletId, { ...device, lastCounter: counter });
  return { ok: true, code };
}

/** On sign-out: the platform revokes this browser's device, and the page forgets its secret. */
export async function signOutDevice(walletId: string): Promise<void> {
  const device = stored(walletId);
  if (device === null) return;
  forgetDevice(walletId);
  await callPage('wallet/offline-device-sign-out', { deviceId: device.deviceId }).catch(() => undefined);
}
