import { countOf, focusPage } from '../shared/paging.js';
import { element, say } from '../shared/page.js';
import { freezeWallet, readBalances, readHistory, type Balances, type Outcome } from './account-api.js';
import { movementRow } from './history.js';
import { DeviceList } from './devices.js';
import './account.css';

/**
 * The wallet page's account part, below the code screen (docs/pages.md): available and held
 * balance, the history a page at a time, the devices that can pay offline (devices.ts), and
 * freezing one's own wallet after a confirmation.
 * Unfreezing is the operator's (`micropay wallet unfreeze`); the page only says so.
 */
export interface AccountHooks {
  /** The session ended: back to sign-in, with this message. */
  readonly signedOut: (message: string) => void;
  /** The wallet was just frozen here: the code screen takes its code away. */
  readonly frozen: () => void;
  /** This browser's offline-code device id, or null: the device list marks it. */
  readonly thisDevice: () => string | null;
  /** Whether this browser could make offline codes (WebCrypto): the list offers it only then. */
  readonly canMakeOfflineCodes: () => boolean;
  /** The holder asked for offline codes on this browser: null when it was enrolled, else why not. */
  readonly enrolThisDevice: () => Promise<string | null>;
  /** The balances were read: the code screen's line shows what the wallet can pay now. */
  readonly available: (available: string) => void;
}

export class Account {
  readonly #section = element('account', HTMLElement);
  readonly #available = element('available', HTMLElement);
  readonly #held = element('held', HTMLElement);
  readonly #state = element('wallet-state', HTMLElement);
  readonly #list = element('history', HTMLOListElement);
  readonly #older = element('older', HTMLButtonElement);
  readonly #historyStatus = element('history-status', HTMLElement);
  readonly #zone = element('history-zone', HTMLElement);
  readonly #refresh = element('refresh-account', HTMLButtonElement);
  readonly #lost = element('lost-phone', HTMLElement);
  readonly #freeze = element('freeze', HTMLButtonElement);
  readonly #confirm = element('freeze-confirm', HTMLElement);
  readonly #freezeYes = element('freeze-yes', HTMLButtonElement);
  readonly #freezeNo = element('freeze-no', HTMLButtonElement);
  readonly #freezeStatus = element('freeze-status', HTMLElement);
  readonly #devices: DeviceList;
  /** The key of the next older page; null when the last one is shown. */
  #olderKey: string | null = null;
  /** Only the latest load is shown: a slow earlier answer would mix two readings. */
  #load = 0;
  /** The balances shown (follow() compares). */
  #shown: Balances | null = null;

  constructor(private readonly hooks: AccountHooks) {
    this.#devices = new DeviceList(hooks);
    this.#older.addEventListener('click', () => void this.#showOlder());
    this.#refresh.addEventListener('click', () => void this.refresh());
    this.#freeze.addEventListener('click', () => this.#askToFreeze(true));
    this.#freezeNo.addEventListener('click', () => this.#keepUnfrozen());
    // Escape answers the question as Cancel does, as the consoles' questions take it.
    this.#confirm.addEventListener('keydown', (event) => {
      if (event.key === 'Escape' && !this.#confirm.hidden) this.#keepUnfrozen();
    });
    this.#freezeYes.addEventListener('click', () => void this.#doFreeze());
  }

  /** Shows the section with fresh balances and the newest page of the history. */
  async refresh(): Promise<void> {
    const load = ++this.#load;
    this.#section.hidden = false;
    say(this.#historyStatus, 'Loading…');
    void this.#devices.refresh();
    const [balances, history] = await Promise.all([readBalances(), readHistory(null)]);
    if (load !== this.#load) return;
    if (!this.#accepted(balances) || !this.#accepted(history)) return;
    this.#showBalances(balances.data);
    this.#list.replaceChildren(...history.data.transactions.map(movementRow));
    this.#zone.textContent = `Times in ${history.data.timeZone}.`;
    this.#setOlder(history.data.older);
    say(this.#historyStatus, history.data.transactions.length === 0 ? 'No payments yet.' : '');
  }

  /**
   * A quiet look for a change nobody told the page of (an offline code paid at a till): the
   * balances alone are read, and the section is read again only when they moved, so an older page
   * the holder opened, the devices and the status line stay as they are meanwhile.
   */
  async follow(): Promise<void> {
    const load = this.#load;
    const balances = await readBalances();
    if (load !== this.#load || !balances.ok) return;
    const b = balances.data;
    if (b.balance !== this.#shown?.balance || b.held !== this.#shown.held) await this.refresh();
  }

  /** After this browser's device was renewed (or forgotten): the list marks it as this browser's, or offers one. */
  refreshDevices(): Promise<void> {
    return this.#devices.refresh();
  }

  hide(): void {
    this.#load++;
    this.#devices.clear();
    this.#section.hidden = true;
    this.#askToFreeze(false);
    this.#list.replaceChildren();
  }

  async #showOlder(): Promise<void> {
    if (this.#olderKey === null) return;
    const load = this.#load;
    this.#older.disabled = true;
    say(this.#historyStatus, 'Loading older payments…');
    const page = await readHistory(this.#olderKey);
    // A refresh meanwhile drew the newest page: this answer is dropped, and Older is usable again.
    this.#older.disabled = false;
    if (load !== this.#load) return;
    if (!this.#accepted(page)) return;
    const rows = page.data.transactions.map(movementRow);
    this.#list.append(...rows);
    this.#setOlder(page.data.older);
    say(this.#historyStatus, `${countOf(rows.length, 'older entry', 'older entries')} shown.`);
    // Keyboard and screen reader users land on the first entry just added.
    focusPage(rows, this.#historyStatus);
  }

  #setOlder(key: string | null): void {
    this.#olderKey = key;
    this.#older.hidden = key === null;
  }

  #showBalances(b: Balances): void {
    this.#shown = b;
    this.#available.textContent = b.available;
    this.hooks.available(b.available);
    this.#held.textContent = b.held;
    const frozen = b.status !== 'active';
    this.#lost.hidden = frozen;
    if (frozen) this.#askToFreeze(false);
    say(this.#state, frozen ? 'This wallet is frozen: it cannot pay. Only the operator can unfreeze it.' : '', frozen ? 'error' : 'info');
  }

  #keepUnfrozen(): void {
    this.#askToFreeze(false);
    this.#freeze.focus();
  }

  /** The confirmation step: the question and its two answers, or the plain button again. */
  #askToFreeze(asking: boolean): void {
    this.#confirm.hidden = !asking;
    this.#freeze.hidden = asking;
    say(this.#freezeStatus, '');
    if (asking) this.#freezeNo.focus();
  }

  async #doFreeze(): Promise<void> {
    this.#freezeYes.disabled = true;
    const r = await freezeWallet();
    this.#freezeYes.disabled = false;
    if (!this.#accepted(r)) return;
    this.#showBalances(r.data);
    // The freeze button is gone: the keyboard lands on what happened.
    this.#state.tabIndex = -1;
    this.#state.focus();
    this.hooks.frozen();
    // Freezing revoked every device of the wallet.
    void this.#devices.refresh();
  }

  /** True with the data; otherwise the refusal is shown (or the page goes back to sign-in). */
  #accepted<T>(r: Outcome<T>): r is { ok: true; data: T } {
    if (r.ok) return true;
    if (r.signedOut) this.hooks.signedOut(r.message);
    else say(this.#confirm.hidden ? this.#historyStatus : this.#freezeStatus, r.message, 'error');
    return false;
  }
}
