/**
 * The one rule for fresh ids the platform draws itself (refund ids, wallet ids, payment codes):
 * the id is inserted under its unique key, and when another writer holds it already the store's
 * insert throws IdClashError and the whole transaction runs again, drawing a new id, at most
 * ID_CLASH_ATTEMPTS times in all. A clash is rare by construction (ids.ts), so a second attempt
 * all but always does.
 */
export const ID_CLASH_ATTEMPTS = 3;

/** An insert met its unique key taken: a drawn id clashed, or another request won the race to it. */
export class IdClashError extends Error {
  override name = 'IdClashError';
}

/** Runs `transaction` again while it fails with IdClashError, up to the limit. */
export async function retryOnIdClash<T>(transaction: () => Promise<T>): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await transaction();
    } catch (error) {
      if (!(error instanceof IdClashError) || attempt >= ID_CLASH_ATTEMPTS) throw error;
    }
  }
}
