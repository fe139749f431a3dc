import {
  BASE64URL_32_BYTES, DEVICE_ID_SHAPE, fail, formatWireTime, OFFLINE_CODE_PREFIX, OFFLINE_STEP_MS, OFFLINE_WINDOW_STEPS, parse, rejectUnknown, required,
  ResultCode, text, type DeviceListing, type EnrolledDevice, type Parsed,
} from '@micropay/protocol';
import { walletHolderActing, type WalletChannel } from '../domain/audit-log.js';
import { deviceIdOf, deviceLabelProblem, deviceStanding, isSignOutProof, MAX_ACTIVE_DEVICES, type DeviceTerms, type WalletDevice } from '../domain/offline-code.js';
import { answer } from './answer.js';
import type { Answer, ApiContext, ApiRequest } from './context.js';

/**
 * Offline codes' devices (docs/offline-codes.md), for the wallet API (bearer token) and the wallet
 * page (session): enrolment gives a device its tag and secret once, and it computes its codes from
 * then on with no network, until its enrolment expires; a renewal while online extends it; the
 * holder lists the wallet's devices and signs any of them out. The secret is in no log and in no
 * other answer. Enrolment and sign-out are the holder's own actions, in the audit log with the
 * request's address (`via`: which of the two they came through); the token, session and device
 * secret are not part of the row.
 */

export function parseLabel(body: Record<string, unknown>): string {
  const label = (text(body, 'label') ?? '').trim();
  if (label === '') return 'device';
  const problem = deviceLabelProblem(label);
  if (problem !== null) fail('label', problem);
  return label;
}

/** An enrolment's or renewal's terms: the configured lifetime, and the wallet page's session when it comes from one. */
function termsOf(ctx: ApiContext, sessionHash: string | null): DeviceTerms {
  return { lifetimeMs: ctx.config.offlineDeviceLifetimeMs, sessionHash };
}

/** A device on the wire (the wallet API, the wallet page and the operator console alike). */
export function deviceListing(device: WalletDevice, nowMs: number, timeZone: string): DeviceListing {
  return {
    deviceId: deviceIdOf(device.deviceIndex),
    label: device.label,
    status: deviceStanding(device, nowMs),
    enrolledAt: formatWireTime(device.createdAtMs, timeZone),
    expiresAt: formatWireTime(device.expiresAtMs, timeZone),
    expiresAtMs: String(device.expiresAtMs),
    revokedAt: device.revokedAtMs === null ? null : formatWireTime(device.revokedAtMs, timeZone),
  };
}

/** Enrols a device of the wallet and answers its credentials, once. `sessionHash`: the wallet page's session (null: the app). */
export async function enrolAnswer(ctx: ApiContext, req: ApiRequest, walletId: string, via: WalletChannel, sessionHash: string | null): Promise<Answer> {
  const parsed = parse(() => {
    rejectUnknown(req.body, ['label']);
    return parseLabel(req.body);
  });
  if (!parsed.ok) return answer(parsed.code, null, parsed.msg);
  const key = await ctx.store.offlineCodeKey();
  if (key === null) return answer(ResultCode.SYSTEM_ERROR, null, 'offline codes are off: the platform has no master key');
  const acting = walletHolderActing(walletId, via, req.clientAddress ?? null);
  const device = await ctx.store.enrolOfflineDevice(walletId, parsed.value, termsOf(ctx, sessionHash), acting);
  if (device === 'WALLET_FROZEN') return answer(ResultCode.WALLET_FROZEN);
  if (device === 'WALLET_CLOSED' || device === 'NO_WALLET') return answer(ResultCode.UNAUTHORIZED);
  if (device === 'TOO_MANY_DEVICES') {
    return answer(ResultCode.ACTION_REFUSED, null, `the wallet has ${MAX_ACTIVE_DEVICES} active devices, the most it may have: sign one out first`);
  }
  const enrolled: EnrolledDevice = {
    ...deviceListing(device, device.createdAtMs, ctx.config.timeZone),
    ...key.deviceCredentials(device),
    codePrefix: OFFLINE_CODE_PREFIX,
    stepSeconds: String(OFFLINE_STEP_MS / 1000),
    windowSteps: String(OFFLINE_WINDOW_STEPS),
  };
  return answer(ResultCode.SUCCESS, enrolled);
}

function parseDeviceId(req: ApiRequest): Parsed<number> {
  return parse(() => {
    rejectUnknown(req.body, ['deviceId']);
    return deviceIndexOf(req.body);
  });
}

