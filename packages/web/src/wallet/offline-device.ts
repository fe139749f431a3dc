import {
  deviceSignOutProof, enrolmentEnded, keptOfflineCounter, nextOfflineCodeAtMs, nextOfflineCounter, offlineCodeEndsAtMs, offlinePayCode,
  type DeviceListing, type EnrolledDevice, type OfflineDevice,
} from '@micropay/protocol/offline-code';
import { ResultCode } from '@micropay/protocol/errors';
import { callPage, Unreachable } from '../shared/page-api.js';

/**
 * Offline codes on the wallet page (docs/offline-codes.md): when the holder asks ("Pay offline on
 * this phone"), the page enrols this browser as a device and keeps its tag, secret and expiry in
 * localStorage; each later start while signed in and online renews the enrolment (a device that
 * ended is forgotten, until the holder asks again).
 * When the platform cannot be reached, the code screen shows a code computed here with the
 * reference generator (WebCrypto), until the enrolment's expiry. WebCrypto needs a secure
 * context: HTTPS, or localhost.
 */
interface StoredDevice extends OfflineDevice {
  readonly deviceId: string;
  /** The platform's expiry of the enrolment; from then its codes are refused, so none is shown. */
  readonly expiresAtMs: number;
  readonly lastCounter: number | null;
  /**
   * Enrolled because the holder asked (Pay offline on this phone). A device an earlier version
   * enrolled at sign-in has none: its next start forgets it instead of renewing it, since the
   * browser may be a shared one.
   */
  readonly asked?: true;
}

const keyOf = (walletId: string) => `micropay.offline.${walletId}`;

function stored(walletId: string): StoredDevice | null {
  try {
    const text = localStorage.getItem(keyOf(walletId));
    const device = text === null ? null : (JSON.parse(text) as StoredDevice);
    // A device kept by an older page has no expiry (nor `asked`): renewEnrolment forgets it.
    return device === null ? null : { ...device, expiresAtMs: Number(device.expiresAtMs ?? 0) };
  } catch {
    return null;
  }
}

function store(walletId: string, device: StoredDevice): void {
  localStorage.setItem(keyOf(walletId), JSON.stringify(device));
}

/**
 * Changes the stored device if it is still `deviceId`: a forget or a new enrolment made while the
 * caller awaited something wins over the copy it read before.
 */
function update(walletId: string, deviceId: string, change: (device: StoredDevice) => StoredDevice): void {
  const now = stored(walletId);
  if (now !== null && now.deviceId === deviceId) store(walletId, change(now));
}

/** Forgets this browser's device for the wallet (its wallet was frozen, or it was signed out). */
export function forgetDevice(walletId: string): void {
  localStorage.removeItem(keyOf(walletId));
  if (localStorage.getItem(LAST_KEY) === walletId) localStorage.removeItem(LAST_KEY);
}

/** The wallet this browser was last signed in to: a start with no network shows its offline codes. */
const LAST_KEY = 'micropay.offline.last';

export function rememberWallet(walletId: string): void {
  localStorage.setItem(LAST_KEY, walletId);
}

/**
 * The page found no session: a start with no network shows no wallet's codes either, so a browser
 * left without signing out (its session expired) is not a wallet for whoever opens it offline.
 */
export function forgetLastWallet(): void {
  localStorage.removeItem(LAST_KEY);
}

/** A sign-out made with no network: the session may still be alive, and the next start ends it first. */
const SIGN_OUT_OWED_KEY = 'micropay.wallet.sign-out-owed';

export function signOutOwed(): boolean {
  return localStorage.getItem(SIGN_OUT_OWED_KEY) !== null;
}

export function oweSignOut(owed: boolean): void {
  if (owed) localStorage.setItem(SIGN_OUT_OWED_KEY, '1');
  else localStorage.removeItem(SIGN_OUT_OWED_KEY);
}

/** The wallet whose offline codes a start with no network shows: the last one signed in to, if this browser still has its device. */
export function offlineWallet(): string | null {
  const walletId = localStorage.getItem(LAST_KEY);
  return walletId !== null && stored(walletId) !== null ? walletId : null;
}

/**
 * Keeps the page's shell in the browser (shell-worker.js), so that it opens with no network.
 * Service workers, like WebCrypto, exist in a secure context only: HTTPS, or localhost.
 */
