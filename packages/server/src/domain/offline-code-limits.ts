/**
 * Failed offline codes, limited per device and in total (docs/offline-codes.md, "Guessing"). Only
 * a merchant, signing with its key, can submit a code, so a guesser is a merchant or holds its key;
 * these limits bound what it can try. Counts are per server process and fixed windows: with P
 * processes the totals are P times these (the docs give the arithmetic). A device is named by its
 * tag, as the code carries it: no lookup is needed to refuse. Memory is bounded: the window's
 * failures are forgotten when it ends.
 */
export const DEVICE_FAILURES_PER_WINDOW = 10;
export const DEVICE_WINDOW_MS = 10 * 60_000;
export const TOTAL_FAILURES_PER_WINDOW = 600;
export const TOTAL_WINDOW_MS = 60_000;

export class OfflineCodeLimits {
  #deviceWindowStart = 0;
  readonly #byDevice = new Map<string, number>();
  #totalWindowStart = 0;
  #total = 0;

  constructor(
    private readonly perDevice = DEVICE_FAILURES_PER_WINDOW,
    private readonly total = TOTAL_FAILURES_PER_WINDOW,
  ) {}

  /** Whether an offline code with this tag may be checked now; false: refused unchecked (1036). */
  allows(tag: string, nowMs: number): boolean {
    this.#roll(nowMs);
    return this.#total < this.total && (this.#byDevice.get(tag) ?? 0) < this.perDevice;
  }

  /** A code with this tag was checked and refused. */
  failed(tag: string, nowMs: number): void {
    this.#roll(nowMs);
    this.#total += 1;
    this.#byDevice.set(tag, (this.#byDevice.get(tag) ?? 0) + 1);
  }

  #roll(nowMs: number): void {
    if (nowMs - this.#deviceWindowStart >= DEVICE_WINDOW_MS) {
      this.#deviceWindowStart = nowMs;
      this.#byDevice.clear();
    }
    if (nowMs - this.#totalWindowStart >= TOTAL_WINDOW_MS) {
      this.#totalWindowStart = nowMs;
      this.#total = 0;
    }
  }
}
