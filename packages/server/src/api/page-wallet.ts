import { walletHolderActing } from '../domain/audit-log.js';
import { fail, formatSen, parse, rejectUnknown, required, ResultCode, WALLET_ID } from '@micropay/protocol';
import { PIN_RULE, pinMatches } from '../domain/credentials.js';
import { UNKNOWN_ACCOUNT_HASH, type PageSession } from '../domain/page-access.js';
import { answer } from './answer.js';
import type { ApiContext, Handler } from './context.js';
import { endEarlierSession, sessionProbe, signedIn, signOut, withPageSession } from './page-session.js';
import { payCodeAnswer } from './wallet-api.js';
import { tryWalletPin } from './wallet-pin.js';
import { devicesAnswer, enrolAnswer, renewAnswer, selfSignOutAnswer, signOutAnswer } from './wallet-devices.js';
import { signInLinkRefused, signInRefusal, signInRefused, walletAccount } from './sign-in-limits.js';

/**
 * The wallet page's API (docs/pages.md). The wallet is always the session's: no call names a
 * wallet, so a session can never read or act for another one.
 */
const LINK_TOKEN = /^[A-Za-z0-9_-]{43}$/;

export function walletOf(session: PageSession): string {
  if (session.subject.kind !== 'wallet') throw new Error('a wallet page session has a wallet');
  return session.subject.walletId;
}

/** What the page shows of the signed-in wallet. */
async function describeWallet(ctx: ApiContext, walletId: string): Promise<Record<string, unknown>> {
  const wallet = await ctx.store.findWallet(walletId);
  const timeZone = ctx.config.timeZone;
  if (wallet === null) return { walletId, timeZone };
  // hasPin: the confirm screen asks for a PIN only when the wallet has one. timeZone: the page shows every time in it.
  return { walletId, name: wallet.name, status: wallet.status, available: formatSen(wallet.balanceSen - wallet.heldSen), hasPin: wallet.hasPin, timeZone };
}

export const walletSession: Handler = sessionProbe('wallet', (ctx, session) => describeWallet(ctx, walletOf(session)));
export const walletSignOut: Handler = signOut('wallet');

/** The one-time link `micropay wallet link` printed: its token, posted once by the page. */
export const walletSignInWithLink: Handler = async (ctx, req) => {
  const parsed = parse(() => {
    rejectUnknown(req.body, ['token']);
    const token = required(req.body, 'token');
    // A token of the wrong shape was never issued: the same answer as a used one, no lookup.
    return LINK_TOKEN.test(token) ? token : null;
  });
  if (!parsed.ok) return answer(parsed.code, null, parsed.msg);
  const taken = parsed.value === null ? 'INVALID' : await ctx.store.signInWithLink(parsed.value);
  // The link's token is a secret: the log names no account, only that a link was refused.
  if (taken === 'INVALID') return signInLinkRefused(ctx, req, answer(ResultCode.SIGN_IN_LINK_INVALID));
  await endEarlierSession(ctx, 'wallet', req);
  return signedIn('wallet', taken.sessionId, req, await describeWallet(ctx, taken.walletId));
};

/**
 * walletId + PIN. Each wrong PIN of a wallet counts against the same lock as confirmations do
 * (wallet-pin.ts). An unknown, closed or PIN-less wallet is answered as a wrong PIN, after the same
 * slow comparison, without counting anything.
 */
export const walletSignInWithPin: Handler = async (ctx, req) => {
  const parsed = parse(() => {
    rejectUnknown(req.body, ['walletId', 'pin']);
    const walletId = required(req.body, 'walletId');
    if (!WALLET_ID.test(walletId)) fail('walletId', 'must be the 12-digit wallet id');
    const pin = required(req.body, 'pin');
    if (!PIN_RULE.test(pin)) fail('pin', 'must be 4 to 6 digits');
    return { walletId, pin };
  });
  if (!parsed.ok) return answer(parsed.code, null, parsed.msg);
  const { walletId, pin } = parsed.value;
  const limited = signInRefusal(ctx, req, walletAccount(walletId));
  if (limited !== null) return limited;
  const wallet = await ctx.store.findWallet(walletId);
  const stored = wallet === null || wallet.status === 'closed' ? null : await ctx.store.walletPinHash(walletId);
  if (stored === null) {
    await pinMatches(pin, UNKNOWN_ACCOUNT_HASH);
    return signInRefused(ctx, req, walletAccount(walletId), 'wrong', answer(ResultCode.SIGN_IN_FAILED));
  }
  const check = await tryWalletPin(ctx, walletId, pin, walletHolderActing(walletId, 'wallet page', req.clientAddress ?? null));
  if (check.kind === 'locked') return signInRefused(ctx, req, walletAccount(walletId), 'locked', answer(ResultCode.SIGN_IN_LOCKED));
  if (check.kind === 'wrong') return signInRefused(ctx, req, walletAccount(walletId), 'wrong', answer(ResultCode.SIGN_IN_FAILED));
  await endEarlierSession(ctx, 'wallet', req);
  const sessionId = await ctx.store.openPageSession({ kind: 'wallet', walletId });
  return signedIn('wallet', sessionId, req, await describeWallet(ctx, walletId));
};

/** A fresh payment code for the session's wallet (the earlier one retires), as the wallet API issues one. */
export const walletPayCode: Handler = withPageSession('wallet', 'changes', async (ctx, req, session) => {
  const fields = parse(() => rejectUnknown(req.body, []));
  if (!fields.ok) return answer(fields.code, null, fields.msg);
  return payCodeAnswer(ctx, walletOf(session));
});

/** Enrols this browser for offline codes (docs/offline-codes.md): the page keeps the tag and secret. */
export const walletOfflineDevice: Handler = withPageSession('wallet', 'changes', (ctx, req, session) =>
  enrolAnswer(ctx, req, walletOf(session), 'wallet page', session.sessionHash));

/**
 * This browser's device signs itself out with its sign-out proof, with or without a session: the
 * page's Sign out after its session ended, or one made offline and sent once the network is back.
 * No CSRF token: the proof, which only the device can make, is what authorises it.
 */
export const walletOfflineDeviceSelfSignOut: Handler = (ctx, req) => selfSignOutAnswer(ctx, req, 'wallet page');

/** Extends this browser's enrolment (the page does it whenever it starts signed in and online). */
export const walletOfflineDeviceRenew: Handler = withPageSession('wallet', 'changes', (ctx, req, session) =>
  renewAnswer(ctx, req, walletOf(session), session.sessionHash));

/** The wallet's devices that can make offline codes, for the holder to sign any of them out. */
export const walletOfflineDevices: Handler = withPageSession('wallet', 'reads', async (ctx, req, session) => {
  const fields = parse(() => rejectUnknown(req.body, []));
  if (!fields.ok) return answer(fields.code, null, fields.msg);
  return devicesAnswer(ctx, walletOf(session), false);
});

/** Signs out a device the holder picks in the page's list, and the wallet page it was enrolled in (this browser's own ends by its proof, above). */
export const walletOfflineDeviceSignOut: Handler = withPageSession('wallet', 'changes', (ctx, req, session) => signOutAnswer(ctx, req, walletOf(session), 'wallet page'));
