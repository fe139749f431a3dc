import { createServer, STATUS_CODES, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import { randomUUID } from 'node:crypto';
import { ResultCode } from '@micropay/protocol';
import { answer } from '../api/answer.js';
import type { Answer, ApiContext } from '../api/context.js';
import { ROUTES } from './routes.js';

/**
 * Plain node:http: a handful of POST endpoints need no framework, and the payment path stays
 * short. Malformed HTTP gets a 4xx with the envelope; a fault of ours gets code 500 with no detail.
 */
export function createHttpServer(ctx: ApiContext): Server {
  const server = createServer((req, res) => {
    void handle(ctx, req, res);
  });
  server.keepAliveTimeout = 65_000;
  server.headersTimeout = 66_000;
  server.requestTimeout = 30_000;
  // HTTP that Node's parser refuses never reaches `handle`: it still gets the envelope.
  server.on('clientError', (error: NodeJS.ErrnoException, socket: Duplex) => {
    const a = clientErrorAnswer(error.code);
    if (a === null || !socket.writable) return void socket.destroy();
    const payload = JSON.stringify(a.envelope);
    const reason = STATUS_CODES[a.httpStatus] ?? 'Error';
    socket.end(
      `HTTP/1.1 ${a.httpStatus} ${reason}\r\nContent-Type: application/json; charset=utf-8\r\n`
        + `Content-Length: ${Buffer.byteLength(payload)}\r\nConnection: close\r\n\r\n${payload}`,
    );
  });
  return server;
}

/** The answer to a request Node's HTTP parser refused; null when the peer is already gone. */
function clientErrorAnswer(code: string | undefined): Answer | null {
  if (code === 'ECONNRESET' || code === 'EPIPE') return null;
  if (code === 'HPE_HEADER_OVERFLOW') return answer(ResultCode.HEADERS_TOO_LARGE);
  if (code === 'ERR_HTTP_REQUEST_TIMEOUT') return answer(ResultCode.REQUEST_TIMEOUT);
  return answer(ResultCode.BAD_HTTP_REQUEST);
}

async function handle(ctx: ApiContext, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const path = (req.url ?? '/').split('?', 1)[0]!;
  try {
    const endpoint = ROUTES.get(path);
    if (endpoint === undefined) return reply(res, answer(ResultCode.NOT_FOUND, null, `no endpoint at ${path.slice(0, 100)}`), req);
    if (req.method !== 'POST') return reply(res, answer(ResultCode.METHOD_NOT_ALLOWED), req, { Allow: 'POST' });
    if (!isJson(req.headers['content-type'])) return reply(res, answer(ResultCode.UNSUPPORTED_MEDIA_TYPE), req);
    const declared = Number(req.headers['content-length'] ?? 0);
    if (declared > ctx.config.bodyLimitBytes) return reply(res, answer(ResultCode.PAYLOAD_TOO_LARGE), req);
    const raw = await readBody(req, ctx.config.bodyLimitBytes);
    if (raw === null) return reply(res, answer(ResultCode.PAYLOAD_TOO_LARGE), req);
    const body = parseObject(raw);
    if (body === null) return reply(res, answer(ResultCode.MALFORMED_JSON, null, 'the body must be one JSON object'), req);
    const result = await endpoint(ctx, { body, headers: req.headers });
    if (result.transport !== undefined) {
      if (result.transport.delayMs > 0) await new Promise((r) => setTimeout(r, result.transport!.delayMs));
      if (result.transport.drop) return void res.destroy();
    }
    reply(res, result, req);
  } catch (error) {
    // The caller went away in the middle of its body: nothing was read, nothing to answer.
    if (!req.complete && req.destroyed) {
      ctx.logger.info('request aborted by the client', { path });
      return;
    }
    // A fault of ours, never the caller's: the details go to the operator's log under an id the
    // merchant can quote; the answer says only "system error".
    const errorId = randomUUID();
    ctx.logger.error('request failed', { errorId, path, error: describe(error) });
    if (!res.headersSent) reply(res, answer(ResultCode.SYSTEM_ERROR), req, { 'X-Error-Id': errorId });
    else res.destroy();
  }
}

function isJson(contentType: string | undefined): boolean {
  if (contentType === undefined) return false;
  const type = contentType.split(';', 1)[0]!.trim().toLowerCase();
  return type === 'application/json';
}

/** Reads the body up to the limit; null when it is larger. */
function readBody(req: IncomingMessage, limit: number): Promise<string | null> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let over = false;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) over = true;
      else chunks.push(chunk);
    });
    req.on('end', () => resolve(over ? null : Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

function parseObject(raw: string): Record<string, unknown> | null {
  try {
    const value: unknown = JSON.parse(raw);
    return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : null;
  } catch {
    return null;
  }
}

function reply(res: ServerResponse, a: Answer, req: IncomingMessage, headers: Record<string, string> = {}): void {
  const payload = JSON.stringify(a.envelope);
  res.writeHead(a.httpStatus, {
    'Content-Type': 'application/json; charset=utf-8',
    'Content-Length': Buffer.byteLength(payload),
    ...headers,
  });
  res.end(payload);
  // A body we refused unread must not be parsed as the next request on this connection.
  if (!req.complete) req.resume();
}

function describe(error: unknown): string {
  return error instanceof Error ? `${error.name}: ${error.message}` : String(error);
}
