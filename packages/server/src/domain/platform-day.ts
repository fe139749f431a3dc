import { assert, PLATFORM_FLOAT, PLATFORM_PAYOUTS, type EntryKind } from './ledger.js';
import type { DayWindow } from './statement.js';

/**
 * The platform's day (docs/operations.md, "The platform's day"): for one day in the platform's time
 * zone, where the money was at the day's start and end, and the day's journal entries by kind, all
 * from the ledger. Balances at a moment are the sums of the postings of the entries booked before
 * it, so a past day's figures do not depend on anything that moved since.
 *
 * Each movement is a journal entry, whose postings sum to zero across the four places money can be:
 * wallets, merchants, the payouts clearing account (being paid out) and the float, whose debit is
 * the money on the platform. So for each place, opening + the day's movements = closing, and
 *
 *   on the platform: opening + top-ups − reversals − payouts paid out = closing        (exact, in sen)
 *
 * Payments, refunds, payouts requested and failed payouts only move money inside the platform.
 * Each place's column is opening + movements = closing because every posting is in one of them;
 * what buildPlatformDay asserts is what the ledger must make true: both ends sum to zero, each
 * movement's postings sum to zero, and only the movements named above change the money on the
 * platform. An entry of a kind or account it does not know fires an assertion instead of being left out.
 */

/** Where money is: what the report's columns sum. */
export type Place = 'wallets' | 'merchants' | 'payingOut' | 'onPlatform';
export const PLACES: readonly Place[] = ['wallets', 'merchants', 'payingOut', 'onPlatform'];

/** One group of postings as the store sums them (store/platform-day-sql.ts). */
export interface PlatformDayRow {
  /** Booked within the day; otherwise before its start. */
  readonly inDay: boolean;
  readonly kind: EntryKind;
  /** `wallet`, `merchant`, or a platform account (platform:float, platform:payouts). */
  readonly account: string;
  /** Whose payout a payout entry moves; null for the other kinds. */
  readonly payoutOf: 'merchant' | 'wallet' | null;
  readonly sen: number;
  /** How many postings: each kind posts once to each place it touches, so this counts entries. */
  readonly postings: number;
}

/** A movement of the day: how many entries, and what each place gained (− lost), in sen. */
export interface Movement {
  readonly count: number;
  readonly sen: Readonly<Record<Place, number>>;
}

/** The day's movements, in the order the report lists them. */
export const MOVEMENTS = [
  'topUps', 'topUpReversals', 'payments', 'refunds',
  'merchantPayoutsRequested', 'merchantPayoutsFailed', 'merchantPayoutsPaidOut',
  'walletPayoutsRequested', 'walletPayoutsFailed', 'walletPayoutsPaidOut',
] as const;
export type MovementName = (typeof MOVEMENTS)[number];

export interface PlatformDay {
  readonly date: string;
  readonly window: DayWindow;
  readonly opening: Readonly<Record<Place, number>>;
  readonly movements: Readonly<Record<MovementName, Movement>>;
  readonly closing: Readonly<Record<Place, number>>;
}

/** Which movement an entry of a kind is, by whose payout it moves (payouts of merchants and closed wallets apart). */
function movementOf(kind: EntryKind, payoutOf: PlatformDayRow['payoutOf']): MovementName {
  switch (kind) {
    case 'topup': return 'topUps';
    case 'topup_reversal': return 'topUpReversals';
    case 'payment': return 'payments';
    case 'refund': return 'refunds';
    default: {
      assert(payoutOf !== null, 'a payout entry names its payout');
      const who = payoutOf === 'merchant' ? 'merchant' : 'wallet';
      const step = kind === 'payout' ? 'Requested' : kind === 'payout_paid' ? 'PaidOut' : 'Failed';
      assert(kind === 'payout' || kind === 'payout_paid' || kind === 'payout_returned', `the platform's day knows entries of kind ${kind}`);
      return `${who}Payouts${step}` as MovementName;
    }
  }
}

