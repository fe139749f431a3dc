import { decidePinTry, MAX_PIN_FAILURES, pinMatches, type PinCheck } from '../domain/credentials.js';
import type { ActingAs } from '../domain/audit-log.js';
import type { Store } from '../store/store.js';
import type { Logger } from '../log.js';
import { ACCOUNT_TRIES } from '../services/in-turn.js';

/**
 * One try of a wallet's PIN, for confirming a payment (wallet API) and for signing in to the
 * wallet page: one count and one lock for both. The try is taken before the slow comparison, so
 * concurrent guesses cannot outrun the lock, and a right PIN clears the count it took.
 *
 * A wallet's tries take their turns in this process: a holder's double tap or an app's retry sent
 * with the right PIN while the first is still being compared would otherwise find five tries in
 * flight and be told the wallet is locked, which it is not. Across processes the store's count
 * still holds the lock.
 */
export function tryWalletPin(ctx: PinTries, walletId: string, pin: string, acting: ActingAs): Promise<PinCheck> {
  return ACCOUNT_TRIES.run(`wallet ${walletId}`, () => oneTry(ctx, walletId, pin, acting));
}

/** Where tries are counted, and where a lock that could not be recorded is said. */
export interface PinTries {
  readonly store: Store;
  readonly logger: Logger;
}

/**
 * The PIN is read in the try's turn: one changed while the try waited (a leaked PIN replaced) is the
 * one compared. The wrong PIN that locks the wallet is in the audit log (wallet.pinLocked, with the
 * address it came from): the lock lasts until an operator lifts it, who should know who caused it.
 */
async function oneTry({ store, logger }: PinTries, walletId: string, pin: string, acting: ActingAs): Promise<PinCheck> {
  const tries = await store.takePinTry(walletId, MAX_PIN_FAILURES);
  const storedHash = tries === null ? null : await store.walletPinHash(walletId);
  const check = decidePinTry(tries, storedHash !== null && (await pinMatches(pin, storedHash)));
  if (check.kind === 'right') await store.clearPinTries(walletId, check.triesTaken);
  if (check.kind === 'locked' && tries === MAX_PIN_FAILURES) {
    // The lock holds whether or not its row is written: a failed write is logged, the try answered locked.
    await store.recordAction(acting, { action: 'wallet.pinLocked', mchId: null, subjectId: walletId, detail: { wrongTries: MAX_PIN_FAILURES } })
      .catch((error: unknown) => logger.error({ walletId, error: (error as Error).message }, 'wallet PIN lock not recorded in the audit log'));
  }
  return check;
}
