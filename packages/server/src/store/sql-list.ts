import { assert } from '../domain/ledger.js';

/**
 * A constant list of known literals (order or refund statuses) as an SQL IN list, so a rule kept
 * as a constant in code is written into the SQL of both stores from that one place. The values are
 * code constants, never input: anything but capital letters and underscores is refused.
 */
export function sqlList(values: readonly string[]): string {
  assert(values.length > 0, 'an SQL IN list has at least one value');
  for (const v of values) assert(/^[A-Z_]+$/.test(v), `an SQL IN list holds only known literals, not ${JSON.stringify(v)}`);
  return `(${values.map((v) => `'${v}'`).join(', ')})`;
}
