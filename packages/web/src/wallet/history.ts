import type { Movement } from './account-api.js';

/**
 * The history list: one row per movement, newest first, with "Older" loading the next page by its
 * key. Times are shown as the platform's wall clock (the zone is named under the list), not the
 * phone's, so a receipt and the page tell the same time.
 */
const KIND: Readonly<Record<Movement['type'], string>> = { PAYMENT: 'Payment', REFUND: 'Refund', TOPUP: 'Top-up', TOPUP_REVERSAL: 'Top-up reversed' };
const PAYMENT_STATUS: Readonly<Record<string, string>> = {
  PAID: 'Paid',
  REFUND_IN_PROCESS: 'Refund in process',
  REFUNDED: 'Refunded',
  REFUND_FAILED: 'Paid, refund failed',
};
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/** `2026-12-05 14:03:22 +08:00` → "5 Dec 2026, 14:03" and its machine form for `<time datetime>`. */
export function peopleTime(zoned: string): { text: string; datetime: string } {
  const m = /^(\d{4})-(\d\d)-(\d\d) (\d\d):(\d\d):(\d\d) ([+-]\d\d:\d\d)$/.exec(zoned);
  if (m === null) return { text: zoned, datetime: '' };
  const [, y, mo, d, h, mi, s, off] = m;
  return { text: `${Number(d)} ${MONTHS[Number(mo) - 1]} ${y}, ${h}:${mi}`, datetime: `${y}-${mo}-${d}T${h}:${mi}:${s}${off}` };
}

/** What the row says the movement's state is, in words. */
export function statusWords(t: Movement): string {
  if (t.type === 'PAYMENT') return paymentWords(t);
  // A top-up the operator took back (a mistake): its reversal is a row of its own.
  if (t.status === 'REVERSED') return 'Reversed';
  return t.status === null || t.status === 'REFUNDED' ? 'Completed' : t.status;
}

/**
 * A payment's state: a part refunded leaves the order PAID, and a refund that failed leaves it
 * REFUND_FAILED whatever came back before, so the amount refunded so far is said with them.
 */
function paymentWords(t: Movement): string {
  const words = PAYMENT_STATUS[t.status ?? ''] ?? t.status ?? '';
  const refunded = t.refundedAmount ?? '0.00';
  if (refunded === '0.00' || t.status === 'REFUNDED') return words;
  if (t.status === 'PAID') return `Partly refunded (${refunded} back)`;
  if (t.status === 'REFUND_FAILED') return `Partly refunded (${refunded} back), a later refund failed`;
  return `${words} (${refunded} refunded or in process)`;
}

/** "-12.50" stays as it is; money coming in gets its "+". */
export function signedAmount(amount: string): string {
  return amount.startsWith('-') ? amount : `+${amount}`;
}

export function movementRow(t: Movement): HTMLLIElement {
  const li = document.createElement('li');
  li.className = 'movement';
  const top = document.createElement('div');
  top.className = 'movement-top';
  const who = document.createElement('span');
  who.className = 'who';
  who.textContent = t.merchantName ?? KIND[t.type];
  const amount = document.createElement('span');
  amount.className = 'amount';
  amount.dataset.direction = t.amount.startsWith('-') ? 'out' : 'in';
  amount.textContent = signedAmount(t.amount);
  top.append(who, amount);
  const meta = document.createElement('div');
  meta.className = 'movement-meta';
  const when = peopleTime(t.zonedTime);
  const time = document.createElement('time');
  time.textContent = when.text;
  if (when.datetime !== '') time.dateTime = when.datetime;
  meta.append(`${KIND[t.type]} · ${statusWords(t)} · `, time);
  li.append(top, meta);
  return li;
}
