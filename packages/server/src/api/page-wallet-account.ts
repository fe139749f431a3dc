import { formatZonedTime, parse, rejectUnknown, ResultCode } from '@micropay/protocol';
import { walletHolderActing } from '../domain/audit-log.js';
import type { PageSession } from '../domain/page-access.js';
import { answer } from './answer.js';
import type { Answer, ApiContext, Handler } from './context.js';
import { withPageSession } from './page-session.js';
import { balanceData, transactionData } from './wallet-api.js';
import { beforeOf, walletHistoryPage } from './wallet-history.js';

/**
 * The wallet page's account part (docs/pages.md): balances, the history a page at a time, and
 * freezing one's own wallet. As for every wallet page call, the wallet is the session's: no call
 * names one. Unfreezing is the operator's (`micropay wallet unfreeze`), never the page's.
 */
export const HISTORY_PAGE_SIZE = 10;

function walletOf(session: PageSession): string {
  if (session.subject.kind !== 'wallet') throw new Error('a wallet page session has a wallet');
  return session.subject.walletId;
}

async function balanceAnswer(ctx: ApiContext, walletId: string): Promise<Answer> {
  const wallet = await ctx.store.findWallet(walletId);
  // Gone or closed since the session was checked: a closed wallet's sessions end with the close.
  if (wallet === null || wallet.status === 'closed') return answer(ResultCode.SESSION_REQUIRED);
  return answer(ResultCode.SUCCESS, balanceData(wallet));
}

/** Available and held balance, and the wallet's status. */
export const walletBalance: Handler = withPageSession('wallet', 'reads', async (ctx, req, session) => {
  const fields = parse(() => rejectUnknown(req.body, []));
  if (!fields.ok) return answer(fields.code, null, fields.msg);
  return balanceAnswer(ctx, walletOf(session));
});

/**
 * The wallet's payments, refunds and top-ups, newest first, HISTORY_PAGE_SIZE at a time. `older` is
 * the key of the next page (posted back as `before`), null on the last one. Keyset paging: a
 * payment arriving meanwhile shifts nothing, so every movement is shown once.
 */
export const walletHistory: Handler = withPageSession('wallet', 'reads', async (ctx, req, session) => {
  const parsed = parse(() => {
    rejectUnknown(req.body, ['before']);
    return beforeOf(req.body);
  });
  if (!parsed.ok) return answer(parsed.code, null, parsed.msg);
  const page = await walletHistoryPage(ctx.store, walletOf(session), HISTORY_PAGE_SIZE, parsed.value);
  const tz = ctx.config.timeZone;
  return answer(ResultCode.SUCCESS, {
    transactions: page.rows.map((t) => ({ ...transactionData(t, tz), zonedTime: formatZonedTime(t.createdAtMs, tz) })),
    older: page.older,
    timeZone: tz,
  });
});

/**
 * "I lost my phone": the holder freezes their own wallet, by the same rule as `micropay wallet
 * freeze` (services/wallets.ts). A frozen wallet's payments fail (9001) and it gets no codes. It
 * revokes the wallet's offline devices, so it is in the audit log as the holder's, like a sign-out.
 */
export const walletFreeze: Handler = withPageSession('wallet', 'changes', async (ctx, req, session) => {
  const fields = parse(() => rejectUnknown(req.body, []));
  if (!fields.ok) return answer(fields.code, null, fields.msg);
  const walletId = walletOf(session);
  await ctx.store.setWalletStatus(walletId, 'frozen', walletHolderActing(walletId, 'wallet page', req.clientAddress ?? null));
  return balanceAnswer(ctx, walletId);
});
