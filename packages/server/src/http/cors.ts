/**
 * CORS for the wallet API only, so a browser wallet app served from another origin can call
 * `/api/wallet/*` with its bearer token. Off unless the operator lists origins
 * (MICROPAY_WALLET_CORS_ORIGINS). The merchant API never answers CORS: its key signs requests and
 * must not live in a browser, so no page may call it.
 */
export const WALLET_API_PREFIX = '/api/wallet/';

export interface Cors {
  /** The request's Origin is on the allow-list and the path is the wallet API's. */
  readonly allowed: boolean;
  /** Headers every answer to this request carries (none outside the wallet API or with CORS off). */
  readonly headers: Readonly<Record<string, string>>;
}

const NONE: Cors = { allowed: false, headers: {} };

/** What the preflight answer adds: the wallet API takes a JSON POST with a bearer token. */
export const PREFLIGHT_HEADERS: Readonly<Record<string, string>> = {
  'Access-Control-Allow-Methods': 'POST',
  'Access-Control-Allow-Headers': 'Authorization, Content-Type',
  'Access-Control-Max-Age': '600',
};

export function corsFor(allowedOrigins: readonly string[], path: string, origin: string | undefined): Cors {
  if (allowedOrigins.length === 0 || !path.startsWith(WALLET_API_PREFIX)) return NONE;
  // The answer depends on Origin, so a cache must not give one origin's answer to another.
  if (origin === undefined || !allowedOrigins.includes(origin)) return { allowed: false, headers: { Vary: 'Origin' } };
  return { allowed: true, headers: { 'Access-Control-Allow-Origin': origin, Vary: 'Origin' } };
}
