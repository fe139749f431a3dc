import { element, say } from '../shared/page.js';
import { Account } from './account.js';
import { CodeLifetime } from './code-lifetime.js';
import { CodeScreen } from './code-screen.js';
import { ConfirmScreen } from './confirm.js';
import { LiveResult } from './live-result.js';
import { pendingOrders, type PageOrder } from './result-api.js';
import { ResultScreen } from './result-screen.js';
import { issuePayCode } from './paycode-api.js';
import { ensureEnrolled, forgetDevice, offlineCode, sendPendingSignOuts, signOutDevice, thisDeviceId } from './offline-device.js';
import { formatTime, usePlatformTimeZone } from '../shared/time.js';
import { currentSession, signOut } from '../shared/session.js';
import { signInWithLink, signInWithPin, takeLinkToken, type SignedInWallet } from './sign-in.js';
import './wallet.css';

/**
 * The wallet page: sign in (the one-time link, or walletId + PIN), then the code screen, which asks
 * for a fresh code before the shown one expires. The session is an HttpOnly cookie; the page holds
 * only its CSRF token, in memory.
 */
const pageStatus = element('page-status', HTMLElement);
const signInForm = element('sign-in', HTMLFormElement);
const walletIdField = element('wallet-id', HTMLInputElement);
const pinField = element('pin', HTMLInputElement);
const signInError = element('sign-in-error', HTMLElement);
const codeSection = element('code-screen', HTMLElement);
const walletLine = element('wallet-line', HTMLElement);
const codeStatus = element('code-status', HTMLElement);
const renewButton = element('renew', HTMLButtonElement);
const signOutButton = element('sign-out', HTMLButtonElement);
const screen = new CodeScreen({ qr: element('qr', HTMLElement), barcode: element('barcode', HTMLElement), digits: element('digits', HTMLButtonElement) });
const codeHeading = element('code-heading', HTMLElement);
const lifetime = new CodeLifetime(element('countdown', HTMLElement));
// The account part below the code screen (account.ts); freezing there takes the code away, and
// this browser's offline codes with it (the platform revoked every device of the wallet).
const account = new Account({
  signedOut: (message) => showSignIn(message),
  frozen: () => {
    if (walletId !== null) forgetDevice(walletId);
    void showNextCode('same');
  },
  available: (available) => showWalletLine(available),
  thisDevice: () => (walletId === null ? null : thisDeviceId(walletId)),
});
const results = new ResultScreen({
  section: element('result-screen', HTMLElement), heading: element('result-heading', HTMLElement), amount: element('result-amount', HTMLElement),
  merchant: element('result-merchant', HTMLElement), timeLabel: element('result-time-label', HTMLElement), time: element('result-time', HTMLElement),
  reason: element('result-reason', HTMLElement),
});
const confirmScreen = new ConfirmScreen({
  section: element('confirm-screen', HTMLElement), heading: element('confirm-heading', HTMLElement), amount: element('confirm-amount', HTMLElement),
  merchant: element('confirm-merchant', HTMLElement), goods: element('confirm-goods', HTMLElement), confirmBy: element('confirm-by', HTMLElement),
  form: element('confirm-form', HTMLFormElement), pin: element('confirm-pin', HTMLInputElement), error: element('confirm-error', HTMLElement),
  pinField: element('confirm-pin-field', HTMLElement), noPin: element('confirm-no-pin', HTMLElement),
  pay: element('confirm-pay', HTMLButtonElement), decline: element('decline', HTMLButtonElement),
}, (order) => showResult(order));
// What a cashier does with the code on the screen shows here by itself (live-result.ts).
const live = new LiveResult({
  pending: (order) => {
    leaveCodeScreen();
    confirmScreen.show(order);
    // The amount is held now: the account part below says so.
    void account.refresh();
  },
  ended: (order) => showResult(order),
  signedOut: () => showSignIn('You are signed out. Sign in again to show a code.'),
  // The code on screen retired without this page asking: another tab or the app showed a newer one.
  // Not fetched again by itself: two pages of one wallet would retire each other's codes in turn.
  retired: (payCode) => {
    if (payCode !== shownPlatformCode || codeSection.hidden) return;
    showNoCode('This code was replaced by one shown elsewhere (another tab, phone or the app). Press New code to show one here.');
    shownPlatformCode = null;
  },
});

