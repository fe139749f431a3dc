import { Secret } from '@micropay/protocol';

/**
 * A sealed secret read with its row and opened only when it is used. A command that reads an
 * operator but never its TOTP secret (`admin set-role`, `sign-out`, a reset without `--totp`)
 * then needs no master key; one that uses it (a sign-in's code, a reseal) opens it as before, with
 * the same error when the key is missing.
 */
export class OpenedOnUse extends Secret {
  #opened: Secret | null = null;
  readonly #open: () => Secret;

  constructor(open: () => Secret) {
    super('');
    this.#open = open;
  }

  override expose(): string {
    this.#opened ??= this.#open();
    return this.#opened.expose();
  }
}
