import type { IncomingHttpHeaders } from 'node:http';
import type { Config } from '../config.js';

/**
 * Sandbox fault injection, so merchant developers can rehearse the edges of a payment-code flow.
 * In sandbox mode only, the request header `X-MicroPay-Sandbox` asks the platform to misbehave:
 *   system-error  the payment is made, but the answer is code 500
 *   slow=MS       the answer is delayed by MS milliseconds (at most 60000)
 *   drop          the payment is made and the connection is closed without an answer
 *   pending       the payment waits for the user's confirmation (1024) whatever the amount
 *   fault         the payment step fails inside the platform: the order is left NEW, nothing moves
 *   refund-hold   (refund) the refund is recorded REFUND_IN_PROCESS and its money is not moved yet:
 *                 the refund job finishes it after MICROPAY_REFUND_STALE_S, as after a crash
 * Several may be combined with commas. Anything else is refused with 1021 before anything is done.
 * Outside sandbox mode the header is ignored.
 */
export interface SandboxFaults {
  /** What the header held that is none of the values above, as typed: the request is refused (1021), so a typo rehearses nothing by mistake. */
  readonly unknown: readonly string[];
  readonly systemError: boolean;
  readonly delayMs: number;
  readonly drop: boolean;
  readonly pending: boolean;
  readonly fault: boolean;
  readonly refundHold: boolean;
}

const NONE: SandboxFaults = { unknown: [], systemError: false, delayMs: 0, drop: false, pending: false, fault: false, refundHold: false };
const MAX_DELAY_MS = 60_000;

export function sandboxFaults(config: Config, headers: IncomingHttpHeaders): SandboxFaults {
  const header = headers['x-micropay-sandbox'];
  if (!config.sandbox || typeof header !== 'string') return NONE;
  const faults = { ...NONE, unknown: [] as string[] };
  for (const item of header.split(',').map((s) => s.trim().toLowerCase())) {
    // An empty item (a trailing comma, an empty header) asks for nothing.
    if (item === '') continue;
    if (item === 'system-error') faults.systemError = true;
    else if (item === 'drop') faults.drop = true;
    else if (item === 'pending') faults.pending = true;
    else if (item === 'fault') faults.fault = true;
    else if (item === 'refund-hold') faults.refundHold = true;
    else if (/^slow=[0-9]{1,5}$/.test(item) && Number(item.slice(5)) <= MAX_DELAY_MS) faults.delayMs = Number(item.slice(5));
    else faults.unknown.push(item.slice(0, 40));
  }
  return faults;
}

/** The refusal of a header with values the sandbox does not know, naming them and the ones it does. */
export function unknownFaultsDetail(unknown: readonly string[]): string {
  return `X-MicroPay-Sandbox: ${unknown.map((item) => JSON.stringify(item)).join(', ')} is not a sandbox fault; `
    + `use system-error, slow=MS (0 to ${MAX_DELAY_MS}), drop, pending, fault or refund-hold, comma-separated; nothing was done`;
}
