import { WALLET_ID } from '@micropay/protocol/fields';
import { element, say } from '../shared/page.js';
import { markRefused } from '../shared/field-problem.js';
import { Account } from './account.js';
import { CodeLifetime } from './code-lifetime.js';
import { CodeScreen } from './code-screen.js';
import { ConfirmScreen } from './confirm.js';
import { LiveResult } from './live-result.js';
import { pendingOrders, type PageOrder } from './result-api.js';
import { ResultScreen } from './result-screen.js';
import { CodeFlow } from './code-flow.js';
import { SESSION_REPLACED, SIGNED_OUT_EVENT, Unreachable } from '../shared/page-api.js';
import {
  canMakeOfflineCodes, enrolThisBrowser, forgetDevice, forgetLastWallet, keepShellForOffline, offlineWallet, oweSignOut, rememberWallet, renewEnrolment, sendPendingSignOuts, signOutDevice, signOutOwed,
  thisDeviceId,
} from './offline-device.js';
import { usePlatformTimeZone } from '../shared/time.js';
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
// Another tab of this browser signed in again (a 9121 to any call, a read's too: shared/page-api.ts),
// maybe to another wallet: the page shows its sign-in and why, never the cookie's new wallet.
window.addEventListener(SIGNED_OUT_EVENT, (event) => {
  const reason = (event as CustomEvent<string>).detail;
  if (reason === SESSION_REPLACED && signInForm.hidden) showSignIn(reason);
});
// What a cashier does with the code on the screen shows here by itself (live-result.ts).
const live = new LiveResult({
  pending: (order) => {
    flow.leave();
    // Shown already (asked for on its own, a moment before the code's watch saw it): what the
    // holder has typed stays.
    if (confirmScreen.showing === order.wavpayOrderId) return;
    confirmScreen.show(order);
    // The amount is held now: the account part below says so.
    void account.refresh();
  },
  ended: (order) => showResult(order),
  signedOut: () => showSignIn('You are signed out. Sign in again to show a code.'),
  retired: (payCode) => flow.retired(payCode),
});
// The code screen's codes, the platform's or offline ones (code-flow.ts).
const flow = new CodeFlow({
  section: codeSection, status: codeStatus, renew: renewButton, heading: codeHeading, screen, lifetime, live,
  // Opened with no network, the page has no session's token yet: once the platform answers, it starts again.
  signedOut: (message) => (startedOffline ? location.reload() : showSignIn(message)),
  // Back online, a payment made with an offline code may be waiting for the PIN: it is asked for.
  backOnline: () => (startedOffline ? location.reload() : void Promise.all([account.refresh(), askPending()])),
  followOffline: () => void Promise.all([account.follow(), askPending()]),
});
// The account part below the code screen (account.ts); freezing there takes the code away, and
// this browser's offline codes with it (the platform revoked every device of the wallet).
const account = new Account({
  signedOut: (message) => showSignIn(message),
  frozen: () => {
    if (walletId !== null) forgetDevice(walletId);
    void flow.show('same');
  },
  available: (available) => showWalletLine(available),
  thisDevice: () => (walletId === null ? null : thisDeviceId(walletId)),
  canMakeOfflineCodes,
  enrolThisDevice: () => {
    const asking = walletId;
    return asking === null ? Promise.resolve('You are signed out.') : enrolThisBrowser(asking, () => walletId === asking);
  },
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
/** The signed-in wallet, for its offline-code device (offline-device.ts). */
let walletId: string | null = null;
/** The signed-in wallet's line above the code, without its balance (which changes with each payment). */
let walletName = '';
/** The page opened with no network and shows offline codes only: back online, it starts again. */
let startedOffline = false;

signInForm.addEventListener('submit', (event) => {
  event.preventDefault();
  const pin = pinField.value;
  pinField.value = '';
  // A wallet id is written in groups on cards and statements ("6081 8909 7438"): the spaces are not part of it.
  const typedId = walletIdField.value.replace(/[\s-]/g, '');
  void signInWithPin(typedId, pin).then((r) => {
    if (r.ok) return enter(r.signedIn);
    showSignIn(r.message);
    // Refused by the platform (not the network): the field to fix is marked, described by the
    // error line and focused, as the other sign-in forms do. An id that is no wallet id (empty,
    // short) is the one to fix; else the PIN (an unknown wallet and a wrong PIN are answered alike).
    if (r.code === undefined) return;
    markRefused(WALLET_ID.test(typedId) ? pinField : walletIdField, signInError);
  });
});
// A new code, and the line above it read again: a payment made with another code (another tab, the app) shows.
renewButton.addEventListener('click', () => {
  void flow.show('new');
  void account.refresh();
});
// A used code is spent: after a result the holder goes on with a fresh one, and the keyboard with it.
element('next-code', HTMLButtonElement).addEventListener('click', () => {
  results.hide();
  void flow.show('new').then(() => {
    if (!codeSection.hidden) codeHeading.focus();
  });
});
signOutButton.addEventListener('click', () => void signOutHere());
// Timers sleep with the phone: back on screen, the code shown may be dead, so get a fresh one.
document.addEventListener('visibilitychange', () => {
  if (document.visibilityState === 'visible' && !codeSection.hidden) {
    void flow.show('same');
    void account.refresh();
    void askPending();
  }
});
// Back online, the platform's code replaces the offline one at once, not at the step's end.
window.addEventListener('online', () => {
  if (startedOffline) return location.reload();
  if (flow.offline && !codeSection.hidden) void flow.show('same');
});

// A sign-in link opened in this tab while it shows the page changes only the address's fragment:
// no reload comes, so the link is taken here.
window.addEventListener('hashchange', () => {
  const token = takeLinkToken();
  if (token !== null) void signInWithLink(token).then((r) => (r.ok ? enter(r.signedIn) : showSignIn(r.message)));
});

void start();

async function start(): Promise<void> {
  keepShellForOffline();
  // A sign-out made offline, or after the session ended, ends its device now that the page runs again.
  void sendPendingSignOuts();
  const token = takeLinkToken();
  if (token !== null) {
    say(pageStatus, 'Signing in…');
    const r = await signInWithLink(token);
    return r.ok ? enter(r.signedIn) : showSignIn(r.message);
  }
  const owed = signOutOwed();
  let wallet: SignedInWallet | null;
  try {
    wallet = await currentSession<SignedInWallet>('wallet');
  } catch (error) {
    // A holder who signed out offline is not shown offline codes: they asked to leave.
    if (owed) return showSignIn('You are signed out.', 'info');
    return error instanceof Unreachable ? startOffline(error.message) : showSignIn();
  }
  if (owed) return finishSignOut(wallet !== null);
  if (wallet === null) {
    forgetLastWallet();
    return showSignIn();
  }
  enter(wallet);
}

/** The sign-out made with no network, now that the platform answers: its session ends before anything is shown. */
async function finishSignOut(sessionAlive: boolean): Promise<void> {
  // Still not answered: still owed, for the start after this one.
  if (!sessionAlive || (await signOut('wallet'))) oweSignOut(false);
  showSignIn('You are signed out.', 'info');
}

/**
 * Opened with no network (its shell from the service worker, shell-worker.js): the wallet last
 * signed in to shows its offline codes, if this browser still has its device. Everything else
 * needs the platform, so the page starts again when the browser is back online.
 */
function startOffline(message: string): void {
  const id = offlineWallet();
  if (id === null) return showSignIn(message);
  startedOffline = true;
  walletId = id;
  walletName = `Wallet ${shownId(id)}`;
  showWalletLine(undefined);
  signInForm.hidden = true;
  flow.begin(id, message);
  void flow.show('same').then(() => codeHeading.focus());
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
    // Not answered (no network): the session may be alive, so the next start ends it first.
    if (!(await signOut('wallet'))) oweSignOut(true);
  } finally {
    if (signingOut !== null) await signOutDevice(signingOut).catch(() => undefined);
    showSignIn('You are signed out.', 'info');
  }
}

function enter(wallet: SignedInWallet): void {
  say(pageStatus, '');
  walletId = wallet.walletId;
  rememberWallet(wallet.walletId);
  // Signed in anew (a link, a PIN): a sign-out owed from before was for a session this one replaced.
  oweSignOut(false);
  flow.begin(wallet.walletId);
  usePlatformTimeZone(wallet.timeZone);
  confirmScreen.usePin(wallet.hasPin !== false);
  // A device this browser keeps for offline codes is renewed; the device list below shows it, or
  // offers to make one (the holder's choice: never on a browser that is not theirs).
  void renewEnrolment(wallet.walletId).then(() => account.refreshDevices());
  signInForm.hidden = true;
  walletName = wallet.name === undefined ? `Wallet ${shownId(wallet.walletId)}` : `${wallet.name} · wallet ${shownId(wallet.walletId)}`;
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
  if (waiting[0] !== undefined) return confirmScreen.show(waiting[0], true);
  await flow.show('same');
}

/**
 * A payment waiting for the PIN that no code on this page has shown (made with an offline code
 * while the phone had no network, or with another tab's code): asked for, over the code.
 */
async function askPending(): Promise<void> {
  const waiting = (await pendingOrders())[0];
  if (waiting === undefined || confirmScreen.showing !== null || codeSection.hidden) return;
  flow.leave();
  results.hide();
  confirmScreen.show(waiting, true);
}

/**
 * The wallet id above the code, its last four digits only: the screen is held up to the cashier
 * and the queue, and the id is half of a sign-in (with the PIN), whose wrong tries lock the wallet.
 */
function shownId(id: string): string {
  // In words, not bullets: a screen reader reads them out as they are.
  return `ending ${id.slice(-4)}`;
}

/** The line above the code: the wallet, and what it can pay now (refreshed with the account below). */
function showWalletLine(available: string | undefined): void {
  walletLine.textContent = available === undefined ? walletName : `${walletName} · available ${available}`;
}

function showSignIn(message = '', tone: 'info' | 'error' = 'error'): void {
  // A code request still on its way is dropped: its answer must not bring the code screen back.
  flow.end();
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

function showResult(order: PageOrder): void {
  live.markEnded(order);
  // The balance and the history below changed with the payment.
  void account.refresh();
  flow.leave();
  confirmScreen.hide();
  results.show(order);
}
