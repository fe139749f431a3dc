import { formatSen, isCalendarDate } from '@micropay/protocol';
import type { Config } from '../config.js';
import { MOVEMENT_PLACES, MOVEMENTS, movementAmountSen, PLACES, type MovementName, type Place, type PlatformDay } from '../domain/platform-day.js';
import { loadPlatformDay } from '../services/platform-day.js';
import { defineCommand } from './command-line.js';
import { dayNotOver, timeText, UsageError } from './common.js';

/** The report's words: a row per movement, a column per place; a cell is what the place gained (− lost). */
const LABELS: Readonly<Record<MovementName, string>> = {
  topUps: 'top-ups', topUpReversals: 'top-up reversals', payments: 'payments', refunds: 'refunds',
  merchantPayoutsRequested: "merchants' payouts requested", merchantPayoutsFailed: "merchants' payouts failed",
  merchantPayoutsPaidOut: "merchants' payouts paid out",
  walletPayoutsRequested: "closed wallets' payouts requested", walletPayoutsFailed: "closed wallets' payouts failed",
  walletPayoutsPaidOut: "closed wallets' payouts paid out",
};
const HEADINGS: Readonly<Record<Place, string>> = { wallets: 'in wallets', merchants: 'with merchants', payingOut: 'being paid out', onPlatform: 'on the platform' };
const WIRE: Readonly<Record<Place, string>> = { wallets: 'inWallets', merchants: 'withMerchants', payingOut: 'payingOut', onPlatform: 'onPlatform' };

const LABEL_WIDTH = 40;
const CELL_WIDTH = 17;

function line(label: string, cells: readonly (number | null)[]): string {
  return `  ${label.padEnd(LABEL_WIDTH)}${cells.map((sen) => (sen === null ? '' : formatSen(sen)).padStart(CELL_WIDTH)).join('')}`.trimEnd();
}

/** The day as a table: each column opening + its rows = closing; each row moves money between its columns. */
function platformDayText(d: PlatformDay, config: Config): string {
  const ends = (e: Readonly<Record<Place, number>>) => PLACES.map((place) => e[place]);
  const m = d.movements;
  const paidOutSen = movementAmountSen(d, 'merchantPayoutsPaidOut') + movementAmountSen(d, 'walletPayoutsPaidOut');
  return [
    `The platform's day ${d.date}: ${timeText(d.window.fromMs, config)} to ${timeText(d.window.toMs, config)} (${config.timeZone})`,
    `  ${''.padEnd(LABEL_WIDTH)}${PLACES.map((place) => HEADINGS[place].padStart(CELL_WIDTH)).join('')}`,
    line('opening', ends(d.opening)),
    ...MOVEMENTS.map((name) => line(`${LABELS[name]} (${m[name].count})`, PLACES.map((place) => (MOVEMENT_PLACES[name].includes(place) ? m[name].sen[place] : null)))),
    line('closing', ends(d.closing)),
    `On the platform: ${formatSen(d.opening.onPlatform)} + top-ups ${formatSen(movementAmountSen(d, 'topUps'))} − reversals ` +
      `${formatSen(movementAmountSen(d, 'topUpReversals'))} − payouts paid out ${formatSen(paidOutSen)} = ${formatSen(d.closing.onPlatform)}`,
    ...dayNotOver(d.window, Date.now(), config),
  ].join('\n');
}

function platformDayJson(d: PlatformDay, timeZone: string, nowMs: number) {
  const ends = (e: Readonly<Record<Place, number>>) => Object.fromEntries(PLACES.map((place) => [WIRE[place], formatSen(e[place])]));
  const moved = (name: MovementName) => ({ count: d.movements[name].count, amount: formatSen(movementAmountSen(d, name)) });
  const payouts = (who: 'merchant' | 'wallet') => ({
    requested: moved(`${who}PayoutsRequested`), failed: moved(`${who}PayoutsFailed`), paidOut: moved(`${who}PayoutsPaidOut`),
  });
  return {
    date: d.date, timeZone, fromMs: String(d.window.fromMs), toMs: String(d.window.toMs), opening: ends(d.opening),
    topUps: moved('topUps'), topUpReversals: moved('topUpReversals'), payments: moved('payments'), refunds: moved('refunds'),
    merchantPayouts: payouts('merchant'), closedWalletPayouts: payouts('wallet'),
    closing: ends(d.closing), dayOver: d.window.toMs <= nowMs,
  };
}

export const platformDay = defineCommand({
  name: 'report platform',
  summary: "the platform's day: top-ups, reversals, payments, refunds, payouts, and the money on the platform at its start and end",
  details: [
    'The day is a day in MICROPAY_TIMEZONE, read from the ledger: balances at its ends are the journal',
    'entries booked before them. On the platform: opening + top-ups − reversals − payouts paid out = closing,',
    'exactly; each column (wallets, merchants, being paid out) is opening + its rows = closing. The merchants\'',
    'column is the sum of report daily over the merchants; a closed day\'s closing is report balances then.',
  ].join('\n'),
  positionals: [],
  options: {
    date: { type: 'string', value: 'yyyy-MM-dd', required: true, help: 'the day, in the platform time zone' },
  },
  store: 'existing',
  async run({ options, store, out, config }) {
    if (!isCalendarDate(options.date)) throw new UsageError('--date must be a date as yyyy-MM-dd');
    const d = await loadPlatformDay(store, options.date, config.timeZone);
    out.show(platformDayJson(d, config.timeZone, Date.now()), platformDayText(d, config));
    return 0;
  },
});
