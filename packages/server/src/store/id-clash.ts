/**
 * The one rule for fresh ids a store draws itself (refund ids, from RefundIdSource): the id is
 * inserted under its unique key, and when another writer holds it already the whole transaction
 * runs again, drawing a new id, at most ID_CLASH_ATTEMPTS times in all. A clash needs two ids
 * drawn in the same second with the same 7-digit counter, so a second attempt all but always does.
 */
export const ID_CLASH_ATTEMPTS = 3;

/** Runs `transaction` again while it fails with an error `isClash` recognises, up to the limit. */
export async function retryOnIdClash<T>(transaction: () => Promise<T>, isClash: (error: unknown) => boolean): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await transaction();
    } catch (error) {
      if (!isClash(error) || attempt >= ID_CLASH_ATTEMPTS) throw error;
    }
  }
}
