import { readFileSync } from 'node:fs';
import { envelope, resultCodeInfo, ResultCode as R, type JsonSchema } from '@micropay/protocol';
import { SESSION_ENDS_HEADER } from '@micropay/protocol/page-session';
import { COMPONENT_SCHEMAS, ENDPOINT_DOCS, type EndpointAnswer, type EndpointDoc } from './endpoints.js';

/**
 * The OpenAPI 3.1 document of every endpoint (`GET /openapi.json`, rendered at `GET /docs`). It is
 * assembled from ENDPOINT_DOCS, whose schemas come from @micropay/protocol, and the result code
 * catalogue: each code's HTTP status and message come from RESULT_CODES, never from here.
 */
export type OpenApiDocument = Record<string, unknown> & { paths: Record<string, Record<string, unknown>> };

/** Answers any JSON endpoint may give, whatever it does: the transport's refusals and our own fault. */
const TRANSPORT_ANSWERS: readonly EndpointAnswer[] = [
  { codes: [R.MALFORMED_JSON, R.BAD_HTTP_REQUEST, R.UNSUPPORTED_MEDIA_TYPE, R.PAYLOAD_TOO_LARGE, R.SYSTEM_ERROR], data: null },
];

const DESCRIPTION = `
MicroPay's HTTP API: the merchant API (the MicroPay Payment API spec, with MicroPay's extensions),
the wallet app's API, the web pages' own APIs, and the operator's endpoints.

**Envelope.** Every JSON endpoint takes one JSON object by POST (\`Content-Type: application/json\`)
and answers \`{"code", "msg", "data"}\`. \`code\` is the result code (0 is success) from the published
catalogue (docs/errors.md); the HTTP status travels with it (200 for every business answer). Each
operation below lists every code it can answer and the \`data\` each carries.

**Authentication.**
- *Merchant API: the signature.* Each request carries \`timestamp\` and \`secureHash\`: SHA-256 over
  the values of the other parameters, null ones left out, in ASCII order of their names, joined with
  \`|\`, then \`|\` and the merchant key, as uppercase hex (docs/api.md, "Signing"). Answers' \`data\`
  is signed the same way. OpenAPI has no security scheme for a signature inside the body, so it is
  stated on each operation as \`x-micropay-signature\` and in the request schema's \`secureHash\`.
- *Wallet API:* \`Authorization: Bearer <wallet token>\` (\`walletToken\`); 401 with code 9106 without.
- *Page APIs:* the page's session cookie (\`micropay_wallet\`, \`micropay_cashier\`, \`micropay_merchant\`, \`micropay_admin\`; HttpOnly,
  SameSite=Strict) set by a sign-in, and on every call on a session, reads included, the session's CSRF
  token in \`X-CSRF-Token\` (9120 without a session, 9121 without the token or with another session's:
  the tab's session was replaced by a sign-in in another tab of the browser).

Every answer carries \`X-Request-Id\`. Unknown paths answer 404 (9101), other methods 405 (9102),
unparseable HTTP 400 (9107), oversized headers 431 (9108), a request not arriving within 30 s 408
(9109); see components.responses.
`.trim();

const SECURITY_SCHEMES = {
  walletToken: { type: 'http', scheme: 'bearer', description: 'The wallet\'s token (`wt_...`), issued at wallet creation or by `micropay wallet token`.' },
  walletSession: { type: 'apiKey', in: 'cookie', name: 'micropay_wallet', description: 'The wallet page\'s session, set by a sign-in (HttpOnly; a page script never reads it).' },
  cashierSession: { type: 'apiKey', in: 'cookie', name: 'micropay_cashier', description: 'The cashier page\'s session, set by a sign-in.' },
  merchantSession: { type: 'apiKey', in: 'cookie', name: 'micropay_merchant', description: 'The merchant console\'s session, set by a sign-in (docs/consoles.md).' },
  adminSession: { type: 'apiKey', in: 'cookie', name: 'micropay_admin', description: 'The operator console\'s session, set by a sign-in (docs/consoles.md).' },
  csrfToken: { type: 'apiKey', in: 'header', name: 'X-CSRF-Token', description: 'The session\'s CSRF token (`csrfToken` of the sign-in or session answer), on every page API call made on a session, reads included.' },
};

