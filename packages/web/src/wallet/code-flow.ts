import { say } from '../shared/page.js';
import { formatTime } from '../shared/time.js';
import type { CodeLifetime } from './code-lifetime.js';
import type { CodeScreen } from './code-screen.js';
import type { LiveResult } from './live-result.js';
import { offlineCode } from './offline-device.js';
import { issuePayCode } from './paycode-api.js';
import { OFFLINE_STEP_MS, OFFLINE_WINDOW_STEPS } from '@micropay/protocol/offline-code';

/**
 * Which code comes next: `new` when the holder asked for one (the code shown may be spent), `same`
 * when the screen renews itself. The platform issues a new code either way; the difference is
 * offline, where a screen left on must not use up its codes ahead (offline-device.ts).
 */
export type Want = 'new' | 'same';

export interface CodeFlowParts {
  readonly section: HTMLElement;
  readonly status: HTMLElement;
  /** New code: hidden for a frozen wallet, whose every request for one is refused. */
  readonly renew: HTMLButtonElement;
  /** The screen's heading: "Show this to the cashier", or for a frozen wallet that it is frozen. */
  readonly heading: HTMLElement;
  readonly screen: CodeScreen;
  readonly lifetime: CodeLifetime;
  readonly live: LiveResult;
  /** The session ended while a code was asked for: back to sign-in, with this message. */
  readonly signedOut: (message: string) => void;
  /** The platform's code is back after a time without network: the offline codes may have paid. */
  readonly backOnline: () => void;
  /** Back online, while an offline code shown may still pay: a quiet look for what it did. */
  readonly followOffline: () => void;
}

const OFFLINE_WORDS = 'No network: this offline code was made on your phone. It pays once.';
/**
 * Back online, an offline code shown before may still be paid at a till (the platform takes it up
 * to OFFLINE_WINDOW_STEPS steps after its own), and nobody tells the page: while it may, the page
 * reads the wallet again this often, so the balance and a payment waiting for the PIN show.
 */
const FOLLOW_OFFLINE_MS = 5_000;
const PAYABLE_UNTIL_KEY = 'micropay.offlinePayableUntil';
/** No code could be shown for want of the network: the page tries again this often (and when the browser says it is online). */
const RETRY_MS = 10_000;

/**
 * The code screen's codes (docs/pages.md, docs/offline-codes.md): the platform's, renewed before
 * they end; with no network, this device's offline codes, one a step; and what is said when
 * there is none. Only the answer to the latest request is shown: a slow earlier answer carries a
 * retired code, or belongs to a session since ended.
 */
export class CodeFlow {
  #latest = 0;
  /** The signed-in wallet, for its offline codes (offline-device.ts); null: none. */
  #walletId: string | null = null;
  /** The platform's code on screen now; null while none is (an offline code, a message, another screen). */
  #platformCode: string | null = null;
  /** Codes the platform issued since sign-in: the first is announced as the code, later ones as new. */
  #issued = 0;
  /** The screen shows an offline code, or no code, for want of the network. */
  #offline = false;
  /** Why the platform could not be reached, last time: said when no offline code stands in. */
  #unreachable = '';
  /** "New code" was asked for and no code shown since: a renewal meanwhile (a step's end, back on screen) stays a new code. */
  #newAsked = false;
  /** Until when an offline code shown may still pay (0: none shown); followed once back online. */
  #offlinePayableUntilMs = 0;
  #following: ReturnType<typeof setTimeout> | undefined;

  constructor(private readonly parts: CodeFlowParts) {}

  /** A wallet signed in (or, with `unreachable`, opened with no network): its first code comes next. */
  begin(walletId: string, unreachable?: string): void {
    // Started again after this wallet's offline codes were shown (the page opened with no network): they are followed.
    const [shownFor, until] = (sessionStorage.getItem(PAYABLE_UNTIL_KEY) ?? '').split(' ');
    this.end();
    if (shownFor === walletId) this.#offlinePayableUntilMs = Number(until);
    this.#walletId = walletId;
    this.#issued = 0;
    if (unreachable !== undefined) {
      this.#unreachable = unreachable;
      this.#offline = true;
    }
  }

