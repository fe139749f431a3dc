import { isCalendarDate } from '@micropay/protocol';
import type { Config } from '../config.js';
import { loadStatement } from '../api/refunds.js';
import type { Store } from '../store/store.js';
import { need, notFound, UsageError, type Output } from './common.js';

interface RefundFlags {
  url?: string | undefined;
  key?: string | undefined;
  'mch-id'?: string | undefined;
  order?: string | undefined;
  'refund-id'?: string | undefined;
  amount?: string | undefined;
  reason?: string | undefined;
  date?: string | undefined;
  json?: boolean | undefined;
}

/**
 * `bill --mch-id ID --date yyyy-MM-dd`: the merchant's statement for that day in the platform's
 * time zone, read from the store: the same CSV downloadBill answers.
 */
export async function billCommand(store: Store, config: Config, flags: RefundFlags, out: Output): Promise<number> {
  const mchId = need(flags['mch-id'], '--mch-id');
  const billDate = need(flags.date, '--date');
  if (!isCalendarDate(billDate)) throw new UsageError('--date must be a date as yyyy-MM-dd');
  if ((await store.findMerchant(mchId)) === null) notFound(`merchant ${mchId}`);
  const { statement, csv } = await loadStatement(store, mchId, billDate, config.timeZone);
  // Byte for byte what downloadBill puts in data.csv, so `micropay bill ... > day.csv` is the file.
  if (flags.json) out.show({ mchId, billDate, timeZone: config.timeZone, csv, totals: { ...statement.totals } }, '');
  else process.stdout.write(csv);
  return 0;
}
