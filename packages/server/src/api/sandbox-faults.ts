import { randomUUID } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';
import { ResultCode } from '@micropay/protocol';
import type { Config } from '../config.js';
import { answer } from './answer.js';
import type { Answer, ApiContext, ApiRequest, Handler } from './context.js';

/**
 * Sandbox fault injection, so merchant developers can rehearse the edges of a payment-code flow
 * (docs/api.md, "Sandbox faults"). In sandbox mode only, the request header `X-MicroPay-Sandbox`
 * asks the platform to misbehave, on the two requests that move money, micropay and refund:
 *   system-error  the request is carried out, but the answer is code 500
 *   slow=MS       the answer is delayed by MS milliseconds (at most 60000)
 *   drop          the request is carried out and the connection is closed without an answer
 * (each on an answer that carries its order or refund; a refusal is answered as it is)
 * and on the one each belongs to:
 *   pending       (micropay) the payment waits for the user's confirmation (1024) whatever the amount
 *   fault         (micropay) the payment step fails inside the platform: the order is left NEW, nothing moves
 *   refund-hold   (refund) the refund is recorded REFUND_IN_PROCESS and its money is not moved yet:
 *                 the refund job finishes it after MICROPAY_REFUND_STALE_S, as after a crash
 * Several may be combined with commas. There, anything else (a typo, or the other's value) is
 * refused with 1021 before anything is done: a rehearsal never turns into a real payment or
 * refund by mistake. The other endpoints move no money and rehearse nothing: they ignore the values
 * above, so a client that sends the header with every request (a payment flow's queries and close)
 * rehearses its payment only, and refuse anything else, as a typo. Outside sandbox mode the header
 * is ignored.
 */
export interface SandboxFaults {
  readonly systemError: boolean;
  readonly delayMs: number;
  readonly drop: boolean;
  readonly pending: boolean;
  readonly fault: boolean;
  readonly refundHold: boolean;
}

/** The faults that belong to one endpoint. */
export type OwnFault = 'pending' | 'fault' | 'refund-hold';

const MAX_DELAY_MS = 60_000;
const NONE: SandboxFaults = { systemError: false, delayMs: 0, drop: false, pending: false, fault: false, refundHold: false };
const OWN_FLAGS: Readonly<Record<OwnFault, keyof SandboxFaults>> = { pending: 'pending', fault: 'fault', 'refund-hold': 'refundHold' };
const KNOWN: readonly string[] = ['system-error', 'drop', ...Object.keys(OWN_FLAGS)];

/**
 * The header's faults for an endpoint that takes `own` besides the transport's, or none at all
 * (null: a known value is ignored); `refused`: what it held that this endpoint may not ignore, as typed.
 */
export function sandboxFaults(
  config: Config, headers: IncomingHttpHeaders, own: readonly OwnFault[] | null,
): { readonly faults: SandboxFaults; readonly refused: readonly string[] } {
  const header = headers['x-micropay-sandbox'];
  if (!config.sandbox || typeof header !== 'string') return { faults: NONE, refused: [] };
  const faults: { -readonly [K in keyof SandboxFaults]: SandboxFaults[K] } = { ...NONE };
  const refused: string[] = [];
  for (const item of header.split(',').map((s) => s.trim().toLowerCase())) {
    // An empty item (a trailing comma, an empty header) asks for nothing.
    if (item === '') continue;
    const slow = /^slow=[0-9]{1,5}$/.test(item) && Number(item.slice(5)) <= MAX_DELAY_MS;
    if (own === null) {
      if (!slow && !KNOWN.includes(item)) refused.push(item.slice(0, 40));
    } else if (item === 'system-error') faults.systemError = true;
    else if (item === 'drop') faults.drop = true;
    else if (slow) faults.delayMs = Number(item.slice(5));
    else if ((own as readonly string[]).includes(item)) (faults[OWN_FLAGS[item as OwnFault]] as boolean) = true;
    else refused.push(item.slice(0, 40));
  }
  return { faults: own === null ? NONE : faults, refused };
}

/** The refusal of values this endpoint does not take, naming them and the ones it does. */
export function refusedFaultsDetail(refused: readonly string[], endpoint: string, own: readonly OwnFault[] | null): string {
  const named = refused.map((item) => JSON.stringify(item)).join(', ');
  if (own === null) return `X-MicroPay-Sandbox: ${named} is not a sandbox fault (${endpoint} rehearses none: micropay and refund do); nothing was done`;
  const usable = ['system-error', `slow=MS (0 to ${MAX_DELAY_MS})`, 'drop', ...own];
  return `X-MicroPay-Sandbox: ${named} is not a sandbox fault of ${endpoint}; `
    + `use ${usable.slice(0, -1).join(', ')} or ${usable[usable.length - 1]}, comma-separated; nothing was done`;
}

/**
 * A merchant API endpoint in the sandbox: the header is read once (its faults reach the handler as
 * `req.sandbox`), refused values answer 1021 before the handler runs, and system-error, slow and
 * drop shape whatever the handler answered. `own` null: the endpoint rehearses nothing. Outside
 * the sandbox, the handler as it is.
 */
export function rehearsable(path: string, handler: Handler, own: readonly OwnFault[] | null): Handler {
  const endpoint = path.slice(path.lastIndexOf('/') + 1);
  const rehearsed: Handler = async (ctx, req) => {
    const { faults, refused } = sandboxFaults(ctx.config, req.headers, own);
    if (refused.length > 0) return answer(ResultCode.PARAM_ERROR, null, refusedFaultsDetail(refused, endpoint, own));
    const done = await handler(ctx, { ...req, sandbox: faults });
    // Only an answer that carries its order or refund was carried out: a refusal (a field, the
    // signature, an unknown order, the balance) is answered as it is, never hidden behind a 500.
    if (done.envelope.data === null) return done;
    const result = faults.systemError ? rehearsedSystemError(ctx, req, endpoint) : done;
    return faults.delayMs > 0 || faults.drop ? { ...result, transport: { delayMs: faults.delayMs, drop: faults.drop } } : result;
  };
  // Not async: outside the sandbox the handler's own promise is the answer, with no turn added.
  return (ctx, req) => (ctx.config.sandbox ? rehearsed(ctx, req) : handler(ctx, req));
}

/**
 * The sandbox's `system-error`: shaped as a real one, with an `X-Error-Id` that names a log line,
 * so a merchant's developer rehearses quoting it to the operator too.
 */
function rehearsedSystemError(ctx: ApiContext, req: ApiRequest, endpoint: string): Answer {
  const errorId = randomUUID();
  ctx.logger.warn({ reqId: req.requestId, errorId }, `sandbox: answered a rehearsed system error (X-MicroPay-Sandbox: system-error) to ${endpoint}; the request was carried out`);
  return { ...answer(ResultCode.SYSTEM_ERROR), headers: { 'X-Error-Id': errorId } };
}