function deviceIndexOf(body: Record<string, unknown>): number {
  const id = required(body, 'deviceId');
  if (!DEVICE_ID_SHAPE.test(id)) fail('deviceId', 'must be the 8-digit device id enrolment answered');
  return Number(id);
}

/** Extends the device's enrolment by the lifetime from now; an expired or revoked device enrols again instead. */
export async function renewAnswer(ctx: ApiContext, req: ApiRequest, walletId: string, sessionHash: string | null): Promise<Answer> {
  const parsed = parseDeviceId(req);
  if (!parsed.ok) return answer(parsed.code, null, parsed.msg);
  const renewed = await ctx.store.renewOfflineDevice(walletId, parsed.value, termsOf(ctx, sessionHash));
  if (renewed === 'WALLET_FROZEN') return answer(ResultCode.WALLET_FROZEN);
  if (renewed === 'WALLET_CLOSED' || renewed === 'NO_WALLET') return answer(ResultCode.UNAUTHORIZED);
  if (renewed === 'NO_DEVICE') return answer(ResultCode.NO_RECORD, null, 'no such device for this wallet');
  if (renewed === 'EXPIRED' || renewed === 'REVOKED') {
    return answer(ResultCode.DEVICE_ENDED, null, `device ${deviceIdOf(parsed.value)} ${renewed === 'EXPIRED' ? 'has expired' : 'is signed out or revoked'}: enrol again`);
  }
  return answer(ResultCode.SUCCESS, deviceListing(renewed, ctx.clock.nowMs(), ctx.config.timeZone));
}

/** The wallet's devices that can still pay (or all of them, revoked and expired too), oldest first. */
export async function devicesAnswer(ctx: ApiContext, walletId: string, all: boolean): Promise<Answer> {
  const nowMs = ctx.clock.nowMs();
  const devices = (await ctx.store.walletDevices(walletId)).map((d) => deviceListing(d, nowMs, ctx.config.timeZone));
  return answer(ResultCode.SUCCESS, { devices: all ? devices : devices.filter((d) => d.status === 'active'), timeZone: ctx.config.timeZone });
}

/**
 * Signs a device of the wallet out: its codes pay no more, on every server, from the next payment
 * on, and the wallet page it was enrolled in is signed out too.
 */
export async function signOutAnswer(ctx: ApiContext, req: ApiRequest, walletId: string, via: WalletChannel): Promise<Answer> {
  const parsed = parseDeviceId(req);
  if (!parsed.ok) return answer(parsed.code, null, parsed.msg);
  const revoked = await ctx.store.revokeOfflineDevices(walletId, parsed.value, walletHolderActing(walletId, via, req.clientAddress ?? null));
  if (revoked === 'NO_DEVICE') return answer(ResultCode.NO_RECORD, null, 'no such device for this wallet');
  if (revoked === null) return answer(ResultCode.UNAUTHORIZED);
  return answer(ResultCode.SUCCESS, { deviceId: deviceIdOf(parsed.value), status: 'revoked' });
}

/**
 * A device signs itself out with its sign-out proof (`deviceSignOutProof`) instead of a session or
 * token: the wallet page whose session has ended, or that signed out offline, still ends its
 * device. An unknown device and a wrong proof are answered alike (1031), so the call tells nothing
 * about devices whose secret the caller lacks; a device ended already answers as a fresh sign-out.
 */
export async function selfSignOutAnswer(ctx: ApiContext, req: ApiRequest, via: WalletChannel): Promise<Answer> {
  const parsed = parse(() => {
    rejectUnknown(req.body, ['deviceId', 'proof']);
    const deviceIndex = deviceIndexOf(req.body);
    const proof = required(req.body, 'proof');
    if (!BASE64URL_32_BYTES.test(proof)) fail('proof', 'must be the device\'s sign-out proof: 43 characters of base64url');
    return { deviceIndex, proof };
  });
  if (!parsed.ok) return answer(parsed.code, null, parsed.msg);
  const [key, device] = await Promise.all([ctx.store.offlineCodeKey(), ctx.store.offlineDevice(parsed.value.deviceIndex)]);
  // An unknown device costs the same HMAC as a known one, so the answer's time tells nothing either.
  const proven = key !== null && isSignOutProof(key, device ?? { deviceIndex: parsed.value.deviceIndex, salt: '' }, parsed.value.proof);
  if (device === null || !proven) return answer(ResultCode.NO_RECORD, null, 'no such device, or the proof is not its');
  await ctx.store.revokeOfflineDevices(device.walletId, device.deviceIndex, walletHolderActing(device.walletId, via, req.clientAddress ?? null));
  return answer(ResultCode.SUCCESS, { deviceId: deviceIdOf(device.deviceIndex), status: 'revoked' });
}
