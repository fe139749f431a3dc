import { existsSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import {
  BASE64URL_32_BYTES,
  DEVICE_ID_SHAPE,
  enrolmentEnded,
  nextOfflineCounter,
  offlinePayCode,
  OFFLINE_CODE_PREFIX,
  OFFLINE_STEP_MS,
  OFFLINE_WINDOW_STEPS,
  type OfflineDevice,
} from '@micropay/protocol';
import { deviceListing } from '../api/wallet-devices.js';
import { DEVICE_LABEL_MAX, deviceIdOf, deviceLabelProblem, deviceStanding, MAX_ACTIVE_DEVICES, type WalletDevice } from '../domain/offline-code.js';
import { defineCommand } from './command-line.js';
import { cliActing, CommandFailed, notFound, timeText, UsageError, type Output } from './common.js';

/**
 * Offline codes from the command line (docs/offline-codes.md): an operator enrols a device and
 * gets its device file, lists and revokes a wallet's devices; `micropay paycode --offline FILE`
 * computes a code from the file alone, with no store and no network, as a wallet app does.
 */
const WALLETID = { name: 'WALLETID', help: 'the wallet id (12 digits, starting 60)' } as const;

/** What a device file holds: enrolment's answer, and the counter of the last code it printed. */
interface DeviceFile extends OfflineDevice {
  readonly walletId: string;
  readonly deviceId: string;
  readonly codePrefix: string;
  readonly stepSeconds: string;
  readonly windowSteps: string;
  /** When the enrolment ends unless renewed (`wallet devices renew --file` moves it); absent in files of older versions. */
  readonly expiresAtMs?: string;
  readonly lastCounter: number | null;
}

export const enrolDevice = defineCommand({
  name: 'wallet devices enrol',
  summary: 'enrol a device of a wallet for offline codes and write its device file (it holds the device secret)',
  details: 'The file is written with mode 0600 and never replaced; give it to the device only. `micropay paycode --offline FILE` prints its codes until the enrolment expires (MICROPAY_OFFLINE_DEVICE_DAYS) unless `wallet devices renew` extends it.',
  positionals: [WALLETID],
  options: {
    out: { type: 'string', value: 'FILE', required: true, help: 'where to write the device file (must not exist)' },
    label: { type: 'string', value: 'NAME', help: `a name for the device, up to ${DEVICE_LABEL_MAX} characters (default "device")` },
  },
  store: 'existing',
  async run({ args, options, store, out, config }) {
    if (existsSync(options.out)) throw new UsageError(`${options.out} exists; the device file is never replaced`);
    const label = options.label ?? 'device';
    const problem = deviceLabelProblem(label);
    if (problem !== null) throw new UsageError(`--label ${problem}`);
    const key = await store.offlineCodeKey();
    if (key === null) throw new CommandFailed('offline codes are off: the platform has no master key (MICROPAY_MASTER_KEY)');
    // The file first, empty and private: a path that cannot be written enrols no device whose secret nobody has.
    reserveDeviceFile(options.out);
    const device = await store.enrolOfflineDevice(args.WALLETID, label, { lifetimeMs: config.offlineDeviceLifetimeMs, sessionHash: null }, cliActing())
      .catch((error: unknown) => { rmSync(options.out, { force: true }); throw error; });
    if (typeof device === 'string') {
      rmSync(options.out, { force: true });
      if (device === 'NO_WALLET') return notFound(`wallet ${args.WALLETID}`);
      throw new CommandFailed(`wallet ${args.WALLETID} ${ENROL_REFUSED[device]}; it enrols no device`);
    }
    const file: DeviceFile = {
      walletId: args.WALLETID, deviceId: deviceIdOf(device.deviceIndex), ...key.deviceCredentials(device), codePrefix: OFFLINE_CODE_PREFIX,
      stepSeconds: String(OFFLINE_STEP_MS / 1000), windowSteps: String(OFFLINE_WINDOW_STEPS), expiresAtMs: String(device.expiresAtMs), lastCounter: null,
    };
    writeFileSync(options.out, JSON.stringify(file, null, 2) + '\n', { mode: 0o600 });
    out.show(
      { walletId: args.WALLETID, ...deviceListing(device, Date.now(), config.timeZone), deviceFile: options.out },
      `Device ${file.deviceId} "${label}" of wallet ${args.WALLETID} enrolled until ${timeText(device.expiresAtMs, config)}; its device file is ${options.out} (it holds the device secret).`,
    );
    return 0;
  },
});

const ENROL_REFUSED = {
  WALLET_FROZEN: 'is frozen',
  WALLET_CLOSED: 'is closed',
  TOO_MANY_DEVICES: `has ${MAX_ACTIVE_DEVICES} active devices, the most it may have (revoke one first)`,
} as const;

function reserveDeviceFile(path: string): void {
  try {
    writeFileSync(path, '', { mode: 0o600, flag: 'wx' });
  } catch (error) {
    throw new CommandFailed(`cannot write the device file ${path}: ${(error as Error).message}`);
  }
}

export const listDevices = defineCommand({
  name: 'wallet devices list',
  summary: "a wallet's devices enrolled for offline codes, expired and revoked ones too",
  positionals: [WALLETID],
  options: {},
  store: 'existing',
  async run({ args, store, out, config }) {
    if ((await store.findWallet(args.WALLETID)) === null) return notFound(`wallet ${args.WALLETID}`);
    const devices = await store.walletDevices(args.WALLETID);
    const nowMs = Date.now();
    const line = (d: WalletDevice) => {
      const status = deviceStanding(d, nowMs);
      const ends = d.revokedAtMs === null ? `${status === 'active' ? 'expires' : 'expired'} ${timeText(d.expiresAtMs, config)}` : `revoked ${timeText(d.revokedAtMs, config)}`;
      return `${deviceIdOf(d.deviceIndex)}  ${status.padEnd(7)}  enrolled ${timeText(d.createdAtMs, config)}  ${ends}  ${JSON.stringify(d.label)}`;
    };
    // --json lists each device as the wallet API does (its times in the platform's zone, ms as strings).
    out.show(
      { walletId: args.WALLETID, devices: devices.map((d) => deviceListing(d, nowMs, config.timeZone)) },
      devices.length === 0 ? `Wallet ${args.WALLETID} has no devices.` : devices.map(line).join('\n'),
    );
    return 0;
  },
});

export const revokeDevices = defineCommand({
  name: 'wallet devices revoke',
  summary: "revoke one device of a wallet (DEVICEID) or, with --all, every one: their offline codes pay no more",
  positionals: [WALLETID, { name: 'DEVICEID', optional: true, help: 'the device id (8 digits) from `wallet devices list`' }],
  options: { all: { type: 'boolean', help: 'revoke every device of the wallet' } },
  store: 'existing',
  async run({ args, options, store, out }) {
    if ((args.DEVICEID === undefined) !== options.all) throw new UsageError('give either DEVICEID or --all');
    if (args.DEVICEID !== undefined && !DEVICE_ID_SHAPE.test(args.DEVICEID)) throw new UsageError('DEVICEID is 8 digits');
    const index = args.DEVICEID === undefined ? null : Number(args.DEVICEID);
    const revoked = await store.revokeOfflineDevices(args.WALLETID, index, cliActing());
    if (revoked === null) return notFound(`wallet ${args.WALLETID}`);
    if (revoked === 'NO_DEVICE') return notFound(`device ${args.DEVICEID} of wallet ${args.WALLETID}`);
    const what = index === null ? `${revoked} device${revoked === 1 ? '' : 's'} of wallet ${args.WALLETID}` : `Device ${args.DEVICEID} of wallet ${args.WALLETID}`;
    const text = index === null ? `${what} revoked.` : revoked === 0 ? `${what} was revoked already.` : `${what} is revoked.`;
    out.show({ walletId: args.WALLETID, deviceId: args.DEVICEID ?? null, revoked }, text);
    return 0;
  },
});

export const renewDevice = defineCommand({
  name: 'wallet devices renew',
  summary: "extend an active device's enrolment by MICROPAY_OFFLINE_DEVICE_DAYS from now",
  details: 'An expired or revoked device is not renewed: enrol a new one. With --file, the device file records the new expiry too.',
  positionals: [WALLETID, { name: 'DEVICEID', help: 'the device id (8 digits) from `wallet devices list`' }],
  options: { file: { type: 'string', value: 'FILE', help: 'the device\'s file, to record the new expiry in' } },
  store: 'existing',
  async run({ args, options, store, out, config }) {
    if (!DEVICE_ID_SHAPE.test(args.DEVICEID)) throw new UsageError('DEVICEID is 8 digits');
    const file = options.file === undefined ? null : readDeviceFile(options.file);
    if (file !== null && (file.walletId !== args.WALLETID || file.deviceId !== args.DEVICEID)) {
      throw new UsageError(`${options.file} is device ${file.deviceId} of wallet ${file.walletId}, not this one`);
    }
    const renewed = await store.renewOfflineDevice(args.WALLETID, Number(args.DEVICEID), { lifetimeMs: config.offlineDeviceLifetimeMs, sessionHash: null });
    if (renewed === 'NO_WALLET') return notFound(`wallet ${args.WALLETID}`);
    if (renewed === 'NO_DEVICE') return notFound(`device ${args.DEVICEID} of wallet ${args.WALLETID}`);
    if (typeof renewed === 'string') throw new CommandFailed(`device ${args.DEVICEID} is not renewed: ${RENEW_REFUSED[renewed]}`);
    if (file !== null && options.file !== undefined) writeDeviceFile(options.file, { ...file, expiresAtMs: String(renewed.expiresAtMs) });
    out.show(
      { walletId: args.WALLETID, ...deviceListing(renewed, Date.now(), config.timeZone) },
      `Device ${args.DEVICEID} of wallet ${args.WALLETID} is enrolled until ${timeText(renewed.expiresAtMs, config)}.`,
    );
    return 0;
  },
});

const RENEW_REFUSED = {
  EXPIRED: 'its enrolment has expired; enrol a new device',
  REVOKED: 'it is revoked; enrol a new device',
  WALLET_FROZEN: 'its wallet is frozen',
  WALLET_CLOSED: 'its wallet is closed',
} as const;

/**
 * `paycode --offline FILE`: the next code of the device file, computed locally (no store, no
 * network); the file keeps the counter it used, so the next call within the step gets a new code.
 */
export async function offlinePaycode(path: string, out: Output, nowMs: number): Promise<number> {
  const file = readDeviceFile(path);
  if (file.expiresAtMs !== undefined && enrolmentEnded(Number(file.expiresAtMs), nowMs)) {
    throw new CommandFailed('this device\'s enrolment has expired: the platform refuses its codes; enrol a new device (`micropay wallet devices enrol`)');
  }
  const counter = nextOfflineCounter(nowMs, file.lastCounter);
  if (counter === null) throw new CommandFailed('this device printed codes for the whole window ahead already; wait 10 seconds');
  const code = await offlinePayCode(file, counter);
  writeDeviceFile(path, { ...file, lastCounter: counter });
  out.show({ payCode: code, walletId: file.walletId, deviceId: file.deviceId, counter: String(counter) }, code);
  return 0;
}

/** Replaces the file whole (a crash leaves the old one or the new one), keeping it private. */
function writeDeviceFile(path: string, file: DeviceFile): void {
  writeFileSync(`${path}.tmp`, JSON.stringify(file, null, 2) + '\n', { mode: 0o600 });
  renameSync(`${path}.tmp`, path);
}

function readDeviceFile(path: string): DeviceFile {
  let parsed: DeviceFile;
  try {
    parsed = JSON.parse(readFileSync(path, 'utf8')) as DeviceFile;
  } catch (error) {
    throw new CommandFailed(`cannot read the device file ${path}: ${(error as Error).message}`);
  }
  if (typeof parsed.deviceTag !== 'string' || !/^[0-9]{8}$/.test(parsed.deviceTag) || typeof parsed.deviceSecret !== 'string'
    || !BASE64URL_32_BYTES.test(parsed.deviceSecret) || (parsed.lastCounter !== null && !Number.isSafeInteger(parsed.lastCounter))
    || (parsed.expiresAtMs !== undefined && !/^[0-9]{1,16}$/.test(String(parsed.expiresAtMs)))) {
    throw new CommandFailed(`${path} is not a device file (from \`micropay wallet devices enrol\`)`);
  }
  return parsed;
}
