import { element, say } from '../shared/page.js';
import { Account } from './account.js';
import { CodeLifetime } from './code-lifetime.js';
import { CodeScreen } from './code-screen.js';
import { ConfirmScreen } from './confirm.js';
import { LiveResult } from './live-result.js';
import { pendingOrders, type PageOrder } from './result-api.js';
import { ResultScreen } from './result-screen.js';
import { issuePayCode } from './paycode-api.js';
import { ensureEnrolled, forgetDevice, nextOfflineCode, sendPendingSignOuts, signOutDevice, thisDeviceId } from './offline-device.js';
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
const lifetime = new CodeLifetime(element('countdown', HTMLElement), () => void showNextCode());
// The account part below the code screen (account.ts); freezing there takes the code away, and
// this browser's offline codes with it (the platform revoked every device of the wallet).
const account = new Account({
  signedOut: (message) => showSignIn(message),
  frozen: () => {
    if (walletId !== null) forgetDevice(walletId);
    void showNextCode();
  },
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
});

// Only the answer to the latest request is shown: a slow earlier answer carries a retired code.
let latestRequest = 0;
/** The signed-in wallet, for its offline codes (offline-device.ts). */
let walletId: string | null = null;
/** Codes the platform issued since sign-in: the first is announced as the code, later ones as new. */
let codesShown = 0;
/** An offline code is shown for one 10-second step; then the page tries the platform again. */
const OFFLINE_CODE_SHOWN_MS = 10_000;

signInForm.addEventListener('submit', (event) => {
  event.preventDefault();
  const pin = pinField.value;
  pinField.value = '';
  // A wallet id is written in groups on cards and statements ("6081 8909 7438"): the spaces are not part of it.
  void signInWithPin(walletIdField.value.replace(/[\s-]/g, ''), pin).then((r) => (r.ok ? enter(r.signedIn) : showSignIn(r.message)));
});
renewButton.addEventListener('click', () => void showNextCode());
// A used code is spent: after a result the holder goes on with a fresh one.
element('next-code', HTMLButtonElement).addEventListener('click', () => {
  results.hide();
  void showNextCode();
});
signOutButton.addEventListener('click', () => void signOutHere());
// Timers sleep with the phone: back on screen, the code shown may be dead, so get a fresh one.
document.addEventListener('visibilitychange', () => {
  if (document.visibilityState === 'visible' && !codeSection.hidden) {
    void showNextCode();
    void account.refresh();
  }
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
  walletLine.textContent = wallet.name === undefined ? `Wallet ${wallet.walletId}` : `${wallet.name} · wallet ${wallet.walletId}`;
  if (wallet.available !== undefined) walletLine.textContent += ` · available ${wallet.available}`;
  void showPendingOrNextCode();
  void account.refresh();
}

/** A payment still waiting for the PIN (the page was reloaded while it asked) comes first. */
async function showPendingOrNextCode(): Promise<void> {
  const waiting = await pendingOrders();
  if (waiting[0] !== undefined) return confirmScreen.show(waiting[0]);
  await showNextCode();
}

function showSignIn(message = '', tone: 'info' | 'error' = 'error'): void {
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

async function showNextCode(): Promise<void> {
  const request = ++latestRequest;
  renewButton.disabled = true;
  const issued = await issuePayCode();
  if (request !== latestRequest) return;
  renewButton.disabled = false;
  // A frozen wallet cannot pay until the operator unfreezes it: asking again would only be refused.
  renewButton.hidden = !issued.ok && issued.reason === 'frozen';
  if (issued.ok) {
    screen.show(issued.payCode);
    lifetime.start(issued.validForMs);
    live.watch(issued.payCode);
    codeSection.hidden = false;
    say(codeStatus, codesShown++ === 0 ? 'Your payment code is shown.' : 'A new code is shown.');
    return;
  }
  if (issued.reason === 'signedOut') return showSignIn(issued.message);
  if (issued.reason === 'unavailable' && (await showOfflineCode(request))) return;
  lifetime.stop();
  screen.clear();
  codeSection.hidden = false;
  say(codeStatus, issued.message, 'error');
}

/**
 * No network: a code computed on this device (offline-device.ts), shown for one step. Nobody can
 * tell the page what became of it, so there is no live result; the next code comes from the
 * platform again as soon as it answers.
 */
async function showOfflineCode(request: number): Promise<boolean> {
  const offline = walletId === null ? null : await nextOfflineCode(walletId);
  if (offline === null || request !== latestRequest) return false;
  if (!offline.ok) {
    if (offline.reason !== 'expired') return false;
    lifetime.stop();
    screen.clear();
    codeSection.hidden = false;
    say(codeStatus, `No network, and this phone's offline codes ended on ${formatTime(offline.expiresAtMs)}. Connect once to renew them.`, 'error');
    return true;
  }
  live.stopAll();
  screen.show(offline.code);
  lifetime.start(OFFLINE_CODE_SHOWN_MS);
  codeSection.hidden = false;
  say(codeStatus, 'No network: this offline code was made on your phone. It pays once.');
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
