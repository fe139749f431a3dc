import { ResultCode } from './errors.js';

/**
 * The building blocks of request field rules. A rule that fails throws a FieldError inside
 * `parse`, which turns it into the catalogue code and a message naming the field.
 */
export type Parsed<T> = { ok: true; value: T } | { ok: false; code: number; msg: string };

export const MCH_ID = /^[1-9][0-9]{0,18}$/;
export const MCH_ORDER_ID = /^[A-Za-z0-9_-]{1,32}$/;
export const PAY_CODE = /^[0-9]{18}$/;
export const TIMESTAMP = /^[1-9][0-9]{9,15}$/;
export const POINT = /^(0|[1-9][0-9]{0,8})$/;
// Control characters would corrupt statements and logs; everything else printable is fine.
export const CONTROL = /[\u0000-\u001f\u007f]/;

export class FieldError {
  constructor(readonly code: number, readonly msg: string) {}
}

export function fail(field: string, rule: string, code: number = ResultCode.PARAM_ERROR): never {
  throw new FieldError(code, `${field} ${rule}`);
}

/** The field as text: strings as they are, JSON numbers in their string form (as they are signed). */
export function text(body: Record<string, unknown>, field: string, code?: number): string | null {
  const value = body[field];
  if (value === undefined || value === null) return null;
  if (typeof value === 'string') return value;
  if (typeof value === 'number') return String(value);
  return fail(field, 'must be a string', code);
}

export function required(body: Record<string, unknown>, field: string, code?: number): string {
  const value = text(body, field, code);
  if (value === null || value === '') return fail(field, 'is required', code);
  return value;
}

export function rejectUnknown(body: Record<string, unknown>, allowed: readonly string[]): void {
  for (const name of Object.keys(body)) {
    if (!allowed.includes(name)) fail(`unknown parameter ${JSON.stringify(name.slice(0, 40))}:`, `not part of this API`);
  }
}

export function mchIdOf(body: Record<string, unknown>): string {
  const mchId = required(body, 'mchId');
  if (!MCH_ID.test(mchId)) fail('mchId', 'must be the merchant id: digits only');
  return mchId;
}

export function mchOrderIdOf(body: Record<string, unknown>): string {
  const id = required(body, 'mchOrderId', ResultCode.ORDER_ID_ERROR);
  if (!MCH_ORDER_ID.test(id)) {
    fail('mchOrderId', 'must be 1 to 32 characters of A-Z, a-z, 0-9, "_" and "-"', ResultCode.ORDER_ID_ERROR);
  }
  return id;
}

export function timestampOf(body: Record<string, unknown>): number {
  const ts = required(body, 'timestamp');
  if (!TIMESTAMP.test(ts)) fail('timestamp', 'must be milliseconds since the epoch');
  return Number(ts);
}

export function requireSignature(body: Record<string, unknown>): void {
  const hash = body.secureHash;
  if (hash === undefined || hash === null || hash === '') fail('secureHash', 'is required', ResultCode.SIGNATURE_ERROR);
  if (typeof hash !== 'string') fail('secureHash', 'must be a string of 64 hex digits', ResultCode.SIGNATURE_ERROR);
}

export function parse<T>(build: () => T): Parsed<T> {
  try {
    return { ok: true, value: build() };
  } catch (err) {
    if (err instanceof FieldError) return { ok: false, code: err.code, msg: err.msg };
    throw err;
  }
}

