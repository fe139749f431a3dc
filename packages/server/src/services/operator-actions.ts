import { formatSen, parseAmountSen, positiveAmountProblem, Secret } from '@micropay/protocol';
import { hashPin, hashWalletToken, merchantKeyProblem, newWalletToken, PIN_RULE } from '../domain/credentials.js';
import { merchantIdProblem, newApiKey } from '../domain/ids.js';
import { merchantNameProblem } from '../domain/merchant.js';
import { DEFAULT_KEY_OVERLAP_MS } from '../domain/merchant-keys.js';
import type { Merchant, Wallet } from '../domain/model.js';
import { MAX_PAYOUT_REQUEST_ID_LENGTH, type PayoutFinishDecision } from '../domain/payout.js';
import { MAX_REASON_LENGTH } from '@micropay/protocol/text-limits';
import { printableTextProblem } from '../domain/text.js';
import { isNotifyUrl, NOTIFY_URL_MAX_LENGTH, NOTIFY_URL_PROBLEM } from '../notify/message.js';
import { MAX_WALLET_BALANCE_SEN, walletNameProblem, walletStatusProblem, type TopUpOutcome } from '../domain/wallet.js';
import type { Store } from '../store/store.js';
import { LEDGER_ID } from '../domain/ledger.js';
import type { ActingAs } from '../domain/audit-log.js';

/**
 * The operator's actions on wallets and merchants from text as a form or the command line gives
 * it: each input rule is here once, and the CLI (cli/wallet-commands.ts, merchant-commands.ts) and
 * the operator console both call these. The change itself is the store's service method. Refusals
 * of the state (a closed wallet, a balance cap, a taken merchant id) are the errors those throw
 * (WalletClosedError, WalletBalanceLimitError, MerchantIdTakenError).
 */

/** Which input is wrong, and why: `problem` completes a sentence that starts with the field's name. */
export interface BadInput {
  readonly kind: 'invalid';
  readonly field: string;
  readonly problem: string;
}

const bad = (field: string, problem: string): BadInput => ({ kind: 'invalid', field, problem });
export const isBadInput = (x: unknown): x is BadInput => typeof x === 'object' && x !== null && (x as BadInput).kind === 'invalid';

export function pinProblem(pin: string): string | null {
  return PIN_RULE.test(pin) ? null : 'must be 4 to 6 digits';
}

/** A positive amount like 100.00, in sen, or the problem the merchant API says of the same text (a sign, a third decimal place). */
export function positiveAmountOf(text: string, field: string): number | BadInput {
  const problem = positiveAmountProblem(text);
  return problem === null ? parseAmountSen(text)! : bad(field, problem);
}

/**
 * An opening balance like 100.00, or 0 (as none given), in sen, or the problem. Above what a
 * wallet may hold it is refused here, as a field: the wallet it would open does not exist yet.
 */
function openingBalanceOf(text: string, field: string): number | BadInput {
  const sen = parseAmountSen(text);
  if (sen === null) return bad(field, 'must be an amount like 100.00, or 0');
  return sen > MAX_WALLET_BALANCE_SEN ? bad(field, `must not exceed what a wallet may hold, ${formatSen(MAX_WALLET_BALANCE_SEN)}`) : sen;
}

/** A confirmation limit ("default": the platform's), in sen, or the problem. */
function confirmLimitOf(text: string, field: string): number | null | BadInput {
  if (text === 'default') return null;
  const sen = parseAmountSen(text);
  return sen === null ? bad(field, 'must be an amount like 250.00') : sen;
}

/** The holder's name as the operator types it. */
export const WALLET_NAME_MAX = 100;

export interface WalletForm {
  readonly name: string;
  readonly openingBalance?: string | undefined;
  readonly pin?: string | undefined;
  readonly confirmLimit?: string | undefined;
}

const notBlank = (value: string | undefined): string | undefined => (value === '' ? undefined : value);

