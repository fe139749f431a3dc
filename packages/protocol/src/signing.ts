import * as crypto from 'node:crypto';

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
  // One pass: each kept name is placed in order as it comes (insertion sort), its value beside it.
  // `>` compares UTF-16 code units: for ASCII names exactly ASCII order, and unlike localeCompare
  // it does not depend on the machine's locale. For a dozen names this is half the cost of
  // collecting them and calling Array.prototype.sort (docs/benchmarks.md, issue 18).
  const names: string[] = [];
  const values: SignableValue[] = [];
  for (const name of Object.keys(params)) {
    const value = params[name];
    if (name === SIGNATURE_FIELD || value === null || value === undefined) continue;
    let at = names.length;
    names.push(name);
    values.push(value);
    for (; at > 0 && names[at - 1]! > name; at--) {
      names[at] = names[at - 1]!;
      values[at] = values[at - 1];
    }
    names[at] = name;
    values[at] = value;
  }
  let base = '';
  for (let i = 0; i < names.length; i++) base += valueAsString(names[i]!, values[i]) + '|';
  return base + key;
}

export function sign(params: SignableParams, key: string): string {
  return sha256(signatureBase(params, key), 'hex').toUpperCase();
}

/** Checks `params.secureHash` against the parameters and key, in constant time. */
export function verify(params: SignableParams, key: string): boolean {
  const given = params[SIGNATURE_FIELD];
  if (typeof given !== 'string' || !HEX_SHA256.test(given)) return false;
  return crypto.timingSafeEqual(sha256(signatureBase(params, key), 'buffer'), Buffer.from(given, 'hex'));
}

/**
 * SHA-256 of the text's UTF-8 bytes. Node 20.12+ hashes in one call (`crypto.hash`), without a
 * Hash object per signature: half the cost of each of the two hashes a merchant request takes.
 * The bytes are decoded from its hex: Node 20's `crypto.hash` asked for a Buffer took 2.4 µs, seven
 * times its hex, and the decode costs 0.2 µs (docs/benchmarks.md, issue 18).
 */
function sha256(text: string, as: 'hex'): string;
function sha256(text: string, as: 'buffer'): Buffer;
function sha256(text: string, as: 'hex' | 'buffer'): string | Buffer {
  if (ONE_SHOT) return as === 'hex' ? crypto.hash('sha256', text, 'hex') : Buffer.from(crypto.hash('sha256', text, 'hex'), 'hex');
  const hash = crypto.createHash('sha256').update(text, 'utf8');
  return as === 'hex' ? hash.digest('hex') : hash.digest();
}

const ONE_SHOT = typeof crypto.hash === 'function';

const HEX_SHA256 = /^[0-9A-Fa-f]{64}$/;

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