export function keepShellForOffline(): void {
  if (!('serviceWorker' in navigator) || !window.isSecureContext) return;
  navigator.serviceWorker.register('/wallet-sw.js', { scope: '/wallet' }).catch(() => undefined);
}

/** This browser's device id for the wallet, or null: the device list marks it. */
export function thisDeviceId(walletId: string): string | null {
  return stored(walletId)?.deviceId ?? null;
}

/** Whether this browser can make offline codes at all: WebCrypto exists in a secure context only (HTTPS, or localhost). */
export function canMakeOfflineCodes(): boolean {
  return globalThis.crypto?.subtle !== undefined;
}

/**
 * Renews this browser's enrolment for the wallet, if it has one: an ended one (revoked, expired) is
 * forgotten, and not made anew, since making offline codes here is the holder's choice
 * (enrolThisBrowser). No network, or a frozen wallet, leaves it as it was.
 */
export async function renewEnrolment(walletId: string): Promise<void> {
  const device = stored(walletId);
  if (device === null || !canMakeOfflineCodes()) return;
  // Its secret is forgotten, so this browser makes no more codes; the device is not signed out by
  // its proof, which would end the holder's session too: it ends at its expiry, never renewed.
  if (device.asked !== true) return forgetDevice(walletId);
  try {
    const renewed = await callPage<DeviceListing>('wallet/offline-device-renew', { deviceId: device.deviceId });
    if (renewed.code === ResultCode.SUCCESS && renewed.data !== null) {
      update(walletId, device.deviceId, (d) => ({ ...d, expiresAtMs: Number(renewed.data!.expiresAtMs) }));
    } else if (renewed.code === ResultCode.DEVICE_ENDED || renewed.code === ResultCode.NO_RECORD) {
      forgetDevice(walletId);
    }
  } catch (error) {
    if (!(error instanceof Unreachable)) throw error;
  }
}

/**
 * Enrols this browser, at the holder's asking ("Pay offline on this phone"): a browser that makes
 * offline codes makes them for whoever opens it with no network, until it is signed out, so a
 * shared or borrowed one never does by itself. Answers why it could not (the wallet has its most
 * devices, no network), for the device list to say; else null.
 */
export async function enrolThisBrowser(walletId: string, stillSignedIn: () => boolean): Promise<string | null> {
  if (!canMakeOfflineCodes()) return 'This browser cannot make offline codes: it needs the page over HTTPS.';
  try {
    const a = await callPage<EnrolledDevice>('wallet/offline-device', { label: browserLabel() });
    if (a.code === ResultCode.SUCCESS && a.data !== null) {
      const { deviceId, deviceTag, deviceSecret, expiresAtMs } = a.data;
      // Signed out while the enrolment was on its way: the device is ended at once, never kept.
      if (!stillSignedIn()) {
        await keepSignOut({ deviceId, deviceSecret });
        await sendPendingSignOuts();
        return 'You are signed out.';
      }
      store(walletId, { deviceId, deviceTag, deviceSecret, expiresAtMs: Number(expiresAtMs), lastCounter: null, asked: true });
      return null;
    }
    return `This browser cannot make offline codes: ${a.msg}.`;
  } catch (error) {
    if (error instanceof Unreachable) return error.message;
    throw error;
  }
}

export type OfflineCode =
  /** Shown until `endsAtMs`, the end of its counter's step, when the screen moves to the next code. */
  | { readonly ok: true; readonly code: string; readonly endsAtMs: number }
  /** Not enrolled here (or no WebCrypto): no offline code at all. */
  | { readonly ok: false; readonly reason: 'none' }
  /** The codes of the window ahead were all shown (or the clock went back): the next one can be made from `nextAtMs`. */
  | { readonly ok: false; readonly reason: 'aheadUsedUp'; readonly nextAtMs: number }
  /** The enrolment ended at `expiresAtMs`. */
  | { readonly ok: false; readonly reason: 'expired'; readonly expiresAtMs: number };

/**
 * This browser's offline code for the wallet, or why there is none. `new`: the holder asked for a
 * new code (the last one may be spent), so it is a later counter than any shown. `same`: the
 * screen renews itself, so it keeps a code shown ahead and otherwise takes this step's
 * (keptOfflineCounter): a page left on moves one counter per 10-second step, never faster.
 */
