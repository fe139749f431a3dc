import { ResultCode } from './errors.js';
import { formatSen, parseAmountSen } from './money.js';

/**
 * The building blocks of request field rules. A rule that fails throws a FieldError inside
 * `parse`, which turns it into the catalogue code and a message naming the field.
 */
export type Parsed<T> = { ok: true; value: T } | { ok: false; code: number; msg: string };

export const MCH_ID = /^[1-9][0-9]{0,18}$/;
export const MCH_ORDER_ID = /^[A-Za-z0-9_-]{1,32}$/;
export const PAY_CODE = /^[0-9]{18}$/;
/** A wallet id as the platform issues it: 60 and ten more digits. */
export const WALLET_ID = /^60[0-9]{10}$/;
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

/**
 * The field as text: strings as they are, JSON numbers in their string form (as they are signed).
 * A whole number beyond 2^53 (an 18-digit payCode, say) was already rounded by JSON parsing, so
 * its digits are not the ones the sender signed: it is refused by name instead of failing as 1035.
 */
export function text(body: Record<string, unknown>, field: string, code?: number): string | null {
  const value = body[field];
  if (value === undefined || value === null) return null;
  if (typeof value === 'string') return value;
  if (typeof value === 'number') {
    if (Number.isInteger(value) && !Number.isSafeInteger(value)) {
      fail(field, 'must be sent as a JSON string: as a JSON number it has too many digits to arrive unchanged', code);
    }
    return String(value);
  }
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

export const SEPARATOR_RULE = 'must not contain "|": values are joined with "|" to be signed, so a "|" would let the signed fields be re-split';

/**
 * The first check of every signed request: only the endpoint's parameters, and no "|" in any of
 * their values. The signing rule joins values with "|" and escapes nothing, so with a "|" allowed
 * `discount:"0.50", goodsInfo:"Nasi lemak"` and `goodsInfo:"0.50|Nasi lemak"` would share one
 * secureHash, and anyone could move text between fields without the key.
 */
/** Whether a value could be re-split once the signature joins the values with "|" (SEPARATOR_RULE). */
export function breaksSeparatorRule(value: unknown): boolean {
  return typeof value === 'string' && value.includes('|');
}

export function acceptSignedParams(body: Record<string, unknown>, allowed: readonly string[]): void {
  rejectUnknown(body, allowed);
  for (const name of allowed) {
    const value = body[name];
    if (name !== 'secureHash' && breaksSeparatorRule(value)) fail(name, SEPARATOR_RULE);
  }
}

export function mchIdOf(body: Record<string, unknown>): string {
  const mchId = required(body, 'mchId');
  if (!MCH_ID.test(mchId)) fail('mchId', 'must be the merchant id: 1 to 19 digits, the first not 0');
  return mchId;
}

export function mchOrderIdOf(body: Record<string, unknown>): string {
  const id = required(body, 'mchOrderId', ResultCode.ORDER_ID_ERROR);
  if (!MCH_ORDER_ID.test(id)) {
    fail('mchOrderId', 'must be 1 to 32 characters of A-Z, a-z, 0-9, "_" and "-"', ResultCode.ORDER_ID_ERROR);
  }
  return id;
}

/**
 * A money amount that must be positive and at most `maxAmountSen` (micropay's amount, refund's
 * refundAmount). A sign gets the rule it breaks ("greater than 0"), not the format's.
 */
export function positiveAmountOf(body: Record<string, unknown>, field: string, maxAmountSen: number): number {
  const amountText = required(body, field);
  const problem = positiveAmountProblem(amountText, maxAmountSen);
  if (problem !== null) fail(field, problem);
  return parseAmountSen(amountText)!;
}

/** What is wrong with text that is no amount, said for the usual slips (a comma, a leading zero) where it can be. */
function amountShapeProblem(text: string): string {
  if (/^[0-9]+,[0-9]{1,2}$/.test(text)) return `must use a point for the decimals, e.g. "${text.replace(',', '.')}"`;
  if (/^0+[0-9]+(?:\.[0-9]{1,2})?$/.test(text)) return `must not start with 0, e.g. "${text.replace(/^0+(?=[0-9])/, '')}"`;
  return 'must be a decimal with at most two places, e.g. "1.00"';
}

/**
 * What is wrong with `text` as a positive amount, in the words of the field rules ("must be …"), or
 * null. Without `maxAmountSen` (a page, which does not know the platform's) only the format and
 * the sign are judged; the platform still checks the maximum.
 */
export function positiveAmountProblem(text: string, maxAmountSen?: number): string | null {
  const sen = parseAmountSen(text);
  const tooLarge = `must not exceed the platform maximum${maxAmountSen === undefined ? '' : ` of ${formatSen(maxAmountSen)}`}`;
  if (sen === null) {
    if (text.startsWith('-') && parseAmountSen(text.slice(1)) !== null) return 'must be greater than 0';
    // A plain decimal with more whole digits than any amount has is too large, not malformed.
    if (/^[1-9][0-9]*(?:\.[0-9]{1,2})?$/.test(text)) return tooLarge;
    return amountShapeProblem(text);
  }
  if (sen <= 0) return 'must be greater than 0';
  return maxAmountSen !== undefined && sen > maxAmountSen ? tooLarge : null;
}

export function timestampOf(body: Record<string, unknown>): number {
  const ts = required(body, 'timestamp');
  if (!TIMESTAMP.test(ts)) fail('timestamp', 'must be milliseconds since the epoch');
  return Number(ts);
}

/**
 * Why a timestamp outside the window is refused. Ten digits is a time in seconds (milliseconds
 * have had 13 digits since 2001, and keep them until 2286), sixteen (the most TIMESTAMP takes) one
 * in microseconds: the commonest slips, so each gets its own hint.
 */
export function timestampWindowDetail(timestampMs: number, windowS: number): string {
  const unit = timestampMs < 10_000_000_000 ? 'seconds' : timestampMs >= 1_000_000_000_000_000 ? 'microseconds' : null;
  const hint = unit === null ? '' : `; it looks like ${unit}, but it must be milliseconds since the epoch (13 digits)`;
  return `timestamp is more than ${windowS} s away from the server clock${hint}`;
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

