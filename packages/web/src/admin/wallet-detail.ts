import { markRefused } from '../shared/field-problem.js';
import { parseAmountSen } from '@micropay/protocol/money';
import { MAX_BANK_TEXT_LENGTH } from '@micropay/protocol/text-limits';
import type { DeviceListing } from '@micropay/protocol/offline-code';
import { bankAccountRefusal } from '../console/bank-account.js';
import { askFirst, button, field, fieldRefusal, form } from '../console/forms.js';
import { walletDevicesPart } from './wallet-devices.js';
import { holderAccessPart } from './wallet-access.js';
import { walletHistoryPart, type ReverseTopUp } from './wallet-history.js';
import type { OperatorChange } from '@micropay/protocol/operator-roles';

/**
 * One wallet in the operator console's Wallets section (docs/consoles.md): its facts, and the
 * actions on it: top up, freeze or unfreeze, unlock the PIN, close (after a confirm step), pay a
 * closed wallet's returned money out again, the holder's access (wallet-access.ts), its
 * transactions (wallet-history.ts) and its offline-code devices. Each action goes through the section's `act`, which answers with the
 * wallet as it is after it, drawn here again.
 */
export interface WalletRow { readonly walletId: string; readonly name: string; readonly status: string; readonly balance: string; readonly available: string }
export interface WalletDetail extends WalletRow {
  readonly held: string; readonly confirmLimit: string | null; readonly effectiveConfirmLimit: string;
  readonly hasPin: boolean; readonly pinFailures: number; readonly pinLocked: boolean; readonly pendingPayments: number;
  readonly devices: readonly DeviceListing[];
}

/**
 * Runs an action on the wallet and says `done` of its answer, or the refusal in words: in the
 * section's status, or to `refused` when the action's own form shows it (the close step keeps
 * what was typed).
 */
export type WalletAct = (
  path: string, body: Record<string, unknown>, done: (w: WalletDetail, data: Record<string, unknown>) => string, refused?: (msg: string) => void,
) => Promise<void>;

/**
 * The wallet's detail, with the actions the operator's role may take (`may`, role.ts); after each,
 * `act` draws it again and puts the focus on what it said.
 */
export function walletDetailView(
  w: WalletDetail, api: string, act: WalletAct, may: (change: OperatorChange) => boolean, showSecret: (what: string, secret: string) => void,
  historyOpen = false,
): HTMLElement[] {
  const heading = Object.assign(document.createElement('h3'), { textContent: `Wallet ${w.walletId}`, tabIndex: -1, className: 'wallet-heading' });
  const devices = walletDevicesPart(w.walletId, w.devices, !may('wallet care') ? null : async (deviceId) => {
    await act('revoke-devices', deviceId === null ? { walletId: w.walletId } : { walletId: w.walletId, deviceId }, () =>
      `${deviceId === null ? 'Every device' : `Device ${deviceId}`} of wallet ${w.walletId} is revoked: its offline codes pay no more.`);
  });
  // A closed wallet's top-ups were paid out with it: there is nothing left to reverse.
  const reverse = may('money') && w.status !== 'closed' ? reverseTopUp(w, act) : null;
  const history = walletHistoryPart(api, w.walletId, reverse, historyOpen);
  if (w.status === 'closed') return [heading, facts(w), ...payOutAgain(w, act, may), history, devices];
  const closing = document.createElement('div');
  const buttons = Object.assign(document.createElement('div'), { className: 'actions' });
  if (may('wallet care')) {
    buttons.append(
      w.status === 'active'
        ? button('Freeze', () => act('freeze', { walletId: w.walletId }, () => `Wallet ${w.walletId} is frozen: its payments fail until it is unfrozen.`))
        : button('Unfreeze', () => act('unfreeze', { walletId: w.walletId }, () => `Wallet ${w.walletId} is active again.`)),
      // Without a PIN, or with no wrong tries counted, there is nothing to unlock.
      ...(w.hasPin && w.pinFailures > 0 ? [button('Unlock PIN', () => act('unlock-pin', { walletId: w.walletId }, () => `Wallet ${w.walletId}: confirmation with the PIN works again.`))] : []),
    );
  }
  if (may('wallet accounts')) buttons.append(button('Close wallet…', async () => closeStep(w, closing, act)));
  const access = may('wallet accounts') ? [holderAccessPart(w, act, showSecret)] : [];
  return [heading, facts(w), ...(may('money') ? [topUpForm(w, closing, act)] : []), buttons, closing, ...access, history, devices];
}