/** "Create": the new wallet and its app token (shown once; only its hash is stored). */
export async function createHolderWallet(store: Store, given: WalletForm, acting?: ActingAs): Promise<{ wallet: Wallet; token: string } | BadInput> {
  const nameProblem = walletNameProblem(given.name);
  if (nameProblem !== null) return bad('name', nameProblem);
  // A blank form field means "not given", as an option left out of the command line does.
  const form = { ...given, openingBalance: notBlank(given.openingBalance), pin: notBlank(given.pin), confirmLimit: notBlank(given.confirmLimit) };
  const openingSen = form.openingBalance === undefined ? 0 : openingBalanceOf(form.openingBalance, 'balance');
  if (isBadInput(openingSen)) return openingSen;
  if (form.pin !== undefined && pinProblem(form.pin) !== null) return bad('pin', pinProblem(form.pin)!);
  const confirmLimitSen = form.confirmLimit === undefined ? null : confirmLimitOf(form.confirmLimit, 'confirm-limit');
  if (isBadInput(confirmLimitSen)) return confirmLimitSen;
  const pinHash = form.pin === undefined ? null : await hashPin(form.pin);
  const token = newWalletToken();
  const wallet = await store.createWallet({ name: form.name, openingSen, tokenHash: hashWalletToken(token), pinHash, confirmLimitSen }, acting);
  return { wallet, token };
}

/**
 * "Top up" from the platform float, under the operator's request id when one is given: the same
 * id again tops up nothing more (domain/wallet.ts decideTopUp). null: no such wallet.
 */
export async function topUpWallet(
  store: Store, walletId: string, amount: string, acting?: ActingAs, requestId: string | null = null,
): Promise<TopUpOutcome | null | BadInput> {
  const sen = positiveAmountOf(amount, 'AMOUNT');
  if (isBadInput(sen)) return sen;
  if (requestId === null) return store.topUp(walletId, sen, acting).then((wallet) => (wallet === null ? null : { kind: 'toppedUp', wallet }));
  const problem = printableTextProblem(requestId, MAX_PAYOUT_REQUEST_ID_LENGTH);
  return problem !== null ? bad('request-id', problem) : store.topUpOnce(walletId, sen, requestId, acting);
}

/**
 * "Reverse" a top-up made by mistake: its journal entry id (the wallet's history shows it) and why.
 * null: no such wallet. The refusals of the state are TopUpReversalRefused's (domain/top-up-reversal.ts).
 */
export async function reverseWalletTopUp(store: Store, walletId: string, entryId: string, reason: string, acting?: ActingAs): Promise<Wallet | null | BadInput> {
  if (!LEDGER_ID.test(entryId)) return bad('entryId', "must be the top-up's journal entry id, as the wallet's history shows it");
  const why = reason.trim();
  const problem = printableTextProblem(why, MAX_REASON_LENGTH);
  return problem !== null ? bad('reason', problem) : store.reverseTopUp(walletId, Number(entryId), why, acting);
}

/** "Set PIN" (also unlocks confirmation). */
export async function setWalletPin(store: Store, walletId: string, pin: string, acting?: ActingAs): Promise<Wallet | null | BadInput> {
  const problem = pinProblem(pin);
  return problem !== null ? bad('pin', problem) : store.updateWalletSecurity(walletId, { pinHash: await hashPin(pin) }, acting);
}

/** "Unlock the PIN": confirmation works again after wrong PINs locked it. */
export function unlockWalletPin(store: Store, walletId: string, acting?: ActingAs): Promise<Wallet | null> {
  return store.updateWalletSecurity(walletId, { pinFailures: 0 }, acting);
}

/** "Confirmation limit": an amount, or "default". */
export async function setWalletConfirmLimit(store: Store, walletId: string, limit: string, acting?: ActingAs): Promise<Wallet | null | BadInput> {
  const confirmLimitSen = confirmLimitOf(limit, 'LIMIT');
  return isBadInput(confirmLimitSen) ? confirmLimitSen : store.updateWalletSecurity(walletId, { confirmLimitSen }, acting);
}

/** "New app token": the old one stops working; the new one is shown once. */
export async function newWalletAppToken(store: Store, walletId: string, acting?: ActingAs): Promise<{ wallet: Wallet; token: string } | null> {
  const token = newWalletToken();
  const wallet = await store.updateWalletSecurity(walletId, { tokenHash: hashWalletToken(token) }, acting);
  return wallet === null ? null : { wallet, token };
}

