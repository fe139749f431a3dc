import type { WalletDevice } from '../domain/offline-code.js';
import type { Merchant, Wallet } from '../domain/model.js';
import { availableSen } from '../domain/model.js';
import { isPinLocked } from '../domain/credentials.js';
import { pageLimitOf, PAGE_LIMIT_PROBLEM, payoutCursorOf, payoutCursorText, walletCursorText, walletSearchOf, type WalletSearchInput } from '../domain/console-pages.js';
import type { Payout } from '../domain/payout.js';
import { payoutFilterOf, payoutSelectionOf, unmadeFileProblem, type PayoutQuery } from './payout-file.js';
import type { Store } from '../store/store.js';
import type { Invalid } from './merchant-console.js';

/**
 * The operator console's read models (issue 14, "Wallets" and "Merchants"). The buttons call the
 * store's service methods, as the CLI does (docs/operations.md, "Consoles"); these only read.
 */

export interface WalletPage {
  readonly wallets: readonly Wallet[];
  /** The cursor of the next (older) page; null on the last page. */
  readonly next: string | null;
}

/**
 * The wallet search: id (its first digits, or all 12), part of the holder's name (any case),
 * status; newest first. The id filter walks the primary key; the name filter is a scan of the
 * newest-first index that stops once the page is full (docs/operations.md gives its cost).
 */
export async function searchWallets(store: Store, input: WalletSearchInput): Promise<WalletPage | Invalid> {
  const search = walletSearchOf(input);
  if ('problem' in search) return { kind: 'invalid', problem: search.problem };
  const found = await store.searchWallets({ ...search, limit: search.limit + 1 });
  const wallets = found.slice(0, search.limit);
  const last = wallets[wallets.length - 1];
  return { wallets, next: found.length > search.limit && last !== undefined ? walletCursorText(last) : null };
}

/** What the operator sees of one wallet. Amounts in sen; the PIN itself is never read. */
export interface WalletDetail {
  readonly walletId: string;
  readonly name: string;
  readonly status: Wallet['status'];
  readonly balanceSen: number;
  /** balanceSen − heldSen: what it may spend. */
  readonly availableSen: number;
  /** Held for payments awaiting the holder's confirmation. */
  readonly heldSen: number;
  /** The wallet's own limit; null: the platform's (MICROPAY_CONFIRM_LIMIT), shown in effectiveConfirmLimitSen. */
  readonly confirmLimitSen: number | null;
  readonly effectiveConfirmLimitSen: number;
  readonly hasPin: boolean;
  readonly pinFailures: number;
  /** Confirmation locked by wrong PINs until an operator unlocks it (updateWalletSecurity pinFailures 0). */
  readonly pinLocked: boolean;
  /** Payments waiting for the holder's confirmation (PENDING orders). */
  readonly pendingPayments: number;
  readonly createdAtMs: number;
  /** Its offline-code devices, expired and revoked ones too, oldest first. */
  readonly devices: readonly WalletDevice[];
}

/** null: no such wallet. `defaultConfirmLimitSen` is config.confirmLimitSen. */
export async function walletDetail(store: Store, walletId: string, defaultConfirmLimitSen: number): Promise<WalletDetail | null> {
  const wallet = await store.findWallet(walletId);
  if (wallet === null) return null;
  const [pending, devices] = await Promise.all([store.listPendingOrders(walletId), store.walletDevices(walletId)]);
  return {
    walletId: wallet.walletId, name: wallet.name, status: wallet.status,
    balanceSen: wallet.balanceSen, availableSen: availableSen(wallet), heldSen: wallet.heldSen,
    confirmLimitSen: wallet.confirmLimitSen, effectiveConfirmLimitSen: wallet.confirmLimitSen ?? defaultConfirmLimitSen,
    hasPin: wallet.hasPin, pinFailures: wallet.pinFailures, pinLocked: isPinLocked(wallet.pinFailures),
    pendingPayments: pending.length, createdAtMs: wallet.createdAtMs, devices,
  };
}

/** A merchant as the operator's list shows it. Never its keys. */
export interface MerchantRow {
  readonly mchId: string;
  readonly name: string;
  readonly status: Merchant['status'];
  readonly balanceSen: number;
  readonly notifyUrl: string | null;
  readonly createdAtMs: number;
  /** The last key roll, and until when the key before it verifies (null: never rolled). */
  readonly keyRolledAtMs: number | null;
  readonly previousKeyUntilMs: number | null;
  /** When the merchant first used the new key (null: not yet, or never rolled). */
  readonly keyFirstUsedAtMs: number | null;
}

export interface MerchantRowPage {
  readonly merchants: readonly MerchantRow[];
  /** The last mchId of this page, to pass as `cursor` for the next; null on the last page. */
  readonly next: string | null;
}

/** Merchants in id order, a page after `cursor` (a page's `next`), with their balances: `merchant list`'s reads. */
export async function merchantPage(
  store: Store, page: { readonly cursor?: string | undefined; readonly limit?: number | undefined },
): Promise<MerchantRowPage | Invalid> {
  const limit = pageLimitOf(page.limit);
  if (limit === null) return { kind: 'invalid', problem: PAGE_LIMIT_PROBLEM };
  if (page.cursor !== undefined && !/^[0-9]{0,19}$/.test(page.cursor)) return { kind: 'invalid', problem: 'cursor is not one this list gave' };
  const found = await store.listMerchants({ afterMchId: page.cursor, limit: limit + 1 });
  const shown = found.slice(0, limit);
  const balances = await store.merchantBalances(shown.map((m) => m.mchId));
  return { merchants: shown.map((m) => merchantRow(m, balances.get(m.mchId) ?? 0)), next: found.length > limit ? shown[shown.length - 1]!.mchId : null };
}

export function merchantRow(m: Merchant, balanceSen: number): MerchantRow {
  return {
    mchId: m.mchId, name: m.name, status: m.status, balanceSen, notifyUrl: m.notifyUrl, createdAtMs: m.createdAtMs,
    keyRolledAtMs: m.keyRolledAtMs, previousKeyUntilMs: m.previousKey?.untilMs ?? null, keyFirstUsedAtMs: m.keyFirstUsedAtMs,
  };
}

export interface PayoutListInput extends PayoutQuery {
  readonly cursor?: string | undefined;
  readonly limit?: number | undefined;
}

/**
 * Payouts across merchants and closed wallets, newest first: `payout list`'s read and the payout
 * file's selection (services/payout-file.ts), a page after `cursor`.
 */
export async function payoutPage(store: Store, input: PayoutListInput, timeZone: string): Promise<{ payouts: readonly Payout[]; next: string | null } | Invalid> {
  const limit = pageLimitOf(input.limit);
  if (limit === null) return { kind: 'invalid', problem: PAGE_LIMIT_PROBLEM };
  const s = payoutSelectionOf(input, timeZone);
  if ('kind' in s) return s;
  const unmade = await unmadeFileProblem(store, s);
  if (unmade !== null) return unmade;
  const cursor = input.cursor === undefined || input.cursor === '' ? undefined : payoutCursorOf(input.cursor);
  if (cursor === null) return { kind: 'invalid', problem: 'cursor is not one this list gave' };
  const found = await store.listPayouts(payoutFilterOf(s, cursor, limit + 1));
  const payouts = found.slice(0, limit);
  const last = payouts[payouts.length - 1];
  return { payouts, next: found.length > limit && last !== undefined ? payoutCursorText(last) : null };
}
