/**
 * Money on the wire is a decimal string with at most two places ("1", "1.5", "1.50");
 * inside it is an integer number of minor units (sen). Floats never touch an amount.
 */
export const AMOUNT = /^(0|[1-9][0-9]{0,11})(?:\.([0-9]{1,2}))?$/;

/** Parses a wire amount into sen, or returns null when it is not a plain decimal. */
export function parseAmountSen(text: string): number | null {
  const match = AMOUNT.exec(text);
  if (match === null) return null;
  const units = Number(match[1]);
  const fraction = (match[2] ?? '').padEnd(2, '0');
  return units * 100 + Number(fraction);
}

/** Formats sen as the wire's two-place decimal: 150 → "1.50". */
export function formatSen(sen: number): string {
  if (!Number.isSafeInteger(sen)) throw new RangeError(`not a whole number of sen: ${sen}`);
  const sign = sen < 0 ? '-' : '';
  const abs = Math.abs(sen);
  const cents = abs % 100;
  return `${sign}${(abs - cents) / 100}.${cents < 10 ? '0' : ''}${cents}`;
}