/**
 * "Freeze" / "Unfreeze". A closed wallet stays closed: the answer says why (`refused`). Closing is
 * store.closeWallet, which pays out what the wallet holds.
 */
export async function freezeWallet(
  store: Store, walletId: string, frozen: boolean, acting?: ActingAs,
): Promise<{ kind: 'changed'; wallet: Wallet } | { kind: 'refused'; problem: string } | null> {
  const to = frozen ? 'frozen' : 'active';
  const wallet = await store.setWalletStatus(walletId, to, acting);
  if (wallet === null) return null;
  const problem = wallet.status === to ? null : walletStatusProblem(wallet, to);
  return problem === null ? { kind: 'changed', wallet } : { kind: 'refused', problem };
}

/** `""` clears the notify URL, undefined leaves it; else an absolute http(s) URL. */
export function notifyUrlOf(value: string | undefined): string | null | undefined | BadInput {
  if (value === undefined) return undefined;
  if (value === '') return null;
  return isNotifyUrl(value) ? value : bad('notify-url', NOTIFY_URL_PROBLEM);
}

export interface MerchantForm {
  readonly name: string;
  readonly notifyUrl?: string | undefined;
  /** Import: the merchant's id and key on its old platform (either alone keeps just that one). */
  readonly mchId?: string | undefined;
  readonly key?: string | undefined;
}

/**
 * "Create" or "Import". `apiKey` is the new key to show once; null when the key was imported (it
 * is never shown back). Throws MerchantIdTakenError for an imported id that exists.
 */
export async function createOrImportMerchant(store: Store, form: MerchantForm, acting?: ActingAs): Promise<{ merchant: Merchant; apiKey: string | null } | BadInput> {
  const nameProblem = merchantNameProblem(form.name);
  if (nameProblem !== null) return bad('name', nameProblem);
  const idProblem = form.mchId === undefined ? null : merchantIdProblem(form.mchId);
  if (idProblem !== null) return bad('mch-id', idProblem);
  // The key's problem names the rule, never the key.
  const keyProblem = form.key === undefined ? null : merchantKeyProblem(form.key);
  if (keyProblem !== null) return bad('key', keyProblem);
  const notifyUrl = notifyUrlOf(form.notifyUrl);
  if (isBadInput(notifyUrl)) return notifyUrl;
  const apiKey = new Secret(form.key ?? newApiKey());
  const merchant = await store.createMerchant({ name: form.name, apiKey, notifyUrl: notifyUrl ?? null, ...(form.mchId === undefined ? {} : { mchId: form.mchId }) }, acting);
  return { merchant, apiKey: form.key === undefined ? merchant.apiKey.expose() : null };
}

export const MAX_KEY_OVERLAP_HOURS = 720;

/** "Roll the key": the new key (shown once); the old one verifies for `overlapHours` (default 24, 0: stops now). */
export async function rollKey(store: Store, mchId: string, overlapHours?: string, acting?: ActingAs): Promise<Merchant | null | BadInput> {
  if (overlapHours !== undefined && (!/^[0-9]{1,4}$/.test(overlapHours) || Number(overlapHours) > MAX_KEY_OVERLAP_HOURS)) {
    return bad('overlap-hours', `must be a whole number of hours from 0 to ${MAX_KEY_OVERLAP_HOURS}`);
  }
  const overlapMs = overlapHours === undefined ? DEFAULT_KEY_OVERLAP_MS : Number(overlapHours) * 3_600_000;
  return store.rollMerchantKey(mchId, new Secret(newApiKey()), overlapMs, acting);
}

/** "Failed" on a REQUESTED payout: the bank's reason, by the payouts' text rule; the money goes back. */
export async function failPayoutBecause(store: Store, payoutId: string, reason: string, acting?: ActingAs): Promise<PayoutFinishDecision | BadInput> {
  const problem = printableTextProblem(reason, MAX_REASON_LENGTH);
  return problem !== null ? bad('reason', problem) : store.failPayout(payoutId, reason, acting);
}
