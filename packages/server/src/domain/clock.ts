/** Time and identity are passed into the domain, so tests can drive them and the core stays pure. */
export interface Clock {
  nowMs(): number;
}

export const systemClock: Clock = { nowMs: () => Date.now() };