/** A top-up made by mistake taken back whole; a refusal (the money spent since) is said in the step. */
function reverseTopUp(w: WalletDetail, act: WalletAct): ReverseTopUp {
  return (entryId, amount, reason, refused) => act('reverse-top-up', { walletId: w.walletId, entryId, reason }, (after) =>
    `Top-up of ${amount} reversed: wallet ${after.walletId} holds ${after.balance}.`, (msg) =>
    refused(fieldRefusal(msg.replace(/^action refused: /, ''), { reason: 'The reason' }).words));
}

/**
 * A closed wallet holds money only when a payout of it failed and the money came back (or it was
 * closed before payouts existed): closing it again pays that out (a new payout, with the holder's
 * account if given), from here as with `micropay wallet close`.
 */
function payOutAgain(w: WalletDetail, act: WalletAct, may: (change: OperatorChange) => boolean): HTMLElement[] {
  if (w.balance === '0.00' || !may('wallet accounts')) return [];
  const closing = document.createElement('div');
  const buttons = Object.assign(document.createElement('div'), { className: 'actions' });
  buttons.append(button('Pay out again…', async () => closeStep(w, closing, act)));
  return [buttons, closing];
}

/** A wallet's status as the console's lists write states (Merchants: "Active", "Disabled"). */
export const WALLET_STATUS: Readonly<Record<string, string>> = { active: 'Active', frozen: 'Frozen', closed: 'Closed' };

function facts(w: WalletDetail): HTMLDListElement {
  const rows: [string, string][] = [
    ['Wallet id', w.walletId], ['Holder', w.name], ['Status', WALLET_STATUS[w.status] ?? w.status], ['Balance', w.balance], ['Available', w.available],
    ['Held for confirmation', `${w.held} (${w.pendingPayments} payment${w.pendingPayments === 1 ? '' : 's'} waiting)`],
    ['Confirmation limit', w.confirmLimit === null ? `${w.effectiveConfirmLimit} (the platform's)` : w.confirmLimit],
    ['PIN', !w.hasPin ? 'None' : w.pinLocked ? `Locked after ${w.pinFailures} wrong tries` : `Set (${w.pinFailures} wrong tries)`],
  ];
  const dl = Object.assign(document.createElement('dl'), { className: 'detail' });
  for (const [k, v] of rows) dl.append(Object.assign(document.createElement('dt'), { textContent: k }), Object.assign(document.createElement('dd'), { textContent: v }));
  return dl;
}

/**
 * Closing asks once more; a wallet holding money also takes the holder's bank account, which the
 * payout copies for finance (all three fields, or none: then the holder is paid another way). A
 * refusal (half an account, a mistyped IBAN) is said in the step, which stays with what was typed.
 * On a closed wallet holding money the same step, asked as "pay out again", makes the new payout.
 */
function closeStep(w: WalletDetail, region: HTMLElement, act: WalletAct): void {
  const account = w.balance !== '0.00' ? holderAccountFields() : null;
  const problem = Object.assign(document.createElement('p'), { className: 'field-error', id: `close-problem-${w.walletId}` });
  problem.setAttribute('role', 'alert');
  const again = w.status === 'closed';
  const close = () => act('close', { walletId: w.walletId, ...account?.values() }, (_w, data) => {
    const payout = data.payout as { payoutId: string; amount: string } | null;
    if (payout === null) return `Wallet ${w.walletId} is closed; it held nothing.`;
    return `Wallet ${w.walletId} is ${again ? 'paid out again' : 'closed'}; payout ${payout.payoutId} of ${payout.amount} waits in Payouts.`;
  }, (msg) => {
    askAgain();
    problem.textContent = account?.inWords(msg) ?? msg;
    account?.focusNamed(msg);
  });
  // What was said of the fields no longer holds once they change.
  for (const part of account?.elements ?? []) part.addEventListener('input', () => { problem.textContent = ''; });
  const askAgain = () => askFirst(region, again
    ? `Pay ${w.balance} out to the holder of closed wallet ${w.walletId}? A payout of it failed and the money came back (or it was closed before payouts); a new payout waits in Payouts.`
    : `Close wallet ${w.walletId} for good? It can never pay or take refunds again; its balance of ${w.balance} is paid out to the holder (a payout in Payouts).`,
  again ? `Pay out ${w.walletId} again` : `Close ${w.walletId} for good`, close, again ? 'Not now' : 'Keep it open', [...(account?.elements ?? []), problem]);
  askAgain();
}