// Only the answer to the latest request is shown: a slow earlier answer carries a retired code.
let latestRequest = 0;
/** The signed-in wallet, for its offline codes (offline-device.ts). */
let walletId: string | null = null;
/** The platform's code on screen now; null while none is (an offline code, a message, another screen). */
let shownPlatformCode: string | null = null;
/** Codes the platform issued since sign-in: the first is announced as the code, later ones as new. */
let codesShown = 0;
/** The signed-in wallet's line above the code, without its balance (which changes with each payment). */
let walletName = '';
/** The code screen shows an offline code, or no code, for want of the network. */
let offlineShown = false;
/** Why the platform could not be reached, last time: said when no offline code stands in. */
let unreachable = '';
/** "New code" was asked for and no code shown since: a renewal meanwhile (a step's end, back on screen) stays a new code. */
let newCodeAsked = false;
/** No code could be shown for want of the network: the page tries again this often (and when the browser says it is online). */
const RETRY_MS = 10_000;

/**
 * Which code comes next: `new` when the holder asked for one (the code shown may be spent), `same`
 * when the screen renews itself. The platform issues a new code either way; the difference is
 * offline, where a screen left on must not use up its codes ahead (offline-device.ts).
 */
type Want = 'new' | 'same';

signInForm.addEventListener('submit', (event) => {
  event.preventDefault();
  const pin = pinField.value;
  pinField.value = '';
  // A wallet id is written in groups on cards and statements ("6081 8909 7438"): the spaces are not part of it.
  void signInWithPin(walletIdField.value.replace(/[\s-]/g, ''), pin).then((r) => (r.ok ? enter(r.signedIn) : showSignIn(r.message)));
});
renewButton.addEventListener('click', () => void showNextCode('new'));
// A used code is spent: after a result the holder goes on with a fresh one, and the keyboard with it.
element('next-code', HTMLButtonElement).addEventListener('click', () => {
  results.hide();
  void showNextCode('new').then(() => {
    if (!codeSection.hidden) codeHeading.focus();
  });
});
signOutButton.addEventListener('click', () => void signOutHere());
// Timers sleep with the phone: back on screen, the code shown may be dead, so get a fresh one.
document.addEventListener('visibilitychange', () => {
  if (document.visibilityState === 'visible' && !codeSection.hidden) {
    void showNextCode('same');
    void account.refresh();
  }
});
// Back online, the platform's code replaces the offline one at once, not at the step's end.
window.addEventListener('online', () => {
  if (offlineShown && !codeSection.hidden) void showNextCode('same');
});

// A sign-in link opened in this tab while it shows the page changes only the address's fragment:
// no reload comes, so the link is taken here.
window.addEventListener('hashchange', () => {
  const token = takeLinkToken();
  if (token !== null) void signInWithLink(token).then((r) => (r.ok ? enter(r.signedIn) : showSignIn(r.message)));
});

void start();

async function start(): Promise<void> {
  // A sign-out made offline, or after the session ended, ends its device now that the page runs again.
  void sendPendingSignOuts();
  const token = takeLinkToken();
  if (token !== null) {
    say(pageStatus, 'Signing in…');
    const r = await signInWithLink(token);
    return r.ok ? enter(r.signedIn) : showSignIn(r.message);
  }
  const wallet = await currentSession<SignedInWallet>('wallet').catch(() => null);
  if (wallet === null) return showSignIn();
  enter(wallet);
}

/**
 * The session first (its end is in the audit log), then this browser's device, by its own proof,
 * which needs no session: a failure of either never keeps the page signed in.
 */
async function signOutHere(): Promise<void> {
  // No wait of this page outlives its session: a request after sign-out would only be refused.
  live.stopAll();
  const signingOut = walletId;
  walletId = null;
  try {
    await signOut('wallet');
  } finally {
    if (signingOut !== null) await signOutDevice(signingOut).catch(() => undefined);
    showSignIn('You are signed out.', 'info');
  }
}

function enter(wallet: SignedInWallet): void {
  say(pageStatus, '');
  walletId = wallet.walletId;
  codesShown = 0;
  usePlatformTimeZone(wallet.timeZone);
  confirmScreen.usePin(wallet.hasPin !== false);
  // This browser keeps a device for offline codes, for when the network is gone; the device list
  // below shows it once it is enrolled or renewed.
  void ensureEnrolled(wallet.walletId).then((refused) => account.refreshDevices(refused));
  signInForm.hidden = true;
  walletName = wallet.name === undefined ? `Wallet ${wallet.walletId}` : `${wallet.name} · wallet ${wallet.walletId}`;
  showWalletLine(wallet.available);
  // Signed in, the keyboard (and a screen reader) starts at the code, not at the page's top.
  void showPendingOrNextCode().then(() => {
    if (!codeSection.hidden) codeHeading.focus();
  });
  void account.refresh();
}

/** A payment still waiting for the PIN (the page was reloaded while it asked) comes first. */
async function showPendingOrNextCode(): Promise<void> {
  const waiting = await pendingOrders();
  if (waiting[0] !== undefined) return confirmScreen.show(waiting[0]);
  await showNextCode('same');
}

