import { formatSen, isCalendarDate } from '@micropay/protocol';
import { loadStatement } from '../services/statements.js';
import { defineCommand, type CommandGroup } from './command-line.js';
import { notFound, timeText, UsageError } from './common.js';

/**
 * `bill --mch-id ID --date yyyy-MM-dd`: the merchant's statement for that day in the platform's
 * time zone, read from the store: the same CSV downloadBill answers. The text output puts a line
 * before it saying which hours the day covers, with their offset; --csv prints the CSV alone,
 * byte for byte downloadBill's data.csv, so `micropay bill ... --csv > day.csv` is the file.
 */
const bill = defineCommand({
  name: 'bill',
  summary: "a merchant's statement for one day (downloadBill's CSV)",
  details: [
    'The day is a day in MICROPAY_TIMEZONE. The text output starts with a line naming the merchant and',
    'the hours the day covers, with their offset, then the CSV. --json gives amounts as decimal strings.',
  ].join('\n'),
  positionals: [],
  options: {
    'mch-id': { type: 'string', value: 'MCHID', required: true, help: 'the merchant' },
    date: { type: 'string', value: 'yyyy-MM-dd', required: true, help: 'the day, in the platform time zone' },
    csv: { type: 'boolean', help: "print only the CSV, byte for byte downloadBill's data.csv" },
  },
  store: 'existing',
  async run({ options, store, out, config, json }) {
    const mchId = options['mch-id'];
    const billDate = options.date;
    if (!isCalendarDate(billDate)) throw new UsageError('--date must be a date as yyyy-MM-dd');
    if (json && options.csv) throw new UsageError('--csv and --json cannot be used together');
    const merchant = await store.findMerchant(mchId);
    if (merchant === null) return notFound(`merchant ${mchId}`);
    const { statement, csv } = await loadStatement(store, mchId, billDate, config.timeZone);
    const t = statement.totals;
    if (options.csv) {
      process.stdout.write(csv);
      return 0;
    }
    out.show(
      {
        mchId,
        billDate,
        timeZone: config.timeZone,
        csv,
        totals: {
          paymentCount: t.paymentCount,
          grossAmount: formatSen(t.grossSen),
          refundCount: t.refundCount,
          refundAmount: formatSen(t.refundSen),
          netAmount: formatSen(t.netSen),
        },
      },
      `Statement of merchant ${mchId} "${merchant.name}" for ${billDate}: ` +
        `${timeText(statement.window.fromMs, config)} to ${timeText(statement.window.toMs, config)} (${config.timeZone})\n` +
        csv.replace(/\r\n/g, '\n').trimEnd(),
    );
    return 0;
  },
});

export const billCommands: CommandGroup = { title: 'Statements', commands: [bill] };
