import { audited, type ActingAs } from '../domain/audit-log.js';
import { unchanged, type Decided } from '../domain/effects.js';
import { deviceIdOf, enrolDevice, renewDevice, revokeDevices, type DeviceTerms, type RenewRefusal, type WalletDevice } from '../domain/offline-code.js';
import { retryOnIdClash } from '../store/id-clash.js';
import type { StorePort } from '../store/port.js';

export type EnrolRefusal = 'NO_WALLET' | 'WALLET_FROZEN' | 'WALLET_CLOSED' | 'TOO_MANY_DEVICES';

/**
 * Enrols a device of the wallet for offline codes, in one transaction that locks the wallet (so a
 * freeze cannot slip between the check and the insert, nor another enrolment past the limit of
 * active devices). A drawn index that is taken draws again.
 */
export function enrolOfflineDevice(
  port: StorePort, walletId: string, label: string, terms: DeviceTerms, acting?: ActingAs,
): Promise<WalletDevice | EnrolRefusal> {
  return retryOnIdClash(() =>
    port.decide({ view: 'walletDevices', walletId }, (found, nowMs): Decided<WalletDevice | EnrolRefusal> => {
      if (found === null) return unchanged('NO_WALLET');
      const enrolled = enrolDevice(found.wallet, found.devices, label, terms, nowMs);
      if (typeof enrolled === 'string') return unchanged(enrolled);
      const detail = { deviceId: deviceIdOf(enrolled.device.deviceIndex), label };
      return audited({ result: enrolled.device, effects: enrolled.effects }, acting, nowMs, () => ({ action: 'device.enrol', mchId: null, subjectId: walletId, detail }));
    }),
  );
}

/**
 * Extends an active device's enrolment by the lifetime from now, under the wallet's lock, so a
 * revocation either comes first (and the renewal is refused) or after. Not in the audit log: a
 * page or app renews at every start while online, and a renewal grants nothing the device lacked.
 */
export function renewOfflineDevice(
  port: StorePort, walletId: string, deviceIndex: number, terms: DeviceTerms,
): Promise<WalletDevice | RenewRefusal | 'NO_WALLET'> {
  return port.decide({ view: 'walletDevices', walletId }, (found, nowMs): Decided<WalletDevice | RenewRefusal | 'NO_WALLET'> => {
    if (found === null) return unchanged('NO_WALLET');
    const renewed = renewDevice(found.wallet, found.devices.find((d) => d.deviceIndex === deviceIndex), terms, nowMs);
    return typeof renewed === 'string' ? unchanged(renewed) : { result: renewed.device, effects: renewed.effects };
  });
}

/**
 * Revokes the wallet's device `deviceIndex`, or all its devices (null), at once, with the page
 * sessions they came from: the payment path reads the device's status in the payment's own
 * transaction, on every process. Answers how many it ended (0: they were ended already, and
 * nothing is written); NO_DEVICE: not a device of this wallet; null: no wallet.
 */
export function revokeOfflineDevices(
  port: StorePort, walletId: string, deviceIndex: number | null, acting?: ActingAs,
): Promise<number | 'NO_DEVICE' | null> {
  return port.decide({ view: 'walletDevices', walletId }, (found, nowMs): Decided<number | 'NO_DEVICE' | null> => {
    if (found === null) return unchanged(null);
    const revoked = revokeDevices(walletId, found.devices, deviceIndex, nowMs);
    if (revoked === 'NO_DEVICE' || revoked.ended === 0) return unchanged(revoked === 'NO_DEVICE' ? revoked : 0);
    const detail = { deviceId: deviceIndex === null ? null : deviceIdOf(deviceIndex) };
    return audited({ result: revoked.ended, effects: revoked.effects }, acting, nowMs, () =>
      ({ action: 'device.revoke', mchId: null, subjectId: walletId, detail }));
  });
}
