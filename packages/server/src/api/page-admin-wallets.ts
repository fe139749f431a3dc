import type { OperatorChange } from '@micropay/protocol/operator-roles';
import { DEVICE_ID_SHAPE, fail, formatSen, parse, rejectUnknown, required, ResultCode, text } from '@micropay/protocol';
import type { ActingAs } from '../domain/audit-log.js';
import { availableSen, type Wallet } from '../domain/model.js';
import { createHolderWallet, freezeWallet, isBadInput, reverseWalletTopUp, topUpWallet, unlockWalletPin } from '../services/operator-actions.js';
import { searchWallets, walletDetail, type WalletDetail } from '../services/operator-console.js';
import { optionalBankAccount } from '../services/payouts.js';
import { answer } from './answer.js';
import { deviceListing } from './wallet-devices.js';
import type { Answer, ApiContext } from './context.js';
import { operatorActing, withOperator } from './console-access.js';
import { badInputAnswer, optionalText, pageOf, refusedInWords } from './operator-acting.js';
import { refuseMoneyAsNumber } from './page-money.js';

/**
 * The operator console's Wallets section (docs/consoles.md): search, one wallet's detail, and the
 * actions: create (its app token in this answer only), top up (and reverse one), freeze and unfreeze, unlock the
 * PIN, close (which pays out what it holds). Amounts are decimal strings; the PIN is never read.
 */
function searchRow(w: Wallet): Record<string, unknown> {
  return { walletId: w.walletId, name: w.name, status: w.status, balance: formatSen(w.balanceSen), available: formatSen(availableSen(w)), createdAtMs: w.createdAtMs };
}

export function walletDetailWire(d: WalletDetail, nowMs: number, timeZone: string): Record<string, unknown> {
  const { balanceSen, availableSen: available, heldSen, confirmLimitSen, effectiveConfirmLimitSen, devices, ...rest } = d;
  return {
    ...rest, balance: formatSen(balanceSen), available: formatSen(available), held: formatSen(heldSen),
    confirmLimit: confirmLimitSen === null ? null : formatSen(confirmLimitSen), effectiveConfirmLimit: formatSen(effectiveConfirmLimitSen),
    devices: devices.map((device) => deviceListing(device, nowMs, timeZone)),
  };
}

export function walletIdOf(body: Record<string, unknown>): string {
  const walletId = required(body, 'walletId');
  if (!/^[0-9]{12}$/.test(walletId)) fail('walletId', 'must be the 12 digits of a wallet id');
  return walletId;
}

export const noSuchWallet = (walletId: string) => answer(ResultCode.USER_NOT_FOUND, null, `no wallet ${walletId}`);

/** The wallet's detail as it is now, after an action: what the page shows. */
export async function detailAnswer(ctx: ApiContext, walletId: string, extra: Record<string, unknown> = {}): Promise<Answer> {
  const detail = await walletDetail(ctx.store, walletId, ctx.config.confirmLimitSen);
  return detail === null ? noSuchWallet(walletId) : answer(ResultCode.SUCCESS, { wallet: walletDetailWire(detail, ctx.clock.nowMs(), ctx.config.timeZone), ...extra });
}

export const adminWalletSearch = withOperator('reads', async (ctx, req) => {
  const parsed = parse(() => {
    rejectUnknown(req.body, ['walletId', 'name', 'status', 'cursor', 'limit']);
    return { walletId: optionalText(req.body, 'walletId'), name: optionalText(req.body, 'name'), status: optionalText(req.body, 'status'), ...pageOf(req.body) };
  });
  if (!parsed.ok) return answer(parsed.code, null, parsed.msg);
  const page = await searchWallets(ctx.store, parsed.value);
  if ('kind' in page) return answer(ResultCode.PARAM_ERROR, null, page.problem);
  return answer(ResultCode.SUCCESS, { wallets: page.wallets.map(searchRow), next: page.next });
});

/**
 * Calls whose body is `{walletId}` alone: the detail (`reads`, no `act`), and the one-button
 * actions, each the kind of change it is, answered with the detail after.
 */
