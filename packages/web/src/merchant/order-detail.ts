import { markRefused } from '../shared/field-problem.js';
import { REFUND_REASON_MAX_LENGTH } from '@micropay/protocol/text-limits';
import { ResultCode } from '@micropay/protocol/errors';
import { orderStatusWords, refundFailedWords } from '@micropay/protocol/order-status';
import { callPage, Unreachable } from '../shared/page-api.js';
import { say } from '../shared/page.js';
import { RefundAttempts, type RefundAttempt } from '../shared/refund-attempts.js';
import { formatTime } from '../shared/time.js';
import { maskedText } from '../shared/masked.js';
import { fieldRefusal } from '../console/forms.js';
import type { ConsoleContext } from '../console/section.js';
import { field } from './console-form.js';
import type { MerchantUser } from './who.js';

/**
 * An order's detail (`#orders/ORDER-ID`): its fields, its timeline (notification attempts
 * included) and the Refund button: all or part of what is refundable, with a reason. Who may
 * refund what is the server's rule (the owner any order, a cashier its own till's charges within
 * its limit); one mchRefundId per attempt, kept after a lost answer (shared/refund-attempts.ts).
 */
interface Detail {
  readonly timeZone: string;
  readonly order: Record<string, string | number | null> & { mchOrderId: string; refundableAmount: string; tradeStatus: string; failReason: string | null; till: string | null };
  readonly events: (Record<string, unknown> & { kind: string; atMs: number })[];
}

type ConsoleRefund = RefundAttempt & { readonly reason: string };
const attempts = new RefundAttempts<ConsoleRefund>();

/** Refusals of the amount itself: above what is left to refund, or above the cashier's limit. */
const AMOUNT_CODES: readonly number[] = [ResultCode.REFUND_EXCEEDS_REFUNDABLE, ResultCode.REFUND_OVER_LIMIT];

const REFUSALS: Readonly<Record<number, string>> = {
  [ResultCode.NOT_THIS_CASHIERS_CHARGE]: 'This order was not charged at your till: only the owner can refund it.',
};

export async function renderOrderDetail(container: HTMLElement, ctx: ConsoleContext<MerchantUser>, mchOrderId: string): Promise<void> {
  const back = Object.assign(document.createElement('a'), { href: '#orders', textContent: '← Back to orders' });
  const status = Object.assign(document.createElement('p'), { id: 'order-status', role: 'status' });
  const body = document.createElement('div');
  container.append(back, status, body);
  await show();

  async function show(): Promise<void> {
    const a = await callPage<Detail>(`${ctx.api}orders/detail`, { mchOrderId });
    if (a.data === null) return say(status, a.code === ResultCode.NO_RECORD ? `There is no order ${mchOrderId} here.` : a.msg, 'error');
    body.replaceChildren(fields(a.data), refundForm(a.data, status, show), timeline(a.data));
  }
}

function fields({ order, timeZone }: Detail): HTMLElement {
  const dl = Object.assign(document.createElement('dl'), { className: 'order-fields' });
  const time = (ms: unknown) => (typeof ms === 'number' ? formatTime(ms, timeZone) : '—');
  const rows: [string, string][] = [
    ['Order', order.mchOrderId], ['MicroPay order', String(order.wavpayOrderId)], ['Goods', String(order.goodsInfo ?? '—')],
    ['Amount', String(order.amount)], ['Refunded', String(order.refundedAmount)], ['Refundable', order.refundableAmount],
    ['Status', orderStatusWords(order)], ['Wallet', String(order.wallet)], ['Till', tillWords(order.till)],
    ['Trade time', time(order.tradeTimeMs)], ['Pay time', time(order.payTimeMs)],
  ];
  for (const [term, value] of rows) {
    // The ids are read and typed whole (into a bank's form, a call to support): never cut inside a number.
    const className = term === 'Order' || term === 'MicroPay order' ? 'code' : '';
    const fact = Object.assign(document.createElement('dd'), { className });
    fact.append(maskedText(value));
    dl.append(Object.assign(document.createElement('dt'), { textContent: term }), fact);
  }
  return dl;
}

/** Who charged the order: a user's till, or the merchant's own system through the API. */
export function tillWords(till: string | null): string {
  return till ?? 'Your system (API)';
}

/** The refund's fields as the server names them, in the words of their labels, and their inputs. */
const REFUND_FIELDS = { refundAmount: 'The amount', reason: 'The reason' } as const;
const REFUND_INPUTS: Readonly<Record<keyof typeof REFUND_FIELDS, string>> = { refundAmount: 'refund-amount', reason: 'refund-reason' };

