import { inspect } from 'node:util';

/**
 * A value that must never reach a log line or an error message (merchant keys, wallet tokens,
 * PINs). It prints as `Secret(****)` everywhere; only `expose()` hands out the value.
 */
export class Secret {
  readonly #value: string;

  constructor(value: string) {
    this.#value = value;
  }

  expose(): string {
    return this.#value;
  }

  toString(): string {
    return 'Secret(****)';
  }

  toJSON(): string {
    return 'Secret(****)';
  }

  [inspect.custom](): string {
    return 'Secret(****)';
  }
}
