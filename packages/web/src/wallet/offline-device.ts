import { nextOfflineCounter, offlinePayCode, type OfflineDevice } from '@micropay/protocol/offline-code';
import { ResultCode } from '@micropay/protocol/errors';
import { callPage, Unreachable } from '../shared/page-api.js';

/**
 * Offline codes on the wallet page (docs/offline-codes.md): once signed in, the page enrols this
 * browser as a device and keeps its tag and secret in localStorage; when the platform cannot be
 * reached, the code screen shows a code computed here with the reference generator (WebCrypto).
 * WebCrypto needs a secure context: HTTPS, or localhost.
 */
interface StoredDevice extends OfflineDevice {
  readonly deviceId: string;
  readonly lastCounter: number | null;
}

const keyOf = (walletId: string) => `micropay.offline.${walletId}`;

function stored(walletId: string): StoredDevice | null {
  try {
    const text = localStorage.getItem(keyOf(walletId));
    return text === null ? null : (JSON.parse(text) as StoredDevice);
  } catch {
    return null;
  }
}

function store(walletId: string, device: StoredDevice): void {
  localStorage.setItem(keyOf(walletId), JSON.stringify(device));
}

/** Enrols this browser for the wallet unless it is already; a failure only leaves offline codes off. */
export async function ensureEnrolled(walletId: string): Promise<void> {
  if (stored(walletId) !== null || globalThis.crypto?.subtle === undefined) return;
  try {
    const a = await callPage<OfflineDevice & { deviceId: string }>('wallet/offline-device', { label: 'wallet page' });
    if (a.code === ResultCode.SUCCESS && a.data !== null) {
      store(walletId, { deviceId: a.data.deviceId, deviceTag: a.data.deviceTag, deviceSecret: a.data.deviceSecret, lastCounter: null });
    }
  } catch (error) {
    if (!(error instanceof Unreachable)) throw error;
  }
}

/** This browser's next offline code for the wallet, or null (not enrolled, or the window ahead is used up). */
export async function nextOfflineCode(walletId: string): Promise<string | null> {
  const device = stored(walletId);
  if (device === null || globalThis.crypto?.subtle === undefined) return null;
  const counter = nextOfflineCounter(Date.now(), device.lastCounter);
  if (counter === null) return null;
  const code = await offlinePayCode(device, counter);
  store(walletId, { ...device, lastCounter: counter });
  return code;
}

/** On sign-out: the platform revokes this browser's device, and the page forgets its secret. */
export async function signOutDevice(walletId: string): Promise<void> {
  const device = stored(walletId);
  if (device === null) return;
  localStorage.removeItem(keyOf(walletId));
  await callPage('wallet/offline-device-sign-out', { deviceId: device.deviceId }).catch(() => undefined);
}