function refundForm(detail: Detail, status: HTMLElement, refresh: () => Promise<void>): HTMLElement {
  const { order } = detail;
  const form = Object.assign(document.createElement('form'), { id: 'refund-form', className: 'inline-form', noValidate: true });
  form.setAttribute('aria-label', 'Refund');
  if (order.refundableAmount === '0.00') return Object.assign(document.createElement('p'), { textContent: 'Nothing of this order can be refunded.' });
  const pinned = attempts.pinned(order.mchOrderId);
  form.append(field('refund-amount', `Amount (up to ${order.refundableAmount})`, pinned?.refundAmount ?? order.refundableAmount),
    field('refund-reason', 'Reason (required)', pinned?.reason ?? '', '', 'text', REFUND_REASON_MAX_LENGTH));
  const submit = Object.assign(document.createElement('button'), { type: 'submit', textContent: pinned === undefined ? 'Refund' : 'Check again' });
  // A refused field is said here, beside it (and tied to it), not only in the status above the order.
  const problem = Object.assign(document.createElement('p'), { id: 'refund-problem', className: 'field-error', role: 'alert' });
  form.append(submit, problem);
  if (pinned !== undefined) lock(`The answer to an earlier refund of ${pinned.refundAmount} was lost. Check again: it never refunds twice.`);
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    if (submit.disabled) return;
    const value = (id: string) => (form.elements.namedItem(id) as HTMLInputElement).value.trim();
    const attempt = attempts.attemptFor(order.mchOrderId, (mchRefundId) => ({ mchOrderId: order.mchOrderId, mchRefundId, refundAmount: value('refund-amount'), reason: value('refund-reason') }));
    submit.disabled = true;
    say(status, `Refunding ${attempt.refundAmount}…`);
    void send(attempt).finally(() => { submit.disabled = false; });
  });
  return form;

  async function send(attempt: ConsoleRefund): Promise<void> {
    try {
      const a = await callPage<{ refund: { refundAmount: string; refundStatus: string; failReason: string | null } }>('merchant/orders/refund', { ...attempt });
      attempts.answered(attempt);
      if (a.data === null) return refused(REFUSALS[a.code] ?? a.msg, AMOUNT_CODES.includes(a.code) ? 'refundAmount' : null);
      await refresh();
      const r = a.data.refund;
      say(status, r.refundStatus === 'REFUNDED' ? `Refunded ${r.refundAmount}.`
        : r.refundStatus === 'REFUND_FAILED' ? refundFailedWords(r.refundAmount, r.failReason) : `The refund of ${r.refundAmount} is in process.`);
      // The form was drawn again: the keyboard goes on from what was done, not from the page's top.
      status.tabIndex = -1;
      status.focus();
    } catch (error) {
      if (!(error instanceof Unreachable)) throw error;
      attempts.lost(attempt);
      lock(`${error.message} Check again sends the same refund: it never refunds twice.`);
    }
  }

  /**
   * A refusal in the words of the form's labels, at the field it names, or `about` (an amount above
   * what is left, or above the cashier's limit): marked, described by the words beside it, focused;
   * one that names no field is said in the status line.
   */
  function refused(msg: string, about: keyof typeof REFUND_FIELDS | null = null): void {
    const r = fieldRefusal(msg, REFUND_FIELDS);
    const named = r.field ?? about;
    if (named === null) return say(status, r.words, 'error');
    // Said once, beside the field (an alert): the status line, an announcer too, had said it twice.
    // It is emptied of "Refunding…", which no longer holds.
    say(status, '');
    problem.textContent = r.words;
    markRefused(form.elements.namedItem(REFUND_INPUTS[named]) as HTMLInputElement, problem, () => { problem.textContent = ''; });
  }

  /** With an unanswered attempt its amount and reason are kept, and the button sends it again. */
  function lock(message: string): void {
    for (const input of form.querySelectorAll('input')) input.readOnly = true;
    submit.textContent = 'Check again';
    say(status, message, 'error');
  }
}

function timeline({ events, timeZone }: Detail): HTMLElement {
  const section = document.createElement('section');
  section.setAttribute('aria-labelledby', 'timeline-heading');
  const heading = Object.assign(document.createElement('h3'), { id: 'timeline-heading', textContent: `Timeline (times in ${timeZone})` });
  const list = Object.assign(document.createElement('ol'), { id: 'order-timeline', className: 'timeline' });
  for (const e of events) {
    const item = document.createElement('li');
    item.dataset.kind = e.kind;
    const time = Object.assign(document.createElement('time'), { dateTime: new Date(e.atMs).toISOString(), textContent: formatTime(e.atMs, timeZone) });
    item.append(time, ' ', maskedText(describe(e)));
    list.append(item);
  }
  section.append(heading, list);
  return section;
}

/** An event in words; amounts as the server gave them (decimal strings). */
function describe(e: Record<string, unknown>): string {
  const d = (e.detail ?? {}) as Record<string, unknown>;
  switch (e.kind) {
    case 'tillCharge': return e.till === null ? 'Charged at a till.' : `Charged at the till by ${e.till}.`;
    case 'trade': return `Payment of ${e.amount} requested.`;
    case 'held': return `${e.amount} held in the wallet, awaiting the customer's confirmation.`;
    case 'stalled': return 'The payment step did not finish; the order is settled later.';
    case 'holdReleased': return `Hold of ${e.amount} released (${e.outcome}).`;
    case 'paid': return `Paid ${e.amount}.`;
    case 'failed': return `Failed${e.reason === null ? '' : ` (${e.reason})`}.`;
    case 'entry': return `Journal entry ${e.entryId} (${e.entryKind}): ${(e.postings as { accountId: string; amount: string }[]).map((p) => `${p.accountId} ${p.amount}`).join(', ')}.`;
    case 'refundRequested': return `Refund ${e.mchRefundId} of ${e.amount} requested${e.reason === null ? '' : `: ${e.reason}`}.`;
    case 'refunded': return `Refund ${e.mchRefundId} of ${e.amount} done.`;
    case 'refundFailed': return `Refund ${e.mchRefundId} of ${e.amount} failed (${e.reason ?? 'no reason given'}).`;
    case 'sourced': return `Notification ${d.event}, attempt ${d.attempt}: ${d.outcome}${d.httpStatus === null ? '' : ` (HTTP ${d.httpStatus})`}${d.answer ? ` — answered "${d.answer}"` : ''}${d.error ? ` — ${d.error}` : ''}.`;
    default: return String(e.kind);
  }
}
