import { createHmac, randomBytes } from 'node:crypto';
import { ResultCode } from '@micropay/protocol';
import { addressKey, MAX_BUCKETS } from '../domain/sign-in-limits.js';
import { answer } from './answer.js';
import type { Answer, ApiContext, ApiRequest } from './context.js';
import { OncePerMinute } from '../log.js';

/** How the pace's keys and the log's lines begin for accounts named by what was typed. */
const USER = 'user ';
const OPERATOR = 'operator ';

/**
 * The sign-ins' pace (domain/sign-in-limits.ts), for every page that takes a password or PIN: one
 * attempt taken from the request's address and from the account it names, before anything is
 * read or hashed. Null: go on; else the refusal, 9023 with Retry-After in whole seconds.
 */
export function signInRefusal(ctx: ApiContext, req: ApiRequest, account: string): Answer | null {
  const permit = ctx.signInLimits.take(addressKey(req.clientAddress), account, ctx.clock.nowMs());
  if (permit.ok) return null;
  const seconds = Math.max(1, Math.ceil(permit.retryAfterMs / 1000));
  const limited = { ...answer(ResultCode.SIGN_IN_RATE_LIMITED, null, `try again in ${seconds} s`), headers: { 'Retry-After': String(seconds) } };
  // A flood over the pace is what the limit absorbs: one line a minute says it, with how many more,
  // per address when the address's pace refused (a guesser walking through names), else per account.
  const key = permit.by === 'address' ? `address ${addressKey(req.clientAddress)}` : account;
  const told = QUIETED.tell(`rate-limited ${key}`, ctx.clock.nowMs());
  return told === null ? limited : signInRefused(ctx, req, account, 'rate-limited', limited, { alsoRefused: told });
}

export type SignInOutcome = 'wrong' | 'locked' | 'disabled' | 'rate-limited' | 'invalid-link';

/**
 * A refused sign-in, or a signed-in user's password asked again and not right, in the operator's
 * log, for alerting on someone guessing: the account, the address and why (never what was typed).
 * A wrong try, a spent or unknown link, or a disabled user is `info`; a locked account or tries over
 * the pace are `warn`. Answers `refusal` unchanged.
 */
export function signInRefused(
  ctx: ApiContext, req: ApiRequest, account: string, outcome: SignInOutcome, refusal: Answer, extra: Record<string, number> = {},
): Answer {
  // Refused after its account was read: the name names one (an unknown name goes through unknownNameRefused).
  if (outcome !== 'rate-limited' && outcome !== 'invalid-link') NAMES_SEEN.add(account);
  return logRefusal(ctx, req, account, outcome, refusal, extra);
}

/** A wrong try whose name names no account: answered as any wrong try, logged without the name typed. */
export function unknownNameRefused(ctx: ApiContext, req: ApiRequest, account: string, outcome: 'wrong', refusal: Answer): Answer {
  return logRefusal(ctx, req, account, outcome, refusal, {});
}

function logRefusal(ctx: ApiContext, req: ApiRequest, account: string, outcome: SignInOutcome, refusal: Answer, extra: Record<string, number>): Answer {
  const entry = { reqId: req.requestId, account: NAMES_SEEN.logged(account), address: req.clientAddress ?? null, outcome, code: refusal.envelope.code, ...extra };
  if (outcome === 'locked' || outcome === 'rate-limited') ctx.logger.warn(entry, 'sign-in refused');
  else ctx.logger.info(entry, 'sign-in refused');
  return refusal;
}

/**
 * A name typed at a sign-in reaches the log only once this process has seen it name an account: a
 * password typed in the name field (a generated one passes the name rule) must never be logged.
 * Until then a line gives it as `#` and a digest keyed afresh by each process, so lines about one
 * name still count together and nothing typed can be read back. Wallets are named by their ids.
 */
class NamesSeen {
  readonly #seen = new Set<string>();
  readonly #key = randomBytes(32);

  add(account: string): void {
    if (typedName(account) === 0) return;
    // The longest unseen is forgotten first: a name seen again goes to the back.
    this.#seen.delete(account);
    this.#seen.add(account);
    if (this.#seen.size > MAX_BUCKETS) this.#seen.delete(this.#seen.values().next().value!);
  }

  logged(account: string): string {
    const named = typedName(account);
    if (named === 0 || this.#seen.has(account)) return account;
    return `${account.slice(0, named)}#${createHmac('sha256', this.#key).update(account).digest('hex').slice(0, 12)}`;
  }
}

/** Where the typed name begins in an account's words; 0 for a wallet or a link (never typed text). */
function typedName(account: string): number {
  if (account.startsWith(USER)) return account.indexOf(' ', USER.length) + 1;
  return account.startsWith(OPERATOR) ? OPERATOR.length : 0;
}

const NAMES_SEEN = new NamesSeen();

/** Per process: the refusals that come in floods (over the pace; sign-in links, which have no pace), bounded as the buckets are. */
const QUIETED = new OncePerMinute(MAX_BUCKETS);

/** A spent, unknown or malformed sign-in link, logged once a minute per address: links have no pace of their own to absorb a flood. */
export function signInLinkRefused(ctx: ApiContext, req: ApiRequest, refusal: Answer): Answer {
  const told = QUIETED.tell(`invalid-link ${addressKey(req.clientAddress)}`, ctx.clock.nowMs());
  return told === null ? refusal : signInRefused(ctx, req, 'wallet link', 'invalid-link', refusal, { alsoRefused: told });
}

/** The accounts as the buckets name them: a merchant's user (till and console alike), an operator, a wallet. */
export const merchantUserAccount = (mchId: string, name: string): string => `${USER}${mchId} ${name}`;
export const operatorAccount = (name: string): string => `${OPERATOR}${name}`;
export const walletAccount = (walletId: string): string => `wallet ${walletId}`;
