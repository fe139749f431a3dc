import { PAY_CODE, positiveAmountProblem } from '@micropay/protocol/fields';
import { formatSen, parseAmountSen } from '@micropay/protocol/money';
import { element, say } from '../shared/page.js';
import { Camera } from './camera.js';
import { Charger } from './charge.js';
import { CodeField } from './code-field.js';
import { currentSession, signOut } from '../shared/session.js';
import { SIGNED_OUT_EVENT } from '../shared/page-api.js';
import { signIn, type SignedInCashier } from './sign-in.js';
import { signInFormFilled } from '../shared/sign-in-form.js';
import { RecentCharges } from './recent-charges.js';
import { ReceiptView } from './receipt.js';
import { RefundDialog } from './refund.js';
import { usePlatformTimeZone } from '../shared/time.js';
import { warnBeforeSessionEnds } from '../shared/session-warning.js';
import './cashier.css';

/**
 * The cashier page: a cashier of a merchant signs in, enters an amount, then takes a payment code
 * from a scanner, the camera or the keyboard, which charges it (charge.ts).
 */
const signInForm = element('sign-in', HTMLFormElement);
const mchIdField = element('mch-id', HTMLInputElement);
const nameField = element('cashier-name', HTMLInputElement);
const passwordField = element('password', HTMLInputElement);
const signInError = element('sign-in-error', HTMLElement);
const till = element('till', HTMLElement);
const who = element('till-who', HTMLElement);
const status = element('code-status', HTMLElement);
const amountField = element('amount', HTMLInputElement);
const goodsField = element('goods', HTMLInputElement);
const amountError = element('amount-error', HTMLElement);
// After the charge: the till's own charges, each refundable and with a receipt.
const receipt = new ReceiptView({
  section: element('receipt', HTMLElement),
  title: element('receipt-title', HTMLElement),
  body: element('receipt-body', HTMLElement),
  status: element('receipt-status', HTMLElement),
  print: element('receipt-print', HTMLButtonElement),
  close: element('receipt-close', HTMLButtonElement),
}, () => field.focus());
const refundDialog = new RefundDialog({
  dialog: element('refund-dialog', HTMLDialogElement),
  form: element('refund-form', HTMLFormElement),
  amount: element('refund-amount', HTMLInputElement),
  help: element('refund-help', HTMLElement),
  status: element('refund-status', HTMLElement),
  submit: element('refund-submit', HTMLButtonElement),
  cancel: element('refund-cancel', HTMLButtonElement),
  done: element('refund-done', HTMLElement),
  receipt: element('refund-receipt', HTMLButtonElement),
  close: element('refund-close', HTMLButtonElement),
}, () => void recent.refresh(), (mchOrderId, mchRefundId) => void receipt.open(mchOrderId, mchRefundId));
const recent = new RecentCharges({
  list: element('recent-list', HTMLElement),
  status: element('recent-status', HTMLElement),
  older: element('recent-older', HTMLButtonElement),
}, { refund: (c) => refundDialog.open(c), receipt: (c) => void receipt.open(c.mchOrderId) });
/** A code was refused because a charge was running: said until that charge ends. */
let refusedWhileRunning = false;
/** The session ended while a charge ran: the till signs out once the charge has ended, saying how. */
let signedOutWhileCharging: string | null = null;
const charger = new Charger({
  panel: element('charge', HTMLElement),
  outcome: element('charge-outcome', HTMLElement),
  detail: element('charge-detail', HTMLElement),
  again: element('charge-again', HTMLButtonElement),
  cancel: element('charge-cancel', HTMLButtonElement),
}, (outcome) => {
  if (signedOutWhileCharging !== null) {
    const reason = `${signedOutWhileCharging} The last charge: ${element('charge-outcome', HTMLElement).textContent}. ${element('charge-detail', HTMLElement).textContent}`;
    signedOutWhileCharging = null;
    return leaveTill(reason.trim());
  }
  // "Still running" no longer holds once the result is shown.
  if (refusedWhileRunning) say(status, '', 'info');
  refusedWhileRunning = false;
  // A paid sale is over: its amount and spent code go, so a second Enter starts nothing; unless
  // the cashier has begun the next sale in them while the customer confirmed.
  if (outcome === 'PAID' && chargedSale?.amount === amountField.value && chargedSale.goods === goodsField.value) clearSale();
  // A result not known is checked again (Check again) as the same sale: its fields are still its own.
  if (outcome !== 'UNKNOWN') chargedSale = null;
  // The Cancel button pressed is gone: the scanner's next code goes to the code field, not nowhere.
  if (document.activeElement === document.body || document.activeElement?.closest('#charge') !== null) field.focus();
  void recent.refresh();
});
// A scanner types into whatever has the focus: after a refund, the till is ready for the next code.
element('refund-dialog', HTMLDialogElement).addEventListener('close', () => field.focus());
const field = new CodeField(
  { form: element('take-code', HTMLFormElement), field: element('code', HTMLInputElement), status },
  (digits) => chargeCode(digits),
);
// The focus may rest in the list of recent charges when the next customer's code is scanned: Older
// charges lands on the first charge it brought (the cashier asked to read them; sent back to the
// code field, a keyboard would Tab through the whole list again), or a row's Refund or Receipt
// has it. A scanner is a keyboard typing the digits, then Enter, into whatever has the focus: there
// the digits went nowhere and Enter pressed a row's button. So a digit typed in the list starts a
// code in the code field, which the rest of the scan follows into.
element('recent', HTMLElement).addEventListener('keydown', (event) => {
  if (!/^[0-9]$/.test(event.key) || event.ctrlKey || event.altKey || event.metaKey) return;
  event.preventDefault();
  field.startTyped(event.key);
});
// Enter after the amount charges a code already taken, and hands the focus back to the code field.
const sale = element('sale', HTMLFormElement);
sale.addEventListener('submit', (event) => event.preventDefault());
sale.addEventListener('keydown', (event) => {
  if (event.key !== 'Enter') return;
  event.preventDefault();
  // A code scanned again while the keyboard waits in Amount (it goes there after a code taken
  // first) is the code, not an amount: taken as a scan, and the amount field left empty (its
  // maxlength, 18, lets a whole code in for this).
  if (event.target === amountField && PAY_CODE.test(amountField.value.trim())) {
    const digits = amountField.value.trim();
    amountField.value = '';
    return field.take(digits);
  }
  // No amount yet: a code taken is asked its amount (chargeTakenCode keeps the keyboard in Amount).
  if (amountField.value.trim() === '') return chargeTakenCode();
  if (!amountIsValid()) return;
  chargeTakenCode();
  field.focus();
});
amountField.addEventListener('input', () => {
  amountField.removeAttribute('aria-invalid');
  say(amountError, '');
  // A new amount is a new sale: the last charge's result is not left beside it.
  charger.reset();
});
new Camera(
  { button: element('camera-button', HTMLButtonElement), video: element('camera', HTMLVideoElement), status },
  (digits) => field.take(digits),
);

