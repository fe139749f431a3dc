import { MERCHANT_API_PATH, sign, SIGNATURE_FIELD, verify, type Secret, type SignableParams } from '@micropay/protocol';
import {
  ConnectionError,
  MicroPayAbortedError,
  RequestNotSentError,
  RequestTimeoutError,
  ResponseSignatureError,
  UnexpectedResponseError,
} from './errors.js';
import type { Endpoint } from './types.js';

/**
 * One signed POST and the first checks on its answer: a JSON envelope, and `data` (when present)
 * signed with the merchant's key. What the data must say for this request is checked by the
 * caller (answer-rules.ts), which knows the request.
 */
export interface TransportSettings {
  readonly baseUrl: string;
  readonly key: Secret;
  readonly timeoutMs: number;
  readonly headers: Readonly<Record<string, string>>;
  readonly fetch: typeof fetch;
}

export interface RawAnswer {
  readonly httpStatus: number;
  readonly code: number;
  readonly msg: string;
  /** Verified against the merchant key; null when the answer carried no data. */
  readonly data: Record<string, string | number | null> | null;
  /** The parsed envelope as it arrived, for error details. */
  readonly envelope: unknown;
  /** The answer's `X-Error-Id` header: a 500 carries it, and the platform's log line has the same id. */
  readonly errorId: string | undefined;
}

/**
 * A statement of a busy merchant's day is the largest answer (tens of bytes per movement); the
 * bound keeps a broken or hostile endpoint from filling the merchant's memory.
 */
const MAX_ANSWER_BYTES = 64 * 1024 * 1024;

export async function signedPost(
  settings: TransportSettings,
  endpoint: Endpoint,
  params: Readonly<Record<string, string>>,
  signal: AbortSignal | undefined,
): Promise<RawAnswer> {
  if (signal?.aborted) throw new MicroPayAbortedError(null, signal.reason);
  // The timestamp is taken now, not when the request object was built, so a retry by the
  // caller is never refused as stale.
  const body: Record<string, string> = { ...params, timestamp: String(Date.now()) };
  body[SIGNATURE_FIELD] = sign(body, settings.key.expose());
  const url = `${settings.baseUrl}${MERCHANT_API_PATH}${endpoint}`;
  const { httpStatus, text, errorId } = await post(settings, url, endpoint, JSON.stringify(body), signal);

  let envelope: unknown;
  try {
    envelope = JSON.parse(text);
  } catch {
    throw new UnexpectedResponseError(endpoint, httpStatus, `not JSON: ${snippet(text)}`, url);
  }
  if (typeof envelope !== 'object' || envelope === null || Array.isArray(envelope)) {
    throw new UnexpectedResponseError(endpoint, httpStatus, `not a JSON object: ${snippet(text)}`, url);
  }
  const { code, msg, data } = envelope as { code?: unknown; msg?: unknown; data?: unknown };
  if (typeof code !== 'number' || !Number.isInteger(code) || typeof msg !== 'string') {
    throw new UnexpectedResponseError(endpoint, httpStatus, `not a MicroPay envelope: ${snippet(text)}`, url);
  }
  if (data === undefined || data === null) return { httpStatus, code, msg, data: null, envelope, errorId };
  if (!isFlatObject(data)) throw new ResponseSignatureError(endpoint, 'BAD_SIGNATURE', 'data is not a flat object of signed fields', envelope);
  if (!verify(data as SignableParams, settings.key.expose())) {
    throw new ResponseSignatureError(endpoint, 'BAD_SIGNATURE', 'data.secureHash does not match data and the merchant key', envelope);
  }
  return { httpStatus, code, msg, data, envelope, errorId };
}

function isFlatObject(value: unknown): value is Record<string, string | number | null> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  return Object.values(value).every((v) => v === null || typeof v === 'string' || (typeof v === 'number' && Number.isFinite(v)));
}

