import { fail, OFFLINE_CODE_PREFIX, OFFLINE_STEP_MS, OFFLINE_WINDOW_STEPS, parse, rejectUnknown, required, ResultCode, text } from '@micropay/protocol';
import { walletHolderActing, type WalletChannel } from '../domain/audit-log.js';
import { deviceIdOf, deviceLabelProblem } from '../domain/offline-code.js';
import { answer } from './answer.js';
import type { Answer, ApiContext, ApiRequest } from './context.js';

/**
 * Offline codes' enrolment and sign-out (docs/offline-codes.md), for the wallet API (bearer token)
 * and the wallet page (session): a device is given its tag and secret once, here, and computes
 * its codes from then on with no network. The secret is in no log and in no other answer.
 * Both are the holder's own actions, in the audit log with the request's address (`via`: which of
 * the two they came through); the token, session and device secret are not part of the row.
 */
const DEVICE_ID = /^[0-9]{8}$/;

export function parseLabel(body: Record<string, unknown>): string {
  const label = (text(body, 'label') ?? '').trim();
  if (label === '') return 'device';
  const problem = deviceLabelProblem(label);
  if (problem !== null) fail('label', problem);
  return label;
}

/** Enrols a device of the wallet and answers its credentials, once. */
export async function enrolAnswer(ctx: ApiContext, req: ApiRequest, walletId: string, via: WalletChannel): Promise<Answer> {
  const parsed = parse(() => {
    rejectUnknown(req.body, ['label']);
    return parseLabel(req.body);
  });
  if (!parsed.ok) return answer(parsed.code, null, parsed.msg);
  const key = await ctx.store.offlineCodeKey();
  if (key === null) return answer(ResultCode.SYSTEM_ERROR, null, 'offline codes are off: the platform has no master key');
  const device = await ctx.store.enrolOfflineDevice(walletId, parsed.value, walletHolderActing(walletId, via, req.clientAddress ?? null));
  if (device === 'WALLET_FROZEN') return answer(ResultCode.WALLET_FROZEN);
  if (device === 'WALLET_CLOSED' || device === 'NO_WALLET') return answer(ResultCode.UNAUTHORIZED);
  return answer(ResultCode.SUCCESS, {
    deviceId: deviceIdOf(device.deviceIndex),
    label: device.label,
    ...key.deviceCredentials(device),
    codePrefix: OFFLINE_CODE_PREFIX,
    stepSeconds: String(OFFLINE_STEP_MS / 1000),
    windowSteps: String(OFFLINE_WINDOW_STEPS),
  });
}

/** Signs a device of the wallet out: its codes pay no more, on every server, from the next payment on. */
export async function signOutAnswer(ctx: ApiContext, req: ApiRequest, walletId: string, via: WalletChannel): Promise<Answer> {
  const parsed = parse(() => {
    rejectUnknown(req.body, ['deviceId']);
    const id = required(req.body, 'deviceId');
    if (!DEVICE_ID.test(id)) fail('deviceId', 'must be the 8-digit device id enrolment answered');
    return Number(id);
  });
  if (!parsed.ok) return answer(parsed.code, null, parsed.msg);
  const devices = await ctx.store.walletDevices(walletId);
  const device = devices.find((d) => d.deviceIndex === parsed.value);
  if (device === undefined) return answer(ResultCode.NO_RECORD, null, 'no such device for this wallet');
  await ctx.store.revokeOfflineDevices(walletId, device.deviceIndex, walletHolderActing(walletId, via, req.clientAddress ?? null));
  return answer(ResultCode.SUCCESS, { deviceId: deviceIdOf(device.deviceIndex), status: 'revoked' });
}
