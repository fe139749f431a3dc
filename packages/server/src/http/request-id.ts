import { randomUUID } from 'node:crypto';

/** Letters, digits and `._:-`, up to 128: what proxies send (a UUID, nginx's 32 hex digits). */
const WELL_FORMED = /^[A-Za-z0-9][A-Za-z0-9._:-]{0,127}$/;

/**
 * The request's id, in every log line of the request and in its `X-Request-Id` answer header: the
 * caller's (a proxy's) when it sent a well-formed one, so one id follows the request through
 * both logs; otherwise a new UUID. Anything else in the header is ignored, never logged.
 */
export function requestIdOf(header: string | string[] | undefined): string {
  return typeof header === 'string' && WELL_FORMED.test(header) ? header : randomUUID();
}
