import { formatSen } from '@micropay/protocol';
import type { Config } from '../config.js';
import type { PayoutSelection } from '../domain/payout-file.js';
import { payoutFile, payoutSelectionOf } from '../services/payout-file.js';
import { createOwnerOnly } from '../store/sqlite/owner-only.js';
import { defineCommand, type OptionSpec } from './command-line.js';
import { cliActing, CommandFailed, UsageError } from './common.js';
import { rmSync, writeFileSync } from 'node:fs';

/** The days a payout was requested, in the platform's time zone, as `payout list` and `payout export` take them. */
export const PAYOUT_DAYS = {
  from: { type: 'string', value: 'yyyy-MM-dd', help: 'only those requested on this day or later (MICROPAY_TIMEZONE)' },
  to: { type: 'string', value: 'yyyy-MM-dd', help: 'only those requested on this day or earlier' },
} as const satisfies Record<string, OptionSpec>;

/** The selection of the options, read as the consoles read theirs (services/payout-file.ts); no status: all. */
export function cliPayoutSelection(options: { status?: string | undefined; from?: string | undefined; to?: string | undefined }, config: Config): PayoutSelection {
  const s = payoutSelectionOf({ status: options.status ?? 'all', from: options.from, to: options.to }, config.timeZone);
  if ('kind' in s) throw new UsageError(`--${s.problem}`);
  return s;
}

function describe(s: PayoutSelection): string {
  const status = s.status === null ? 'all statuses' : s.status;
  const days = s.from === null && s.to === null ? 'any day' : `${s.from ?? 'the first'} to ${s.to ?? 'now'}`;
  return `${status}, requested ${days}`;
}

export const exportFile = defineCommand({
  name: 'payout export',
  summary: 'write the payout file for finance: a CSV of payouts, each with its bank account whole',
  details: [
    'The CSV finance takes to the bank (docs/operations.md, "The payout file"): one row per payout, newest',
    'first, as the operator console\'s Payouts section downloads it. REQUESTED by default: the transfers to',
    'make. FILE is made new, readable by its owner alone (it holds account numbers), and the export is',
    'recorded in the audit log (payout.download).',
  ].join('\n'),
  positionals: [],
  options: {
    status: { type: 'string', value: 'STATUS', help: 'REQUESTED (the default), PAID_OUT, FAILED or all' },
    ...PAYOUT_DAYS,
    out: { type: 'string', value: 'FILE', required: true, help: 'where to write the CSV (a new file)' },
  },
  store: 'existing',
  async run({ options, store, out, config }) {
    const selection = cliPayoutSelection({ ...options, status: options.status ?? 'REQUESTED' }, config);
    // Taken first, so that an export recorded in the audit log is one written.
    if (!createOwnerOnly(options.out)) throw new CommandFailed(`${options.out} exists already: the payout file is always a new file`);
    const file = await payoutFile(store, selection, config.timeZone, cliActing()).catch((error: unknown) => {
      rmSync(options.out);
      throw error;
    });
    if ('kind' in file) {
      rmSync(options.out);
      throw new UsageError(file.problem);
    }
    writeFileSync(options.out, file.csv);
    out.show(
      { file: options.out, status: selection.status ?? 'all', from: selection.from, to: selection.to, count: file.count, total: formatSen(file.totalSen) },
      `Wrote ${file.count} payout${file.count === 1 ? '' : 's'} (${describe(selection)}), ${formatSen(file.totalSen)} in all, to ${options.out}.`,
    );
    return 0;
  },
});
