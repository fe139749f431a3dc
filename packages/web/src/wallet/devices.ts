import type { DeviceListing } from '@micropay/protocol/offline-code';
import { element, say } from '../shared/page.js';
import { formatTime, formatWireTime } from '../shared/time.js';
import { readDevices, signOutDeviceById, type Outcome } from './account-api.js';

/** What the list asks of the page: this browser's device, the sign-out, and the holder's asking for offline codes here. */
export interface DeviceHooks {
  readonly thisDevice: () => string | null;
  readonly signedOut: (message: string) => void;
  readonly canMakeOfflineCodes: () => boolean;
  readonly enrolThisDevice: () => Promise<string | null>;
}

/**
 * The wallet page's list of the wallet's devices that can make offline codes (docs/pages.md):
 * each browser or phone with its name and when its enrolment ends, and Sign out for every one but
 * this browser (whose own Sign out, at the top, does that). A browser left signed in elsewhere is
 * ended from here, at once on every server. Under it, Pay offline on this phone when this browser
 * makes no offline codes: only the holder's asking enrols it.
 */
export class DeviceList {
  readonly #list = element('device-list', HTMLUListElement);
  readonly #status = element('device-status', HTMLElement);
  readonly #offer = element('this-device', HTMLElement);
  readonly #keep = element('keep-offline', HTMLButtonElement);
  #load = 0;

  constructor(private readonly hooks: DeviceHooks) {
    // After a sign-out the list is rebuilt: the keyboard lands on the line that says what happened.
    this.#status.tabIndex = -1;
    this.#keep.addEventListener('click', () => void this.#enrol());
  }

  /** Why this browser could not enrol, said under the list until the page signs out; null: nothing to say. */
  note: string | null = null;

  async refresh(): Promise<void> {
    const load = ++this.#load;
    const a = await readDevices();
    if (load !== this.#load || !this.#accepted(a)) return;
    const mine = this.hooks.thisDevice();
    this.#list.replaceChildren(...a.data.devices.map((d) => this.#row(d, d.deviceId === mine)));
    this.#offer.hidden = mine !== null || !this.hooks.canMakeOfflineCodes();
    if (this.note !== null) say(this.#status, this.note, 'error');
    else say(this.#status, a.data.devices.length === 0 ? 'No phone or browser can pay offline.' : '');
  }

  clear(): void {
    this.#load++;
    this.note = null;
    this.#list.replaceChildren();
    this.#offer.hidden = true;
  }

  /** "Pay offline on this phone": enrolled, the list shows it as this browser's; else it says why not. */
  async #enrol(): Promise<void> {
    this.#keep.disabled = true;
    this.note = await this.hooks.enrolThisDevice();
    this.#keep.disabled = false;
    await this.refresh();
    if (this.note === null) say(this.#status, 'This phone now pays offline: with no network, its code screen shows a code made here.');
    this.#status.focus();
  }

  #row(d: DeviceListing, mine: boolean): HTMLLIElement {
    const li = Object.assign(document.createElement('li'), { className: 'device' });
    const name = Object.assign(document.createElement('span'), { className: 'device-name', textContent: mine ? `${d.label} (this browser)` : d.label });
    const ends = Object.assign(document.createElement('span'), {
      className: 'device-meta', textContent: `Enrolled ${formatWireTime(d.enrolledAt)}; offline codes until ${formatTime(Number(d.expiresAtMs))}`,
    });
    li.append(name, ends);
    if (!mine) {
      const out = Object.assign(document.createElement('button'), { type: 'button', className: 'secondary', textContent: 'Sign out' });
      out.setAttribute('aria-label', `Sign out ${d.label}, enrolled ${formatWireTime(d.enrolledAt)}`);
      out.addEventListener('click', () => void this.#signOut(d, out));
      li.append(out);
    }
    return li;
  }

  async #signOut(d: DeviceListing, button: HTMLButtonElement): Promise<void> {
    button.disabled = true;
    const a = await signOutDeviceById(d.deviceId);
    button.disabled = false;
    if (!this.#accepted(a)) return;
    await this.refresh();
    say(this.#status, `${d.label} is signed out: its offline codes pay no more.`);
    this.#status.focus();
  }

  #accepted<T>(r: Outcome<T>): r is { ok: true; data: T } {
    if (r.ok) return true;
    if (r.signedOut) this.hooks.signedOut(r.message);
    else say(this.#status, r.message, 'error');
    return false;
  }
}
