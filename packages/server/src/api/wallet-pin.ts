import { decidePinTry, MAX_PIN_FAILURES, pinMatches, type PinCheck } from '../domain/credentials.js';
import type { Store } from '../store/store.js';

/**
 * One try of a wallet's PIN, for confirming a payment (wallet API) and for signing in to the
 * wallet page: one count and one lock for both. The try is taken before the slow comparison, so
 * concurrent guesses cannot outrun the lock, and a right PIN clears the count it took.
 */
export async function tryWalletPin(store: Store, walletId: string, pin: string, storedHash: string): Promise<PinCheck> {
  const tries = await store.takePinTry(walletId, MAX_PIN_FAILURES);
  const check = decidePinTry(tries, tries !== null && (await pinMatches(pin, storedHash)));
  if (check.kind === 'right') await store.clearPinTries(walletId, check.triesTaken);
  return check;
}