/** The place an account's postings count in; the float counts negated, as the money on the platform. */
function placeOf(account: string): { place: Place; sign: 1 | -1 } {
  if (account === 'wallet') return { place: 'wallets', sign: 1 };
  if (account === 'merchant') return { place: 'merchants', sign: 1 };
  if (account === PLATFORM_PAYOUTS) return { place: 'payingOut', sign: 1 };
  assert(account === PLATFORM_FLOAT, `the platform's day knows account ${account}`);
  return { place: 'onPlatform', sign: -1 };
}

const zero = (): Record<Place, number> => ({ wallets: 0, merchants: 0, payingOut: 0, onPlatform: 0 });

export function buildPlatformDay(date: string, window: DayWindow, rows: readonly PlatformDayRow[]): PlatformDay {
  const opening = zero();
  const closing = zero();
  const moved = Object.fromEntries(MOVEMENTS.map((name) => [name, { count: 0, sen: zero() }])) as Record<MovementName, { count: number; sen: Record<Place, number> }>;
  const counted = new Map<MovementName, number>();
  for (const r of rows) {
    const { place, sign } = placeOf(r.account);
    closing[place] += sign * r.sen;
    if (!r.inDay) {
      opening[place] += sign * r.sen;
      continue;
    }
    const name = movementOf(r.kind, r.payoutOf);
    moved[name].sen[place] += sign * r.sen;
    // Every entry posts once to the accounts it names: its count is that of any one place's postings.
    counted.set(name, Math.max(counted.get(name) ?? 0, r.postings));
  }
  for (const [name, count] of counted) moved[name].count = count;
  // The money on the platform is what wallets, merchants and payouts being made hold, at both ends.
  for (const ends of [opening, closing]) {
    assert(ends.onPlatform === ends.wallets + ends.merchants + ends.payingOut, 'the ledger sums to zero at the day\'s ends');
  }
  for (const name of MOVEMENTS) {
    const m = moved[name].sen;
    assert(m.wallets + m.merchants + m.payingOut === m.onPlatform, `the ${name} of the day sum to zero with the float`);
    for (const place of PLACES) {
      assert(MOVEMENT_PLACES[name].includes(place) || m[place] === 0, `the ${name} of the day move no money of ${place}`);
    }
  }
  return { date, window, opening, movements: moved, closing };
}

/**
 * The places each movement moves money between; its other places stay 0 (asserted). Top-ups come
 * from outside and reversals and payouts paid out go outside, through the float.
 */
export const MOVEMENT_PLACES: Readonly<Record<MovementName, readonly Place[]>> = {
  topUps: ['wallets', 'onPlatform'], topUpReversals: ['wallets', 'onPlatform'],
  payments: ['wallets', 'merchants'], refunds: ['wallets', 'merchants'],
  merchantPayoutsRequested: ['merchants', 'payingOut'], merchantPayoutsFailed: ['merchants', 'payingOut'],
  merchantPayoutsPaidOut: ['payingOut', 'onPlatform'],
  walletPayoutsRequested: ['wallets', 'payingOut'], walletPayoutsFailed: ['wallets', 'payingOut'],
  walletPayoutsPaidOut: ['payingOut', 'onPlatform'],
};

/** How much a movement moved, as a positive amount: what its place gained, or lost. */
const AMOUNT_OF: Readonly<Record<MovementName, readonly [Place, 1 | -1]>> = {
  topUps: ['onPlatform', 1], topUpReversals: ['onPlatform', -1], payments: ['merchants', 1], refunds: ['wallets', 1],
  merchantPayoutsRequested: ['payingOut', 1], merchantPayoutsFailed: ['payingOut', -1], merchantPayoutsPaidOut: ['onPlatform', -1],
  walletPayoutsRequested: ['payingOut', 1], walletPayoutsFailed: ['payingOut', -1], walletPayoutsPaidOut: ['onPlatform', -1],
};

export function movementAmountSen(day: PlatformDay, name: MovementName): number {
  const [place, sign] = AMOUNT_OF[name];
  return sign * day.movements[name].sen[place];
}
