import { createHash, timingSafeEqual } from 'node:crypto';

/**
 * secureHash, as the MicroPay Payment API defines it:
 *   1. take every parameter except `secureHash`;
 *   2. drop parameters whose value is null or absent (empty strings are KEPT: the spec's Java
 *      reference filters only nulls, so `""` contributes an empty segment, e.g. `a||b`);
 *   3. sort the remaining names in ASCII order;
 *   4. join their values, as strings, with `|`; append `|` and the merchant key;
 *   5. SHA-256 over the UTF-8 bytes, uppercase hex.
 * JSON numbers are signed as their JavaScript string form (`1646733298647`, `1.5`); booleans as
 * `true`/`false`. Objects and arrays are not valid parameter values.
 */
export type SignableValue = string | number | boolean | null | undefined;
export type SignableParams = Readonly<Record<string, SignableValue>>;

export const SIGNATURE_FIELD = 'secureHash';

export function signatureBase(params: SignableParams, key: string): string {
  const names = Object.keys(params)
    .filter((name) => name !== SIGNATURE_FIELD && params[name] !== null && params[name] !== undefined)
    .sort(compareAscii);
  let base = '';
  for (const name of names) {
    base += valueAsString(name, params[name]) + '|';
  }
  return base + key;
}

export function sign(params: SignableParams, key: string): string {
  return createHash('sha256').update(signatureBase(params, key), 'utf8').digest('hex').toUpperCase();
}

/** Checks `params.secureHash` against the parameters and key, in constant time. */
export function verify(params: SignableParams, key: string): boolean {
  const given = params[SIGNATURE_FIELD];
  if (typeof given !== 'string' || !HEX_SHA256.test(given)) return false;
  const expected = createHash('sha256').update(signatureBase(params, key), 'utf8').digest();
  return timingSafeEqual(expected, Buffer.from(given, 'hex'));
}

const HEX_SHA256 = /^[0-9A-Fa-f]{64}$/;

// Plain code-unit comparison: for ASCII names this is exactly ASCII order, and unlike
// localeCompare it does not depend on the machine's locale.
function compareAscii(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function valueAsString(name: string, value: SignableValue): string {
  switch (typeof value) {
    case 'string':
      return value;
    case 'number':
    case 'boolean':
      return String(value);
    default:
      throw new TypeError(`parameter ${name} cannot be signed: ${typeof value}`);
  }
}