signInForm.addEventListener('submit', (event) => {
  event.preventDefault();
  if (!signInFormFilled(signInForm, signInError)) return;
  const password = passwordField.value;
  passwordField.value = '';
  void signIn(mchIdField.value.trim(), nameField.value.trim(), password).then((r) => (r.ok ? enter(r.signedIn) : showSignIn(r.message)));
});
element('sign-out', HTMLButtonElement).addEventListener('click', () => {
  // A charge running goes on on the server: signed out now, nobody at this till would see it end,
  // and the next cashier would find it in their way. It is cancelled or waited for first.
  if (charger.busy) {
    // Said until the charge ends, as the refusal of a second charge is.
    refusedWhileRunning = true;
    return say(status, 'A charge is still running: cancel it, or wait for its result, before signing out.', 'error');
  }
  void signOutHere();
});

const signOutHere = () => signOut('cashier').then(() => {
  keptSale = null;
  // The next cashier starts a sale of their own, not the last one's, nor its result.
  clearSale();
  charger.reset();
  say(status, '');
  showSignIn('You are signed out.', 'info');
});

// A call found the session gone (ended by time, or by the owner's new password or disable): the
// till shows its sign-in and why, rather than a sale screen whose every charge would be refused.
// A charge still running goes on on the server (its session was checked when it began): its end
// is waited for and said with the sign-in, so the cashier never charges the customer twice.
window.addEventListener(SIGNED_OUT_EVENT, (event) => {
  if (till.hidden) return;
  const reason = (event as CustomEvent<string>).detail;
  if (charger.busy) signedOutWhileCharging = reason;
  else leaveTill(keepSale() ? `${reason} The amount and goods you typed come back when you do.` : reason);
});
// Warned shortly before the session would end unused, the cashier stays signed in in one step.
warnBeforeSessionEnds('cashier');

