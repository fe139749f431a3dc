/** The longest merchant name: receipts, statements and every answer's `merchantName` carry it. */
export const MERCHANT_NAME_MAX = 100;

/**
 * Why `name` cannot be a merchant's name, or null when it can. The name is signed in every answer
 * (`merchantName`), and signing joins values with "|", so a "|" in it would let an answer's
 * fields be re-split under the same hash; control characters would corrupt statements and logs.
 */
export function merchantNameProblem(name: string): string | null {
  if (name.trim() === '') return 'a merchant name must not be empty';
  if (name.length > MERCHANT_NAME_MAX) return `a merchant name is at most ${MERCHANT_NAME_MAX} characters`;
  if (name.includes('|')) return 'a merchant name must not contain "|": answers sign it, and values are joined with "|" to be signed';
  if (/[\u0000-\u001f\u007f]/.test(name)) return 'a merchant name must not contain control characters (tabs, line breaks)';
  return null;
}

export class MerchantNameError extends Error {
  override name = 'MerchantNameError';
}

/** Throws when `name` may not be a merchant's name: the stores check it on every write of one. */
export function checkMerchantName(name: string): void {
  const problem = merchantNameProblem(name);
  if (problem !== null) throw new MerchantNameError(problem);
}