export function oneWallet(access: 'reads' | OperatorChange, act?: (ctx: ApiContext, walletId: string, acting: ActingAs) => Promise<Answer | null>) {
  return withOperator(access, async (ctx, req, operator) => {
    const parsed = parse(() => {
      rejectUnknown(req.body, ['walletId']);
      return walletIdOf(req.body);
    });
    if (!parsed.ok) return answer(parsed.code, null, parsed.msg);
    const walletId = parsed.value;
    if (act === undefined) return detailAnswer(ctx, walletId);
    return refusedInWords(async () => (await act(ctx, walletId, operatorActing(operator, req))) ?? detailAnswer(ctx, walletId));
  });
}

export const adminWalletDetail = oneWallet('reads');

export const adminFreezeWallet = oneWallet('wallet care', async (ctx, walletId, acting) => frozen(await freezeWallet(ctx.store, walletId, true, acting), walletId));
export const adminUnfreezeWallet = oneWallet('wallet care', async (ctx, walletId, acting) => frozen(await freezeWallet(ctx.store, walletId, false, acting), walletId));

function frozen(result: Awaited<ReturnType<typeof freezeWallet>>, walletId: string): Answer | null {
  if (result === null) return noSuchWallet(walletId);
  return result.kind === 'refused' ? answer(ResultCode.ACTION_REFUSED, null, result.problem) : null;
}

/**
 * `{walletId, deviceId?}`: revokes one offline-code device of the wallet, or every one (no
 * deviceId), at once on every server, with the wallet pages they were enrolled in; the holder's
 * app enrols again, and the page when the holder asks for offline codes again.
 */
export const adminRevokeWalletDevices = withOperator('wallet care', async (ctx, req, operator) => {
  const parsed = parse(() => {
    rejectUnknown(req.body, ['walletId', 'deviceId']);
    // Absent: every device. A null or empty one is a mistake, not "all".
    const deviceId = 'deviceId' in req.body ? required(req.body, 'deviceId') : undefined;
    if (deviceId !== undefined && !DEVICE_ID_SHAPE.test(deviceId)) fail('deviceId', 'must be the 8-digit id of one of the wallet\'s devices');
    return { walletId: walletIdOf(req.body), deviceIndex: deviceId === undefined ? null : Number(deviceId) };
  });
  if (!parsed.ok) return answer(parsed.code, null, parsed.msg);
  const { walletId, deviceIndex } = parsed.value;
  const revoked = await ctx.store.revokeOfflineDevices(walletId, deviceIndex, operatorActing(operator, req));
  if (revoked === 'NO_DEVICE') return answer(ResultCode.NO_RECORD, null, 'no such device for this wallet');
  return revoked === null ? noSuchWallet(walletId) : detailAnswer(ctx, walletId);
});

/** Confirmation works again after wrong PINs locked it. */
export const adminUnlockWalletPin = oneWallet('wallet care', async (ctx, walletId, acting) => ((await unlockWalletPin(ctx.store, walletId, acting)) === null ? noSuchWallet(walletId) : null));

/**
 * `{walletId, holderName?, bankName?, accountNumber?}`: closes the wallet for good and pays out
 * what it holds (the payout waits, REQUESTED, in Payouts), to the holder's bank account when the
 * three are given. Refused in words (9060) while payments await the holder's confirmation or
 * refunds to it are in process.
 */
export const adminCloseWallet = withOperator('wallet accounts', async (ctx, req, operator) => {
  const parsed = parse(() => {
    rejectUnknown(req.body, ['walletId', 'holderName', 'bankName', 'accountNumber']);
    const typed = { holderName: text(req.body, 'holderName') ?? undefined, bankName: text(req.body, 'bankName') ?? undefined, accountNumber: text(req.body, 'accountNumber') ?? undefined };
    return { walletId: walletIdOf(req.body), to: optionalBankAccount(typed) };
  });
  if (!parsed.ok) return answer(parsed.code, null, parsed.msg);
  const { walletId, to } = parsed.value;
  if (to !== null && 'kind' in to) return answer(ResultCode.PARAM_ERROR, null, `${to.field} ${to.problem}`);
  return refusedInWords(async () => {
    const closing = await ctx.store.closeWallet(walletId, operatorActing(operator, req), to);
    if (closing === null) return noSuchWallet(walletId);
    const payout = closing.payout === null ? null : { payoutId: closing.payout.payoutId, amount: formatSen(closing.payout.amountSen) };
    return detailAnswer(ctx, walletId, { payout });
  });
});

