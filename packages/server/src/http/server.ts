import { createServer, STATUS_CODES, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import { isUtf8 } from 'node:buffer';
import { randomUUID } from 'node:crypto';
import { MERCHANT_API_PATH, ResultCode } from '@micropay/protocol';
import { answer } from '../api/answer.js';
import type { Answer, ApiContext, ApiRequest } from '../api/context.js';
import { describeError } from '../log.js';
import { corsFor, PREFLIGHT_HEADERS } from './cors.js';
import { NO_OPS, type OpsEndpoints } from './ops.js';
import { parseBody } from './json-body.js';
import { ownApiFetch } from './own-api.js';
import { loadPages, mayBePage, sendPageFile, wantsPage, type Pages } from './pages.js';
import { requestIdOf } from './request-id.js';
import { hostProblem, requestPath } from './request-target.js';
import { ROUTES } from './routes.js';

/** The deadlines of the HTTP edge (docs/api.md, "Transport"). Tests pass shorter ones. */
export interface HttpDeadlines {
  /** The whole request, headers and body, must arrive within this of its first byte. */
  readonly requestTimeoutMs: number;
  /** How often the deadline is checked: a late request is cut at most this much after it. */
  readonly checkIntervalMs: number;
}

export const HTTP_DEADLINES: HttpDeadlines = { requestTimeoutMs: 30_000, checkIntervalMs: 1_000 };
/** Idle keep-alive connections are closed after this. */
export const KEEP_ALIVE_TIMEOUT_MS = 65_000;

// Connections whose request missed the deadline: their handler is not "aborted by the client".
const timedOut = new WeakSet<Duplex>();

/**
 * Plain node:http: a handful of POST endpoints need no framework, and the payment path stays
 * short. Malformed HTTP gets a 4xx with the envelope; a fault of ours gets code 500 with no detail.
 * The web pages (GET, from memory: http/pages.ts) are looked up only when no endpoint matches.
 * `ops`: the operator's endpoints served on this port (none with --admin-port) and the metrics'
 * request meter (http/ops.ts).
 */
export function createHttpServer(ctx: ApiContext, deadlines: HttpDeadlines = HTTP_DEADLINES, ops: OpsEndpoints = NO_OPS): Server {
  const pages = loadPages();
  const ownFetch = ownApiFetch(ctx, ops);
  const server = createServer(
    {
      // Node answers a missing Host with a bare 400; `handle` answers it with the envelope.
      requireHostHeader: false,
      // Node checks deadlines every 30 s by default, which let a trickled body run on well past them.
      connectionsCheckingInterval: deadlines.checkIntervalMs,
      requestTimeout: deadlines.requestTimeoutMs,
      // The headers are part of the request: one deadline for both.
      headersTimeout: deadlines.requestTimeoutMs,
    },
    (req, res) => void handle(ctx, pages, ops, ownFetch, req, res),
  );
  server.keepAliveTimeout = KEEP_ALIVE_TIMEOUT_MS;
  // HTTP that Node's parser refuses never reaches `handle`: it still gets the envelope.
  server.on('clientError', (error: NodeJS.ErrnoException, socket: Duplex) => {
    if (error.code === 'ERR_HTTP_REQUEST_TIMEOUT') timedOut.add(socket);
    const a = clientErrorAnswer(error.code);
    if (a === null || !socket.writable) return void socket.destroy();
    writeRaw(socket, a);
  });
  // CONNECT asks for a tunnel, which Node hands to this event only: without it the connection
  // would be dropped without a byte.
  server.on('connect', (_req: IncomingMessage, socket: Duplex) => {
    writeRaw(socket, answer(ResultCode.METHOD_NOT_ALLOWED), { Allow: 'POST' });
  });
  return server;
}

/**
 * An answer written straight to the socket (no request object exists), then the connection closes.
 * It carries a request id too, as every answer does: a new one, since none was read.
 */
function writeRaw(socket: Duplex, a: Answer, headers: Record<string, string> = {}): void {
  const payload = JSON.stringify(a.envelope);
  const reason = STATUS_CODES[a.httpStatus] ?? 'Error';
  const extra = Object.entries(headers).map(([name, value]) => `${name}: ${value}\r\n`).join('');
  socket.end(
    `HTTP/1.1 ${a.httpStatus} ${reason}\r\nContent-Type: application/json; charset=utf-8\r\nX-Request-Id: ${randomUUID()}\r\n${extra}`
      + `Content-Length: ${Buffer.byteLength(payload)}\r\nConnection: close\r\n\r\n${payload}`,
  );
}

/** The answer to a request Node's HTTP parser refused; null when the peer is already gone. */
function clientErrorAnswer(code: string | undefined): Answer | null {
  if (code === 'ECONNRESET' || code === 'EPIPE') return null;
  if (code === 'HPE_HEADER_OVERFLOW') return answer(ResultCode.HEADERS_TOO_LARGE);
  if (code === 'ERR_HTTP_REQUEST_TIMEOUT') return answer(ResultCode.REQUEST_TIMEOUT);
  return answer(ResultCode.BAD_HTTP_REQUEST);
}

async function handle(
  ctx: ApiContext,
  pages: Pages,
  ops: OpsEndpoints,
  ownFetch: typeof fetch,
  req: IncomingMessage,
  res: ServerResponse,
): Promise<void> {
  const startedMs = performance.now();
  const path = requestPath(req.url);
  const requestId = requestIdOf(req.headers['x-request-id']);
  const stamp = stampOf(path, requestId);
  // The metrics' name for what was asked: an endpoint's path, or `page`, or `other` (bounded).
  let metered = 'other';
  const cors = corsFor(ctx.config.walletCorsOrigins, path, req.headers.origin);
  const send = (a: Answer, headers?: Readonly<Record<string, string>>) => {
    reply(res, a, req, stamp, cors.headers, headers);
    ops.meter.answered(metered, a.envelope.code, startedMs, a.paymentOutcome);
  };
  try {
    // HTTP/1.1 requires one Host (RFC 9112, section 3.2); without it, the same bad request as a broken header.
    const badHost = hostProblem(req);
    if (badHost !== null) return send(answer(ResultCode.BAD_HTTP_REQUEST, null, badHost), { Connection: 'close' });
    const opsRoute = ops.routes.get(path);
    if (opsRoute !== undefined) {
      metered = path;
      setHeaders(res, stamp);
      await opsRoute(req, res, requestId);
      return ops.meter.answered(metered, res.statusCode, startedMs);
    }
    const endpoint = ROUTES.get(path);
    if (endpoint === undefined) {
      const page = pages.files.get(path) ?? (wantsPage(req, path) ? pages.notFound : undefined);
      if (page === undefined) return send(answer(ResultCode.NOT_FOUND, null, `no endpoint at ${path.slice(0, 100)}`), mayBePage(req, path) ? { Vary: 'Accept' } : undefined);
      metered = 'page';
      if (req.method !== 'GET' && req.method !== 'HEAD') return send(answer(ResultCode.METHOD_NOT_ALLOWED), { Allow: 'GET, HEAD' });
      setHeaders(res, stamp);
      sendPageFile(req, res, page, page === pages.notFound ? 404 : 200);
      return ops.meter.answered(metered, res.statusCode, startedMs);
    }
    metered = path;
    if (req.method === 'OPTIONS' && cors.allowed) {
      preflight(res, req, stamp, cors.headers);
      return ops.meter.answered(metered, 204, startedMs);
    }
    if (req.method !== 'POST') return send(answer(ResultCode.METHOD_NOT_ALLOWED), { Allow: 'POST' });
    const refused = contentRefusal(req, ctx.config.bodyLimitBytes);
    if (refused !== null) return send(refused);
    const raw = await readBody(req, ctx.config.bodyLimitBytes);
    if (raw === null) return send(answer(ResultCode.PAYLOAD_TOO_LARGE));
    if (raw === NOT_UTF8) return send(answer(ResultCode.MALFORMED_JSON, null, 'the body is not UTF-8: every body is read as UTF-8, whatever charset it names'));
    const parsed = parseBody(raw);
    if (!parsed.ok) return send(answer(ResultCode.MALFORMED_JSON, null, parsed.msg));
    const result = await endpoint(ctx, {
      body: parsed.body, headers: req.headers, overTls: overTls(req), ownApi: ownApiOf(req.socket, ownFetch), requestId,
      clientAddress: req.socket.remoteAddress ?? null,
    });
    if (result.transport !== undefined) {
      if (result.transport.delayMs > 0) await new Promise((r) => setTimeout(r, result.transport!.delayMs));
      if (result.transport.drop) return void res.destroy();
    }
    send(result, result.headers);
  } catch (error) {
    failed(ctx, req, res, { requestId, path, error }, send);
  }
}

/** What a request that threw gets: nothing when its caller is gone, else "system error". */
function failed(
  ctx: ApiContext,
  req: IncomingMessage,
  res: ServerResponse,
  { requestId, path, error }: { requestId: string; path: string; error: unknown },
  send: (a: Answer, headers?: Readonly<Record<string, string>>) => void,
): void {
  // The caller went away in the middle of its body, or missed the deadline (answered 408 by
  // the clientError handler): nothing was read, nothing to answer.
  if (!req.complete && req.destroyed) {
    ctx.logger.info({ reqId: requestId, path }, timedOut.has(req.socket) ? 'request timed out' : 'request aborted by the client');
    return;
  }
  // A fault of ours, never the caller's: the details go to the operator's log under an id the
  // merchant can quote; the answer says only "system error".
  const errorId = randomUUID();
  ctx.logger.error({ reqId: requestId, errorId, path, error: describeError(error) }, 'request failed');
  if (!res.headersSent) send(answer(ResultCode.SYSTEM_ERROR), { 'X-Error-Id': errorId });
  else res.destroy();
}

/**
 * What every answer to the request carries: its id, and for the wallet and page APIs (and an
 * unknown /api/ path) no caching, since the answer is a person's (a balance, a payment code, a
 * device's secret shown once, a session), and no sniffing (it is JSON, never a page). The merchant
 * API is called server to server: no browser may read it (no CORS), and no cache keeps the answer
 * to a POST that gives no freshness, so its hot path carries neither. They are written with the
 * answer's other headers: one set ahead with setHeader sends every later one through setHeader's
 * checks as well.
 */
function stampOf(path: string, requestId: string): Readonly<Record<string, string>> {
  if (path.startsWith(MERCHANT_API_PATH) || !path.startsWith('/api/')) return { 'X-Request-Id': requestId };
  return { 'X-Request-Id': requestId, 'Cache-Control': 'no-store', 'X-Content-Type-Options': 'nosniff' };
}

/** The stamp on an answer written by someone else (the operator's endpoints, a page file). */
function setHeaders(res: ServerResponse, headers: Readonly<Record<string, string>>): void {
  for (const name in headers) res.setHeader(name, headers[name]!);
}

/** A CORS preflight from an allowed origin: no body, the methods and headers the wallet API takes. */
function preflight(res: ServerResponse, req: IncomingMessage, stamp: Readonly<Record<string, string>>, cors: Readonly<Record<string, string>>): void {
  res.writeHead(204, Object.assign({}, stamp, cors, PREFLIGHT_HEADERS));
  res.end();
  if (!req.complete) req.resume();
}

/**
 * Over TLS: on a TLS socket, or behind a TLS proxy that says `X-Forwarded-Proto: https`, in any
 * case. Where a chain of proxies lists each hop's (`https, http`), the first is the client's own:
 * a cookie made Secure for a client on plain http would be dropped by its browser. Trusting the
 * header is safe otherwise: it only makes a cookie Secure, which a client can ask for itself.
 */
function overTls(req: IncomingMessage): boolean {
  if ((req.socket as { encrypted?: boolean }).encrypted === true) return true;
  const proto = req.headers['x-forwarded-proto'];
  return proto !== undefined && String(proto).split(',', 1)[0]!.trim().toLowerCase() === 'https';
}

/** The in-process API of a connection, made once per connection (keep-alive: not per request). */
const ownApis = new WeakMap<Socket, NonNullable<ApiRequest['ownApi']>>();

function ownApiOf(socket: Socket, fetch: typeof globalThis.fetch): NonNullable<ApiRequest['ownApi']> {
  let ownApi = ownApis.get(socket);
  if (ownApi === undefined) {
    ownApi = { baseUrl: localUrl(socket), fetch };
    ownApis.set(socket, ownApi);
  }
  return ownApi;
}

function localUrl(socket: Socket): string {
  const address = socket.localAddress ?? '127.0.0.1';
  return `http://${address.includes(':') ? `[${address}]` : address}:${socket.localPort}`;
}

/** What the headers say of the body that refuses it unread: not JSON, compressed, or declared too large. */
function contentRefusal(req: IncomingMessage, limit: number): Answer | null {
  if (!isJson(req.headers['content-type'])) return answer(ResultCode.UNSUPPORTED_MEDIA_TYPE, null, 'Content-Type must be application/json');
  // A compressed body would be read as its compressed bytes (RFC 9110: 415 for a coding not taken).
  const coding = req.headers['content-encoding'];
  if (coding !== undefined && coding.trim().toLowerCase() !== 'identity') {
    return answer(ResultCode.UNSUPPORTED_MEDIA_TYPE, null, 'Content-Encoding is not supported: send the body uncompressed');
  }
  return Number(req.headers['content-length'] ?? 0) > limit ? answer(ResultCode.PAYLOAD_TOO_LARGE) : null;
}

function isJson(contentType: string | undefined): boolean {
  if (contentType === undefined) return false;
  // What clients send, taken at once; anything else is read the long way.
  if (contentType === 'application/json' || contentType === 'application/json; charset=utf-8') return true;
  const type = contentType.split(';', 1)[0]!.trim().toLowerCase();
  return type === 'application/json';
}

/** A body whose bytes are not UTF-8: refused, never read with the bytes replaced (U+FFFD). */
const NOT_UTF8 = Symbol('not UTF-8');

/**
 * Reads the body up to the limit; null when it is larger. A leading byte order mark is dropped, as
 * RFC 8259 lets a parser do (some Windows tools write one); JSON.parse would refuse it.
 */
function readBody(req: IncomingMessage, limit: number): Promise<string | null | typeof NOT_UTF8> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let over = false;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) over = true;
      else chunks.push(chunk);
    });
    req.on('end', () => {
      if (over) return resolve(null);
      // A body of one chunk (most: a request is a few hundred bytes) is decoded without a copy.
      const bytes = chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks);
      const text = bytes.toString('utf8');
      // Decoding puts U+FFFD for bytes that are not UTF-8; a body may also hold one, encoded.
      if (text.includes('\uFFFD') && !isUtf8(bytes)) return resolve(NOT_UTF8);
      resolve(text.charCodeAt(0) === 0xfeff ? text.slice(1) : text);
    });
    req.on('error', reject);
  });
}

/**
 * Writes the answer. The headers object is filled in place rather than spread together: V8 (Node
 * 20) builds `{ ...a, key }` through its slow path, a cost on every answer (docs/benchmarks.md).
 */
function reply(
  res: ServerResponse,
  a: Answer,
  req: IncomingMessage,
  stamp: Readonly<Record<string, string>>,
  cors: Readonly<Record<string, string>>,
  more: Readonly<Record<string, string>> = {},
): void {
  const payload = a.file === undefined ? JSON.stringify(a.envelope) : a.file.body;
  const headers: Record<string, string | number> = a.file === undefined ? { 'Content-Type': 'application/json; charset=utf-8' } : {
    'Content-Type': `${a.file.contentType}; charset=utf-8`,
    // The file name is the server's own (digits, letters, "-", "."), never the caller's text.
    'Content-Disposition': `attachment; filename="${a.file.fileName}"`,
    'Cache-Control': 'no-store',
  };
  headers['Content-Length'] = Buffer.byteLength(payload);
  Object.assign(headers, stamp, cors, more);
  res.writeHead(a.httpStatus, headers);
  res.end(payload);
  // A body we refused unread must not be parsed as the next request on this connection.
  if (!req.complete) req.resume();
}
