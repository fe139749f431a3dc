import type { DeviceListing } from '@micropay/protocol/offline-code';
import { table } from '../console/shell.js';
import { askFirst, button, withActions } from '../console/forms.js';
import { formatWireTime } from '../shared/time.js';

/**
 * A wallet's offline-code devices in the operator console's wallet detail (docs/consoles.md):
 * each with its state and expiry, a Revoke button for an active one, and Revoke all (after a
 * confirm step). Revoking takes effect on every server from the next payment, and signs out the
 * wallet page a device was enrolled in; the holder's app enrols again, and the page when the holder asks.
 */
export type Revoke = (deviceId: string | null) => Promise<void>;

const STATE: Record<DeviceListing['status'], string> = { active: 'Active', expired: 'Expired', revoked: 'Revoked' };

/** `revoke` null: the operator's role may not revoke (role.ts), so the part only lists. */
export function walletDevicesPart(walletId: string, devices: readonly DeviceListing[], revoke: Revoke | null): HTMLElement {
  const part = Object.assign(document.createElement('section'), { className: 'wallet-devices' });
  part.setAttribute('aria-labelledby', 'wallet-devices-heading');
  const heading = Object.assign(document.createElement('h4'), { id: 'wallet-devices-heading', textContent: 'Offline-code devices' });
  if (devices.length === 0) {
    part.append(heading, Object.assign(document.createElement('p'), { textContent: 'No device has been enrolled for offline codes.' }));
    return part;
  }
  const rows = devices.map((d) => [d.deviceId, d.label, STATE[d.status], formatWireTime(d.enrolledAt), ended(d), '']);
  const t = table(['Device', 'Label', 'State', 'Enrolled', 'Ends', 'Actions'], rows, `Devices of wallet ${walletId}, oldest first`);
  const actions = devices.map((d) => (d.status === 'active' && revoke !== null ? [button('Revoke', () => revoke(d.deviceId), 'secondary', `Revoke device ${d.deviceId}`)] : []));
  const wrap = Object.assign(document.createElement('div'), { className: 'table-wrap' });
  wrap.append(withActions(t, actions));
  part.append(heading, wrap);
  const active = devices.filter((d) => d.status === 'active').length;
  if (active > 0 && revoke !== null) {
    const confirming = document.createElement('div');
    part.append(button('Revoke all devices…', async () => confirmRevokeAll(walletId, active, confirming, revoke)), confirming);
  }
  return part;
}

/** Revoking every device also signs out the holder's wallet pages: it is asked once more, as closing a wallet is. */
function confirmRevokeAll(walletId: string, active: number, region: HTMLElement, revoke: Revoke): void {
  askFirst(region,
    `Revoke all ${active} active device${active === 1 ? '' : 's'} of wallet ${walletId}? Their offline codes stop paying, and the wallet pages they were enrolled in are signed out.`,
    `Revoke every device of ${walletId}`, () => revoke(null), 'Keep them');
}

function ended(d: DeviceListing): string {
  if (d.revokedAt !== null) return `Revoked ${formatWireTime(d.revokedAt)}`;
  return `${d.status === 'active' ? 'Expires' : 'Expired'} ${formatWireTime(d.expiresAt)}`;
}
