import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { ResultCode } from '@micropay/protocol';
import { answer } from '../api/answer.js';
import type { Answer } from '../api/context.js';
import { describeError, type Logger } from '../log.js';
import { readiness } from '../ops/health.js';
import { NO_METER, type PlatformMetrics, type RequestMeter } from '../ops/metrics.js';
import type { Store } from '../store/store.js';
import { requestIdOf } from './request-id.js';
import { requestPath } from './request-target.js';

/**
 * The operator's endpoints: `/health/live`, `/health/ready` and `/metrics` (docs/operations.md).
 * They answer GET and HEAD, on the public port, or with `--admin-port` on a second listener only.
 */
export type OpsRoute = (req: IncomingMessage, res: ServerResponse, requestId: string) => Promise<void>;

/** What the public server serves besides the API: the operator's endpoints (maybe none), and the meter. */
export interface OpsEndpoints {
  readonly routes: ReadonlyMap<string, OpsRoute>;
  readonly meter: RequestMeter;
}

export const NO_OPS: OpsEndpoints = { routes: new Map(), meter: NO_METER };

/** `shuttingDown`: true once the graceful stop began; ready then answers 503 so traffic moves away. */
export function opsRoutes(
  store: Store,
  metrics: PlatformMetrics | null,
  logger: Logger,
  shuttingDown: () => boolean = () => false,
): ReadonlyMap<string, OpsRoute> {
  const routes = new Map<string, OpsRoute>();
  // Live: the process answers HTTP. Nothing else is asked, so a slow database never gets a
  // healthy process restarted.
  routes.set('/health/live', getOnly(async (req, res) => writeJson(req, res, 200, { status: 'live' })));
  routes.set('/health/ready', getOnly(async (req, res, requestId) => {
    if (shuttingDown()) return writeJson(req, res, 503, SHUTTING_DOWN);
    const ready = await readiness(store);
    if (!ready.ready) logger.warn({ reqId: requestId, failing: ready.body.failing, errors: ready.errors }, 'not ready');
    writeJson(req, res, ready.ready ? 200 : 503, ready.body);
  }));
  if (metrics !== null) {
    routes.set('/metrics', getOnly(async (req, res) => {
      const text = await metrics.scrape();
      res.writeHead(200, { 'Content-Type': metrics.contentType, 'Content-Length': Buffer.byteLength(text), 'Cache-Control': 'no-store' });
      res.end(text);
    }));
  }
  return routes;
}

const SHUTTING_DOWN = {
  status: 'not ready',
  failing: ['shutdown'],
  checks: { shutdown: { status: 'failed', detail: 'the process is shutting down: send new requests elsewhere' } },
} as const;

/** Another method answers 405 with the envelope, as the API's endpoints do. */
function getOnly(route: OpsRoute): OpsRoute {
  return async (req, res, requestId) => {
    if (req.method === 'GET' || req.method === 'HEAD') return route(req, res, requestId);
    writeAnswer(req, res, answer(ResultCode.METHOD_NOT_ALLOWED), { Allow: 'GET, HEAD' });
  };
}

/**
 * The admin listener (`--admin-port`): the operator's endpoints and nothing else, so health and
 * metrics can stay on a port that only the load balancer and Prometheus reach.
 */
export function createAdminServer(routes: ReadonlyMap<string, OpsRoute>, logger: Logger): Server {
  return createServer((req, res) => void serveAdmin(routes, logger, req, res));
}

async function serveAdmin(routes: ReadonlyMap<string, OpsRoute>, logger: Logger, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const requestId = requestIdOf(req.headers['x-request-id']);
  res.setHeader('X-Request-Id', requestId);
  const path = requestPath(req.url);
  try {
    const route = routes.get(path);
    if (route === undefined) return writeAnswer(req, res, answer(ResultCode.NOT_FOUND, null, `no endpoint at ${path.slice(0, 100)}`));
    await route(req, res, requestId);
  } catch (error) {
    logger.error({ reqId: requestId, path, error: describeError(error) }, 'request failed');
    if (!res.headersSent) writeAnswer(req, res, answer(ResultCode.SYSTEM_ERROR));
    else res.destroy();
  }
}

function writeAnswer(req: IncomingMessage, res: ServerResponse, a: Answer, headers: Record<string, string> = {}): void {
  writeJson(req, res, a.httpStatus, a.envelope, headers);
}

function writeJson(req: IncomingMessage, res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const payload = JSON.stringify(body);
  res.writeHead(status, {
    'Content-Type': 'application/json; charset=utf-8',
    'Content-Length': Buffer.byteLength(payload),
    'Cache-Control': 'no-store',
    ...headers,
  });
  res.end(payload);
  // A body sent with a GET is not read; it must not be parsed as the next request.
  if (!req.complete) req.resume();
}
