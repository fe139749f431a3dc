import { parse, rejectUnknown, required, ResultCode } from '@micropay/protocol';
import { isBadInput, newWalletAppToken, setWalletConfirmLimit, setWalletPin } from '../services/operator-actions.js';
import { answer } from './answer.js';
import type { Answer, ApiContext, ApiRequest } from './context.js';
import { operatorActing, withOperator, type Operator } from './console-access.js';
import { badInputAnswer, refusedInWords } from './operator-acting.js';
import { refuseMoneyAsNumber } from './page-money.js';
import { detailAnswer, noSuchWallet, oneWallet, walletIdOf } from './page-admin-wallets.js';
import { transactionData } from './wallet-api.js';
import { beforeOf, walletHistoryPage } from './wallet-history.js';

/**
 * The holder's ways in, from the operator console's wallet detail (docs/consoles.md, Wallets):
 * a new PIN, the confirmation limit, a new app token (a lost phone), a one-use sign-in link for the
 * wallet page; and the wallet's history (a read). The same services as `micropay wallet set-pin`,
 * `set-limit`, `token` and `link`. Each hands the operator a way to spend the holder's money (a PIN
 * signs the wallet page in; a token or a link is shown to the operator), so each is the admin's
 * (`wallet accounts`), as creating and closing wallets are, never support's. A PIN is never
 * answered or logged; a token and a link are in their answer only. A closed wallet takes none (9060).
 */

/** A wallet change with one field besides the wallet id: its answer is the detail after it. */
function walletChange(field: string, change: (ctx: ApiContext, walletId: string, value: string, req: ApiRequest, operator: Operator) => Promise<Answer | null>) {
  return withOperator('wallet accounts', async (ctx, req, operator) => {
    const parsed = parse(() => {
      rejectUnknown(req.body, ['walletId', field]);
      refuseMoneyAsNumber(req.body, field === 'confirmLimit' ? [field] : []);
      return { walletId: walletIdOf(req.body), value: required(req.body, field) };
    });
    if (!parsed.ok) return answer(parsed.code, null, parsed.msg);
    const { walletId, value } = parsed.value;
    return refusedInWords(async () => (await change(ctx, walletId, value, req, operator)) ?? detailAnswer(ctx, walletId));
  });
}

/** `{walletId, pin}`: 4 to 6 digits; setting it also unlocks confirmation. */
export const adminSetWalletPin = walletChange('pin', async (ctx, walletId, pin, req, operator) => {
  const set = await setWalletPin(ctx.store, walletId, pin, operatorActing(operator, req));
  return isBadInput(set) ? badInputAnswer(set, 'pin') : set === null ? noSuchWallet(walletId) : null;
});

/** `{walletId, confirmLimit}`: payments above it ask the holder to confirm; "default" is the platform's. */
export const adminSetWalletConfirmLimit = walletChange('confirmLimit', async (ctx, walletId, limit, req, operator) => {
  const set = await setWalletConfirmLimit(ctx.store, walletId, limit, operatorActing(operator, req));
  return isBadInput(set) ? badInputAnswer(set, 'confirmLimit') : set === null ? noSuchWallet(walletId) : null;
});

/** `{walletId}`: a new app token, in this answer only; the old one stops working at once. */
export const adminNewWalletToken = oneWallet('wallet accounts', async (ctx, walletId, acting) => {
  const made = await newWalletAppToken(ctx.store, walletId, acting);
  return made === null ? noSuchWallet(walletId) : detailAnswer(ctx, walletId, { token: made.token });
});

/**
 * `{walletId}`: a one-use sign-in link's token for the wallet page, valid for a while
 * (`expiresAtMs`), in this answer only. The page makes the link (`/wallet#link=TOKEN`) on
 * `publicUrl` (MICROPAY_PUBLIC_URL) when it is set, else on the address the operator reached it at.
 */
export const adminWalletSignInLink = oneWallet('wallet accounts', async (ctx, walletId, acting) => {
  const issued = await ctx.store.issueSignInLink(walletId, acting);
  if (issued === 'NO_WALLET') return noSuchWallet(walletId);
  if (issued === 'WALLET_CLOSED') return answer(ResultCode.ACTION_REFUSED, null, `wallet ${walletId} is closed (closing is final): it takes no sign-in link`);
  return detailAnswer(ctx, walletId, { linkToken: issued.token, expiresAtMs: issued.expiresAtMs, publicUrl: ctx.config.publicUrl });
});

/** Operators' history pages are longer than a phone's. */
export const OPERATOR_HISTORY_PAGE_SIZE = 20;

/**
 * `{walletId, before?}`: the wallet's payments, refunds, top-ups and payouts, newest first, 20 a
 * page, as its holder sees them on the wallet page ("I was charged twice" at the desk). Every role reads.
 */
export const adminWalletHistory = withOperator('reads', async (ctx, req) => {
  const parsed = parse(() => {
    rejectUnknown(req.body, ['walletId', 'before']);
    return { walletId: walletIdOf(req.body), before: beforeOf(req.body) };
  });
  if (!parsed.ok) return answer(parsed.code, null, parsed.msg);
  if ((await ctx.store.findWallet(parsed.value.walletId)) === null) return noSuchWallet(parsed.value.walletId);
  const page = await walletHistoryPage(ctx.store, parsed.value.walletId, OPERATOR_HISTORY_PAGE_SIZE, parsed.value.before);
  // The journal entry's id too: the operator reverses a top-up by it, and quotes it to finance.
  const transactions = page.rows.map((t) => ({ ...transactionData(t, ctx.config.timeZone), entryId: String(t.entryId) }));
  return answer(ResultCode.SUCCESS, { transactions, older: page.older });
});