/** The line above the code: the wallet, and what it can pay now (refreshed with the account below). */
function showWalletLine(available: string | undefined): void {
  walletLine.textContent = available === undefined ? walletName : `${walletName} · available ${available}`;
}

function showSignIn(message = '', tone: 'info' | 'error' = 'error'): void {
  // A code request still on its way is dropped: its answer must not bring the code screen back.
  latestRequest += 1;
  offlineShown = false;
  newCodeAsked = false;
  live.stopAll();
  confirmScreen.hide();
  results.hide();
  lifetime.stop();
  screen.clear();
  codeSection.hidden = true;
  account.hide();
  signInForm.hidden = false;
  say(pageStatus, '');
  say(signInError, message, tone);
  (walletIdField.value === '' ? walletIdField : pinField).focus();
}

async function showNextCode(want: Want): Promise<void> {
  const request = ++latestRequest;
  lifetime.pause();
  shownPlatformCode = null;
  if (want === 'new') newCodeAsked = true;
  // With no network a moment ago, this step's offline code comes at once; the platform is asked
  // meanwhile, and its code replaces the offline one if it answers.
  // The button is never disabled meanwhile: a disabled button drops the keyboard's focus, and an
  // answer overtaken by a later press is dropped anyway (latestRequest).
  const offlineFirst = offlineShown && (await showOfflineCode(request));
  if (request !== latestRequest) return;
  const issued = await issuePayCode();
  if (request !== latestRequest) return;
  // A frozen wallet cannot pay until the operator unfreezes it: asking again would only be refused.
  renewButton.hidden = !issued.ok && issued.reason === 'frozen';
  if (!issued.ok && issued.reason === 'signedOut') return showSignIn(issued.message);
  codeSection.hidden = false;
  if (!issued.ok && issued.reason === 'unavailable') {
    unreachable = issued.message;
    offlineShown = true;
    if (!offlineFirst) await showOfflineCode(request);
    return;
  }
  const wasOffline = offlineShown;
  offlineShown = false;
  newCodeAsked = false;
  if (!issued.ok) return showNoCode(issued.message);
  screen.show(issued.payCode);
  shownPlatformCode = issued.payCode;
  // Back from a time offline: the offline codes may have paid, and the balance with them.
  if (wasOffline) void account.refresh();
  lifetime.start('valid', issued.validForMs, () => void showNextCode('same'));
  live.watch(issued.payCode);
  say(codeStatus, codesShown++ === 0 ? 'Your payment code is shown.' : 'A new code is shown.');
}

/** No code on the screen, and why: nothing stale stays scannable. */
function showNoCode(message: string): void {
  lifetime.stop();
  screen.clear();
  say(codeStatus, message, 'error');
}

/**
 * No network: a code computed on this device (offline-device.ts), shown until its counter's step
 * ends, when the page asks the platform again and otherwise shows the next code. Nobody can tell
 * the page what became of it, so there is no live result. False: the request was overtaken.
 */
async function showOfflineCode(request: number): Promise<boolean> {
  if (walletId === null) return false;
  const offline = await offlineCode(walletId, newCodeAsked ? 'new' : 'same');
  if (request !== latestRequest) return false;
  live.stopAll();
  codeSection.hidden = false;
  if (offline.ok) {
    newCodeAsked = false;
    screen.show(offline.code);
    lifetime.start('nextCode', offline.endsAtMs - Date.now(), () => void showNextCode('same'));
    say(codeStatus, 'No network: this offline code was made on your phone. It pays once.');
  } else if (offline.reason === 'aheadUsedUp') {
    showNoCode(offline.nextAtMs - Date.now() <= 60_000
      ? 'No network, and this phone has made all the offline codes it may for now. The next one comes in a few seconds.'
      : `No network, and this phone's clock is behind the offline codes it made: the next one comes at ${formatTime(offline.nextAtMs)}.`);
    lifetime.start('nextCode', offline.nextAtMs - Date.now(), () => void showNextCode('new'));
  } else {
    showNoCode(offline.reason === 'expired'
      ? `No network, and this phone's offline codes ended on ${formatTime(offline.expiresAtMs)}. Connect once to renew them.`
      : unreachable);
    lifetime.start('retry', RETRY_MS, () => void showNextCode('same'));
  }
  return true;
}

/** The code is off the screen while a payment by it is confirmed or shown; a renewal under way is dropped. */
function leaveCodeScreen(): void {
  latestRequest += 1;
  lifetime.stop();
  screen.clear();
  codeSection.hidden = true;
}

function showResult(order: PageOrder): void {
  live.markEnded(order);
  // The balance and the history below changed with the payment.
  void account.refresh();
  leaveCodeScreen();
  confirmScreen.hide();
  results.show(order);
}