/** Who is signed in at this till (merchant id and cashier name), so a sale kept is given back to them alone. */
let signedInAs: string | null = null;
/** The sale begun when the session ended: its amount and goods, never its code; for the same cashier's next sign-in. */
let keptSale: { readonly cashier: string; readonly amount: string; readonly goods: string } | null = null;

/**
 * Keeps the sale typed but not charged, for when the same cashier signs in again. One whose
 * charge's result is not known is not kept: charged again it could be paid twice.
 */
function keepSale(): boolean {
  keptSale = null;
  if (signedInAs === null || chargedSale !== null || amountField.value.trim() === '') return false;
  keptSale = { cashier: signedInAs, amount: amountField.value, goods: goodsField.value };
  return true;
}

function leaveTill(reason: string): void {
  const dialog = element('refund-dialog', HTMLDialogElement);
  if (dialog.open) dialog.close();
  clearSale();
  charger.reset();
  say(status, '');
  showSignIn(reason);
}

void currentSession<SignedInCashier>('cashier').catch(() => null).then((cashier) => (cashier === null ? showSignIn() : enter(cashier)));

/**
 * The code taken last, until it is charged. With the amount entered first, the scan itself is the
 * cashier's go; a code scanned first is charged when the amount is entered (Enter).
 */
let takenCode: string | null = null;
/** The sale's fields as they were charged: a PAID end clears them only if they still are. */
let chargedSale: { readonly amount: string; readonly goods: string } | null = null;

function chargeCode(digits: string): void {
  takenCode = digits;
  chargeTakenCode();
}

function chargeTakenCode(): void {
  if (takenCode === null) return;
  const amount = amountField.value.trim();
  if (amount === '') {
    charger.prompt('Enter the amount and press Enter to charge the code taken.');
    // The cashier types the amount next: the keyboard goes there, not back to the code field.
    return amountField.focus();
  }
  // The code is kept for the corrected amount: nothing was sent.
  if (!amountIsValid()) return amountField.focus();
  // Charged and shown as money ("300.00"), as the result, the receipt and the holder's phone show it.
  const started = charger.start(formatSen(parseAmountSen(amount)!), goodsField.value.trim() || 'Sale', takenCode);
  // Either way the code is spent: a scan while a charge runs is not kept for later.
  takenCode = null;
  if (started) return void (chargedSale = { amount: amountField.value, goods: goodsField.value });
  refusedWhileRunning = true;
  say(status, 'A charge is still running: wait for its result.', 'error');
}

/** The sale's amount, goods and code back to a new sale's; a code taken but not charged is dropped too. */
function clearSale(): void {
  amountField.value = '';
  goodsField.value = goodsField.defaultValue;
  field.clear();
  takenCode = null;
}

/**
 * The amount by the wire's own rules (format and sign; the platform checks its maximum), said at
 * the field before anything is sent, rather than as a refused charge after the customer's scan.
 */
function amountIsValid(): boolean {
  const problem = positiveAmountProblem(amountField.value.trim());
  if (problem === null) return true;
  amountField.setAttribute('aria-invalid', 'true');
  say(amountError, `The amount ${problem}.`, 'error');
  return false;
}

function enter(cashier: SignedInCashier): void {
  signInForm.hidden = true;
  signedInAs = `${cashier.mchId} ${cashier.cashierName}`;
  // As a sign-in here leaves them (a till opened on its session too): when the session ends, the password alone is asked.
  [mchIdField.value, nameField.value] = [cashier.mchId, cashier.cashierName];
  // Another cashier starts from a new sale, never from the last one's.
  if (keptSale?.cashier === signedInAs) [amountField.value, goodsField.value] = [keptSale.amount, keptSale.goods];
  keptSale = null;
  who.textContent = `${cashier.merchantName ?? `Merchant ${cashier.mchId}`} · ${cashier.cashierName}`;
  usePlatformTimeZone(cashier.timeZone);
  receipt.close();
  till.hidden = false;
  void recent.refresh();
  field.focus();
}

function showSignIn(message = '', tone: 'info' | 'error' = 'error'): void {
  till.hidden = true;
  signInForm.hidden = false;
  say(signInError, message, tone);
  (mchIdField.value === '' ? mchIdField : nameField.value === '' ? nameField : passwordField).focus();
}