/**
 * `{walletId, amount, requestId?}`: money from the platform float into the wallet. The console sends
 * a request id of its own per attempt: sent again after a lost answer, it tops up once (`repeat`).
 */
export const adminTopUpWallet = withOperator('money', async (ctx, req, operator) => {
  const parsed = parse(() => {
    rejectUnknown(req.body, ['walletId', 'amount', 'requestId']);
    refuseMoneyAsNumber(req.body, ['amount']);
    return { walletId: walletIdOf(req.body), amount: required(req.body, 'amount'), requestId: text(req.body, 'requestId') };
  });
  if (!parsed.ok) return answer(parsed.code, null, parsed.msg);
  const { walletId, amount, requestId } = parsed.value;
  return refusedInWords(async () => {
    const topped = await topUpWallet(ctx.store, walletId, amount, operatorActing(operator, req), requestId);
    if (isBadInput(topped)) return badInputAnswer(topped, topped.field === 'request-id' ? 'requestId' : 'amount');
    if (topped === null) return noSuchWallet(walletId);
    if (topped.kind === 'requestIdReused') {
      return answer(ResultCode.TOP_UP_REQUEST_ID_REUSED, null, `request id ${requestId} topped this wallet up by ${formatSen(topped.earlierSen)}; nothing was topped up`);
    }
    return detailAnswer(ctx, walletId, { repeat: topped.kind === 'repeat' });
  });
});

/**
 * `{walletId, entryId, reason}`: takes a top-up made by mistake back whole, from the wallet to the
 * float (domain/top-up-reversal.ts); the entry id is the history's. Refused in words (9060) when
 * it is no top-up of the wallet, was reversed already, or the wallet no longer has the money.
 */
export const adminReverseTopUp = withOperator('money', async (ctx, req, operator) => {
  const parsed = parse(() => {
    rejectUnknown(req.body, ['walletId', 'entryId', 'reason']);
    return { walletId: walletIdOf(req.body), entryId: required(req.body, 'entryId'), reason: required(req.body, 'reason') };
  });
  if (!parsed.ok) return answer(parsed.code, null, parsed.msg);
  const { walletId, entryId, reason } = parsed.value;
  return refusedInWords(async () => {
    const reversed = await reverseWalletTopUp(ctx.store, walletId, entryId, reason, operatorActing(operator, req));
    if (isBadInput(reversed)) return badInputAnswer(reversed, reversed.field);
    return reversed === null ? noSuchWallet(walletId) : detailAnswer(ctx, walletId);
  });
});

/** `{name, openingBalance?, pin?, confirmLimit?}`: a new wallet; its app token is in this answer only. */
export const adminCreateWallet = withOperator('wallet accounts', async (ctx, req, operator) => {
  const parsed = parse(() => {
    rejectUnknown(req.body, ['name', 'openingBalance', 'pin', 'confirmLimit']);
    refuseMoneyAsNumber(req.body, ['openingBalance', 'confirmLimit']);
    const name = required(req.body, 'name');
    const field = (f: string) => (optionalText(req.body, f) || undefined);
    return { name, openingBalance: field('openingBalance'), pin: field('pin'), confirmLimit: field('confirmLimit') };
  });
  if (!parsed.ok) return answer(parsed.code, null, parsed.msg);
  return refusedInWords(async () => {
    const created = await createHolderWallet(ctx.store, parsed.value, operatorActing(operator, req));
    if (isBadInput(created)) return badInputAnswer(created, ({ balance: 'openingBalance', 'confirm-limit': 'confirmLimit' } as Record<string, string>)[created.field] ?? created.field);
    return detailAnswer(ctx, created.wallet.walletId, { token: created.token });
  });
});
