import { ResultCode } from '@micropay/protocol/errors';
import { MAX_PIN_FAILURES } from '@micropay/protocol/credentials';
import { signInAt, type SignInResult } from '../shared/session.js';

/**
 * Wallet sign-in (docs/pages.md): the one-time link `micropay wallet link` printed, or walletId +
 * PIN. The link's token rides in the URL fragment, which a browser never sends to a server nor in a
 * Referer; the page posts it once and takes it out of the address bar and history at once.
 */
export interface SignedInWallet {
  readonly walletId: string;
  readonly name?: string;
  readonly available?: string;
  /** False: the wallet has no PIN, and a payment waiting for confirmation needs none. */
  readonly hasPin?: boolean;
  /** The platform's time zone: every time on the page is shown in it. */
  readonly timeZone?: string;
}

/** The link's token from the address, removed from it (and from this history entry) before anything else. */
export function takeLinkToken(): string | null {
  const match = /^#link=([A-Za-z0-9_-]+)$/.exec(location.hash);
  if (location.hash !== '') history.replaceState(null, '', location.pathname + location.search);
  return match === null ? null : match[1]!;
}

const MESSAGES: Readonly<Record<number, string>> = {
  // Tries left are not said: an unknown wallet is answered alike, so that no one learns which wallet ids exist.
  [ResultCode.SIGN_IN_FAILED]: `The wallet id and PIN do not match. After ${MAX_PIN_FAILURES} wrong PINs in a row the wallet locks until the operator unlocks it.`,
  [ResultCode.SIGN_IN_LOCKED]: 'Too many wrong PINs: this wallet is locked. Ask the operator to unlock it.',
  [ResultCode.SIGN_IN_LINK_INVALID]: 'This sign-in link was used already or has expired. Ask for a new one, or sign in with your wallet id and PIN.',
};

export function signInWithLink(token: string): Promise<SignInResult<SignedInWallet>> {
  return signInAt('wallet/sign-in-link', { token }, MESSAGES);
}

/** A field missing or malformed is said as what to type, not in the API's words ("param error: …"). */
const PIN_MESSAGES: Readonly<Record<number, string>> = {
  ...MESSAGES,
  [ResultCode.PARAM_ERROR]: 'Enter your wallet id (12 digits, starting 60) and your PIN (4 to 6 digits).',
};

export function signInWithPin(walletId: string, pin: string): Promise<SignInResult<SignedInWallet>> {
  return signInAt('wallet/sign-in', { walletId, pin }, PIN_MESSAGES);
}