export async function offlineCode(walletId: string, want: 'new' | 'same'): Promise<OfflineCode> {
  const device = stored(walletId);
  if (device === null || !canMakeOfflineCodes()) return { ok: false, reason: 'none' };
  const nowMs = Date.now();
  if (enrolmentEnded(device.expiresAtMs, nowMs)) return { ok: false, reason: 'expired', expiresAtMs: device.expiresAtMs };
  const counter = want === 'new' ? nextOfflineCounter(nowMs, device.lastCounter) : keptOfflineCounter(nowMs, device.lastCounter);
  // Null only with a last counter (a first code is always this step's).
  if (counter === null) return { ok: false, reason: 'aheadUsedUp', nextAtMs: nextOfflineCodeAtMs(device.lastCounter!) };
  // Taken before the (asynchronous) HMAC: a second request meanwhile reads it and takes the next.
  update(walletId, device.deviceId, (d) => ({ ...d, lastCounter: Math.max(d.lastCounter ?? counter, counter) }));
  return { ok: true, code: await offlinePayCode(device, counter), endsAtMs: offlineCodeEndsAtMs(counter) };
}

/** A sign-out the platform has not taken yet: the device's id and its sign-out proof, never its secret. */
interface PendingSignOut {
  readonly deviceId: string;
  readonly proof: string;
}

const PENDING_KEY = 'micropay.offline.sign-outs';

function pendingSignOuts(): PendingSignOut[] {
  try {
    return JSON.parse(localStorage.getItem(PENDING_KEY) ?? '[]') as PendingSignOut[];
  } catch {
    return [];
  }
}

function keepPending(list: readonly PendingSignOut[]): void {
  if (list.length === 0) localStorage.removeItem(PENDING_KEY);
  else localStorage.setItem(PENDING_KEY, JSON.stringify(list));
}

/**
 * On sign-out: the page forgets the secret at once and keeps only the device's sign-out proof,
 * which ends the device on the platform with or without a session (one that expired, or none
 * while offline); the proof is sent now, and again at each start until the platform has taken it.
 */
export async function signOutDevice(walletId: string): Promise<void> {
  const device = stored(walletId);
  if (device === null) return;
  await keepSignOut(device);
  forgetDevice(walletId);
  await sendPendingSignOuts();
}

/** A device's sign-out proof, kept in this browser until the platform has taken it. */
async function keepSignOut(device: Pick<StoredDevice, 'deviceId' | 'deviceSecret'>): Promise<void> {
  const proof = await deviceSignOutProof(device.deviceSecret, device.deviceId);
  keepPending([...pendingSignOuts().filter((p) => p.deviceId !== device.deviceId), { deviceId: device.deviceId, proof }]);
}

/** Sends the sign-outs this browser could not deliver yet; each is dropped once the platform has answered it. */
export async function sendPendingSignOuts(): Promise<void> {
  for (const pending of pendingSignOuts()) {
    try {
      const a = await callPage('wallet/offline-device-self-sign-out', { deviceId: pending.deviceId, proof: pending.proof });
      // 0: ended. 1031: the platform knows no such device with that proof, so nothing is left to end.
      if (a.code !== ResultCode.SUCCESS && a.code !== ResultCode.NO_RECORD) continue;
      keepPending(pendingSignOuts().filter((p) => p.deviceId !== pending.deviceId));
    } catch (error) {
      if (error instanceof Unreachable) return;
      throw error;
    }
  }
}

/** A name the holder recognises in the device list: this browser and its system, from its user agent. */
function browserLabel(): string {
  const agent = navigator.userAgent;
  const browser = /Edg\//.test(agent) ? 'Edge' : /Firefox\//.test(agent) ? 'Firefox' : /Chrom(e|ium)\//.test(agent) ? 'Chrome' : /Safari\//.test(agent) ? 'Safari' : 'Browser';
  const system = /Android/.test(agent) ? 'Android' : /iPhone|iPad/.test(agent) ? 'iPhone' : /Windows/.test(agent) ? 'Windows'
    : /Mac OS X/.test(agent) ? 'Mac' : /Linux|CrOS/.test(agent) ? 'Linux' : null;
  return system === null ? `${browser} (wallet page)` : `${browser} on ${system}`;
}