function holderAccountFields(): { elements: HTMLElement[]; values(): Record<string, string>; focusNamed(msg: string): void; inWords(msg: string): string } {
  const note = Object.assign(document.createElement('p'), {
    className: 'help', textContent: "To pay the balance by bank transfer, give the holder's account: all three, or none to pay them another way.",
  });
  const fields = [
    field('close-holder', "Holder's account name", { maxLength: MAX_BANK_TEXT_LENGTH }),
    field('close-bank', 'Bank', { maxLength: MAX_BANK_TEXT_LENGTH }),
    field('close-account', 'IBAN or account number', { maxLength: 50 }),
  ];
  const names = ['holderName', 'bankName', 'accountNumber'];
  const wrap = Object.assign(document.createElement('div'), { className: 'inline-form' });
  wrap.append(...fields);
  const inputs = fields.map((f) => f.querySelector('input')!);
  return {
    elements: [note, wrap],
    // Only what was typed: an empty form closes without an account.
    values: () => Object.fromEntries(inputs.map((input, i) => [names[i]!, input.value.trim()] as const).filter(([, v]) => v !== '')),
    // The server's refusal names the field ("param error: bankName is required…"): the focus goes there.
    focusNamed: (msg) => inputs[Math.max(0, names.indexOf(bankAccountRefusal(msg).field ?? 'holderName'))]!.focus(),
    inWords: (msg) => bankAccountRefusal(msg).words,
  };
}

/**
 * A top-up asks once more, naming the amount as typed and the holder: a slip ("2500" for "25.00")
 * is caught here, before the holder can spend it (reversing it later needs the money still there).
 */
function topUpForm(w: WalletDetail, region: HTMLElement, act: WalletAct): HTMLFormElement {
  const f = form('top-up', 'Top up', [field('top-up-amount', 'Top-up amount', { inputMode: 'decimal', maxLength: 20 })], 'Top up', async (v) => {
    const amount = v['top-up-amount']!;
    // An amount that is none is said at the field, before anything is asked (the rule is the wire's own).
    const sen = parseAmountSen(amount);
    if (amount === '') return fieldProblem(input, region, 'Type the amount to top up first.');
    if (sen === null || sen === 0) return fieldProblem(input, region, `The top-up amount must be an amount above 0.00, like 25.00, not "${amount.slice(0, 20)}".`);
    askFirst(region, `Top up wallet ${w.walletId} of ${w.name} by ${amount}? It holds ${w.balance} now.`, `Top up ${amount}`, () => {
      // One request id per attempt, kept until it tops up: sent again after a lost answer, it tops up
      // once; after a refusal nothing was recorded under it, so it may be sent again as it is.
      const attempt = `${w.walletId} ${amount}`;
      const requestId = topUpAttempts.get(attempt) ?? `console-${crypto.randomUUID()}`;
      topUpAttempts.set(attempt, requestId);
      return act('top-up', { walletId: w.walletId, amount, requestId }, (after, data) => {
        topUpAttempts.delete(attempt);
        return data.repeat === true
          ? `Wallet ${after.walletId} was topped up by ${amount} already (the answer to the earlier Top up was lost): nothing moved again; it holds ${after.balance}.`
          : `Topped up ${amount}: wallet ${after.walletId} holds ${after.balance}.`;
      });
    }, 'Not now');
  });
  const input = f.querySelector('input')!;
  return f;
}

/** A field's problem said under the form (where its question would go), tied to the field and focused. */
function fieldProblem(input: HTMLInputElement, region: HTMLElement, text: string): void {
  const said = Object.assign(document.createElement('p'), { id: `${input.id}-problem`, role: 'alert', className: 'field-error', textContent: text });
  region.replaceChildren(said);
  // By its id: a second refusal before the field changed said it anew in the same place.
  markRefused(input, said, () => region.querySelector(`#${said.id}`)?.remove());
}

/** The request id of each top-up (wallet and amount) whose answer has not come yet. */
const topUpAttempts = new Map<string, string>();