const SIGNATURE = {
  field: 'secureHash',
  rule: 'SHA-256, uppercase hex, of the non-null parameter values except secureHash in ASCII order of their names, joined with "|", then "|" and the merchant key',
  docs: 'docs/api.md#signing',
};

const REQUEST_ID = { 'X-Request-Id': { description: 'The request\'s id, as in every log line about it.', schema: { type: 'string' } } };
/** On the page APIs' answers made on a live session (@micropay/protocol/page-session): what it has left, for the page's warning. */
const SESSION_ENDS = {
  [SESSION_ENDS_HEADER]: {
    description: 'With a live session (and a sign-in): ms from this answer until it ends unused (`idle-left`), until it ends however busy (`left`), and the idle limit itself (`idle-limit`), e.g. `idle-left=1740000; left=41400000; idle-limit=1800000`. Told so the page can warn; the server decides.',
    schema: { type: 'string' },
  },
};
const PAGE_AUTH: ReadonlySet<EndpointDoc['auth']> = new Set(['walletPage', 'cashierPage', 'merchantConsole', 'adminConsole']);

export function openApiDocument(): OpenApiDocument {
  const paths: Record<string, Record<string, unknown>> = {};
  for (const [path, doc] of Object.entries(ENDPOINT_DOCS)) paths[path] = { post: operation(path, doc) };
  Object.assign(paths, OTHER_PATHS);
  return {
    openapi: '3.1.0',
    info: { title: 'MicroPay API', version: serverVersion(), description: DESCRIPTION, license: { name: 'Apache-2.0', identifier: 'Apache-2.0' } },
    servers: [{ url: '/' }],
    tags: ['Merchant API', 'Wallet API', 'Wallet page API', 'Cashier page API', 'Merchant console API', 'Operator console API', 'Operations', 'Pages'].map((name) => ({ name })),
    paths,
    components: {
      schemas: { ...COMPONENT_SCHEMAS, Readiness: READINESS },
      securitySchemes: SECURITY_SCHEMES,
      responses: TRANSPORT_RESPONSES,
    },
  };
}

function operation(path: string, doc: EndpointDoc): Record<string, unknown> {
  return {
    operationId: operationId(path),
    tags: [doc.tag],
    summary: doc.summary,
    description: doc.description,
    security: security(doc),
    ...(doc.auth === 'merchant' ? { 'x-micropay-signature': SIGNATURE } : {}),
    requestBody: { required: true, content: { 'application/json': { schema: doc.request } } },
    responses: { ...responses([...withCsrfRefusal(doc), ...TRANSPORT_ANSWERS], PAGE_AUTH.has(doc.auth)), ...TRANSPORT_REFS },
  };
}

/** What the HTTP layer answers on any endpoint before the endpoint is reached: another method, a request too slow, headers too large. */
const TRANSPORT_REFS = {
  405: { $ref: '#/components/responses/MethodNotAllowed' },
  408: { $ref: '#/components/responses/RequestTimeout' },
  431: { $ref: '#/components/responses/HeadersTooLarge' },
};

/** `micropay`, `queryBill` (the spec's names); `walletPaycode`, `pageCashierChargeStatus` for the others. */
function operationId(path: string): string {
  return path.replace(/^\/api\/(micropay\/)?/, '').replace(/[/-](.)/g, (_, c: string) => c.toUpperCase());
}

/**
 * A page API on a session refuses a token that is not the session's (9121), reads as well as
 * changes (api/page-session.ts): said here once rather than on each read's list of answers.
 */
function withCsrfRefusal(doc: EndpointDoc): readonly EndpointAnswer[] {
  const onSession = PAGE_AUTH.has(doc.auth) && doc.answers.some((a) => a.codes.includes(R.SESSION_REQUIRED));
  if (!onSession || doc.answers.some((a) => a.codes.includes(R.CSRF_REJECTED))) return doc.answers;
  return [...doc.answers, { codes: [R.CSRF_REJECTED], data: null }];
}

