import { randomUUID } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';
import { ResultCode } from '@micropay/protocol';
import { answer } from '../api/answer.js';
import type { Answer, ApiContext } from '../api/context.js';
import { describeError } from '../log.js';
import { parseBody } from './json-body.js';
import type { OpsEndpoints } from './ops.js';
import { requestIdOf } from './request-id.js';
import { ROUTES } from './routes.js';

/**
 * The merchant API answered in-process: a fetch for @micropay/client that hands each request to
 * the endpoint's handler as the HTTP edge would, without a socket. The cashier page's charge runs
 * the client's pay flow with it, so a charge received before a shutdown still reaches the API
 * after the listener has closed (http/drain.ts), and the flow stays the client's own.
 */
export function ownApiFetch(ctx: ApiContext, ops: OpsEndpoints): typeof fetch {
  return (input, init) => {
    const request = new Request(input, init);
    return abortable(answerInProcess(ctx, ops, request), request.signal);
  };
}

async function answerInProcess(ctx: ApiContext, ops: OpsEndpoints, request: Request): Promise<Response> {
  const startedMs = performance.now();
  const path = new URL(request.url).pathname;
  const requestId = requestIdOf(request.headers.get('x-request-id') ?? undefined);
  const endpoint = ROUTES.get(path);
  // The client posts JSON to an endpoint only; anything else is a fault of the caller's code.
  if (endpoint === undefined || request.method !== 'POST') throw new TypeError(`no in-process endpoint for ${request.method} ${path}`);
  const send = (a: Answer, headers: Record<string, string> = {}): Response => {
    ops.meter.answered(path, a.envelope.code, startedMs, a.paymentOutcome);
    return new Response(JSON.stringify(a.envelope), {
      status: a.httpStatus,
      headers: { 'Content-Type': 'application/json; charset=utf-8', 'X-Request-Id': requestId, ...headers },
    });
  };
  const parsed = parseBody(await request.text());
  if (!parsed.ok) return send(answer(ResultCode.MALFORMED_JSON, null, parsed.msg));
  const body = parsed.body;
  try {
    const headers = Object.fromEntries(request.headers) as IncomingHttpHeaders;
    const result = await endpoint(ctx, { body, headers, requestId });
    if (result.transport !== undefined) {
      if (result.transport.delayMs > 0) await new Promise((r) => setTimeout(r, result.transport!.delayMs));
      // A dropped connection, as fetch reports one.
      if (result.transport.drop) throw new TypeError('fetch failed', { cause: Object.assign(new Error('other side closed'), { code: 'UND_ERR_SOCKET' }) });
    }
    return send(result, result.headers);
  } catch (error) {
    if (error instanceof TypeError && error.message === 'fetch failed') throw error;
    const errorId = randomUUID();
    ctx.logger.error({ reqId: requestId, errorId, path, error: describeError(error) }, 'request failed');
    return send(answer(ResultCode.SYSTEM_ERROR), { 'X-Error-Id': errorId });
  }
}

/** The caller's abort (its timeout) ends the wait as it ends a fetch; the handler runs on. */
function abortable(answered: Promise<Response>, signal: AbortSignal): Promise<Response> {
  if (signal.aborted) return Promise.reject(signal.reason);
  return new Promise((resolve, reject) => {
    const onAbort = () => reject(signal.reason);
    signal.addEventListener('abort', onAbort, { once: true });
    answered.then(resolve, reject).finally(() => signal.removeEventListener('abort', onAbort));
  });
}