  /** Signed out: a request still on its way is dropped, so its answer cannot bring the screen back. */
  end(): void {
    this.#latest += 1;
    clearTimeout(this.#following);
    this.#offlinePayableUntilMs = 0;
    sessionStorage.removeItem(PAYABLE_UNTIL_KEY);
    this.#walletId = null;
    this.#offline = false;
    this.#newAsked = false;
    this.#platformCode = null;
  }

  /** The code is off the screen while a payment by it is confirmed or shown; a renewal under way is dropped. */
  leave(): void {
    this.#latest += 1;
    this.#platformCode = null;
    this.parts.lifetime.stop();
    this.parts.screen.clear();
    this.parts.section.hidden = true;
  }

  /** True while the screen stands in for the platform with an offline code, or a message why there is none. */
  get offline(): boolean {
    return this.#offline;
  }

  /**
   * The code on screen retired without this page asking: another tab or the app showed a newer one.
   * Not fetched again by itself: two pages of one wallet would retire each other's codes in turn.
   */
  retired(payCode: string): void {
    if (payCode !== this.#platformCode || this.parts.section.hidden) return;
    this.#platformCode = null;
    this.#noCode('This code was replaced by one shown elsewhere (another tab, phone or the app). Press New code to show one here.');
  }

  async show(want: Want): Promise<void> {
    const request = ++this.#latest;
    this.parts.lifetime.pause();
    this.#platformCode = null;
    if (want === 'new') this.#newAsked = true;
    // With no network a moment ago, this step's offline code comes at once; the platform is asked
    // meanwhile, and its code replaces the offline one if it answers. The New code button is
    // never disabled meanwhile: that would drop the keyboard's focus.
    const offlineFirst = this.#offline && (await this.#showOffline(request));
    if (request !== this.#latest) return;
    const issued = await issuePayCode();
    if (request !== this.#latest) return;
    const { section, status, screen, lifetime, live } = this.parts;
    if (!issued.ok && issued.reason === 'signedOut') return this.parts.signedOut(issued.message);
    const frozen = !issued.ok && issued.reason === 'frozen';
    this.parts.renew.hidden = frozen;
    this.parts.heading.textContent = frozen ? 'This wallet is frozen' : 'Show this to the cashier';
    section.hidden = false;
    if (!issued.ok && issued.reason === 'unavailable') {
      this.#unreachable = issued.message;
      this.#offline = true;
      if (!offlineFirst) await this.#showOffline(request);
      return;
    }
    const wasOffline = this.#offline;
    this.#offline = false;
    this.#newAsked = false;
    if (!issued.ok) return this.#noCode(issued.message);
    screen.show(issued.payCode);
    this.#platformCode = issued.payCode;
    if (wasOffline || (this.#issued === 0 && Date.now() < this.#offlinePayableUntilMs)) this.#followOfflineCodes();
    lifetime.start('valid', issued.validForMs, () => void this.show('same'));
    live.watch(issued.payCode);
    say(status, this.#issued++ === 0 ? 'Your payment code is shown.' : 'A new code is shown.');
  }

  /** Back online: the wallet is read now, and again while an offline code shown may still pay. */
  #followOfflineCodes(): void {
    clearTimeout(this.#following);
    this.parts.backOnline();
    const session = this.#walletId;
    const again = () => {
      if (this.#walletId !== session || this.#offline) return;
      this.parts.followOffline();
      if (Date.now() < this.#offlinePayableUntilMs) this.#following = setTimeout(again, FOLLOW_OFFLINE_MS);
    };
    if (Date.now() < this.#offlinePayableUntilMs) this.#following = setTimeout(again, FOLLOW_OFFLINE_MS);
  }

  /** No code on the screen, and why: nothing stale stays scannable. */
  #noCode(message: string): void {
    this.parts.lifetime.stop();
    this.parts.screen.clear();
    say(this.parts.status, message, 'error');
  }

  /**
   * No network: a code computed on this device (offline-device.ts), shown until its counter's step
   * ends, when the page asks the platform again and otherwise shows the next code. Nobody can tell
   * the page what became of it, so there is no live result. False: the request was overtaken.
   */
  async #showOffline(request: number): Promise<boolean> {
    if (this.#walletId === null) return false;
    const offline = await offlineCode(this.#walletId, this.#newAsked ? 'new' : 'same');
    if (request !== this.#latest) return false;
    const { section, status, screen, lifetime, live } = this.parts;
    live.stopAll();
    section.hidden = false;
    if (offline.ok) {
      this.#newAsked = false;
      screen.show(offline.code);
      this.#offlinePayableUntilMs = Math.max(this.#offlinePayableUntilMs, offline.endsAtMs + OFFLINE_WINDOW_STEPS * OFFLINE_STEP_MS);
      // A page that opened with no network starts again once back online: the window outlives it.
      sessionStorage.setItem(PAYABLE_UNTIL_KEY, `${this.#walletId} ${this.#offlinePayableUntilMs}`);
      lifetime.start('nextCode', offline.endsAtMs - Date.now(), () => void this.show('same'));
      // Said once, not again at each step: the status is read out by screen readers.
      if (status.textContent !== OFFLINE_WORDS) say(status, OFFLINE_WORDS);
    } else if (offline.reason === 'aheadUsedUp') {
      this.#noCode(offline.nextAtMs - Date.now() <= 60_000
        ? 'No network, and this phone has made all the offline codes it may for now. The next one comes in a few seconds.'
        : `No network, and this phone's clock is behind the offline codes it made: the next one comes at ${formatTime(offline.nextAtMs)}.`);
      lifetime.start('nextCode', offline.nextAtMs - Date.now(), () => void this.show('new'));
    } else {
      this.#noCode(offline.reason === 'expired'
        ? `No network, and this phone's offline codes ended on ${formatTime(offline.expiresAtMs)}. Connect once to renew them.`
        : this.#unreachable);
      lifetime.start('retry', RETRY_MS, () => void this.show('same'));
    }
    return true;
  }
}