/** Who may call: nobody needs a credential for a sign-in or a session probe; the rest say which. */
function security(doc: EndpointDoc): unknown[] {
  if (doc.auth === 'merchant') return [];
  if (doc.auth === 'none') return [{}];
  if (doc.auth === 'wallet') return [{ walletToken: [] }];
  const session = ({ walletPage: 'walletSession', cashierPage: 'cashierSession', merchantConsole: 'merchantSession', adminConsole: 'adminSession' } as const)[doc.auth];
  const needsSession = doc.answers.some((a) => a.codes.includes(R.SESSION_REQUIRED));
  if (!needsSession) return [{}];
  return [{ [session]: [], csrfToken: [] }];
}

/** The answers grouped by the HTTP status their codes travel with (from the catalogue). */
function responses(answers: readonly EndpointAnswer[], pageSession: boolean): Record<string, unknown> {
  const byStatus = new Map<number, { variants: JsonSchema[]; lines: string[]; cookie: Set<string>; file?: string }>();
  for (const a of answers) {
    const data = a.data === null ? null : typeof a.data === 'string' ? { $ref: `#/components/schemas/${a.data}` } : a.data;
    const statuses = new Map<number, number[]>();
    for (const code of a.codes) {
      const status = resultCodeInfo(code)!.httpStatus;
      statuses.set(status, [...(statuses.get(status) ?? []), code]);
    }
    for (const [status, codes] of statuses) {
      const group = byStatus.get(status) ?? { variants: [], lines: [], cookie: new Set<string>() };
      if (a.file === undefined) group.variants.push(envelope(codes, data));
      else group.file = a.file;
      for (const code of codes) group.lines.push(`\`${code}\` ${resultCodeInfo(code)!.msg}${a.data === null ? '' : ' (with data)'}`);
      if (a.cookie !== undefined) group.cookie.add(a.cookie);
      byStatus.set(status, group);
    }
  }
  const out: Record<string, unknown> = {};
  for (const [status, group] of [...byStatus].sort(([a], [b]) => a - b)) {
    const cookie = group.cookie.size === 0 ? {} : { 'Set-Cookie': { description: `The session cookie, ${[...group.cookie].join(' or ')} (by some of these answers).`, schema: { type: 'string' } } };
    // A download answers its file on success and the envelope otherwise, with the same status.
    const file = group.file === undefined ? {} : { [group.file]: { schema: { type: 'string' } } };
    const disposition = group.file === undefined ? {} : { 'Content-Disposition': { description: 'With the file: `attachment; filename="..."`.', schema: { type: 'string' } } };
    // Too many sign-in attempts (9023) say when the next one is taken.
    const retryAfter = status === 429 ? { 'Retry-After': { description: 'Seconds until an attempt is taken again.', schema: { type: 'integer', minimum: 1 } } } : {};
    // No session (401) has no time left to tell.
    const sessionEnds = pageSession && status !== 401 ? SESSION_ENDS : {};
    out[String(status)] = {
      description: group.lines.join('; '),
      headers: { ...REQUEST_ID, ...cookie, ...disposition, ...retryAfter, ...sessionEnds },
      content: { ...file, 'application/json': { schema: group.variants.length === 1 ? group.variants[0] : { anyOf: group.variants } } },
    };
  }
  return out;
}

function transportResponse(code: number): Record<string, unknown> {
  const info = resultCodeInfo(code)!;
  return { description: `${info.meaning} ${info.when}`, content: { 'application/json': { schema: envelope([code], null) } } };
}

const TRANSPORT_RESPONSES = {
  NotFound: transportResponse(R.NOT_FOUND),
  MethodNotAllowed: transportResponse(R.METHOD_NOT_ALLOWED),
  BadHttpRequest: transportResponse(R.BAD_HTTP_REQUEST),
  HeadersTooLarge: transportResponse(R.HEADERS_TOO_LARGE),
  RequestTimeout: transportResponse(R.REQUEST_TIMEOUT),
};

