import { isCalendarDate, type RefundData } from '@micropay/protocol';
import type { Config } from '../config.js';
import { loadStatement } from '../api/refunds.js';
import type { Store } from '../store/store.js';
import { callApi } from './api-call.js';
import { need, UsageError, type Output } from './common.js';

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

/** `refund` and `refund-query`: real signed HTTP calls, as a merchant's system makes them. */
export async function refundApiCommand(command: 'refund' | 'refund-query', flags: RefundFlags, out: Output): Promise<number> {
  const url = flags.url ?? 'http://127.0.0.1:8080';
  const key = need(flags.key, '--key');
  const base = { mchId: need(flags['mch-id'], '--mch-id'), mchRefundId: need(flags['refund-id'], '--refund-id') };
  const params: Record<string, string> =
    command === 'refund'
      ? {
          ...base,
          mchOrderId: need(flags.order, '--order'),
          refundAmount: need(flags.amount, '--amount'),
          ...(flags.reason === undefined ? {} : { reason: flags.reason }),
        }
      : base;
  const result = await callApi<RefundData>(url, command === 'refund' ? 'refund' : 'queryRefund', params, key);
  const { envelope } = result;
  const d = envelope.data;
  const lines = [`code ${envelope.code}: ${envelope.msg}`];
  if (d) {
    lines.push(
      `refund ${d.merchantRefundId} (${d.refundId}) ${d.refundStatus}${d.failReason ? ` (${d.failReason})` : ''}, amount ${d.refundAmount}`,
      `of order ${d.merchantOrderId} (${d.wavpayOrderId})${d.refundTime ? `, finished ${d.refundTime}` : ''}`,
      result.signatureValid ? 'response signature verified' : 'WARNING: the response signature does NOT verify',
    );
  }
  out.show({ ...envelope, signatureValid: result.signatureValid }, lines.join('\n'));
  return envelope.code === 0 && d?.refundStatus === 'REFUNDED' && result.signatureValid !== false ? 0 : 1;
}

/**
 * `bill --mch-id ID --date yyyy-MM-dd`: the merchant's statement for that day in the platform's
 * time zone, read from the store: the same CSV downloadBill answers.
 */
export async function billCommand(store: Store, config: Config, flags: RefundFlags, out: Output): Promise<number> {
  const mchId = need(flags['mch-id'], '--mch-id');
  const billDate = need(flags.date, '--date');
  if (!isCalendarDate(billDate)) throw new UsageError('--date must be a date as yyyy-MM-dd');
  if ((await store.findMerchant(mchId)) === null) {
    process.stderr.write(`micropay: no merchant ${mchId}\n`);
    return 1;
  }
  const { statement, csv } = await loadStatement(store, mchId, billDate, config.timeZone);
  // Byte for byte what downloadBill puts in data.csv, so `micropay bill ... > day.csv` is the file.
  if (flags.json) out.show({ mchId, billDate, timeZone: config.timeZone, csv, totals: { ...statement.totals } }, '');
  else process.stdout.write(csv);
  return 0;
}
