import { closeSync, fsyncSync, rmSync, writeFileSync } from 'node:fs';
import { formatSen } from '@micropay/protocol';
import { payoutFileWords } from '@micropay/protocol/payout-file';
import type { Config } from '../config.js';
import type { PayoutSelection } from '../domain/payout-file.js';
import { PAYOUT_CHOICES, payoutFile, payoutSelectionOf, type PayoutFile, type PayoutQuery } from '../services/payout-file.js';
import { openNewOwnerOnly } from '../store/sqlite/owner-only.js';
import { defineCommand, type OptionSpec } from './command-line.js';
import { cliActing, CommandFailed, UsageError } from './common.js';

/** The days a payout was requested, in the platform's time zone, as `payout list` and `payout export` take them. */
export const PAYOUT_DAYS = {
  from: { type: 'string', value: 'yyyy-MM-dd', help: 'only those requested on this day or later (MICROPAY_TIMEZONE)' },
  to: { type: 'string', value: 'yyyy-MM-dd', help: 'only those requested on this day or earlier' },
} as const satisfies Record<string, OptionSpec>;

/** A payout file's number, as `payout list` and `payout export` take it. */
export const PAYOUT_FILE_OPTION = { type: 'string', value: 'N', help: 'only the payouts of payout file N' } as const satisfies OptionSpec;

/** The selection of the options, read as the console's (services/payout-file.ts). */
export function cliPayoutSelection(q: PayoutQuery, config: Config): PayoutSelection {
  const s = payoutSelectionOf(q, config.timeZone);
  if ('kind' in s) throw new UsageError(`--${s.problem}`);
  return s;
}

function describe(s: PayoutSelection): string {
  const status = s.file === 'new' ? 'REQUESTED in no payout file yet'
    : `${typeof s.file === 'number' ? `payout file ${s.file}, ` : ''}${s.status === null ? 'all statuses' : s.status}`;
  const days = s.from === null && s.to === null ? 'any day' : `${s.from ?? 'the first'} to ${s.to ?? 'now'}`;
  return `${status}, requested ${days}`;
}

export const exportFile = defineCommand({
  name: 'payout export',
  summary: 'write the payout file for finance: a CSV of payouts, each with its bank account whole',
  details: [
    'The CSV finance takes to the bank (docs/operations.md, "The payout file"): one row per payout, newest',
    'first, as the operator console\'s Payouts section downloads it. By default (--status new) the REQUESTED',
    'payouts in no payout file yet: they become a new numbered payout file, marked as in it, so no later',
    'file of new payouts holds them again; record the bank\'s answer with payout confirm or payout fail.',
    '--file N writes payout file N again, its payouts still REQUESTED (--status all: every one); any other',
    'choice only reads, its column file saying which file each went to the bank in.',
    'FILE is made new, in a folder that exists, readable by its owner alone (it holds account numbers);',
    'the export is recorded in the audit log (payout.download).',
  ].join('\n'),
  positionals: [],
  options: {
    status: { type: 'string', value: 'STATUS', help: `${PAYOUT_CHOICES.join(', ')} (default new; with --file, REQUESTED)` },
    ...PAYOUT_DAYS,
    file: PAYOUT_FILE_OPTION,
    out: { type: 'string', value: 'FILE', required: true, help: 'where to write the CSV (a new file)' },
  },
  store: 'existing',
  async run({ options, store, out, config }) {
    const selection = cliPayoutSelection(options, config);
    const fd = newOwnerOnlyFile(options.out);
    let file: PayoutFile | undefined;
    try {
      // The audit row is written before the file: an export whose record failed releases nothing.
      const made = await payoutFile(store, selection, config.timeZone, cliActing());
      if ('kind' in made) throw new UsageError(made.problem);
      file = made;
      // writeFileSync on a descriptor writes until every byte is written (a single write may not).
      writeFileSync(fd, file.csv);
      fsyncSync(fd);
    } catch (error) {
      rmSync(options.out, { force: true });
      // A file numbered but not written is still made: its payouts are in no new file again.
      if (file?.fileNo != null && selection.file === 'new') {
        throw new CommandFailed(`payout file ${file.fileNo} was made, but ${options.out} could not be written (${(error as Error).message}): write it again with --file ${file.fileNo}`);
      }
      throw error;
    } finally {
      closeSync(fd);
    }
    out.show(
      {
        file: options.out, status: selection.file === 'new' ? 'new' : selection.status ?? 'all', from: selection.from, to: selection.to,
        fileNo: file.fileNo, count: file.count, total: formatSen(file.totalSen), newAccounts: file.newAccounts, inEarlierFiles: file.inEarlierFiles,
        finished: file.finished,
      },
      `Wrote ${options.out} (${describe(selection)}): ${payoutFileWords({ ...file, total: formatSen(file.totalSen), made: selection.file === 'new' })}`,
    );
    return 0;
  },
});

/** The file opened new and 0600 (store/sqlite/owner-only.ts), or why not, in words. */
function newOwnerOnlyFile(path: string): number {
  try {
    return openNewOwnerOnly(path);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'EEXIST') throw new CommandFailed(`${path} exists already: the payout file is always a new file`);
    throw new CommandFailed(`cannot write ${path}: ${code === 'ENOENT' ? 'its folder does not exist' : (error as Error).message}`);
  }
}