const CHECK = {
  type: 'object', additionalProperties: false, required: ['status'],
  properties: { status: { enum: ['ok', 'failed', 'skipped'] }, detail: { type: 'string' } },
};
const CHECK_NAMES = ['store', 'paymentThread', 'migrations', 'shutdown'];
const READINESS = {
  type: 'object', additionalProperties: false, required: ['status', 'failing', 'checks'],
  properties: {
    status: { enum: ['ready', 'not ready'] },
    failing: { type: 'array', items: { enum: CHECK_NAMES } },
    checks: { type: 'object', additionalProperties: false, properties: Object.fromEntries(CHECK_NAMES.map((n) => [n, CHECK])) },
  },
};

const METHOD_NOT_ALLOWED = { 405: { $ref: '#/components/responses/MethodNotAllowed' } };

function getOnly(tag: string, summary: string, description: string, ok: Record<string, unknown>): Record<string, unknown> {
  return { get: { tags: [tag], summary, description, security: [], responses: { ...ok, ...METHOD_NOT_ALLOWED } } };
}

function html(description: string): Record<string, unknown> {
  return { 200: { description, headers: REQUEST_ID, content: { 'text/html': { schema: { type: 'string' } } } } };
}

/** The GET endpoints: health and metrics (on --admin-port when set), this document, the pages. */
const OTHER_PATHS: Record<string, Record<string, unknown>> = {
  '/health/live': getOnly('Operations', 'Liveness', 'The process answers HTTP. On --admin-port only when it is set. Also HEAD.', {
    200: { description: 'Live.', content: { 'application/json': { schema: { type: 'object', additionalProperties: false, required: ['status'], properties: { status: { const: 'live' } } } } } },
  }),
  '/health/ready': getOnly('Operations', 'Readiness', 'The store answers, the payment thread is alive, the migrations are current, and the process is not shutting down (docs/operations.md). Also HEAD.', {
    200: { description: 'Ready.', content: { 'application/json': { schema: { $ref: '#/components/schemas/Readiness' } } } },
    503: { description: 'Not ready: `failing` names the checks.', content: { 'application/json': { schema: { $ref: '#/components/schemas/Readiness' } } } },
  }),
  '/metrics': getOnly('Operations', 'Prometheus metrics', 'Prometheus text format (MICROPAY_METRICS=off: 404). Also HEAD.', {
    200: { description: 'The metrics.', content: { 'text/plain': { schema: { type: 'string' } } } },
  }),
  '/openapi.json': getOnly('Operations', 'This document', 'OpenAPI 3.1.', {
    200: { description: 'This document.', content: { 'application/json': { schema: { type: 'object' } } } },
  }),
  '/': getOnly('Pages', 'The front page', 'Links to the wallet page, the till, the consoles and this reference. docs/pages.md.', html('The page.')),
  '/favicon.svg': getOnly('Pages', 'The platform\'s icon', 'Every page names it.', {
    200: { description: 'The icon.', headers: REQUEST_ID, content: { 'image/svg+xml': { schema: { type: 'string' } } } },
  }),
  '/docs': getOnly('Pages', 'This document, rendered', 'The API reference page (Swagger UI, bundled; nothing from a CDN).', html('The reference page.')),
  '/wallet': getOnly('Pages', 'The wallet page', 'docs/pages.md.', html('The page shell.')),
  '/wallet-sw.js': getOnly('Pages', 'The wallet page\'s service worker', 'Keeps the wallet page\'s shell for a start with no network. docs/offline-codes.md.', {
    200: { description: 'The script.', headers: REQUEST_ID, content: { 'text/javascript': { schema: { type: 'string' } } } },
  }),
  '/cashier': getOnly('Pages', 'The cashier page', 'docs/pages.md.', html('The page shell.')),
  '/merchant': getOnly('Pages', 'The merchant console', 'docs/consoles.md.', html('The page shell.')),
  '/admin': getOnly('Pages', 'The operator console', 'docs/consoles.md.', html('The page shell.')),
};

function serverVersion(): string {
  // src/http/openapi and dist/http/openapi are both three levels below the package's package.json.
  return (JSON.parse(readFileSync(new URL('../../../package.json', import.meta.url), 'utf8')) as { version: string }).version;
}