async function post(
  settings: TransportSettings,
  url: string,
  endpoint: Endpoint,
  body: string,
  signal: AbortSignal | undefined,
): Promise<{ httpStatus: number; text: string; errorId: string | undefined }> {
  // One controller for both the caller's signal and the timeout, so we can tell which fired and
  // clear the timer (AbortSignal.any would keep it alive until it fires).
  const controller = new AbortController();
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    controller.abort();
  }, settings.timeoutMs);
  const onAbort = () => controller.abort();
  signal?.addEventListener('abort', onAbort, { once: true });
  try {
    const res = await settings.fetch(url, {
      method: 'POST',
      headers: { ...settings.headers, 'Content-Type': 'application/json', Accept: 'application/json' },
      body,
      // A redirect would re-post a signed payment elsewhere; the platform never redirects.
      redirect: 'manual',
      signal: controller.signal,
    });
    const text = await readBounded(res, endpoint, url);
    return { httpStatus: res.status, text, errorId: res.headers.get('X-Error-Id') ?? undefined };
  } catch (error) {
    if (error instanceof UnexpectedResponseError) throw error;
    if (signal?.aborted) throw new MicroPayAbortedError(null, signal.reason);
    if (timedOut) throw new RequestTimeoutError(endpoint, `no whole answer within ${settings.timeoutMs} ms`, { cause: error, url });
    const code = fetchErrorCode(error);
    const message = fetchErrorMessage(error);
    // fetch refuses some ports outright (the Fetch standard's "bad ports", such as 9 or 25).
    if (message === 'bad port') throw new RequestNotSentError(endpoint, 'the connection failed: fetch never connects to this port (a "bad port")', { cause: error, url });
    const detail = code === null ? `the connection failed: ${message}` : `the connection failed (${code})`;
    if (code !== null && NEVER_CONNECTED.has(code)) throw new RequestNotSentError(endpoint, detail, { cause: error, url });
    throw new ConnectionError(endpoint, detail, { cause: error, url });
  } finally {
    clearTimeout(timer);
    signal?.removeEventListener('abort', onAbort);
  }
}

async function readBounded(res: Response, endpoint: Endpoint, url: string): Promise<string> {
  if (res.body === null) return '';
  const chunks: Uint8Array[] = [];
  let size = 0;
  for await (const chunk of res.body as AsyncIterable<Uint8Array>) {
    size += chunk.length;
    if (size > MAX_ANSWER_BYTES) throw new UnexpectedResponseError(endpoint, res.status, `the answer is larger than ${MAX_ANSWER_BYTES} bytes`, url);
    chunks.push(chunk);
  }
  return Buffer.concat(chunks).toString('utf8');
}

/**
 * Errors that happen before a connection exists, so no byte of the request was sent: refused,
 * no such host, no route, or a TLS handshake that failed (HTTP is sent only after it). A reset or
 * a timeout after connecting is not here: the request may have arrived.
 */
const NEVER_CONNECTED = new Set([
  'ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'EAI_NODATA', 'EAI_NONAME', 'EHOSTUNREACH', 'ENETUNREACH', 'EHOSTDOWN', 'ENETDOWN',
  'EADDRNOTAVAIL', 'UND_ERR_CONNECT_TIMEOUT', 'CERT_HAS_EXPIRED', 'DEPTH_ZERO_SELF_SIGNED_CERT', 'SELF_SIGNED_CERT_IN_CHAIN',
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE', 'UNABLE_TO_GET_ISSUER_CERT_LOCALLY', 'ERR_TLS_CERT_ALTNAME_INVALID', 'ERR_SSL_WRONG_VERSION_NUMBER',
]);

/** The system's error code behind a failed fetch (undici puts it on the cause), or null. */
function fetchErrorCode(error: unknown): string | null {
  const cause = error instanceof Error ? (error as Error & { cause?: unknown }).cause : undefined;
  const code = typeof cause === 'object' && cause !== null ? (cause as { code?: unknown }).code : undefined;
  return typeof code === 'string' ? code : null;
}

function fetchErrorMessage(error: unknown): string {
  const cause = error instanceof Error ? (error as Error & { cause?: unknown }).cause : undefined;
  const message = cause instanceof Error ? cause.message : error instanceof Error ? error.message : String(error);
  return message.slice(0, 200);
}

function snippet(text: string): string {
  const flat = text.replace(/\s+/g, ' ').trim();
  return flat.length > 120 ? `${flat.slice(0, 120)}…` : flat === '' ? '(empty body)' : flat;
}
